//! E210: production URLs without TLS: a managed database without `sslmode=require`, a managed Redis on
//! `redis://`, a public app URL on `http://`.
use std::collections::HashSet;

use crate::rules::common::{self, Url, has_reference, is_private_host, parse_url, service_hosts};
use crate::rules::prelude::*;
use crate::secret::mask_url_passwords;

pub static RULE: Rule = Rule {
    code: "E210",
    name: "url-scheme-policy",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/E210-url-scheme-policy.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    let internal = service_hosts(model);
    let mut seen = HashSet::new();
    for env in common::real_env_files(model) {
        if !common::is_production(model, env) {
            continue;
        }
        for e in &env.entries {
            let Some(v) = e.value.as_ref().filter(|v| !has_reference(v)) else { continue };
            if let Some(f) = judge(&e.key, &v.text, v.raw_span, &internal)
                && seen.insert(e.key_span)
            {
                out.report(f);
            }
        }
    }
    for (stack, svc) in model.services() {
        if !stack.is_production(model) {
            continue;
        }
        for var in svc.environment.iter().filter(|v| v.known) {
            let Some(value) = var.value.as_deref() else { continue };
            if let Some(f) = judge(&var.key, value, var.value_span, &internal)
                && seen.insert(var.key_span)
            {
                out.report(f.related(svc.name_span, format!("passed to `{}`", svc.name)));
            }
        }
    }
}

/// Database URL keys: `DATABASE_URL`, `*_DATABASE_URL`, `DB_URL`, `*_DB_URL`, `POSTGRES_URL`...
fn is_database_key(k: &str) -> bool {
    k == "DATABASE_URL"
        || k.ends_with("_DATABASE_URL")
        || k == "DB_URL"
        || k.ends_with("_DB_URL")
        || (k.contains("POSTGRES") || k.contains("MYSQL")) && k.ends_with("_URL")
}

/// Public URL keys: what browsers and e-mails link to.
fn is_public_url_key(k: &str) -> bool {
    matches!(k, "FRONTEND_URL" | "PUBLIC_URL" | "APP_URL" | "SITE_URL" | "NEXTAUTH_URL" | "ORIGIN")
        || k.ends_with("_ORIGIN")
        || k.ends_with("_PUBLIC_URL")
        || k.ends_with("SITE_URL")
        || k.ends_with("SITEURL")
        || k.ends_with("FRONTEND_URL")
}

/// Managed Redis providers that expect TLS.
const MANAGED_REDIS: [&str; 7] = [
    "upstash.io",
    "redislabs.com",
    "redis-cloud.com",
    "cache.amazonaws.com",
    "cache.windows.net",
    "db.ondigitalocean.com",
    "aivencloud.com",
];

fn judge(key: &str, value: &str, span: Span, internal: &HashSet<&str>) -> Option<Finding> {
    let k = key.to_ascii_uppercase();
    let url = parse_url(value.trim())?;
    let scheme = url.scheme.to_ascii_lowercase();
    let base = scheme.split('+').next().unwrap_or("");
    let host = url.host.to_ascii_lowercase();
    let external = !host.is_empty()
        && host.contains('.')
        && !internal.contains(url.host)
        && !is_private_host(&host)
        && host.parse::<std::net::Ipv4Addr>().is_err()
        && !host.contains(':');
    if is_database_key(&k) && external {
        let kind = match base {
            "postgres" | "postgresql" => "postgres",
            "mysql" | "mysql2" | "mariadb" => "mysql",
            _ => return None,
        };
        let problem = tls_problem(kind, &url)?;
        return Some(
            Finding::new(&RULE, span, format!("`{key}` connects to `{host}` {problem}"))
                .label("no TLS required")
                .help(if kind == "postgres" {
                    "append `?sslmode=require` (or `verify-full` with the provider's CA) to the URL"
                } else {
                    "add the TLS parameter your driver reads: `?ssl=true`, `?sslaccept=strict` (Prisma) or `?ssl-mode=REQUIRED`"
                }),
        );
    }
    if base == "redis" && MANAGED_REDIS.iter().any(|d| host == *d || host.ends_with(&format!(".{d}"))) {
        return Some(
            Finding::new(
                &RULE,
                span,
                format!("`{key}` connects to the managed Redis `{host}` with `redis://`: the provider expects TLS (`rediss://`)"),
            )
            .label("plaintext Redis")
            .help("use `rediss://` (two s): the connection is refused or sent in clear otherwise"),
        );
    }
    if is_public_url_key(&k) && scheme == "http" && external {
        let shown = mask_url_passwords(value.trim());
        return Some(
            Finding::new(&RULE, span, format!("`{key}` is `{shown}` in production: plain `http://`"))
                .label("no TLS")
                .help("use the `https://` URL the site is served at: links, redirects, OAuth callbacks and `Secure` cookies are built from it"),
        );
    }
    None
}

