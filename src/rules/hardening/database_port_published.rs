//! S804: a database or cache publishes its port on an address other than loopback.
use std::collections::HashSet;
use std::net::IpAddr;

use crate::model::image::ImageRef;
use crate::model::{Environment, Port};
use crate::rules::prelude::*;
use crate::sources::dockerfile::Stage;

pub static RULE: Rule = Rule {
    code: "S804",
    name: "database-port-published",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: false,
    doc: include_str!("../../../rules/docs/S804-database-port-published.md"),
    check,
};

/// A database family: its display name, the images that run it, and the container ports that speak its
/// protocol (None: every port the image listens on does). Keep in sync with the rule's doc page.
struct Family {
    name: &'static str,
    images: &'static [&'static str],
    ports: Option<&'static [u16]>,
}

const FAMILIES: &[Family] = &[
    Family {
        name: "PostgreSQL",
        images: &[
            "postgres",
            "*/postgres",
            "*/postgresql",
            "postgis/postgis",
            "timescale/timescaledb",
            "timescale/timescaledb-ha",
            "pgvector/pgvector",
            "ankane/pgvector",
        ],
        ports: None,
    },
    Family {
        name: "MySQL",
        images: &["mysql", "*/mysql", "mysql/mysql-server", "percona", "*/percona-server"],
        ports: None,
    },
    Family { name: "MariaDB", images: &["mariadb", "*/mariadb", "yobasystems/alpine-mariadb"], ports: None },
    Family {
        name: "Redis",
        images: &["redis", "*/redis", "*/valkey", "*/keydb", "redis/redis-stack-server"],
        ports: None,
    },
    // RedisInsight (8001) is a web UI with its own login.
    Family { name: "Redis", images: &["redis/redis-stack"], ports: Some(&[6379]) },
    Family {
        name: "MongoDB",
        images: &["mongo", "*/mongo", "*/mongodb", "mongodb/mongodb-community-server"],
        ports: None,
    },
    // The management UI (15672) has its own login; AMQP, epmd and the Erlang distribution port do not belong
    // outside.
    Family { name: "RabbitMQ", images: &["rabbitmq", "*/rabbitmq"], ports: Some(&[5672, 5671, 4369, 25672]) },
    Family {
        name: "Elasticsearch",
        images: &["elasticsearch", "*/elasticsearch", "elasticsearch/elasticsearch"],
        ports: Some(&[9200, 9300]),
    },
    Family { name: "OpenSearch", images: &["opensearchproject/opensearch"], ports: Some(&[9200, 9300, 9600]) },
];

fn family_of(image: &ImageRef) -> Option<&'static Family> {
    FAMILIES.iter().find(|f| image.is_one_of(f.images))
}

/// The database a service runs: its image, else the base image of the Dockerfile it builds
/// (`FROM postgres:16` with extensions added), with that `FROM` line.
fn family<'m>(model: &'m StackModel, svc: &Service) -> Option<(&'static Family, Option<&'m Stage>)> {
    let image = svc.image.as_ref().filter(|i| i.known).and_then(|i| ImageRef::parse(&i.value));
    if let Some(f) = image.as_ref().and_then(family_of) {
        return Some((f, None));
    }
    let target = svc.build.as_ref().and_then(|b| b.target.as_ref()).map(|t| t.value.as_str());
    let root = model.dockerfile_of(svc)?.lineage(target).into_iter().next()?;
    if root.base.contains('$') {
        return None;
    }
    ImageRef::parse(&root.base).as_ref().and_then(family_of).map(|f| (f, Some(root)))
}

/// Addresses that only a private network reaches: RFC 1918, CGNAT (Tailscale), link-local, IPv6 ULA.
/// Binding there is a deliberate choice of network, not an accident.
fn is_private(ip: &str) -> bool {
    match ip.trim_matches(['[', ']']).parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            let o = v4.octets();
            v4.is_private() || v4.is_link_local() || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        Ok(IpAddr::V6(v6)) => {
            let first = v6.segments()[0];
            (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
        Err(_) => false,
    }
}

fn where_published(p: &Port) -> String {
    let addr = match p.host_ip.as_deref().map(|ip| ip.trim_matches(['[', ']'])) {
        None | Some("0.0.0.0") | Some("::") | Some("") => "all interfaces".to_owned(),
        Some(ip) => ip.to_owned(),
    };
    match p.published {
        Some((a, b)) if a == b => format!("{addr} (host port {a})"),
        Some((a, b)) => format!("{addr} (a host port in {a}-{b})"),
        None => format!("{addr} (a random host port)"),
    }
}

/// The same publish bound to loopback, in short syntax.
fn loopback_form(p: &Port) -> String {
    let host = match p.published {
        Some((a, b)) if a == b => a.to_string(),
        Some((a, b)) => format!("{a}-{b}"),
        None => String::new(),
    };
    let proto = if p.protocol == "tcp" { String::new() } else { format!("/{}", p.protocol) };
    format!("127.0.0.1:{host}:{}{proto}", p.target)
}

fn check(model: &StackModel, out: &mut Sink) {
    // A file shared by several stacks (base + override, base + prod variant) is reported once.
    let mut seen: HashSet<Span> = HashSet::new();
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        // A development stack runs on a workstation, where a published database is the point (a GUI
        // client, the app run outside Docker).
        if stack.environment(model) == Some(Environment::Development) {
            continue;
        }
        for svc in stack.active_services() {
            // Published ports are discarded with host networking; `service:x` publishes nothing itself.
            if svc.network_mode.as_ref().is_some_and(|m| {
                m.value == "host" || m.value.starts_with("service:") || m.value.starts_with("container:")
            }) {
                continue;
            }
            let Some((fam, built_from)) = family(model, svc) else { continue };
            for p in &svc.ports {
                if p.is_loopback() || p.host_ip.as_deref().is_some_and(is_private) {
                    continue;
                }
                if fam.ports.is_some_and(|ports| !ports.contains(&p.target)) || !seen.insert(p.span) {
                    continue;
                }
                let mut finding = Finding::new(
                        &RULE,
                        p.span,
                        format!(
                            "`{}` ({}) publishes its port {} on {}: reachable from outside the host, past host firewalls such as UFW",
                            svc.name, fam.name, p.target, where_published(p)
                        ),
                    )
                    .label(format!("{} port {} published without a loopback address", fam.name, p.target))
                    .help(format!(
                        "other services reach it over the compose network without `ports:`: drop the entry, or bind it to loopback (`{}`) for host tools and SSH tunnels",
                        loopback_form(p)
                    ));
                if let Some(stage) = built_from {
                    finding = finding.related(stage.from_span, format!("built from `{}`", stage.base));
                }
                out.report(finding);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_private;

    #[test]
    fn private_addresses() {
        assert!(is_private("10.0.0.5"));
        assert!(is_private("192.168.1.2"));
        assert!(is_private("100.101.102.103"));
        assert!(is_private("[fd12::1]"));
        assert!(!is_private("0.0.0.0"));
        assert!(!is_private("203.0.113.10"));
        assert!(!is_private("::"));
    }
}
