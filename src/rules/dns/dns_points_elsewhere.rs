//! D702: a served domain's A records (after CNAMEs) do not include the host's public IPv4 address.
use super::{has_records, served_domains};
use crate::model::routes::{Dns, lookup};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "D702",
    name: "dns-points-elsewhere",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/D702-dns-points-elsewhere.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    if !has_records(model) || model.dns.expect_v4.is_empty() {
        return;
    }
    let expected: Vec<String> = model.dns.expect_v4.iter().map(ToString::to_string).collect();
    for (name, span) in served_domains(model) {
        let Dns::Addresses { addresses, via, .. } = lookup(model, &name) else { continue };
        let v4: Vec<&(String, Option<Span>)> =
            addresses.iter().filter(|(a, _)| a.parse::<std::net::Ipv4Addr>().is_ok()).collect();
        if v4.is_empty() || v4.iter().any(|(a, _)| expected.contains(a)) {
            continue;
        }
        if v4.iter().all(|(a, _)| a.parse().ok().and_then(crate::knowledge::cdn::cdn_of).is_some()) {
            continue;
        }
        let list = v4.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>().join(", ");
        let mut f = Finding::new(
            &RULE,
            span,
            format!("`{name}` points at {list}, not at this host ({})", expected.join(", ")),
        )
        .label("served here")
        .help("point the A record at the host's public address; ACME HTTP-01/TLS-ALPN challenges reach the other machine and fail");
        for s in via.into_iter().flatten() {
            f = f.related(s, "followed through this CNAME");
        }
        for (a, s) in &v4 {
            if let Some(s) = s {
                f = f.related(*s, format!("A {a}"));
            }
        }
        if let Some(s) = model.host.public_ip_span {
            f = f.related(s, "the host's address");
        }
        out.report(f);
    }
}
