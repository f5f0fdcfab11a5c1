//! E203: a value in a real env file still looks like a template placeholder.
use std::collections::HashMap;

use crate::model::EnvFileModel;
use crate::model::env::EnvEntry;
use crate::rules::common::{self, has_reference, list_items, parse_url};
use crate::rules::prelude::*;
use crate::secret::is_secret_key;
use crate::source::FileId;

pub static RULE: Rule = Rule {
    code: "E203",
    name: "placeholder-value",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/E203-placeholder-value.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    let templates = templates_by_env(model);
    for env in common::real_env_files(model) {
        // Local and CI files keep throwaway values on purpose.
        if common::is_development(model, env) {
            continue;
        }
        let template = templates.get(&env.file).copied();
        for (i, entry) in env.entries.iter().enumerate() {
            // An earlier definition of a key is E207's; only the winning value matters here.
            if !env.is_last_definition(i) {
                continue;
            }
            let Some(found) = placeholder_in(entry, template) else { continue };
            let Some(value) = &entry.value else { continue };
            let key = &entry.key;
            let mut f = Finding::new(&RULE, value.raw_span, format!("`{key}` is still a placeholder: {}", found.what))
                .label("placeholder value")
                .help(if is_secret_key(key) {
                    format!("set `{key}` to a random value of its own (e.g. `openssl rand -hex 32`) before deploying")
                } else {
                    format!("set the real value of `{key}` before deploying")
                });
            if let Some(span) = found.template_key {
                f = f.related(span, "the template's placeholder for this key");
            }
            out.report(f);
        }
    }
}

/// Env file ⇒ its template, for the pairs where both exist.
pub(crate) fn templates_by_env(model: &StackModel) -> HashMap<FileId, &EnvFileModel> {
    model
        .templates
        .iter()
        .filter_map(|p| Some((p.env?, model.env_file(p.template)?)))
        .filter(|(_, t)| t.valid)
        .collect()
}

/// What makes a value a placeholder.
pub(crate) struct Placeholder {
    pub what: &'static str,
    /// The template key whose value this one copies.
    pub template_key: Option<Span>,
}

/// Is this entry's value a placeholder: a known marker, or (for a secret) the very value of its
/// template? Values with `${VAR}` references are unknown until resolved.
pub(crate) fn placeholder_in(entry: &EnvEntry, template: Option<&EnvFileModel>) -> Option<Placeholder> {
    let value = entry.value.as_ref()?;
    if value.text.trim().is_empty() || has_reference(value) {
        return None;
    }
    let same_in_template = template
        .and_then(|t| t.get(&entry.key))
        .filter(|t| t.value.as_ref().is_some_and(|tv| !tv.text.trim().is_empty() && tv.text == value.text));
    if let Some(what) = placeholder(&entry.key, &value.text) {
        return Some(Placeholder { what, template_key: same_in_template.map(|t| t.key_span) });
    }
    // A secret copied from the committed template is known to everyone who can read the repository.
    let t = same_in_template.filter(|_| is_secret_key(&entry.key))?;
    Some(Placeholder {
        what: "the same value as in the template, which is committed for everyone to read",
        template_key: Some(t.key_span),
    })
}

/// The kind of placeholder a value is, if it is one.
pub(crate) fn placeholder(key: &str, value: &str) -> Option<&'static str> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let pair = |a: &str, b: &[&str]| words.windows(2).any(|w| w[0] == a && b.contains(&w[1]));
    if words
        .iter()
        .any(|w| ["changeme", "changethis", "changeit", "replaceme", "pleasechange"].iter().any(|p| w.starts_with(p)))
        || pair("change", &["me", "this", "it"])
        || pair("replace", &["me", "this"])
    {
        return Some("a `change me` marker");
    }
    if words.first().is_some_and(|w| ["todo", "fixme", "tbd"].contains(w)) {
        return Some("a `TODO` marker");
    }
    if lower.starts_with("your-") || lower.starts_with("your_") || lower.starts_with("<your") {
        return Some("a `your-…` marker");
    }
    // Only `x` runs (`xxx`, `xxxx-xxxx`), or a run of six `x` or more (`sk_live_xxxxxxxx`); short runs
    // next to other text are more often a format mask (`+1 (xxx) xxx-xxxx`).
    let all_x = |w: &&str| w.len() >= 3 && w.bytes().all(|b| b == b'x');
    if (!words.is_empty() && words.iter().all(all_x)) || words.iter().any(|w| w.len() >= 6 && all_x(w)) {
        return Some("an `xxx` marker");
    }
    if has_angle_placeholder(v) {
        return Some("a `<…>` marker");
    }
    // Only the whole value: `Loading...` or `sk-...` could be real text or a truncated real key.
    if matches!(v, "..." | "…") {
        return Some("a `...` marker");
    }
    if is_secret_key(key) && ["password", "secret", "changeme", "pass", "token"].contains(&lower.as_str()) {
        return Some("a generic word instead of a secret");
    }
    let items: Vec<&str> = list_items(v).collect();
    // Prose (`see example.com for details`) is not an address: bare host names count only when every
    // item of the value is one (`ALLOWED_HOSTS=example.com,www.example.com`).
    let all_hosts = items.iter().all(|i| address_host(i).is_some() || is_host_name(i));
    for item in items {
        let Some(host) = address_host(item).or_else(|| all_hosts.then(|| bare_host(item))) else { continue };
        let h = host.to_ascii_lowercase();
        if is_documentation_domain(&h) {
            return Some("an address at a documentation domain (`example.com`/`.org`/`.net`)");
        }
        if h.starts_with("your-") || h.starts_with("your_") || h.starts_with("yourdomain") || h.starts_with("your.") {
            return Some("a `your-…` marker");
        }
    }
    None
}

