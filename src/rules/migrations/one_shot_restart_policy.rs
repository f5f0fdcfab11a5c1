//! M603: a one-shot migrations job that restarts forever.
use crate::rules::migrations::runners::{self, Job};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "M603",
    name: "one-shot-restart-policy",
    severity: Severity::Error,
    fix: FixAvailability::Safe,
    default: true,
    doc: include_str!("../../../rules/docs/M603-one-shot-restart-policy.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for (index, stack) in model.stacks.iter().enumerate().filter(|(_, s)| s.loaded && !s.fragment) {
        let awaited = runners::awaited(stack);
        for svc in stack.active_services() {
            if runners::scaled_to_zero(svc) {
                continue;
            }
            // Any service others wait on to complete is a one-shot (migrations, seeders, setup jobs).
            let job = if awaited.contains(svc.name.as_str()) {
                Some(Job::Awaited)
            } else {
                runners::job(model, index, &awaited, svc)
            };
            let Some(job) = job else { continue };
            let why = match job {
                Job::Awaited => "other services wait for it to complete",
                Job::EndsWithMigration => "its command ends once the migrations are applied",
                Job::Named => "it is the migrations job",
            };
            if let Some(restart) =
                svc.restart.as_ref().filter(|r| matches!(r.value.as_str(), "always" | "unless-stopped"))
            {
                let mut f = Finding::new(
                    &RULE,
                    restart.span,
                    format!(
                        "`{}` is a one-shot job ({why}) but `restart: {}` runs it again every time it exits",
                        svc.name, restart.value
                    ),
                )
                .label("restarts after every successful run")
                .help("use `restart: \"no\"` (or `on-failure` to retry a failed run)");
                // Only where the key is the service's own (not copied from a `<<` anchor other services share).
                let own = svc.node.get_entry("restart").is_some_and(|e| e.via_merge.is_none());
                if own {
                    f = f.fix(Fix {
                        title: "set `restart: \"no\"`".to_owned(),
                        applicability: Applicability::Safe,
                        edits: vec![Edit {
                            file: restart.span.file,
                            start: restart.span.start,
                            end: restart.span.end,
                            replacement: "\"no\"".to_owned(),
                        }],
                    });
                }
                out.report(f);
                continue;
            }
            if svc.restart.is_none()
                && let Some(cond) =
                    svc.node.get("deploy").and_then(|d| d.get("restart_policy")).and_then(|r| r.get("condition"))
                && cond.as_str().is_some_and(|c| matches!(c, "any" | "always"))
            {
                out.report(
                    Finding::new(
                        &RULE,
                        cond.span,
                        format!(
                            "`{}` is a one-shot job ({why}) but its restart policy runs it again every time it exits",
                            svc.name
                        ),
                    )
                    .label("restarts after every successful run")
                    .help("use `condition: on-failure` (or `none`)"),
                );
            }
        }
    }
}
