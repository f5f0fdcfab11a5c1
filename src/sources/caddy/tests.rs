use std::collections::HashMap;
use std::sync::Arc;

use super::model::{Matcher, UpstreamKind};
use super::*;
use crate::source::Spanned;

const F: FileId = FileId(0);

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn parse_with(text: &str, env: &[(&str, &str)], dialect: Dialect) -> Caddyfile {
    let env = vars(env);
    let lookup = |k: &str| env.get(k).cloned();
    parse(F, text, &lookup, &mut NoImports, &Options { dialect, ..Options::default() })
}

fn p(text: &str) -> Caddyfile {
    parse_with(text, &[], Dialect::Current)
}

fn slice(text: &str, s: Span) -> &str {
    &text[s.range()]
}

fn line_of(text: &str, s: Span) -> usize {
    text[..s.start as usize].matches('\n').count() + 1
}

/// Texts of the tokens of every directive (name and args) of the first site, flattened.
fn words(cf: &Caddyfile) -> Vec<String> {
    fn walk(ds: &[Directive], out: &mut Vec<String>) {
        for d in ds {
            out.push(d.name.text.clone());
            out.extend(d.args.iter().map(|a| a.text.clone()));
            walk(d.children(), out);
        }
    }
    let mut out = Vec::new();
    if let Some(b) = cf.sites().next() {
        walk(&b.directives, &mut out);
    }
    out
}

#[test]
fn global_options_then_sites_with_spans() {
    let text = "{\n\temail ops@example.com\n}\n\nexample.com, www.example.com {\n\treverse_proxy app:8000\n}\n";
    let cf = p(text);
    assert!(cf.errors.is_empty(), "{:?}", cf.errors);
    let g = cf.global().unwrap();
    assert_eq!(g.directives[0].name(), "email");
    let site = cf.sites().next().unwrap();
    let keys: Vec<&str> = site.keys.iter().map(|k| k.text.as_str()).collect();
    assert_eq!(keys, ["example.com", "www.example.com"]);
    assert_eq!(slice(text, site.keys[0].span), "example.com", "the comma is not part of the key's span");
    let rp = &site.directives[0];
    assert_eq!(slice(text, rp.name.span), "reverse_proxy");
    assert_eq!(slice(text, rp.args[0].span), "app:8000");
    assert_eq!(slice(text, site.span), &text[text.find("example.com,").unwrap()..text.len() - 1]);
}

#[test]
fn addresses_continue_after_a_trailing_comma_on_the_next_line() {
    let cf = p("a.example.com,\nb.example.com {\n\trespond ok\n}\n");
    let keys: Vec<&str> = cf.sites().next().unwrap().keys.iter().map(|k| k.text.as_str()).collect();
    assert_eq!(keys, ["a.example.com", "b.example.com"]);
}

#[test]
fn quotes_backticks_escapes_and_comments() {
    let text = "x.com {\n\theader X \"a \\\"b\\\" \\n c\" # trailing comment\n\trespond `raw \"q\" \\n` 200\n\tfoo a\\ b a#b\n}\n";
    let cf = p(text);
    assert!(cf.errors.is_empty(), "{:?}", cf.errors);
    let w = words(&cf);
    assert_eq!(w[0..3], ["header", "X", "a \"b\" \\n c"]);
    assert_eq!(w[3..6], ["respond", "raw \"q\" \\n", "200"]);
    // `\ ` drops the backslash and still splits; `#` inside a word is not a comment.
    assert_eq!(w[6..], ["foo", "a", "b", "a#b"]);
    let header = &cf.sites().next().unwrap().directives[0];
    assert_eq!(slice(text, header.args[1].span), "\"a \\\"b\\\" \\n c\"", "a quoted token's span includes its quotes");
    assert_eq!(cf.comments.len(), 1);
    assert_eq!(slice(text, cf.comments[0]), "# trailing comment");
}

