//! C103: a service fronted by the host's nginx publishes the proxied port on every interface.
use crate::model::{Port, ProxyRole};
use crate::rules::common::is_loopback_host;
use crate::rules::prelude::*;
use crate::sources::nginx::model::{Model, Pass};

pub static RULE: Rule = Rule {
    code: "C103",
    name: "published-port-not-loopback",
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    default: true,
    doc: include_str!("../../../rules/docs/C103-published-port-not-loopback.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for config in model.nginx.iter().filter(|c| c.role == ProxyRole::Host) {
        let Some(conf_path) = model.db.get(config.root).map(|f| without_dots(&f.path)) else { continue };
        for (port, pass_span) in loopback_ports(&config.model) {
            // The stacks this host proxy fronts: those whose project directory holds the config (a
            // repository's `deploy/nginx/site.conf`).
            for stack in
                model.stacks.iter().filter(|s| s.loaded && !s.fragment && conf_path.starts_with(without_dots(&s.dir)))
            {
                for svc in stack.active_services().filter(|s| !s.uses_host_network()) {
                    for p in svc.ports.iter().filter(|p| exposed_on(p, port)) {
                        out.report(finding(model, svc, p, port, pass_span));
                    }
                }
            }
        }
    }
}

/// A path without its `.` components: run in the stack's directory (`stackcheck .`), the stack's directory
/// is `.` while the config's path is `deploy/nginx/site.conf`, and `.` is no prefix of it.
fn without_dots(p: &std::path::Path) -> std::path::PathBuf {
    p.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect()
}

/// Ports the config proxies to on this machine's loopback: `proxy_pass http://127.0.0.1:P` (and the
/// other `*_pass` directives), directly or through an `upstream` block, each with the directive's span.
fn loopback_ports(m: &Model) -> Vec<(u16, Span)> {
    let mut out = Vec::new();
    let mut passes: Vec<&Pass> = Vec::new();
    for server in &m.servers {
        passes.extend(&server.passes);
        let mut stack: Vec<_> = server.locations.iter().collect();
        while let Some(l) = stack.pop() {
            passes.extend(&l.passes);
            stack.extend(&l.locations);
        }
    }
    for pass in passes {
        let t = &pass.parsed;
        if t.has_variables || t.unix.is_some() {
            continue;
        }
        let Some(host) = t.host.as_deref() else { continue };
        if is_loopback_host(host) && host != "0.0.0.0" {
            let default = if t.scheme.as_deref() == Some("https") { 443 } else { 80 };
            out.push((t.port.unwrap_or(default), pass.span));
        } else if let Some(up) = m.upstreams.iter().find(|u| u.name.value == host) {
            for s in &up.servers {
                if let (Some(h), Some(p)) = (s.host.as_deref(), s.port)
                    && is_loopback_host(h)
                    && h != "0.0.0.0"
                {
                    out.push((p, s.span));
                }
            }
        }
    }
    out.sort_by_key(|(p, s)| (*p, s.start));
    out.dedup_by_key(|(p, _)| *p);
    out
}

/// Does this entry publish host port `port` on an address other than loopback?
fn exposed_on(p: &Port, port: u16) -> bool {
    let covers = matches!(p.published, Some((a, b)) if a <= port && port <= b);
    covers && !p.is_loopback() && p.protocol == "tcp"
}

fn finding(model: &StackModel, svc: &Service, p: &Port, port: u16, pass_span: Span) -> Finding {
    let mut f = Finding::new(
        &RULE,
        p.span,
        format!(
            "`{}` publishes port {port} on all interfaces, but the host nginx reaches it on 127.0.0.1: the app is also open directly, without TLS or the proxy",
            svc.name
        ),
    )
    .label(format!("{} listens on every address of the host", p.host_ip_or_default()))
    .related(pass_span, "the host nginx proxies to it on loopback")
    .help(format!("bind it to loopback: `127.0.0.1:{port}:{}`", p.target));
    if let Some(edit) = loopback_edit(model, p) {
        f = f.fix(Fix {
            title: format!("publish on 127.0.0.1:{port} only"),
            applicability: Applicability::Unsafe,
            edits: vec![edit],
        });
    }
    f
}

/// For a short-syntax entry without an address (`"8080:8000"`), insert `127.0.0.1:` before it.
fn loopback_edit(model: &StackModel, p: &Port) -> Option<Edit> {
    if !p.short || p.host_ip.is_some() {
        return None;
    }
    let text = model.db.text(p.span.file).get(p.span.start as usize..p.span.end as usize)?;
    let skip = u32::from(text.starts_with(['"', '\'']));
    let first = text.get(skip as usize..)?.chars().next()?;
    if !first.is_ascii_digit() {
        return None;
    }
    let at = p.span.start + skip;
    Some(Edit { file: p.span.file, start: at, end: at, replacement: "127.0.0.1:".to_owned() })
}
