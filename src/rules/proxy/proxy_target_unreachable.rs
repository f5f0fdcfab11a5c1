//! N401: an nginx `proxy_pass` (or other `*_pass`) whose target reaches no app, read from the routing
//! graph: on the host, no service publishes the port; in a container, the name is no service, alias or
//! container, or the app listens on another port.
use crate::model::routes::{ProxyKind, Target};
use crate::rules::prelude::*;
use crate::rules::proxy::{hops_of, unreachable, unreachable_finding};

pub static RULE: Rule = Rule {
    code: "N401",
    name: "proxy-target-unreachable",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/N401-proxy-target-unreachable.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for h in hops_of(model, ProxyKind::Nginx) {
        let Some(reason) = unreachable(h) else { continue };
        let Some((_, span)) = &h.upstream else { continue };
        if is_upstream_name(h) {
            continue; // N409
        }
        out.report(unreachable_finding(&RULE, model, h, *span, reason));
    }
}

/// `proxy_pass http://name` with no port and a bare name that resolves to nothing: the name reads as a
/// missing `upstream` block (N409), not a service dialled on a port.
fn is_upstream_name(h: &crate::model::routes::Hop) -> bool {
    h.target == Target::Unresolved
        && h.upstream.as_ref().is_some_and(|(w, _)| crate::rules::proxy::upstream_unknown::bare_name(w).is_some())
}
