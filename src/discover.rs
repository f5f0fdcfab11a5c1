//! Zero-config discovery (spec.md "Discovery"): compose files grouped into stacks (base + override,
//! environment variants as separate stacks of the same app), env files and their templates.
//!
//! The walk honours `.gitignore` and skips `.git`, `node_modules`, `target`, `vendor`; env files next to
//! a stack are always read, ignored or not (on a server the real `.env.production` is gitignored, and it
//! is exactly what must be checked).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::compose::convert::normalize;

/// One stack to load: which compose files, in which directory, with which interpolation env files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackSpec {
    pub name: String,
    pub files: Vec<PathBuf>,
    pub project_dir: PathBuf,
    /// Interpolation env files, in order (later wins). Empty: the project directory's `.env`.
    pub env_files: Vec<PathBuf>,
    /// The env files were given explicitly (`--env-file`): a missing one is an error, as in Compose.
    pub explicit_env: bool,
    pub project_name: Option<String>,
    pub profiles: Vec<String>,
    pub app: String,
    pub env_name: Option<String>,
    pub host: String,
    /// Given with `-f`: loaded exactly as written, never treated as a fragment.
    pub explicit: bool,
    /// For an environment variant: the base file it overlays when the variant is not complete by itself.
    pub overlay_base: Option<PathBuf>,
}

#[derive(Debug, Default)]
pub struct Discovered {
    pub stacks: Vec<StackSpec>,
    /// Env files and templates found (paths to existing files).
    pub env_files: Vec<PathBuf>,
    pub templates: Vec<PathBuf>,
    /// Other compose-named files (`compose.backend.dist.yml`): never stacks by themselves, but they
    /// tell which files are fragments of a multi-file deployment.
    pub extra_compose: Vec<PathBuf>,
    /// The names of the files (not directories) in every directory that holds a stack or a template,
    /// gitignored ones included: env file and template lookups use it instead of asking the file system.
    pub listings: HashMap<PathBuf, Arc<Vec<String>>>,
    /// nginx configuration candidates: `*.conf`, `*.conf.template`, `nginx.conf*`, files of `sites-*` and
    /// `conf.d` directories (the loader keeps those whose text reads as nginx).
    pub nginx: Vec<PathBuf>,
    /// Caddyfiles: `Caddyfile`, `Caddyfile.*`, `*.caddyfile`.
    pub caddy: Vec<PathBuf>,
    /// Other YAML files (not compose files): Traefik dynamic configuration candidates.
    pub yaml: Vec<PathBuf>,
    /// TOML files (Traefik static and dynamic configuration candidates).
    pub toml: Vec<PathBuf>,
    /// Files found by the walk that are regular files (not symlinks, FIFOs...): they can be opened and
    /// read directly; anything else is checked first (opening a FIFO would block).
    pub regular: HashSet<PathBuf>,
}

const BASE_NAMES: [&str; 4] = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];
const OVERRIDE_NAMES: [&str; 4] =
    ["compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"];
const SKIP_DIRS: [&str; 4] = [".git", "node_modules", "target", "vendor"];

/// `docker-compose.<env>.yml` / `compose.<env>.yaml` ⇒ `Some(env)`; a base name ⇒ `Some("")`.
pub fn compose_variant(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".yml").or_else(|| name.strip_suffix(".yaml"))?;
    let rest = stem.strip_prefix("docker-compose").or_else(|| stem.strip_prefix("compose"))?;
    if rest.is_empty() {
        return Some("");
    }
    let env = rest.strip_prefix('.')?;
    (!env.is_empty() && !env.contains('.')).then_some(env)
}

/// `compose*.yml` / `docker-compose*.yaml` in general (`compose.backend.dist.yml`, `docker-compose-dev.yml`).
pub fn is_compose_like(name: &str) -> bool {
    (name.starts_with("compose") || name.starts_with("docker-compose"))
        && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

pub fn is_compose_name(name: &str) -> bool {
    compose_variant(name).is_some()
}

const TEMPLATE_SUFFIXES: [&str; 4] = [".example", ".sample", ".template", ".dist"];

/// The env file a template stands for: `.env.example` ⇒ `.env`, `env.production.example` ⇒
/// `.env.production`, `backend.env.sample` ⇒ `backend.env`. None when the name is not an env template.
pub fn template_target(name: &str) -> Option<String> {
    let base = TEMPLATE_SUFFIXES.iter().find_map(|s| name.strip_suffix(s))?;
    if is_env_name(base) {
        return Some(base.to_owned());
    }
    if base == "env" || base.starts_with("env.") {
        return Some(format!(".{base}"));
    }
    None
}

/// `.env`, `.env.<x>` (not a template), `<x>.env`.
pub fn is_env_name(name: &str) -> bool {
    if template_target(name).is_some() && TEMPLATE_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return false;
    }
    name == ".env" || (name.starts_with(".env.") && name.len() > 5) || (name.ends_with(".env") && name.len() > 4)
}

pub fn is_template_name(name: &str) -> bool {
    template_target(name).is_some()
}

