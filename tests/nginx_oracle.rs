//! Differential test: our nginx parser against the real nginx (`nginx -t`, `nginx -T`).
//!
//! For every nginx file of the public corpus (`../shared/corpus`, or `$STACKCHECK_CORPUS`) and of
//! `tests/nginx_cases/` (`valid/` and `broken/`), the file is placed in the context its content is
//! written for (main: as the main config; http: `events {} http { include FILE; }`; server:
//! `... http { server { listen 8080; include FILE; } }`), with nginx's stock `mime.types`/`*_params`
//! beside it (the prefix), and `nginx -t -c <wrapper> -p <scratch> -e <scratch>/error.log` runs as the
//! current user. Failures that only come from this machine's environment are repaired in the scratch
//! copy, line numbers kept, and nginx is run again:
//! - `host not found in upstream "api:8000"` (a compose service name): the host becomes 127.0.0.1;
//! - `unknown "x" variable` (an envsubst variable the container fills in): `$X`/`${X}` become 127.0.0.1;
//! - `cannot load certificate "..."` (container-only files): a throwaway self-signed pair is used;
//! - an unknown but plausible directive (third-party module or newer nginx: `http2 on;`), `getpwnam`,
//!   other missing files: that line is commented out.
//!
//! Then: a file nginx accepts must parse with no error, and a file nginx rejects for syntax must give
//! our first error on nginx's line. Every `broken/` case must be such a syntax rejection. For accepted
//! files, the files nginx read (`nginx -T`'s `# configuration file` headers) must be the files our
//! include resolver reads, and the servers and locations of our model must match the ones in the
//! configuration nginx dumps. nginx missing is a failure, never a pass.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use stackcheck::source::{FileId, LineIndex};
use stackcheck::sources::nginx::{self, Context, ErrorKind, IncludeOptions};

fn nginx_bin() -> PathBuf {
    for p in ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"] {
        if Path::new(p).is_file() {
            return PathBuf::from(p);
        }
    }
    panic!("the real nginx is needed for this test (apt-get install -y nginx; .ci/run installs it)");
}

