//! Secrets are masked in every output format: known secrets are planted in every kind of file, findings
//! are made to point at them, and no format (nor `inspect`) may print any of them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use stackcheck::load::LoadOptions;
use stackcheck::report::{self, Format, RenderOptions};
use stackcheck::{CheckOptions, inspect};

const SECRETS: &[&str] = &[
    "Xq9vL2mN8pR4tW6y",          // REDIS_PASSWORD in the env_file (also duplicated: E207 points at it)
    "s3cr3t-Hunter2-Pa55",       // POSTGRES_PASSWORD in compose environment (map form)
    "tok_live_7f3a9c2e1b8d",     // API_TOKEN in compose environment (list form)
    "UrlPassw0rd42",             // password inside DATABASE_URL
    "RequirePass-9a8b7c",        // redis --requirepass literal in command
    "jwt-secret-0123456789abcd", // JWT_SECRET in the interpolation .env
    "TemplateLeak-55aa",         // a real value left in a template by mistake
];

fn write(dir: &std::path::Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Secrets of the proxy configurations and Traefik labels (see `proxy_stack`), whole values as written in
/// the files (a rule that quotes a value quotes all of it).
const PROXY_SECRETS: &[&str] = &[
    "admin:$$apr1$$H6uskkkW$$IgXLP6ewTrSuBkTrqE8wj/", // Traefik basic-auth label (htpasswd, `$$`-escaped)
    "QuotedListKey-0042",                             // `- "QUOTED_API_KEY=…"` list item in quotes
    "YWRtaW46TmdpbnhCYXNpYzk5",                       // nginx `proxy_set_header Authorization "Basic …"`
    "NginxHeaderKey-77",                              // nginx `proxy_set_header X-Api-Key …`
    "NginxFastcgiPw-31",                              // nginx `fastcgi_param DB_PASSWORD …`
    "JDJhJDE0JE1iQ2FkZHlIYXNoSGFzaEhhc2hIYXNoSGFzaEhhc2hIYXNo", // Caddy basic_auth bcrypt (base64)
    "CaddyHeaderKey-31",                              // Caddy `header_up X-Api-Key …`
    "$apr1$TrfkFile$Xy9Zq8Wv7Ut6Sr5Qp4On3.",          // Traefik file provider basicAuth users
    // A long value whose quote is never closed (the env parser's message quotes a cut of it).
    "LongUnterminated-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ-tail",
];

/// A secret and its pieces of 8 characters or more (a hash's salt and digest): none may be printed.
fn needles(secret: &str) -> Vec<&str> {
    let mut out = vec![secret];
    out.extend(secret.split(['$', ':', '/']).filter(|p| p.len() >= 8 && *p != secret));
    out
}

fn every_format(r: &stackcheck::Report, findings: &[stackcheck::finding::Finding]) -> Vec<(String, String)> {
    let mut outputs = Vec::new();
    for format in [Format::Human, Format::Compact, Format::Json, Format::Sarif, Format::Github] {
        for color in [false, true] {
            let opts = RenderOptions { format, color, width: 100, suppressed: 0, stacks: 1, files: 4 };
            outputs
                .push((format!("{format:?} color={color}"), report::render(findings, &r.model.db, &r.secrets, &opts)));
        }
    }
    outputs
}

/// A finding on each secret found in the run's files, as a careless rule would write it: the value in the
/// message, the labels, the help, and a fix that rewrites its line.
fn plant(r: &stackcheck::Report, secrets: &[&str]) -> Vec<stackcheck::finding::Finding> {
    use stackcheck::finding::{Applicability, Edit, Finding, Fix};
    use stackcheck::source::Span;
    let mut planted: Vec<Finding> = Vec::new();
    let (files, texts): (Vec<_>, Vec<_>) = r.model.db.iter().map(|(id, f)| (id, f.text.clone())).unzip();
    for secret in secrets {
        let Some((file, text, at)) =
            files.iter().zip(&texts).find_map(|(id, t)| t.find(secret).map(|at| (*id, t.clone(), at)))
        else {
            continue;
        };
        let span = Span::new(file, at, at + secret.len());
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
        let line = text[line_start..line_end].to_owned();
        let is_template = r.model.db.get(file).unwrap().kind == stackcheck::source::FileKind::EnvTemplate;
        // Values of templates are placeholders and stay out of the scrub list: only the snippet and the
        // fix (masked as source text) may show them, never a message.
        // A careless rule may also quote the value as compose reads it (`$$` unescaped).
        let shown = if is_template {
            "the value".to_owned()
        } else {
            format!("`{secret}` (read as `{}`)", secret.replace("$$", "$"))
        };
        let mut f =
            Finding::new(&stackcheck::rules::compose::host_port_conflict::RULE, span, format!("{shown} is wrong"))
                .label(format!("{shown} here"))
                .help(format!("replace {shown}"))
                .fix(Fix {
                    title: format!("rewrite {shown}"),
                    applicability: Applicability::Unsafe,
                    edits: vec![Edit {
                        file,
                        start: u32::try_from(line_start).unwrap(),
                        end: u32::try_from(line_end).unwrap(),
                        replacement: line.clone(),
                    }],
                });
        if let Some(other) = planted.last() {
            f = f.related(other.primary.span, format!("{shown} differs"));
        }
        planted.push(f);
    }
    planted
}

/// A stack with secrets in nginx, Caddy and Traefik configuration as well as compose and env files; the
/// rules find parse errors next to them, and planted findings point straight at each secret.
fn proxy_stack(d: &std::path::Path) {
    write(
        d,
        "compose.yaml",
        "services:\n  api:\n    image: ghcr.io/acme/api:1.0.0\n    env_file: [backend/.env.production]\n    ports: ['8080:8000']\n    labels:\n      - \"traefik.enable=true\"\n      - \"traefik.http.middlewares.auth.basicauth.users=admin:$$apr1$$H6uskkkW$$IgXLP6ewTrSuBkTrqE8wj/\"\n      - \"traefik.http.routers.api.middlewares=auth\"\n  worker:\n    image: ghcr.io/acme/api:1.0.0\n    environment:\n      - \"QUOTED_API_KEY=QuotedListKey-0042\"\n  nginx:\n    image: nginx:1.27-alpine\n    ports: ['80:80']\n    volumes:\n      - ./nginx/site.conf:/etc/nginx/conf.d/default.conf:ro\n  caddy:\n    image: caddy:2.8\n    volumes:\n      - ./Caddyfile:/etc/caddy/Caddyfile:ro\n  traefik:\n    image: traefik:v3.1\n    command: [\"--providers.file.directory=/etc/traefik/dynamic\"]\n    volumes:\n      - ./traefik:/etc/traefik/dynamic:ro\n",
    );
    write(
        d,
        "nginx/site.conf",
        "server {\n    listen 80;\n    location /api/ {\n        proxy_set_header Authorization \"Basic YWRtaW46TmdpbnhCYXNpYzk5\";\n        proxy_set_header X-Api-Key NginxHeaderKey-77;\n        fastcgi_param DB_PASSWORD NginxFastcgiPw-31;\n        proxy_pass http://api:8000\n    }\n}\n",
    );
    write(
        d,
        "Caddyfile",
        "example.com {\n\tbasic_auth /admin/* {\n\t\tadmin JDJhJDE0JE1iQ2FkZHlIYXNoSGFzaEhhc2hIYXNoSGFzaEhhc2hIYXNo\n\t}\n\treverse_proxy api:8000 {\n\t\theader_up X-Api-Key CaddyHeaderKey-31\n\t}\n}\n",
    );
    write(
        d,
        "traefik/dynamic.yml",
        "http:\n  middlewares:\n    auth:\n      basicAuth:\n        users:\n          - \"ops:$apr1$TrfkFile$Xy9Zq8Wv7Ut6Sr5Qp4On3.\"\n  routers:\n    api:\n      rule: Host(`api.example.com`\n      service: api\n",
    );
    write(
        d,
        "backend/.env.production",
        "REDIS_PASSWORD=Xq9vL2mN8pR4tW6y\nAPI_SECRET=\"LongUnterminated-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ-tail\n",
    );
    write(d, "backend/env.production.example", "REDIS_PASSWORD=TemplateLeak-55aa\nSENTRY_DSN=\n");
}

#[test]
fn proxy_configs_and_planted_findings_leak_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    proxy_stack(d);
    let r = stackcheck::check(&CheckOptions {
        load: LoadOptions { paths: vec![d.to_path_buf()], ..LoadOptions::default() },
        select: vec!["ALL".to_owned()],
        ignore: Vec::new(),
    });
    // Every file was loaded, and the rules found something in the proxy configurations.
    for name in ["compose.yaml", "nginx/site.conf", "Caddyfile", "traefik/dynamic.yml", "backend/.env.production"] {
        assert!(r.model.db.find(&d.join(name)).is_some(), "{name} not loaded");
    }
    for code in ["P005", "P006", "C104"] {
        assert!(r.findings.iter().any(|f| f.code == code), "expected a {code} finding: {:#?}", r.findings);
    }
    let all: Vec<&str> = PROXY_SECRETS.iter().copied().chain(SECRETS.iter().copied()).collect();
    let planted = plant(&r, &all);
    // Every proxy secret, and the two env secrets of this stack.
    assert_eq!(planted.len(), PROXY_SECRETS.len() + 2);
    let mut findings = r.findings.clone();
    findings.extend(planted);
    for (name, out) in every_format(&r, &findings) {
        for secret in &all {
            for needle in needles(secret) {
                assert!(!out.contains(needle), "{name} output leaks `{needle}`:\n{out}");
            }
        }
    }
}

