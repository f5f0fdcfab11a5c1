use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::model::{Modifier, NameKind, PassKind};
use super::*;
use crate::source::{FileId, LineIndex};

const F: FileId = FileId(0);

fn errors(text: &str, ctx: Context) -> Vec<(usize, ErrorKind, String)> {
    let p = parse_in(F, text, ctx);
    let idx = LineIndex::new(text);
    p.errors.iter().map(|e| (idx.line_of(e.span.start) + 1, e.kind, e.message.clone())).collect()
}

fn slice(text: &str, s: crate::source::Span) -> &str {
    &text[s.range()]
}

#[test]
fn tree_and_spans() {
    let text = "server {\n  listen 80;\n  location /api/ { proxy_pass http://api:8000/; }\n}\n";
    let p = parse_in(F, text, Context::Http);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let server = &p.directives[0];
    assert_eq!(slice(text, server.span), &text[..text.len() - 1]);
    let loc = &server.children()[1];
    assert_eq!(slice(text, loc.name.span), "location");
    assert_eq!(slice(text, loc.args[0].span), "/api/");
    let pass = &loc.children()[0];
    assert_eq!(slice(text, pass.span), "proxy_pass http://api:8000/;");
    assert_eq!(pass.args[0].value, "http://api:8000/");
}

#[test]
fn quotes_escapes_and_variables() {
    let text = r#"add_header X-A "say \"hi\"\t{x}" always; set $v ${host}abc; add_header 'X-B' 'it\'s' ;return 200 a#b; # c
"#;
    let p = parse_in(F, text, Context::Location);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let d = &p.directives;
    assert_eq!(d[0].args[1].value, "say \"hi\"\t{x}");
    assert_eq!(d[0].args[1].quote, Quote::Double);
    assert_eq!(slice(text, d[0].args[1].span), r#""say \"hi\"\t{x}""#);
    assert_eq!(d[1].args[1].value, "${host}abc");
    assert!(d[1].args[1].has_variable());
    assert_eq!(d[2].args[1].value, "it's");
    assert_eq!(d[3].args[1].value, "a#b");
    assert_eq!(p.comments.len(), 1);
    assert_eq!(slice(text, p.comments[0]), "# c");
}

#[test]
fn regex_locations() {
    let text =
        "location ~ ^/(a|b)\\{2\\}$ { return 204; }\nlocation ~* \"\\.(png|jpg){1,3}$\" { }\nlocation =/exact { }\n";
    let p = parse_in(F, text, Context::Server);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.directives[0].args[1].value, "^/(a|b)\\{2\\}$");
    assert_eq!(p.directives[1].args[1].value, "\\.(png|jpg){1,3}$");
    // Unquoted braces in a regex: nginx fails with `unknown directive "2}$"` on that line.
    let bad = "server {\n  location ~ ^/a{2}$ {\n    return 200;\n  }\n}\n";
    let e = errors(bad, Context::Http);
    assert_eq!(e[0], (2, ErrorKind::UnknownDirective, "unknown directive \"2}$\"".into()));
}

#[test]
fn lua_blocks_are_raw() {
    let text = "location / {\n  content_by_lua_block {\n    local t = { a = \"}\" } -- }\n    ngx.say([[ } ]])\n  }\n  return 200;\n}\n";
    let p = parse_in(F, text, Context::Server);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let loc = &p.directives[0];
    assert_eq!(loc.children().len(), 2);
    let lua = &loc.children()[0];
    let raw = lua.block.as_ref().and_then(|b| b.raw).map(|r| slice(text, r)).unwrap_or_default();
    assert!(raw.contains("ngx.say"), "{raw}");
    assert!(loc.children()[1].is("return"));
}

#[test]
fn missing_semicolon_before_block_is_reported_where_nginx_does() {
    let text = "server {\n    listen 80\n    location / {\n    }\n}\n";
    let p = parse_in(F, text, Context::Http);
    let idx = LineIndex::new(text);
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    let e = &p.errors[0];
    assert_eq!(e.kind, ErrorKind::NotTerminated);
    assert_eq!(e.message, "directive \"listen\" is not terminated by \";\"");
    assert_eq!(idx.line_of(e.span.start) + 1, 3);
    // The hint points right after `80`.
    let hint = e.hint.as_ref().map(|h| h.0.start as usize).unwrap_or_default();
    assert_eq!(&text[hint - 2..hint], "80");
    // Recovered: both directives are in the tree.
    let names: Vec<_> = p.directives[0].children().iter().map(|d| d.name.value.as_str()).collect();
    assert_eq!(names, ["listen", "location"]);
    // An unknown directive followed by a block directive is the same mistake.
    let e = errors("server {\n  brotli on\n  location / { }\n}\n", Context::Http);
    assert_eq!(e[0].0, 3);
    assert_eq!(e[0].1, ErrorKind::NotTerminated);
}

