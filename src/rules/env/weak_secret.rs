//! E204: a secret in a production env file is empty, short, a common word, or below the minimum its
//! framework documents.
use std::collections::HashMap;

use crate::model::env::EnvEntry;
use crate::rules::common::{self, has_reference};
use crate::rules::env::placeholder_value::{placeholder_in, templates_by_env};
use crate::rules::prelude::*;
use crate::secret::is_secret_key;

pub static RULE: Rule = Rule {
    code: "E204",
    name: "weak-secret",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/E204-weak-secret.md"),
    check,
};

/// Below this many characters any secret is guessable (rules.md).
const MIN_LEN: usize = 16;

fn check(model: &StackModel, out: &mut Sink) {
    let templates = templates_by_env(model);
    for env in common::real_env_files(model) {
        // Development and staging files keep throwaway secrets; production ones must not.
        if !common::is_production(model, env) {
            continue;
        }
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, e) in env.entries.iter().enumerate() {
            last.insert(e.key.as_str(), i);
        }
        let django = last.keys().any(|k| k.starts_with("DJANGO_"));
        let laravel = ["APP_NAME", "APP_ENV", "DB_CONNECTION"].iter().all(|k| last.contains_key(k));
        let template = templates.get(&env.file).copied();
        for (i, entry) in env.entries.iter().enumerate() {
            // Earlier definitions of a key are E207's.
            if last.get(entry.key.as_str()) != Some(&i) || !is_secret_name(&entry.key) {
                continue;
            }
            let Some(value) = &entry.value else { continue };
            // Unknown until resolved; placeholders are E203's.
            if has_reference(value) || placeholder_in(entry, template).is_some() {
                continue;
            }
            let Some(problem) = weakness(entry, &value.text, django, laravel) else { continue };
            let at = if value.text.is_empty() { entry.key_span } else { value.raw_span };
            out.report(
                Finding::new(&RULE, at, format!("`{}` {problem}", entry.key))
                    .label(if value.text.is_empty() { "empty secret" } else { "weak secret" })
                    .help(help(&entry.key)),
            );
        }
    }
}

fn help(key: &str) -> String {
    let k = key.to_ascii_uppercase();
    if k == "APP_KEY" {
        "generate it with `php artisan key:generate --show` (a `base64:` key of 32 bytes)".to_owned()
    } else if k.contains("PASSWORD") || k.ends_with("_PASS") || k.ends_with("_PWD") {
        format!("set `{key}` to a random password, e.g. the output of `openssl rand -base64 24`")
    } else {
        format!("set `{key}` to a random value, e.g. the output of `openssl rand -hex 32` (64 characters)")
    }
}

/// Secret-named keys whose value is the secret itself: `*_SECRET`, `*_PASSWORD`, `*_TOKEN`, `*_KEY`...
/// and not a setting about one (`ACCESS_TOKEN_EXPIRE_MINUTES`, `JWT_SECRET_FILE`, `RECAPTCHA_SITE_KEY`).
fn is_secret_name(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    if upper == "SECRET_KEY_BASE" || upper.ends_with("_SECRET_KEY_BASE") {
        return true;
    }
    let mut segs: Vec<&str> = upper.split('_').filter(|s| !s.is_empty()).collect();
    // `_APP_OPENSSL_KEY_V1`, `SECRET_KEY_2`: a version suffix.
    while segs.len() > 1 && segs.last().is_some_and(|s| s.chars().all(|c| c.is_ascii_digit()) || is_version(s)) {
        segs.pop();
    }
    if !is_secret_key(&segs.join("_")) {
        return false;
    }
    let Some(last) = segs.last() else { return false };
    const NOUNS: [&str; 11] = [
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "PASSPHRASE",
        "TOKEN",
        "KEY",
        "APIKEY",
        "SECRETKEY",
        "PRIVATEKEY",
    ];
    if !NOUNS.contains(last) {
        return false;
    }
    // `*_KEY` names that are identifiers or public by design.
    const NOT_SECRET: [&str; 14] = [
        "SITE",
        "ANON",
        "SORT",
        "PARTITION",
        "CACHE",
        "PRIMARY",
        "FOREIGN",
        "IDEMPOTENCY",
        "LOCK",
        "QUEUE",
        "ROUTING",
        "OBJECT",
        "SHORTCUT",
        "HOTKEY",
    ];
    let before = segs.len().checked_sub(2).and_then(|i| segs.get(i));
    !(*last == "KEY" && before.is_some_and(|b| NOT_SECRET.contains(b)))
}

