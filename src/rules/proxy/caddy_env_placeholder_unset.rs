//! N411: a Caddyfile `{$VAR}` without a default that the environment of the caddy service does not set:
//! Caddy substitutes an empty string when it loads the file.
use crate::model::ProxyRole;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "N411",
    name: "caddy-env-placeholder-unset",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/N411-caddy-env-placeholder-unset.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for cfg in &model.caddy {
        let ProxyRole::Container { stack, service } = &cfg.role else { continue };
        let Some(st) = model.stacks.get(*stack) else { continue };
        let Some(svc) = st.service(service) else { continue };
        if !runs_caddy(svc) {
            continue; // a service that mounts the file for another purpose (a backup of `/`)
        }
        // An env_file whose contents are unknown (absent, no template) may set anything.
        if svc.env_files.iter().any(|f| f.file.is_none() || f.stand_in) {
            continue;
        }
        for (file, u) in &cfg.env_uses {
            if u.default.is_some() {
                continue;
            }
            match svc.env(&u.name) {
                Some(v) if !v.known || v.value.is_some() => continue,
                _ => {}
            }
            let span = Span::new(*file, u.range.start, u.range.end);
            let Some(effect) = effect(model, span) else { continue };
            out.report(
                Finding::new(
                    &RULE,
                    span,
                    format!("`{}` is not in the environment of `{service}`: Caddy substitutes an empty string, {effect}", u.name),
                )
                .label(format!("`{}` is unset in the container", u.name))
                .related(svc.name_span, format!("`{service}` runs this Caddyfile without `{}`", u.name))
                .help(format!(
                    "pass it to the container (`environment: {}: ${{{}}}` in `{service}`), or give it a default: `{{${}:VALUE}}`",
                    u.name, u.name, u.name
                )),
            );
        }
    }
}

/// The image is Caddy's (or a build of it: `FROM caddy`, xcaddy).
fn runs_caddy(svc: &Service) -> bool {
    svc.build.is_some()
        || svc
            .image
            .as_ref()
            .and_then(|i| crate::model::image::ImageRef::parse(i.as_str()))
            .is_some_and(|i| i.base_name().contains("caddy"))
}

/// What the empty value does where the variable is written, read from its line: a placeholder alone
/// on its line is an optional snippet hook (empty is harmless: `None`); at the start of an unindented
/// line ending in `{` it is a site address.
fn effect(model: &StackModel, span: Span) -> Option<&'static str> {
    let text = model.db.text(span.file);
    let start = span.start as usize;
    let end = span.end as usize;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text.get(end..)?.find('\n').map_or(text.len(), |i| end + i);
    let line = text.get(line_start..line_end)?;
    let before = text.get(line_start..start)?;
    let after = text.get(end..line_end)?;
    let after_code = after.split(" #").next().unwrap_or(after);
    if before.trim().is_empty() && after_code.trim().is_empty() {
        return None;
    }
    let address_line = !line.starts_with([' ', '\t']) && after_code.trim_end().ends_with('{');
    if !address_line {
        return Some("so the value Caddy uses there is empty");
    }
    if before.is_empty() && after_code.trim() == "{" {
        return Some(
            "so the site address is empty: the block reads as a misplaced global options block and Caddy does not start",
        );
    }
    Some("so the site becomes a catch-all and no certificate is requested for the domain")
}
