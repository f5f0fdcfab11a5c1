//! C118: a published or exposed container port is not the port the app listens on (known image
//! defaults, the command's `--port`/`--bind`, `PORT=`, the Dockerfile's `EXPOSE`).
use crate::knowledge::listen::{Listening, listen_ports};
use crate::rules::common::expose_port;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C118",
    name: "published-port-not-listening",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C118-published-port-not-listening.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            if svc.network_mode.is_some() {
                continue;
            }
            let mut targets: Vec<(u16, Span, bool)> = Vec::new();
            for p in &svc.ports {
                let container_part = p.raw.as_deref().map(|r| r.rsplit(':').next().unwrap_or(r));
                if p.protocol != "tcp" || container_part.is_some_and(|c| c.split('/').next().unwrap_or(c).contains('-'))
                {
                    continue;
                }
                targets.push((p.target, p.span, true));
            }
            for e in svc.expose.iter().filter(|e| e.known && !e.value.contains("udp")) {
                if let Some(port) = expose_port(&e.value) {
                    targets.push((port, e.span, false));
                }
            }
            if targets.is_empty() {
                continue;
            }
            let Some(Listening { ports: listening, why, evidence }) = listen_ports(model, svc) else { continue };
            // `expose:` is metadata: an extra exposed port next to one the app listens on is harmless.
            let any_right = targets.iter().any(|(p, _, _)| listening.contains(p));
            for (port, span, published) in targets {
                if listening.contains(&port) || env_mentions(svc, port) || (!published && any_right) {
                    continue;
                }
                let list = listening.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
                let verb = if published { "publishes" } else { "exposes" };
                let mut finding = Finding::new(
                    &RULE,
                    span,
                    format!("`{}` {verb} container port {port}, but the container listens on {list} ({why})", svc.name),
                )
                .label(format!("nothing listens on {port} in the container"))
                .help(format!(
                    "point the mapping at the port the app listens on (`HOST:{}`), or make the app listen on {port}",
                    listening.first().copied().unwrap_or(port)
                ));
                for (at, what) in &evidence {
                    finding = finding.related(*at, what.clone());
                }
                out.report(finding);
            }
        }
    }
}

/// A container env value that names this port (`SERVER_PORT=8081`, `LISTEN=:8081`): the app may be
/// configured for it in a way this rule does not read.
fn env_mentions(svc: &Service, port: u16) -> bool {
    let p = port.to_string();
    svc.environment.iter().any(|e| {
        e.value.as_deref().is_some_and(|v| {
            let v = v.trim();
            v == p || v.ends_with(&format!(":{p}")) || v.contains(&format!(":{p}/"))
        })
    })
}