fn is_version(s: &str) -> bool {
    s.len() >= 2 && s.starts_with('V') && s.get(1..).is_some_and(|d| d.chars().all(|c| c.is_ascii_digit()))
}

/// Secrets an app cannot run safely without: empty in production is a finding. Optional integrations
/// (`SMTP_PASSWORD`, `SENTRY_AUTH_TOKEN`, `REDIS_PASSWORD` on a private network) may be empty on purpose.
fn required_when_production(key: &str) -> bool {
    const EXACT: [&str; 17] = [
        "SECRET_KEY",
        "SECRET_KEY_BASE",
        "DJANGO_SECRET_KEY",
        "NEXTAUTH_SECRET",
        "AUTH_SECRET",
        "SESSION_SECRET",
        "COOKIE_SECRET",
        "APP_KEY",
        "APP_SECRET",
        "ENCRYPTION_KEY",
        "POSTGRES_PASSWORD",
        "MYSQL_PASSWORD",
        "MYSQL_ROOT_PASSWORD",
        "MARIADB_PASSWORD",
        "MARIADB_ROOT_PASSWORD",
        "DB_PASSWORD",
        "DATABASE_PASSWORD",
    ];
    EXACT.contains(&key)
        || key.starts_with("JWT_SECRET")
        || key.ends_with("_JWT_SECRET")
        || key.ends_with("_ENCRYPTION_KEY")
        || key.ends_with("_SIGNING_KEY")
}

/// Why a secret value is weak, if it is. Never quotes the value.
fn weakness(entry: &EnvEntry, value: &str, django: bool, laravel: bool) -> Option<String> {
    let key = entry.key.to_ascii_uppercase();
    if value.is_empty() {
        return required_when_production(&key).then(|| "is empty in a production env file".to_owned());
    }
    // Publishable keys are public; paths and URLs name where the secret is; flags are settings.
    if value.starts_with("pk_")
        || value.starts_with(['/', '~'])
        || value.starts_with("./")
        || value.contains("://")
        || [".pem", ".key", ".json", ".crt"].iter().any(|ext| value.ends_with(ext))
        || ["true", "false", "yes", "no", "on", "off", "disabled", "enabled", "none", "null", "nil"]
            .iter()
            .any(|b| value.eq_ignore_ascii_case(b))
    {
        return None;
    }
    let len = value.chars().count();
    if is_common_word(value) {
        return Some("is a common word that password lists try first".to_owned());
    }
    let mut distinct: Vec<char> = value.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() <= 3 {
        return Some(format!("repeats {} distinct character(s) only", distinct.len()));
    }
    if key == "APP_KEY" {
        if let Some(b64) = value.strip_prefix("base64:") {
            let bytes = base64_len(b64)?;
            return (bytes != 32).then(|| {
                format!("decodes to {bytes} bytes; Laravel's AES-256-CBC cipher needs a `base64:` key of 32 bytes")
            });
        }
        if laravel && len != 32 {
            return Some(format!("is {len} characters; Laravel's AES-256-CBC cipher needs 32 (or a `base64:` key)"));
        }
    }
    if let Some((min, why)) = documented_minimum(&key, django)
        && len < min
    {
        return Some(format!("is {len} characters; {why} needs at least {min}"));
    }
    (len < MIN_LEN).then(|| format!("is only {len} characters (at least {MIN_LEN} expected for a secret)"))
}