#[test]
fn escaped_newline_continues_the_line() {
    let cf = p("x.com {\n\treverse_proxy a:1 \\\n\t\tb:2\n\tfile_server\n}\n");
    let site = cf.sites().next().unwrap();
    assert_eq!(site.directives.len(), 2);
    assert_eq!(site.directives[0].args.len(), 2);
}

#[test]
fn multi_line_quoted_token_counts_its_lines() {
    let cf = p("x.com {\n\trespond \"line1\nline2\"\n\tfile_server\n}\n");
    let site = cf.sites().next().unwrap();
    assert_eq!(site.directives.len(), 2, "{:?}", site.directives);
}

#[test]
fn heredoc_strips_the_closing_marker_indentation() {
    let text = "x.com {\n\trespond <<HTML\n\t\t<p>hi</p>\n\t\t  indented\n\t\tHTML 200\n\tfile_server\n}\n";
    let cf = p(text);
    assert!(cf.errors.is_empty(), "{:?}", cf.errors);
    let site = cf.sites().next().unwrap();
    let respond = &site.directives[0];
    assert_eq!(respond.args[0].text, "<p>hi</p>\n  indented");
    assert_eq!(respond.args[0].quote, Quote::Heredoc);
    assert_eq!(respond.args[1].text, "200");
    assert_eq!(site.directives[1].name(), "file_server");
    // Caddy 2.6 has no heredocs.
    let old = parse_with(text, &[], Dialect::V2_6);
    assert_eq!(old.sites().next().unwrap().directives[0].args[0].text, "<<HTML");
}

#[test]
fn heredoc_errors() {
    let cf = p("x.com {\n\trespond <<END\n\thello\n");
    assert_eq!(cf.errors[0].kind, ErrorKind::Heredoc);
    let cf = p("x.com {\n\trespond <<END\n  a\n\tb\n  END\n}\n");
    assert!(cf.errors[0].message.contains("mismatched leading whitespace"), "{:?}", cf.errors);
    let cf = p("x.com {\n\trespond <<bad!\nx\nbad!\n}\n");
    assert_eq!(cf.errors[0].kind, ErrorKind::Heredoc);
}

#[test]
fn env_substitution_before_lexing() {
    let text =
        "{$DOMAIN} {\n\treverse_proxy {$UP:app:80} {$EMPTY:dflt} {$UNSET:} {$MULTI}\n\theader X {env.TOKEN}\n}\n";
    let cf = parse_with(text, &[("DOMAIN", "shop.example.com"), ("EMPTY", ""), ("MULTI", "b:1 c:2")], Dialect::Current);
    assert!(cf.errors.is_empty(), "{:?}", cf.errors);
    let site = cf.sites().next().unwrap();
    assert_eq!(site.keys[0].text, "shop.example.com");
    assert!(site.keys[0].from_env);
    assert_eq!(slice(text, site.keys[0].span), "{$DOMAIN}");
    let args: Vec<&str> = site.directives[0].args.iter().map(|a| a.text.as_str()).collect();
    // UP unset: default (split at the first colon); EMPTY set but empty: empty (no token); UNSET: empty.
    assert_eq!(args, ["app:80", "b:1", "c:2"]);
    assert_eq!(slice(text, site.directives[0].args[1].span), "{$MULTI}");
    assert_eq!(site.directives[1].args[1].text, "{env.TOKEN}", "runtime placeholders stay");
    let names: Vec<&str> = cf.env_uses.iter().map(|(_, u)| u.name.as_str()).collect();
    assert_eq!(names, ["DOMAIN", "UP", "EMPTY", "UNSET", "MULTI"]);
    assert_eq!(cf.env_uses[1].1.default.as_deref(), Some("app:80"));
    assert_eq!(cf.env_uses[1].1.value, None);
}

#[test]
fn env_values_are_not_substituted_again() {
    let cf = parse_with("x.com {\n\trespond {$A}\n}\n", &[("A", "{$B}")], Dialect::Current);
    assert_eq!(cf.sites().next().unwrap().directives[0].args[0].text, "{$B}");
    let cf = p("x.com {\n\trespond {$}\n}\n");
    assert_eq!(cf.sites().next().unwrap().directives[0].args[0].text, "{$}");
}

