//! E205: a browser-exposed variable (`NEXT_PUBLIC_*`, `VITE_*`...) holds a server secret.
use std::collections::HashSet;

use crate::model::EnvRole;
use crate::rules::common::{browser_prefix, has_reference};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "E205",
    name: "secret-in-public-env",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/E205-secret-in-public-env.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    let mut seen: HashSet<Span> = HashSet::new();
    let paired: HashSet<_> = model.templates.iter().filter(|p| p.env.is_some()).map(|p| p.template).collect();
    for env in &model.env_files {
        let template = env.role == EnvRole::Template;
        // A template's real env file is checked instead, when it exists.
        if template && paired.contains(&env.file) {
            continue;
        }
        for entry in &env.entries {
            let Some(prefix) = browser_prefix(&entry.key) else { continue };
            let value = entry.value.as_ref();
            // Values of templates are placeholders; references are unknown until resolved.
            let text = value.filter(|v| !template && !has_reference(v)).map(|v| v.text.as_str());
            let non_empty = value.is_some_and(|v| !v.text.trim().is_empty()) || template;
            if let Some(why) = leak(&entry.key, prefix, text, non_empty)
                && seen.insert(entry.key_span)
            {
                out.report(finding(&entry.key, prefix, entry.key_span, why));
            }
        }
    }
    for (_, svc) in model.services() {
        for var in &svc.environment {
            let Some(prefix) = browser_prefix(&var.key) else { continue };
            let text = var.value.as_deref().filter(|_| var.known);
            let non_empty = var.value.as_deref().is_some_and(|v| !v.trim().is_empty()) || !var.known;
            if let Some(why) = leak(&var.key, prefix, text, non_empty)
                && seen.insert(var.key_span)
            {
                out.report(finding(&var.key, prefix, var.key_span, why));
            }
        }
        for arg in svc.build.iter().flat_map(|b| &b.args) {
            let Some(prefix) = browser_prefix(&arg.key) else { continue };
            let text = arg.value.as_ref().filter(|t| t.known).map(|t| t.value.as_str());
            let non_empty = arg.value.as_ref().is_some_and(|t| !t.value.trim().is_empty() || !t.known);
            if let Some(why) = leak(&arg.key, prefix, text, non_empty)
                && seen.insert(arg.key_span)
            {
                out.report(
                    finding(&arg.key, prefix, arg.key_span, why)
                        .related(svc.name_span, format!("build argument of `{}`: baked into its image", svc.name)),
                );
            }
        }
    }
}

fn finding(key: &str, prefix: &str, span: Span, why: String) -> Finding {
    Finding::new(
        &RULE,
        span,
        format!("`{key}` {why}: `{prefix}` variables are embedded in the JavaScript every visitor downloads"),
    )
    .label("exposed to the browser")
    .help(format!(
        "keep the secret in a server-only variable (without `{prefix}`) used by server code, and rotate it if this was ever deployed"
    ))
}

/// Why a browser-exposed variable leaks a secret: its value (when known) is a server secret, or its name
/// says it is one (and it is set).
fn leak(key: &str, prefix: &str, value: Option<&str>, non_empty: bool) -> Option<String> {
    if let Some(v) = value {
        let v = v.trim();
        if v.starts_with("pk_") || is_jwt_with_role(v, "anon") {
            return None;
        }
        if let Some(kind) = server_secret(v) {
            return Some(format!("holds {kind}"));
        }
    }
    let rest = key.get(prefix.len()..).unwrap_or("").to_ascii_uppercase();
    let segs: Vec<&str> = rest.split('_').collect();
    // `PRIVATE` alone is a mode (`VITE_PRIVATE_BETA`), a private key is a secret.
    let named = segs.iter().any(|s| matches!(*s, "SECRET" | "PASSWORD" | "PASSWD"))
        || rest.contains("PRIVATE_KEY")
        || rest.contains("SERVICE_ROLE");
    // Settings about a secret (`..._SECRET_URL`, `..._PASSWORD_MIN_LENGTH`) are not the secret.
    let about = segs.last().is_some_and(|s| {
        matches!(*s, "URL" | "URI" | "ENDPOINT" | "ENABLED" | "NAME" | "PATH" | "LENGTH" | "FIELD" | "HEADER")
    });
    let public = rest.contains("PUBLISHABLE") || rest.contains("ANON") || rest.contains("PUBLIC_KEY");
    let flag = value.is_some_and(|v| {
        ["true", "false", "0", "1", "yes", "no", "on", "off"].iter().any(|b| v.trim().eq_ignore_ascii_case(b))
    });
    (named && !about && !public && !flag && non_empty).then(|| "is named as a server secret".to_owned())
}

