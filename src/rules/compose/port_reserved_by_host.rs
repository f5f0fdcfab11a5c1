//! C102: a service publishes a host port that stackcheck.toml says the host itself uses: a port in
//! `[host] reserved_ports`, or 80/443 while the host's reverse proxy (`[host] proxy`) owns them.
use crate::config::ProxyKind;
use crate::model::Port;
use crate::model::image::ImageRef;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C102",
    name: "port-reserved-by-host",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C102-port-reserved-by-host.md"),
    check,
};

/// Images that run each kind of host proxy.
fn proxy_images(kind: ProxyKind) -> &'static [&'static str] {
    match kind {
        ProxyKind::Nginx => &[
            "nginx",
            "*/nginx",
            "nginxinc/nginx-unprivileged",
            "openresty/openresty",
            "*/nginx-proxy",
            "jc21/nginx-proxy-manager",
            "linuxserver/swag",
        ],
        ProxyKind::Traefik => &["traefik", "*/traefik"],
        ProxyKind::Caddy => &["caddy", "*/caddy", "lucaslorentz/caddy-docker-proxy"],
        ProxyKind::None => &[],
    }
}

fn proxy_name(kind: ProxyKind) -> &'static str {
    match kind {
        ProxyKind::Nginx => "nginx",
        ProxyKind::Traefik => "Traefik",
        ProxyKind::Caddy => "Caddy",
        ProxyKind::None => "proxy",
    }
}

/// Is this service the program that holds the port (`3000 = "dokploy"` and the service, its container
/// or its image is `dokploy`)?
fn is_holder(svc: &Service, holder: &str) -> bool {
    let holder = holder.trim().to_ascii_lowercase();
    if holder.is_empty() {
        return false;
    }
    let image = svc.image.as_ref().filter(|i| i.known).and_then(|i| ImageRef::parse(&i.value));
    svc.name.eq_ignore_ascii_case(&holder)
        || svc.container_name.as_ref().is_some_and(|c| c.value.eq_ignore_ascii_case(&holder))
        || image.is_some_and(|i| i.base_name() == holder)
}

/// Ports this service really binds on the host: fixed TCP host ports (ranges pick a free port; UDP never
/// meets a TCP server; with `network_mode` the ports are discarded or belong to another container).
fn host_ports(svc: &Service) -> impl Iterator<Item = (&Port, u16)> {
    let own = svc.network_mode.is_none();
    svc.ports.iter().filter(move |p| own && p.protocol == "tcp").filter_map(|p| Some((p, p.fixed_host_port()?)))
}

fn check(model: &StackModel, out: &mut Sink) {
    let host = &model.host;
    if host.reserved_ports.is_empty() && host.proxy.is_none() {
        return;
    }
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            for (port, number) in host_ports(svc) {
                let addr = port.host_ip.as_deref().map_or_else(|| "all interfaces".to_owned(), str::to_owned);
                if let Some(r) = host.reserved_ports.iter().find(|r| r.port == number) {
                    if is_holder(svc, &r.holder) {
                        continue;
                    }
                    out.report(
                        Finding::new(
                            &RULE,
                            port.span,
                            format!("host port {number} is taken by `{}` on the host, but `{}` publishes it", r.holder, svc.name),
                        )
                        .label(format!("`{}` publishes {number} on {addr} here", svc.name))
                        .related(r.span, format!("stackcheck.toml reserves {number} for `{}`", r.holder))
                        .help(format!(
                            "publish `{}` on a free host port (e.g. `127.0.0.1:{}:{}`), or drop `ports:` if only other containers or the proxy reach it",
                            svc.name,
                            free_hint(model, number),
                            port.target
                        )),
                    );
                    continue;
                }
                let Some(kind) = host.proxy else { continue };
                if !matches!(number, 80 | 443) {
                    continue;
                }
                let image = svc.image.as_ref().filter(|i| i.known).and_then(|i| ImageRef::parse(&i.value));
                // The service is the host proxy itself (the proxy runs as a container of the stack).
                if image.as_ref().is_some_and(|i| i.is_one_of(proxy_images(kind))) || is_holder(svc, proxy_name(kind)) {
                    continue;
                }
                let proxy = proxy_name(kind);
                let mut f = Finding::new(
                    &RULE,
                    port.span,
                    format!("host port {number} belongs to the host's {proxy}, but `{}` publishes it", svc.name),
                )
                .label(format!("`{}` publishes {number} on {addr} here", svc.name));
                if let Some(span) = host.proxy_span {
                    f = f.related(span, format!("stackcheck.toml says {proxy} runs on the host"));
                }
                out.report(f.help(format!(
                    "publish `{}` on a loopback port (e.g. `127.0.0.1:8080:{}`) and have the host {proxy} forward to it, or route it through the proxy without `ports:`",
                    svc.name, port.target
                )));
            }
        }
    }
}

/// A host port to suggest instead: the next one that is not reserved.
fn free_hint(model: &StackModel, from: u16) -> u16 {
    let mut p = from.saturating_add(1);
    while model.host.reserved_ports.iter().any(|r| r.port == p) && p < u16::MAX {
        p += 1;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_families() {
        let is = |image: &str, kind| ImageRef::parse(image).is_some_and(|i| i.is_one_of(proxy_images(kind)));
        assert!(is("nginx:1.27-alpine", ProxyKind::Nginx));
        assert!(is("nginxproxy/nginx-proxy:1.6", ProxyKind::Nginx));
        assert!(is("traefik:v3.1", ProxyKind::Traefik));
        assert!(!is("traefik:v3.1", ProxyKind::Nginx));
        assert!(is("caddy:2", ProxyKind::Caddy));
        assert!(!is("acme/nginx-exporter", ProxyKind::Nginx));
    }
}
