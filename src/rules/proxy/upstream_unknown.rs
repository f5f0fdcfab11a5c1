//! N409: `proxy_pass http://name` (no port) where `name` is no `upstream` block of the configuration and
//! nothing resolves it: no compose service, alias or container (for a container nginx), no service of
//! the nearest stacks (for the host's nginx). nginx refuses to start: "host not found in upstream".
use crate::model::routes::{ProxyKind, Target};
use crate::rules::common::edit_distance;
use crate::rules::prelude::*;
use crate::rules::proxy::hops_of;

pub static RULE: Rule = Rule {
    code: "N409",
    name: "upstream-unknown",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/N409-upstream-unknown.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for h in hops_of(model, ProxyKind::Nginx) {
        let Some((written, span)) = &h.upstream else { continue };
        let Some(name) = bare_name(written) else { continue };
        let unknown = match (&h.target, &h.proxy.container) {
            (Target::Unresolved, Some(_)) => h.status.is_broken(),
            // The host's nginx: the graph found no service of that name near the file, so it is taken
            // for a machine outside the stacks; a single label with no port is an upstream reference.
            (Target::External { address }, None) => address.split(':').next() == Some(name),
            _ => false,
        };
        if !unknown {
            continue;
        }
        let Some(cfg) = config_of(model, *span) else { continue };
        let upstreams: Vec<&str> = cfg.model.upstreams.iter().map(|u| u.name.value.as_str()).collect();
        let mut f = Finding::new(
            &RULE,
            *span,
            format!("`{name}` names no `upstream` block and no host nginx can resolve: nginx does not start (host not found in upstream)"),
        )
        .label(format!("no `upstream {name}` and no service `{name}`"));
        if let Some(near) = similar(name, upstreams.iter().copied()) {
            if let Some(u) = cfg.model.upstreams.iter().find(|u| u.name.value == near) {
                f = f.related(u.name.span, format!("`upstream {near}` is declared here"));
            }
            f = f.help(format!("did you mean `{near}`?"));
        } else if !upstreams.is_empty() {
            f = f.help(format!("the upstream blocks of this configuration are: {}", upstreams.join(", ")));
        } else {
            f = f.help(format!("declare `upstream {name} {{ server HOST:PORT; }}`, or write the service and its port (`http://SERVICE:PORT`)"));
        }
        if let Some((si, svc)) = &h.proxy.container
            && let Some(s) = model.stacks.get(*si).and_then(|st| st.service(svc))
        {
            f = f
                .related(s.name_span, format!("`{svc}` runs this nginx configuration: Docker's DNS knows no `{name}`"));
        }
        out.report(f);
    }
}

/// The name of `http://name` / `http://name/path` (one label, no port), if the target is written so.
pub(crate) fn bare_name(written: &str) -> Option<&str> {
    let rest = written.trim().split_once("://")?.1;
    let authority = rest.split('/').next().unwrap_or(rest);
    let plain = !authority.is_empty()
        && !authority.contains([':', '.', '$', '[', '@'])
        && !authority.eq_ignore_ascii_case("localhost")
        && !authority.starts_with("unix");
    plain.then_some(authority)
}

fn config_of(model: &StackModel, span: Span) -> Option<&crate::model::NginxConfig> {
    model.nginx.iter().find(|c| {
        c.model
            .servers
            .iter()
            .any(|s| s.passes.iter().any(|p| p.target.span == span) || any_location(&s.locations, span))
    })
}

fn any_location(locs: &[crate::sources::nginx::model::Location], span: Span) -> bool {
    locs.iter().any(|l| l.passes.iter().any(|p| p.target.span == span) || any_location(&l.locations, span))
}

/// An upstream name that differs by case, `-`/`_`, or one edit (`backend` for `backends`).
fn similar<'a>(name: &str, declared: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['-', '_'], "");
    let n = norm(name);
    declared.into_iter().find(|d| {
        let d = norm(d);
        d == n || edit_distance(&d, &n) <= 1 || d.starts_with(&n) || n.starts_with(&d)
    })
}
