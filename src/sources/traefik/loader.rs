//! Loads the Traefik files of a run: static configurations (one per Traefik: a compose service running a
//! `traefik` image, or a static file no service mounts, the host's Traefik) and file-provider dynamic
//! configurations (YAML and TOML).
//!
//! Which dynamic files belong to which Traefik: the file provider's `directory` / `filename` is a path
//! inside the container; it is mapped back to the host through the service's bind mounts (the longest
//! mount target that contains it), and every discovered `.yml`/`.yaml`/`.toml` file under that host path
//! is that Traefik's (`StaticConfig::dynamic_files`). A host Traefik's paths are not mapped: they name
//! the server's file system, not the repository.
//!
//! Syntax errors are P006 in files that are certainly Traefik's: a static file a Traefik service reads,
//! a `traefik.{toml,yaml,yml}` with a top-level `entryPoints`, `providers` or `certificatesResolvers`,
//! and the files under a mapped file-provider path (unless they hold `{{`: the file provider renders them
//! as Go templates first). Other candidates (YAML that merely has a `http:` line, TOML with an `[http`
//! table) are skipped silently when they do not parse: they may be anything.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::file::{self, DynamicConfig, Value};
use super::static_config::{self as sc, IgnoredSource, StaticConfig, StaticSource};
use crate::compose::convert::normalize;
use crate::finding::Finding;
use crate::model::image::ImageRef;
use crate::model::{MountKind, ProxyRole, Service, Stack};
use crate::source::{FileId, FileKind, SourceDb, Span};
use crate::yaml::{self, Node, YamlError};

/// What the loader hands over: the model's `traefik_static` and `traefik_files`, and P006 findings.
#[derive(Debug, Default)]
pub struct TraefikFiles {
    pub statics: Vec<StaticConfig>,
    pub dynamic: Vec<(FileId, DynamicConfig)>,
    pub findings: Vec<Finding>,
}

pub struct Inputs<'a> {
    pub stacks: &'a [Stack],
    /// Discovered YAML files that are not compose files.
    pub yaml: &'a [PathBuf],
    /// Discovered TOML files.
    pub toml: &'a [PathBuf],
    pub limits: &'a yaml::Limits,
    /// `[traefik] version` of stackcheck.toml.
    pub version: Option<u8>,
    /// Reads a file's text (size limit and UTF-8 check included).
    pub read: &'a dyn Fn(&Path) -> Result<String, String>,
}

/// Default locations of the static file inside the official image (`/etc/traefik/traefik.*`, then the
/// working directory `/`), in Traefik's search order.
const DEFAULT_PATHS: [&str; 6] = [
    "/etc/traefik/traefik.toml",
    "/etc/traefik/traefik.yaml",
    "/etc/traefik/traefik.yml",
    "/traefik.toml",
    "/traefik.yaml",
    "/traefik.yml",
];

fn is_traefik_name(path: &Path) -> bool {
    matches!(path.file_name().and_then(|n| n.to_str()), Some("traefik.toml" | "traefik.yaml" | "traefik.yml"))
}

fn is_toml(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// A line that opens a top-level key or table named `key` (case-insensitive): `entryPoints:`,
/// `[entryPoints.web]`, `[http]`, `entryPoints.web.address = ...`.
fn has_top_key(text: &str, key: &str) -> bool {
    text.lines().any(|l| {
        let l = l.strip_prefix('[').map_or(l, |r| r.strip_prefix('[').unwrap_or(r));
        l.get(..key.len()).is_some_and(|p| p.eq_ignore_ascii_case(key))
            && matches!(l.as_bytes().get(key.len()), Some(b':' | b'.' | b']' | b' ' | b'='))
    })
}

/// A parsed file: its documents, or why it does not parse.
struct Parsed {
    id: FileId,
    docs: Result<Vec<Node>, YamlError>,
}

struct Files<'a> {
    db: &'a mut SourceDb,
    inputs: &'a Inputs<'a>,
    texts: BTreeMap<PathBuf, Option<Arc<str>>>,
    parsed: BTreeMap<PathBuf, Parsed>,
    findings: Vec<Finding>,
    reported: HashSet<FileId>,
}