#[test]
fn structural_errors() {
    assert_eq!(
        errors("server {\n  listen 80\n}\n", Context::Http),
        [(3, ErrorKind::Unexpected, "unexpected \"}\"".into())]
    );
    assert_eq!(
        errors("http {\n  server {\n  }\n", Context::Main),
        [(4, ErrorKind::UnexpectedEof, "unexpected end of file, expecting \"}\"".into())]
    );
    assert_eq!(errors("}\n", Context::Http), [(1, ErrorKind::Unexpected, "unexpected \"}\"".into())]);
    assert_eq!(errors("listen 80", Context::Server)[0].1, ErrorKind::UnexpectedEof);
    let e = errors("server {\n  return 200 \"abc;\n}\n", Context::Http);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].0, 4);
    assert_eq!(errors("return 200 \"a\"b;", Context::Server)[0].2, "unexpected \"b\"");
    assert_eq!(errors(";", Context::Server)[0].2, "unexpected \";\"");
    assert_eq!(errors("{ }", Context::Server)[0].2, "unexpected \"{\"");
}

#[test]
fn directive_table_checks() {
    assert_eq!(
        errors("location / { }\n", Context::Http),
        [(1, ErrorKind::NotAllowedHere, "\"location\" directive is not allowed here".into())]
    );
    assert_eq!(errors("server;\n", Context::Http)[0].1, ErrorKind::NoOpeningBrace);
    assert_eq!(
        errors("server {\n root /a /b;\n}\n", Context::Http)[0],
        (2, ErrorKind::InvalidArgCount, "invalid number of arguments in \"root\" directive".into())
    );
    // `server` inside `upstream` is a simple directive.
    assert!(errors("upstream app { server app:8000; keepalive 8; }\n", Context::Http).is_empty());
    // Unknown (third-party) directives are fine anywhere; data blocks are not checked.
    assert!(errors("more_set_headers \"Server: x\"; map $a $b { default 0; ~^/x 1; }\n", Context::Http).is_empty());
    assert!(errors("types { text/html html htm; }\n", Context::Http).is_empty());
    // `if` in a location: proxy_pass allowed, location not.
    assert!(errors("location / { if ($a) { proxy_pass http://x; } }\n", Context::Server).is_empty());
    assert_eq!(errors("location / { if ($a) { location /x { } } }\n", Context::Server)[0].1, ErrorKind::NotAllowedHere);
}

#[test]
fn hostile_input_is_bounded() {
    let deep = "a {".repeat(100_000);
    let p = parse_in(F, &deep, Context::Http);
    assert!(p.errors.iter().any(|e| e.kind == ErrorKind::TooDeep));
    assert!(p.errors.iter().any(|e| e.kind == ErrorKind::UnexpectedEof));
    let closes = "}".repeat(10_000);
    assert_eq!(parse_in(F, &closes, Context::Http).errors.len(), 10_000);
    let long = format!("add_header X \"{}\";", "a".repeat(5000));
    assert_eq!(errors(&long, Context::Server)[0].1, ErrorKind::TooLong);
    let unterminated = format!("add_header X \"{}", "a\n".repeat(3000));
    let e = errors(&unterminated, Context::Server);
    assert_eq!((e.len(), e[0].0, e[0].1), (1, 1, ErrorKind::TooLong));
    for text in ["\\", "\"\\", "a\\", "'", "${", "é\\é", "a \"é\"é;", "x_by_lua_block { --[==[ ", "{{{{}}}}}"] {
        let _ = parse(F, text);
    }
}

#[test]
fn guesses_context() {
    assert_eq!(guess_context("user nginx;\nevents {}\n"), Context::Main);
    assert_eq!(guess_context("upstream a { server b; }\nserver { listen 80; }"), Context::Http);
    assert_eq!(guess_context("location /api { return 404; }"), Context::Server);
    assert_eq!(guess_context("# nothing"), Context::Http);
}

