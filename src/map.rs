//! `stackcheck map`: the routing graph of the model ([`crate::model::routes`]) as an aligned text table,
//! as JSON, or as a Mermaid flowchart. Broken edges are shown with their reason. Secrets are masked
//! (an upstream URL may carry credentials).
use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::model::StackModel;
use crate::model::routes::{Dns, DomainKind, Hop, Proxy, Route, Status, Target};
use crate::report::locate;
use crate::secret::{SecretSet, mask_url_passwords};
use crate::source::Span;

fn clean(s: &str, secrets: &SecretSet) -> String {
    mask_url_passwords(&secrets.scrub(s)).into_owned()
}

fn proxy_text(model: &StackModel, p: &Proxy) -> String {
    let role = match &p.container {
        None => "host".to_owned(),
        Some((stack, service)) => match model.stacks.get(*stack) {
            Some(s) if model.stacks.iter().filter(|o| o.loaded && !o.fragment).count() > 1 => {
                format!("{}/{service}", s.name)
            }
            _ => service.clone(),
        },
    };
    format!("{} ({role}) {}", p.kind.as_str(), p.entry)
}

fn service_text(model: &StackModel, stack: usize, service: &str) -> String {
    match model.stacks.get(stack) {
        Some(s) if model.stacks.iter().filter(|o| o.loaded && !o.fragment).count() > 1 => {
            format!("{}/{service}", s.name)
        }
        _ => service.to_owned(),
    }
}

fn dns_text(dns: &Dns) -> String {
    match dns {
        Dns::NotChecked => "-".to_owned(),
        Dns::Addresses { addresses, .. } => addresses.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>().join(", "),
        Dns::Unverifiable { .. } => "unverifiable".to_owned(),
        Dns::Missing => "no record".to_owned(),
    }
}

fn status_text(s: &Status) -> String {
    match s {
        Status::Ok => "ok".to_owned(),
        Status::Note(r) => format!("note: {r}"),
        Status::Broken(r) => format!("broken: {r}"),
    }
}

fn target_cells(model: &StackModel, t: &Target) -> (String, String) {
    match t {
        Target::Service { stack, service, port, port_source, .. } => (
            service_text(model, *stack, service),
            match port {
                Some(p) => format!("{p} ({port_source})"),
                None => "?".to_owned(),
            },
        ),
        Target::HostService { port, holder } => (format!("host: {holder}"), port.to_string()),
        Target::External { address } => (format!("external {address}"), String::new()),
        Target::Local => ("(served by the proxy)".to_owned(), String::new()),
        Target::Unresolved => ("✗".to_owned(), String::new()),
    }
}

/// Rows of the table being built.
struct Table<'a> {
    model: &'a StackModel,
    secrets: &'a SecretSet,
    rows: Vec<[String; 8]>,
}

impl Table<'_> {
    /// One row per hop; the first row of a route carries the domain, its DNS and (when the hop itself
    /// is fine) the DNS status.
    fn walk(&mut self, route: &Route, hop: &Hop, depth: usize, dns_status: Option<&str>) {
        let first = dns_status.is_some();
        let indent = if depth == 0 { String::new() } else { format!("{}└ ", "  ".repeat(depth - 1)) };
        let (service, port) = target_cells(self.model, &hop.target);
        let status = match (dns_status, &hop.status) {
            (Some(d), Status::Ok) if !d.is_empty() => d.to_owned(),
            _ => status_text(&hop.status),
        };
        self.rows.push([
            if first { route.domain.name.clone() } else { String::new() },
            if first { dns_text(&route.dns) } else { String::new() },
            format!("{indent}{}", proxy_text(self.model, &hop.proxy)),
            hop.path.clone().unwrap_or_default(),
            hop.upstream.as_ref().map(|(u, _)| clean(u, self.secrets)).unwrap_or_default(),
            service,
            port,
            clean(&status, self.secrets),
        ]);
        for n in &hop.next {
            self.walk(route, n, depth + 1, None);
        }
    }
}

