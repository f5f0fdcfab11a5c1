//! C112: a URL in a container's environment names a host that no container of the stack answers to and
//! that is no full hostname either (a typo such as `ai_db` for the service `ai-db`).
use std::collections::HashSet;

use crate::knowledge::images::{scheme_kind, service_kind};
use crate::rules::common::edit_distance;
use crate::rules::common::{browser_prefix, is_loopback_host, parse_url, run_image, service_hosts};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C112",
    name: "url-host-unknown-service",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C112-url-host-unknown-service.md"),
    check,
};

/// Schemes whose authority is a network host (`s3://bucket`, `file://`, `sqlite:///` are not).
fn is_network_scheme(scheme: &str) -> bool {
    let base = scheme.split('+').next().unwrap_or(scheme).to_ascii_lowercase();
    matches!(
        base.as_str(),
        "http"
            | "https"
            | "ws"
            | "wss"
            | "postgres"
            | "postgresql"
            | "pgsql"
            | "mysql"
            | "mysql2"
            | "mariadb"
            | "redis"
            | "rediss"
            | "mongodb"
            | "amqp"
            | "amqps"
            | "nats"
            | "mqtt"
            | "mqtts"
            | "tcp"
            | "grpc"
            | "grpcs"
            | "smtp"
            | "smtps"
            | "ldap"
            | "ldaps"
            | "memcached"
            | "kafka"
            | "clickhouse"
    )
}

/// Names a service can reach besides the stack's services: `links` aliases, `external_links`,
/// `extra_hosts`.
fn own_names(svc: &Service) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["links", "external_links"] {
        for item in svc.node.get(key).and_then(|n| n.as_seq()).unwrap_or_default() {
            if let Some(s) = item.as_str() {
                out.extend(s.split(':').map(|p| p.trim().to_ascii_lowercase()));
            }
        }
    }
    if let Some(hosts) = svc.node.get("extra_hosts") {
        if let Some(map) = hosts.as_map() {
            out.extend(map.iter().map(|e| e.key.name.to_ascii_lowercase()));
        }
        for item in hosts.as_seq().unwrap_or_default() {
            if let Some(s) = item.as_str() {
                let name = s.split(['=', ':']).next().unwrap_or(s);
                out.push(name.trim().to_ascii_lowercase());
            }
        }
    }
    out
}

/// The generated container name `<project>-<service>-<n>` (or `_` separated, Compose v1).
fn is_generated_name(host: &str, stack: &Stack) -> bool {
    let trimmed = host.trim_end_matches(|c: char| c.is_ascii_digit());
    if trimmed.len() == host.len() {
        return false;
    }
    let Some(rest) = trimmed.strip_suffix('-').or_else(|| trimmed.strip_suffix('_')) else { return false };
    stack.services.iter().any(|s| {
        let name = s.name.to_ascii_lowercase();
        rest.strip_suffix(&name).is_some_and(|p| p.ends_with('-') || p.ends_with('_'))
    })
}

fn suggestion<'a>(host: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    names
        .map(|n| (n, edit_distance(&norm(host), &norm(n))))
        .filter(|(n, d)| *d <= 2 && *d < n.len() / 2 + 1)
        .min_by_key(|(n, d)| (*d, n.len()))
        .map(|(n, _)| n)
}

fn check(model: &StackModel, out: &mut Sink) {
    let known: HashSet<String> = service_hosts(model).iter().map(|h| h.to_ascii_lowercase()).collect();
    let mut reported: HashSet<Span> = HashSet::new();
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            if svc.network_mode.is_some() || svc.node.get("dns").is_some() || svc.node.get("dns_search").is_some() {
                continue;
            }
            // On a network shared with other stacks, names may belong to containers this run never sees.
            if svc.networks.iter().any(|n| stack.network(&n.name).is_some_and(|r| r.external)) {
                continue;
            }
            let extra = own_names(svc);
            for var in &svc.environment {
                let Some(value) = var.value.as_deref().filter(|_| var.known) else { continue };
                if browser_prefix(&var.key).is_some() || reported.contains(&var.value_span) {
                    continue;
                }
                // A list of URLs (`http://a,http://b`) is checked item by item; a multi-host URL
                // (`mongodb://a:27017,b:27017/db`) host by host.
                let items: Vec<&str> =
                    if value.matches("://").count() > 1 { value.split([',', ' ', ';']).collect() } else { vec![value] };
                let hosts = items
                    .into_iter()
                    .filter(|item| item.contains("://"))
                    .filter_map(parse_url)
                    .filter(|u| is_network_scheme(u.scheme))
                    .flat_map(|u| u.host.split(','));
                let kind = parse_url(value).and_then(|u| scheme_kind(u.scheme));
                for host in hosts {
                    let host = host.trim().split(':').next().unwrap_or("").to_ascii_lowercase();
                    if host.is_empty()
                        || host.contains(['.', '$', '{', '}', '%', '@', '[', ']', '<', '>', '*', '+', ' '])
                        || host.chars().all(|c| c.is_ascii_digit())
                        || is_loopback_host(&host)
                        || known.contains(&host)
                        || extra.contains(&host)
                        || is_generated_name(&host, stack)
                    {
                        continue;
                    }
                    reported.insert(var.value_span);
                    // A near name, else the one service of the kind the scheme talks to.
                    let hint = suggestion(&host, stack.active_services().map(|s| s.name.as_str())).or_else(|| {
                        let kind = kind?;
                        let mut of_kind = stack
                            .active_services()
                            .filter(|s| run_image(model, s).and_then(|r| service_kind(&r.image)) == Some(kind));
                        match (of_kind.next(), of_kind.next()) {
                            (Some(only), None) => Some(only.name.as_str()),
                            _ => None,
                        }
                    });
                    let mut finding = Finding::new(
                        &RULE,
                        var.value_span,
                        format!(
                            "`{}` connects to host `{host}`, which is no service, alias or container name of this stack",
                            var.key
                        ),
                    )
                    .label(format!("`{host}` does not resolve inside the `{}` container", svc.name))
                    .related(svc.name_span, format!("`{}` gets this value in its environment", svc.name));
                    finding = match hint.and_then(|h| stack.service(h)) {
                        Some(target) => finding
                            .related(target.name_span, format!("service `{}`", target.name))
                            .help(format!("did you mean `{}`? Containers reach each other by service name", target.name)),
                        None => finding.help(
                            "use the name of a service of the stack, or a full hostname (with a domain) for a server outside it",
                        ),
                    };
                    out.report(finding);
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean() {
        let names = ["ai-db", "api", "redis"];
        assert_eq!(suggestion("ai_db", names.iter().copied()), Some("ai-db"));
        assert_eq!(suggestion("rediss", names.iter().copied()), Some("redis"));
        assert_eq!(suggestion("postgres", names.iter().copied()), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn schemes() {
        assert!(is_network_scheme("postgresql+asyncpg"));
        assert!(!is_network_scheme("s3"));
        assert!(!is_network_scheme("file"));
    }
}
