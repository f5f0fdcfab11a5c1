//! T505: a router names an entry point or certificate resolver its Traefik's static configuration does
//! not define, or a Docker-provider middleware no container declares.
use super::deployed;
use crate::model::routes::{is_routed_by_traefik, traefik_service};
use crate::rules::common::list_items;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "T505",
    name: "unknown-entrypoint-or-resolver",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/T505-unknown-entrypoint-or-resolver.md"),
    check,
};

/// The span of one item inside a comma-separated label value (the whole value when not written verbatim).
fn item_span(model: &StackModel, value: &crate::sources::traefik::labels::LabelValue, item: &str) -> Span {
    let written = model.db.slice(value.span);
    match written.find(item) {
        Some(i) => value.span.sub(i, i + item.len()),
        None => value.span,
    }
}

fn check(model: &StackModel, out: &mut Sink) {
    for (_, stack) in deployed(model) {
        let Some((ti, tname)) = traefik_service(model, stack) else { continue };
        let Some(cfg) = model.traefik_static_of(ti, &tname) else { continue };
        let tsvc = model.stacks.get(ti).and_then(|s| s.service(&tname));
        let defined = |what: &str, names: Vec<&str>| {
            if names.is_empty() { format!("no {what} is defined") } else { format!("defined: {}", names.join(", ")) }
        };
        for svc in stack.active_services().filter(|s| is_routed_by_traefik(s)) {
            for r in &svc.traefik.routers {
                if let Some(eps) = r.entrypoints.as_ref().filter(|v| v.known) {
                    for ep in list_items(&eps.value) {
                        if cfg.entry_point(ep).is_none() {
                            let names = cfg.entry_points.iter().map(|e| e.name.as_str()).collect();
                            let mut f = Finding::new(
                                &RULE,
                                item_span(model, eps, ep),
                                format!(
                                    "router `{}` uses entry point `{ep}`, which Traefik does not define ({})",
                                    r.name,
                                    defined("entry point", names)
                                ),
                            )
                            .label("unknown entry point")
                            .help("use one of the static configuration's entry points, or define this one");
                            if let Some(t) = tsvc {
                                f = f.related(t.name_span, "the Traefik whose static configuration is read");
                            }
                            out.report(f);
                        }
                    }
                }
                if let Some(res) = r.cert_resolver.as_ref().filter(|v| v.known) {
                    let name = res.value.trim();
                    if !name.is_empty() && cfg.resolver(name).is_none() {
                        let names = cfg.resolvers.iter().map(|e| e.name.as_str()).collect();
                        let mut f = Finding::new(
                            &RULE,
                            res.span,
                            format!(
                                "router `{}` uses certificate resolver `{name}`, which Traefik does not define ({}): it serves the default certificate",
                                r.name,
                                defined("resolver", names)
                            ),
                        )
                        .label("unknown resolver")
                        .help("define `certificatesResolvers.<name>` in the static configuration, or use a defined one");
                        if let Some(t) = tsvc {
                            f = f.related(t.name_span, "the Traefik whose static configuration is read");
                        }
                        out.report(f);
                    }
                }
                if let Some(mws) = r.middlewares.as_ref().filter(|v| v.known) {
                    for mw in list_items(&mws.value) {
                        let plain = match mw.split_once('@') {
                            Some((n, "docker")) => n,
                            Some(_) => continue,
                            None => mw,
                        };
                        let declared = deployed(model)
                            .filter(|(_, st)| std::ptr::eq(*st, stack) || model.same_host(st, stack))
                            .flat_map(|(_, st)| st.active_services())
                            .any(|s| s.traefik.middlewares.iter().any(|m| m.name == plain));
                        if !declared {
                            out.report(
                                Finding::new(
                                    &RULE,
                                    item_span(model, mws, mw),
                                    format!("router `{}` uses middleware `{mw}`, which no container's labels declare: Traefik does not build the router (404)", r.name),
                                )
                                .label("unknown middleware")
                                .help("declare it with `traefik.http.middlewares.<name>.<type>...` labels, or reference a file-provider one as `<name>@file`"),
                            );
                        }
                    }
                }
            }
        }
    }
}
