//! The routing graph: for every domain the stacks serve, the path a request takes — DNS record(s) →
//! proxy entry (host nginx server/location, Traefik router, Caddy site) → upstream as written →
//! compose service → the container port dialled — and on through a proxy running in that container
//! (Caddy → container nginx → app). Every edge keeps its span. A broken edge is data (a [`Status`] with
//! its reason), never an error: rules and `stackcheck map` read it.
//!
//! Built once by the loader from the finished model ([`build`]); pure, no I/O.
use std::path::Path;

use super::{NginxConfig, ProxyRole, Service, Stack, StackModel};
use crate::knowledge::listen::listen_ports;
use crate::rules::common::container_ports;
use crate::source::Span;
use crate::sources::nginx::model::{Location, NameKind, Pass, Server};
use crate::sources::traefik::labels::{LbService, Router, default_name};

/// How deep a chain of proxies is followed (a proxy container proxying to itself stops here).
const MAX_DEPTH: usize = 4;

#[derive(Clone, Debug, Default)]
pub struct Routes {
    pub routes: Vec<Route>,
}

/// One domain (or catch-all) served by one proxy entry.
#[derive(Clone, Debug)]
pub struct Route {
    pub domain: Domain,
    pub dns: Dns,
    /// The proxy entries that handle it (one per location / path), each followed to its service.
    pub hops: Vec<Hop>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DomainKind {
    /// `app.example.org`
    Exact,
    /// `*.example.org`, `.example.org`, `mail.*`
    Wildcard,
    /// A regex server name or `HostRegexp`.
    Pattern,
    /// Every host on the entry's port (`server_name _` default server, Caddy `:8080`, a rule without Host).
    Any,
}

#[derive(Clone, Debug)]
pub struct Domain {
    pub name: String,
    pub kind: DomainKind,
    /// Where the name is written (server_name argument, the literal inside a Traefik rule, Caddy address).
    pub span: Option<Span>,
}

/// What DNS says about a domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dns {
    /// DNS checks are off, or the domain is not a name DNS can answer (wildcard, pattern, catch-all).
    NotChecked,
    /// The records resolve to these addresses (each with the span of its A/AAAA record).
    /// Live answers have no span.
    Addresses { addresses: Vec<(String, Option<Span>)>, via: Vec<Option<Span>>, status: Status },
    /// A CNAME chain leaves the known records: cannot be finished offline.
    Unverifiable { reason: String },
    /// No A/AAAA record answers the name.
    Missing,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Works, with a caveat worth showing (the default server answers, the port is a guess).
    Note(String),
    /// The request does not reach an app this way.
    Broken(String),
}

impl Status {
    pub fn is_broken(&self) -> bool {
        matches!(self, Status::Broken(_))
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Status::Ok => None,
            Status::Note(r) | Status::Broken(r) => Some(r),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    Nginx,
    Traefik,
    Caddy,
}

impl ProxyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyKind::Nginx => "nginx",
            ProxyKind::Traefik => "traefik",
            ProxyKind::Caddy => "caddy",
        }
    }
}

/// The proxy entry a hop goes through.
#[derive(Clone, Debug)]
pub struct Proxy {
    pub kind: ProxyKind,
    /// `None`: the host's proxy; else the (stack index, service) running it.
    pub container: Option<(usize, String)>,
    /// Short description: `server :443 ssl`, `router api@docker (websecure, tls)`, `site app.example.org`.
    pub entry: String,
    pub span: Span,
}

/// Where a hop sends the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A compose service, at this container port.
    Service {
        stack: usize,
        service: String,
        port: Option<u16>,
        /// How the port was found (`written in proxy_pass`, `label`, `lowest exposed port`...).
        port_source: String,
        /// Where the port is decided (the published port mapping, the label, the `expose:` entry).
        port_span: Option<Span>,
    },
    /// A process on the host outside the stacks (`[host] reserved_ports`).
    HostService { port: u16, holder: String },
    /// Somewhere outside the stacks (another machine, a unix socket, a URL with variables).
    External { address: String },
    /// Nothing is proxied: the entry answers itself (static files, redirect, `return`).
    Local,
    /// The upstream names nothing that exists.
    Unresolved,
}

#[derive(Clone, Debug)]
pub struct Hop {
    pub proxy: Proxy,
    /// The path the entry handles (`/api/`, `PathPrefix(/api)`, Caddy path matcher), when not all.
    pub path: Option<String>,
    /// The upstream as written (`http://127.0.0.1:8080`, `api:8000`), with its span.
    pub upstream: Option<(String, Span)>,
    pub target: Target,
    pub status: Status,
    /// The entries of a proxy running in the target container, for this request.
    pub next: Vec<Hop>,
    /// In a container nginx reached from another proxy: the Host header the request carries when none of
    /// the config's `server_name`s matches it, so the default server of the port answers (N402 asks
    /// whether that server really is the default one once the image's own configuration is counted).
    pub unmatched_host: Option<String>,
}

impl Hop {
    /// An entry that answers itself (static files, a redirect): nothing is proxied.
    fn local(proxy: Proxy) -> Hop {
        Hop {
            proxy,
            path: None,
            upstream: None,
            target: Target::Local,
            status: Status::Ok,
            next: Vec::new(),
            unmatched_host: None,
        }
    }
}

impl Route {
    /// The worst status along the route (DNS included): the first broken reason, else the first note.
    pub fn status(&self) -> Status {
        let mut note = None;
        if let Dns::Addresses { status, .. } = &self.dns {
            match status {
                Status::Broken(_) => return status.clone(),
                Status::Note(_) => note = Some(status.clone()),
                Status::Ok => {}
            }
        }
        if matches!(self.dns, Dns::Missing) {
            return Status::Broken("no A/AAAA record".to_owned());
        }
        fn walk(h: &Hop, note: &mut Option<Status>) -> Option<Status> {
            match &h.status {
                Status::Broken(_) => return Some(h.status.clone()),
                Status::Note(_) if note.is_none() => *note = Some(h.status.clone()),
                _ => {}
            }
            h.next.iter().find_map(|n| walk(n, note))
        }
        if let Some(b) = self.hops.iter().find_map(|h| walk(h, &mut note)) {
            return b;
        }
        note.unwrap_or(Status::Ok)
    }
}

/// Builds the routing graph of a loaded model.
pub fn build(model: &StackModel) -> Routes {
    let b = Builder { model };
    let mut routes = Vec::new();
    for cfg in &model.nginx {
        if b.is_root(&cfg.role) {
            b.nginx_roots(cfg, &mut routes);
        }
    }
    for cfg in &model.caddy {
        if b.is_root(&cfg.role) {
            b.caddy_roots(cfg, &cfg.role, &mut routes);
        }
    }
    b.traefik_label_roots(&mut routes);
    b.traefik_file_roots(&mut routes);
    for r in &mut routes {
        if r.domain.kind == DomainKind::Exact {
            r.dns = lookup(model, &r.domain.name);
        }
    }
    routes.sort_by(|a, b| {
        (a.domain.kind == DomainKind::Any, &a.domain.name, a.hops.first().map(|h| h.proxy.span)).cmp(&(
            b.domain.kind == DomainKind::Any,
            &b.domain.name,
            b.hops.first().map(|h| h.proxy.span),
        ))
    });
    Routes { routes }
}

struct Builder<'m> {
    model: &'m StackModel,
}

// The graph's queries, for rules that judge the same facts (T5xx, N4xx).

