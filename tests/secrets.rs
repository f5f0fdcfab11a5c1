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
    let mut outputs = Vec::new();
    for format in [Format::Human, Format::Compact, Format::Json] {
        for color in [false, true] {
            let opts = RenderOptions { format, color, width: 100, suppressed: 0, stacks: 1, files: 4 };
            outputs.push((
                format!("{format:?} color={color}"),
                report::render(&r.findings, &r.model.db, &r.secrets, &opts),
            ));
        }
    }
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
