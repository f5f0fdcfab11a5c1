//! E212: a browser-facing variable or build argument of a production stack points at localhost.
use std::collections::HashSet;

use crate::rules::common::{self, browser_prefix, has_reference, is_loopback_host, list_items, parse_url};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "E212",
    name: "public-url-localhost",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/E212-public-url-localhost.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    let mut seen = HashSet::new();
    for env in common::real_env_files(model) {
        if !common::is_production(model, env) {
            continue;
        }
        for e in &env.entries {
            if browser_prefix(&e.key).is_none() || server_side(&e.key) {
                continue;
            }
            let Some(v) = e.value.as_ref().filter(|v| !has_reference(v)) else { continue };
            if let Some(host) = loopback_in(&v.text)
                && seen.insert(e.key_span)
            {
                out.report(finding(&e.key, host, v.raw_span, "a production env file"));
            }
        }
    }
    for (stack, svc) in model.services() {
        if !stack.is_production(model) {
            continue;
        }
        for var in svc.environment.iter().filter(|v| v.known) {
            if browser_prefix(&var.key).is_none() || server_side(&var.key) {
                continue;
            }
            let Some(value) = var.value.as_deref() else { continue };
            if let Some(host) = loopback_in(value)
                && seen.insert(var.key_span)
            {
                out.report(
                    finding(&var.key, host, var.value_span, "a production stack")
                        .related(svc.name_span, format!("passed to `{}`", svc.name)),
                );
            }
        }
        for arg in svc.build.iter().flat_map(|b| &b.args) {
            if !is_browser_arg(&arg.key) || server_side(&arg.key) {
                continue;
            }
            let Some(value) = arg.value.as_ref().filter(|t| t.known) else { continue };
            if let Some(host) = loopback_in(&value.value)
                && seen.insert(arg.key_span)
            {
                out.report(
                    finding(&arg.key, host, value.span, "a production build")
                        .related(svc.name_span, format!("build argument of `{}`: baked into its image", svc.name)),
                );
            }
        }
    }
}

/// Build arguments that end up in a browser bundle: browser-prefixed names, and the usual names of the
/// API address a frontend is built against.
fn is_browser_arg(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    browser_prefix(key).is_some()
        || k.contains("PUBLIC")
        || ["API_URL", "BACKEND_URL", "WS_URL", "GRAPHQL_URL", "API_BASE_URL"]
            .iter()
            .any(|s| k == *s || k.ends_with(&format!("_{s}")))
}

fn finding(key: &str, host: &str, span: Span, place: &str) -> Finding {
    Finding::new(
        &RULE,
        span,
        format!("`{key}` points at `{host}` in {place}: it is baked into the JavaScript bundle, so each visitor's browser calls its own machine"),
    )
    .label("loopback address")
    .help("set it to the public URL the browser reaches (`https://api.<your domain>`, or a relative `/api` on the same origin), then rebuild the frontend image")
}

/// A prefixed name that says it is read on the server (`VITE_API_URL_SERVER`, `NEXT_PUBLIC_SSR_API_URL`,
/// `VITE_INTERNAL_API_URL`): server-side rendering calls from inside the container, where `localhost`
/// may be right.
fn server_side(key: &str) -> bool {
    key.to_ascii_uppercase().split('_').any(|s| matches!(s, "SERVER" | "SSR" | "INTERNAL"))
}

/// The loopback host a value points at: a URL to `localhost`/`127.0.0.1`/`[::1]`, or a bare
/// `localhost:3000`. A bare `0.0.0.0` is a bind address (`VITE_HOST=0.0.0.0`), not a place to call.
fn loopback_in(value: &str) -> Option<&str> {
    list_items(value).find_map(|item| {
        let host = match parse_url(item) {
            Some(u) => u.host,
            None => {
                let host = item.split([':', '/']).next().unwrap_or("");
                if matches!(host, "0.0.0.0" | "") {
                    return None;
                }
                host
            }
        };
        (!host.is_empty() && is_loopback_host(host)).then_some(host)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_values() {
        assert_eq!(loopback_in("http://localhost:8000/api"), Some("localhost"));
        assert_eq!(loopback_in("http://127.0.0.1:8000"), Some("127.0.0.1"));
        assert_eq!(loopback_in("http://[::1]:8000"), Some("::1"));
        assert_eq!(loopback_in("ws://api.localhost/socket"), Some("api.localhost"));
        assert_eq!(loopback_in("localhost:3000"), Some("localhost"));
        assert_eq!(loopback_in("https://api.acme.io,http://localhost:3000"), Some("localhost"));
        assert_eq!(loopback_in("0.0.0.0"), None);
        assert_eq!(loopback_in("https://api.acme.io"), None);
        assert_eq!(loopback_in("/api"), None);
        assert_eq!(loopback_in("https://localhost.acme.io"), None);
        assert_eq!(loopback_in(""), None);
    }

    #[test]
    fn browser_args() {
        assert!(is_browser_arg("VITE_API_URL"));
        assert!(is_browser_arg("API_URL"));
        assert!(is_browser_arg("NEXT_PUBLIC_WS_URL"));
        assert!(is_browser_arg("BACKEND_API_BASE_URL"));
        assert!(!is_browser_arg("DATABASE_URL"));
        assert!(server_side("VITE_API_URL_SERVER"));
        assert!(server_side("NEXT_PUBLIC_SSR_API_URL"));
        assert!(!server_side("VITE_API_URL"));
        assert!(!server_side("VITE_SERVERLESS_URL"));
    }
}
