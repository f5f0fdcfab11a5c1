//! D704: a served domain's address cannot be verified: its CNAME chain leaves the known records (or, in
//! live mode, the lookup failed). Information only: never fails a gate.
use super::{has_expectation, has_records, served_domains};
use crate::model::routes::{Dns, lookup};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "D704",
    name: "dns-unverifiable",
    severity: Severity::Info,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/D704-dns-unverifiable.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    if !has_records(model) || !has_expectation(model) {
        return;
    }
    for (name, span) in served_domains(model) {
        let Dns::Unverifiable { reason } = lookup(model, &name) else { continue };
        if reason.contains("loops") {
            continue; // D701: a loop is no address at all.
        }
        out.report(
            Finding::new(&RULE, span, format!("cannot verify where `{name}` points: {reason}"))
                .label("served here")
                .help("add the records the chain leads to (or check live with `--dns live`)"),
        );
    }
}