/// Environments that are deployed to servers, side by side: `prod`, `staging`, `preprod`, `qa`...
pub fn is_server_env(env: &str) -> bool {
    matches!(
        env.to_ascii_lowercase().as_str(),
        "prod"
            | "production"
            | "staging"
            | "stage"
            | "stg"
            | "preprod"
            | "pre-prod"
            | "preproduction"
            | "qa"
            | "uat"
            | "demo"
            | "sandbox"
            | "preview"
    )
}

/// Long and short names of an environment (`prod` ↔ `production`).
pub fn env_aliases(env: &str) -> Vec<String> {
    let pairs: [(&str, &str); 4] =
        [("prod", "production"), ("stg", "staging"), ("stage", "staging"), ("dev", "development")];
    let mut out = vec![env.to_owned()];
    for (short, long) in pairs {
        if env == short && !out.iter().any(|x| x == long) {
            out.push(long.to_owned());
        }
        if env == long && !out.iter().any(|x| x == short) {
            out.push(short.to_owned());
        }
    }
    out
}

fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

fn display_dir(dir: &Path) -> String {
    let s = dir.to_string_lossy().replace('\\', "/");
    if s.is_empty() { ".".to_owned() } else { s }
}

/// Could this file be nginx configuration (by its name or its directory)?
pub fn is_nginx_candidate(path: &Path, name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".conf") || lower.ends_with(".conf.template") || lower.starts_with("nginx.conf") {
        return true;
    }
    let dir = path.parent().and_then(|d| d.file_name()).and_then(|d| d.to_str()).unwrap_or("");
    matches!(dir, "sites-available" | "sites-enabled") && !lower.starts_with('.')
}

/// `Caddyfile`, `Caddyfile.prod`, `site.caddyfile` (not `Caddyfile.example`-style templates? those are
/// read too: Caddy would read them the same way).
pub fn is_caddyfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "caddyfile" || lower.starts_with("caddyfile.") || lower.ends_with(".caddyfile")
}

/// Walks every root and groups what it finds. Roots that are files are checked with their directory.
pub fn discover(roots: &[PathBuf]) -> Discovered {
    let mut compose_by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut out = Discovered::default();
    let mut dirs_seen: BTreeMap<PathBuf, ()> = BTreeMap::new();
    for root in roots {
        let root = if root.is_file() {
            root.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        } else {
            root.clone()
        };
        let root = if root.as_os_str().is_empty() { PathBuf::from(".") } else { root };
        let walker = ignore::WalkBuilder::new(&root)
            .hidden(false)
            .git_ignore(true)
            .git_exclude(false)
            .ignore(false)
            .git_global(false)
            .require_git(false)
            .parents(true)
            .follow_links(false)
            .filter_entry(|e| !(e.file_type().is_some_and(|t| t.is_dir()) && SKIP_DIRS.contains(&file_name(e.path()))))
            .build();
        for entry in walker.flatten() {
            let path = entry.path();
            let name = file_name(path);
            // Directories named like compose files are reported by the loader (P001), so keep them.
            let is_file_like = entry.file_type().is_some_and(|t| !t.is_dir()) || is_compose_name(name);
            if !is_file_like || entry.depth() == 0 && entry.file_type().is_some_and(|t| t.is_dir()) {
                continue;
            }
            let path = normalize(path);
            if entry.file_type().is_some_and(|t| t.is_file()) {
                out.regular.insert(path.clone());
            }
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if !is_compose_name(name) && is_compose_like(name) && entry.file_type().is_some_and(|t| t.is_file()) {
                out.extra_compose.push(path.clone());
            }
            if is_compose_name(name) {
                compose_by_dir.entry(dir.clone()).or_default().push(path.clone());
                dirs_seen.insert(dir, ());
            } else if is_template_name(name) {
                out.templates.push(path.clone());
                dirs_seen.insert(dir, ());
            } else if is_env_name(name) {
                out.env_files.push(path.clone());
            } else if entry.file_type().is_some_and(|t| t.is_file()) && is_nginx_candidate(&path, name) {
                out.nginx.push(path.clone());
            } else if entry.file_type().is_some_and(|t| t.is_file()) && is_caddyfile_name(name) {
                out.caddy.push(path.clone());
            } else if entry.file_type().is_some_and(|t| t.is_file())
                && !is_compose_like(name)
                && (name.ends_with(".yml") || name.ends_with(".yaml"))
            {
                out.yaml.push(path.clone());
            } else if entry.file_type().is_some_and(|t| t.is_file()) && name.ends_with(".toml") {
                out.toml.push(path.clone());
            }
        }
    }
    out.nginx.sort();
    out.nginx.dedup();
    out.caddy.sort();
    out.caddy.dedup();
    // Env files next to stacks and templates are read even when gitignored.
    let mut known: HashSet<PathBuf> = out.env_files.iter().cloned().collect();
    for dir in dirs_seen.keys() {
        let Ok(rd) = std::fs::read_dir(dir) else { continue };
        let mut names = Vec::new();
        for e in rd.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                continue;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            if kind.is_file() {
                out.regular.insert(normalize(&dir.join(&name)));
            }
            if is_env_name(&name) {
                let path = normalize(&dir.join(&name));
                if known.insert(path.clone()) {
                    out.env_files.push(path);
                }
            }
            names.push(name);
        }
        names.sort();
        out.listings.insert(dir.clone(), Arc::new(names));
    }
    out.env_files.sort();
    out.env_files.dedup();
    out.templates.sort();
    out.templates.dedup();
    for (dir, mut files) in compose_by_dir {
        files.sort();
        files.dedup();
        let empty = Arc::new(Vec::new());
        let listing = out.listings.get(&dir).unwrap_or(&empty).clone();
        out.stacks.extend(stacks_in_dir(&dir, &files, &listing));
    }
    out
}

