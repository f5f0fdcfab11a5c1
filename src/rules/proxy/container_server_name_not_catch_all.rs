//! N402: a container nginx reached from another proxy with a Host header none of its `server_name`s
//! lists, while the server that should answer is not the default server of its port: the official
//! image's `conf.d/default.conf` (`listen 80; server_name localhost;`) is included first and answers
//! instead, with the nginx welcome page or a 404.
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::model::image::ImageRef;
use crate::model::routes::{Hop, ProxyKind};
use crate::model::{MountKind, NginxConfig, ProxyRole};
use crate::rules::prelude::*;
use crate::sources::nginx::model::Server;

pub static RULE: Rule = Rule {
    code: "N402",
    name: "container-server-name-not-catch-all",
    severity: Severity::Error,
    fix: FixAvailability::Unsafe,
    default: true,
    doc: include_str!("../../../rules/docs/N402-container-server-name-not-catch-all.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    let mut seen = HashSet::new();
    let mut hops = Vec::new();
    for r in &model.routes.routes {
        for h in &r.hops {
            walk(h, &mut hops);
        }
    }
    for h in hops {
        let (Some(host), Some((si, name))) = (&h.unmatched_host, &h.proxy.container) else { continue };
        let role = ProxyRole::Container { stack: *si, service: name.clone() };
        for cfg in model.nginx.iter().filter(|c| c.role == role) {
            let Some(server) = cfg.model.servers.iter().find(|s| !s.implicit && contains(s.span, h.proxy.span)) else {
                continue;
            };
            if !seen.insert(server.span) {
                continue;
            }
            let Some(svc) = model.stacks.get(*si).and_then(|st| st.service(name)) else { continue };
            let Some((port, mount)) = image_default_first(model, cfg, svc, server) else { continue };
            let names: Vec<&str> = server.names.iter().map(|n| n.name.value.as_str()).collect();
            let listed = if names.is_empty() { "no name".to_owned() } else { format!("`{}`", names.join(" ")) };
            let primary = server.names.first().map_or(server.span, |n| n.name.span);
            let mut f = Finding::new(
                &RULE,
                primary,
                format!(
                    "proxied requests reach `{name}` with Host `{host}`, which this server ({listed}) does not list, and the image's default.conf is the default server of port {port}: it answers them"
                ),
            )
            .label(format!("only {listed}; not the default server of port {port}"))
            .related(mount, "mounted after the image's `conf.d/default.conf` in include order (`default.conf` sorts first)")
            .help(format!(
                "make this server answer any Host: `listen {port} default_server;` and `server_name _;` (or mount the file over `/etc/nginx/conf.d/default.conf`, or have the front proxy send `proxy_set_header Host {}`)",
                names.first().copied().unwrap_or("NAME")
            ));
            if let Some(fix) = catch_all_fix(model, server, port) {
                f = f.fix(fix);
            }
            out.report(f);
        }
    }
}

fn walk<'a>(h: &'a Hop, out: &mut Vec<&'a Hop>) {
    if h.proxy.kind == ProxyKind::Nginx {
        out.push(h);
    }
    for n in &h.next {
        walk(n, out);
    }
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.file == inner.file && outer.start <= inner.start && inner.end <= outer.end
}

/// When the official image's `default.conf` comes before this server on its port: the port (80, or
/// 8080 for `nginx-unprivileged`) and the mount that puts the file in `conf.d` under a later name.
/// None when the server is `default_server`, listens elsewhere, or the image's default.conf is
/// replaced (a mount over it, over `conf.d` or over `nginx.conf`).
fn image_default_first(model: &StackModel, cfg: &NginxConfig, svc: &Service, server: &Server) -> Option<(u16, Span)> {
    if svc.build.is_some() {
        return None;
    }
    let image = ImageRef::parse(svc.image.as_ref()?.as_str())?;
    let port = match image.base_name() {
        "nginx" => 80,
        "nginx-unprivileged" => 8080,
        _ => return None,
    };
    let on_port = |s: &Server| {
        if s.listens.is_empty() { port == 80 } else { s.listens.iter().any(|l| l.port == Some(port)) }
    };
    if !on_port(server) || server.listens.iter().any(|l| l.port == Some(port) && l.default_server) {
        return None;
    }
    let replaced = |t: &str| {
        let t = t.trim_end_matches('/');
        matches!(t, "/etc/nginx" | "/etc/nginx/conf.d" | "/etc/nginx/conf.d/default.conf" | "/etc/nginx/nginx.conf")
    };
    if svc.volumes.iter().any(|m| !m.known || replaced(&m.target)) {
        return None;
    }
    let file = absolute(model.db.path(cfg.root));
    svc.volumes.iter().filter(|m| m.kind == MountKind::Bind).find_map(|m| {
        let host = absolute(m.host_path.as_deref()?);
        let rest = file.strip_prefix(&host).ok()?;
        let target = Path::new(m.target.as_str()).join(rest);
        let name = target.strip_prefix("/etc/nginx/conf.d").ok()?.to_str()?;
        (!name.contains('/') && name.ends_with(".conf") && name > "default.conf").then_some((port, m.span))
    })
}

fn absolute(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `default_server` on the server's listen of that port and `server_name _;`: the server answers every
/// Host on the port. Unsafe: it also takes requests meant for the image's default server, and the names
/// are dropped. Only when the names are written in one `server_name` directive.
fn catch_all_fix(model: &StackModel, server: &Server, port: u16) -> Option<Fix> {
    let listen = server.listens.iter().find(|l| l.port == Some(port))?;
    let mut edits = vec![Edit {
        file: listen.address.span.file,
        start: listen.address.span.end,
        end: listen.address.span.end,
        replacement: " default_server".to_owned(),
    }];
    if let (Some(first), Some(last)) = (server.names.first(), server.names.last()) {
        let (a, b) = (first.name.span, last.name.span);
        if a.file != b.file || model.db.text(a.file).get(a.start as usize..b.end as usize)?.contains(';') {
            return None;
        }
        edits.push(Edit { file: a.file, start: a.start, end: b.end, replacement: "_".to_owned() });
    }
    Some(Fix {
        title: format!("make the server the catch-all default server of port {port}"),
        applicability: Applicability::Unsafe,
        edits,
    })
}