/// An in-memory file system for include tests.
struct MemFs {
    files: HashMap<PathBuf, String>,
    ids: Vec<PathBuf>,
}

impl IncludeFs for MemFs {
    fn load(&mut self, path: &Path) -> Result<(FileId, Arc<str>), String> {
        let text = self.files.get(path).ok_or("No such file or directory")?;
        self.ids.push(path.to_path_buf());
        Ok((FileId(self.ids.len() as u32 - 1), Arc::from(text.as_str())))
    }

    fn glob(&mut self, mask: &Path, limit: usize) -> Vec<PathBuf> {
        let m = globset::GlobBuilder::new(&mask.to_string_lossy())
            .literal_separator(true)
            .build()
            .unwrap()
            .compile_matcher();
        let mut v: Vec<PathBuf> = self.files.keys().filter(|p| m.is_match(p)).cloned().collect();
        v.sort();
        v.truncate(limit + 1);
        v
    }
}

fn memfs(files: &[(&str, &str)]) -> MemFs {
    MemFs { files: files.iter().map(|(p, t)| (PathBuf::from(p), (*t).to_owned())).collect(), ids: Vec::new() }
}

#[test]
fn includes_resolve_against_the_prefix_in_context() {
    let mut fs = memfs(&[
        ("/etc/nginx/nginx.conf", "events {}\nhttp {\n  include conf.d/*.conf;\n  include missing.conf;\n}\n"),
        ("/etc/nginx/conf.d/b.conf", "server { listen 81; include snippets/h.conf; }\n"),
        ("/etc/nginx/conf.d/a.conf", "server { listen 80 default_server; include snippets/h.conf; }\n"),
        ("/etc/nginx/snippets/h.conf", "add_header X-Frame-Options DENY;\nlocation /x { return 204; }\n"),
    ]);
    let cfg =
        resolve(&mut fs, Path::new("/etc/nginx/nginx.conf"), Context::Main, &IncludeOptions::prefix("/etc/nginx"));
    let errs: Vec<_> = cfg.all_errors().map(|e| e.message.clone()).collect();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("/etc/nginx/missing.conf"), "{errs:?}");
    // The snippet is parsed once per context and shared.
    assert_eq!(cfg.files.len(), 4);
    let m = extract(&cfg);
    let ports: Vec<_> = m.servers.iter().map(|s| s.listens[0].port).collect();
    assert_eq!(ports, [Some(80), Some(81)], "glob matches are sorted");
    assert!(m.servers[0].listens[0].default_server);
    assert_eq!(m.servers[1].headers.add_header[0].name.value, "X-Frame-Options");
    assert_eq!(m.servers[1].locations[0].path.value, "/x");
}

#[test]
fn include_cycles_and_limits() {
    let mut fs = memfs(&[("/c/a.conf", "include b.conf;\n"), ("/c/b.conf", "include a.conf;\n")]);
    let cfg = resolve(&mut fs, Path::new("/c/a.conf"), Context::Http, &IncludeOptions::including_file());
    assert!(cfg.errors.iter().any(|e| e.message.contains("include cycle")), "{:?}", cfg.errors);
    let many: Vec<(String, String)> = (0..50).map(|i| (format!("/d/conf.d/{i:03}.conf"), format!("# {i}\n"))).collect();
    let mut files: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    files.push(("/d/nginx.conf", "include conf.d/*.conf;\n"));
    let mut fs = memfs(&files);
    let opts = IncludeOptions { max_files: 10, ..IncludeOptions::prefix("/d") };
    let cfg = resolve(&mut fs, Path::new("/d/nginx.conf"), Context::Http, &opts);
    assert_eq!(cfg.files.len(), 10);
    assert!(cfg.errors.iter().any(|e| e.message.contains("limit")), "{:?}", cfg.errors);
}

