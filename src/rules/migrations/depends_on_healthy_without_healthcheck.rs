//! M604: `condition: service_healthy` on a service that has no healthcheck at all.
use crate::knowledge::healthchecks::{self, ComposeHealth, ImageHealth};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "M604",
    name: "depends-on-healthy-without-healthcheck",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/M604-depends-on-healthy-without-healthcheck.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            for dep in svc.depends_on.iter().filter(|d| d.condition == "service_healthy") {
                let Some(target) = stack.service(&dep.service).filter(|t| t.active) else { continue };
                let at = dep.condition_span.unwrap_or(dep.span);
                let waits = format!("`{}` waits for `{}` to be healthy", svc.name, target.name);
                match healthchecks::of_compose(target) {
                    ComposeHealth::Test => {}
                    ComposeHealth::Disabled(span) => out.report(
                        Finding::new(&RULE, at, format!("{waits}, but `{}` turns its healthcheck off", target.name))
                            .label("never becomes healthy")
                            .related(span, format!("`{}` turns its healthcheck off here", target.name))
                            .help(help(&target.name)),
                    ),
                    ComposeHealth::Inherits => match healthchecks::of_service(model, target) {
                        ImageHealth::Ships(_) => {}
                        ImageHealth::None(from) => {
                            let mut f = Finding::new(
                                &RULE,
                                at,
                                format!("{waits}, but `{}` has no healthcheck and its image defines none", target.name),
                            )
                            .label("`docker compose up` fails here")
                            .related(target.name_span, format!("`{}` has no `healthcheck:`", target.name));
                            if let Some(span) = from {
                                f = f.related(span, "the image is built from this, which has no HEALTHCHECK");
                            }
                            out.report(f.help(help(&target.name)));
                        }
                        ImageHealth::Unknown => out.report(
                            Finding::new(
                                &RULE,
                                at,
                                format!(
                                    "{waits}, but `{}` has no healthcheck in compose and stackcheck could not check the image's own healthcheck",
                                    target.name
                                ),
                            )
                            .severity(Severity::Warning)
                            .label("fails at `up` unless the image defines a HEALTHCHECK")
                            .related(target.name_span, format!("`{}` has no `healthcheck:`", target.name))
                            .help(format!(
                                "{}; if the image does define one, suppress this with `# stackcheck: ignore[M604]`",
                                help(&target.name)
                            )),
                        ),
                    },
                }
            }
        }
    }
}

fn help(target: &str) -> String {
    format!(
        "give `{target}` a `healthcheck:` with a `test` that succeeds once it is ready, or wait with `condition: service_started`"
    )
}