/// The aligned text table: one row per hop, hops of a proxy inside a container indented under the
/// hop that reaches it.
pub fn table(model: &StackModel, secrets: &SecretSet) -> String {
    let header = ["DOMAIN", "DNS", "PROXY", "PATH", "UPSTREAM", "SERVICE", "PORT", "STATUS"];
    let mut t = Table { model, secrets, rows: Vec::new() };
    for route in &model.routes.routes {
        let dns_status = match &route.dns {
            Dns::Addresses { status: s @ Status::Broken(_), .. } => status_text(s),
            Dns::Missing => "broken: no A/AAAA record".to_owned(),
            Dns::Unverifiable { reason } => format!("note: {reason}"),
            _ => String::new(),
        };
        for (i, hop) in route.hops.iter().enumerate() {
            t.walk(route, hop, 0, (i == 0).then_some(dns_status.as_str()));
        }
    }
    let rows = t.rows;
    if rows.is_empty() {
        return "no routes: no proxy configuration (host nginx, Caddyfile, Traefik labels or files) was found\n"
            .to_owned();
    }
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: &[String], out: &mut String| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(widths.iter()).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(w - c.chars().count() + 2));
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&header.map(str::to_owned), &mut out);
    for r in &rows {
        line(r, &mut out);
    }
    let broken = model.routes.routes.iter().filter(|r| r.status().is_broken()).count();
    let _ = writeln!(
        out,
        "\n{} route{}, {broken} broken",
        model.routes.routes.len(),
        if model.routes.routes.len() == 1 { "" } else { "s" }
    );
    out
}

fn at(model: &StackModel, span: Span) -> Value {
    let l = locate(&model.db, span);
    json!({ "path": l.path, "line": l.line, "column": l.column })
}

fn status_json(s: &Status) -> (&'static str, Option<&str>) {
    match s {
        Status::Ok => ("ok", None),
        Status::Note(r) => ("note", Some(r)),
        Status::Broken(r) => ("broken", Some(r)),
    }
}

fn hop_json(model: &StackModel, secrets: &SecretSet, h: &Hop) -> Value {
    let (status, reason) = status_json(&h.status);
    let target = match &h.target {
        Target::Service { stack, service, port, port_source, port_span } => json!({
            "kind": "service",
            "stack": model.stacks.get(*stack).map(|s| s.name.clone()),
            "project": model.stacks.get(*stack).map(|s| s.project.clone()),
            "service": service,
            "port": port,
            "port_source": port_source,
            "port_at": port_span.map(|s| at(model, s)),
        }),
        Target::HostService { port, holder } => json!({ "kind": "host-service", "port": port, "holder": holder }),
        Target::External { address } => json!({ "kind": "external", "address": clean(address, secrets) }),
        Target::Local => json!({ "kind": "local" }),
        Target::Unresolved => json!({ "kind": "unresolved" }),
    };
    json!({
        "proxy": {
            "kind": h.proxy.kind.as_str(),
            "role": if h.proxy.container.is_some() { "container" } else { "host" },
            "service": h.proxy.container.as_ref().map(|(_, s)| s.clone()),
            "entry": h.proxy.entry,
            "at": at(model, h.proxy.span),
        },
        "path": h.path,
        "upstream": h.upstream.as_ref().map(|(u, s)| json!({ "text": clean(u, secrets), "at": at(model, *s) })),
        "target": target,
        "status": status,
        "reason": reason.map(|r| clean(r, secrets)),
        "next": h.next.iter().map(|n| hop_json(model, secrets, n)).collect::<Vec<_>>(),
    })
}