fn stacks_in_dir(dir: &Path, files: &[PathBuf], listing: &[String]) -> Vec<StackSpec> {
    let app = display_dir(dir);
    let find = |names: &[&str]| names.iter().find_map(|n| files.iter().find(|f| file_name(f) == *n)).cloned();
    let base = find(&BASE_NAMES);
    let over = find(&OVERRIDE_NAMES);
    let spec = |name: String, files: Vec<PathBuf>, env_name: Option<String>, host: String| StackSpec {
        name,
        files,
        project_dir: dir.to_path_buf(),
        env_files: Vec::new(),
        explicit_env: false,
        project_name: None,
        profiles: Vec::new(),
        app: app.clone(),
        env_name,
        host,
        explicit: false,
        overlay_base: None,
    };
    let mut out = Vec::new();
    match (&base, &over) {
        (Some(b), o) => {
            let mut fs = vec![b.clone()];
            fs.extend(o.iter().cloned());
            out.push(spec(app.clone(), fs, None, format!("{app}#base")));
        }
        (None, Some(o)) => out.push(spec(app.clone(), vec![o.clone()], None, format!("{app}#base"))),
        (None, None) => {}
    }
    for f in files {
        let name = file_name(f);
        if Some(f) == base.as_ref()
            || Some(f) == over.as_ref()
            || OVERRIDE_NAMES.contains(&name)
            || BASE_NAMES.contains(&name)
        {
            continue;
        }
        let Some(env) = compose_variant(name) else { continue };
        if env.is_empty() || env == "override" {
            continue;
        }
        // Server environments of one app (prod, staging...) run side by side on one host; other variants
        // (`all-in-one`, `no-caddy`, `dev`) are alternatives, never up together.
        let host = if is_server_env(env) { format!("{app}#env") } else { format!("{app}#{env}") };
        let mut s = spec(format!("{app} ({env})"), vec![f.clone()], Some(env.to_owned()), host);
        s.overlay_base = base.clone();
        s.env_files = variant_env_files(dir, env, listing);
        out.push(s);
    }
    out
}

/// The interpolation env of an environment variant: `.env.<env>` or `.env.<long name>` beside the
/// compose file when one exists (or has a template), else nothing (the project `.env`).
fn variant_env_files(dir: &Path, env: &str, listing: &[String]) -> Vec<PathBuf> {
    let aliases = env_aliases(env);
    for alias in &aliases {
        let name = format!(".env.{alias}");
        if listing.contains(&name) {
            return vec![normalize(&dir.join(name))];
        }
    }
    for alias in &aliases {
        let name = format!(".env.{alias}");
        if listing.iter().any(|n| template_target(n).is_some_and(|t| t == name)) {
            return vec![normalize(&dir.join(name))];
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_names() {
        assert_eq!(compose_variant("compose.yaml"), Some(""));
        assert_eq!(compose_variant("docker-compose.yml"), Some(""));
        assert_eq!(compose_variant("docker-compose.prod.yml"), Some("prod"));
        assert_eq!(compose_variant("compose.staging.yaml"), Some("staging"));
        assert_eq!(compose_variant("docker-compose.override.yml"), Some("override"));
        assert_eq!(compose_variant("compose.frontend.dist.yml"), None);
        assert_eq!(compose_variant("prometheus.yml"), None);
        assert_eq!(compose_variant("docker-compose-dev.yml"), None);
    }

    #[test]
    fn env_and_template_names() {
        assert!(is_env_name(".env"));
        assert!(is_env_name(".env.production"));
        assert!(is_env_name("backend.env"));
        assert!(!is_env_name(".env.example"));
        assert!(!is_env_name("env.example"));
        assert!(!is_env_name("README.md"));
        assert_eq!(template_target(".env.example").as_deref(), Some(".env"));
        assert_eq!(template_target("env.example").as_deref(), Some(".env"));
        assert_eq!(template_target("env.production.example").as_deref(), Some(".env.production"));
        assert_eq!(template_target(".env.production.example").as_deref(), Some(".env.production"));
        assert_eq!(template_target(".env.sample").as_deref(), Some(".env"));
        assert_eq!(template_target("backend.env.dist").as_deref(), Some("backend.env"));
        assert_eq!(template_target("config.example"), None);
    }

    #[test]
    fn aliases() {
        assert_eq!(env_aliases("prod"), ["prod", "production"]);
        assert_eq!(env_aliases("production"), ["production", "prod"]);
        assert_eq!(env_aliases("qa"), ["qa"]);
    }
}