impl Files<'_> {
    /// A file's text, read once (None when it cannot be read: discovery's other loaders report that).
    fn text(&mut self, path: &Path) -> Option<Arc<str>> {
        let read = self.inputs.read;
        self.texts.entry(path.to_path_buf()).or_insert_with(|| read(path).ok().map(Arc::from)).clone()
    }

    /// A file parsed once (and added to the file table then).
    fn get(&mut self, path: &Path) -> Option<&Parsed> {
        if !self.parsed.contains_key(path) {
            let text = self.text(path)?;
            let id =
                self.db.find(path).unwrap_or_else(|| self.db.add(path.to_path_buf(), text.clone(), FileKind::Traefik));
            let docs = if is_toml(path) {
                super::toml_tree::parse(id, &text).map(|d| vec![d])
            } else {
                yaml::parse(id, &text, self.inputs.limits)
            };
            self.parsed.insert(path.to_path_buf(), Parsed { id, docs });
        }
        self.parsed.get(path)
    }

    /// P006 for a file that does not parse (once per file).
    fn syntax_error(&mut self, id: FileId, toml: bool, e: &YamlError, what: &str) {
        if !self.reported.insert(id) {
            return;
        }
        let format = if toml { "TOML" } else { "YAML" };
        let mut f = Finding::new(
            &crate::rules::parse::P006,
            e.span,
            format!("invalid {format} in a Traefik {what}: {}", e.message),
        )
        .help(if what == "static configuration" {
            "Traefik does not start with a static configuration file it cannot parse"
        } else {
            "the file provider skips a file it cannot parse: its routers, services and middlewares are missing"
        });
        if let Some((span, msg)) = &e.related {
            f = f.related(*span, msg.clone());
        }
        self.findings.push(f);
    }

    /// The first mapping document of a file, reporting a syntax error as P006 when `report` says so.
    fn document(&mut self, path: &Path, report: Option<&str>) -> Option<(FileId, Option<Node>)> {
        let p = self.get(path)?;
        let id = p.id;
        match &p.docs {
            Ok(docs) => Some((id, docs.iter().find(|d| d.as_map().is_some()).cloned())),
            Err(e) => {
                let e = e.clone();
                if let Some(what) = report {
                    self.syntax_error(id, is_toml(path), &e, what);
                }
                Some((id, None))
            }
        }
    }
}

/// The host path a container path of a service comes from, through its bind mounts (the deepest mount
/// target that contains the path).
pub fn host_path(svc: &Service, container_path: &str) -> Option<PathBuf> {
    let p = Path::new(container_path);
    svc.volumes
        .iter()
        .filter(|m| m.kind == MountKind::Bind && m.known)
        .filter_map(|m| {
            let rest = p.strip_prefix(Path::new(m.target.trim_end_matches('/'))).ok()?;
            Some((m.target.len(), normalize(&m.host_path.as_ref()?.join(rest))))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, h)| h)
}

pub fn is_traefik_service(svc: &Service) -> bool {
    svc.image.as_ref().and_then(|i| ImageRef::parse(i.as_str())).is_some_and(|i| i.base_name() == "traefik")
}