/// `example.com`, `example.org`, `example.net` and their subdomains (RFC 2606), not `myexample.com`
/// nor `example.com.au`.
fn is_documentation_domain(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    ["example.com", "example.org", "example.net"]
        .iter()
        .any(|d| host == *d || host.strip_suffix(d).is_some_and(|head| head.ends_with('.')))
}

/// The host of a URL (`https://app.example.com/x`) or the domain of an e-mail address
/// (`noreply@example.com`, `Acme <noreply@example.com>`).
fn address_host(item: &str) -> Option<&str> {
    if let Some(u) = parse_url(item) {
        return Some(u.host);
    }
    let (local, domain) = item.rsplit_once('@')?;
    let domain = domain.trim_end_matches('>');
    (!local.is_empty() && is_host_name(domain)).then_some(domain)
}

/// A bare `host[:port]` item.
fn bare_host(item: &str) -> &str {
    item.split(':').next().unwrap_or(item)
}

/// A dotted host name, optionally with a port (`app.example.com`, `.example.com`, `example.com:8443`).
fn is_host_name(item: &str) -> bool {
    let host = bare_host(item).trim_start_matches('.');
    host.contains('.')
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && host.chars().any(|c| c.is_ascii_alphabetic())
}

/// `<your-api-key>`, `postgres://<user>:<password>@db`: angle brackets around a name (not an e-mail
/// address such as `Acme <support@acme.io>`).
fn has_angle_placeholder(v: &str) -> bool {
    let mut rest = v;
    while let Some(open) = rest.find('<') {
        let after = rest.get(open + 1..).unwrap_or("");
        let Some(close) = after.find('>') else { return false };
        let inner = after.get(..close).unwrap_or("");
        // Three characters at least: `<b>`, `<br>` are markup, not placeholders.
        if inner.len() >= 3 && !inner.contains(['@', '<', '/', '=']) && inner.chars().any(|c| c.is_ascii_alphabetic()) {
            return true;
        }
        rest = after.get(close + 1..).unwrap_or("");
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        for (k, v) in [
            ("JWT_SECRET", "changeme"),
            ("JWT_SECRET", "CHANGE_ME_IN_PRODUCTION"),
            ("DATABASE_URL", "postgres://app:change-me@db:5432/app"),
            ("API_KEY", "your-api-key"),
            ("STRIPE_SECRET_KEY", "sk_live_xxxxxxxx"),
            ("SENTRY_DSN", "<your-sentry-dsn>"),
            ("SMTP_HOST", "TODO"),
            ("OPENAI_API_KEY", "..."),
            ("API_KEY", "xxx"),
            ("API_KEY", "xxxx-xxxx-xxxx"),
            ("DB_PASSWORD", "password"),
            ("DOMAIN", "your-domain.dyndns.com"),
        ] {
            assert!(placeholder(k, v).is_some(), "{k}={v}");
        }
        for (k, v) in [
            ("JWT_SECRET", "Xq9vL2mN8pR4tW6yXq9vL2mN8pR4tW6y"),
            ("EXCHANGE_RATE_URL", "https://api.exchange-me.io"),
            ("MAIL_FROM", "Acme Support <support@acme.io>"),
            ("PIHOLE_HOST_IP", "192.168.178.X"),
            ("LOG_FORMAT", "<b>"),
            ("MESSAGE", "Loading, please wait..."),
            ("OPENAI_API_KEY", "sk-..."),
            ("AUTH_METHOD", "password"),
            ("PHONE_FORMAT", "+1 (xxx) xxx-xxxx"),
        ] {
            assert!(placeholder(k, v).is_none(), "{k}={v}");
        }
    }

    #[test]
    fn documentation_domains_only_as_hosts() {
        for (k, v) in [
            ("FRONTEND_URL", "https://app.example.com"),
            ("API_URL", "https://api.example.org:8443/v1"),
            ("MAIL_FROM", "noreply@example.net"),
            ("MAIL_FROM", "Acme <noreply@example.com>"),
            ("DOMAIN", "example.com"),
            ("ALLOWED_HOSTS", "example.com,www.example.com"),
            ("SMTP_HOST", "smtp.example.com:587"),
        ] {
            assert!(placeholder(k, v).is_some(), "{k}={v}");
        }
        for (k, v) in [
            ("DOMAIN", "myexample.com"),
            ("DOMAIN", "example.com.au"),
            ("DOCS_URL", "https://docs.acme.io/example.com"),
            ("MOTD", "see example.com for details"),
            ("UPSTREAM", "https://example.company.io"),
            ("MAIL_FROM", "example.com@acme.io"),
        ] {
            assert!(placeholder(k, v).is_none(), "{k}={v}");
        }
    }
}
