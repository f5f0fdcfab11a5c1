//! C106: a reference to a service that does not exist (or is not active) in the merged model.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C106",
    name: "depends-on-unknown-service",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C106-depends-on-unknown-service.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            let mut refs: Vec<(&str, Span, &'static str, bool)> = Vec::new();
            for d in &svc.depends_on {
                refs.push((&d.service, d.span, d.implied_by.unwrap_or("depends_on"), d.required));
            }
            if let Some(ext) = svc.extends.as_ref().filter(|e| !e.resolved) {
                refs.push((&ext.service, ext.span, "extends", true));
            }
            for (target, span, via, required) in refs {
                let what = match via {
                    "depends_on" => "depends on",
                    "links" => "links to",
                    "network_mode" => "shares the network of",
                    "volumes_from" => "mounts the volumes of",
                    _ => "extends",
                };
                match stack.service(target) {
                    None => out.report(
                        Finding::new(
                            &RULE,
                            span,
                            format!("`{}` {what} `{target}`, which is not a service of this stack", svc.name),
                        )
                        .label(format!("no service `{target}`"))
                        .help(suggest(stack, target)),
                    ),
                    Some(t) if !t.active && via != "extends" => {
                        if !required {
                            continue;
                        }
                        let profiles: Vec<&str> = t.profiles.iter().map(|p| p.value.as_str()).collect();
                        out.report(
                            Finding::new(
                                &RULE,
                                span,
                                format!(
                                    "`{}` {what} `{target}`, which only runs with profile {}",
                                    svc.name,
                                    profiles.join(" or ")
                                ),
                            )
                            .severity(Severity::Warning)
                            .related(t.name_span, format!("`{target}` is defined here with profiles"))
                            .help(format!(
                                "activate the profile (`--profile {}`), or mark the dependency `required: false`",
                                profiles.first().copied().unwrap_or("...")
                            )),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

/// A "did you mean" for a misspelt service name.
fn suggest(stack: &Stack, target: &str) -> String {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['-', '_', '.'], "");
    match stack.services.iter().find(|s| norm(&s.name) == norm(target)) {
        Some(s) => format!("did you mean `{}`?", s.name),
        None => {
            let names: Vec<&str> = stack.services.iter().map(|s| s.name.as_str()).collect();
            format!("the services here are: {}", names.join(", "))
        }
    }
}