pub fn load(inputs: &Inputs<'_>, db: &mut SourceDb) -> TraefikFiles {
    let mut files = Files {
        db,
        inputs,
        texts: BTreeMap::new(),
        parsed: BTreeMap::new(),
        findings: Vec::new(),
        reported: HashSet::new(),
    };
    let mut statics = Vec::new();
    let mut used_static: HashSet<PathBuf> = HashSet::new();
    let mut static_candidates: Vec<PathBuf> = Vec::new();
    for p in inputs.yaml.iter().chain(inputs.toml) {
        if is_traefik_name(p) || files.text(p).is_some_and(|t| has_top_key(&t, "entrypoints")) {
            static_candidates.push(p.clone());
        }
    }

    for (si, stack) in inputs.stacks.iter().enumerate().filter(|(_, s)| s.loaded) {
        for svc in stack.active_services().filter(|s| is_traefik_service(s)) {
            let role = ProxyRole::Container { stack: si, service: svc.name.clone() };
            statics.push(service_config(&mut files, svc, role, &static_candidates, &mut used_static));
        }
    }
    // Static files no service reads: the host's Traefik (unless a service mounts them somewhere Traefik
    // does not look, which the service's `ignored` records).
    let mounted = |p: &Path| {
        inputs.stacks.iter().filter(|s| s.loaded).flat_map(|s| s.active_services()).any(|svc| {
            svc.volumes
                .iter()
                .any(|m| m.kind == MountKind::Bind && m.host_path.as_deref().is_some_and(|h| p.starts_with(h)))
        })
    };
    for path in &static_candidates {
        if used_static.contains(path) || mounted(path) {
            continue;
        }
        // A `traefik.*` file that does not parse is reported when it reads as a static configuration
        // (a Helm template named `traefik.yaml` is not one).
        let looks_static = files
            .text(path)
            .is_some_and(|t| ["entrypoints", "providers", "certificatesresolvers"].iter().any(|k| has_top_key(&t, k)));
        let report = (is_traefik_name(path) && looks_static).then_some("static configuration");
        let Some((id, doc)) = files.document(path, report) else { continue };
        let Some(doc) = doc.filter(|d| sc::is_static(d, is_traefik_name(path))) else { continue };
        let mut c =
            sc::interpret(&sc::settings_from_node(&doc), StaticSource::File, ProxyRole::Host, Span::file_start(id));
        c.file = Some(id);
        statics.push(c);
    }

    // Dynamic files: YAML with a `http:` line, TOML with a `[http` table, and everything under a mapped
    // file-provider path.
    let mapped: Vec<PathBuf> = statics.iter().flat_map(|c| c.dynamic_paths.iter().cloned()).collect();
    let under_mapped = |p: &Path| mapped.iter().any(|m| p.starts_with(m));
    let mut candidates: Vec<PathBuf> = inputs.yaml.iter().chain(inputs.toml).cloned().collect();
    candidates.extend(mapped.iter().filter(|m| m.is_file()).cloned());
    candidates.sort();
    candidates.dedup();
    let mut dynamic = Vec::new();
    for path in &candidates {
        if used_static.contains(path) {
            continue;
        }
        let in_dir = under_mapped(path);
        let toml = is_toml(path);
        let Some(text) = files.text(path) else { continue };
        let wanted =
            in_dir || if toml { has_top_key(&text, "http") } else { text.lines().any(|l| l.starts_with("http:")) };
        if !wanted {
            continue;
        }
        let Some(p) = files.get(path) else { continue };
        let id = p.id;
        match &p.docs {
            Ok(docs) => {
                for doc in docs.iter().filter(|d| in_dir || file::is_dynamic(d)) {
                    dynamic.push((id, file::read(doc)));
                }
            }
            Err(e) => {
                let e = e.clone();
                // Dynamic files are Go templates: one with `{{` is only YAML/TOML once Traefik renders it.
                if in_dir && !text.contains("{{") {
                    files.syntax_error(id, toml, &e, "dynamic configuration");
                }
            }
        }
    }
    for c in &mut statics {
        let mut ids: Vec<FileId> = dynamic
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| c.dynamic_paths.iter().any(|d| files.db.path(*id).starts_with(d)))
            .collect();
        ids.dedup();
        c.dynamic_files = ids;
    }
    let mut findings = files.findings;
    findings.extend(super::resolve_file_rules(&mut dynamic, inputs.stacks, files.db, inputs.version));
    TraefikFiles { statics, dynamic, findings }
}