/// The Traefik service nearest to a stack on its host: (stack index, service name).
pub fn traefik_service(model: &StackModel, near: &Stack) -> Option<(usize, String)> {
    Builder { model }.traefik_container(near)
}

/// The network Traefik's Docker provider uses for a stack (`[traefik] network`, the Traefik service's
/// `--providers.docker.network`), with where it is set.
pub fn watched_network(model: &StackModel, near: &Stack) -> Option<(String, Option<Span>)> {
    Builder { model }.watched_network_at(near)
}

/// The container a Docker DNS name from outside its project reaches (`container_name`,
/// `<project>-<service>-<n>`, a name on a shared external network).
pub fn container_named<'m>(model: &'m StackModel, host: &str) -> Option<(usize, &'m Service)> {
    Builder { model }.container_named(host).map(|(i, s, _)| (i, s))
}

/// Why a request to `port` finds nothing listening, when the app's listen ports are known.
pub fn listens_elsewhere(model: &StackModel, svc: &Service, port: u16) -> Option<String> {
    Builder { model }.listening(svc, port).and_then(|s| s.reason().map(str::to_owned))
}

/// The request as it reaches a proxy: which Host header it carries and on which port.
#[derive(Clone, Debug)]
struct Request {
    host: String,
    port: u16,
    path: Option<String>,
}

impl<'m> Builder<'m> {
    fn stacks(&self) -> impl Iterator<Item = (usize, &'m Stack)> {
        self.model.stacks.iter().enumerate().filter(|(_, s)| s.loaded && !s.fragment)
    }

    /// A proxy configuration starts routes when it runs on the host, or in a container that publishes a
    /// port and that no other proxy forwards to.
    fn is_root(&self, role: &ProxyRole) -> bool {
        let ProxyRole::Container { stack, service } = role else { return true };
        let Some(svc) = self.model.stacks.get(*stack).and_then(|s| s.service(service)) else { return false };
        if !svc.active || svc.ports.iter().all(|p| p.fixed_host_port().is_none()) {
            return false;
        }
        !self.forwarded_to(*stack, svc)
    }

    /// Does another proxy (host nginx/Caddy, Traefik labels) send requests to this service?
    fn forwarded_to(&self, stack: usize, svc: &Service) -> bool {
        if is_routed_by_traefik(svc) {
            return true;
        }
        let published: Vec<u16> = svc.ports.iter().filter_map(|p| p.fixed_host_port()).collect();
        let host_nginx = self.model.nginx.iter().filter(|c| c.role == ProxyRole::Host);
        for cfg in host_nginx {
            for server in &cfg.model.servers {
                for (_, pass) in passes(server) {
                    if pass.parsed.host.as_deref().is_some_and(is_local_host)
                        && pass.parsed.port.is_some_and(|p| published.contains(&p))
                    {
                        return true;
                    }
                }
            }
        }
        for cfg in self.model.caddy.iter().filter(|c| c.role == ProxyRole::Host) {
            for site in &cfg.model.sites {
                for u in &site.upstreams {
                    if is_local_host(&u.host)
                        && u.port.as_deref().and_then(|p| p.parse().ok()).is_some_and(|p| published.contains(&p))
                    {
                        return true;
                    }
                }
            }
        }
        let _ = stack;
        false
    }

    // ------------------------------------------------------------------ nginx

    fn nginx_roots(&self, cfg: &NginxConfig, out: &mut Vec<Route>) {
        let with_passes = |s: &Server| !passes(s).is_empty();
        // Names that some server proxies: a redirect-only server for the same name adds nothing.
        let proxied: Vec<&str> = cfg
            .model
            .servers
            .iter()
            .filter(|s| with_passes(s))
            .flat_map(|s| s.names.iter().map(|n| n.name.value.as_str()))
            .collect();
        for server in cfg.model.servers.iter().filter(|s| !s.implicit) {
            let has = with_passes(server);
            let names: Vec<Domain> = server_domains(server);
            for domain in names {
                if !has && (proxied.contains(&domain.name.as_str()) || domain.kind == DomainKind::Any) {
                    continue;
                }
                let req = Request { host: domain.name.clone(), port: listen_port(server), path: None };
                let hops = self.nginx_server_hops(cfg, server, &req, 0);
                out.push(Route { domain, dns: Dns::NotChecked, hops });
            }
        }
    }

    /// The hops of one nginx server: one per location (or server-level) pass, or one local hop.
    fn nginx_server_hops(&self, cfg: &NginxConfig, server: &Server, req: &Request, depth: usize) -> Vec<Hop> {
        let container = container_of(&cfg.role);
        let entry = server_entry(server);
        let proxy =
            |span: Span| Proxy { kind: ProxyKind::Nginx, container: container.clone(), entry: entry.clone(), span };
        let all = passes(server);
        if all.is_empty() {
            return vec![Hop::local(proxy(server.span))];
        }
        let mut hops = Vec::new();
        for (loc, pass) in all {
            if let Some(p) = &req.path {
                // Followed from an outer proxy for one path: keep the locations that can match it.
                if let Some(l) = loc
                    && l.modifier == crate::sources::nginx::model::Modifier::Prefix
                    && !(p.starts_with(l.path.value.as_str()) || l.path.value.starts_with(p.as_str()))
                {
                    continue;
                }
            }
            let path = loc.map(location_text);
            let forwards_host = nginx_forwards_host(cfg, server, loc);
            let mut hop = self.resolve_nginx_pass(cfg, pass, depth);
            hop.proxy = proxy(loc.map_or(server.span, |l| l.span));
            hop.path = path.filter(|p| p != "/");
            if let Target::Service { stack, service, port: Some(port), .. } = &hop.target {
                let host = if forwards_host { req.host.clone() } else { pass.parsed.host.clone().unwrap_or_default() };
                let inner = Request { host, port: *port, path: hop.path.clone().or_else(|| req.path.clone()) };
                hop.next = self.container_proxy_hops(*stack, service, &inner, depth + 1);
            }
            hops.push(hop);
        }
        hops
    }

    /// Resolves a `*_pass` target: to the host's published ports (host nginx), to compose services (a
    /// container nginx), to an `upstream` block's first server.
    fn resolve_nginx_pass(&self, cfg: &NginxConfig, pass: &Pass, depth: usize) -> Hop {
        let _ = depth;
        let upstream = Some((pass.target.value.clone(), pass.target.span));
        let mut hop = Hop {
            proxy: Proxy { kind: ProxyKind::Nginx, container: None, entry: String::new(), span: pass.span },
            path: None,
            upstream,
            target: Target::Unresolved,
            status: Status::Ok,
            next: Vec::new(),
            unmatched_host: None,
        };
        let t = &pass.parsed;
        if let Some(sock) = &t.unix {
            hop.target = Target::External { address: format!("unix:{sock}") };
            return hop;
        }
        if t.has_variables {
            hop.target = Target::External { address: pass.target.value.clone() };
            hop.status = Status::Note("resolved at request time (the target holds variables)".to_owned());
            return hop;
        }
        let Some(host) = t.host.as_deref() else { return hop };
        let (host, port) = match cfg.model.upstreams.iter().find(|u| u.name.value == host) {
            Some(u) => match u.servers.iter().find(|s| !s.backup && !s.down).or(u.servers.first()) {
                Some(s) if s.unix.is_some() => {
                    hop.target = Target::External { address: s.address.value.clone() };
                    return hop;
                }
                Some(s) => (s.host.clone().unwrap_or_default(), s.port.or(Some(80))),
                None => {
                    hop.status = Status::Broken(format!("upstream `{host}` has no server"));
                    return hop;
                }
            },
            None => {
                let default = if t.scheme.as_deref() == Some("https") { 443 } else { 80 };
                (host.to_owned(), t.port.or(if t.port_text.is_some() { None } else { Some(default) }))
            }
        };
        let (target, status) = self.dial(&cfg.role, self.path_of(cfg.root), &host, port, "written in the upstream");
        hop.target = target;
        hop.status = status;
        hop
    }

