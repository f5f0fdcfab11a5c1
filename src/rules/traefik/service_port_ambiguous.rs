//! T504: Traefik cannot tell which port to use (several candidates and no `loadbalancer.server.port`
//! label), or the label names a port the app does not listen on.
use super::deployed;
use crate::model::routes::{is_routed_by_traefik, listens_elsewhere};
use crate::rules::common::container_ports;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "T504",
    name: "service-port-ambiguous",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/T504-service-port-ambiguous.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for (_, stack) in deployed(model) {
        for svc in stack.active_services().filter(|s| is_routed_by_traefik(s) && s.network_mode.is_none()) {
            let t = &svc.traefik;
            if t.tcp_or_udp.is_some() && t.routers.is_empty() {
                continue;
            }
            if t.services.iter().any(|s| s.url.is_some()) {
                continue;
            }
            // Only routers declared here that forward to this container's own service make its port
            // matter: `traefik.enable=true` alone is a platform's (Dokploy, Coolify) to complete with the
            // port chosen in its UI, and a router to `api@internal` or another container needs no port.
            let own = t.routers.iter().any(|r| {
                t.router_service(r, &svc.name, &stack.project).is_some_and(|name| {
                    let name = name.strip_suffix("@docker").unwrap_or(&name);
                    !name.contains('@')
                        && (t.services.iter().any(|s| s.name == name)
                            || (t.services.is_empty()
                                && name == crate::sources::traefik::labels::default_name(&svc.name, &stack.project)))
                })
            });
            if !own {
                continue;
            }
            let labelled: Vec<_> = t.services.iter().filter_map(|s| s.port.as_ref()).collect();
            if !labelled.is_empty() {
                for p in labelled.into_iter().filter(|p| p.known) {
                    let Ok(port) = p.value.trim().parse::<u16>() else { continue };
                    if let Some(why) = listens_elsewhere(model, svc, port) {
                        out.report(
                            Finding::new(&RULE, p.span, format!("Traefik sends requests to port {port}, but {why}"))
                                .label("the port Traefik dials")
                                .related(svc.name_span, "the service")
                                .help("set `loadbalancer.server.port` to the port the app listens on"),
                        );
                    }
                }
                continue;
            }
            let ports = container_ports(model, svc);
            if ports.len() < 2 {
                continue;
            }
            let at = t.routers.first().map_or(svc.name_span, |r| r.name_span);
            let list = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
            let mut f = Finding::new(
                &RULE,
                at,
                format!(
                    "`{}` has several ports ({list}) and no `loadbalancer.server.port` label: Traefik picks the lowest, {}",
                    svc.name, ports[0]
                ),
            )
            .label("routed here")
            .help(format!(
                "add `traefik.http.services.<name>.loadbalancer.server.port=<port>` with the HTTP port (one of {list})"
            ));
            for e in &svc.expose {
                f = f.related(e.span, "exposed here");
            }
            for p in &svc.ports {
                f = f.related(p.span, "published here");
            }
            out.report(f);
        }
    }
}
