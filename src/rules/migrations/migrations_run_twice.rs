//! M606: two services (or replicas) run the same migrations at start.
use crate::rules::migrations::runners::{self, Action, Run};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "M606",
    name: "migrations-run-twice",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/M606-migrations-run-twice.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for (index, stack) in model.stacks.iter().enumerate().filter(|(_, s)| s.loaded && !s.fragment) {
        let mut runners_of: Vec<(&Service, Run)> = Vec::new();
        for svc in stack.active_services().filter(|s| !runners::scaled_to_zero(s)) {
            let first =
                runners::runs(model, index, svc).into_iter().find(|r| r.inv.action == Action::Apply && !r.gated_off);
            if let Some(run) = first {
                let replicas = svc.scale.unwrap_or(1);
                if replicas > 1 {
                    out.report(
                        Finding::new(
                            &RULE,
                            run.span,
                            format!(
                                "`{}` runs `{}` at start and has {replicas} replicas: they race to apply the same migrations",
                                svc.name, run.inv.command
                            ),
                        )
                        .label("runs in every replica")
                        .help("move the migrations to a one-shot service the app waits for with `condition: service_completed_successfully`"),
                    );
                }
                runners_of.push((svc, run));
            }
        }
        for (i, (b, run_b)) in runners_of.iter().enumerate() {
            let Some((a, run_a)) = runners_of[..i].iter().find(|(a, run_a)| {
                run_a.inv.tool == run_b.inv.tool && runners::same_code(a, b) && !ordered(a, b) && !ordered(b, a)
            }) else {
                continue;
            };
            let mut f = Finding::new(
                &RULE,
                run_b.span,
                format!(
                    "`{}` and `{}` both run `{}` when they start: they race on the schema or apply it twice",
                    a.name, b.name, run_b.inv.command
                ),
            );
            f = if run_a.span == run_b.span {
                f.label(format!("both `{}` and `{}` run this at start", a.name, b.name))
                    .related(a.name_span, format!("`{}` starts with it", a.name))
                    .related(b.name_span, format!("`{}` starts with it", b.name))
            } else {
                f.label(format!("`{}` runs it here", b.name)).related(run_a.span, format!("`{}` runs it here", a.name))
            };
            out.report(
                f.help(format!(
                    "run the migrations in one place only (a one-shot service the others wait for), or gate the second with a flag such as `RUN_MIGRATIONS=0` in `{}`",
                    b.name
                )),
            );
        }
    }
}

/// `b` waits for `a` to complete (so `a`'s run is over before `b` starts).
fn ordered(a: &Service, b: &Service) -> bool {
    b.depends_on.iter().any(|d| d.service == a.name && d.condition == "service_completed_successfully")
}
