//! D7xx: the domains the stacks serve against their DNS records and the host's public address.
use crate::model::StackModel;
use crate::rules::Rule;
use crate::source::Span;

pub mod aaaa_points_elsewhere;
pub mod dns_points_elsewhere;
pub mod dns_record_missing;
pub mod dns_unverifiable;

/// The D7xx rules, sorted by code.
pub static RULES: &[&Rule] =
    &[&dns_record_missing::RULE, &dns_points_elsewhere::RULE, &aaaa_points_elsewhere::RULE, &dns_unverifiable::RULE];

/// The public domains the stacks serve ([`crate::sources::domains::served_domains`]: the names live DNS
/// looks up), once each, with where each is first written.
pub fn served_domains(model: &StackModel) -> Vec<(String, Span)> {
    let mut out: Vec<(String, Span)> = Vec::new();
    for (name, span) in crate::sources::domains::served_domains(model) {
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, span));
        }
    }
    out
}

/// D7xx run when there is something to compare: records (a zone file or inline records) and, for the
/// address rules, an expected address.
pub fn has_records(model: &StackModel) -> bool {
    model.dns.mode != crate::config::DnsMode::Off && model.dns.records().is_some()
}

pub fn has_expectation(model: &StackModel) -> bool {
    !model.dns.expect_v4.is_empty() || !model.dns.expect_v6.is_empty()
}
