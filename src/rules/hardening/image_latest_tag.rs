//! S803: a production service pulls an image without tag or with `:latest`.
use std::collections::HashSet;

use crate::model::image::ImageRef;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "S803",
    name: "image-latest-tag",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: false,
    doc: include_str!("../../../rules/docs/S803-image-latest-tag.md"),
    check,
};

/// Does the repository start with a registry host (`ghcr.io/`, `registry.local:5000/`, `localhost/`)?
fn names_a_registry(repo: &str) -> bool {
    repo.split_once('/').is_some_and(|(first, _)| first.contains(['.', ':']) || first == "localhost")
}

fn check(model: &StackModel, out: &mut Sink) {
    // A file shared by several stacks is reported once.
    let mut seen: HashSet<Span> = HashSet::new();
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment && s.is_production(model)) {
        for svc in stack.active_services() {
            let Some(image) = svc.image.as_ref().filter(|i| i.known) else { continue };
            let Some(r) = ImageRef::parse(&image.value) else { continue };
            // A built image is tagged here, not pulled: its name only labels the local build. Only a name
            // on a registry (`ghcr.io/acme/api`) says the deploy pulls what CI pushed.
            if svc.build.is_some() && !names_a_registry(&r.repo) {
                continue;
            }
            if r.digest || !r.effective_tag().eq_ignore_ascii_case("latest") || !seen.insert(image.span) {
                continue;
            }
            let written = match r.tag {
                Some(_) => image.value.rsplit_once(':').map_or(image.value.as_str(), |(name, _)| name),
                None => image.value.as_str(),
            };
            let how = if r.tag.is_some() { "`:latest`" } else { "no tag, so `:latest`" };
            out.report(
                Finding::new(
                    &RULE,
                    image.span,
                    format!(
                        "`{}` runs `{}` with {how} in a production stack: each pull may start a different version",
                        svc.name, image.value
                    ),
                )
                .label("unpinned image")
                .help(format!("pin a version tag (`{written}:<version>`), or a digest (`@sha256:...`) to be exact")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::names_a_registry;

    #[test]
    fn registries() {
        assert!(names_a_registry("ghcr.io/acme/api"));
        assert!(names_a_registry("registry.local:5000/api"));
        assert!(names_a_registry("localhost/api"));
        assert!(!names_a_registry("acme/api"));
        assert!(!names_a_registry("api"));
    }
}
