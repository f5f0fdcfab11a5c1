//! C104: a service routed by Traefik also publishes the port Traefik routes to on the host.
use crate::model::Port;
use crate::model::image::ImageRef;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C104",
    name: "ports-behind-traefik",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C104-ports-behind-traefik.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        // Development stacks publish ports on purpose (debuggers, local access without DNS).
        if stack.environment(model) == Some(crate::model::Environment::Development) {
            continue;
        }
        for svc in stack.active_services() {
            if !is_routed(svc) || is_traefik(svc) || svc.uses_host_network() {
                continue;
            }
            let Some(routed) = routed_port(svc) else { continue };
            for port in svc.ports.iter().filter(|p| bypasses(p, routed.port) && !in_override_file(model, p)) {
                let host = match port.published {
                    Some((a, b)) if a == b => format!("host port {a}"),
                    Some((a, b)) => format!("host ports {a}-{b}"),
                    None => "a random host port".to_owned(),
                };
                let mut f = Finding::new(
                    &RULE,
                    port.span,
                    format!(
                        "`{}` is routed by Traefik but also publishes its port {} on {host} ({})",
                        svc.name,
                        port.target,
                        port.host_ip_or_default()
                    ),
                )
                .label("published on the host, past Traefik")
                .help(format!(
                    "Traefik reaches the container on its own network at port {}: replace this `ports:` entry with `expose: [\"{}\"]`",
                    port.target, port.target
                ));
                if let Some(span) = routed.span {
                    f = f.related(span, "the port Traefik routes to");
                } else if let Some(span) = routed.router {
                    f = f.related(span, "routed by this Traefik router");
                }
                out.report(f);
            }
        }
    }
}

/// Does Traefik route this container? `traefik.enable=true`, or HTTP router/service labels without
/// `traefik.enable=false`. (With `exposedByDefault` every container is, but a stack that relies on it
/// without labels gives nothing to check against.)
fn is_routed(svc: &Service) -> bool {
    let t = &svc.traefik;
    match t.enable {
        Some((false, _)) => false,
        Some((true, _)) => t.tcp_or_udp.is_none() || !t.routers.is_empty(),
        None => !t.routers.is_empty() || !t.services.is_empty(),
    }
}

fn is_traefik(svc: &Service) -> bool {
    svc.image.as_ref().and_then(|i| ImageRef::parse(i.as_str())).is_some_and(|i| i.base_name() == "traefik")
}

struct Routed {
    port: u16,
    /// The `loadbalancer.server.port` label, when set.
    span: Option<Span>,
    /// A router of the service, for the related label.
    router: Option<Span>,
}

/// The container port Traefik sends requests to: the `loadbalancer.server.port` label, else the lowest
/// container port the service declares (`expose`, the container side of `ports`). A `server.url` label
/// (or several services without a port) leaves it unknown.
fn routed_port(svc: &Service) -> Option<Routed> {
    let t = &svc.traefik;
    let router = t.routers.first().map(|r| r.name_span);
    if t.services.iter().any(|s| s.url.is_some()) {
        return None;
    }
    let labelled: Vec<_> = t.services.iter().filter_map(|s| s.port.as_ref()).collect();
    match labelled.as_slice() {
        [one] => {
            let port = one.value.trim().parse().ok()?;
            return Some(Routed { port, span: Some(one.span), router });
        }
        [] => {}
        _ => return None,
    }
    // Without a port label Traefik takes the lowest container port; when the service has several, the
    // others are usually not HTTP (a torrent or game port published on purpose next to a web UI), so only a
    // service with a single container port is judged.
    let exposed =
        svc.expose.iter().filter_map(|e| e.as_str().split('/').next()?.split('-').next()?.trim().parse().ok());
    let published = svc.ports.iter().map(|p| p.target);
    let mut all: Vec<u16> = exposed.chain(published).collect();
    all.sort_unstable();
    all.dedup();
    match all.as_slice() {
        [one] => Some(Routed { port: *one, span: None, router }),
        _ => None,
    }
}

/// A port written in a `compose.override.yaml`: Compose's convention for local-development additions,
/// loaded by `docker compose up` on a laptop and left out of deploys (`-f compose.yaml`).
fn in_override_file(model: &StackModel, port: &Port) -> bool {
    model.db.get(port.span.file).is_some_and(|f| {
        f.path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.to_ascii_lowercase().contains(".override."))
    })
}

/// Does this entry publish the routed container port on a non-loopback host address?
fn bypasses(port: &Port, routed: u16) -> bool {
    port.target == routed && port.protocol == "tcp" && !port.is_loopback()
}