#[test]
fn templates_are_rendered_with_spans_on_the_template() {
    let tpl = "server {\n  listen ${NGINX_PORT};\n  server_name ${DOMAIN};\n  location / { proxy_pass http://$host_upstream; }\n}\n";
    let mut fs = memfs(&[("/t/default.conf.template", tpl)]);
    let env: HashMap<String, String> = [("NGINX_PORT", "8080"), ("DOMAIN", "app.example.org")]
        .iter()
        .map(|(a, b)| ((*a).into(), (*b).into()))
        .collect();
    let opts = IncludeOptions { template_env: Some(env), ..IncludeOptions::including_file() };
    let cfg = resolve(&mut fs, Path::new("/t/default.conf.template"), Context::Http, &opts);
    assert_eq!(cfg.all_errors().count(), 0);
    let m = extract(&cfg);
    let l = &m.servers[0].listens[0];
    assert_eq!(l.port, Some(8080));
    assert_eq!(&tpl[l.address.span.range()], "${NGINX_PORT}");
    assert_eq!(&tpl[m.servers[0].names[0].name.span.range()], "${DOMAIN}");
    assert_eq!(m.servers[0].names[0].name.value, "app.example.org");
    assert!(m.servers[0].locations[0].passes[0].parsed.has_variables);
    // Without the environment the template is parsed as written: the port is unknown.
    let mut fs = memfs(&[("/t/default.conf.template", tpl)]);
    let cfg = resolve(&mut fs, Path::new("/t/default.conf.template"), Context::Http, &IncludeOptions::including_file());
    let l = &extract(&cfg).servers[0].listens[0];
    assert_eq!((l.host.as_deref(), l.port), (None, None));
}

#[test]
fn model_of_a_site() {
    let text = r#"
upstream backend { server app:8000; server unix:/run/app.sock backup; }
add_header X-Http 1;
server {
    listen 443 ssl http2;
    listen [::]:443 ssl;
    listen 127.0.0.1:8080 default_server;
    server_name example.org *.example.org mail.* .example.net ~^(?<sub>.+)\.example\.com$ "";
    ssl_certificate /etc/letsencrypt/live/example.org/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/example.org/privkey.pem;
    proxy_set_header Host $host;
    location = /health { return 200; }
    location ^~ /static/ { root /srv; }
    location ~* \.php$ { fastcgi_pass php:9000; }
    location /api/ {
        add_header X-Api 1 always;
        proxy_pass http://backend/;
        location /api/ws { proxy_pass http://ws:3000; }
    }
    location @fallback { uwsgi_pass uwsgi://py:3031; }
    location /grpc { grpc_pass grpcs://g:50051; }
}
"#;
    let p = parse_in(F, text, Context::Http);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let cfg = Config {
        files: vec![include::ConfFile { path: "x".into(), context: Context::Http, parsed: p, rendered: None }],
        errors: vec![],
    };
    let m = extract(&cfg);
    assert_eq!(m.upstreams[0].name.value, "backend");
    assert_eq!(m.upstreams[0].servers[0].port, Some(8000));
    assert!(m.upstreams[0].servers[1].backup);
    assert_eq!(m.http.add_header.len(), 1);
    let s = &m.servers[0];
    assert_eq!(s.listens.len(), 3);
    assert!(s.listens[0].ssl && s.listens[0].http2 && s.listens[0].host.is_none());
    assert!(s.listens[1].ipv6 && s.listens[1].host.as_deref() == Some("::"));
    assert!(
        s.listens[2].default_server
            && s.listens[2].host.as_deref() == Some("127.0.0.1")
            && s.listens[2].port == Some(8080)
    );
    let kinds: Vec<_> = s.names.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        [
            NameKind::Exact,
            NameKind::LeadingWildcard,
            NameKind::TrailingWildcard,
            NameKind::Suffix,
            NameKind::Regex,
            NameKind::Empty
        ]
    );
    assert_eq!(s.ssl_certificates[0].value, "/etc/letsencrypt/live/example.org/fullchain.pem");
    assert_eq!(s.headers.proxy_set_header[0].value.value, "$host");
    let mods: Vec<_> = s.locations.iter().map(|l| l.modifier).collect();
    assert_eq!(
        mods,
        [
            Modifier::Exact,
            Modifier::PrefixNoRegex,
            Modifier::RegexCaseless,
            Modifier::Prefix,
            Modifier::Named,
            Modifier::Prefix
        ]
    );
    assert_eq!(s.locations[2].passes[0].kind, PassKind::FastCgi);
    let api = &s.locations[3];
    assert!(api.headers.add_header[0].always);
    assert_eq!(api.passes[0].parsed.uri.as_deref(), Some("/"));
    assert_eq!(api.locations[0].passes[0].parsed.port, Some(3000));
    assert_eq!(s.locations[4].passes[0].parsed.scheme.as_deref(), Some("uwsgi"));
    assert_eq!(s.locations[5].passes[0].kind, PassKind::Grpc);
}
