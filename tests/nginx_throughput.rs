//! Throughput of the nginx parser on a large synthetic configuration (issue target: ≥ 100 MB/s in a
//! release build). Ignored by default; run it with
//! `cargo test --release --test nginx_throughput -- --ignored --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use stackcheck::source::FileId;
use stackcheck::sources::nginx::{self, Context};

/// About `mb` megabytes of realistic http-context text: upstreams, servers with TLS, headers, comments,
/// quoted values, regex and nested locations.
fn synthetic(mb: usize) -> String {
    let mut out = String::with_capacity(mb << 20);
    let mut i = 0usize;
    while out.len() < mb << 20 {
        out.push_str(&format!(
            "# site {i}\nupstream app{i} {{\n    server app{i}:8000 max_fails=3;\n    keepalive 16;\n}}\n\
server {{\n    listen 443 ssl http2;\n    listen [::]:443 ssl;\n    server_name app{i}.example.org *.app{i}.example.org;\n\
    ssl_certificate /etc/letsencrypt/live/app{i}.example.org/fullchain.pem;\n\
    ssl_certificate_key /etc/letsencrypt/live/app{i}.example.org/privkey.pem;\n\
    add_header Strict-Transport-Security \"max-age=63072000; includeSubDomains\" always;\n\
    add_header Content-Security-Policy \"default-src 'self'; img-src 'self' data:\" always;\n\
    location / {{\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
        proxy_pass http://app{i};\n    }}\n    location ~* \"\\.(png|jpe?g|gif|svg){{1}}$\" {{ expires 30d; root /srv/static; }}\n\
    location /api/ {{\n        location /api/ws {{ proxy_http_version 1.1; proxy_pass http://app{i}:9000; }}\n\
        proxy_pass http://app{i}/;\n    }}\n}}\n"
        ));
        i += 1;
    }
    out
}

#[test]
#[ignore = "measurement: run in release with --ignored --nocapture"]
fn nginx_parser_throughput() {
    let text = synthetic(std::env::var("NGINX_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(64));
    let mb = text.len() as f64 / (1 << 20) as f64;
    // Warm up, then take the best of a few runs.
    let p = nginx::parse_in(FileId(0), &text, Context::Http);
    assert!(p.errors.is_empty(), "{:?}", p.errors.first());
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let p = nginx::parse_in(FileId(0), &text, Context::Http);
        let secs = t.elapsed().as_secs_f64();
        assert!(p.directives.len() > 1000);
        best = best.min(secs);
    }
    eprintln!("nginx parser: {mb:.1} MB in {:.1} ms = {:.0} MB/s", best * 1000.0, mb / best);
}

/// The corpus's nginx files, parsed 200 times (side by side with crossplane 0.5.8 on the same files:
/// `crossplane.parse(f, single=True, check_ctx=False, check_args=False, comments=False)`).
#[test]
#[ignore = "measurement: run in release with --ignored --nocapture"]
fn nginx_parser_corpus_throughput() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut texts = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let other = p
                .components()
                .any(|c| ["redis", "squid", "apache", "reflex.conf"].contains(&&*c.as_os_str().to_string_lossy()));
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if !other
                && (name.ends_with(".conf") || (name == "conf" && p.parent().is_some_and(|d| d.ends_with("proxy"))))
            {
                texts.push(std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    let t = Instant::now();
    for _ in 0..200 {
        for text in &texts {
            std::hint::black_box(nginx::parse(FileId(0), text));
        }
    }
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "corpus: {} files, {bytes} bytes x200 in {:.3} s = {:.1} MB/s",
        texts.len(),
        secs,
        (bytes * 200) as f64 / secs / 1e6
    );
}
