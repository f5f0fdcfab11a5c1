//! C120: two environment stacks of one app on one host run the same mutable image tag (`:latest`, `:main`,
//! no tag): pulling or building it for one environment changes what the other starts next.
use crate::model::image::ImageRef;
use crate::model::{Environment, Text};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C120",
    name: "mutable-image-shared-across-environments",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: false,
    doc: include_str!("../../../rules/docs/C120-mutable-image-shared-across-environments.md"),
    check,
};

struct Use<'m> {
    stack: &'m Stack,
    service: &'m Service,
    image: &'m Text,
    parsed: ImageRef,
}

fn uses(stack: &Stack) -> Vec<Use<'_>> {
    stack
        .active_services()
        .filter_map(|service| {
            let image = service.image.as_ref().filter(|i| i.known)?;
            let parsed = ImageRef::parse(&image.value).filter(ImageRef::is_mutable)?;
            Some(Use { stack, service, image, parsed })
        })
        .collect()
}

/// Do these two services end up on the same local tag? Both pull it, one builds it over the one the other
/// pulls, or both build it from the same context.
fn same_image(a: &Use<'_>, b: &Use<'_>) -> bool {
    if a.parsed.repo != b.parsed.repo || a.parsed.effective_tag() != b.parsed.effective_tag() {
        return false;
    }
    match (&a.service.build, &b.service.build) {
        (Some(x), Some(y)) => x.context_dir.is_some() && x.context_dir == y.context_dir,
        _ => true,
    }
}

fn env_label(s: &Stack) -> &str {
    s.env_name.as_deref().unwrap_or("base")
}

fn check(model: &StackModel, out: &mut Sink) {
    for (a, b) in model.environment_pairs() {
        let (ua, ub) = (uses(a), uses(b));
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for x in &ua {
            let Some(y) = ub.iter().find(|y| same_image(x, y)) else { continue };
            let key = (x.parsed.repo.as_str(), x.parsed.effective_tag());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            report(model, x, y, out);
        }
    }
}

fn report(model: &StackModel, x: &Use<'_>, y: &Use<'_>, out: &mut Sink) {
    // The finding goes to the stack to act on: the one that is not production.
    let prod = |u: &Use<'_>| u.stack.environment(model) == Some(Environment::Production);
    let (act, other) = if prod(y) && !prod(x) { (x, y) } else { (y, x) };
    let shown = match &act.parsed.tag {
        Some(_) => act.image.value.clone(),
        None => format!("{}:latest", act.image.value),
    };
    let how = match (&act.service.build, &other.service.build) {
        (Some(_), Some(_)) => "both build it from the same context",
        (Some(_), None) => "one builds it over the image the other pulls",
        (None, Some(_)) => "one pulls it, the other builds it",
        (None, None) => "both pull it",
    };
    let (ae, oe) = (env_label(act.stack), env_label(other.stack));
    let mut f = Finding::new(
        &RULE,
        act.image.span,
        format!("the {ae} and {oe} stacks run the same mutable tag `{shown}` ({how}): deploying {ae} changes what {oe} starts next"),
    )
    .label(format!("`{}` ({ae}) runs `{shown}`", act.service.name));
    if other.image.span != act.image.span {
        f = f.related(other.image.span, format!("`{}` ({oe}) uses the same tag", other.service.name));
    }
    let repo = match act.image.value.rsplit_once(':') {
        Some((name, tag)) if act.parsed.tag.as_deref() == Some(tag) => name,
        _ => act.image.value.as_str(),
    };
    out.report(f.help(format!(
        "tag per environment or per release (`{repo}:${{IMAGE_TAG:?}}` with a version, or `:staging` and `:prod` tags), or pin {oe} by digest"
    )));
}
