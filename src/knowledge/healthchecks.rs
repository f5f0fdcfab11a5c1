//! Whether a service's image defines its own `HEALTHCHECK` (M604, C110).
//!
//! A built image is answered from its Dockerfile (the selected stage and the stages it is built from; a
//! later `HEALTHCHECK` replaces an earlier one, `HEALTHCHECK NONE` removes it), then from the base image
//! the first of those stages starts from. A pulled image is answered from two short lists below; any
//! other image is [`ImageHealth::Unknown`].

use crate::model::image::ImageRef;
use crate::model::{Service, StackModel};
use crate::source::Span;

/// Images whose upstream Dockerfile declares a `HEALTHCHECK`, checked by reading that Dockerfile:
/// - `vaultwarden/server`: dani-garcia/vaultwarden `docker/Dockerfile.debian`,
///   `HEALTHCHECK --interval=60s --timeout=10s CMD ["/healthcheck.sh"]` (the Alpine variant too);
/// - `louislam/uptime-kuma`: louislam/uptime-kuma `docker/dockerfile`, `HEALTHCHECK ... CMD node
///   extra/healthcheck.js`;
/// - `authelia/authelia`: authelia/authelia `Dockerfile`, `HEALTHCHECK ... CMD /app/healthcheck.sh`;
/// - `ghcr.io/goauthentik/server`: goauthentik/authentik `Dockerfile`, `HEALTHCHECK ... CMD [ "ak",
///   "healthcheck" ]` (the server and the worker run the same image).
pub const SHIPS_HEALTHCHECK: &[&str] =
    &["vaultwarden/server", "louislam/uptime-kuma", "authelia/authelia", "ghcr.io/goauthentik/server"];

/// Docker Official Images known to declare no `HEALTHCHECK` (semantics.md states it for postgres and
/// redis; the others are from the maintainers' knowledge of docker-library's Dockerfiles and were not each
/// re-read for this list: `mariadb` ships a `healthcheck.sh` script but no `HEALTHCHECK` instruction).
/// Some official images do ship one (`kong`), so "official" alone proves nothing: an image missing here
/// is unknown, and M604 says so instead of guessing.
pub const SHIPS_NONE: &[&str] = &[
    "postgres",
    "redis",
    "mysql",
    "mariadb",
    "mongo",
    "rabbitmq",
    "memcached",
    "nginx",
    "httpd",
    "traefik",
    "caddy",
    "python",
    "node",
    "alpine",
    "debian",
    "ubuntu",
    "busybox",
];

/// What we know about the healthcheck an image brings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageHealth {
    /// The image defines one; for a built image, where its Dockerfile declares it.
    Ships(Option<Span>),
    /// The image defines none; for a built image, the Dockerfile that says so (its `HEALTHCHECK NONE`,
    /// or its `FROM` line when no stage declares one).
    None(Option<Span>),
    /// Not known (an image not in the lists, an unresolved `${TAG}`, a remote build context).
    Unknown,
}

/// The healthcheck of a pulled image, by name.
pub fn of_image(image: &str) -> ImageHealth {
    let Some(r) = ImageRef::parse(image) else { return ImageHealth::Unknown };
    if r.repo == "scratch" {
        return ImageHealth::None(None);
    }
    if SHIPS_HEALTHCHECK.contains(&r.repo.as_str()) {
        return ImageHealth::Ships(None);
    }
    if SHIPS_NONE.contains(&r.repo.as_str()) {
        return ImageHealth::None(None);
    }
    ImageHealth::Unknown
}

/// The healthcheck the image of a service brings (its Dockerfile when it is built here).
pub fn of_service(model: &StackModel, svc: &Service) -> ImageHealth {
    if let Some(build) = &svc.build {
        let Some(dockerfile) = model.dockerfile_of(svc) else { return ImageHealth::Unknown };
        let lineage = dockerfile.lineage(build.target.as_ref().map(|t| t.value.as_str()));
        for stage in lineage.iter().rev() {
            if let Some(h) = stage.all("HEALTHCHECK").last() {
                let off = h.args.split_whitespace().next().is_some_and(|w| w.eq_ignore_ascii_case("NONE"));
                return if off { ImageHealth::None(Some(h.span)) } else { ImageHealth::Ships(Some(h.span)) };
            }
        }
        let Some(root) = lineage.first() else { return ImageHealth::Unknown };
        if root.base.contains('$') {
            return ImageHealth::Unknown;
        }
        return match of_image(&root.base) {
            ImageHealth::Ships(_) => ImageHealth::Ships(Some(root.from_span)),
            ImageHealth::None(_) => ImageHealth::None(Some(root.from_span)),
            ImageHealth::Unknown => ImageHealth::Unknown,
        };
    }
    match &svc.image {
        Some(image) if image.known => of_image(&image.value),
        _ => ImageHealth::Unknown,
    }
}

/// What a service's own compose `healthcheck:` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComposeHealth {
    /// A `test` is set (and not `["NONE"]`).
    Test,
    /// `disable: true` or `test: ["NONE"]`: no healthcheck, whatever the image says.
    Disabled(Span),
    /// No `healthcheck:`, or one without `test` (the image's test is then used).
    Inherits,
}

pub fn of_compose(svc: &Service) -> ComposeHealth {
    match &svc.healthcheck {
        Some(h) if h.is_disabled() => {
            let at = match (h.disable, &h.test) {
                (false, Some(t)) => t.span,
                _ => svc
                    .node
                    .get("healthcheck")
                    .and_then(|n| n.get_entry("disable"))
                    .map_or(h.span, |e| e.key.span.cover(e.value.span)),
            };
            ComposeHealth::Disabled(at)
        }
        Some(h) if h.test.as_ref().is_some_and(|t| !t.items.is_empty()) => ComposeHealth::Test,
        _ => ComposeHealth::Inherits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_lists() {
        assert_eq!(of_image("vaultwarden/server:1.32.0-alpine"), ImageHealth::Ships(None));
        assert_eq!(of_image("docker.io/library/postgres:16"), ImageHealth::None(None));
        assert_eq!(of_image("ghcr.io/goauthentik/server:2024.8"), ImageHealth::Ships(None));
        assert_eq!(of_image("bitnami/postgresql:16"), ImageHealth::Unknown);
        assert_eq!(of_image("acme/api"), ImageHealth::Unknown);
        assert_eq!(of_image(""), ImageHealth::Unknown);
    }
}
