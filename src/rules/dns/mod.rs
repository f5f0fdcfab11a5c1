//! D7xx: the domains the stacks serve against their DNS records and the host's public address.
use crate::model::StackModel;
use crate::model::routes::DomainKind;
use crate::rules::Rule;
use crate::source::Span;

pub mod aaaa_points_elsewhere;
pub mod dns_points_elsewhere;
pub mod dns_record_missing;
pub mod dns_unverifiable;

/// The D7xx rules, sorted by code.
pub static RULES: &[&Rule] =
    &[&dns_record_missing::RULE, &dns_points_elsewhere::RULE, &aaaa_points_elsewhere::RULE, &dns_unverifiable::RULE];

/// The public domains the stacks serve, once each, with where each is first written: the exact names of
/// the routing graph (nginx `server_name`, Traefik `Host()`, Caddy site addresses) and the `domains` of
/// `[[stack]]`. Names DNS never answers publicly (`localhost`, `*.local`, `*.internal`, `*.test`, IPs, names
/// without a dot) are left out.
pub fn served_domains(model: &StackModel) -> Vec<(String, Span)> {
    let mut out: Vec<(String, Span)> = Vec::new();
    let routed = model
        .routes
        .routes
        .iter()
        .filter(|r| r.domain.kind == DomainKind::Exact)
        .filter_map(|r| Some((r.domain.name.clone(), r.domain.span?)));
    let configured = model.host.domains.iter().map(|d| (d.value.trim().to_ascii_lowercase(), d.span));
    for (name, span) in configured.chain(routed) {
        let name = name.trim_end_matches('.').to_owned();
        if public_name(&name) && !out.iter().any(|(n, _)| *n == name) {
            out.push((name, span));
        }
    }
    out
}

fn public_name(name: &str) -> bool {
    const PRIVATE: [&str; 7] = [".localhost", ".local", ".internal", ".test", ".lan", ".home.arpa", ".invalid"];
    name.contains('.')
        && name.parse::<std::net::IpAddr>().is_err()
        && !name.contains(['*', '{', '$', '~', '^'])
        && name != "localhost"
        && !PRIVATE.iter().any(|p| name.ends_with(p))
}

/// D7xx run when there is something to compare: records (a zone file or inline records) and, for the
/// address rules, an expected address.
pub fn has_records(model: &StackModel) -> bool {
    model.dns.mode != crate::config::DnsMode::Off && model.dns.zone.is_some()
}

pub fn has_expectation(model: &StackModel) -> bool {
    !model.dns.expect_v4.is_empty() || !model.dns.expect_v6.is_empty()
}
