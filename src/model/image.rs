//! Image references as the rules compare them (`[registry/]repo[:tag][@digest]`), and the image families
//! the rules recognise (hardening, healthchecks, ports, mutable tags).

/// A parsed image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry and path without the Docker Hub defaults: `postgres`, `bitnami/postgresql`,
    /// `ghcr.io/acme/api` (`docker.io/library/postgres` is `postgres`). Lowercase.
    pub repo: String,
    /// The tag, when one is written (`latest`, `16-alpine`).
    pub tag: Option<String>,
    /// Pinned by digest (`@sha256:...`).
    pub digest: bool,
}

impl ImageRef {
    pub fn parse(image: &str) -> Option<ImageRef> {
        let image = image.trim();
        if image.is_empty() || image.contains(char::is_whitespace) {
            return None;
        }
        let (name, digest) = match image.split_once('@') {
            Some((n, d)) => (n, !d.is_empty()),
            None => (image, false),
        };
        // The tag is after the last `:` of the last path component (`registry:5000/app` has no tag).
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (repo, tag) = match name.get(last_slash..).and_then(|last| last.rfind(':')) {
            Some(i) => (name.get(..last_slash + i)?, name.get(last_slash + i + 1..).map(str::to_owned)),
            None => (name, None),
        };
        if repo.is_empty() {
            return None;
        }
        let mut repo = repo.to_ascii_lowercase();
        for prefix in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] {
            if let Some(rest) = repo.strip_prefix(prefix) {
                repo = rest.to_owned();
            }
        }
        if let Some(rest) = repo.strip_prefix("library/") {
            repo = rest.to_owned();
        }
        Some(ImageRef { repo, tag: tag.filter(|t| !t.is_empty()), digest })
    }

    /// The repository without registry and namespace: `postgresql` for `bitnami/postgresql`.
    pub fn base_name(&self) -> &str {
        self.repo.rsplit('/').next().unwrap_or(&self.repo)
    }

    /// The tag Docker pulls: the written one, else `latest`.
    pub fn effective_tag(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// A tag that points at a different image over time: none (= `latest`), `latest`, or a branch-like
    /// tag. Digests are never mutable.
    pub fn is_mutable(&self) -> bool {
        !self.digest && MUTABLE_TAGS.contains(&self.effective_tag().to_ascii_lowercase().as_str())
    }

    /// Does the repository match one of these names (`postgres`, `bitnami/postgresql`, or a
    /// `*/name` pattern for any namespace)?
    pub fn is_one_of(&self, names: &[&str]) -> bool {
        names.iter().any(|n| match n.strip_prefix("*/") {
            Some(base) => self.base_name() == base,
            None => self.repo == *n || self.repo.ends_with(&format!("/{n}")) && n.contains('/'),
        })
    }
}

/// Tags that move: the default `latest` and branch names.
pub const MUTABLE_TAGS: &[&str] = &["latest", "main", "master", "develop", "dev", "edge", "nightly"];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = ImageRef::parse("postgres").unwrap();
        assert_eq!((r.repo.as_str(), r.tag.as_deref(), r.digest), ("postgres", None, false));
        assert!(r.is_mutable());
        let r = ImageRef::parse("docker.io/library/postgres:16-alpine").unwrap();
        assert_eq!((r.repo.as_str(), r.tag.as_deref()), ("postgres", Some("16-alpine")));
        assert!(!r.is_mutable());
        let r = ImageRef::parse("registry.local:5000/acme/api").unwrap();
        assert_eq!((r.repo.as_str(), r.tag.as_deref()), ("registry.local:5000/acme/api", None));
        let r = ImageRef::parse("ghcr.io/acme/api:latest@sha256:0123").unwrap();
        assert!(r.digest && !r.is_mutable());
        assert_eq!(ImageRef::parse("ghcr.io/acme/api:main").unwrap().base_name(), "api");
        assert!(ImageRef::parse("ghcr.io/acme/api:main").unwrap().is_mutable());
        assert!(ImageRef::parse("bitnami/postgresql:16").unwrap().is_one_of(&["bitnami/postgresql"]));
        assert!(ImageRef::parse("ghcr.io/x/traefik:v3").unwrap().is_one_of(&["*/traefik"]));
        assert!(!ImageRef::parse("acme/postgres-backup").unwrap().is_one_of(&["postgres", "*/postgres"]));
        assert!(ImageRef::parse("").is_none());
    }
}
