//! D703: a served domain's AAAA records do not include the host's public IPv6 address.
use super::{has_records, served_domains};
use crate::model::routes::{Dns, lookup};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "D703",
    name: "aaaa-points-elsewhere",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/D703-aaaa-points-elsewhere.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    if !has_records(model) || model.dns.expect_v6.is_empty() {
        return;
    }
    let expected: Vec<std::net::Ipv6Addr> = model.dns.expect_v6.clone();
    for (name, span) in served_domains(model) {
        let Dns::Addresses { addresses, via, .. } = lookup(model, &name) else { continue };
        let v6: Vec<(std::net::Ipv6Addr, Option<Span>)> =
            addresses.iter().filter_map(|(a, s)| Some((a.parse::<std::net::Ipv6Addr>().ok()?, *s))).collect();
        if v6.is_empty() || v6.iter().any(|(a, _)| expected.contains(a)) {
            continue;
        }
        if v6.iter().all(|(a, _)| crate::knowledge::cdn::cdn_of(std::net::IpAddr::V6(*a)).is_some()) {
            continue;
        }
        let list = v6.iter().map(|(a, _)| a.to_string()).collect::<Vec<_>>().join(", ");
        let want = expected.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let mut f = Finding::new(&RULE, span, format!("`{name}` has AAAA {list}, not this host's IPv6 ({want})"))
            .label("served here")
            .help("fix or delete the AAAA record: IPv6 clients (and Let's Encrypt, which prefers IPv6) reach another machine");
        for s in via.into_iter().flatten() {
            f = f.related(s, "followed through this CNAME");
        }
        for (a, s) in &v6 {
            if let Some(s) = s {
                f = f.related(*s, format!("AAAA {a}"));
            }
        }
        if let Some(s) = model.host.public_ipv6_span {
            f = f.related(s, "the host's IPv6 address");
        }
        out.report(f);
    }
}
