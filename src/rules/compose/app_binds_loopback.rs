//! C113: a service reached from outside its container listens on loopback only inside it.
use crate::model::Command;
use crate::rules::common::is_loopback_host;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C113",
    name: "app-binds-loopback",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C113-app-binds-loopback.md"),
    check,
};

/// Variables that set the listen address of common Node servers: Next.js standalone (`HOSTNAME`),
/// Nuxt/Nitro (`NITRO_HOST`, `NUXT_HOST`, `HOST`), and many others that read `HOST`.
const HOST_VARS: [&str; 4] = ["HOSTNAME", "HOST", "NITRO_HOST", "NUXT_HOST"];

/// Flags that take a listen address (`--host 127.0.0.1`, `-b 127.0.0.1:8000`, `--bind=localhost`).
const HOST_FLAGS: [&str; 7] = ["--host", "--hostname", "-H", "--bind", "-b", "--listen", "--addr"];

fn check(model: &StackModel, out: &mut Sink) {
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            if svc.uses_host_network() || svc.network_mode.as_ref().is_some_and(|m| m.value.starts_with("service:")) {
                continue;
            }
            let Some(reached) = reached_by(svc) else { continue };
            if let Some((what, span)) = loopback_in_command(svc.command.as_ref()) {
                out.report(finding(svc, &what, span, reached));
                continue;
            }
            for key in HOST_VARS {
                let Some(var) = svc.env(key) else { continue };
                let Some(value) = var.value.as_deref().filter(|_| var.known) else { continue };
                if is_loopback_host(value.trim()) && value.trim() != "0.0.0.0" && value.trim() != "::" {
                    out.report(finding(svc, &format!("{key}={}", value.trim()), var.value_span, reached));
                    break;
                }
            }
        }
    }
}

/// How the service is reached from outside its container, with the span that says so.
fn reached_by(svc: &Service) -> Option<(&'static str, Span)> {
    if let Some(p) = svc.ports.first() {
        return Some(("requests to its published port", p.span));
    }
    let t = &svc.traefik;
    if t.enable.is_some_and(|(on, _)| on) || (t.enable.is_none() && !t.routers.is_empty()) {
        let span = t.routers.first().map(|r| r.name_span).or(t.enable.map(|(_, s)| s))?;
        return Some(("requests from Traefik", span));
    }
    svc.expose.first().map(|e| ("requests from other containers (`expose`)", e.span))
}

/// A listen address on loopback in the command: `--host 127.0.0.1`, `--bind=localhost:8000`,
/// `runserver 127.0.0.1:8000`.
fn loopback_in_command(cmd: Option<&Command>) -> Option<(String, Span)> {
    let cmd = cmd?;
    let words: Vec<(&str, Span)> = cmd
        .items
        .iter()
        .flat_map(|t| {
            let span = t.span;
            t.as_str().split_whitespace().map(move |w| (w.trim_matches(['"', '\'']), span))
        })
        .collect();
    for (i, (w, span)) in words.iter().enumerate() {
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f, Some(v)),
            _ => (*w, None),
        };
        let value = if HOST_FLAGS.contains(&flag) {
            inline.or_else(|| words.get(i + 1).map(|(v, _)| *v))
        } else if *w == "runserver" {
            words.get(i + 1).map(|(v, _)| *v).filter(|v| !v.starts_with('-'))
        } else {
            None
        };
        let Some(value) = value else { continue };
        if loopback_address(value) {
            let shown = if *w == "runserver" { format!("runserver {value}") } else { format!("{flag} {value}") };
            return Some((shown, *span));
        }
    }
    None
}

/// `127.0.0.1`, `localhost`, `[::1]`, with an optional `:port`.
fn loopback_address(value: &str) -> bool {
    let host = if let Some(v6) = value.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else if value.matches(':').count() > 1 {
        value
    } else {
        value.split(':').next().unwrap_or("")
    };
    !host.is_empty() && is_loopback_host(host) && host != "0.0.0.0" && host != "::"
}

fn finding(svc: &Service, what: &str, span: Span, reached: (&str, Span)) -> Finding {
    Finding::new(
        &RULE,
        span,
        format!(
            "`{}` listens on loopback inside its container (`{what}`): {} never reach it",
            svc.name, reached.0
        ),
    )
    .label("loopback only")
    .related(reached.1, "reached from outside the container here")
    .help("listen on all interfaces inside the container (`0.0.0.0`); restrict who can reach it with `ports: [\"127.0.0.1:...\"]` on the host side instead")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses() {
        assert!(loopback_address("127.0.0.1"));
        assert!(loopback_address("localhost:3000"));
        assert!(loopback_address("[::1]:8000"));
        assert!(!loopback_address("0.0.0.0:8000"));
        assert!(!loopback_address("::"));
        assert!(!loopback_address("0.0.0.0"));
        assert!(!loopback_address("web"));
        assert!(!loopback_address("unix:/tmp/app.sock"));
    }
}