    // ------------------------------------------------------------------ Caddy

    fn caddy_roots(&self, cfg: &super::CaddyConfig, role: &ProxyRole, out: &mut Vec<Route>) {
        for site in &cfg.model.sites {
            for addr in &site.addresses {
                let (name, kind) = if addr.host.is_empty() {
                    (format!(":{}", addr.listen_port), DomainKind::Any)
                } else if addr.is_wildcard() {
                    (addr.host.clone(), DomainKind::Wildcard)
                } else {
                    (addr.host.clone(), DomainKind::Exact)
                };
                let domain = Domain { name: name.clone(), kind, span: Some(addr.text.span) };
                let req = Request { host: addr.host.clone(), port: addr.listen_port, path: None };
                let hops = self.caddy_site_hops(cfg, site, role, &req, 0);
                out.push(Route { domain, dns: Dns::NotChecked, hops });
            }
        }
    }

    fn caddy_site_hops(
        &self,
        cfg: &super::CaddyConfig,
        site: &crate::sources::caddy::model::Site,
        role: &ProxyRole,
        req: &Request,
        depth: usize,
    ) -> Vec<Hop> {
        use crate::sources::caddy::model::{Matcher, UpstreamKind};
        let container = container_of(role);
        let entry =
            format!("site {}", site.addresses.iter().map(|a| a.text.value.as_str()).collect::<Vec<_>>().join(", "));
        let proxy =
            |span: Span| Proxy { kind: ProxyKind::Caddy, container: container.clone(), entry: entry.clone(), span };
        let ups: Vec<_> = site.upstreams.iter().filter(|u| u.kind != UpstreamKind::ForwardAuth).collect();
        if ups.is_empty() {
            return vec![Hop::local(proxy(site.span))];
        }
        let _ = cfg;
        let mut hops = Vec::new();
        for u in ups {
            let path = u
                .context
                .iter()
                .filter_map(|f| match &f.matcher {
                    Some(Matcher::Path(p)) => Some(p.value.clone()),
                    _ => None,
                })
                .chain(match &u.matcher {
                    Some(Matcher::Path(p)) => Some(p.value.clone()),
                    Some(Matcher::Named(n)) => Some(n.value.clone()),
                    _ => None,
                })
                .last();
            let mut hop = Hop {
                proxy: proxy(u.directive_span),
                path,
                upstream: Some((u.text.value.clone(), u.text.span)),
                target: Target::Unresolved,
                status: Status::Ok,
                next: Vec::new(),
                unmatched_host: None,
            };
            if let Some(e) = &u.error {
                hop.status = Status::Broken(e.clone());
            } else if !u.placeholders.is_empty() || u.srv {
                hop.target = Target::External { address: u.dial() };
                hop.status = Status::Note("resolved at request time".to_owned());
            } else if u.network.as_deref().is_some_and(|n| n.starts_with("unix")) {
                hop.target = Target::External { address: u.dial() };
            } else {
                let default = if u.tls || u.scheme.as_deref() == Some("https") { 443 } else { 80 };
                let port = match u.port.as_deref() {
                    Some(p) => p.split('-').next().and_then(|p| p.parse().ok()),
                    None => Some(default),
                };
                let (target, status) =
                    self.dial(role, self.path_of(cfg.root), &u.host, port, "written in reverse_proxy");
                hop.target = target;
                hop.status = status;
                if let Target::Service { stack, service, port: Some(port), .. } = &hop.target {
                    // Caddy passes the client's Host header on unchanged.
                    let inner = Request { host: req.host.clone(), port: *port, path: hop.path.clone() };
                    hop.next = self.container_proxy_hops(*stack, service, &inner, depth + 1);
                }
            }
            hops.push(hop);
        }
        hops
    }

    // ------------------------------------------------------------------ Traefik

    fn traefik_label_roots(&self, out: &mut Vec<Route>) {
        for (si, stack) in self.stacks() {
            for svc in stack.active_services().filter(|s| is_routed_by_traefik(s)) {
                for router in &svc.traefik.routers {
                    self.traefik_router(si, stack, svc, router, out);
                }
                if svc.traefik.routers.is_empty() && svc.traefik.tcp_or_udp.is_none() {
                    // `traefik.enable=true` alone: the default router, ``Host(`<service>-<project>`)``.
                    let name = default_name(&svc.name, &stack.project);
                    let span = svc.traefik.enable.map_or(svc.name_span, |(_, s)| s);
                    let domain = Domain { name: name.clone(), kind: DomainKind::Exact, span: None };
                    let mut hop =
                        self.traefik_hop(si, stack, svc, None, span, format!("router {name}@docker (default rule)"));
                    hop.status = Status::Note(format!("default rule Host(`{name}`): set a `rule` label"));
                    out.push(Route { domain, dns: Dns::NotChecked, hops: vec![hop] });
                }
            }
        }
    }

    fn traefik_router(&self, si: usize, stack: &Stack, svc: &Service, router: &Router, out: &mut Vec<Route>) {
        let mut flags = Vec::new();
        if let Some(ep) = &router.entrypoints {
            flags.push(ep.value.clone());
        }
        if router.tls.is_some() || router.cert_resolver.is_some() {
            flags.push("tls".to_owned());
        }
        let entry = if flags.is_empty() {
            format!("router {}@docker", router.name)
        } else {
            format!("router {}@docker ({})", router.name, flags.join(", "))
        };
        let (domains, path, broken) = match (&router.parsed, &router.rule) {
            (Some(Ok(expr)), Some(rule)) => {
                let hosts = expr.hosts();
                let path = expr
                    .matchers()
                    .into_iter()
                    .find(|(m, neg)| !neg && matches!(m.name, "PathPrefix" | "Path"))
                    .and_then(|(m, _)| m.args.first().map(|a| a.value.clone()));
                let mut ds: Vec<Domain> = hosts
                    .iter()
                    .map(|(h, range)| Domain {
                        name: h.to_ascii_lowercase(),
                        kind: if h.contains('*') { DomainKind::Wildcard } else { DomainKind::Exact },
                        span: Some(rule_sub_span(self.model, rule.span, &rule.value, *range)),
                    })
                    .collect();
                let regexps: Vec<_> = expr
                    .matchers()
                    .into_iter()
                    .filter(|(m, neg)| !neg && m.name == "HostRegexp")
                    .flat_map(|(m, _)| m.args.iter().map(|a| a.value.clone()).collect::<Vec<_>>())
                    .collect();
                ds.extend(regexps.into_iter().map(|r| Domain {
                    name: r,
                    kind: DomainKind::Pattern,
                    span: Some(rule.span),
                }));
                if ds.is_empty() {
                    ds.push(Domain { name: "*".to_owned(), kind: DomainKind::Any, span: Some(rule.span) });
                }
                (ds, path, None)
            }
            (Some(Err(e)), Some(rule)) => (
                vec![Domain { name: rule.value.clone(), kind: DomainKind::Pattern, span: Some(rule.span) }],
                None,
                Some(format!("the rule does not parse ({}): Traefik drops the router", e.message)),
            ),
            _ => {
                let name = default_name(&svc.name, &stack.project);
                (vec![Domain { name, kind: DomainKind::Exact, span: None }], None, None)
            }
        };
        for domain in domains {
            let mut hop = self.traefik_hop(si, stack, svc, Some(router), router.name_span, entry.clone());
            hop.path = path.clone();
            if let Some(b) = &broken {
                hop.status = Status::Broken(b.clone());
                hop.next.clear();
            }
            out.push(Route { domain, dns: Dns::NotChecked, hops: vec![hop] });
        }
    }

