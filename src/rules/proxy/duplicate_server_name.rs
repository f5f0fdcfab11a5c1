//! N406: two `server` blocks of one nginx configuration (includes expanded) on the same listen socket
//! claim the same name: nginx warns "conflicting server name" and the later one never answers it.
use std::collections::HashMap;

use crate::model::{NginxConfig, ProxyRole};
use crate::rules::prelude::*;
use crate::sources::nginx::model::{NameKind, Server};

pub static RULE: Rule = Rule {
    code: "N406",
    name: "duplicate-server-name",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/N406-duplicate-server-name.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for group in instances(model) {
        // (socket, name) → the first server's name span.
        let mut first: HashMap<(String, String), Span> = HashMap::new();
        for server in group.iter().flat_map(|c| c.model.servers.iter()).filter(|s| !s.implicit) {
            let mut reported = Vec::new();
            for socket in sockets(server) {
                for n in &server.names {
                    if n.kind == NameKind::Empty || n.name.value == "_" || n.name.value.is_empty() {
                        continue;
                    }
                    let name = n.name.value.to_ascii_lowercase();
                    match first.get(&(socket.clone(), name.clone())) {
                        Some(earlier) if *earlier != n.name.span => {
                            if reported.contains(&name) {
                                continue;
                            }
                            reported.push(name.clone());
                            out.report(
                                Finding::new(
                                    &RULE,
                                    n.name.span,
                                    format!("server name `{name}` on {socket} is claimed by an earlier server: nginx ignores it here (conflicting server name)"),
                                )
                                .label("ignored: requests for this name go to the earlier server")
                                .related(*earlier, format!("`{name}` first claimed here, on {socket}: this server answers"))
                                .help("remove the name from one of the servers, or merge the two servers"),
                            );
                        }
                        Some(_) => {}
                        None => {
                            first.insert((socket.clone(), name), n.name.span);
                        }
                    }
                }
            }
        }
    }
}

/// The configurations one nginx process loads together: each host configuration on its own (files
/// of a repository may be alternatives, `sites-available` next to `sites-enabled`); every configuration
/// mounted into one container together, in path order (the image's `include conf.d/*.conf` reads them
/// sorted).
fn instances(model: &StackModel) -> Vec<Vec<&NginxConfig>> {
    let mut out: Vec<Vec<&NginxConfig>> = Vec::new();
    let mut by_container: Vec<(&ProxyRole, Vec<&NginxConfig>)> = Vec::new();
    for cfg in &model.nginx {
        match &cfg.role {
            ProxyRole::Host => out.push(vec![cfg]),
            role => match by_container.iter_mut().find(|(r, _)| *r == role) {
                Some((_, v)) => v.push(cfg),
                None => by_container.push((role, vec![cfg])),
            },
        }
    }
    for (_, mut v) in by_container {
        v.sort_by(|a, b| model.db.path(a.root).cmp(model.db.path(b.root)));
        out.push(v);
    }
    out
}

/// The listen sockets of a server as nginx keys them (`*:80`, `127.0.0.1:8080`, `[::]:443`,
/// `unix:/run/x.sock`); a server without `listen` is on `*:80`.
fn sockets(server: &Server) -> Vec<String> {
    let mut out: Vec<String> = server
        .listens
        .iter()
        .map(|l| match (&l.unix, &l.host, l.port) {
            (Some(u), _, _) => format!("unix:{u}"),
            (None, Some(h), Some(p)) if l.ipv6 => format!("[{h}]:{p}"),
            (None, Some(h), Some(p)) => format!("{h}:{p}"),
            (None, None, Some(p)) => format!("*:{p}"),
            _ => l.address.value.clone(),
        })
        .collect();
    if server.listens.is_empty() {
        out.push("*:80".to_owned());
    }
    out.sort();
    out.dedup();
    out
}
