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
            let deploy = svc.node.get_entry("deploy");
            let policy = deploy.and_then(|d| d.value.get_entry("restart_policy"));
            let cond = policy.and_then(|p| p.value.get_entry("condition"));
            if svc.restart.is_none()
                && let Some(cond) = cond
                && cond.value.as_str().is_some_and(|c| matches!(c, "any" | "always"))
            {
                let mut f = Finding::new(
                    &RULE,
                    cond.value.span,
                    format!(
                        "`{}` is a one-shot job ({why}) but its restart policy runs it again every time it exits",
                        svc.name
                    ),
                )
                .label("restarts after every successful run")
                .help("use `condition: on-failure` (or `none`)");
                // As for `restart:`: only where the value is written here, not shared through an anchor.
                let own = [deploy, policy, Some(cond)]
                    .into_iter()
                    .flatten()
                    .all(|e| e.via_merge.is_none() && e.value.via_alias.is_none());
                if own {
                    f = f.fix(Fix {
                        title: "set `condition: on-failure` (restarts only a failed run)".to_owned(),
                        applicability: Applicability::Safe,
                        edits: vec![Edit {
                            file: cond.value.span.file,
                            start: cond.value.span.start,
                            end: cond.value.span.end,
                            replacement: "on-failure".to_owned(),
                        }],
                    });
                }
                out.report(f);
            }
        }
    }
}
