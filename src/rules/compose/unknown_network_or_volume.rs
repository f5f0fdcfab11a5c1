//! C107: a service uses a network or named volume that the top level does not declare.
use crate::model::MountKind;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C107",
    name: "unknown-network-or-volume",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C107-unknown-network-or-volume.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            for net in &svc.networks {
                let Some(span) = net.span else { continue };
                if net.name == "default" || stack.network(&net.name).is_some() {
                    continue;
                }
                let declared: Vec<&str> =
                    stack.networks.iter().filter(|n| !n.implicit).map(|n| n.key.as_str()).collect();
                out.report(
                    Finding::new(&RULE, span, format!("`{}` joins network `{}`, which the top-level `networks:` does not declare", svc.name, net.name))
                        .label("undeclared network")
                        .help(if declared.is_empty() {
                            format!("declare it under the top-level `networks:` (with `external: true` if another stack creates `{}`)", net.name)
                        } else {
                            format!("declare it, or use one of: {}", declared.join(", "))
                        }),
                );
            }
            for m in &svc.volumes {
                if m.kind != MountKind::Volume || !m.known {
                    continue;
                }
                let Some(src) = &m.source else { continue };
                // A name with `/` can never be declared: the schema check (P003) reports it.
                if stack.volume(src).is_some() || src.contains('/') {
                    continue;
                }
                let help = match similar(src, stack.volumes.iter().map(|v| v.key.as_str())) {
                    Some(near) => format!("did you mean `{near}`? (declared under the top-level `volumes:`)"),
                    None => {
                        format!("declare `{src}:` under the top-level `volumes:`, or write `./{src}` for a bind mount")
                    }
                };
                out.report(
                    Finding::new(
                        &RULE,
                        m.span,
                        format!(
                            "`{}` mounts named volume `{src}`, which the top-level `volumes:` does not declare",
                            svc.name
                        ),
                    )
                    .label("undeclared volume")
                    .help(help),
                );
            }
        }
    }
}

/// A declared name that differs only by case, `-`, `_` or `.` (`db_data` vs `db-data`).
fn similar<'a>(name: &str, declared: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['-', '_', '.'], "");
    let n = norm(name);
    declared.into_iter().find(|d| norm(d) == n)
}
