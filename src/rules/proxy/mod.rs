//! N4xx: reverse proxies (nginx, Caddy). The target rules read the routing graph (`model.routes`)
//! rather than resolving upstreams again.
use std::collections::HashSet;

use crate::finding::Finding;
use crate::model::StackModel;
use crate::model::routes::{Hop, ProxyKind, Status, Target};
use crate::rules::Rule;
use crate::source::Span;

pub mod add_header_dropped;
pub mod caddy_env_placeholder_unset;
pub mod caddy_target_unreachable;
pub mod container_server_name_not_catch_all;
pub mod duplicate_server_name;
pub mod listen_443_in_container_behind_proxy;
pub mod proxy_target_unreachable;
pub mod ssl_certificate_missing;
pub mod upstream_unknown;

/// The N4xx rules, sorted by code.
pub static RULES: &[&Rule] = &[
    &proxy_target_unreachable::RULE,
    &container_server_name_not_catch_all::RULE,
    &ssl_certificate_missing::RULE,
    &listen_443_in_container_behind_proxy::RULE,
    &duplicate_server_name::RULE,
    &add_header_dropped::RULE,
    &upstream_unknown::RULE,
    &caddy_target_unreachable::RULE,
    &caddy_env_placeholder_unset::RULE,
];

/// Every hop of the routing graph (followed through container proxies) of one proxy kind, once per
/// upstream as written: a server answering several names, or a container proxy reached by several
/// routes, yields its upstream once.
pub(crate) fn hops_of(model: &StackModel, kind: ProxyKind) -> Vec<&Hop> {
    fn walk<'a>(h: &'a Hop, kind: ProxyKind, seen: &mut HashSet<Span>, out: &mut Vec<&'a Hop>) {
        if h.proxy.kind == kind
            && let Some((_, span)) = &h.upstream
            && seen.insert(*span)
        {
            out.push(h);
        }
        for n in &h.next {
            walk(n, kind, seen, out);
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in &model.routes.routes {
        for h in &r.hops {
            walk(h, kind, &mut seen, &mut out);
        }
    }
    out
}

/// A broken hop whose request reaches no app: nothing publishes the host port, the name is no service,
/// the app listens elsewhere. Two services publishing one host port is C101's, not the proxy's.
pub(crate) fn unreachable(h: &Hop) -> Option<&str> {
    let Status::Broken(reason) = &h.status else { return None };
    if reason.contains("only one can bind it") {
        return None;
    }
    Some(reason)
}

/// The finding of an unreachable upstream: the upstream as written (primary), the compose lines that
/// decide (the port mapping, the listen evidence, the service running the proxy).
pub(crate) fn unreachable_finding(
    rule: &'static Rule,
    model: &StackModel,
    h: &Hop,
    span: Span,
    reason: &str,
) -> Finding {
    let upstream = h.upstream.as_ref().map_or("", |(u, _)| u.trim());
    let who = match &h.proxy.container {
        Some((si, svc)) => {
            let project = model.stacks.get(*si).map_or("", |s| s.project.as_str());
            format!("the {} of `{project}/{svc}`", h.proxy.kind.as_str())
        }
        None => format!("the host's {}", h.proxy.kind.as_str()),
    };
    let mut f = Finding::new(rule, span, format!("{who} proxies to `{upstream}`: {reason}")).label(reason.to_owned());
    if let Some((si, name)) = &h.proxy.container
        && let Some(svc) = model.stacks.get(*si).and_then(|s| s.service(name))
    {
        f = f.related(svc.name_span, format!("`{name}` runs this {} configuration", h.proxy.kind.as_str()));
    }
    let mut help = None;
    match &h.target {
        Target::Service { stack, service, port, port_span, .. } => {
            let svc = model.stacks.get(*stack).and_then(|s| s.service(service));
            if let Some(ps) = port_span {
                f = f.related(
                    *ps,
                    format!("the request reaches container port {} of `{service}` here", port.unwrap_or(0)),
                );
            } else if let Some(svc) = svc {
                f = f.related(svc.name_span, format!("`{service}` is dialled on port {}", port.unwrap_or(0)));
            }
            if let Some(l) = svc.and_then(|s| crate::knowledge::listen::listen_ports(model, s)) {
                for (at, what) in &l.evidence {
                    f = f.related(*at, what.clone());
                }
                if let Some(p) = l.ports.first() {
                    help = Some(format!(
                        "dial the port `{service}` listens on ({p}), or make it listen on {}",
                        port.unwrap_or(0)
                    ));
                }
            }
        }
        Target::Unresolved if reason.starts_with("no service publishes") => {
            help = Some(
                "publish the port on the loopback interface in the service's `ports:` (`127.0.0.1:PORT:CONTAINER_PORT`), or point the proxy at the port a service publishes"
                    .to_owned(),
            );
        }
        Target::Unresolved if reason.starts_with("no service, alias or container") => {
            if let Some((si, _)) = &h.proxy.container
                && let Some(stack) = model.stacks.get(*si)
            {
                let names: Vec<&str> = stack.active_services().map(|s| s.name.as_str()).collect();
                help = Some(format!("the services of project `{}` are: {}", stack.project, names.join(", ")));
            }
        }
        Target::Unresolved if reason.contains("is that container itself") => {
            help = Some(
                "inside a container, name the app's compose service (`http://app:8000`) instead of localhost"
                    .to_owned(),
            );
        }
        _ => {}
    }
    if let Some(help) = help {
        f = f.help(help);
    }
    f
}