/// Minimum lengths documented by the frameworks that read these keys.
fn documented_minimum(key: &str, django: bool) -> Option<(usize, &'static str)> {
    if key.contains("JWT") && (key.contains("SECRET") || key.ends_with("SIGNING_KEY")) {
        return Some((32, "an HS256 signing key (RFC 7518 §3.2: 256 bits)"));
    }
    if key == "SECRET_KEY_BASE" || key.ends_with("_SECRET_KEY_BASE") {
        return Some((64, "Rails' `secret_key_base` (`bin/rails secret` prints 128)"));
    }
    if key == "DJANGO_SECRET_KEY" || (django && key == "SECRET_KEY") {
        return Some((50, "Django's deployment check (security.W009)"));
    }
    if key == "NEXTAUTH_SECRET" || key == "AUTH_SECRET" {
        return Some((32, "Auth.js (`openssl rand -base64 32`)"));
    }
    None
}

/// The first entries of public breached-password lists, and the default credentials of the images
/// people deploy next to their app (`postgres`, `mysql`, `guest` for RabbitMQ, `admin`), also with a
/// trailing number or symbol (`Password123!`, `admin2024`). Kept short on purpose: each word is one that
/// a password-spraying tool tries in its first seconds.
fn is_common_word(value: &str) -> bool {
    const WORDS: [&str; 20] = [
        "password",
        "passw0rd",
        "p@ssw0rd",
        "secret",
        "admin",
        "changeme",
        "changeit",
        "letmein",
        "qwerty",
        "123456",
        "12345678",
        "123456789",
        "root",
        "test",
        "default",
        "welcome",
        "postgres",
        "mysql",
        "redis",
        "guest",
    ];
    let lower = value.to_ascii_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let stem = if stem.is_empty() { lower.as_str() } else { stem };
    WORDS.contains(&lower.as_str()) || WORDS.contains(&stem)
}

/// Decoded length of standard or URL-safe base64 text, None when it is not base64.
fn base64_len(s: &str) -> Option<usize> {
    let body = s.trim_end_matches('=');
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_')) {
        return None;
    }
    Some(body.len() * 6 / 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for k in ["JWT_SECRET", "SECRET_KEY_BASE", "REDIS_PASSWORD", "_APP_OPENSSL_KEY_V1", "GITHUB_TOKEN", "DB_PASS"] {
            assert!(is_secret_name(k), "{k}");
        }
        for k in [
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "JWT_SECRET_FILE",
            "RECAPTCHA_SITE_KEY",
            "SUPABASE_ANON_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "STRIPE_PUBLIC_KEY",
            "SMTP_AUTH",
            "AWS_ACCESS_KEY_ID",
        ] {
            assert!(!is_secret_name(k), "{k}");
        }
    }

    fn weak(key: &str, value: &str) -> Option<String> {
        let span = Span::file_start(crate::source::FileId(0));
        let entry = EnvEntry {
            key: key.to_owned(),
            key_span: span,
            value: None,
            stmt: span,
            exported: false,
            spaces_around_separator: false,
        };
        weakness(&entry, value, false, false)
    }

    #[test]
    fn weaknesses() {
        assert!(weak("JWT_SECRET", "").is_some());
        assert!(weak("SMTP_PASSWORD", "").is_none());
        assert!(weak("POSTGRES_PASSWORD", "Password123!").is_some());
        assert!(weak("API_TOKEN", "aaaaaaaaaaaaaaaaaaaaaa").is_some());
        assert!(weak("API_TOKEN", "k3Rt9vQ").is_some());
        let jwt = weak("JWT_SECRET", "Xq9vL2mN8pR4tW6yXq9vL2m").unwrap_or_default();
        assert!(jwt.contains("23 characters") && jwt.contains("32"), "{jwt}");
        assert!(!jwt.contains("Xq9v"));
        assert!(weak("JWT_SECRET", "Xq9vL2mN8pR4tW6yXq9vL2mN8pR4tW6y").is_none());
        assert!(weak("STRIPE_KEY", "pk_live_51HxAbC").is_none());
        assert!(weak("GOOGLE_PRIVATE_KEY", "/run/secrets/google.pem").is_none());
        assert!(weak("USE_API_KEY", "true").is_none());
        assert!(weak("GITHUB_PRIVATE_KEY", "disabled").is_none());
    }

    #[test]
    fn words_and_base64() {
        assert!(is_common_word("Password123!"));
        assert!(is_common_word("admin2024"));
        assert!(!is_common_word("Xq9vL2mN8pR4tW6y"));
        assert_eq!(base64_len("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="), Some(32));
    }
}