#[test]
fn no_format_prints_a_planted_secret() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "compose.yaml",
        "services:\n  api:\n    image: ghcr.io/acme/api:1.0.0\n    env_file: [backend/.env.production]\n    ports: ['8080:8000']\n    environment:\n      POSTGRES_PASSWORD: s3cr3t-Hunter2-Pa55\n      DATABASE_URL: postgres://app:UrlPassw0rd42@db:5432/app\n      JWT: ${JWT_SECRET}\n      UNDEFINED: ${NOT_DEFINED_ANYWHERE}\n  worker:\n    image: ghcr.io/acme/api:1.0.0\n    ports: ['8080:9000']\n    environment:\n      - API_TOKEN=tok_live_7f3a9c2e1b8d\n  redis:\n    image: redis:7.2-alpine\n    command: redis-server --requirepass RequirePass-9a8b7c\n    depends_on: [missing-service]\n",
    );
    write(d, ".env", "JWT_SECRET=jwt-secret-0123456789abcd\nJWT_SECRET=jwt-secret-0123456789abcd\n");
    write(
        d,
        "backend/.env.production",
        "REDIS_PASSWORD=Xq9vL2mN8pR4tW6y\nREDIS_PASSWORD=Xq9vL2mN8pR4tW6y\nBROKEN=\"Xq9vL2mN8pR4tW6y\n",
    );
    write(d, "backend/env.production.example", "REDIS_PASSWORD=TemplateLeak-55aa\nSENTRY_DSN=\n");
    let r = stackcheck::check(&CheckOptions {
        load: LoadOptions { paths: vec![d.to_path_buf()], ..LoadOptions::default() },
        ..CheckOptions::default()
    });
    // The findings must touch the files that hold the secrets, or the test proves nothing.
    for code in ["C101", "C105", "C106", "E201", "E207", "P004"] {
        assert!(r.findings.iter().any(|f| f.code == code), "expected a {code} finding: {:#?}", r.findings);
    }
    let mut outputs = every_format(&r, &r.findings);
    // And findings planted on every secret (fixes included).
    let planted = plant(&r, SECRETS);
    assert_eq!(planted.len(), SECRETS.len());
    let mut findings = r.findings.clone();
    findings.extend(planted);
    outputs.extend(every_format(&r, &findings).into_iter().map(|(n, o)| (format!("{n} planted"), o)));
    outputs
        .push(("inspect".to_owned(), serde_json::to_string_pretty(&inspect::to_json(&r.model, &r.secrets)).unwrap()));
    for (name, out) in &outputs {
        for secret in SECRETS {
            assert!(!out.contains(secret), "{name} output leaks `{secret}`:\n{out}");
        }
    }
    // And the human output still shows the snippets (masked), not nothing.
    let human = &outputs[0].1;
    assert!(human.contains("REDIS_PASSWORD=****************"), "{human}");
    assert!(human.contains("requirepass") || human.contains("UNDEFINED"), "{human}");
}

