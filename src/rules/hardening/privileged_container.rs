//! S802: `privileged: true`.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "S802",
    name: "privileged-container",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: false,
    doc: include_str!("../../../rules/docs/S802-privileged-container.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    // A file shared by several stacks is reported once.
    let mut seen = std::collections::HashSet::new();
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            if svc.privileged != Some(true) {
                continue;
            }
            let span = svc.node.get("privileged").map_or(svc.name_span, |n| n.span);
            if !seen.insert(span) {
                continue;
            }
            out.report(
                Finding::new(
                    &RULE,
                    span,
                    format!("`{}` runs privileged: it gets every capability and every host device, so escaping to the host is trivial", svc.name),
                )
                .label("privileged: true")
                .help("remove `privileged: true` and grant only what the service needs (`cap_add: [NET_ADMIN]`, `devices: [/dev/fuse]`); if the image cannot run otherwise (Docker-in-Docker, k3s), say so with `# stackcheck: ignore[S802] <reason>`"),
            );
        }
    }
}