/// The kind of server secret a value is, recognised by its format.
fn server_secret(v: &str) -> Option<&'static str> {
    const PREFIXES: [(&str, &str); 16] = [
        ("sk_live_", "a live Stripe secret key (`sk_live_…`)"),
        ("sk_test_", "a Stripe secret key (`sk_test_…`)"),
        ("rk_live_", "a live Stripe restricted key (`rk_live_…`)"),
        ("rk_test_", "a Stripe restricted key (`rk_test_…`)"),
        ("whsec_", "a Stripe webhook signing secret (`whsec_…`)"),
        ("sb_secret_", "a Supabase secret key (`sb_secret_…`)"),
        ("sk-ant-", "an Anthropic API key (`sk-ant-…`)"),
        ("sk-proj-", "an OpenAI API key (`sk-proj-…`)"),
        ("ghp_", "a GitHub token (`ghp_…`)"),
        ("gho_", "a GitHub token (`gho_…`)"),
        ("ghs_", "a GitHub token (`ghs_…`)"),
        ("github_pat_", "a GitHub token (`github_pat_…`)"),
        ("glpat-", "a GitLab token (`glpat-…`)"),
        ("xoxb-", "a Slack bot token (`xoxb-…`)"),
        ("xoxp-", "a Slack user token (`xoxp-…`)"),
        ("SG.", "a SendGrid API key (`SG.…`)"),
    ];
    if let Some((_, kind)) = PREFIXES.iter().find(|(p, _)| v.starts_with(p) && v.len() > p.len() + 8) {
        return Some(kind);
    }
    if v.starts_with("sk-")
        && v.len() >= 40
        && v[3..].chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Some("an OpenAI API key (`sk-…`)");
    }
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    if is_jwt_with_role(v, "service_role") {
        return Some("a Supabase `service_role` key (it bypasses row-level security)");
    }
    None
}

/// A JWT (`header.payload.signature`) whose payload has `"role": "<role>"`.
fn is_jwt_with_role(v: &str, role: &str) -> bool {
    let mut parts = v.split('.');
    let (Some(header), Some(payload), Some(_sig), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    if !header.starts_with("eyJ") {
        return false;
    }
    let Some(bytes) = base64url_decode(payload) else { return false };
    let json: String = String::from_utf8_lossy(&bytes).chars().filter(|c| !c.is_whitespace()).collect();
    json.contains(&format!("\"role\":\"{role}\""))
}

/// Decodes base64url (or standard base64) without padding checks.
fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap_or(0));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // {"alg":"HS256","typ":"JWT"} . {"iss":"supabase","role":"service_role"} . sig
    const SERVICE: &str =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJvbGUiOiJzZXJ2aWNlX3JvbGUifQ.c2ln";
    // {"iss":"supabase","role":"anon"}
    const ANON: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJvbGUiOiJhbm9uIn0.c2ln";

    #[test]
    fn jwt_roles() {
        assert!(is_jwt_with_role(SERVICE, "service_role"));
        assert!(is_jwt_with_role(ANON, "anon"));
        assert!(!is_jwt_with_role(ANON, "service_role"));
    }

    #[test]
    fn leaks() {
        assert!(leak("NEXT_PUBLIC_STRIPE_KEY", "NEXT_PUBLIC_", Some("sk_live_51HxAbCdEfGhIjKl"), true).is_some());
        assert!(leak("VITE_SUPABASE_KEY", "VITE_", Some(SERVICE), true).is_some());
        assert!(leak("VITE_SUPABASE_KEY", "VITE_", Some(ANON), true).is_none());
        assert!(leak("NEXT_PUBLIC_STRIPE_SECRET_KEY", "NEXT_PUBLIC_", None, true).is_some());
        assert!(leak("NEXT_PUBLIC_STRIPE_SECRET_KEY", "NEXT_PUBLIC_", None, false).is_none());
        assert!(leak("NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY", "NEXT_PUBLIC_", Some("pk_live_51Hx"), true).is_none());
        assert!(leak("REACT_APP_API_URL", "REACT_APP_", Some("https://api.acme.io"), true).is_none());
        assert!(leak("VITE_PROXYSCOTCH_ACCESS_TOKEN", "VITE_", Some(""), false).is_none());
        assert!(leak("VITE_PRIVATE_BETA", "VITE_", Some("1"), true).is_none());
        assert!(leak("NEXT_PUBLIC_PASSWORD_MIN_LENGTH", "NEXT_PUBLIC_", Some("12"), true).is_none());
        assert!(leak("NEXT_PUBLIC_SHOW_SECRET", "NEXT_PUBLIC_", Some("false"), true).is_none());
        assert!(
            leak("PUBLIC_GITHUB_TOKEN", "PUBLIC_", Some("ghp_16C7e42F292c6912E7710c838347Ae178B4a"), true).is_some()
        );
        let why = leak("VITE_STRIPE_KEY", "VITE_", Some("sk_test_4eC39HqLyjWDarjtT1zdp7dc"), true).unwrap_or_default();
        assert!(why.contains("sk_test_") && !why.contains("4eC39"), "{why}");
    }
}