fn corpus_dir() -> PathBuf {
    std::env::var_os("STACKCHECK_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

/// nginx files of the corpus: `*.conf`, `*.conf.template` and awesome-compose's extension-less
/// `proxy/conf`, minus the corpus's non-nginx `.conf` files (redis, squid, reflex, Apache: see its README).
fn corpus_files() -> Vec<PathBuf> {
    let root = corpus_dir();
    assert!(root.is_dir(), "no corpus at {}", root.display());
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            // Folders (or the file) named after another program.
            let not_nginx = p.components().any(|c| {
                let c = c.as_os_str().to_string_lossy().to_lowercase();
                ["redis", "squid", "apache", "reflex.conf"].contains(&c.as_str())
            });
            let nginx_like = name.ends_with(".conf")
                || name.ends_with(".conf.template")
                || (name == "conf" && p.parent().is_some_and(|d| d.ends_with("proxy")));
            if nginx_like && !not_nginx {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn case_files(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nginx_cases").join(kind);
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().filter_map(Result::ok).map(|e| e.path()).collect();
    v.sort();
    v
}

#[derive(Debug)]
enum Verdict {
    Accepted {
        dump: String,
    },
    Syntax {
        line: usize,
        message: String,
    },
    /// nginx failed for a reason this test cannot repair (listed, and failing the test).
    Other(String),
}

/// A scratch prefix with nginx's stock include files.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        for f in ["mime.types", "fastcgi_params", "fastcgi.conf", "uwsgi_params", "scgi_params", "proxy_params"] {
            let src = Path::new("/etc/nginx").join(f);
            if src.is_file() {
                std::fs::copy(&src, dir.path().join(f)).unwrap();
            }
        }
        Scratch { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=stackcheck.test"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is needed to make a throwaway certificate");
    assert!(status.status.success(), "openssl failed: {}", String::from_utf8_lossy(&status.stderr));
    (cert, key)
}

fn wrapper(ctx: Context, file: &Path, text: &str) -> String {
    let f = file.display();
    match ctx {
        Context::Main => String::new(),
        Context::Server | Context::Location => {
            let listen = if text.contains("listen") { "" } else { "listen 8080;" };
            format!("events {{}}\nhttp {{\n server {{\n {listen}\n include {f};\n }}\n}}\n")
        }
        _ => format!("events {{}}\nhttp {{\n include {f};\n}}\n"),
    }
}

/// `[emerg] MESSAGE in FILE:LINE` → (message, file, line).
fn emerg(stderr: &str) -> Option<(String, Option<(String, usize)>)> {
    let line = stderr.lines().find(|l| l.contains("[emerg]"))?;
    let msg = line.split("[emerg]").nth(1)?.trim();
    // drop the `PID#TID: ` prefix
    let msg = msg.split_once(": ").map_or(msg, |(_, m)| m);
    if let Some((m, loc)) = msg.rsplit_once(" in ")
        && let Some((file, n)) = loc.rsplit_once(':')
        && let Ok(n) = n.trim().parse::<usize>()
    {
        return Some((m.to_owned(), Some((file.to_owned(), n))));
    }
    Some((msg.to_owned(), None))
}

fn quoted(msg: &str) -> Option<&str> {
    let start = msg.find('"')? + 1;
    let end = start + msg[start..].find('"')?;
    Some(&msg[start..end])
}

fn is_syntax(msg: &str) -> bool {
    msg.starts_with("unexpected ")
        || msg.contains("is not terminated by")
        || msg.contains("has no opening")
        || msg.starts_with("invalid number of arguments")
        || msg.contains("directive is not allowed here")
        || msg.starts_with("too long parameter")
        || (msg.starts_with("unknown directive") && quoted(msg).is_some_and(|n| !nginx::table::is_plausible_name(n)))
}

/// The file a certificate-loading error names: `cannot load certificate "P"` or OpenSSL's `fopen(P, r)`.
fn missing_ssl_file(msg: &str) -> Option<String> {
    if msg.starts_with("cannot load certificate") {
        return quoted(msg).map(str::to_owned);
    }
    let start = msg.find("fopen(")? + "fopen(".len();
    let end = start + msg[start..].find(", ")?;
    Some(msg[start..end].to_owned())
}

fn comment_out(lines: &mut [String], n: usize) -> bool {
    match lines.get_mut(n.wrapping_sub(1)) {
        Some(l) if !l.trim_start().starts_with('#') && !l.contains('{') && !l.contains('}') => {
            l.insert(0, '#');
            true
        }
        _ => false,
    }
}

/// Runs nginx on `text` (context `ctx`), repairing environment failures.
fn run_nginx(
    scratch: &Scratch,
    name: &str,
    text: &str,
    ctx: Context,
    certs: &(PathBuf, PathBuf),
) -> (Verdict, PathBuf) {
    let file = scratch.path().join(name);
    let main = if ctx == Context::Main { file.clone() } else { scratch.path().join("wrapper.conf") };
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    for _ in 0..40 {
        std::fs::write(&file, lines.join("\n")).unwrap();
        if ctx != Context::Main {
            std::fs::write(&main, wrapper(ctx, &file, text)).unwrap();
        }
        let out = Command::new(nginx_bin())
            .arg("-T")
            .arg("-c")
            .arg(&main)
            .arg("-p")
            .arg(scratch.path())
            .arg("-e")
            .arg(scratch.path().join("error.log"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            return (Verdict::Accepted { dump: String::from_utf8_lossy(&out.stdout).into_owned() }, file);
        }
        let Some((msg, at)) = emerg(&stderr) else { return (Verdict::Other(stderr), file) };
        let in_file = at.as_ref().filter(|(f, _)| Path::new(f) == file).map(|&(_, n)| n);
        if is_syntax(&msg) {
            return match in_file {
                Some(line) => (Verdict::Syntax { line, message: msg }, file),
                None => (Verdict::Other(format!("syntax error outside the file: {msg} {at:?}")), file),
            };
        }
        let arg = quoted(&msg).unwrap_or("").to_owned();
        let repaired = if msg.starts_with("host not found in upstream") {
            let host =
                arg.rsplit_once(':').filter(|(h, _)| !h.contains(']')).map_or(arg.as_str(), |(h, _)| h).to_owned();
            let mut done = false;
            for l in lines.iter_mut() {
                if l.contains(&host) {
                    *l = l.replace(&host, "127.0.0.1");
                    done = true;
                }
            }
            done
        } else if msg.starts_with("unknown \"") && msg.ends_with("variable") {
            let mut done = false;
            for l in lines.iter_mut() {
                let lower = l.to_lowercase();
                for form in [format!("${{{arg}}}"), format!("${arg}")] {
                    if let Some(i) = lower.find(&form) {
                        l.replace_range(i..i + form.len(), "127.0.0.1");
                        done = true;
                    }
                }
            }
            done
        } else if let Some(missing) = missing_ssl_file(&msg) {
            // Certificates that only exist in the container (nginx 1.22 names the file only in the
            // OpenSSL part of its message).
            let mut done = false;
            for (n, l) in lines.iter_mut().enumerate() {
                if !l.contains(&missing) {
                    continue;
                }
                let code = l.trim_start();
                if code.starts_with("ssl_certificate_key") {
                    *l = l.replace(&missing, &certs.1.display().to_string());
                } else if code.starts_with("ssl_certificate")
                    || code.starts_with("ssl_trusted_certificate")
                    || code.starts_with("ssl_client_certificate")
                {
                    *l = l.replace(&missing, &certs.0.display().to_string());
                } else if !l.contains('{') && !l.contains('}') {
                    let _ = n;
                    l.insert(0, '#');
                } else {
                    continue;
                }
                done = true;
            }
            done
        } else {
            // Third-party or newer directives, users and files of another machine: drop the line.
            let env_failure = msg.starts_with("unknown directive")
                || msg.contains("getpwnam")
                || msg.contains("failed (2: No such file or directory)")
                || msg.contains("BIO_new_file")
                || msg.contains("SSL_CTX_load_verify_locations");
            env_failure && in_file.is_some_and(|n| comment_out(&mut lines, n))
        };
        if !repaired {
            return (Verdict::Other(format!("{msg} {at:?}")), file);
        }
    }
    (Verdict::Other("too many repairs".into()), file)
}

/// `location` and `server` blocks in nginx's dump of the file (comments dropped), by our tokenizer's
/// rules kept to the minimum: first word of a line followed by a `{` on the same line.
fn dump_blocks(dump: &str, file: &Path) -> (usize, BTreeSet<String>) {
    let header = format!("# configuration file {}:", file.display());
    let Some(start) = dump.find(&header) else { return (0, BTreeSet::new()) };
    let body = &dump[start + header.len()..];
    let body = body.find("\n# configuration file ").map_or(body, |e| &body[..e]);
    let mut servers = 0;
    let mut locations = BTreeSet::new();
    for line in body.lines() {
        let code = line.trim();
        if code.starts_with('#') {
            continue;
        }
        let mut words = code.split_whitespace();
        match words.next() {
            Some("server") if code.contains('{') => servers += 1,
            Some("location") if code.contains('{') => {
                let args: Vec<&str> = words.take_while(|w| *w != "{" && !w.starts_with('{')).collect();
                locations.insert(args.join(" "));
            }
            _ => {}
        }
    }
    (servers, locations)
}

fn dump_files(dump: &str) -> BTreeSet<PathBuf> {
    dump.lines()
        .filter_map(|l| l.strip_prefix("# configuration file "))
        .map(|l| PathBuf::from(l.trim_end_matches(':')))
        .collect()
}

#[test]
fn parser_agrees_with_nginx() {
    let scratch = Scratch::new();
    let certs = certificate(scratch.path());
    let mut failures = Vec::new();
    let mut summary = (0, 0);
    let inputs: Vec<(PathBuf, &str)> = corpus_files()
        .into_iter()
        .map(|p| (p, "corpus"))
        .chain(case_files("valid").into_iter().map(|p| (p, "valid")))
        .chain(case_files("broken").into_iter().map(|p| (p, "broken")))
        .collect();
    assert!(inputs.len() >= 25, "too few nginx files found: {}", inputs.len());
    for (i, (path, origin)) in inputs.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        let ctx = nginx::guess_context(&text);
        let name = format!("f{i:03}.conf");
        let (verdict, copy) = run_nginx(&scratch, &name, &text, ctx, &certs);
        let ours = nginx::parse_in(FileId(0), &text, ctx);
        let idx = LineIndex::new(&text);
        let first = ours.errors.first().map(|e| (idx.line_of(e.span.start) + 1, e.message.clone()));
        let shown = path.display();
        match (&verdict, origin) {
            (Verdict::Syntax { .. }, &"valid") => {
                failures.push(format!("{shown}: a valid case that nginx rejects: {verdict:?}"));
            }
            (Verdict::Accepted { .. } | Verdict::Other(_), &"broken") => {
                failures.push(format!("{shown}: a broken case that nginx does not reject for syntax: {verdict:?}"));
            }
            _ => {}
        }
        match &verdict {
            Verdict::Accepted { dump } => {
                summary.0 += 1;
                if let Some(e) = &first {
                    failures.push(format!("{shown}: nginx accepts it, we report {e:?}"));
                    continue;
                }
                // The same files as nginx (resolved from the scratch copy, against the prefix).
                let mut ids = 0u32;
                let mut fs = |p: &Path| {
                    ids += 1;
                    std::fs::read_to_string(p).map(|t| (FileId(ids), Arc::<str>::from(t))).map_err(|e| e.to_string())
                };
                let main = if ctx == Context::Main { copy.clone() } else { scratch.path().join("wrapper.conf") };
                let cfg = nginx::resolve(&mut fs, &main, Context::Main, &IncludeOptions::prefix(scratch.path()));
                let our_files: BTreeSet<PathBuf> = cfg.files.iter().map(|f| f.path.clone()).collect();
                let their_files = dump_files(dump);
                if our_files != their_files {
                    failures.push(format!("{shown}: files read: nginx {their_files:?}, we {our_files:?}"));
                }
                // Servers and locations of this file.
                let model = nginx::extract(&cfg);
                let ours_in_file = |span_file: FileId| {
                    cfg.files.iter().find(|f| f.parsed.file == span_file).is_some_and(|f| f.path == copy)
                };
                let servers = model.servers.iter().filter(|s| ours_in_file(s.span.file)).count();
                let mut locations = BTreeSet::new();
                let mut stack: Vec<_> = model.servers.iter().flat_map(|s| s.locations.iter()).collect();
                while let Some(l) = stack.pop() {
                    if ours_in_file(l.span.file) {
                        let text_of = |s: stackcheck::source::Span| {
                            cfg.files
                                .iter()
                                .find(|f| f.parsed.file == s.file)
                                .and_then(|f| std::fs::read_to_string(&f.path).ok())
                                .and_then(|t| t.get(s.range()).map(str::to_owned))
                                .unwrap_or_default()
                        };
                        // The location's arguments as written.
                        let written = text_of(l.span);
                        let args: Vec<&str> = written
                            .split_whitespace()
                            .skip(1)
                            .take_while(|w| *w != "{" && !w.starts_with('{'))
                            .collect();
                        locations.insert(args.join(" "));
                    }
                    stack.extend(l.locations.iter());
                }
                let (their_servers, their_locations) = dump_blocks(dump, &copy);
                let implicit = model.servers.iter().any(|s| s.implicit);
                if (!implicit && servers != their_servers) || locations != their_locations {
                    failures.push(format!(
                        "{shown}: model differs from nginx -T: servers {servers} vs {their_servers}, locations {locations:?} vs {their_locations:?}"
                    ));
                }
            }
            Verdict::Syntax { line, message } => {
                summary.1 += 1;
                match &first {
                    Some((ours_line, _)) if ours_line == line => {}
                    _ => failures.push(format!("{shown}: nginx: {message} (line {line}); we: {first:?}")),
                }
                // Our errors are in the parser's kinds, never an include problem.
                assert!(ours.errors.iter().all(|e| e.kind != ErrorKind::Include));
            }
            Verdict::Other(why) => {
                failures.push(format!("{shown}: nginx failed for a reason this test cannot repair: {why}"))
            }
        }
    }
    eprintln!(
        "nginx oracle: {} files accepted, {} rejected for syntax, {} problems",
        summary.0,
        summary.1,
        failures.len()
    );
    assert!(failures.is_empty(), "nginx and our parser disagree:\n{}", failures.join("\n"));
}
