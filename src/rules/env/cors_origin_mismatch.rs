//! E211: the frontend URL, the CORS origins and Django's `ALLOWED_HOSTS` / `CSRF_TRUSTED_ORIGINS` of
//! one environment disagree, or hold entries that can never match.
use std::collections::{HashMap, HashSet};

use crate::rules::common::{self, Var, has_reference, list_items, parse_url};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "E211",
    name: "cors-origin-mismatch",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/E211-cors-origin-mismatch.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    let mut seen = HashSet::new();
    for env in common::real_env_files(model) {
        let mut last: HashMap<&str, Var<'_>> = HashMap::new();
        for e in &env.entries {
            if let Some(v) = e.value.as_ref().filter(|v| !has_reference(v)) {
                last.insert(&e.key, Var { key: &e.key, value: v.text.trim(), span: e.key_span });
            } else {
                last.remove(e.key.as_str());
            }
        }
        let mut vars: Vec<Var<'_>> = last.into_values().collect();
        vars.sort_by_key(|v| (v.span.start, v.span.end));
        check_vars(&vars, &mut seen, out);
    }
    // What a service ends up with (env files and `environment:` together). The domains the proxies
    // serve are not in the model yet: values are compared among themselves.
    for (_, svc) in model.services() {
        check_vars(&common::known_service_vars(svc), &mut seen, out);
    }
}

fn is_cors_key(k: &str) -> bool {
    k.contains("CORS") && k.contains("ORIGIN") && !k.contains("REGEX") && !k.contains("ALLOW_ALL")
}

fn is_frontend_key(k: &str) -> bool {
    matches!(k, "FRONTEND_URL" | "FRONTEND_ORIGIN" | "FRONTEND_HOST" | "FRONTEND_BASE_URL")
}

fn is_allowed_hosts_key(k: &str) -> bool {
    k == "ALLOWED_HOSTS" || k.ends_with("_ALLOWED_HOSTS")
}

fn is_csrf_key(k: &str) -> bool {
    k == "CSRF_TRUSTED_ORIGINS" || k.ends_with("_CSRF_TRUSTED_ORIGINS")
}

/// `CORS_ALLOW_ALL_ORIGINS=true`, `CORS_ORIGIN_ALLOW_ALL=1`: every origin on purpose.
fn allows_all(v: &Var<'_>) -> bool {
    let k = v.key.to_ascii_uppercase();
    k.contains("CORS")
        && k.contains("ALLOW_ALL")
        && matches!(v.value.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on")
}

fn check_vars(vars: &[Var<'_>], seen: &mut HashSet<(Span, &'static str)>, out: &mut Sink) {
    let upper = |v: &Var<'_>| v.key.to_ascii_uppercase();
    let frontend = vars
        .iter()
        .filter(|v| is_frontend_key(&upper(v)))
        .find_map(|v| parse_url(v.value).filter(|u| !u.host.is_empty()).map(|u| (v, u)));
    let all = vars.iter().any(allows_all);
    let mut report = |span: Span, kind: &'static str, f: Finding| {
        if seen.insert((span, kind)) {
            out.report(f);
        }
    };
    for c in vars.iter().filter(|v| is_cors_key(&upper(v)) && !v.value.is_empty()) {
        let items: Vec<&str> = list_items(c.value).collect();
        // A wildcard, a pattern or a switch (`CORS_ORIGIN=true` reflects every origin in `cors`) is
        // configured on purpose.
        let switch = |i: &&str| {
            matches!(
                i.to_ascii_lowercase().as_str(),
                "true" | "false" | "1" | "0" | "yes" | "no" | "on" | "off" | "all" | "any" | "none" | "null"
            )
        };
        if all || items.iter().any(|i| i.contains('*') || i.contains(['^', '\\', '(']) || switch(i)) {
            continue;
        }
        if let Some(bad) = items.iter().find(|i| !i.contains("://")) {
            report(
                c.span,
                "scheme",
                Finding::new(
                    &RULE,
                    c.span,
                    format!(
                        "`{}` lists `{bad}` without a scheme: a browser's `Origin` always has one, so it never matches",
                        c.key
                    ),
                )
                .label("origin without scheme")
                .help(format!("write the full origin, e.g. `https://{bad}`")),
            );
            continue;
        }
        if let Some((f, url)) = &frontend {
            let origin = url.origin();
            if !items.iter().any(|i| origin_matches(i, &origin)) {
                report(
                    c.span,
                    "frontend",
                    Finding::new(
                        &RULE,
                        c.span,
                        format!(
                            "`{}` does not include `{origin}`, the origin of `{}`: the browser blocks the frontend's API calls",
                            c.key, f.key
                        ),
                    )
                    .label("frontend origin missing")
                    .related(f.span, format!("`{}` is served from `{origin}`", f.key))
                    .help(format!("add `{origin}` to `{}` (scheme, host and port must match exactly)", c.key)),
                );
            }
        }
    }
    for h in vars.iter().filter(|v| is_allowed_hosts_key(&upper(v)) && !v.value.is_empty()) {
        let items: Vec<&str> = list_items(h.value).collect();
        if let Some(bad) = items.iter().find(|i| i.contains("://") || i.contains('/')) {
            report(
                h.span,
                "hosts",
                Finding::new(
                    &RULE,
                    h.span,
                    format!(
                        "`{}` lists `{bad}`: Django compares the bare host name, so this entry never matches",
                        h.key
                    ),
                )
                .label("URL instead of a host name")
                .help("list host names only (`api.acme.io`, `.acme.io` for every subdomain)"),
            );
        }
    }
    for c in vars.iter().filter(|v| is_csrf_key(&upper(v)) && !v.value.is_empty()) {
        if let Some(bad) = list_items(c.value).find(|i| *i != "*" && !i.contains("://")) {
            report(
                c.span,
                "csrf",
                Finding::new(
                    &RULE,
                    c.span,
                    format!("`{}` lists `{bad}` without a scheme: Django 4.0+ refuses to start (4_0.E001)", c.key),
                )
                .label("origin without scheme")
                .help(format!("write the full origin, e.g. `https://{bad}`")),
            );
        }
    }
}

