//! C111: a container's environment points at `localhost` for something another service of the stack
//! runs (a database URL, a Redis host...): inside a container, localhost is the container itself.
use std::collections::HashSet;

use crate::knowledge::images::{ServiceKind, key_kinds, scheme_kind, service_kind};
use crate::model::EnvVar;
use crate::rules::common::{browser_prefix, container_ports, parse_url, run_image, shared_namespace};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C111",
    name: "localhost-url-in-container",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C111-localhost-url-in-container.md"),
    check,
};

/// A host that means "this machine" to whoever reads the value (bind-all addresses such as `0.0.0.0`
/// are listen addresses, not targets).
fn is_loopback_target(host: &str) -> bool {
    let h = host.trim_matches(['[', ']']).to_ascii_lowercase();
    h == "localhost" || h.starts_with("127.") || h == "::1"
}

/// URL schemes a browser or the host also uses: a localhost URL with one of these may be meant for them.
fn is_web_scheme(scheme: &str) -> bool {
    matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https" | "ws" | "wss")
}

/// Words of variable names that hold addresses for browsers, the host or allow-lists, not for the
/// container to connect to.
const PUBLIC_WORDS: [&str; 16] = [
    "PUBLIC",
    "ORIGIN",
    "ORIGINS",
    "CORS",
    "CALLBACK",
    "REDIRECT",
    "ALLOWED",
    "TRUSTED",
    "SITE",
    "FRONTEND",
    "EXTERNAL",
    "DOMAIN",
    "BROWSER",
    "WEBHOOK",
    "HOSTNAMES",
    "CSRF",
];

/// Words of variable names that hold listen addresses.
const BIND_WORDS: [&str; 4] = ["BIND", "LISTEN", "LISTENER", "LISTENERS"];

fn words(key: &str) -> Vec<String> {
    key.to_ascii_uppercase().split(['_', '-', '.']).filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// A variable whose value is a host to connect to (`REDIS_HOST`, `DB_ADDR`, `MONGO_SERVER`).
fn is_host_key(key: &str) -> bool {
    // libpq's own variable.
    if key.eq_ignore_ascii_case("PGHOST") {
        return true;
    }
    let w = words(key);
    w.len() >= 2
        && w.last().is_some_and(|l| {
            matches!(l.as_str(), "HOST" | "HOSTNAME" | "ADDR" | "ADDRESS" | "SERVER" | "ENDPOINT" | "URL" | "URI")
        })
}

/// What a value points at when it points at localhost.
struct Target {
    scheme: Option<String>,
    port: Option<u16>,
}

/// The localhost target of an environment value: a URL (`redis://localhost:6379`) or a bare host in a
/// host variable (`REDIS_HOST=localhost`, `DB_HOST=127.0.0.1:5432`, port also from `DB_PORT`).
fn localhost_target(var: &EnvVar, value: &str, svc: &Service) -> Option<Target> {
    if let Some(url) = parse_url(value) {
        if !is_loopback_target(url.host) {
            return None;
        }
        let port = url.port.and_then(|p| p.parse().ok());
        return Some(Target { scheme: Some(url.scheme.to_ascii_lowercase()), port });
    }
    if !is_host_key(&var.key) {
        return None;
    }
    let v = value.trim();
    let (host, port) = match v.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, Some(p.parse::<u16>().ok()?)),
        _ => (v, None),
    };
    if !is_loopback_target(host) {
        return None;
    }
    let port = port.or_else(|| {
        let upper = var.key.to_ascii_uppercase();
        let prefix = upper.rsplit_once('_').map(|(p, _)| p)?;
        let sibling = svc.env(&format!("{prefix}_PORT"))?;
        sibling.value.as_deref().filter(|_| sibling.known)?.trim().parse().ok()
    });
    Some(Target { scheme: None, port })
}

/// An env-file value that another service sharing the file overrides with its own `environment:`: the
/// file's value is meant for something else (the host, a local run) and the services that connect set
/// their own.
fn overridden_elsewhere(stack: &Stack, var: &EnvVar) -> bool {
    var.source == crate::model::EnvSource::EnvFile
        && stack.active_services().any(|s| {
            s.env(&var.key)
                .is_some_and(|o| o.source != crate::model::EnvSource::EnvFile && o.overrides.contains(&var.key_span))
        })
}

fn kind_of(model: &StackModel, svc: &Service) -> Option<ServiceKind> {
    run_image(model, svc).and_then(|r| service_kind(&r.image))
}

