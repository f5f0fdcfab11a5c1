//! C101: two services publish the same host port, protocol and overlapping address.
use crate::model::Port;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C101",
    name: "host-port-conflict",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C101-host-port-conflict.md"),
    check,
};

/// The address family a host IP binds: None for the daemon default (both families).
fn family(ip: Option<&str>) -> Option<bool> {
    ip.map(|ip| ip.contains(':'))
}

fn is_wildcard(ip: &str) -> bool {
    matches!(ip.trim_matches(['[', ']']), "0.0.0.0" | "::" | "")
}

/// Do two bindings of the same port and protocol collide (semantics.md §1.10)?
fn overlaps(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, _) | (_, None) => true,
        (Some(x), Some(y)) => {
            family(Some(x)) == family(Some(y))
                && (is_wildcard(x) || is_wildcard(y) || x.trim_matches(['[', ']']) == y.trim_matches(['[', ']']))
        }
    }
}

struct Binding<'m> {
    stack: &'m Stack,
    service: &'m Service,
    port: &'m Port,
    host_port: u16,
}

fn check(model: &StackModel, out: &mut Sink) {
    let mut bindings: Vec<Binding<'_>> = Vec::new();
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for service in stack.active_services() {
            // Published ports are discarded with host networking; `service:x` shares x's ports.
            if service.network_mode.as_ref().is_some_and(|m| {
                m.value == "host" || m.value.starts_with("service:") || m.value.starts_with("container:")
            }) {
                continue;
            }
            for port in &service.ports {
                if let Some(host_port) = port.fixed_host_port() {
                    bindings.push(Binding { stack, service, port, host_port });
                }
            }
        }
    }
    bindings.sort_by_key(|b| b.host_port);
    for (i, b) in bindings.iter().enumerate() {
        let clash = bindings[..i].iter().rev().take_while(|a| a.host_port == b.host_port).find(|a| {
            let same_stack = std::ptr::eq(a.stack, b.stack);
            let same_host = same_stack || model.same_host(a.stack, b.stack);
            same_host
                && !(same_stack && std::ptr::eq(a.service, b.service))
                && a.port.protocol == b.port.protocol
                && overlaps(a.port.host_ip.as_deref(), b.port.host_ip.as_deref())
        });
        let Some(a) = clash else { continue };
        let who = |x: &Binding<'_>| {
            if std::ptr::eq(a.stack, b.stack) {
                format!("`{}`", x.service.name)
            } else if a.stack.app == b.stack.app {
                format!("`{}` ({})", x.service.name, x.stack.env_name.as_deref().unwrap_or("base stack"))
            } else {
                format!("`{}` ({})", x.service.name, x.stack.name)
            }
        };
        let addr = |p: &Port| p.host_ip.clone().unwrap_or_else(|| "all interfaces".to_owned());
        out.report(
            Finding::new(
                &RULE,
                b.port.span,
                format!("host port {}/{} is published by both {} and {}", b.host_port, b.port.protocol, who(a), who(b)),
            )
            .label(format!("{} binds {}:{} here", b.service.name, addr(b.port), b.host_port))
            .related(a.port.span, format!("{} already binds {}:{}", a.service.name, addr(a.port), a.host_port))
            .help("publish one of them on another host port, bind them to different addresses, or drop `ports:` where a proxy reaches the container over a network"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::overlaps;

    #[test]
    fn address_overlap() {
        assert!(overlaps(None, Some("127.0.0.1")));
        assert!(overlaps(Some("0.0.0.0"), Some("127.0.0.1")));
        assert!(!overlaps(Some("127.0.0.1"), Some("192.0.2.10")));
        assert!(overlaps(Some("127.0.0.1"), Some("127.0.0.1")));
        assert!(!overlaps(Some("0.0.0.0"), Some("::1")));
        assert!(overlaps(Some("::"), Some("::1")));
        assert!(overlaps(Some("[::1]"), Some("::1")));
    }
}
