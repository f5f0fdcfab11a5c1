//! M601: a build context holds a migration system but nothing in the deploy runs it.
use std::collections::HashSet;

use crate::rules::migrations::runners;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "M601",
    name: "missing-migrations-step",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/M601-missing-migrations-step.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for (index, stack) in model.stacks.iter().enumerate().filter(|(_, s)| s.loaded && !s.fragment) {
        if model.migrations.apply_migrate.iter().any(|n| *n == stack.name || Some(n) == stack.env_name.as_ref()) {
            continue;
        }
        if stack.active_services().any(|svc| migrates_somehow(model, index, svc)) {
            continue;
        }
        let mut reported: HashSet<usize> = HashSet::new();
        for svc in stack.active_services() {
            let Some(facts) = model.migrations.service(index, &svc.name) else { continue };
            let (Some(ci), Some(build)) = (facts.context, &svc.build) else { continue };
            let Some(ctx) = model.migrations.contexts.get(ci) else { continue };
            if ctx.systems.is_empty() || !reported.insert(ci) {
                continue;
            }
            // The `build:` key: a suppression comment on its line (or the line above) applies.
            let at = svc.node.get_entry("build").map_or(build.span, |e| e.key.span);
            for system in &ctx.systems {
                let marker = system.marker.to_string_lossy().replace('\\', "/");
                out.report(
                    Finding::new(
                        &RULE,
                        at,
                        format!(
                            "`{}` is built from a context with {} migrations (`{marker}`), but nothing in this deploy runs them",
                            svc.name,
                            system.tool.name()
                        ),
                    )
                    .label("no service, command, start script or apply step runs the migrations")
                    .related(crate::source::Span::file_start(system.file), format!("{} migrations", system.tool.name()))
                    .help(format!(
                        "add a one-shot service that runs `{}` and make `{}` wait for it with `condition: service_completed_successfully`, or a `[stack.apply] migrate` step; if the app applies them itself at start, suppress with `# stackcheck: ignore[M601] app migrates at start` on the `build:` line",
                        system.tool.apply_command(),
                        svc.name
                    )),
                );
            }
        }
    }
}

/// Anything in a service that runs or speaks of migrations: a known migration command, a start
/// command or script that mentions them, a service named after them, a `*MIGRAT*` switch turned on.
fn migrates_somehow(model: &StackModel, index: usize, svc: &Service) -> bool {
    if runners::name_says_migrations(&svc.name) || !runners::runs(model, index, svc).is_empty() {
        return true;
    }
    if runners::sources(model, index, svc).iter().any(|s| runners::mentions_migrations(&s.text)) {
        return true;
    }
    svc.environment.iter().any(|e| {
        e.key.to_ascii_uppercase().contains("MIGRAT")
            && e.value.as_deref().is_some_and(|v| {
                matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on" | "y")
                    && !e.key.to_ascii_uppercase().contains("SKIP")
            })
    })
}