/// X301 points at the variable a URL's password is interpolated from (`LOCAL_PW`, not a secret-like
/// name): that line must be masked too, in every format.
#[test]
fn interpolated_url_passwords_are_masked_where_they_are_defined() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "compose.yaml",
        "services:\n  api:\n    image: ghcr.io/acme/api:1.0.0\n    env_file: [backend/.env]\n  redis:\n    image: redis:7.2-alpine\n    command: [\"redis-server\", \"--requirepass\", \"${REDIS_PASSWORD}\"]\n",
    );
    write(d, ".env", "BASE=Tq7vN2pLx9Rw4sYb\nREDIS_PASSWORD=${BASE}\n");
    write(d, "backend/.env", "LOCAL_PW=k8Jq2nVw5xR7tY3z\nREDIS_URL=redis://:${LOCAL_PW}@redis:6379/0\n");
    let r = stackcheck::check(&CheckOptions {
        load: LoadOptions { paths: vec![d.to_path_buf()], ..LoadOptions::default() },
        select: vec!["X301".to_owned()],
        ..CheckOptions::default()
    });
    assert!(r.findings.iter().any(|f| f.code == "X301"), "{:#?}", r.findings);
    for format in [Format::Human, Format::Compact, Format::Json] {
        let opts = RenderOptions { format, color: false, width: 100, suppressed: 0, stacks: 1, files: 3 };
        let out = report::render(&r.findings, &r.model.db, &r.secrets, &opts);
        for secret in ["Tq7vN2pLx9Rw4sYb", "k8Jq2nVw5xR7tY3z"] {
            assert!(!out.contains(secret), "{format:?} output leaks `{secret}`:\n{out}");
        }
        if format == Format::Human {
            assert!(out.contains("LOCAL_PW=****************"), "{out}");
        }
    }
}