    /// The hop of a label router: to the service its `.service` names (this container's, another
    /// container's label service, or a `@file` one), at the port Traefik picks.
    fn traefik_hop(
        &self,
        si: usize,
        stack: &Stack,
        svc: &Service,
        router: Option<&Router>,
        span: Span,
        entry: String,
    ) -> Hop {
        let proxy = Proxy { kind: ProxyKind::Traefik, container: self.traefik_container(stack), entry, span };
        let mut hop = Hop {
            proxy,
            path: None,
            upstream: None,
            target: Target::Unresolved,
            status: Status::Ok,
            next: Vec::new(),
            unmatched_host: None,
        };
        let service_name = match router {
            Some(r) => svc.traefik.router_service(r, &svc.name, &stack.project),
            None => Some(default_name(&svc.name, &stack.project)),
        };
        let Some(service_name) = service_name else {
            hop.status = Status::Broken(
                "the container declares several services and the router names none: Traefik drops the router"
                    .to_owned(),
            );
            return hop;
        };
        if let Some(r) = router.and_then(|r| r.service.as_ref()) {
            hop.upstream = Some((format!("service {}", r.value.trim()), r.span));
        }
        if service_name.ends_with("@internal") {
            // `api@internal`, `dashboard@internal`, `noop@internal`: served by Traefik itself.
            hop.target = Target::Local;
            return hop;
        }
        if let Some(file_name) = service_name.strip_suffix("@file") {
            return self.traefik_file_service_hop(hop, file_name, None);
        }
        let service_name = service_name.strip_suffix("@docker").unwrap_or(&service_name).to_owned();
        // The container holding the load-balancer service: this one when it declares it (or it is the
        // default one), else any container of the stacks declaring it (Traefik merges them by name).
        let own = svc.traefik.services.iter().find(|s| s.name == service_name);
        let default = default_name(&svc.name, &stack.project) == service_name && svc.traefik.services.is_empty();
        let (ti, tstack, tsvc, lb) = if own.is_some() || default {
            (si, stack, svc, own)
        } else {
            match self.label_service_owner(&service_name) {
                Some((i, s, v, lb)) => (i, s, v, Some(lb)),
                None => {
                    hop.status = Status::Broken(format!(
                        "no container declares Traefik service `{service_name}`: the router is not built (404)"
                    ));
                    return hop;
                }
            }
        };
        let _ = tstack;
        if let Some(url) = lb.and_then(|l| l.url.as_ref()) {
            hop.upstream = Some((url.value.clone(), url.span));
            hop.target = Target::External { address: url.value.clone() };
            return hop;
        }
        let (port, source, port_span) = match lb.and_then(|l| l.port.as_ref()) {
            Some(p) => match p.value.trim().parse::<u16>() {
                Ok(n) => (Some(n), "loadbalancer.server.port label".to_owned(), Some(p.span)),
                Err(_) => (None, format!("label `{}` is not a port", p.value), Some(p.span)),
            },
            None => {
                let ports = container_ports(self.model, tsvc);
                match ports.as_slice() {
                    [] => (None, "the image's EXPOSE".to_owned(), None),
                    [one] => (Some(*one), "the container's only port".to_owned(), port_decl_span(tsvc, *one)),
                    [first, ..] => (
                        Some(*first),
                        format!("lowest of {}", ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")),
                        port_decl_span(tsvc, *first),
                    ),
                }
            }
        };
        hop.target =
            Target::Service { stack: ti, service: tsvc.name.clone(), port, port_source: source.clone(), port_span };
        hop.status = match port {
            None => Status::Note(format!(
                "Traefik takes the lowest port the image exposes; `{}` declares none here (set loadbalancer.server.port)",
                tsvc.name
            )),
            Some(p) => {
                let guess = source
                    .starts_with("lowest of")
                    .then(|| Status::Note(format!("Traefik picks port {p}, the {source}")));
                self.listening(tsvc, p)
                    .or_else(|| Some(self.traefik_network(tstack, tsvc)).filter(Status::is_broken))
                    .or_else(|| router.and_then(|r| self.router_collision(si, stack, r)))
                    .or(guess)
                    .or_else(|| lb.and_then(|l| self.service_merge(ti, tsvc, l)))
                    .unwrap_or(Status::Ok)
            }
        };
        if let Some(p) = port {
            let inner = Request { host: String::new(), port: p, path: hop.path.clone() };
            hop.next = self.container_proxy_hops(ti, &tsvc.name, &inner, 1);
        }
        hop
    }

    /// A label-declared load-balancer service of that name in any container of the stacks.
    fn label_service_owner(&self, name: &str) -> Option<(usize, &'m Stack, &'m Service, &'m LbService)> {
        self.stacks().find_map(|(i, st)| {
            st.active_services().find_map(|s| s.traefik.services.iter().find(|l| l.name == name).map(|l| (i, st, s, l)))
        })
    }

    /// The network Traefik reaches a container on: `traefik.docker.network`, else the one it watches
    /// (`[traefik] network`, `--providers.docker.network`); the container must be attached to it. Without
    /// either, the container must share a network with a Traefik service of the stacks, when there is one.
    fn traefik_network(&self, stack: &Stack, svc: &Service) -> Status {
        let real =
            |n: &super::ServiceNetwork| stack.network(&n.name).map_or_else(|| n.name.clone(), |r| r.real_name.clone());
        let attached: Vec<String> = svc.networks.iter().map(real).collect();
        if svc.uses_host_network() {
            return Status::Ok;
        }
        let (want, from) = match &svc.traefik.network {
            Some(label) => (Some(label.value.trim().to_owned()), "its `traefik.docker.network` label"),
            None => (self.watched_network(stack), "the network Traefik watches"),
        };
        if let Some(want) = want {
            if attached.contains(&want) || svc.networks.iter().any(|n| n.name == want) {
                return Status::Ok;
            }
            return Status::Broken(format!(
                "`{}` is not attached to `{want}`, {from}: Traefik cannot reach it (504)",
                svc.name
            ));
        }
        let traefik_nets: Vec<String> = self
            .traefik_container(stack)
            .and_then(|(i, name)| {
                let st = self.model.stacks.get(i)?;
                let t = st.service(&name)?;
                Some(
                    t.networks
                        .iter()
                        .map(|n| st.network(&n.name).map_or_else(|| n.name.clone(), |r| r.real_name.clone()))
                        .collect(),
                )
            })
            .unwrap_or_default();
        if traefik_nets.is_empty() || attached.iter().any(|n| traefik_nets.contains(n)) {
            Status::Ok
        } else {
            Status::Broken(format!("`{}` shares no network with Traefik ({})", svc.name, traefik_nets.join(", ")))
        }
    }

    /// The Traefik service of the stacks, when one runs it (else Traefik runs on the host, as with
    /// Dokploy or Coolify).
    fn traefik_container(&self, near: &Stack) -> Option<(usize, String)> {
        self.traefik_at(&near.dir, Some(near))
    }

    /// The Traefik service nearest to a path (on the host of `host_of`, when given).
    fn traefik_at(&self, from: &Path, host_of: Option<&Stack>) -> Option<(usize, String)> {
        let runs =
            |st: &Stack| host_of.is_none_or(|h| self.model.same_host(st, h)) && st.active_services().any(is_traefik);
        let i = *self.nearest(from, runs).first()?;
        let svc = self.model.stacks.get(i)?.active_services().find(|s| is_traefik(s))?;
        Some((i, svc.name.clone()))
    }

    /// The network the Docker provider is told to use: `[traefik] network`, else a Traefik service's
    /// `--providers.docker.network` flag.
    fn watched_network(&self, near: &Stack) -> Option<String> {
        self.watched_network_at(near).map(|(n, _)| n)
    }

    /// The watched network and where it is set (`None` for `[traefik] network`, whose span is not kept).
    fn watched_network_at(&self, near: &Stack) -> Option<(String, Option<Span>)> {
        if let Some(n) = &self.model.host.traefik_network {
            return Some((n.clone(), None));
        }
        // The Traefik service's static configuration, else the host's Traefik (a static file no service
        // mounts) when there is one.
        let cfg = match self.traefik_container(near) {
            Some((i, name)) => self.model.traefik_static_of(i, &name)?,
            None => self.model.traefik_static.iter().find(|c| c.role == ProxyRole::Host)?,
        };
        let net = cfg.docker.as_ref()?.network.as_ref()?;
        Some((net.value.clone(), Some(net.span)))
    }

    /// Another container of a stack on the same host declaring a router of the same name with another
    /// configuration: Traefik removes both routers.
    fn router_collision(&self, si: usize, stack: &Stack, router: &Router) -> Option<Status> {
        let mine = router.rule.as_ref().map(|r| r.value.trim().to_owned());
        for (oi, other) in self.stacks() {
            if oi == si || !self.model.same_host(stack, other) {
                continue;
            }
            for svc in other.active_services().filter(|s| is_routed_by_traefik(s)) {
                if let Some(r) = svc.traefik.routers.iter().find(|r| r.name == router.name) {
                    let theirs = r.rule.as_ref().map(|r| r.value.trim().to_owned());
                    if theirs != mine || router.service.is_none() {
                        return Some(Status::Broken(format!(
                            "router `{}` is also defined by `{}/{}` with another configuration: Traefik removes both (404)",
                            router.name, other.project, svc.name
                        )));
                    }
                }
            }
        }
        None
    }

    /// A load-balancer service of the same name declared by a container of another stack: Traefik merges
    /// them and balances requests across both.
    fn service_merge(&self, si: usize, svc: &Service, lb: &LbService) -> Option<Status> {
        let stack = self.model.stacks.get(si)?;
        for (oi, other) in self.stacks() {
            if oi == si || !self.model.same_host(stack, other) {
                continue;
            }
            if let Some(o) = other.active_services().find(|s| s.traefik.services.iter().any(|l| l.name == lb.name)) {
                return Some(Status::Broken(format!(
                    "service `{}` is also declared by `{}/{}`: Traefik merges them, requests to `{}` are balanced across both",
                    lb.name, other.project, o.name, svc.name
                )));
            }
        }
        None
    }

    fn traefik_file_roots(&self, out: &mut Vec<Route>) {
        for (file, cfg) in &self.model.traefik_files {
            let traefik = self.traefik_at(self.path_of(*file), None);
            for router in &cfg.routers {
                let entry = {
                    let mut flags: Vec<String> = router.entrypoints.iter().map(|e| e.value.clone()).collect();
                    if router.tls.is_some() || router.cert_resolver.is_some() {
                        flags.push("tls".to_owned());
                    }
                    if flags.is_empty() {
                        format!("router {}@file", router.name)
                    } else {
                        format!("router {}@file ({})", router.name, flags.join(", "))
                    }
                };
                let mut domains = Vec::new();
                let mut path = None;
                let mut broken = None;
                match (&router.parsed, &router.rule) {
                    (Some(Ok(expr)), Some(rule)) => {
                        for (h, range) in expr.hosts() {
                            domains.push(Domain {
                                name: h.to_ascii_lowercase(),
                                kind: if h.contains('*') { DomainKind::Wildcard } else { DomainKind::Exact },
                                span: Some(rule_sub_span(self.model, rule.span, &rule.value, range)),
                            });
                        }
                        path = expr
                            .matchers()
                            .into_iter()
                            .find(|(m, neg)| !neg && matches!(m.name, "PathPrefix" | "Path"))
                            .and_then(|(m, _)| m.args.first().map(|a| a.value.clone()));
                        if domains.is_empty() {
                            domains.push(Domain { name: "*".to_owned(), kind: DomainKind::Any, span: Some(rule.span) });
                        }
                    }
                    (Some(Err(e)), Some(rule)) => {
                        domains.push(Domain {
                            name: rule.value.clone(),
                            kind: DomainKind::Pattern,
                            span: Some(rule.span),
                        });
                        broken = Some(format!("the rule does not parse ({}): Traefik drops the router", e.message));
                    }
                    _ => domains.push(Domain { name: "*".to_owned(), kind: DomainKind::Any, span: None }),
                }
                for domain in domains {
                    let proxy = Proxy {
                        kind: ProxyKind::Traefik,
                        container: traefik.clone(),
                        entry: entry.clone(),
                        span: router.name_span,
                    };
                    let mut hop = Hop {
                        proxy,
                        path: path.clone(),
                        upstream: None,
                        target: Target::Unresolved,
                        status: Status::Ok,
                        next: Vec::new(),
                        unmatched_host: None,
                    };
                    if let Some(b) = &broken {
                        hop.status = Status::Broken(b.clone());
                    } else if let Some(s) = &router.service {
                        hop.upstream = Some((format!("service {}", s.value), s.span));
                        let name = s.value.trim();
                        if name.ends_with("@docker") || name.ends_with("@internal") {
                            hop.target = Target::External { address: name.to_owned() };
                        } else {
                            let plain = name.strip_suffix("@file").unwrap_or(name);
                            hop = self.traefik_file_service_hop(hop, plain, Some(cfg));
                        }
                    } else {
                        hop.status = Status::Broken("the router names no service".to_owned());
                    }
                    out.push(Route { domain, dns: Dns::NotChecked, hops: vec![hop] });
                }
            }
        }
    }

    /// Follows a file-provider service's first server URL to the container it names.
    fn traefik_file_service_hop(
        &self,
        mut hop: Hop,
        name: &str,
        prefer: Option<&crate::sources::traefik::file::DynamicConfig>,
    ) -> Hop {
        let found = prefer
            .and_then(|c| c.services.iter().find(|s| s.name == name))
            .or_else(|| self.model.traefik_files.iter().find_map(|(_, c)| c.services.iter().find(|s| s.name == name)));
        let Some(service) = found else {
            hop.status = Status::Broken(format!("no file-provider service `{name}`: the router is not built (404)"));
            return hop;
        };
        let Some(url) = service.urls.first() else {
            hop.status = Status::Broken(format!("file-provider service `{name}` has no server URL"));
            return hop;
        };
        hop.upstream = Some((url.value.clone(), url.span));
        let Some(u) = crate::rules::common::parse_url(url.value.trim()) else {
            hop.target = Target::External { address: url.value.clone() };
            return hop;
        };
        let default = if u.scheme.eq_ignore_ascii_case("https") { 443 } else { 80 };
        let port = u.port.and_then(|p| p.parse().ok()).or(Some(default));
        match self.container_named(u.host) {
            Some((si, svc, how)) => {
                hop.target = Target::Service {
                    stack: si,
                    service: svc.name.clone(),
                    port,
                    port_source: "written in the URL".to_owned(),
                    port_span: Some(url.span),
                };
                hop.status = port.and_then(|p| self.listening(svc, p)).unwrap_or(how);
                if let Some(p) = port {
                    let inner = Request { host: String::new(), port: p, path: hop.path.clone() };
                    hop.next = self.container_proxy_hops(si, &svc.name, &inner, 1);
                }
            }
            None if is_ip(u.host) || u.host.contains('.') => {
                hop.target = Target::External { address: format!("{}:{}", u.host, port.unwrap_or(default)) };
            }
            None => {
                hop.target = Target::Unresolved;
                hop.status =
                    Status::Broken(format!("no container is named `{}` under the project names in use", u.host));
            }
        }
        hop
    }

    /// The container a Docker DNS name reaches from outside its project: `container_name`, the generated
    /// `<project>-<service>-<n>` (or v1's `<project>_<service>_<n>`), or a service name / alias on a
    /// shared external network.
    fn container_named(&self, host: &str) -> Option<(usize, &'m Service, Status)> {
        for (si, stack) in self.stacks() {
            for svc in stack.active_services() {
                if svc.container_name.as_ref().is_some_and(|c| c.value == host) {
                    return Some((si, svc, Status::Ok));
                }
                for sep in ['-', '_'] {
                    let prefix = format!("{}{sep}{}{sep}", stack.project, svc.name);
                    if host
                        .strip_prefix(&prefix)
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                    {
                        return Some((si, svc, Status::Ok));
                    }
                }
            }
        }
        for (si, stack) in self.stacks() {
            for svc in stack.active_services() {
                let external = svc.networks.iter().any(|n| stack.network(&n.name).is_some_and(|r| r.external));
                let aliased = svc.networks.iter().any(|n| n.aliases.iter().any(|a| a.value == host));
                if external && (svc.name == host || aliased) {
                    return Some((
                        si,
                        svc,
                        Status::Note(format!(
                            "reached by its name on a shared network (every project's `{host}` answers)"
                        )),
                    ));
                }
            }
        }
        None
    }

    // ------------------------------------------------------------------ shared

    /// Resolves `host:port` as seen by a proxy: the host's loopback reaches published ports; a name
    /// inside a container reaches the compose services of its networks.
    fn dial(&self, role: &ProxyRole, from: &Path, host: &str, port: Option<u16>, written: &str) -> (Target, Status) {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        match role {
            ProxyRole::Host => {
                if is_local_host(host) || self.is_public_ip(host) {
                    let Some(port) = port else {
                        return (Target::Unresolved, Status::Broken("no port".to_owned()));
                    };
                    return self.published(port, from);
                }
                if let Some((si, svc)) = self.service_near(host, from) {
                    // No service mounts or copies this file, so it is taken for the host's; a container
                    // on the stack's network would resolve the name.
                    let target = Target::Service {
                        stack: si,
                        service: svc.name.clone(),
                        port,
                        port_source: written.to_owned(),
                        port_span: None,
                    };
                    let status = port.and_then(|p| self.listening(svc, p)).unwrap_or_else(|| {
                        Status::Note(format!(
                            "`{host}` is a compose service name: only a container on its network resolves it, and no service mounts or copies this file"
                        ))
                    });
                    return (target, status);
                }
                (Target::External { address: join_host_port(host, port) }, Status::Ok)
            }
            ProxyRole::Container { stack, service } => {
                let Some(st) = self.model.stacks.get(*stack) else { return (Target::Unresolved, Status::Ok) };
                if is_local_host(host) {
                    return (
                        Target::Unresolved,
                        Status::Broken(format!("`{host}` inside the `{service}` container is that container itself")),
                    );
                }
                if host == "host.docker.internal" || host == "172.17.0.1" {
                    return match port {
                        Some(p) => self.published(p, &st.dir),
                        None => (Target::Unresolved, Status::Broken("no port".to_owned())),
                    };
                }
                let found = st
                    .active_services()
                    .find(|s| s.name == host || s.container_name.as_ref().is_some_and(|c| c.value == host))
                    .or_else(|| {
                        st.active_services()
                            .find(|s| s.networks.iter().any(|n| n.aliases.iter().any(|a| a.value == host)))
                    });
                let found = match found {
                    Some(s) => Some((*stack, s, Status::Ok)),
                    None => self.container_named(host),
                };
                match found {
                    Some((si, svc, how)) => {
                        let target = Target::Service {
                            stack: si,
                            service: svc.name.clone(),
                            port,
                            port_source: written.to_owned(),
                            port_span: None,
                        };
                        let status = port.and_then(|p| self.listening(svc, p)).unwrap_or(how);
                        (target, status)
                    }
                    None if is_ip(host) || host.contains('.') => {
                        (Target::External { address: join_host_port(host, port) }, Status::Ok)
                    }
                    None => (
                        Target::Unresolved,
                        Status::Broken(format!(
                            "no service, alias or container is named `{host}` in project `{}`",
                            st.project
                        )),
                    ),
                }
            }
        }
    }

    /// The service publishing a host port (a host proxy dialling 127.0.0.1:PORT), among the stacks
    /// nearest to the proxy's file (the same repository).
    fn published(&self, port: u16, from: &Path) -> (Target, Status) {
        let mut found: Vec<(usize, &Service, &super::Port)> = Vec::new();
        let publishing = |st: &Stack| {
            st.active_services()
                .any(|v| v.ports.iter().any(|p| p.protocol == "tcp" && p.fixed_host_port() == Some(port)))
        };
        let near = self.nearest(from, publishing);
        for (si, stack) in self.stacks().filter(|(i, _)| near.contains(i)) {
            for svc in stack.active_services() {
                for p in &svc.ports {
                    if p.protocol == "tcp" && p.fixed_host_port() == Some(port) {
                        found.push((si, svc, p));
                    }
                }
            }
        }
        match found.as_slice() {
            [] => match self.model.host.reserved_ports.iter().find(|r| r.port == port) {
                Some(r) => (Target::HostService { port, holder: r.holder.clone() }, Status::Ok),
                None => (Target::Unresolved, Status::Broken(format!("no service publishes host port {port}"))),
            },
            [(si, svc, p), rest @ ..] => {
                let target = Target::Service {
                    stack: *si,
                    service: svc.name.clone(),
                    port: Some(p.target),
                    port_source: format!("published as {port}"),
                    port_span: Some(p.span),
                };
                let same_stack: Vec<&str> =
                    rest.iter().filter(|(j, _, _)| j == si).map(|(_, v, _)| v.name.as_str()).collect();
                let status = if !same_stack.is_empty() {
                    Status::Broken(format!(
                        "host port {port} is published by `{}` and `{}`: only one can bind it",
                        svc.name,
                        same_stack.join("`, `")
                    ))
                } else if let Some((j, other, _)) = rest.first() {
                    let project = self.model.stacks.get(*j).map_or("", |st| st.project.as_str());
                    self.listening(svc, p.target).unwrap_or_else(|| {
                        Status::Note(format!("`{project}/{}` publishes host port {port} too", other.name))
                    })
                } else {
                    self.listening(svc, p.target).unwrap_or(Status::Ok)
                };
                (target, status)
            }
        }
    }

    /// Broken when the app is known to listen elsewhere.
    fn listening(&self, svc: &Service, port: u16) -> Option<Status> {
        let l = listen_ports(self.model, svc)?;
        if l.ports.contains(&port) {
            return None;
        }
        let list = l.ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
        Some(Status::Broken(format!("`{}` listens on {list} ({}), not {port}", svc.name, l.why)))
    }

    /// A proxy configuration run by this service continues the route.
    fn container_proxy_hops(&self, stack: usize, service: &str, req: &Request, depth: usize) -> Vec<Hop> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        let role = ProxyRole::Container { stack, service: service.to_owned() };
        let mut out = Vec::new();
        for cfg in self.model.nginx.iter().filter(|c| c.role == role) {
            if let Some(server) = select_server(&cfg.model.servers, req) {
                let mut hops = self.nginx_server_hops(cfg, server, req, depth);
                let matched = server.names.iter().any(|n| name_matches(n, &req.host));
                if !matched && !req.host.is_empty() {
                    for h in &mut hops {
                        h.unmatched_host = Some(req.host.clone());
                        if h.status == Status::Ok {
                            h.status = Status::Note(format!(
                                "Host `{}` matches no server_name: the default server of port {} answers",
                                req.host, req.port
                            ));
                        }
                    }
                }
                out.extend(hops);
            }
        }
        for cfg in self.model.caddy.iter().filter(|c| c.role == role) {
            let site = cfg
                .model
                .sites
                .iter()
                .find(|s| {
                    s.addresses.iter().any(|a| a.listen_port == req.port && a.host.eq_ignore_ascii_case(&req.host))
                })
                .or_else(|| cfg.model.sites.iter().find(|s| s.catch_all_on(req.port)));
            if let Some(site) = site {
                out.extend(self.caddy_site_hops(cfg, site, &role, req, depth));
            }
        }
        out
    }