#[test]
fn empty_domain_variable_makes_the_block_global_options() {
    let cf = p("{$DOMAIN} {\n\treverse_proxy app:80\n}\n");
    assert_eq!(cf.blocks[0].kind, BlockKind::Global);
    let m = build_model(&cf);
    assert!(m.errors[0].message.starts_with("unrecognized global option: reverse_proxy"));
    let cf = p("a.com {\n\trespond 1\n}\n{$DOMAIN} {\n\trespond 2\n}\n");
    assert_eq!(cf.blocks[1].kind, BlockKind::Keyless);
    assert_eq!(cf.errors[0].kind, ErrorKind::Structure);
    assert_eq!(line_of("a.com {\n\trespond 1\n}\n{$DOMAIN} {\n", cf.errors[0].span), 4);
}

#[test]
fn brace_errors_point_where_caddy_does() {
    let text = "x.com {\n\treverse_proxy app:80 {\n\t\tlb_policy first\n\tfile_server\n}\n";
    let cf = p(text);
    // The site is "closed" by the last `}` (it closed reverse_proxy's block): Caddy accepts that.
    assert!(cf.errors.is_empty());
    assert_eq!(cf.warnings.len(), 1);
    assert_eq!(line_of(text, cf.warnings[0].span), 1);

    let text = "x.com {\n\treverse_proxy app:80 {\n\t\tlb_policy first\n";
    let cf = p(text);
    assert_eq!(cf.errors[0].kind, ErrorKind::Syntax);
    assert_eq!(line_of(text, cf.errors[0].span), 3, "at the last token, as Caddy");
    assert_eq!(line_of(text, cf.errors[0].related.as_ref().unwrap().0), 2, "related: the open brace");

    let text = "x.com {\n\trespond 1\n\t}\n}\n";
    let cf = p(text);
    assert!(cf.errors[0].message.contains("no block is open"), "{:?}", cf.errors);
    assert_eq!(line_of(text, cf.errors[0].span), 4);

    let cf = p("x.com {\n\treverse_proxy a { lb_policy first\n\t}\n}\n");
    assert!(cf.errors[0].message.contains("after '{' on the same line"));

    let cf = p("x.com {\n\treverse_proxy a\n\t{\n\t}\n}\n");
    assert!(cf.errors[0].message.contains("on a new line"));
    assert!(parse_with("x.com {\n\treverse_proxy a\n\t{\n\t}\n}\n", &[], Dialect::V2_6).errors.is_empty());

    let cf = p("x.com{\n}\n");
    assert!(cf.errors[0].message.contains("cannot end with a curly brace"));
}

#[test]
fn quoted_braces_are_not_structural_since_2_7() {
    let text = "x.com {\n\trespond \"{\"\n}\n";
    assert!(p(text).errors.is_empty());
    let old = parse_with(text, &[], Dialect::V2_6);
    assert!(old.sites().next().unwrap().directives[0].block.is_some(), "2.6: the quoted brace opens a block");
}

#[test]
fn unterminated_quote_swallows_the_rest() {
    let text = "x.com {\n\theader X \"oops\n\treverse_proxy app:80\n}\n";
    let cf = p(text);
    let e = &cf.errors[0];
    assert_eq!(line_of(text, e.span), 2);
    let (rel, _) = e.related.as_ref().unwrap();
    assert_eq!(slice(text, *rel), "\"");
    // Accepted by Caddy when nothing is left to close: a warning only.
    let cf = p("x.com\nrespond \"hello");
    assert!(cf.errors.is_empty());
    assert_eq!(cf.warnings[0].kind, ErrorKind::UnterminatedQuote);
}

