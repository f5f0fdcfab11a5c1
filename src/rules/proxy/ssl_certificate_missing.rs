//! N403: a container nginx (official image, configuration bind-mounted) references `ssl_certificate` /
//! `ssl_certificate_key` files that no mount of its service provides: nginx does not start.
use std::collections::HashSet;

use crate::model::ProxyRole;
use crate::model::image::ImageRef;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "N403",
    name: "ssl-certificate-missing",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/N403-ssl-certificate-missing.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    let mut seen = HashSet::new();
    for cfg in &model.nginx {
        let ProxyRole::Container { stack, service } = &cfg.role else { continue };
        let Some(svc) = model.stacks.get(*stack).and_then(|s| s.service(service)) else { continue };
        if svc.build.is_some() || svc.volumes.iter().any(|m| !m.known) {
            continue;
        }
        let official = svc
            .image
            .as_ref()
            .and_then(|i| ImageRef::parse(i.as_str()))
            .is_some_and(|i| matches!(i.base_name(), "nginx" | "nginx-unprivileged"));
        if !official {
            continue;
        }
        for server in &cfg.model.servers {
            for path in server.ssl_certificates.iter().chain(&server.ssl_certificate_keys) {
                let p = path.value.trim().trim_matches(['"', '\'']);
                if !p.starts_with('/') || p.contains('$') || p.starts_with("data:") || !seen.insert(path.span) {
                    continue;
                }
                let provided = svc.volumes.iter().any(|m| {
                    let t = m.target.trim_end_matches('/');
                    !t.is_empty() && (p == t || p.starts_with(&format!("{t}/")))
                });
                if provided {
                    continue;
                }
                out.report(
                    Finding::new(
                        &RULE,
                        path.span,
                        format!("`{p}` is not in the `{service}` container: no mount of the service provides it, and the `nginx` image has no certificates; nginx does not start"),
                    )
                    .label("absent in the container")
                    .related(svc.name_span, format!("`{service}` mounts nothing at or above `{p}`"))
                    .help("mount the certificate directory into the service (`/etc/letsencrypt:/etc/letsencrypt:ro`), or terminate TLS in the proxy in front and drop `ssl` here"),
                );
            }
        }
    }
}