    /// A service of that name in the stacks nearest to a file.
    fn service_near(&self, name: &str, from: &Path) -> Option<(usize, &'m Service)> {
        let near = self.nearest(from, |st| st.service(name).is_some_and(|s| s.active));
        near.first().and_then(|i| Some((*i, self.model.stacks.get(*i)?.service(name)?)))
    }

    /// The stacks passing `keep` whose directory shares the longest path prefix with `from` (the same
    /// repository, the same project directory), in model order.
    fn nearest(&self, from: &Path, keep: impl Fn(&Stack) -> bool) -> Vec<usize> {
        let from = std::path::absolute(from).unwrap_or_else(|_| from.to_path_buf());
        let scored: Vec<(usize, usize)> = self
            .stacks()
            .filter(|(_, st)| keep(st))
            .map(|(i, st)| {
                let dir = std::path::absolute(&st.dir).unwrap_or_else(|_| st.dir.clone());
                (i, dir.components().zip(from.components()).take_while(|(a, b)| a == b).count())
            })
            .collect();
        let best = scored.iter().map(|(_, n)| *n).max().unwrap_or(0);
        scored.into_iter().filter(|(_, n)| *n == best).map(|(i, _)| i).collect()
    }

    fn path_of(&self, file: crate::source::FileId) -> &'m Path {
        self.model.db.get(file).map_or(Path::new("."), |f| f.path.as_path())
    }

    fn is_public_ip(&self, host: &str) -> bool {
        self.model.dns.expect_v4.iter().any(|ip| ip.to_string() == host)
            || self.model.dns.expect_v6.iter().any(|ip| ip.to_string() == host)
    }
}

