//! S805: a secret-named key with a literal value in a compose `environment:`.
use std::collections::HashSet;

use crate::model::{EnvSource, EnvVar, Environment};
use crate::rules::prelude::*;
use crate::secret::is_secret_key;

pub static RULE: Rule = Rule {
    code: "S805",
    name: "inline-secret-in-compose",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: false,
    doc: include_str!("../../../rules/docs/S805-inline-secret-in-compose.md"),
    check,
};

/// Last words of a key that name the secret itself: `DB_PASSWORD`, `JWT_SECRET`, `API_TOKEN`, `APP_KEY`,
/// `database__connection__password`.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "KEY",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
];

/// Words that make a secret-named key a switch about the secret rather than the secret
/// (`MYSQL_RANDOM_ROOT_PASSWORD`, `MYSQL_ALLOW_EMPTY_PASSWORD`, `DISABLE_PASSWORD`).
const SWITCH_WORDS: &[&str] =
    &["RANDOM", "ALLOW", "EMPTY", "GENERATE", "SKIP", "DISABLE", "DISABLED", "ENABLE", "ENABLED", "REQUIRE", "USE"];

fn words(key: &str) -> Vec<String> {
    key.split(['_', '.', '-']).filter(|w| !w.is_empty()).map(str::to_ascii_uppercase).collect()
}

/// Does the key hold the secret itself? `E204`'s secret names, narrowed to keys whose last word is the
/// secret (`SMTP_PASSWORD`), or the Rails `SECRET_KEY_BASE`: `NEXT_PRIVATE_SMTP_TRANSPORT`,
/// `REGISTRY_AUTH_HTPASSWD_REALM`, `ACCESS_TOKEN_EXPIRE_MINUTES` or `POSTGRES_PASSWORD_FILE` hold settings.
fn names_the_secret(key: &str) -> bool {
    if !is_secret_key(key) {
        return false;
    }
    let w = words(key);
    let last_is_secret = w.last().is_some_and(|l| SECRET_WORDS.contains(&l.as_str()));
    let key_base = w.len() >= 2 && w[w.len() - 2..] == ["KEY", "BASE"];
    (last_is_secret || key_base) && !w.iter().any(|x| SWITCH_WORDS.contains(&x.as_str()))
}

/// A file path (`/certs/server.key`, `./keys/jwt.pem`): at least two segments of plain file-name
/// characters after a path prefix (a base64 secret has `+`, `=` or a single leading `/` at most).
fn is_path(v: &str) -> bool {
    let Some(rest) = ["/", "./", "../", "~/"].iter().find_map(|p| v.strip_prefix(p)) else { return false };
    let segments: Vec<&str> = rest.split('/').collect();
    segments.len() >= 2
        && segments.iter().all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
}

/// A literal that cannot be a secret: empty, a flag, or the path of a secret file (`/run/secrets/db`,
/// `/certs/server.key`).
fn is_not_a_secret(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || v.starts_with("/run/secrets/")
        || is_path(v)
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null" | "0" | "1"
        )
}

/// Written in `environment:` as a literal: no variable is substituted into it (`$$` escapes included).
fn is_literal(e: &EnvVar) -> bool {
    e.source == EnvSource::Environment && e.known && e.interp.as_ref().is_none_or(|i| i.uses.is_empty())
}

fn check(model: &StackModel, out: &mut Sink) {
    // A file shared by several stacks (base + override, base + prod variant), or an `environment:` anchor
    // merged into several services, is reported once, where the value is written.
    let mut seen: HashSet<Span> = HashSet::new();
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        // A development stack's throwaway passwords protect nothing worth leaking.
        if stack.environment(model) == Some(Environment::Development) {
            continue;
        }
        for svc in stack.active_services() {
            for e in &svc.environment {
                let Some(value) = &e.value else { continue };
                if !names_the_secret(&e.key) || !is_literal(e) || is_not_a_secret(value) {
                    continue;
                }
                if !seen.insert(e.key_span) {
                    continue;
                }
                // The value is never printed: only where it is and what to do.
                out.report(
                    Finding::new(
                        &RULE,
                        e.key_span,
                        format!("`{}` of `{}` has its value written in the compose file", e.key, svc.name),
                    )
                    .label(format!("{} is a literal, committed with the file", crate::secret::mask(value)))
                    .help(format!(
                        "move the value to the gitignored `.env` and write `{k}: ${{{k}:?set it in .env}}`, or mount it as a compose secret (`{k}_FILE: /run/secrets/...` where the image reads one); then rotate it: it stays in the git history",
                        k = e.key
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_not_a_secret, names_the_secret};

    #[test]
    fn secret_keys() {
        for k in [
            "POSTGRES_PASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "DB_PASSWD",
            "MB_DB_PASS",
            "JWT_SECRET",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "SECRET_KEY_BASE",
            "database__connection__password",
            "OPENAI_API_KEY",
        ] {
            assert!(names_the_secret(k), "{k}");
        }
        for k in [
            "POSTGRES_PASSWORD_FILE",
            "POSTGRES_USER",
            "ACCESS_TOKEN_EXPIRE_MINUTES",
            "JWT_SECRET_ALGORITHM",
            "NEXT_PRIVATE_SMTP_TRANSPORT",
            "PRIVATE_FILESYSTEM_DISK",
            "REGISTRY_AUTH",
            "REGISTRY_AUTH_HTPASSWD_REALM",
            "MARIADB_RANDOM_ROOT_PASSWORD",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "STRIPE_PUBLISHABLE_KEY",
            "KEYCLOAK_URL",
        ] {
            assert!(!names_the_secret(k), "{k}");
        }
    }

    #[test]
    fn non_secret_values() {
        assert!(is_not_a_secret(""));
        assert!(is_not_a_secret("  "));
        assert!(is_not_a_secret("true"));
        assert!(is_not_a_secret("/run/secrets/db_password"));
        assert!(is_not_a_secret("/certs/server.key"));
        assert!(is_not_a_secret("./keys/jwt-private.pem"));
        assert!(!is_not_a_secret("/Xk3aP9qLm2"));
        assert!(!is_not_a_secret("/Xk3+aP9/qLm2=="));
        assert!(!is_not_a_secret("postgres"));
        assert!(!is_not_a_secret("123456"));
    }
}