#[test]
fn snippets_with_arguments() {
    let text = "(proxy) {\n\treverse_proxy {args[0]}:{args[1]} {args.0}\n\theader X {args[2]}\n}\nx.com {\n\timport proxy app 8080\n}\n";
    let cf = p(text);
    assert!(cf.errors.is_empty(), "{:?}", cf.errors);
    assert_eq!(cf.snippets[0].0, "proxy");
    let site = cf.sites().next().unwrap();
    let rp = &site.directives[0];
    assert_eq!(rp.args[0].text, "app:8080");
    assert_eq!(rp.args[1].text, "app");
    assert_eq!(site.directives[1].args[1].text, "{args[2]}", "out of range: kept");
    assert_eq!(slice(text, rp.args[0].span), "{args[0]}:{args[1]}", "span in the snippet");
    assert_eq!(slice(text, rp.name.imported_at.unwrap()), "import");
    // 2.6 knows only {args.N}.
    let cf = parse_with(text, &[], Dialect::V2_6);
    assert_eq!(cf.sites().next().unwrap().directives[0].args[0].text, "{args[0]}:{args[1]}");
}

#[test]
fn variadic_arguments() {
    let cf = p("(s) {\n\treverse_proxy {args[1:]}\n}\nx.com {\n\timport s a b c\n}\n");
    let args: Vec<&str> = cf.sites().next().unwrap().directives[0].args.iter().map(|a| a.text.as_str()).collect();
    assert_eq!(args, ["b", "c"]);
}

#[test]
fn import_block_fills_block_placeholders() {
    let cf =
        p("(s) {\n\treverse_proxy app {\n\t\t{block}\n\t}\n}\nx.com {\n\timport s {\n\t\tlb_policy first\n\t}\n}\n");
    assert!(cf.errors.is_empty(), "{:?}", cf.errors);
    let rp = &cf.sites().next().unwrap().directives[0];
    assert_eq!(rp.children()[0].name(), "lb_policy");
}

#[test]
fn unknown_snippet_cycles_and_redeclaration() {
    let text = "x.com {\n\timport nope\n}\n";
    let cf = p(text);
    assert_eq!(cf.errors[0].kind, ErrorKind::Import);
    assert_eq!(slice(text, cf.errors[0].span), "nope");

    let cf = p("(a) {\n\timport b\n}\n(b) {\n\timport a\n}\nx.com {\n\timport a\n}\n");
    assert_eq!(cf.errors[0].kind, ErrorKind::ImportCycle);

    let cf = p("(a) {\n\timport a\n}\nx.com {\n\timport a\n}\n");
    assert_eq!(cf.errors[0].kind, ErrorKind::ImportCycle);

    let cf = p("(a) {\n}\n(a) {\n}\n");
    assert!(cf.errors[0].message.contains("redeclaration"));
}

#[test]
fn exponential_imports_hit_a_limit() {
    let mut text = String::from("(s0) {\n\trespond x\n}\n");
    for i in 1..40 {
        text.push_str(&format!("(s{i}) {{\n\timport s{}\n\timport s{}\n}}\n", i - 1, i - 1));
    }
    text.push_str("x.com {\n\timport s39\n}\n");
    let cf = p(&text);
    assert_eq!(cf.errors[0].kind, ErrorKind::Limit);
}

#[test]
fn deep_nesting_hits_a_limit() {
    let mut text = String::from("x.com {\n");
    for _ in 0..500 {
        text.push_str("route {\n");
    }
    for _ in 0..500 {
        text.push_str("}\n");
    }
    text.push_str("}\n");
    let cf = p(&text);
    assert_eq!(cf.errors[0].kind, ErrorKind::Limit);
}

