//! T503: two containers on one host declare the same Traefik router, service or middleware name with
//! different configurations (Traefik removes both), or the same service name (Traefik merges them and
//! balances one stack's traffic onto the other).
use super::deployed;
use crate::model::routes::is_routed_by_traefik;
use crate::rules::prelude::*;
use crate::sources::traefik::labels::Router;

pub static RULE: Rule = Rule {
    code: "T503",
    name: "router-name-collision",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/T503-router-name-collision.md"),
    check,
};

/// One label-declared object: its container and what Traefik compares.
struct Def<'m> {
    stack: &'m Stack,
    svc: &'m Service,
    name_span: Span,
    config: String,
}

/// A router's configuration after Traefik's defaults: its rule, entry points, middlewares, TLS and the
/// service it forwards to (the container's own default service when none is named).
fn router_config(stack: &Stack, svc: &Service, r: &Router) -> String {
    let v =
        |x: &Option<crate::sources::traefik::labels::LabelValue>| x.as_ref().map_or("", |v| v.value.trim()).to_owned();
    let service = svc.traefik.router_service(r, &svc.name, &stack.project).unwrap_or_default();
    format!(
        "rule={}|entrypoints={}|middlewares={}|tls={}|resolver={}|priority={}|service={service}",
        v(&r.rule),
        v(&r.entrypoints),
        v(&r.middlewares),
        r.tls.is_some(),
        v(&r.cert_resolver),
        v(&r.priority)
    )
}

fn container(d: &Def) -> String {
    format!("`{}/{}`", d.stack.project, d.svc.name)
}

fn check(model: &StackModel, out: &mut Sink) {
    let mut routers: Vec<(String, Def)> = Vec::new();
    let mut services: Vec<(String, Def)> = Vec::new();
    let mut middlewares: Vec<(String, Def)> = Vec::new();
    for (_, stack) in deployed(model) {
        for svc in stack.active_services().filter(|s| is_routed_by_traefik(s)) {
            let t = &svc.traefik;
            for r in &t.routers {
                let config = router_config(stack, svc, r);
                routers.push((r.name.to_ascii_lowercase(), Def { stack, svc, name_span: r.name_span, config }));
            }
            for s in &t.services {
                let config = format!("{:?}", s.options);
                services.push((s.name.to_ascii_lowercase(), Def { stack, svc, name_span: s.name_span, config }));
            }
            for m in &t.middlewares {
                let config = format!("{:?}", m.options);
                middlewares.push((m.name.to_ascii_lowercase(), Def { stack, svc, name_span: m.name_span, config }));
            }
        }
    }
    let same_container = |a: &Def, b: &Def| std::ptr::eq(a.stack, b.stack) && std::ptr::eq(a.svc, b.svc);
    let same_host = |a: &Def, b: &Def| std::ptr::eq(a.stack, b.stack) || model.same_host(a.stack, b.stack);
    for (kind, defs) in [("router", &routers), ("middleware", &middlewares)] {
        for (i, (name, d)) in defs.iter().enumerate() {
            let Some((_, first)) = defs[..i]
                .iter()
                .find(|(n, p)| n == name && !same_container(p, d) && same_host(p, d) && p.config != d.config)
            else {
                continue;
            };
            let what = if kind == "router" {
                "Traefik removes both routers (\"defined multiple times with different configurations\") and every host they serve gets 404"
            } else {
                "Traefik removes the middleware and every router using it"
            };
            out.report(
                Finding::new(
                    &RULE,
                    d.name_span,
                    format!(
                        "{kind} `{name}` is also declared by {} with another configuration: {what}",
                        container(first)
                    ),
                )
                .label(format!("{} declares it here", container(d)))
                .related(first.name_span, format!("{} declares it here", container(first)))
                .help(format!("give each stack its own {kind} names (e.g. suffixed with the environment)")),
            );
        }
    }
    for (i, (name, d)) in services.iter().enumerate() {
        let Some((_, first)) = services[..i]
            .iter()
            .find(|(n, p)| n == name && !same_container(p, d) && same_host(p, d) && !std::ptr::eq(p.stack, d.stack))
        else {
            continue;
        };
        let message = if first.config == d.config {
            format!(
                "service `{name}` is also declared by {}: Traefik merges them and balances requests across both stacks",
                container(first)
            )
        } else {
            format!(
                "service `{name}` is also declared by {} with other options: Traefik removes it, and the routers using it get 404",
                container(first)
            )
        };
        out.report(
            Finding::new(&RULE, d.name_span, message)
                .label(format!("{} declares it here", container(d)))
                .related(first.name_span, format!("{} declares it here", container(first)))
                .help("give each stack its own service names (e.g. suffixed with the environment)"),
        );
    }
}
