//! T506: a file-provider service URL names a container the stacks do not produce under the project names
//! in use, or a port its app does not listen on.
use crate::model::routes::{container_named, listens_elsewhere};
use crate::rules::common::parse_url;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "T506",
    name: "dynamic-url-unknown-container",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/T506-dynamic-url-unknown-container.md"),
    check,
};

/// The compose service a container-like name refers to (`shop-web-1`, `shop_web_1`, `web`), with the name
/// it should have: the first stack that has such a service.
fn meant<'m>(model: &'m StackModel, host: &str) -> Option<(&'m Stack, &'m Service)> {
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            let numbered = |sep: char| {
                host.rsplit_once(sep).is_some_and(|(head, n)| {
                    n.bytes().all(|b| b.is_ascii_digit())
                        && !n.is_empty()
                        && head.ends_with(&format!("{sep}{}", svc.name))
                })
            };
            if host == svc.name || numbered('-') || numbered('_') {
                return Some((stack, svc));
            }
        }
    }
    None
}

fn check(model: &StackModel, out: &mut Sink) {
    for (_, cfg) in &model.traefik_files {
        for service in &cfg.services {
            for url in &service.urls {
                let Some(u) = parse_url(url.value.trim()) else { continue };
                let host = u.host;
                if host.contains('.') || host.parse::<std::net::IpAddr>().is_ok() || host.contains(['{', '$']) {
                    continue;
                }
                let default = if u.scheme.eq_ignore_ascii_case("https") { 443 } else { 80 };
                let port = u.port.and_then(|p| p.parse().ok()).unwrap_or(default);
                match container_named(model, host) {
                    Some((_, svc)) => {
                        if let Some(why) = listens_elsewhere(model, svc, port) {
                            out.report(
                                Finding::new(&RULE, url.span, format!("`{host}` is `{}`, but {why}", svc.name))
                                    .label(format!("Traefik dials port {port}"))
                                    .related(svc.name_span, "the service")
                                    .help("use the port the app listens on in the URL"),
                            );
                        }
                    }
                    None => {
                        let Some((stack, svc)) = meant(model, host) else { continue };
                        let expected = match &svc.container_name {
                            Some(c) => c.value.clone(),
                            None => format!("{}-{}-1", stack.project, svc.name),
                        };
                        out.report(
                            Finding::new(
                                &RULE,
                                url.span,
                                format!(
                                    "no container is named `{host}`: `{}` runs as `{expected}` under project `{}`",
                                    svc.name, stack.project
                                ),
                            )
                            .label("Traefik cannot resolve this name: 502")
                            .related(svc.name_span, format!("the service, in project `{}`", stack.project))
                            .help(format!("use `{expected}` (or give the service a `container_name`)")),
                        );
                    }
                }
            }
        }
    }
}