/// What DNS says about a domain: its records (zone file, inline records) followed through CNAMEs, and
/// whether they point at this host (`[host] public_ip(v6)`, `--expect-ip`). A record set entirely inside a
/// CDN's ranges is the CDN proxying for the host, not "elsewhere".
pub fn lookup(model: &StackModel, name: &str) -> Dns {
    if !name.contains('.') || is_ip(name) || name.contains('*') {
        return Dns::NotChecked;
    }
    if model.dns.mode == crate::config::DnsMode::Off {
        return Dns::NotChecked;
    }
    if let Some(failure) = model.dns.live_lookup(name).and_then(|l| l.failure()) {
        return Dns::Unverifiable { reason: format!("the live lookup failed: {failure}") };
    }
    let Some(zone) = model.dns.records() else { return Dns::NotChecked };
    let r = zone.resolve(name);
    if r.looped {
        return Dns::Unverifiable { reason: "the CNAME chain loops".to_owned() };
    }
    if let Some(out) = &r.leaves_zone {
        return Dns::Unverifiable { reason: format!("the CNAME chain leaves the records at `{out}`") };
    }
    let addresses: Vec<(String, Option<Span>)> =
        r.a.iter()
            .chain(&r.aaaa)
            .filter_map(|i| zone.records.get(*i))
            .map(|rec| (rdata_text(&rec.data), rec.span))
            .collect();
    if addresses.is_empty() {
        return Dns::Missing;
    }
    let via = r.chain.iter().filter_map(|i| zone.records.get(*i)).map(|rec| rec.span).collect();
    let status = match elsewhere(model, &addresses) {
        Some(bad) => Status::Broken(format!("points at {} (not this host)", bad.join(", "))),
        None => Status::Ok,
    };
    Dns::Addresses { addresses, via, status }
}

