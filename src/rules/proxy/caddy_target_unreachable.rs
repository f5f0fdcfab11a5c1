//! N410: a Caddy `reverse_proxy` upstream that reaches no app (the same graph reading as N401), or that
//! Caddy rejects outright (a scheme conflicting with the port, a placeholder next to a scheme).
use crate::model::routes::ProxyKind;
use crate::rules::prelude::*;
use crate::rules::proxy::{hops_of, unreachable, unreachable_finding};

pub static RULE: Rule = Rule {
    code: "N410",
    name: "caddy-target-unreachable",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/N410-caddy-target-unreachable.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for h in hops_of(model, ProxyKind::Caddy) {
        let Some(reason) = unreachable(h) else { continue };
        let Some((written, span)) = &h.upstream else { continue };
        // An upstream made of an unset `{$VAR}` is N411's; on the host the variables are unknown.
        if written.trim().is_empty() || (from_env(model, *span) && h.proxy.container.is_none()) {
            continue;
        }
        out.report(unreachable_finding(&RULE, model, h, *span, reason));
    }
}

/// Was the upstream written with a `{$VAR}`?
fn from_env(model: &StackModel, span: Span) -> bool {
    model
        .caddy
        .iter()
        .any(|c| c.model.sites.iter().any(|s| s.upstreams.iter().any(|u| u.text.span == span && u.from_env)))
}