/// The graph as JSON: `{"routes": [{domain, kind, at, dns, status, reason, hops: [...]}]}`.
pub fn json(model: &StackModel, secrets: &SecretSet) -> Value {
    let routes: Vec<Value> = model
        .routes
        .routes
        .iter()
        .map(|r| {
            let dns = match &r.dns {
                Dns::NotChecked => json!({ "status": "not-checked" }),
                Dns::Addresses { addresses, via, status } => {
                    let (st, reason) = status_json(status);
                    json!({
                        "status": st,
                        "reason": reason,
                        "addresses": addresses.iter().map(|(a, s)| json!({ "address": a, "at": s.map(|s| at(model, s)) })).collect::<Vec<_>>(),
                        "via": via.iter().map(|s| s.map(|s| at(model, s))).collect::<Vec<_>>(),
                    })
                }
                Dns::Unverifiable { reason } => json!({ "status": "unverifiable", "reason": reason }),
                Dns::Missing => json!({ "status": "missing" }),
            };
            let status = r.status();
            let (st, reason) = status_json(&status);
            json!({
                "domain": r.domain.name,
                "kind": match r.domain.kind {
                    DomainKind::Exact => "exact",
                    DomainKind::Wildcard => "wildcard",
                    DomainKind::Pattern => "pattern",
                    DomainKind::Any => "any",
                },
                "at": r.domain.span.map(|s| at(model, s)),
                "dns": dns,
                "status": st,
                "reason": reason.map(|r| clean(r, secrets)),
                "hops": r.hops.iter().map(|h| hop_json(model, secrets, h)).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "routes": routes })
}

/// Escapes a label for a Mermaid `["..."]` node or `|"..."|` edge.
fn mm(s: &str) -> String {
    s.replace('&', "#amp;").replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;").replace('`', "#96;")
}

/// A Mermaid flowchart being built: nodes deduplicated by key, edges in order.
struct Mermaid<'a> {
    model: &'a StackModel,
    secrets: &'a SecretSet,
    ids: HashMap<String, String>,
    nodes: String,
    edges: Vec<String>,
}

impl Mermaid<'_> {
    fn node(&mut self, key: String, label: &str, shape: (&str, &str)) -> String {
        if let Some(id) = self.ids.get(&key) {
            return id.clone();
        }
        let id = format!("n{}", self.ids.len());
        let _ = writeln!(self.nodes, "    {id}{}\"{}\"{}", shape.0, mm(label), shape.1);
        self.ids.insert(key, id.clone());
        id
    }

    fn edge(&mut self, from: &str, to: &str, label: &str, status: &Status) {
        let arrow = if status.is_broken() { "-.->" } else { "-->" };
        let text = match status {
            Status::Broken(r) if label.is_empty() => format!("✗ {r}"),
            Status::Broken(r) => format!("{label} ✗ {r}"),
            _ => label.to_owned(),
        };
        let e = if text.is_empty() {
            format!("    {from} {arrow} {to}")
        } else {
            format!("    {from} {arrow}|\"{}\"| {to}", mm(&text))
        };
        if !self.edges.contains(&e) {
            self.edges.push(e);
        }
    }

    fn hop(&mut self, from: &str, h: &Hop) {
        let p = self.node(format!("proxy:{:?}", h.proxy.span), &proxy_text(self.model, &h.proxy), ("[", "]"));
        self.edge(from, &p, h.path.as_deref().unwrap_or(""), &Status::Ok);
        let upstream = h.upstream.as_ref().map(|(u, _)| clean(u, self.secrets)).unwrap_or_default();
        let t = match &h.target {
            Target::Service { stack, service, .. } => {
                let name = service_text(self.model, *stack, service);
                self.node(format!("svc:{stack}:{service}"), &name, ("([", "])"))
            }
            Target::HostService { port, holder } => {
                self.node(format!("host:{port}"), &format!("host {holder} :{port}"), ("([", "])"))
            }
            Target::External { address } => {
                let label = clean(address, self.secrets);
                self.node(format!("ext:{address}"), &label, ("[/", "/]"))
            }
            Target::Local => return,
            Target::Unresolved => self.node(format!("x:{upstream}"), &format!("✗ {upstream}"), ("{{", "}}")),
        };
        let label = match &h.target {
            Target::Service { port: Some(port), .. } => format!(":{port}"),
            _ => upstream.clone(),
        };
        self.edge(&p, &t, &label, &h.status);
        for n in &h.next {
            self.hop(&t, n);
        }
    }
}

/// A Mermaid flowchart (`flowchart LR`): domain → DNS → proxy entries → services; broken edges dotted
/// and labelled with their reason.
pub fn mermaid(model: &StackModel, secrets: &SecretSet) -> String {
    let mut m = Mermaid { model, secrets, ids: HashMap::new(), nodes: String::new(), edges: Vec::new() };
    for r in &model.routes.routes {
        let d = m.node(format!("domain:{}", r.domain.name), &r.domain.name, ("((", "))"));
        let from = match &r.dns {
            Dns::NotChecked => d.clone(),
            other => {
                let (label, status) = match other {
                    Dns::Addresses { status, .. } => (format!("DNS {}", dns_text(other)), status.clone()),
                    Dns::Unverifiable { reason } => (format!("DNS unverifiable: {reason}"), Status::Ok),
                    _ => ("DNS: no record".to_owned(), Status::Broken("no A/AAAA record".to_owned())),
                };
                let n = m.node(format!("dns:{}", r.domain.name), &label, ("[(", ")]"));
                m.edge(&d, &n, "", &status);
                n
            }
        };
        for h in &r.hops {
            m.hop(&from, h);
        }
    }
    let mut out = String::from("flowchart LR\n");
    out.push_str(&m.nodes);
    for e in &m.edges {
        out.push_str(e);
        out.push('\n');
    }
    out
}