/// The static configuration of one Traefik service: its file if one is mounted where Traefik looks,
/// else its flags, else its `TRAEFIK_*` variables, else the defaults.
fn service_config(
    files: &mut Files<'_>,
    svc: &Service,
    role: ProxyRole,
    candidates: &[PathBuf],
    used: &mut HashSet<PathBuf>,
) -> StaticConfig {
    let args = svc.command.as_ref().map(|c| sc::command_args(files.db, c)).unwrap_or_default();
    let (flag_settings, config_file) = sc::settings_from_flags(files.db, &args);
    let env: Vec<(&str, Span, Option<Value>)> = svc
        .environment
        .iter()
        .filter(|e| e.key.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("TRAEFIK_")))
        .map(|e| (e.key.as_str(), e.key_span, e.value.clone().map(|v| Value { value: v, span: e.value_span })))
        .collect();
    let env_settings = sc::settings_from_env(files.db, &env);

    // The file Traefik finds: `--configFile` (relative to the working directory `/`), else the defaults.
    let wanted: Vec<String> = match &config_file {
        Some(f) if f.value.starts_with('/') => vec![f.value.clone()],
        Some(f) => vec![format!("/{}", f.value.trim_start_matches("./"))],
        None => DEFAULT_PATHS.iter().map(|p| (*p).to_owned()).collect(),
    };
    let found = wanted.iter().filter_map(|p| host_path(svc, p)).find(|h| h.is_file());
    let mut config = match &found {
        Some(path) => {
            used.insert(path.clone());
            let (id, doc) = match files.document(path, Some("static configuration")) {
                Some((id, doc)) => (Some(id), doc),
                None => (None, None),
            };
            let settings = doc.as_ref().map(sc::settings_from_node).unwrap_or_default();
            let anchor = id.map_or(svc.name_span, Span::file_start);
            let mut c = sc::interpret(&settings, StaticSource::File, role, anchor);
            c.file = id;
            if !flag_settings.is_empty() {
                let span = svc.command.as_ref().map_or(svc.name_span, |c| c.span);
                c.ignored.push(IgnoredSource { source: StaticSource::Flags, span });
            }
            if let Some(first) = env.first() {
                c.ignored.push(IgnoredSource { source: StaticSource::Env, span: first.1 });
            }
            c
        }
        None if !args.is_empty() => {
            let mut c = sc::interpret(&flag_settings, StaticSource::Flags, role, svc.name_span);
            c.unresolved_config_file = config_file.clone();
            if let Some(first) = env.first() {
                c.ignored.push(IgnoredSource { source: StaticSource::Env, span: first.1 });
            }
            c
        }
        None if !env_settings.is_empty() => sc::interpret(&env_settings, StaticSource::Env, role, svc.name_span),
        None => sc::interpret(&[], StaticSource::Default, role, svc.name_span),
    };
    // Static files mounted into the service where Traefik does not look.
    for path in candidates {
        if found.as_ref() == Some(path) {
            continue;
        }
        let mounted = svc
            .volumes
            .iter()
            .any(|m| m.kind == MountKind::Bind && m.host_path.as_deref().is_some_and(|h| path.starts_with(h)));
        if !mounted {
            continue;
        }
        if let Some((id, Some(doc))) = files.document(path, None)
            && sc::is_static(&doc, is_traefik_name(path))
        {
            config.ignored.push(IgnoredSource { source: StaticSource::File, span: Span::file_start(id) });
        }
    }
    // The file provider's paths on the host.
    if let Some(fp) = &config.file_provider {
        let paths = [&fp.directory, &fp.filename];
        config.dynamic_paths = paths.into_iter().flatten().filter_map(|v| host_path(svc, &v.value)).collect();
    }
    config
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn top_keys() {
        assert!(has_top_key("entryPoints:\n  web: {}\n", "entrypoints"));
        assert!(has_top_key("[entryPoints.web]\naddress = \":80\"\n", "entrypoints"));
        assert!(has_top_key("[http.routers.a]\n", "http"));
        assert!(has_top_key("[[http.services.a.loadBalancer.servers]]\n", "http"));
        assert!(!has_top_key("  entryPoints:\n", "entrypoints"));
        assert!(!has_top_key("httpd:\n", "http"));
    }

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    fn load_dir(dir: &Path) -> crate::load::Loaded {
        crate::load::load(&crate::load::LoadOptions { paths: vec![dir.to_path_buf()], ..Default::default() })
    }

    const COMPOSE: &str = "services:\n  traefik:\n    image: traefik:v3.1\n    command:\n      - --providers.docker.network=ignored\n    environment:\n      TRAEFIK_LOG_LEVEL: DEBUG\n    ports: [\"80:80\", \"443:443\"]\n    volumes:\n      - ./traefik/traefik.toml:/etc/traefik/traefik.toml:ro\n      - ./traefik/dynamic:/etc/traefik/dynamic:ro\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n";

    #[test]
    fn mounted_static_file_wins_and_maps_the_dynamic_directory() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            &[
                ("docker-compose.yml", COMPOSE),
                (
                    "traefik/traefik.toml",
                    "[entryPoints.web]\naddress = \":80\"\n[providers.docker]\nexposedByDefault = false\nnetwork = \"proxy\"\n[providers.file]\ndirectory = \"/etc/traefik/dynamic\"\n",
                ),
                (
                    "traefik/dynamic/app.toml",
                    "[http.routers.app]\nrule = \"Host(`app.example.org`)\"\nservice = \"app\"\n[[http.services.app.loadBalancer.servers]]\nurl = \"http://app:8000\"\n",
                ),
                ("traefik/dynamic/sec.yml", "http:\n  middlewares:\n    sec: {headers: {stsSeconds: 1}}\n"),
            ],
        );
        let l = load_dir(tmp.path());
        assert!(l.findings.iter().all(|f| !f.code.starts_with('P')), "{:?}", l.findings);
        let m = &l.model;
        assert_eq!(m.traefik_static.len(), 1, "the static file belongs to the service, not to a host Traefik");
        let c = &m.traefik_static[0];
        assert_eq!(c.source, StaticSource::File);
        assert_eq!(c.watched_network(), Some("proxy"), "the file wins over the flag");
        assert!(!c.exposed_by_default());
        let ignored: Vec<StaticSource> = c.ignored.iter().map(|i| i.source).collect();
        assert_eq!(ignored, [StaticSource::Flags, StaticSource::Env]);
        assert!(c.dynamic_paths[0].ends_with("traefik/dynamic"));
        assert_eq!(c.dynamic_files.len(), 2);
        assert!(m.traefik_static_of(0, "traefik").is_some());
        let app = m.traefik_files.iter().flat_map(|(_, d)| d.routers.iter()).find(|r| r.name == "app").unwrap();
        assert!(matches!(app.parsed, Some(Ok(_))));
        let svc = m.traefik_files.iter().flat_map(|(_, d)| d.services.iter()).find(|s| s.name == "app").unwrap();
        assert_eq!(svc.urls[0].value, "http://app:8000");
    }

    #[test]
    fn syntax_errors_in_traefik_files_are_p006() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            &[
                ("docker-compose.yml", COMPOSE),
                ("traefik/traefik.toml", "[providers.file]\ndirectory = \"/etc/traefik/dynamic\"\n"),
                ("host/traefik.yml", "entryPoints:\n  web: {address: \":80\"\n"),
                (
                    "traefik/dynamic/bad.toml",
                    "[http.routers.app]\nrule = \"Host(`a.example.org`)\"\n[http.routers.app]\n",
                ),
                ("traefik/dynamic/bad.yml", "http:\n  routers: [\n"),
                // A Go template is YAML only once Traefik renders it.
                (
                    "traefik/dynamic/tmpl.yml",
                    "http:\n  routers:\n{{ range $i := until 3 }}\n    r{{ $i }}: {rule: \"Host(`a`)\"}\n{{ end }}\n",
                ),
                // A Helm template named `traefik.yaml` is not a static configuration.
                ("chart/templates/traefik.yaml", "{{- if .Values.traefik.enabled }}\nkind: Deployment\n  x: [\n"),
                // Not Traefik's: a broken TOML file elsewhere stays silent.
                ("other/config.toml", "[http\n"),
            ],
        );
        let l = load_dir(tmp.path());
        let p006: Vec<String> = l
            .findings
            .iter()
            .filter(|f| f.code == "P006")
            .map(|f| l.model.db.path(f.primary.span.file).display().to_string())
            .collect();
        assert_eq!(p006.len(), 3, "{p006:?}");
        assert!(p006.iter().all(|p| p.contains("traefik")));
    }

    #[test]
    fn flags_then_env_then_defaults() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            &[
                (
                    "a/docker-compose.yml",
                    "services:\n  proxy:\n    image: traefik:v2.11\n    command: --entrypoints.websecure.address=:443 --providers.docker.exposedByDefault=false\n    environment:\n      - TRAEFIK_PROVIDERS_DOCKER_NETWORK=ignored\n",
                ),
                (
                    "b/docker-compose.yml",
                    "services:\n  proxy:\n    image: traefik\n    environment:\n      - TRAEFIK_PROVIDERS_DOCKER_NETWORK=web\n      - TRAEFIK_ENTRYPOINTS_WEB_ADDRESS=:80\n",
                ),
                ("c/docker-compose.yml", "services:\n  proxy:\n    image: traefik:3\n"),
                // A static file nobody mounts: the host's Traefik.
                ("host/traefik.yml", "entryPoints:\n  web:\n    address: :80\nproviders:\n  docker: {}\n"),
            ],
        );
        let l = load_dir(tmp.path());
        let m = &l.model;
        let by_source = |s: StaticSource| m.traefik_static.iter().filter(|c| c.source == s).collect::<Vec<_>>();
        let flags = by_source(StaticSource::Flags);
        assert_eq!(flags.len(), 1);
        assert!(flags[0].entry_point("websecure").is_some());
        assert_eq!(flags[0].watched_network(), None);
        assert_eq!(flags[0].ignored[0].source, StaticSource::Env);
        let text = m.db.text(flags[0].entry_point("websecure").unwrap().name_span.file);
        assert_eq!(&text[flags[0].entry_point("websecure").unwrap().name_span.range()], "websecure");
        let env = by_source(StaticSource::Env);
        assert_eq!(env[0].watched_network(), Some("web"));
        assert_eq!(env[0].entry_point("web").unwrap().port, Some(80));
        let def = by_source(StaticSource::Default);
        assert!(!def[0].docker_enabled());
        assert_eq!(def[0].entry_point("http").unwrap().port, Some(80));
        let file = by_source(StaticSource::File);
        assert_eq!(file.len(), 1);
        assert_eq!(file[0].role, ProxyRole::Host);
        assert!(file[0].exposed_by_default());
    }
}