/// Does a CORS entry allow this origin (`https://app.acme.io`, default port, trailing `/`)?
fn origin_matches(entry: &str, origin: &str) -> bool {
    parse_url(entry).is_some_and(|url| url.origin() == origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn run(pairs: &[(&str, &str)]) -> Vec<String> {
        let vars: Vec<Var<'_>> = pairs
            .iter()
            .enumerate()
            .map(|(i, (k, v))| Var { key: k, value: v, span: Span::new(FileId(0), i * 2, i * 2 + 1) })
            .collect();
        let mut sink = Sink::default();
        check_vars(&vars, &mut HashSet::new(), &mut sink);
        sink.findings.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn origins() {
        assert!(origin_matches("https://app.acme.io/", "https://app.acme.io"));
        assert!(origin_matches("https://App.Acme.io:443", "https://app.acme.io"));
        assert!(!origin_matches("http://app.acme.io", "https://app.acme.io"));
        assert!(!origin_matches("https://app.acme.io:8443", "https://app.acme.io"));
        assert!(!origin_matches("app.acme.io", "https://app.acme.io"));
    }

    #[test]
    fn comparisons() {
        let front = ("FRONTEND_URL", "https://app.acme.io");
        assert!(run(&[front, ("BACKEND_CORS_ORIGINS", "https://app.acme.io,http://localhost:5173")]).is_empty());
        assert!(run(&[front, ("BACKEND_CORS_ORIGINS", "[\"https://app.acme.io/\"]")]).is_empty());
        assert_eq!(run(&[front, ("CORS_ORIGINS", "https://www.acme.io")]).len(), 1);
        assert_eq!(run(&[front, ("CORS_ORIGINS", "http://app.acme.io")]).len(), 1);
        // Wildcards and patterns are on purpose.
        assert!(run(&[front, ("CORS_ORIGINS", "*")]).is_empty());
        assert!(run(&[front, ("CORS_ORIGINS", "https://*.acme.io")]).is_empty());
        assert!(run(&[front, ("CORS_ALLOW_ALL_ORIGINS", "true"), ("CORS_ALLOWED_ORIGINS", "https://x.io")]).is_empty());
        assert_eq!(run(&[("CORS_ORIGINS", "app.acme.io")]).len(), 1);
        assert!(run(&[front, ("CORS_ORIGIN", "true")]).is_empty());
        assert!(run(&[("CORS_ORIGIN", "false")]).is_empty());
        assert_eq!(run(&[("ALLOWED_HOSTS", "https://api.acme.io")]).len(), 1);
        assert!(run(&[("ALLOWED_HOSTS", ".acme.io,localhost")]).is_empty());
        assert!(run(&[("ALLOWED_HOSTS", "*")]).is_empty());
        assert_eq!(run(&[("CSRF_TRUSTED_ORIGINS", "app.acme.io")]).len(), 1);
        assert!(run(&[("CSRF_TRUSTED_ORIGINS", "https://app.acme.io,https://*.acme.io")]).is_empty());
    }
}
