//! N404: a container nginx that a TLS-terminating proxy in front (host nginx `listen 443 ssl`, Caddy
//! with automatic HTTPS, a Traefik router with TLS) forwards to also listens on 443 / `ssl`: TLS twice,
//! with certificates needed inside the container.
use std::collections::HashSet;

use crate::model::ProxyRole;
use crate::model::routes::{Hop, ProxyKind, Route, Target};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "N404",
    name: "listen-443-in-container-behind-proxy",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/N404-listen-443-in-container-behind-proxy.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    let mut seen = HashSet::new();
    for route in &model.routes.routes {
        for h in &route.hops {
            walk(model, route, h, &mut seen, out);
        }
    }
}

fn walk(model: &StackModel, route: &Route, h: &Hop, seen: &mut HashSet<Span>, out: &mut Sink) {
    if terminates_tls(route, h)
        && let Target::Service { stack, service, .. } = &h.target
        && h.proxy.container.as_ref() != Some(&(*stack, service.clone()))
    {
        let role = ProxyRole::Container { stack: *stack, service: service.clone() };
        for cfg in model.nginx.iter().filter(|c| c.role == role) {
            for server in cfg.model.servers.iter().filter(|s| !s.implicit) {
                let Some(l) = server.listens.iter().find(|l| l.ssl || l.port == Some(443)) else { continue };
                if !seen.insert(l.span) {
                    continue;
                }
                out.report(
                    Finding::new(
                        &RULE,
                        l.span,
                        format!("the nginx of `{service}` listens on {} while the {} in front already terminates TLS: TLS twice, certificates needed inside the container", l.address.value, h.proxy.kind.as_str()),
                    )
                    .label("TLS inside the container")
                    .related(h.proxy.span, format!("TLS ends here ({})", h.proxy.entry))
                    .help("let the front proxy terminate TLS and have the container nginx listen on plain HTTP (`listen 80;`); the front proxy dials `http://`"),
                );
            }
        }
    }
    for n in &h.next {
        walk(model, route, n, seen, out);
    }
}

/// Does this proxy entry terminate TLS for the request?
fn terminates_tls(route: &Route, h: &Hop) -> bool {
    match h.proxy.kind {
        ProxyKind::Nginx => h.proxy.entry.contains(" ssl"),
        ProxyKind::Traefik => h.proxy.entry.contains("tls"),
        // Automatic HTTPS: a site with a host name, not written `http://`.
        ProxyKind::Caddy => {
            route.domain.kind != crate::model::routes::DomainKind::Any && !h.proxy.entry.contains("http://")
        }
    }
}