/// What is wrong with a managed database URL's TLS parameters, if anything.
fn tls_problem(kind: &str, url: &Url<'_>) -> Option<String> {
    let mut weak = None;
    for (name, value) in url.query() {
        let n = name.to_ascii_lowercase().replace('_', "-");
        let v = value.to_ascii_lowercase();
        let on = match (kind, n.as_str()) {
            ("postgres", "sslmode") => matches!(v.as_str(), "require" | "verify-ca" | "verify-full"),
            ("postgres", "ssl") => matches!(v.as_str(), "true" | "1" | "require" | "verify-ca" | "verify-full"),
            ("mysql", "ssl" | "tls") => !matches!(v.as_str(), "false" | "0" | "disabled" | "preferred" | ""),
            ("mysql", "sslaccept") => true,
            ("mysql", "ssl-mode" | "sslmode") => !matches!(v.as_str(), "disabled" | "preferred" | "disable" | "prefer"),
            _ => continue,
        };
        if on {
            return None;
        }
        weak = Some(format!("with `{name}={value}`, which allows a plaintext connection"));
    }
    Some(weak.unwrap_or_else(|| {
        if kind == "postgres" {
            "without `sslmode=require`: the password and data may travel in clear".to_owned()
        } else {
            "without a TLS parameter (`ssl=true`, `sslaccept`, `ssl-mode=REQUIRED`): the password and data may travel in clear".to_owned()
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn judged(key: &str, value: &str) -> Option<String> {
        let internal: HashSet<&str> = ["db", "redis", "api"].into_iter().collect();
        judge(key, value, Span::file_start(FileId(0)), &internal).map(|f| f.message)
    }

    #[test]
    fn databases() {
        let neon = "postgres://app:Vq3mZt8w@ep-cool-fog-123.eu-central-1.aws.neon.tech/app";
        let m = judged("DATABASE_URL", neon).unwrap_or_default();
        assert!(m.contains("sslmode=require") && !m.contains("Vq3mZt8w"), "{m}");
        assert!(judged("DATABASE_URL", &format!("{neon}?sslmode=require")).is_none());
        assert!(
            judged("DATABASE_URL", &format!("{neon}?sslmode=prefer")).is_some_and(|m| m.contains("sslmode=prefer"))
        );
        assert!(judged("DATABASE_URL", "postgresql+asyncpg://app:pw@db:5432/app").is_none());
        assert!(judged("DATABASE_URL", "postgres://app:pw@localhost:5432/app").is_none());
        assert!(judged("DATABASE_URL", "postgres://app:pw@10.0.0.5:5432/app").is_none());
        assert!(judged("DATABASE_URL", "postgres://app:pw@pg.internal:5432/app").is_none());
        assert!(judged("DATABASE_URL", "mysql://app:pw@aws.connect.psdb.cloud/app?sslaccept=strict").is_none());
        assert!(judged("DATABASE_URL", "mysql://app:pw@aws.connect.psdb.cloud/app").is_some());
        assert!(judged("ANALYTICS_DB_URL", "mongodb+srv://u:p@cluster0.abcde.mongodb.net/x").is_none());
    }

    #[test]
    fn redis_and_public_urls() {
        assert!(judged("REDIS_URL", "redis://default:pw@eu1-fond-cat-1234.upstash.io:6379").is_some());
        assert!(judged("REDIS_URL", "rediss://default:pw@eu1-fond-cat-1234.upstash.io:6379").is_none());
        assert!(judged("REDIS_URL", "redis://:pw@redis:6379/0").is_none());
        assert!(judged("FRONTEND_URL", "http://app.acme.io").is_some());
        assert!(judged("CORS_ORIGIN", "http://app.acme.io").is_some());
        assert!(judged("FRONTEND_URL", "https://app.acme.io").is_none());
        assert!(judged("FRONTEND_URL", "http://localhost:3000").is_none());
        assert!(judged("FRONTEND_URL", "http://api:8000").is_none());
        assert!(judged("FRONTEND_URL", "http://203.0.113.10").is_none());
        assert!(judged("WEBHOOK_CALLBACK", "http://app.acme.io").is_none());
    }
}