struct MapResolver(HashMap<String, (FileId, &'static str)>);

impl ImportResolver for MapResolver {
    fn resolve(&mut self, _from: FileId, pattern: &str) -> Result<Vec<ImportedFile>, String> {
        if let Some(prefix) = pattern.strip_suffix('*') {
            let mut v: Vec<_> = self.0.iter().filter(|(k, _)| k.starts_with(prefix)).collect();
            v.sort_by_key(|(k, _)| (*k).clone());
            return Ok(v.into_iter().map(|(_, (f, t))| ImportedFile { file: *f, text: Arc::from(*t) }).collect());
        }
        match self.0.get(pattern) {
            Some((f, t)) => Ok(vec![ImportedFile { file: *f, text: Arc::from(*t) }]),
            None => Err(format!("file to import not found: {pattern}")),
        }
    }
}

#[test]
fn file_imports_and_globs_with_spans_in_the_imported_file() {
    let mut files = HashMap::new();
    files.insert("sites/a".to_string(), (FileId(1), "a.example.com {\n\treverse_proxy a:1\n}\n"));
    files.insert("sites/b".to_string(), (FileId(2), "b.example.com {\n\timport ../common {$PORT}\n}\n"));
    files.insert("../common".to_string(), (FileId(3), "reverse_proxy b:{args[0]}\n"));
    files.insert("loop".to_string(), (FileId(4), "import loop\n"));
    let mut r = MapResolver(files);
    let env = vars(&[("PORT", "9000")]);
    let lookup = |k: &str| env.get(k).cloned();
    let cf = parse(F, "import sites/*\n", &lookup, &mut r, &Options::default());
    assert!(cf.errors.is_empty(), "{:?}", cf.errors);
    let sites: Vec<_> = cf.sites().collect();
    assert_eq!(sites.len(), 2);
    assert_eq!(sites[0].keys[0].span.file, FileId(1));
    let rp = &sites[1].directives[0];
    assert_eq!(rp.args[0].text, "b:9000");
    assert_eq!(rp.args[0].span.file, FileId(3));
    assert_eq!(cf.imported_files, [FileId(1), FileId(2), FileId(3)]);

    let cf = parse(F, "x.com {\n\timport loop\n}\n", &lookup, &mut r, &Options::default());
    assert_eq!(cf.errors[0].kind, ErrorKind::ImportCycle);
    let cf = parse(F, "x.com {\n\timport a/**/b*\n}\n", &lookup, &mut r, &Options::default());
    assert!(cf.errors[0].message.contains("one wildcard"));
}

#[test]
fn model_addresses() {
    let cf = p("{\n\thttp_port 8080\n}\nhttp://a.com, *.b.com, c.com:8443/api/*, :9000, https:// {\n\trespond ok\n}\n");
    let m = build_model(&cf);
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let a = &m.sites[0].addresses;
    assert_eq!((a[0].scheme.as_deref(), a[0].host.as_str(), a[0].listen_port), (Some("http"), "a.com", 8080));
    assert!(a[1].is_wildcard());
    assert_eq!(a[1].listen_port, 443);
    assert_eq!((a[2].port, a[2].path.as_deref()), (Some(8443), Some("/api/*")));
    assert_eq!((a[3].host.as_str(), a[3].listen_port), ("", 9000));
    assert_eq!((a[4].host.as_str(), a[4].listen_port), ("", 443));
    assert!(m.sites[0].catch_all_on(9000));
    assert!(!a[0].wants_https(&m.global));
    assert!(a[1].wants_https(&m.global));

    let m = build_model(&p("a.com:http {\n}\nhttp://b.com:443 {\n}\n"));
    assert_eq!(m.errors.len(), 2, "{:?}", m.errors);
}

#[test]
fn model_upstreams_with_matchers_and_context() {
    let text = "x.com {\n\t@api path /api/*\n\thandle @api {\n\t\treverse_proxy /v1/* https://api:8443 {\n\t\t\tto https://api2\n\t\t}\n\t}\n\thandle_path /static/* {\n\t\tfile_server {\n\t\t\troot /srv\n\t\t}\n\t}\n\troute {\n\t\tforward_auth auth:9091 {\n\t\t\turi /verify\n\t\t}\n\t\treverse_proxy unix//run/app.sock {env.UP} app [::1]:81 c:8001-8003 {\n\t\t\ttransport http {\n\t\t\t\ttls\n\t\t\t}\n\t\t}\n\t}\n\tphp_fastcgi php:9000\n}\n";
    let cf = p(text);
    assert!(cf.errors.is_empty(), "{:?}", cf.errors);
    let m = build_model(&cf);
    assert!(m.errors.is_empty(), "{:?}", m.errors);
    let s = &m.sites[0];
    assert_eq!(s.matchers[0].name.value, "api");
    let dials: Vec<String> = s.upstreams.iter().map(|u| u.dial()).collect();
    assert_eq!(
        dials,
        [
            "api:8443",
            "api2:443",
            "auth:9091",
            "unix//run/app.sock",
            "{env.UP}",
            "app:80",
            "[::1]:81",
            "c:8001-8003",
            "php:9000"
        ]
    );
    let first = &s.upstreams[0];
    assert!(first.tls);
    assert_eq!(first.matcher, Some(Matcher::Path(Spanned::new("/v1/*".into(), first.matcher_span()))));
    assert_eq!(first.context[0].directive.value, "handle");
    assert!(matches!(&first.context[0].matcher, Some(Matcher::Named(n)) if n.value == "api"));
    assert_eq!(slice(text, first.text.span), "https://api:8443");
    assert_eq!(s.upstreams[2].kind, UpstreamKind::ForwardAuth);
    assert_eq!(s.upstreams[4].placeholders, ["env.UP"]);
    assert!(s.upstreams[5].tls, "transport http {{ tls }}");
    assert_eq!(s.upstreams[8].kind, UpstreamKind::PhpFastcgi);
    assert_eq!(s.file_servers[0].root.as_ref().unwrap().value, "/srv");
    assert_eq!(s.file_servers[0].context[0].directive.value, "handle_path");
}

#[test]
fn model_upstream_errors() {
    let m = build_model(&p("x.com {\n\treverse_proxy http://a:80/path\n}\n"));
    assert!(m.errors[0].message.contains("no path"));
    let m = build_model(&p("x.com {\n\treverse_proxy h2c://a:1 b:2\n}\n"));
    assert!(m.errors[0].message.contains("same scheme"));
    let m = build_model(&p("x.com {\n\treverse_proxy a:1 https://b\n}\n"));
    assert!(m.errors.is_empty(), "the first upstream has no scheme: Caddy accepts");
    let m = build_model(&p("x.com {\n\treverse_proxy http://{env.X}\n}\n"));
    assert!(m.errors[0].message.contains("placeholders"));
}

#[test]
fn model_tls_redir_headers() {
    let text = "x.com {\n\ttls /certs/x.pem /certs/x.key\n\tredir /old /new 301\n\theader -Server\n\theader /api/* {\n\t\t+Vary Origin\n\t\tX-Frame-Options DENY\n\t}\n}\ny.com {\n\ttls internal\n}\nz.com {\n\ttls ops@example.com {\n\t\tdns cloudflare {env.CF}\n\t}\n}\n";
    let m = build_model(&p(text));
    let x = &m.sites[0];
    let (c, k) = x.tls[0].cert_key.as_ref().unwrap();
    assert_eq!((c.value.as_str(), k.value.as_str()), ("/certs/x.pem", "/certs/x.key"));
    assert_eq!(x.redirs[0].to.as_ref().unwrap().value, "/new");
    assert!(matches!(&x.redirs[0].matcher, Some(Matcher::Path(p)) if p.value == "/old"));
    let h: Vec<(Option<char>, &str)> = x.headers.iter().map(|h| (h.op, h.field.value.as_str())).collect();
    assert_eq!(h, [(Some('-'), "Server"), (Some('+'), "Vary"), (None, "X-Frame-Options")]);
    assert!(m.sites[1].tls[0].internal);
    assert_eq!(m.sites[2].tls[0].email.as_ref().unwrap().value, "ops@example.com");
    assert_eq!(m.sites[2].tls[0].dns_provider.as_ref().unwrap().value, "cloudflare");
}

#[test]
fn ambiguous_sites_and_brace_less_site() {
    let cf = p("a.com {\n}\na.com {\n}\n");
    assert!(cf.errors[0].message.contains("ambiguous"));
    let cf = p("localhost:8080\nreverse_proxy app:80\n");
    assert!(cf.errors.is_empty());
    let site = cf.sites().next().unwrap();
    assert!(!site.has_braces);
    assert_eq!(site.directives[0].name(), "reverse_proxy");
}

#[test]
fn hostile_inputs_do_not_panic() {
    let inputs = [
        "",
        "{",
        "}",
        "{{{{",
        "}}}}",
        "\"",
        "`",
        "\\",
        "<<",
        "<<\n",
        "<<A\n",
        "x <<A\nA",
        "{$",
        "{$}",
        "{$A",
        "import",
        "import \"\"",
        "(s) {\nimport s\n}\nimport s\n",
        "a {\nimport {args[0:]}\n}",
        "\u{feff}a {\n}",
        "a,\n",
        "a, {",
        "@m {\n}",
        "&(r) {\nrespond\n}",
        "x {\n\t{}\n}",
        "x {\n\ta {}\n}",
        "\r\n\r\n",
        "a \\\n\\\n\\",
        "x {\n\"{\n}",
        "import a\n",
        "(a)",
        "(a) b",
        "(\n",
        "x {\n}\n}\n{\n",
    ];
    for i in inputs {
        let cf = p(i);
        let _ = build_model(&cf);
        let cf = parse_with(i, &[], Dialect::V2_6);
        let _ = build_model(&cf);
    }
}

#[test]
fn empty_address_before_a_comma_is_a_catch_all_only_in_2_6() {
    let text = "{$DOMAIN}, www.example.com {\n\trespond ok\n}\n";
    let old = build_model(&parse_with(text, &[], Dialect::V2_6));
    assert_eq!(old.sites[0].addresses.len(), 2);
    assert!(old.sites[0].catch_all_on(443));
    let new = build_model(&p(text));
    assert_eq!(new.sites[0].addresses.len(), 1);
    assert!(!new.sites[0].catch_all_on(443));
}

#[test]
fn an_address_where_a_directive_should_be() {
    let text = "a.example.com\nreverse_proxy a:1\n\nb.example.com\nreverse_proxy b:1\n";
    let m = build_model(&p(text));
    assert!(m.errors[0].message.starts_with("unrecognized directive: b.example.com"), "{:?}", m.errors);
    assert_eq!(line_of(text, m.errors[0].span), 4);
    let m = build_model(&p("a.example.com {\n\trespond \"x.y\"\n\t@m path /a\n}\n"));
    assert!(m.errors.is_empty(), "{:?}", m.errors);
}

#[test]
fn large_file_parses_in_one_pass() {
    let mut text = String::from("(common) {\n\tencode gzip\n\theader -Server\n}\n");
    for i in 0..5000 {
        text.push_str(&format!(
            "site{i}.example.com {{\n\timport common\n\t@api path /api/*\n\thandle @api {{\n\t\treverse_proxy api{i}:8080 {{\n\t\t\theader_up Host {{host}}\n\t\t}}\n\t}}\n\treverse_proxy web{i}:3000\n}}\n"
        ));
    }
    let t = std::time::Instant::now();
    let cf = p(&text);
    let m = build_model(&cf);
    assert!(cf.errors.is_empty() && m.errors.is_empty(), "{:?} {:?}", cf.errors.first(), m.errors.first());
    assert_eq!(m.sites.len(), 5000);
    assert_eq!(m.sites[4999].upstreams[1].dial(), "web4999:3000");
    // Linear: well under a second for ~1 MB even in a debug build on a loaded machine.
    assert!(t.elapsed() < std::time::Duration::from_secs(20), "{:?}", t.elapsed());
}