fn check(model: &StackModel, out: &mut Sink) {
    let mut reported: HashSet<Span> = HashSet::new();
    for stack in model.stacks.iter().filter(|s| s.loaded) {
        for svc in stack.active_services() {
            if svc
                .network_mode
                .as_ref()
                .is_some_and(|m| m.value == "host" || m.value.starts_with("container:") || m.value == "none")
            {
                continue;
            }
            let group = shared_namespace(stack, svc);
            let in_group = |s: &Service| group.iter().any(|g| std::ptr::eq(*g, s));
            let own_kinds: Vec<ServiceKind> = group.iter().filter_map(|g| kind_of(model, g)).collect();
            let own_ports: Vec<u16> = group.iter().flat_map(|g| container_ports(model, g)).collect();
            for var in &svc.environment {
                let Some(value) = var.value.as_deref().filter(|_| var.known) else { continue };
                if browser_prefix(&var.key).is_some() || reported.contains(&var.value_span) {
                    continue;
                }
                let key_words = words(&var.key);
                if key_words.iter().any(|w| BIND_WORDS.contains(&w.as_str())) {
                    continue;
                }
                let Some(target) = localhost_target(var, value, svc) else { continue };
                if overridden_elsewhere(stack, var) {
                    continue;
                }
                if target.port.is_some_and(|p| own_ports.contains(&p)) {
                    continue;
                }
                let web = target.scheme.as_deref().is_some_and(is_web_scheme);
                let kinds: Vec<ServiceKind> = match target.scheme.as_deref() {
                    Some(_) if web => Vec::new(),
                    Some(s) => scheme_kind(s).map_or_else(|| key_kinds(&var.key).to_vec(), |k| vec![k]),
                    None => key_kinds(&var.key).to_vec(),
                };
                let others = || stack.active_services().filter(|t| !in_group(t));
                let found = if kinds.is_empty() {
                    // No kind: the port must be one another service listens on, and (for web URLs) not one
                    // published on the host, where a browser or host tool may be what reads the value.
                    let Some(port) = target.port else { continue };
                    if web
                        && (key_words.iter().any(|w| PUBLIC_WORDS.contains(&w.as_str()))
                            || stack
                                .active_services()
                                .any(|s| s.ports.iter().any(|p| p.fixed_host_port() == Some(port))))
                    {
                        continue;
                    }
                    others()
                        .find(|t| container_ports(model, t).contains(&port))
                        .map(|t| (t, format!("listens on port {port}")))
                } else {
                    if own_kinds.iter().any(|k| kinds.contains(k)) {
                        continue;
                    }
                    others().find_map(|t| {
                        kind_of(model, t).filter(|k| kinds.contains(k)).map(|k| (t, format!("runs {}", k.label())))
                    })
                };
                let Some((target_svc, what)) = found else { continue };
                reported.insert(var.value_span);
                let mut finding = Finding::new(
                    &RULE,
                    var.value_span,
                    format!(
                        "`{}` points at localhost, which inside the `{}` container is the container itself, not service `{}`",
                        var.key, svc.name, target_svc.name
                    ),
                )
                .label(if var.interp.as_ref().is_some_and(|i| !i.uses.is_empty()) {
                    "resolves to a localhost address"
                } else {
                    "localhost here"
                })
                .related(svc.name_span, format!("`{}` gets this value in its environment", svc.name))
                .related(target_svc.name_span, format!("`{}` {what}", target_svc.name));
                if let Some(info) = &var.interp {
                    for origin in info.uses.iter().filter(|u| u.contributes).filter_map(|u| u.origin.as_ref()) {
                        if let crate::provenance::Origin::EnvFile { value, .. } = origin {
                            let text = model.db.slice(*value).to_ascii_lowercase();
                            if text.contains("localhost") || text.contains("127.") || text.contains("::1") {
                                finding = finding.related(*value, "the localhost value comes from here");
                            }
                        }
                    }
                }
                out.report(finding.help(format!(
                    "use the service name as the host (`{}`): containers of the stack reach each other by service name; localhost only works with `network_mode: host`",
                    target_svc.name
                )));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_keys_and_loopback() {
        assert!(is_host_key("REDIS_HOST"));
        assert!(is_host_key("DB_ADDR"));
        assert!(!is_host_key("HOST"));
        assert!(is_host_key("PGHOST"));
        assert!(!is_host_key("REDIS_PORT"));
        assert!(is_loopback_target("127.0.0.1"));
        assert!(is_loopback_target("[::1]"));
        assert!(!is_loopback_target("0.0.0.0"));
        assert!(!is_loopback_target("redis"));
    }
}
