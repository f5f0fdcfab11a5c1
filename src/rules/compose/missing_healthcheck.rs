//! C110: a service that others wait on with `service_healthy`, or that Traefik routes to, has no
//! healthcheck.
use crate::knowledge::healthchecks::{self, ComposeHealth, ImageHealth};
use crate::model::image::ImageRef;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C110",
    name: "missing-healthcheck",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: false,
    doc: include_str!("../../../rules/docs/C110-missing-healthcheck.md"),
    check,
};

/// Why a service needs a healthcheck: where another service waits for it, or its first Traefik label.
enum Need {
    Waited { by: String, at: Span },
    Routed { at: Span },
}

fn check(model: &StackModel, out: &mut Sink) {
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            let Some(need) = need(stack, svc) else { continue };
            let (why, related) = match &need {
                Need::Waited { by, at } => {
                    (format!("`{by}` waits for it to be healthy"), (*at, format!("`{by}` waits here")))
                }
                Need::Routed { at } => ("Traefik routes to it".to_owned(), (*at, "routed by Traefik".to_owned())),
            };
            let finding = match healthchecks::of_compose(svc) {
                ComposeHealth::Test => continue,
                ComposeHealth::Disabled(span) => {
                    Finding::new(&RULE, span, format!("`{}` turns its healthcheck off, while {why}", svc.name))
                        .severity(Severity::Info)
                        .label("disabled on purpose")
                }
                ComposeHealth::Inherits => {
                    if matches!(healthchecks::of_service(model, svc), ImageHealth::Ships(_)) {
                        continue;
                    }
                    Finding::new(
                        &RULE,
                        svc.name_span,
                        format!("`{}` has no healthcheck and its image defines none we know of, while {why}", svc.name),
                    )
                    .label("no healthcheck")
                }
            };
            out.report(finding.related(related.0, related.1).help(format!(
                "add a `healthcheck:` to `{}` whose `test` succeeds only once it serves requests",
                svc.name
            )));
        }
    }
}

fn need(stack: &Stack, svc: &Service) -> Option<Need> {
    for other in stack.active_services() {
        if let Some(d) = other.depends_on.iter().find(|d| d.service == svc.name && d.condition == "service_healthy") {
            return Some(Need::Waited { by: other.name.clone(), at: d.condition_span.unwrap_or(d.span) });
        }
    }
    routed_by_traefik(svc).map(|at| Need::Routed { at })
}

/// The label that makes Traefik route to this service (`traefik.enable=true` or a router), unless the
/// service is Traefik itself (its routers point at its own `api@internal`).
fn routed_by_traefik(svc: &Service) -> Option<Span> {
    if svc
        .image
        .as_ref()
        .and_then(|i| ImageRef::parse(&i.value))
        .is_some_and(|r| r.is_one_of(&["traefik", "*/traefik"]))
    {
        return None;
    }
    let value = |l: &crate::model::Label| l.value.as_ref().map(|v| v.value.trim().to_ascii_lowercase());
    let key = |l: &crate::model::Label| l.key.to_ascii_lowercase();
    if svc.labels.iter().any(|l| key(l) == "traefik.enable" && value(l).as_deref() == Some("false")) {
        return None;
    }
    svc.labels
        .iter()
        .find(|l| {
            let k = key(l);
            (k == "traefik.enable" && value(l).as_deref() == Some("true")) || k.starts_with("traefik.http.routers.")
        })
        .map(|l| l.key_span)
}
