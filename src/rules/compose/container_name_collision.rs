//! C108: the same `container_name` twice on one host.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C108",
    name: "container-name-collision",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C108-container-name-collision.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    let mut seen: Vec<(&Stack, &Service, &crate::model::Text)> = Vec::new();
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            let Some(name) = &svc.container_name else { continue };
            if !name.known || name.value.is_empty() {
                continue;
            }
            let prev = seen
                .iter()
                .find(|(st, _, n)| n.value == name.value && (std::ptr::eq(*st, stack) || model.same_host(st, stack)));
            match prev {
                Some((pst, psvc, pname)) => {
                    let where_ = if std::ptr::eq(*pst, stack) {
                        format!("`{}`", psvc.name)
                    } else if pst.app == stack.app {
                        format!("`{}` of the {} stack", psvc.name, pst.env_name.as_deref().unwrap_or("base"))
                    } else {
                        format!("`{}` of stack {}", psvc.name, pst.name)
                    };
                    out.report(
                        Finding::new(&RULE, name.span, format!("container name `{}` is already used by {where_}", name.value))
                            .label(format!("`{}` sets it again", svc.name))
                            .related(pname.span, "first used here")
                            .help("give each stack its own container_name (e.g. suffixed per environment), or drop container_name"),
                    );
                }
                None => seen.push((stack, svc, name)),
            }
        }
    }
}
