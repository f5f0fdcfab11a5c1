//! T501: a service Traefik routes is not on the network Traefik reaches it through.
use super::deployed;
use crate::model::routes::{is_routed_by_traefik, traefik_service, watched_network};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "T501",
    name: "traefik-network-not-attached",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/T501-traefik-network-not-attached.md"),
    check,
};

/// The real Docker names of the networks a service joins (and their keys).
fn attached(stack: &Stack, svc: &Service) -> Vec<String> {
    let mut out = Vec::new();
    for n in &svc.networks {
        out.push(n.name.clone());
        if let Some(r) = stack.network(&n.name) {
            out.push(r.real_name.clone());
        }
    }
    out
}

fn check(model: &StackModel, out: &mut Sink) {
    for (_, stack) in deployed(model) {
        for svc in stack.active_services().filter(|s| is_routed_by_traefik(s) && s.network_mode.is_none()) {
            let at = svc.networks.iter().find_map(|n| n.span).unwrap_or(svc.name_span);
            let nets = attached(stack, svc);
            if let Some(label) = &svc.traefik.network {
                let want = label.value.trim();
                if label.known && !want.is_empty() && !nets.iter().any(|n| n == want) {
                    out.report(
                        Finding::new(
                            &RULE,
                            at,
                            format!(
                                "`{}` is not attached to `{want}`, the network its label tells Traefik to use",
                                svc.name
                            ),
                        )
                        .label(format!("`{}` joins only these networks", svc.name))
                        .related(label.span, "Traefik dials the container on this network")
                        .help(format!(
                            "add `{want}` to the service's `networks:` (declared `external: true` at the top level)"
                        )),
                    );
                }
                continue;
            }
            if let Some((want, span)) = watched_network(model, stack) {
                if !nets.contains(&want) {
                    let mut f = Finding::new(
                        &RULE,
                        at,
                        format!(
                            "`{}` is not attached to `{want}`, the network Traefik watches: requests get 504",
                            svc.name
                        ),
                    )
                    .label(format!("`{}` joins only these networks", svc.name))
                    .help(format!(
                        "add `{want}` to the service's `networks:` (declared `external: true` at the top level)"
                    ));
                    if let Some(s) = span {
                        f = f.related(s, "Traefik reaches containers on this network");
                    }
                    out.report(f);
                }
                continue;
            }
            // Neither says: Traefik picks any network of the container; it must share one with Traefik.
            let Some((ti, tname)) = traefik_service(model, stack) else { continue };
            let Some(tstack) = model.stacks.get(ti) else { continue };
            let Some(traefik) = tstack.service(&tname) else { continue };
            if traefik.network_mode.is_some() {
                continue;
            }
            let real: Vec<String> = svc
                .networks
                .iter()
                .map(|n| stack.network(&n.name).map_or_else(|| n.name.clone(), |r| r.real_name.clone()))
                .collect();
            let their_real: Vec<String> = traefik
                .networks
                .iter()
                .map(|n| tstack.network(&n.name).map_or_else(|| n.name.clone(), |r| r.real_name.clone()))
                .collect();
            if !real.iter().any(|n| their_real.contains(n)) {
                out.report(
                    Finding::new(
                        &RULE,
                        at,
                        format!(
                            "`{}` shares no network with Traefik (`{}` is on {})",
                            svc.name,
                            traefik.name,
                            their_real.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                        ),
                    )
                    .label(format!("`{}` joins only these networks", svc.name))
                    .related(traefik.name_span, "the Traefik service")
                    .help("attach both to one external network (and set `providers.docker.network` to it)"),
                );
            }
        }
    }
}
