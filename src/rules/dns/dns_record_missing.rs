//! D701: a served domain has no A/AAAA record (nor a CNAME chain ending in one).
use super::{has_expectation, has_records, served_domains};
use crate::model::routes::{Dns, lookup};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "D701",
    name: "dns-record-missing",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/D701-dns-record-missing.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    if !has_records(model) || !has_expectation(model) {
        return;
    }
    let zone_file = model.dns.file;
    for (name, span) in served_domains(model) {
        let looped = match lookup(model, &name) {
            Dns::Missing => false,
            Dns::Unverifiable { reason } if reason.contains("loops") => true,
            _ => continue,
        };
        let message = if looped {
            format!("`{name}` has no address: its CNAME chain loops")
        } else {
            format!("`{name}` has no A or AAAA record")
        };
        let mut f = Finding::new(&RULE, span, message).label("served here").help(format!(
            "add an A record for `{name}` pointing at the host (certificates cannot be issued without it)"
        ));
        if let Some(file) = zone_file {
            f = f.related(Span::file_start(file), format!("the records checked: none answers `{name}`"));
        }
        out.report(f);
    }
}