/// The addresses of a record set that miss the host: for each family with an expected address, the
/// family's addresses when none of them is expected (and they are not a CDN's). None when all is well.
pub fn elsewhere(model: &StackModel, addresses: &[(String, Option<Span>)]) -> Option<Vec<String>> {
    let ips: Vec<std::net::IpAddr> = addresses.iter().filter_map(|(a, _)| a.parse().ok()).collect();
    let mut bad = Vec::new();
    let v4: Vec<std::net::IpAddr> = ips.iter().copied().filter(std::net::IpAddr::is_ipv4).collect();
    let v6: Vec<std::net::IpAddr> = ips.iter().copied().filter(std::net::IpAddr::is_ipv6).collect();
    let expect = &model.dns;
    let family = |got: &[std::net::IpAddr], want: &[std::net::IpAddr], bad: &mut Vec<String>| {
        if want.is_empty() || got.is_empty() || got.iter().any(|ip| want.contains(ip)) {
            return;
        }
        if got.iter().all(|ip| crate::knowledge::cdn::cdn_of(*ip).is_some()) {
            return;
        }
        bad.extend(got.iter().map(std::string::ToString::to_string));
    };
    let want4: Vec<std::net::IpAddr> = expect.expect_v4.iter().map(|i| std::net::IpAddr::V4(*i)).collect();
    let want6: Vec<std::net::IpAddr> = expect.expect_v6.iter().map(|i| std::net::IpAddr::V6(*i)).collect();
    family(&v4, &want4, &mut bad);
    family(&v6, &want6, &mut bad);
    (!bad.is_empty()).then_some(bad)
}

fn rdata_text(d: &crate::sources::dns::RData) -> String {
    use crate::sources::dns::RData;
    match d {
        RData::A(ip) => ip.to_string(),
        RData::Aaaa(ip) => ip.to_string(),
        RData::Cname(t) | RData::Other(t) => t.clone(),
        RData::Caa { value, .. } => value.clone(),
    }
}

fn container_of(role: &ProxyRole) -> Option<(usize, String)> {
    match role {
        ProxyRole::Host => None,
        ProxyRole::Container { stack, service } => Some((*stack, service.clone())),
    }
}

fn is_traefik(svc: &Service) -> bool {
    svc.image
        .as_ref()
        .and_then(|i| crate::model::image::ImageRef::parse(i.as_str()))
        .is_some_and(|i| i.base_name() == "traefik")
}

/// Services Traefik routes by their labels: `traefik.enable=true`, or routers/services declared without
/// `traefik.enable=false`.
pub fn is_routed_by_traefik(svc: &Service) -> bool {
    let t = &svc.traefik;
    match t.enable {
        Some((false, _)) => false,
        Some((true, _)) => t.tcp_or_udp.is_none() || !t.routers.is_empty(),
        None => !t.routers.is_empty() || !t.services.is_empty(),
    }
}

/// Every pass of a server with the location it sits in (`None`: written at server level).
fn passes(server: &Server) -> Vec<(Option<&Location>, &Pass)> {
    fn walk<'a>(locs: &'a [Location], out: &mut Vec<(Option<&'a Location>, &'a Pass)>) {
        for l in locs {
            out.extend(l.passes.iter().filter(|p| !p.in_if || l.passes.len() == 1).map(|p| (Some(l), p)));
            walk(&l.locations, out);
        }
    }
    let mut out: Vec<(Option<&Location>, &Pass)> = server.passes.iter().map(|p| (None, p)).collect();
    walk(&server.locations, &mut out);
    out
}

fn location_text(l: &Location) -> String {
    use crate::sources::nginx::model::Modifier;
    let m = match l.modifier {
        Modifier::Prefix | Modifier::Named => "",
        Modifier::Exact => "= ",
        Modifier::PrefixNoRegex => "^~ ",
        Modifier::Regex => "~ ",
        Modifier::RegexCaseless => "~* ",
    };
    format!("{m}{}", l.path.value)
}

/// The domains a server answers for, as map entries (`_` and the empty name are "any host" only when
/// the server is the only one, or the default, on its socket: shown as `_`).
fn server_domains(server: &Server) -> Vec<Domain> {
    let mut out = Vec::new();
    for n in &server.names {
        let kind = match n.kind {
            NameKind::Exact if n.name.value == "_" || n.name.value.is_empty() => continue,
            NameKind::Exact => DomainKind::Exact,
            NameKind::LeadingWildcard | NameKind::TrailingWildcard | NameKind::Suffix => DomainKind::Wildcard,
            NameKind::Regex => DomainKind::Pattern,
            NameKind::Empty => continue,
        };
        out.push(Domain { name: n.name.value.to_ascii_lowercase(), kind, span: Some(n.name.span) });
    }
    if out.is_empty() {
        let span = server.names.first().map_or(server.span, |n| n.name.span);
        out.push(Domain { name: "_".to_owned(), kind: DomainKind::Any, span: Some(span) });
    }
    out
}

/// The port a server listens on: the first `listen`'s; without one nginx (run as root, as in the
/// official image) listens on 80.
fn listen_port(server: &Server) -> u16 {
    server.listens.iter().find_map(|l| l.port).unwrap_or(80)
}

fn server_entry(server: &Server) -> String {
    let mut parts = Vec::new();
    for l in &server.listens {
        let mut s = match (&l.host, l.port) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (None, Some(p)) => format!(":{p}"),
            (Some(h), None) => h.clone(),
            (None, None) => l.address.value.clone(),
        };
        if l.ssl {
            s.push_str(" ssl");
        }
        if !parts.contains(&s) {
            parts.push(s);
        }
    }
    if parts.is_empty() {
        parts.push(format!(":{}", listen_port(server)));
    }
    format!("server {}", parts.join(" "))
}

/// Does the location (or its server, or `http`) send the client's Host (`proxy_set_header Host $host`)?
/// nginx's default is `$proxy_host`, the host written in `proxy_pass`. Array directives are inherited
/// all-or-nothing: the nearest level with any `proxy_set_header` decides.
fn nginx_forwards_host(cfg: &NginxConfig, server: &Server, loc: Option<&Location>) -> bool {
    let levels = [loc.map(|l| &l.headers), Some(&server.headers), Some(&cfg.model.http)];
    for h in levels.into_iter().flatten() {
        if h.proxy_set_header.is_empty() {
            continue;
        }
        return h.proxy_set_header.iter().any(|hd| {
            hd.name.value.eq_ignore_ascii_case("host") && matches!(hd.value.value.as_str(), "$host" | "$http_host")
        });
    }
    false
}

/// nginx's server selection for a request on a port: exact name, wildcard names, then the default
/// server (`default_server`, else the first on the port).
fn select_server<'a>(servers: &'a [Server], req: &Request) -> Option<&'a Server> {
    let on_port: Vec<&Server> =
        servers
            .iter()
            .filter(|s| {
                if s.listens.is_empty() { req.port == 80 } else { s.listens.iter().any(|l| l.port == Some(req.port)) }
            })
            .collect();
    let host = req.host.to_ascii_lowercase();
    let host = host.split(':').next().unwrap_or("");
    on_port
        .iter()
        .find(|s| s.names.iter().any(|n| n.kind == NameKind::Exact && n.name.value.eq_ignore_ascii_case(host)))
        .or_else(|| on_port.iter().find(|s| s.names.iter().any(|n| name_matches(n, host))))
        .or_else(|| on_port.iter().find(|s| s.listens.iter().any(|l| l.port == Some(req.port) && l.default_server)))
        .or_else(|| on_port.first())
        .copied()
}

fn name_matches(n: &crate::sources::nginx::model::ServerName, host: &str) -> bool {
    let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
    let name = n.name.value.to_ascii_lowercase();
    match n.kind {
        NameKind::Exact => name == host,
        NameKind::LeadingWildcard => name.strip_prefix('*').is_some_and(|s| host.ends_with(s)),
        NameKind::TrailingWildcard => name.strip_suffix('*').is_some_and(|p| host.starts_with(p)),
        NameKind::Suffix => name.strip_prefix('.').is_some_and(|s| host == s || host.ends_with(&format!(".{s}"))),
        NameKind::Regex | NameKind::Empty => false,
    }
}

/// The span of the text where a port is declared for a service (`expose:` entry or `ports:` mapping).
fn port_decl_span(svc: &Service, port: u16) -> Option<Span> {
    svc.expose
        .iter()
        .find(|e| crate::rules::common::expose_port(&e.value) == Some(port))
        .map(|e| e.span)
        .or_else(|| svc.ports.iter().find(|p| p.target == port).map(|p| p.span))
}

fn rule_sub_span(model: &StackModel, span: Span, value: &str, range: crate::sources::traefik::rule::Range) -> Span {
    crate::sources::traefik::sub_span(&model.db, span, value, range)
}

fn is_local_host(h: &str) -> bool {
    let h = h.trim_start_matches('[').trim_end_matches(']');
    h == "localhost" || h.starts_with("127.") || h == "::1" || h == "0.0.0.0"
}

fn is_ip(h: &str) -> bool {
    h.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().is_ok()
}

fn join_host_port(host: &str, port: Option<u16>) -> String {
    match port {
        Some(p) if host.contains(':') => format!("[{host}]:{p}"),
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}
