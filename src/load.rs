//! The loader: reads every file once, builds the [`StackModel`] and reports load problems as P0xx
//! findings. It never fails on anything inside a user file.
//!
//! Per stack, as Compose does (semantics.md §1): the interpolation environment (env files, the process
//! environment only with `--use-shell-env`), the project name, then per file and document:
//! interpolation, the schema check, `extends`, `include`, and the merge onto the files before it;
//! finally the typed model, the container environment of every service (`env_file:` then
//! `environment:`) and the active profiles.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::compose::convert::{self, BaseDirs, normalize, resolve_path};
use crate::compose::interpolate::{self, Problem};
use crate::compose::merge::{self, key_value_entries};
use crate::compose::schema;
use crate::discover::{self, StackSpec};
use crate::envfile;
use crate::finding::Finding;
use crate::interp::{self, Lookup};
use crate::model::env::{EnvEntry, EnvValue};
use crate::model::{
    EnvFileModel, EnvRole, EnvSource, EnvVar, ProjectNameSource, Stack, StackModel, TemplatePair, VarDef, lookup_var,
};
use crate::provenance::{InterpInfo, Origin};
use crate::rules::parse as p;
use crate::source::{FileId, FileKind, Span};
use crate::yaml::{self, Entry, Key, Kind, Node};

/// What to load and how.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Directories (or files) to discover stacks in.
    pub paths: Vec<PathBuf>,
    /// `-f`: compose files of one explicit stack (discovery then only pairs env files and templates).
    pub files: Vec<PathBuf>,
    /// `--env-file`: interpolation env files of the explicit stack.
    pub env_files: Vec<PathBuf>,
    pub project_name: Option<String>,
    pub profiles: Vec<String>,
    /// Let the process environment feed interpolation, as compose does on a server.
    pub use_shell_env: bool,
    /// No stand-ins for absent env files; `${VAR:?}` errors even without an env file.
    pub strict_env: bool,
    pub yaml_limits: yaml::Limits,
    /// Files larger than this are not read (P001).
    pub max_file_size: u64,
    /// Maximum depth of `include` / `extends.file` chains.
    pub max_include_depth: usize,
    /// stackcheck.toml, when one was found.
    pub config: Option<crate::config::Config>,
    /// E209 requirements: the built-in packs, the repository's packs, `[[rules.require]]`.
    pub requirements: Vec<crate::packs::Requirement>,
    /// `--dns`: replaces the config's `[dns] mode`.
    pub dns_mode: Option<crate::config::DnsMode>,
    /// `--expect-ip`: added to `[host] public_ip`.
    pub expect_ip: Vec<std::net::IpAddr>,
    /// `--dns-server`: live DNS asks these instead of `[dns] nameservers` (or the system's resolver).
    pub dns_servers: Vec<std::net::SocketAddr>,
    /// Texts that stand in for files on disk (the fix loop re-lints its edits before it writes anything).
    pub overlay: Overlay,
}

/// File texts that replace what is on disk, keyed by canonical path: `--fix` re-loads the stack after each
/// round of edits, and `--diff` never writes, so the loader reads the edited texts from here.
#[derive(Clone, Debug, Default)]
pub struct Overlay(Arc<HashMap<PathBuf, Arc<str>>>);

impl Overlay {
    /// `files` keyed by [`Overlay::key`].
    pub fn new(files: HashMap<PathBuf, Arc<str>>) -> Overlay {
        Overlay(Arc::new(files))
    }

    /// The key of a path: the file it names (symlinks and `..` resolved), or the path itself when it does not
    /// exist.
    pub fn key(path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn get(&self, path: &Path) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        self.0.get(&Overlay::key(path)).map(|t| t.to_string())
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            paths: vec![PathBuf::from(".")],
            files: Vec::new(),
            env_files: Vec::new(),
            project_name: None,
            profiles: Vec::new(),
            use_shell_env: false,
            strict_env: false,
            yaml_limits: yaml::Limits::default(),
            max_file_size: 10 * 1024 * 1024,
            max_include_depth: 16,
            config: None,
            requirements: crate::packs::builtin(),
            dns_mode: None,
            expect_ip: Vec::new(),
            dns_servers: Vec::new(),
            overlay: Overlay::default(),
        }
    }
}

/// The model and the load findings (P0xx only).
pub struct Loaded {
    pub model: StackModel,
    pub findings: Vec<Finding>,
}

/// Loads everything `opts` points at. Infallible for anything inside a user file.
pub fn load(opts: &LoadOptions) -> Loaded {
    let mut l = Loader::new(opts);
    l.model.requirements = opts.requirements.clone();
    let found = discover::discover(&opts.paths);
    l.dir_cache.extend(found.listings.iter().map(|(d, names)| (d.clone(), names.clone())));
    l.regular = found.regular.clone();
    let config_stacks = opts.config.as_ref().filter(|c| !c.stacks.is_empty());
    let specs: Vec<StackSpec> = if let (true, Some(config)) = (opts.files.is_empty(), config_stacks) {
        // Stacks declared in stackcheck.toml replace discovery (env files and templates are still found).
        config.stacks.iter().map(|s| config_spec(config, s, opts)).collect()
    } else if opts.files.is_empty() {
        // `--profile`, `-p` and `--env-file` apply to every discovered stack, as they would to
        // `docker compose` run in each directory.
        let mut specs = found.stacks.clone();
        for spec in &mut specs {
            if !opts.profiles.is_empty() {
                spec.profiles = opts.profiles.clone();
            }
            if opts.project_name.is_some() {
                spec.project_name = opts.project_name.clone();
            }
            if !opts.env_files.is_empty() {
                spec.env_files = opts.env_files.iter().map(|f| normalize(f)).collect();
                spec.explicit_env = true;
            }
        }
        specs
    } else {
        vec![explicit_spec(opts)]
    };
    let mut compose_paths: Vec<PathBuf> =
        specs.iter().flat_map(|s| s.files.iter().chain(&s.overlay_base)).cloned().collect();
    compose_paths.extend(found.extra_compose.iter().cloned());
    l.prefetch_compose(&compose_paths);
    let mut env_paths: Vec<(PathBuf, EnvRole)> = found.env_files.iter().map(|e| (e.clone(), EnvRole::Env)).collect();
    env_paths.extend(found.templates.iter().map(|t| (t.clone(), EnvRole::Template)));
    l.prefetch_env(&env_paths);
    for t in &found.templates {
        l.register_template(t);
    }
    // `template = "..."` of a [[stack]] pairs that template with the stack's first env file.
    if let Some(config) = &opts.config {
        for s in &config.stacks {
            if let (Some(t), Some(env)) = (&s.template, s.env_file.first()) {
                l.pair_template(&config.resolve(t), &config.resolve(env));
            }
        }
    }
    let mut stacks = Vec::with_capacity(specs.len());
    // Parsed documents are handed over (not copied) to the last stack that lists their file, and parsed
    // again from the kept text if an `include` or `extends` needs them later: loading then holds about
    // one copy of the trees instead of two, and copies none for files used once.
    for spec in &specs {
        for f in spec.files.iter().chain(&spec.overlay_base) {
            *l.uses.entry(normalize(f)).or_default() += 1;
        }
    }
    for spec in &specs {
        stacks.push(l.load_stack(spec));
        for f in spec.files.iter().chain(&spec.overlay_base) {
            l.used_once(&normalize(f));
        }
    }
    // Services that other compose-named files of the repository define with an image or a build.
    let mut completed: HashSet<String> = HashSet::new();
    for f in &found.extra_compose {
        let (_, docs) = l.compose_file(f);
        for doc in docs.iter().flat_map(|d| d.iter()) {
            for e in doc.get("services").and_then(Node::as_map).unwrap_or_default() {
                if e.value.get("image").is_some() || e.value.get("build").is_some() {
                    completed.insert(e.key.name.clone());
                }
            }
        }
    }
    mark_fragments(&mut stacks, &specs, completed);
    if let Some(config) = &opts.config {
        l.host_config(config, &mut stacks, config_stacks.is_some() && opts.files.is_empty());
    }
    for stack in &stacks {
        l.report_incomplete_services(stack);
    }
    l.model.migrations =
        crate::sources::migrations::collect(&mut l.model.db, &stacks, &l.model.dockerfiles, opts.config.as_ref());
    let traefik_version: Option<u8> =
        opts.config.as_ref().and_then(|c| c.traefik.version.as_ref()).map(|v| *v.get_ref());
    let traefik = crate::sources::traefik::resolve_rules(&mut stacks, &l.model.db, traefik_version);
    l.findings.extend(traefik);
    l.load_dns();
    let dockerfiles = std::mem::take(&mut l.model.dockerfiles);
    l.load_nginx(&found.nginx, &stacks, &dockerfiles);
    l.load_caddy(&found.caddy, &stacks, &dockerfiles);
    l.load_traefik_files(&found, &stacks, traefik_version);
    l.model.dockerfiles = dockerfiles;
    let mut loaded = l.finish(stacks);
    if loaded.model.dns.mode == crate::config::DnsMode::Live {
        loaded.model.dns.live = Some(live_dns(&loaded.model, opts));
    }
    loaded.model.routes = crate::model::routes::build(&loaded.model);
    loaded
}

/// `--dns live`: looks up every domain the finished model serves (each name once).
fn live_dns(model: &crate::model::StackModel, opts: &LoadOptions) -> crate::sources::dns::LiveDns {
    use crate::sources::dns_live::{self, LiveSettings};
    let dns = opts.config.as_ref().map(|c| &c.dns);
    let settings = LiveSettings {
        servers: if opts.dns_servers.is_empty() {
            dns.map(crate::config::Dns::nameserver_addrs).unwrap_or_default()
        } else {
            opts.dns_servers.clone()
        },
        timeout: dns.and_then(crate::config::Dns::timeout).unwrap_or(dns_live::DEFAULT_TIMEOUT),
    };
    let names: Vec<String> = crate::sources::domains::served_domains(model).into_iter().map(|(name, _)| name).collect();
    dns_live::lookup(&names, &settings)
}

/// A stack declared in stackcheck.toml (`[[stack]]`); paths relative to the config file.
fn config_spec(config: &crate::config::Config, s: &crate::config::StackConfig, opts: &LoadOptions) -> StackSpec {
    let files: Vec<PathBuf> = s.compose.iter().map(|f| config.resolve(f)).collect();
    let dir = files.first().and_then(|f| f.parent()).map_or_else(
        || config.dir.clone(),
        |d| if d.as_os_str().is_empty() { PathBuf::from(".") } else { d.to_path_buf() },
    );
    StackSpec {
        name: s.name.clone(),
        files,
        project_dir: dir.clone(),
        env_files: s.env_file.iter().map(|f| config.resolve(f)).collect(),
        explicit_env: !s.env_file.is_empty(),
        project_name: opts.project_name.clone().or_else(|| s.project.as_ref().map(|p| p.get_ref().clone())),
        profiles: if opts.profiles.is_empty() { s.profiles.clone() } else { opts.profiles.clone() },
        app: dir.to_string_lossy().into_owned(),
        env_name: Some(s.name.clone()),
        host: s.host.clone().unwrap_or_else(|| "config".to_owned()),
        explicit: true,
        overlay_base: None,
    }
}

fn explicit_spec(opts: &LoadOptions) -> StackSpec {
    let files: Vec<PathBuf> = opts.files.iter().map(|f| normalize(f)).collect();
    let dir = files.first().and_then(|f| f.parent()).map_or_else(
        || PathBuf::from("."),
        |d| if d.as_os_str().is_empty() { PathBuf::from(".") } else { d.to_path_buf() },
    );
    let name = files.iter().map(|f| f.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" + ");
    StackSpec {
        name,
        files,
        project_dir: dir.clone(),
        env_files: opts.env_files.iter().map(|f| normalize(f)).collect(),
        explicit_env: !opts.env_files.is_empty(),
        project_name: opts.project_name.clone(),
        profiles: opts.profiles.clone(),
        app: dir.to_string_lossy().into_owned(),
        env_name: None,
        host: "explicit".to_owned(),
        explicit: true,
        overlay_base: None,
    }
}

/// A discovered stack that cannot stand alone (a service without image or build, or names that only
/// another compose file of the repository declares) is a fragment of a multi-file deployment: rules that
/// need the whole project skip it, and it reports no completeness errors.
fn mark_fragments(stacks: &mut [Stack], specs: &[StackSpec], mut complete_svcs: HashSet<String>) {
    let mut declared_nets: HashSet<String> = HashSet::new();
    let mut declared_vols: HashSet<String> = HashSet::new();
    let mut declared_svcs: HashSet<String> = HashSet::new();
    for s in stacks.iter() {
        complete_svcs
            .extend(s.services.iter().filter(|v| v.image.is_some() || v.build.is_some()).map(|v| v.name.clone()));
        declared_nets.extend(s.networks.iter().filter(|n| !n.implicit).map(|n| n.key.clone()));
        declared_vols.extend(s.volumes.iter().map(|n| n.key.clone()));
        declared_svcs.extend(s.services.iter().map(|n| n.name.clone()));
    }
    for (stack, spec) in stacks.iter_mut().zip(specs) {
        if spec.explicit || !stack.loaded {
            continue;
        }
        let own_nets: HashSet<&str> = stack.networks.iter().map(|n| n.key.as_str()).collect();
        let own_vols: HashSet<&str> = stack.volumes.iter().map(|n| n.key.as_str()).collect();
        let own_svcs: HashSet<&str> = stack.services.iter().map(|n| n.name.as_str()).collect();
        let mut unresolved_elsewhere = false;
        let mut unresolved_nowhere = false;
        for svc in &stack.services {
            let mut check = |name: &str, own: &HashSet<&str>, all: &HashSet<String>| {
                if !own.contains(name) {
                    if all.contains(name) {
                        unresolved_elsewhere = true;
                    } else {
                        unresolved_nowhere = true;
                    }
                }
            };
            for n in &svc.networks {
                if n.name != "default" {
                    check(&n.name, &own_nets, &declared_nets);
                }
            }
            for m in &svc.volumes {
                if m.kind == crate::model::MountKind::Volume
                    && let Some(src) = &m.source
                {
                    check(src, &own_vols, &declared_vols);
                }
            }
            for d in &svc.depends_on {
                check(&d.service, &own_svcs, &declared_svcs);
            }
        }
        // A service without image or build that another compose file of the repository completes.
        let completed_elsewhere = stack.services.iter().any(|s| {
            s.image.is_none()
                && s.build.is_none()
                && s.node.get("provider").is_none()
                && complete_svcs.contains(&s.name)
        });
        if completed_elsewhere || (unresolved_elsewhere && !unresolved_nowhere) {
            stack.fragment = true;
        }
    }
}

/// Where each file's relative paths resolve.
#[derive(Default)]
struct Dirs {
    map: HashMap<FileId, PathBuf>,
    fallback: PathBuf,
}

impl BaseDirs for Dirs {
    fn base_dir(&self, file: FileId) -> &Path {
        self.map.get(&file).map_or(self.fallback.as_path(), PathBuf::as_path)
    }
}

/// Per-stack state while its files are processed.
struct StackCtx<'a> {
    vars: &'a HashMap<String, VarDef>,
    dirs: Dirs,
    extra_files: Vec<FileId>,
    /// Services whose `extends` was resolved (compose removes the key); name → (span, service, file).
    extended: Vec<(String, crate::model::Extends)>,
    include_chain: Vec<PathBuf>,
    /// Report `${VAR:?}` failures as P009 (an interpolation env file exists, or `--strict-env`).
    required_is_error: bool,
}

impl StackCtx<'_> {
    fn undefined(&self) -> interpolate::Undefined {
        if self.required_is_error { interpolate::Undefined::Empty } else { interpolate::Undefined::FromDeployEnv }
    }
}

/// The documents of a YAML file, or why it does not parse.
type YamlResult = Result<Vec<Node>, yaml::YamlError>;

/// A compose file once read: its id and its documents (None when it could not be read or parsed).
type ParsedFile = (FileId, Option<Arc<Vec<Node>>>);

struct Loader<'o> {
    opts: &'o LoadOptions,
    model: StackModel,
    findings: Vec<Finding>,
    compose_cache: HashMap<PathBuf, ParsedFile>,
    env_cache: HashMap<PathBuf, Option<FileId>>,
    /// Template file for an env path (by the env file's path).
    template_for: HashMap<PathBuf, PathBuf>,
    process_env: HashMap<String, String>,
    /// Absent env files already reported as stood in for (P010 once per file).
    stand_ins_reported: HashSet<PathBuf>,
    /// Directory listings (template lookups), read once.
    dir_cache: HashMap<PathBuf, Arc<Vec<String>>>,
    /// Compose files whose parsed documents were released (`release`), with their ids.
    released: HashMap<PathBuf, FileId>,
    /// Paths discovery saw as regular files.
    regular: HashSet<PathBuf>,
    /// How many stacks still plan to use each compose file.
    uses: HashMap<PathBuf, usize>,
    dockerfile_cache: HashMap<PathBuf, Option<FileId>>,
    cwd: PathBuf,
}

enum EnvLookup {
    Found(FileId),
    StandIn(FileId),
    Missing,
}

impl<'o> Loader<'o> {
    fn new(opts: &'o LoadOptions) -> Self {
        let process_env = if opts.use_shell_env { std::env::vars().collect() } else { HashMap::new() };
        Loader {
            opts,
            model: StackModel::default(),
            findings: Vec::new(),
            compose_cache: HashMap::new(),
            env_cache: HashMap::new(),
            template_for: HashMap::new(),
            process_env,
            stand_ins_reported: HashSet::new(),
            dir_cache: HashMap::new(),
            released: HashMap::new(),
            regular: HashSet::new(),
            uses: HashMap::new(),
            dockerfile_cache: HashMap::new(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        }
    }

    /// The DNS records of `[dns]` (a zone file or inline records), the expected addresses and the
    /// `[[stack]] domains`. `live` mode loads the configured records too; its lookups run once the model
    /// is complete ([`live_dns`]), since they need every domain the proxies serve.
    fn load_dns(&mut self) {
        use crate::config::{DnsMode, DnsRecords};
        use crate::sources::dns;
        let config = self.opts.config.as_ref();
        let mode = self.opts.dns_mode.or_else(|| config.and_then(|c| c.dns.mode)).unwrap_or_else(|| {
            if config.is_some_and(|c| c.dns.records.is_some()) { DnsMode::File } else { DnsMode::Off }
        });
        let mut model = dns::DnsModel { mode, ..dns::DnsModel::default() };
        if let Some(host) = config.map(|c| &c.host) {
            model.expect_v4.extend(host.public_ip.as_ref().map(|i| *i.get_ref()));
            model.expect_v6.extend(host.public_ipv6.as_ref().map(|i| *i.get_ref()));
        }
        for ip in &self.opts.expect_ip {
            match ip {
                std::net::IpAddr::V4(v4) => model.expect_v4.push(*v4),
                std::net::IpAddr::V6(v6) => model.expect_v6.push(*v6),
            }
        }
        if let Some(c) = config {
            // host_config added the file to the table.
            if let Some(id) = self.model.db.find(&c.path) {
                model.configured_domains = c
                    .stacks
                    .iter()
                    .flat_map(|s| &s.domains)
                    .map(|d| (d.get_ref().clone(), Span::new(id, d.span().start, d.span().end)))
                    .collect();
            }
        }
        if mode != DnsMode::Off {
            match config.and_then(|c| c.dns.records.as_ref().map(|r| (c, r))) {
                Some((c, DnsRecords::File(p))) => {
                    let path = c.resolve(p);
                    let path = path.strip_prefix(&self.cwd).map(Path::to_path_buf).unwrap_or(path);
                    if !path.exists() {
                        let id = self.model.db.add(c.path.clone(), Arc::from(""), FileKind::Other);
                        self.findings.push(
                            Finding::new(
                                &p::P008,
                                Span::file_start(id),
                                format!("DNS records file `{p}` does not exist"),
                            )
                            .help("`[dns] records` names a zone file relative to the config's directory"),
                        );
                    } else {
                        let (id, text) = self.read(&path, FileKind::Zone);
                        if let Some(text) = text {
                            let zone = dns::parse(id, &text, None);
                            self.zone_findings(&zone);
                            model.zone = Some(zone);
                            model.file = Some(id);
                        }
                    }
                }
                Some((c, DnsRecords::Inline(records))) => {
                    let text = dns::inline_zone_text(records);
                    let id = self.model.db.add(
                        c.path.with_extension("toml [dns.records]"),
                        Arc::from(text.as_str()),
                        FileKind::Zone,
                    );
                    let zone = dns::parse(id, &text, None);
                    self.zone_findings(&zone);
                    model.zone = Some(zone);
                    model.file = Some(id);
                }
                None => {}
            }
        }
        self.model.dns = model;
    }

    /// nginx configurations: each candidate file whose text reads as nginx is parsed with its includes
    /// (relative to the including file), its role decided by the bind mounts of the services (a service
    /// that mounts the file or a directory holding it runs it; a `*.conf.template` is rendered with that
    /// service's environment, as the nginx image's envsubst step does). A file included by another one
    /// is not a root of its own. Syntax errors are P005; a missing relative include is P008; includes of
    /// absolute paths outside the repository (`/etc/nginx/mime.types`) are the server's and not checked.
    fn load_nginx(
        &mut self,
        candidates: &[PathBuf],
        stacks: &[Stack],
        dockerfiles: &[crate::sources::dockerfile::Dockerfile],
    ) {
        use crate::model::{NginxConfig, ProxyRole};
        use crate::sources::nginx;
        let mut texts: Vec<(PathBuf, FileId, Arc<str>)> = Vec::new();
        for path in candidates {
            let Ok(text) = read_text(path, self.opts.max_file_size, &self.opts.overlay) else { continue };
            if !looks_like_nginx(&text) {
                continue;
            }
            let text: Arc<str> = Arc::from(text);
            let id = self.model.db.add(path.clone(), text.clone(), FileKind::Nginx);
            texts.push((path.clone(), id, text));
        }
        let mut configs: Vec<(PathBuf, nginx::Config, ProxyRole)> = Vec::new();
        let mut included: HashSet<PathBuf> = HashSet::new();
        for (path, id, text) in &texts {
            let role = proxy_config_role(path, &self.cwd, stacks, dockerfiles);
            let env: Option<HashMap<String, String>> = match &role {
                ProxyRole::Container { stack, service } => {
                    stacks.get(*stack).and_then(|s| s.service(service)).map(|svc| {
                        svc.environment.iter().filter_map(|e| Some((e.key.clone(), e.value.clone()?))).collect()
                    })
                }
                ProxyRole::Host => None,
            };
            let opts = nginx::IncludeOptions { template_env: env, ..nginx::IncludeOptions::including_file() };
            let known: HashMap<PathBuf, (FileId, Arc<str>)> =
                texts.iter().map(|(p, i, t)| (p.clone(), (*i, t.clone()))).collect();
            let root = (path.clone(), (*id, text.clone()));
            let db = &mut self.model.db;
            let max = self.opts.max_file_size;
            let overlay = &self.opts.overlay;
            let mut fs = |p: &Path| -> Result<(FileId, Arc<str>), String> {
                if *p == root.0 {
                    return Ok(root.1.clone());
                }
                if let Some(found) = known.get(p) {
                    return Ok(found.clone());
                }
                let text: Arc<str> = Arc::from(read_text(p, max, overlay)?);
                Ok((db.add(p.to_path_buf(), text.clone(), FileKind::Nginx), text))
            };
            let ctx = nginx::guess_context(text);
            let config = nginx::resolve(&mut fs, path, ctx, &opts);
            for f in config.files.iter().skip(1) {
                included.insert(f.path.clone());
            }
            configs.push((path.clone(), config, role));
        }
        for (path, config, role) in configs {
            for e in config.files.iter().flat_map(|f| f.parsed.errors.iter()) {
                let mut f = Finding::new(&p::P005, e.span, format!("invalid nginx configuration: {}", e.message));
                if let Some((span, hint)) = &e.hint {
                    f = f.related(*span, hint.clone());
                }
                self.findings.push(
                    f.help("`nginx -t` rejects this file: the server keeps its old configuration or fails to start"),
                );
            }
            for e in &config.errors {
                if e.message.starts_with("open() \"/") {
                    continue;
                }
                let code = if e.message.starts_with("open()") { &p::P008 } else { &p::P005 };
                self.findings.push(Finding::new(code, e.span, format!("nginx include: {}", e.message)));
            }
            if included.contains(&path) {
                continue;
            }
            let Some(root) = config.files.first().map(|f| f.parsed.file) else { continue };
            let model = nginx::extract(&config);
            self.model.nginx.push(NginxConfig { root, role, model });
        }
    }

    /// Caddyfiles: parsed with `{$VAR}` resolved against the environment of the service that runs the file
    /// (unknown for the host's Caddy), imports read relative to the importing file. Syntax errors are
    /// P007; errors of Caddy's adapter about the structure (an address-less block, a duplicate address)
    /// only when every `{$VAR}` of the file is known, since an unset variable in the deploy shell would
    /// change the structure.
    fn load_caddy(
        &mut self,
        candidates: &[PathBuf],
        stacks: &[Stack],
        dockerfiles: &[crate::sources::dockerfile::Dockerfile],
    ) {
        use crate::model::{CaddyConfig, ProxyRole};
        use crate::sources::caddy;
        struct Fs<'a> {
            db: &'a mut crate::source::SourceDb,
            max: u64,
            overlay: &'a Overlay,
        }
        impl caddy::ImportResolver for Fs<'_> {
            fn resolve(&mut self, from: FileId, pattern: &str) -> Result<Vec<caddy::ImportedFile>, String> {
                let base = self.db.get(from).and_then(|f| f.path.parent().map(Path::to_path_buf)).unwrap_or_default();
                let full = normalize(&base.join(pattern));
                let paths = if caddy::is_glob(pattern) {
                    crate::sources::nginx::include::glob_fs(&full, 500)
                } else if full.is_file() {
                    vec![full]
                } else {
                    return Err(format!("file to import not found: {pattern}"));
                };
                let mut out = Vec::new();
                for p in paths {
                    let text: Arc<str> = Arc::from(read_text(&p, self.max, self.overlay)?);
                    let file = self.db.add(p, text.clone(), FileKind::Caddyfile);
                    out.push(caddy::ImportedFile { file, text });
                }
                Ok(out)
            }
        }
        for path in candidates {
            let Ok(text) = read_text(path, self.opts.max_file_size, &self.opts.overlay) else { continue };
            let text: Arc<str> = Arc::from(text);
            let id = self.model.db.add(path.clone(), text.clone(), FileKind::Caddyfile);
            let role = proxy_config_role(path, &self.cwd, stacks, dockerfiles);
            let env: HashMap<String, String> = match &role {
                ProxyRole::Container { stack, service } => stacks
                    .get(*stack)
                    .and_then(|s| s.service(service))
                    .map(|svc| {
                        svc.environment
                            .iter()
                            .filter(|e| e.known)
                            .filter_map(|e| Some((e.key.clone(), e.value.clone()?)))
                            .collect()
                    })
                    .unwrap_or_default(),
                ProxyRole::Host => HashMap::new(),
            };
            let lookup = |name: &str| env.get(name).cloned();
            let mut fs = Fs { db: &mut self.model.db, max: self.opts.max_file_size, overlay: &self.opts.overlay };
            let cf = caddy::parse(id, &text, &lookup, &mut fs, &caddy::Options::default());
            let all_known = cf.env_uses.iter().all(|(_, u)| env.contains_key(&u.name));
            let model = caddy::build_model(&cf);
            for e in cf.errors.iter().chain(model.errors.iter()) {
                if e.kind == caddy::ErrorKind::Structure && !all_known {
                    continue;
                }
                let mut f = Finding::new(&p::P007, e.span, format!("invalid Caddyfile: {}", e.message));
                if let Some((span, note)) = &e.related {
                    f = f.related(*span, note.clone());
                }
                self.findings.push(f.help(
                    "`caddy adapt` rejects this file: Caddy does not start (or keeps its old configuration on reload)",
                ));
            }
            self.model.caddy.push(CaddyConfig { root: id, role, model, env_uses: cf.env_uses });
        }
    }

    /// Traefik static configurations and file-provider dynamic files (YAML and TOML): see
    /// [`crate::sources::traefik::loader`].
    fn load_traefik_files(&mut self, found: &discover::Discovered, stacks: &[Stack], version: Option<u8>) {
        let max = self.opts.max_file_size;
        let overlay = &self.opts.overlay;
        let read = |p: &Path| read_text(p, max, overlay);
        let inputs = crate::sources::traefik::loader::Inputs {
            stacks,
            yaml: &found.yaml,
            toml: &found.toml,
            limits: &self.opts.yaml_limits,
            version,
            read: &read,
        };
        let loaded = crate::sources::traefik::loader::load(&inputs, &mut self.model.db);
        self.findings.extend(loaded.findings);
        self.model.traefik_files = loaded.dynamic;
        self.model.traefik_static = loaded.statics;
    }

    fn zone_findings(&mut self, zone: &crate::sources::dns::Zone) {
        for e in &zone.errors {
            self.findings.push(
                Finding::new(&p::P012, e.span, format!("invalid DNS record: {}", e.message))
                    .help("the records file uses zone-file syntax: `name [ttl] [IN] TYPE data`"),
            );
        }
    }

    /// stackcheck.toml in the model: the file itself (findings point into it), `[host]`, and the project
    /// name each `[[stack]]` pins (`from_config`: the stacks are the config's, in its order).
    fn host_config(&mut self, config: &crate::config::Config, stacks: &mut [Stack], from_config: bool) {
        let id = self.model.db.add(config.path.clone(), Arc::from(config.text.as_str()), FileKind::Other);
        let span = |r: std::ops::Range<usize>| Span::new(id, r.start, r.end);
        let mut reserved: Vec<crate::model::ReservedPort> = config
            .host
            .reserved_ports
            .iter()
            .filter_map(|(port, holder)| {
                let at = config.reserved_port_range(port).map_or_else(|| Span::file_start(id), span);
                Some(crate::model::ReservedPort { port: port.parse().ok()?, holder: holder.clone(), span: at })
            })
            .collect();
        reserved.sort_by_key(|r| r.port);
        self.model.host.reserved_ports = reserved;
        self.model.host.proxy = config.host.proxy.filter(|p| *p != crate::config::ProxyKind::None);
        self.model.host.traefik_network = config.traefik.network.clone();
        self.model.host.public_ip_span = config.host.public_ip.as_ref().map(|i| span(i.span()));
        self.model.host.public_ipv6_span = config.host.public_ipv6.as_ref().map(|i| span(i.span()));
        // The `proxy = "..."` line of `[host]` (the only key of that name).
        let mut offset = 0;
        for line in config.text.split_inclusive('\n') {
            let key = line.trim_start();
            if key.strip_prefix("proxy").is_some_and(|r| r.trim_start().starts_with('=')) {
                let start = offset + line.len() - key.len();
                self.model.host.proxy_span = Some(span(start..start + line.trim().len()));
                break;
            }
            offset += line.len();
        }
        if from_config && self.opts.project_name.is_none() {
            for (stack, s) in stacks.iter_mut().zip(&config.stacks) {
                if let Some(p) = &s.project {
                    stack.pinned_project = Some(crate::model::Text {
                        value: p.get_ref().clone(),
                        span: span(p.span()),
                        known: true,
                        interp: None,
                    });
                }
            }
        }
    }

    fn finish(mut self, stacks: Vec<Stack>) -> Loaded {
        self.model.stacks = stacks;
        // One finding per problem, even when a file is shared by several stacks.
        let mut seen = HashSet::new();
        self.findings.retain(|f| seen.insert((f.code, f.primary.span, f.message.clone())));
        self.model.directives = crate::suppress::collect(&self.model.db);
        Loaded { model: self.model, findings: self.findings }
    }

    // ---------------------------------------------------------------- files

    /// Reads a file into the table. Problems become P001 findings; `None` when there is no text.
    fn read(&mut self, path: &Path, kind: FileKind) -> (FileId, Option<Arc<str>>) {
        let result = read_text(path, self.opts.max_file_size, &self.opts.overlay);
        let id = self.model.db.add(path.to_path_buf(), Arc::from(""), kind);
        (id, self.register(id, path, result))
    }

    /// Stores a file's text in the table under `id`, or reports why it could not be read.
    fn register(&mut self, id: FileId, path: &Path, result: Result<String, String>) -> Option<Arc<str>> {
        match result {
            Ok(text) => {
                let text: Arc<str> = Arc::from(text);
                self.model.db.set_text(id, text.clone());
                Some(text)
            }
            Err(msg) => {
                self.findings.push(
                    Finding::new(&p::P001, Span::file_start(id), format!("`{}` {msg}", path.display()))
                        .help("make the file readable, or exclude it from the run"),
                );
                None
            }
        }
    }

    fn yaml_error(&mut self, e: yaml::YamlError) {
        let mut f = Finding::new(&p::P002, e.span, format!("invalid YAML: {}", e.message))
            .help("fix the syntax at the marked position; compose refuses to load this file");
        if let Some((span, msg)) = e.related {
            f = f.related(span, msg);
        }
        self.findings.push(f);
    }

    /// Reads and parses the discovered compose files in parallel (the expensive part of loading), so that
    /// the stacks then find them in the cache. File ids are assigned first, in path order, so the result is
    /// the same at any number of threads.
    fn prefetch_compose(&mut self, paths: &[PathBuf]) {
        let mut todo: Vec<PathBuf> =
            paths.iter().map(|p| normalize(p)).filter(|p| !self.compose_cache.contains_key(p)).collect();
        todo.sort();
        todo.dedup();
        let ids: Vec<FileId> =
            todo.iter().map(|p| self.model.db.add(p.clone(), Arc::from(""), FileKind::Compose)).collect();
        let (max, limits) = (self.opts.max_file_size, self.opts.yaml_limits);
        let regular = &self.regular;
        let overlay = &self.opts.overlay;
        let results: Vec<(Result<String, String>, Option<YamlResult>)> = todo
            .par_iter()
            .zip(ids.par_iter())
            .map(|(path, id)| {
                let text = if regular.contains(path) {
                    read_regular(path, max, overlay)
                } else {
                    read_text(path, max, overlay)
                };
                let parsed = text.as_ref().ok().map(|t| yaml::parse(*id, t, &limits));
                (text, parsed)
            })
            .collect();
        for ((path, id), (text, parsed)) in todo.into_iter().zip(ids).zip(results) {
            self.register(id, &path, text);
            let docs = match parsed {
                Some(Ok(docs)) => Some(Arc::new(docs)),
                Some(Err(e)) => {
                    self.yaml_error(e);
                    None
                }
                None => None,
            };
            self.compose_cache.insert(path, (id, docs));
        }
    }

    /// Reads and parses env files and templates in parallel (see [`Self::prefetch_compose`]).
    fn prefetch_env(&mut self, paths: &[(PathBuf, EnvRole)]) {
        let mut todo: Vec<(PathBuf, EnvRole)> =
            paths.iter().map(|(p, r)| (normalize(p), *r)).filter(|(p, _)| !self.env_cache.contains_key(p)).collect();
        todo.sort_by(|a, b| a.0.cmp(&b.0));
        todo.dedup_by(|a, b| a.0 == b.0);
        let ids: Vec<FileId> = todo
            .iter()
            .map(|(p, role)| {
                let kind = if *role == EnvRole::Template { FileKind::EnvTemplate } else { FileKind::Env };
                self.model.db.add(p.clone(), Arc::from(""), kind)
            })
            .collect();
        let max = self.opts.max_file_size;
        let regular = &self.regular;
        let overlay = &self.opts.overlay;
        let results: Vec<(Result<String, String>, Option<envfile::EnvFile>)> = todo
            .par_iter()
            .map(|(path, _)| {
                let text = if regular.contains(path) {
                    read_regular(path, max, overlay)
                } else {
                    read_text(path, max, overlay)
                };
                let parsed = text.as_ref().ok().map(|t| envfile::parse(t));
                (text, parsed)
            })
            .collect();
        for (((path, role), id), (text, parsed)) in todo.into_iter().zip(ids).zip(results) {
            let text = self.register(id, &path, text);
            match (text, parsed) {
                (Some(_), Some(parsed)) => {
                    self.add_env_model(id, &path, role, &parsed);
                    self.env_cache.insert(path, Some(id));
                }
                _ => {
                    self.env_cache.insert(path, None);
                }
            }
        }
    }

    /// An absolute, lexically normalized path (no symlink resolution, like compose's `filepath.Abs`).
    fn absolute(&self, path: &Path) -> PathBuf {
        if path.is_absolute() { normalize(path) } else { normalize(&self.cwd.join(path)) }
    }

    /// Whether a file may exist: answered from the directory listings discovery made, else asked of the
    /// file system (a symlink that points nowhere still "exists", and its read reports the problem).
    fn may_exist(&mut self, path: &Path) -> bool {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if let (Some(listing), Some(name)) = (self.dir_cache.get(&dir), path.file_name()) {
            return listing.iter().any(|n| std::ffi::OsStr::new(n) == name);
        }
        path.exists() || std::fs::symlink_metadata(path).is_ok()
    }

    /// The directory's file names, listed once per run.
    fn dir_entries(&mut self, dir: &Path) -> Arc<Vec<String>> {
        if let Some(hit) = self.dir_cache.get(dir) {
            return hit.clone();
        }
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        names.sort();
        let names = Arc::new(names);
        self.dir_cache.insert(dir.to_path_buf(), names.clone());
        names
    }

    /// A template in the env file's directory whose target is that env file.
    fn find_template(&mut self, env_path: &Path) -> Option<PathBuf> {
        let dir = match env_path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = env_path.file_name()?.to_string_lossy().into_owned();
        let entries = self.dir_entries(&dir);
        entries
            .iter()
            .find(|e| discover::template_target(e).is_some_and(|t| t == name))
            .map(|e| normalize(&dir.join(e)))
    }

    /// Counts one planned use of a file as done; after the last one its documents are dropped.
    fn used_once(&mut self, path: &Path) {
        if let Some(n) = self.uses.get_mut(path) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.release(path);
            }
        }
    }

    /// Drops the parsed documents of a file no stack needs any more (see `load`).
    fn release(&mut self, path: &Path) {
        if let Some((id, Some(_))) = self.compose_cache.remove(path) {
            self.released.insert(path.to_path_buf(), id);
        }
    }

    /// The documents of a file for one stack to process: handed over when this is the file's last planned
    /// use, copied otherwise.
    fn take_docs(&mut self, path: &Path, docs: Arc<Vec<Node>>) -> Vec<Node> {
        let path = normalize(path);
        if self.uses.get(&path).copied() == Some(1) {
            if let Some((id, Some(_))) = self.compose_cache.remove(&path) {
                self.released.insert(path, id);
            }
            return Arc::try_unwrap(docs).unwrap_or_else(|shared| (*shared).clone());
        }
        (*docs).clone()
    }

    fn compose_file(&mut self, path: &Path) -> ParsedFile {
        let path = normalize(path);
        if let Some(hit) = self.compose_cache.get(&path) {
            return hit.clone();
        }
        if let Some(&id) = self.released.get(&path) {
            // Parsed fine before: parse the kept text again.
            let text = self.model.db.get(id).map(|f| f.text.clone()).unwrap_or_else(|| Arc::from(""));
            let docs = yaml::parse(id, &text, &self.opts.yaml_limits).ok().map(Arc::new);
            self.compose_cache.insert(path, (id, docs.clone()));
            return (id, docs);
        }
        let (id, text) = self.read(&path, FileKind::Compose);
        let docs = match text.map(|text| yaml::parse(id, &text, &self.opts.yaml_limits)) {
            Some(Ok(docs)) => Some(Arc::new(docs)),
            Some(Err(e)) => {
                self.yaml_error(e);
                None
            }
            None => None,
        };
        self.compose_cache.insert(path, (id, docs.clone()));
        (id, docs)
    }

    fn register_template(&mut self, template: &Path) {
        let name = template.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Some(target) = discover::template_target(&name) else { return };
        let dir = template.parent().unwrap_or(Path::new(""));
        let env_path = normalize(&dir.join(target));
        self.template_for.entry(env_path.clone()).or_insert_with(|| normalize(template));
        if let Some(tid) = self.env_file(template, EnvRole::Template) {
            if self.model.templates.iter().any(|t| t.template == tid) {
                return;
            }
            let env = if env_path.is_file() { self.env_file(&env_path, EnvRole::Env) } else { None };
            self.model.templates.push(TemplatePair { template: tid, env_path, env });
        }
    }

    /// Reads and parses the Dockerfile of a build once (`context/dockerfile`, default `Dockerfile`);
    /// None for remote contexts, inline Dockerfiles and missing files (compose reports those at build).
    fn dockerfile(&mut self, build: &crate::model::Build) -> Option<FileId> {
        let dir = build.context_dir.as_ref()?;
        let name = build.dockerfile.as_ref().map_or("Dockerfile", |d| d.value.as_str());
        let path = normalize(&dir.join(name));
        if let Some(hit) = self.dockerfile_cache.get(&path) {
            return *hit;
        }
        let id = if path.is_file() {
            let (id, text) = self.read(&path, FileKind::Dockerfile);
            text.map(|t| {
                self.model.dockerfiles.push(crate::sources::dockerfile::parse(id, &t));
                id
            })
        } else {
            None
        };
        self.dockerfile_cache.insert(path, id);
        id
    }

    /// Pairs a template with an env file whatever their names (config `template =`).
    fn pair_template(&mut self, template: &Path, env_path: &Path) {
        let (template, env_path) = (normalize(template), normalize(env_path));
        self.template_for.insert(env_path.clone(), template.clone());
        let Some(tid) = self.env_file(&template, EnvRole::Template) else { return };
        let env = self.env_file(&env_path, EnvRole::Env);
        match self.model.templates.iter_mut().find(|t| t.template == tid) {
            Some(pair) => {
                pair.env_path = env_path;
                pair.env = env;
            }
            None => self.model.templates.push(TemplatePair { template: tid, env_path, env }),
        }
    }

    /// Loads an env file once (parse + P004). None when absent or unreadable.
    fn env_file(&mut self, path: &Path, role: EnvRole) -> Option<FileId> {
        let path = normalize(path);
        if let Some(hit) = self.env_cache.get(&path) {
            return *hit;
        }
        if !self.may_exist(&path) {
            self.env_cache.insert(path, None);
            return None;
        }
        let kind = if role == EnvRole::Template { FileKind::EnvTemplate } else { FileKind::Env };
        let (id, text) = self.read(&path, kind);
        let Some(text) = text else {
            self.env_cache.insert(path, None);
            return None;
        };
        let parsed = envfile::parse(&text);
        self.add_env_model(id, &path, role, &parsed);
        self.env_cache.insert(path, Some(id));
        Some(id)
    }

    /// Adds a parsed env file to the model (and its P004 findings).
    fn add_env_model(&mut self, id: FileId, path: &Path, role: EnvRole, parsed: &envfile::EnvFile) {
        for e in &parsed.errors {
            self.findings.push(
                Finding::new(
                    &p::P004,
                    Span::new(id, e.range.start, e.range.end),
                    format!("invalid env file line: {}", e.message),
                )
                .help("compose refuses this file: fix the line (quote values that contain spaces or quotes)"),
            );
        }
        let entries = parsed.entries.iter().map(|e| EnvEntry::from_parsed(id, e)).collect();
        self.model.add_env_file(EnvFileModel {
            file: id,
            path: path.to_path_buf(),
            role,
            entries,
            valid: parsed.errors.is_empty(),
            last_index: std::sync::OnceLock::new(),
        });
    }

    /// An env file referenced by the stack: the file, else its template standing in (P010), else missing.
    fn env_or_stand_in(&mut self, path: &Path, reference: Span) -> EnvLookup {
        let path = normalize(path);
        if let Some(id) = self.env_file(&path, EnvRole::Env) {
            return EnvLookup::Found(id);
        }
        if self.opts.strict_env {
            return EnvLookup::Missing;
        }
        let template = match self.template_for.get(&path) {
            Some(t) => Some(t.clone()),
            None => self.find_template(&path),
        };
        let Some(template) = template else { return EnvLookup::Missing };
        self.register_template(&template);
        let Some(tid) = self.env_file(&template, EnvRole::Template) else { return EnvLookup::Missing };
        if !self.stand_ins_reported.insert(path.clone()) {
            return EnvLookup::StandIn(tid);
        }
        let at = if reference == Span::default() { Span::file_start(tid) } else { reference };
        let mut f = Finding::new(
            &p::P010,
            at,
            format!(
                "`{}` is absent: its template `{}` stands in (keys defined, values unknown)",
                path.display(),
                template.display()
            ),
        )
        .help("value checks are skipped for these keys; run with --strict-env where the real file exists");
        if at.file != tid {
            f = f.related(Span::file_start(tid), "template used in its place");
        }
        self.findings.push(f);
        EnvLookup::StandIn(tid)
    }

    // ---------------------------------------------------------------- interpolation env

    /// The interpolation environment of a stack and whether a real env file feeds it.
    fn interpolation_env(&mut self, spec: &StackSpec) -> (HashMap<String, VarDef>, Vec<FileId>, bool) {
        let mut vars: HashMap<String, VarDef> = HashMap::new();
        // Every shell that runs `docker compose` exports HOME, USER... (`model::lookup_var` knows them).
        if !self.opts.use_shell_env {
            // Compose always defines PWD: the directory it runs in, normally the project directory.
            let pwd = self.absolute(&spec.project_dir);
            vars.insert(
                "PWD".to_owned(),
                VarDef { value: Some(pwd.to_string_lossy().into_owned()), origin: Origin::Process, interp: None },
            );
        }
        if let Some(config) = &self.opts.config {
            for (k, v) in &config.env {
                vars.insert(k.clone(), VarDef { value: Some(v.clone()), origin: Origin::Config, interp: None });
            }
        }
        for (k, v) in &self.process_env {
            vars.insert(k.clone(), VarDef { value: Some(v.clone()), origin: Origin::Process, interp: None });
        }
        let files: Vec<PathBuf> =
            if spec.env_files.is_empty() { vec![spec.project_dir.join(".env")] } else { spec.env_files.clone() };
        let mut used = Vec::new();
        let mut real_file = false;
        for path in files {
            let lookup = self.env_or_stand_in(&path, Span::default());
            let (id, stand_in) = match lookup {
                EnvLookup::Found(id) => (id, false),
                EnvLookup::StandIn(id) => (id, true),
                EnvLookup::Missing => {
                    if spec.explicit_env {
                        let id = self
                            .model
                            .db
                            .find(&normalize(&path))
                            .unwrap_or_else(|| self.model.db.add(normalize(&path), Arc::from(""), FileKind::Env));
                        self.findings.push(
                            Finding::new(
                                &p::P008,
                                Span::file_start(id),
                                format!("couldn't find env file `{}`", path.display()),
                            )
                            .help("create the file, or drop the --env-file option"),
                        );
                    }
                    continue;
                }
            };
            used.push(id);
            // A template standing in lists the keys: undefined variables are then real findings.
            real_file = true;
            let _ = stand_in;
            let Some(model) = self.model.env_file(id).cloned() else { continue };
            let text = self.model.db.get(id).map(|f| f.text.clone()).unwrap_or_else(|| Arc::from(""));
            for entry in &model.entries {
                if self.process_env.contains_key(&entry.key) {
                    continue; // the process environment always wins
                }
                if stand_in {
                    vars.insert(
                        entry.key.clone(),
                        VarDef { value: None, origin: Origin::Template { key: entry.key_span }, interp: None },
                    );
                    continue;
                }
                let def = match &entry.value {
                    None => match lookup_var(&vars, &entry.key) {
                        // A bare KEY inherits from the process environment only.
                        Some(d) if d.origin == Origin::Process => d.clone(),
                        _ => continue,
                    },
                    Some(v) => {
                        let (value, known, info) = interpolate_env_value(v, &text, &|name| {
                            lookup_var(&vars, name).map(|d| (d.value.as_deref(), d.origin.clone()))
                        });
                        VarDef {
                            value: known.then_some(value),
                            origin: Origin::EnvFile { key: entry.key_span, value: v.span },
                            interp: info,
                        }
                    }
                };
                vars.insert(entry.key.clone(), def);
            }
        }
        (vars, used, real_file)
    }

    // ---------------------------------------------------------------- stacks

    fn load_stack(&mut self, spec: &StackSpec) -> Stack {
        let (mut vars, interp_files, real_env) = self.interpolation_env(spec);
        let mut files = spec.files.clone();
        // COMPOSE_FILE from `.env` replaces the default files of a discovered stack.
        if !spec.explicit
            && spec.env_name.is_none()
            && let Some(VarDef { value: Some(list), .. }) = vars.get("COMPOSE_FILE")
        {
            let sep =
                vars.get("COMPOSE_PATH_SEPARATOR").and_then(|d| d.value.clone()).unwrap_or_else(|| ":".to_owned());
            let listed: Vec<PathBuf> = list
                .split(sep.as_str())
                .filter(|s| !s.is_empty())
                .map(|s| resolve_path(&spec.project_dir, s))
                .collect();
            if !listed.is_empty() {
                files = listed;
            }
        }
        // Environment variants: an overlay (services without image/build) is loaded on top of the base.
        if let Some(base) = &spec.overlay_base
            && let Some(first) = files.first().cloned()
        {
            let (_, docs) = self.compose_file(&first);
            if docs.as_deref().is_some_and(|d| d.iter().any(is_overlay)) {
                files.insert(0, base.clone());
            }
        }
        let mut loaded_ok = true;
        let mut file_ids = Vec::new();
        let mut parsed: Vec<(PathBuf, FileId, Arc<Vec<Node>>)> = Vec::new();
        for f in &files {
            let (id, docs) = self.compose_file(f);
            file_ids.push(id);
            match docs {
                Some(d) => parsed.push((f.clone(), id, d)),
                None => loaded_ok = false,
            }
        }
        // Project name (semantics.md §1.13).
        let mut name_key: Option<(String, Span)> = None;
        for (_, _, docs) in &parsed {
            for doc in docs.iter() {
                if let Some(n) = doc.get("name").filter(|n| n.as_str().is_some_and(|s| !s.is_empty())) {
                    let mut problems = Vec::new();
                    let raw = n.as_str().unwrap_or_default();
                    let verbatim = interpolate::verbatim_offset(n);
                    let (value, _) = interpolate::interpolate_text(
                        raw,
                        n.span,
                        verbatim,
                        &vars,
                        interpolate::Undefined::Empty,
                        "name",
                        &mut problems,
                    );
                    name_key = Some((value, n.span));
                }
            }
        }
        // Compose names the project after the absolute path's last component (no symlink resolution).
        let dir_name = self
            .absolute(&spec.project_dir)
            .file_name()
            .map_or_else(|| "default".to_owned(), |n| n.to_string_lossy().into_owned());
        let env_project = vars.get("COMPOSE_PROJECT_NAME").and_then(|d| d.value.clone());
        // `-p` and COMPOSE_PROJECT_NAME must already be normalized: compose refuses them otherwise.
        let imperative = spec.project_name.clone().map(|p| (p, None)).or_else(|| {
            let def = vars.get("COMPOSE_PROJECT_NAME")?;
            Some((def.value.clone()?, def.origin.key_span()))
        });
        if let Some((name, at)) = imperative.filter(|(p, _)| !p.is_empty() && normalize_project_name(p) != *p) {
            let at = at.or_else(|| file_ids.first().map(|f| Span::file_start(*f))).unwrap_or_default();
            self.findings.push(
                Finding::new(
                    &p::P003,
                    at,
                    format!("invalid project name `{name}`: only lowercase letters, digits, `-` and `_`, starting with a letter or digit"),
                )
                .help(format!("use `{}`", normalize_project_name(&name))),
            );
        }
        let unpinned_project = if let Some(p) = env_project.filter(|p| !p.is_empty()) {
            (p, ProjectNameSource::Environment)
        } else if let Some((n, _)) =
            name_key.as_ref().map(|(n, s)| (normalize_project_name(n), s)).filter(|(n, _)| !n.is_empty())
        {
            (n, ProjectNameSource::NameKey)
        } else {
            (normalize_project_name(&dir_name), ProjectNameSource::Directory)
        };
        let (project, project_source) = match &spec.project_name {
            Some(p) => (p.clone(), ProjectNameSource::CommandLine),
            None => unpinned_project.clone(),
        };
        vars.insert(
            "COMPOSE_PROJECT_NAME".to_owned(),
            VarDef { value: Some(project.clone()), origin: Origin::Compose, interp: None },
        );

        let mut ctx = StackCtx {
            vars: &vars,
            dirs: Dirs { map: HashMap::new(), fallback: spec.project_dir.clone() },
            extra_files: Vec::new(),
            extended: Vec::new(),
            include_chain: files.iter().map(|f| normalize(f)).collect(),
            required_is_error: real_env || self.opts.strict_env,
        };
        let mut dict =
            Node { span: Span::default(), tag: yaml::Tag::None, kind: Kind::Map(Vec::new()), via_alias: None };
        for (path, id, docs) in parsed {
            ctx.dirs.map.insert(id, spec.project_dir.clone());
            for doc in self.take_docs(&path, docs) {
                if let Some(doc) = self.process_doc(doc, id, &mut ctx, 0) {
                    self.merge(&mut dict, doc);
                }
            }
        }
        let mut errors = Vec::new();
        let converted = convert::convert(&dict, &project, &ctx.dirs, &mut errors);
        // Each service keeps its own merged tree (`Service::node`); the stack's tree keeps the rest.
        if let Some(map) = dict.as_map_mut() {
            map.retain(|e| e.key.name != "services");
        }
        for e in errors {
            self.findings
                .push(Finding::new(&p::P003, e.span, e.message).help("see the Compose Specification for this key"));
        }
        let mut services = converted.services;
        for (name, ext) in std::mem::take(&mut ctx.extended) {
            if let Some(s) = services.iter_mut().find(|s| s.name == name) {
                s.extends = Some(ext);
            }
        }
        for s in services.iter_mut() {
            if let Some(ext) = &mut s.extends
                && s.node.get("extends").is_some()
            {
                ext.resolved = false;
            }
        }
        // Profiles (semantics.md §1.5).
        let active_profiles: Vec<String> = if !spec.profiles.is_empty() {
            spec.profiles.clone()
        } else {
            vars.get("COMPOSE_PROFILES")
                .and_then(|d| d.value.clone())
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default()
        };
        for s in services.iter_mut() {
            s.active = s.profiles.is_empty()
                || active_profiles.iter().any(|p| p == "*" || s.profiles.iter().any(|sp| &sp.value == p));
        }
        // Container environments.
        for svc in &mut services {
            if let Some(build) = &mut svc.build {
                build.dockerfile_file = self.dockerfile(build);
            }
            let (environment, env_files) = self.service_environment(svc, &vars);
            svc.env_files = env_files;
            svc.environment = environment;
        }
        let extra_files = std::mem::take(&mut ctx.extra_files);
        drop(ctx);
        Stack {
            name: spec.name.clone(),
            dir: spec.project_dir.clone(),
            app: spec.app.clone(),
            env_name: spec.env_name.clone(),
            project,
            project_source,
            name_key: converted.name_key,
            pinned_project: None,
            unpinned_project,
            files: file_ids,
            extra_files,
            interp_files,
            vars,
            services,
            networks: converted.networks,
            volumes: converted.volumes,
            secrets: converted.secrets,
            configs: converted.configs,
            active_profiles,
            loaded: loaded_ok,
            fragment: false,
            host: spec.host.clone(),
            env_checked: real_env || self.opts.strict_env,
            tree: dict,
        }
    }

    fn merge(&mut self, dict: &mut Node, doc: Node) {
        let mut errors = Vec::new();
        if dict.as_map().is_some_and(<[Entry]>::is_empty) {
            *dict = merge::strip_tags(doc);
            return;
        }
        merge::merge_documents(dict, doc, &mut errors);
        for e in errors {
            self.findings.push(
                Finding::new(
                    &p::P003,
                    e.node,
                    format!("cannot override `{}`: the files give it different types", e.path),
                )
                .help("use the same form (list or mapping) in every file, or `!override`"),
            );
        }
    }

    /// Interpolation, schema check, `extends` and `include` of one document.
    fn process_doc(&mut self, mut doc: Node, file: FileId, ctx: &mut StackCtx<'_>, depth: usize) -> Option<Node> {
        if doc.is_null() {
            return None;
        }
        if doc.as_map().is_none() {
            self.findings.push(
                Finding::new(
                    &p::P003,
                    doc.span,
                    format!("top-level object must be a mapping, found {}", doc.type_name()),
                )
                .help("a compose file is a mapping with keys such as `services:`"),
            );
            return None;
        }
        let mut problems = Vec::new();
        interpolate::interpolate_document(&mut doc, ctx.vars, ctx.undefined(), &mut problems);
        self.report_interpolation(problems, ctx.required_is_error);
        let mut schema_errors = Vec::new();
        non_string_keys(&doc, &mut Vec::new(), &mut schema_errors);
        schema::check_document(&doc, &mut schema_errors);
        for e in schema_errors {
            self.findings
                .push(Finding::new(&p::P003, e.span, e.message).help("see the Compose Specification for this key"));
        }
        self.apply_extends(&mut doc, file, ctx, depth);
        self.apply_include(&mut doc, file, ctx, depth);
        Some(doc)
    }

    fn report_interpolation(&mut self, problems: Vec<Problem>, required_is_error: bool) {
        for pr in problems {
            match pr {
                Problem::InvalidFormat { span, path } => self.findings.push(
                    Finding::new(&p::P009, span, format!("invalid interpolation format in `{path}`"))
                        .help("close the `${`, use a supported operator (`:-`, `-`, `:?`, `?`, `:+`, `+`), or escape a literal `$` as `$$`"),
                ),
                Problem::Required { span, path, name, message } => {
                    if required_is_error {
                        let msg = if message.is_empty() { String::new() } else { format!(": {message}") };
                        self.findings.push(
                            Finding::new(&p::P009, span, format!("required variable `{name}` is missing a value{msg} (in `{path}`)"))
                                .help(format!("define `{name}` in the interpolation env file, or give it a default with `:-`")),
                        );
                    }
                }
                Problem::Cast { span, path, message } => self.findings.push(
                    Finding::new(&p::P003, span, format!("`{path}`: {message}")).help("use a value of the type compose expects here"),
                ),
            }
        }
    }

    fn apply_extends(&mut self, doc: &mut Node, file: FileId, ctx: &mut StackCtx<'_>, depth: usize) {
        let Some(services) = doc.as_map_mut().and_then(|m| m.iter_mut().find(|e| e.key.name == "services")) else {
            return;
        };
        let Some(entries) = services.value.as_map_mut() else { return };
        let names: Vec<String> =
            entries.iter().filter(|e| e.value.get("extends").is_some()).map(|e| e.key.name.clone()).collect();
        for name in names {
            let mut chain = Vec::new();
            self.extend_service(entries, &name, file, ctx, &mut chain, depth);
        }
    }

    /// Resolves `extends` of one service (recursively), merging the base under it.
    fn extend_service(
        &mut self,
        services: &mut [Entry],
        name: &str,
        file: FileId,
        ctx: &mut StackCtx<'_>,
        chain: &mut Vec<(FileId, String)>,
        depth: usize,
    ) {
        let Some(idx) = services.iter().position(|e| e.key.name == name) else { return };
        let Some(ext) = services.get(idx).and_then(|e| e.value.get("extends")).cloned() else { return };
        let (base_name, base_file) = match &ext.kind {
            Kind::Scalar(_) => (ext.as_str().map(str::to_owned), None),
            Kind::Map(_) => (ext.get("service").and_then(Node::as_str).map(str::to_owned), ext.get("file").cloned()),
            Kind::Seq(_) => (None, None),
        };
        let Some(base_name) = base_name else { return };
        if chain.iter().any(|(f, n)| *f == file && n == name) || chain.len() > 32 {
            self.findings.push(
                Finding::new(
                    &p::P003,
                    ext.span,
                    format!("circular `extends`: service `{name}` extends itself through `{base_name}`"),
                )
                .help("break the cycle"),
            );
            return;
        }
        chain.push((file, name.to_owned()));
        let base: Option<Node> = match &base_file {
            None => {
                if services.iter().any(|e| e.key.name == base_name) {
                    self.extend_service(services, &base_name, file, ctx, chain, depth);
                    services.iter().find(|e| e.key.name == base_name).map(|e| e.value.clone())
                } else {
                    None // reported by C106
                }
            }
            Some(file_node) => self.extends_base_from_file(file_node, file, &base_name, ctx, chain, depth),
        };
        chain.pop();
        let Some(mut base) = base else { return };
        if let Some(m) = base.as_map_mut() {
            m.retain(|e| e.key.name != "extends");
        }
        let Some(entry) = services.get_mut(idx) else { return };
        let mut local = entry.value.clone();
        if let Some(m) = local.as_map_mut() {
            m.retain(|e| e.key.name != "extends");
        }
        let mut errors = Vec::new();
        merge::merge_service(&mut base, local, &mut errors);
        for e in errors {
            self.findings.push(
                Finding::new(&p::P003, e.node, format!("cannot override `{}` of the extended service", e.path))
                    .help("use the same form (list or mapping) as the base service"),
            );
        }
        base.span = entry.value.span;
        entry.value = base;
        let file_text = base_file.as_ref().and_then(Node::as_str).map(str::to_owned);
        ctx.extended.push((
            name.to_owned(),
            crate::model::Extends { span: ext.span, service: base_name, file: file_text, resolved: true },
        ));
    }

    fn extends_base_from_file(
        &mut self,
        file_node: &Node,
        from: FileId,
        base_name: &str,
        ctx: &mut StackCtx<'_>,
        chain: &mut Vec<(FileId, String)>,
        depth: usize,
    ) -> Option<Node> {
        let written = file_node.as_str()?;
        let path = resolve_path(ctx.dirs.base_dir(from), written);
        if depth >= self.opts.max_include_depth {
            self.findings.push(
                Finding::new(
                    &p::P003,
                    file_node.span,
                    format!("`extends` chain deeper than {} files (limit)", self.opts.max_include_depth),
                )
                .help("shorten the chain"),
            );
            return None;
        }
        if !path.exists() {
            self.findings.push(
                Finding::new(&p::P008, file_node.span, format!("`extends.file` `{written}` does not exist"))
                    .help("fix the path (it is relative to the file that holds `extends`)"),
            );
            return None;
        }
        let (id, docs) = self.compose_file(&path);
        let docs = docs?;
        ctx.extra_files.push(id);
        let dir = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        ctx.dirs.map.entry(id).or_insert(dir);
        let mut merged =
            Node { span: Span::file_start(id), tag: yaml::Tag::None, kind: Kind::Map(Vec::new()), via_alias: None };
        for doc in docs.iter() {
            let mut doc = doc.clone();
            if doc.as_map().is_none() {
                continue;
            }
            let mut problems = Vec::new();
            interpolate::interpolate_document(&mut doc, ctx.vars, ctx.undefined(), &mut problems);
            self.report_interpolation(problems, ctx.required_is_error);
            self.merge(&mut merged, doc);
        }
        let services = merged.as_map_mut()?.iter_mut().find(|e| e.key.name == "services")?.value.as_map_mut()?;
        self.extend_service(services, base_name, id, ctx, chain, depth + 1);
        // A base service missing from the file is C106's.
        services.iter().find(|e| e.key.name == base_name).map(|e| e.value.clone())
    }

    fn apply_include(&mut self, doc: &mut Node, file: FileId, ctx: &mut StackCtx<'_>, depth: usize) {
        let Some(map) = doc.as_map_mut() else { return };
        let Some(pos) = map.iter().position(|e| e.key.name == "include") else { return };
        let include = map.remove(pos);
        let items: Vec<Node> = match include.value.kind {
            Kind::Seq(items) => items,
            _ => return, // schema check reports it
        };
        for item in items {
            let (paths, project_dir, env_files): (Vec<Node>, Option<Node>, Vec<Node>) = match &item.kind {
                Kind::Scalar(_) => (vec![item.clone()], None, Vec::new()),
                Kind::Map(_) => {
                    let list = |n: Option<&Node>| match n.map(|n| &n.kind) {
                        Some(Kind::Seq(v)) => v.clone(),
                        Some(Kind::Scalar(_)) => n.cloned().into_iter().collect(),
                        _ => Vec::new(),
                    };
                    (list(item.get("path")), item.get("project_directory").cloned(), list(item.get("env_file")))
                }
                Kind::Seq(_) => continue,
            };
            let base = ctx.dirs.base_dir(file).to_path_buf();
            let resolved: Vec<(PathBuf, Span)> =
                paths.iter().filter_map(|n| Some((resolve_path(&base, n.as_str()?), n.span))).collect();
            let Some((first, first_span)) = resolved.first().cloned() else { continue };
            if depth >= self.opts.max_include_depth || ctx.include_chain.contains(&first) {
                self.findings.push(
                    Finding::new(
                        &p::P003,
                        first_span,
                        format!("include cycle: `{}` is already being loaded", first.display()),
                    )
                    .help("remove the cycle"),
                );
                continue;
            }
            let sub_dir = match project_dir.as_ref().and_then(Node::as_str) {
                Some(d) => resolve_path(&base, d),
                None => first.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            };
            // The included project's own env file gives defaults; the including project's env wins.
            let env_paths: Vec<PathBuf> = if env_files.is_empty() {
                vec![sub_dir.join(".env")]
            } else {
                env_files.iter().filter_map(|n| Some(resolve_path(&base, n.as_str()?))).collect()
            };
            let mut sub_vars: HashMap<String, VarDef> = HashMap::new();
            for ep in env_paths {
                if let Some(id) = self.env_file(&ep, EnvRole::Env)
                    && let Some(model) = self.model.env_file(id).cloned()
                {
                    let text = self.model.db.get(id).map(|f| f.text.clone()).unwrap_or_else(|| Arc::from(""));
                    for entry in &model.entries {
                        let Some(v) = &entry.value else { continue };
                        let (value, known, info) = interpolate_env_value(v, &text, &|name| {
                            ctx.vars
                                .get(name)
                                .or_else(|| lookup_var(&sub_vars, name))
                                .map(|d| (d.value.as_deref(), d.origin.clone()))
                        });
                        sub_vars.insert(
                            entry.key.clone(),
                            VarDef {
                                value: known.then_some(value),
                                origin: Origin::EnvFile { key: entry.key_span, value: v.span },
                                interp: info,
                            },
                        );
                    }
                }
            }
            for (k, v) in ctx.vars {
                sub_vars.insert(k.clone(), v.clone());
            }
            let mut sub = StackCtx {
                vars: &sub_vars,
                dirs: Dirs { map: ctx.dirs.map.clone(), fallback: sub_dir.clone() },
                extra_files: Vec::new(),
                extended: Vec::new(),
                include_chain: ctx.include_chain.clone(),
                required_is_error: ctx.required_is_error,
            };
            sub.include_chain.push(first.clone());
            let mut sub_dict =
                Node { span: Span::default(), tag: yaml::Tag::None, kind: Kind::Map(Vec::new()), via_alias: None };
            for (path, span) in &resolved {
                if !path.exists() {
                    self.findings.push(
                        Finding::new(&p::P008, *span, format!("included file `{}` does not exist", path.display()))
                            .help("fix the path (relative to the including file's project directory)"),
                    );
                    continue;
                }
                let (id, docs) = self.compose_file(path);
                sub.extra_files.push(id);
                sub.dirs.map.insert(id, sub_dir.clone());
                let Some(docs) = docs else { continue };
                for d in docs.iter() {
                    if let Some(d) = self.process_doc(d.clone(), id, &mut sub, depth + 1) {
                        self.merge(&mut sub_dict, d);
                    }
                }
            }
            ctx.extra_files.append(&mut sub.extra_files);
            ctx.extended.append(&mut sub.extended);
            for (id, dir) in sub.dirs.map {
                ctx.dirs.map.entry(id).or_insert(dir);
            }
            self.import_resources(doc, sub_dict);
        }
    }

    fn import_resources(&mut self, doc: &mut Node, imported: Node) {
        let Kind::Map(imported) = imported.kind else { return };
        let Some(map) = doc.as_map_mut() else { return };
        for section in imported {
            if !matches!(
                section.key.name.as_str(),
                "services" | "volumes" | "networks" | "secrets" | "configs" | "models"
            ) {
                continue;
            }
            let Kind::Map(items) = section.value.kind else { continue };
            let target = match map.iter().position(|e| e.key.name == section.key.name) {
                Some(i) => i,
                None => {
                    map.push(Entry {
                        key: Key::new(section.key.name.clone(), section.key.span),
                        value: Node {
                            span: section.value.span,
                            tag: yaml::Tag::None,
                            kind: Kind::Map(Vec::new()),
                            via_alias: None,
                        },
                        via_merge: None,
                    });
                    map.len() - 1
                }
            };
            let Some(Entry { value: target_node, .. }) = map.get_mut(target) else { continue };
            if target_node.is_null() {
                target_node.kind = Kind::Map(Vec::new());
            }
            let Some(existing) = target_node.as_map_mut() else { continue };
            for item in items {
                match existing.iter().find(|e| e.key.name == item.key.name) {
                    Some(local) => {
                        if !merge::same_tree(&local.value, &item.value) {
                            let (span, name) = (local.key.span, local.key.name.clone());
                            self.findings.push(
                                Finding::new(
                                    &p::P003,
                                    span,
                                    format!("{}.{name} conflicts with imported resource", section.key.name),
                                )
                                .related(item.key.span, "imported definition")
                                .help("rename one of them: Docker Compose up to 2.40 refuses the conflict"),
                            );
                        }
                    }
                    None => existing.push(item),
                }
            }
        }
    }

    /// Compose's "neither an image nor a build context" (P003), for complete stacks only.
    fn report_incomplete_services(&mut self, stack: &Stack) {
        if !stack.loaded || stack.fragment {
            return;
        }
        for s in stack.active_services() {
            if s.image.is_none()
                && s.build.is_none()
                && s.node.get("provider").is_none()
                && s.extends.as_ref().is_none_or(|e| e.resolved)
            {
                self.findings.push(
                    Finding::new(
                        &p::P003,
                        s.name_span,
                        format!("service `{}` has neither an image nor a build context", s.name),
                    )
                    .help("add `image:` or `build:` (compose refuses the project otherwise)"),
                );
            }
        }
    }

    // ---------------------------------------------------------------- container environment

    /// The container environment of a service: `env_file:` files in order (last wins), then
    /// `environment:` on top (semantics.md §1.8). Also resolves the env file references.
    fn service_environment(
        &mut self,
        svc: &crate::model::Service,
        vars: &HashMap<String, VarDef>,
    ) -> (Vec<EnvVar>, Vec<crate::model::EnvFileRef>) {
        // Declared `environment:` (later duplicates win).
        let mut declared = KeyedVars::default();
        if let Some(node) = svc.node.get("environment") {
            for e in key_value_entries(node) {
                let var = if e.value.is_null() {
                    match lookup_var(vars, &e.key.name) {
                        Some(def) => EnvVar {
                            key: e.key.name.clone(),
                            key_span: e.key.span,
                            value: Some(def.value.clone().unwrap_or_default()),
                            known: def.value.is_some(),
                            value_span: def.origin.key_span().unwrap_or(e.key.span),
                            source: EnvSource::Inherited,
                            origin: Some(def.origin.clone()),
                            interp: def.interp.clone(),
                            overrides: Vec::new(),
                        },
                        None => EnvVar {
                            key: e.key.name.clone(),
                            key_span: e.key.span,
                            value: None,
                            known: true,
                            value_span: e.key.span,
                            source: EnvSource::Environment,
                            origin: None,
                            interp: None,
                            overrides: Vec::new(),
                        },
                    }
                } else {
                    let t = convert::text(&e.value);
                    EnvVar {
                        key: e.key.name.clone(),
                        key_span: e.key.span,
                        value: Some(t.as_ref().map(|t| t.value.clone()).unwrap_or_default()),
                        known: t.as_ref().is_none_or(|t| t.known),
                        value_span: e.value.span,
                        source: EnvSource::Environment,
                        origin: None,
                        interp: t.and_then(|t| t.interp),
                        overrides: Vec::new(),
                    }
                };
                declared.upsert(var, false);
            }
        }
        // env_file: entries.
        let mut refs = svc.env_files.clone();
        let mut from_files = KeyedVars::default();
        for r in refs.iter_mut() {
            let (id, stand_in) = match self.env_or_stand_in(&r.resolved, r.span) {
                EnvLookup::Found(id) => (id, false),
                EnvLookup::StandIn(id) => (id, true),
                EnvLookup::Missing => {
                    if r.required && svc.active {
                        self.findings
                            .push(Finding::new(&p::P008, r.span, format!("env file `{}` not found", r.path)).help(
                                "create it (a template next to it would stand in), or mark it `required: false`",
                            ));
                    }
                    continue;
                }
            };
            r.file = Some(id);
            r.stand_in = stand_in;
            let Some(model) = self.model.env_file(id).cloned() else { continue };
            let text = self.model.db.get(id).map(|f| f.text.clone()).unwrap_or_else(|| Arc::from(""));
            for entry in &model.entries {
                let var = if stand_in {
                    EnvVar {
                        key: entry.key.clone(),
                        key_span: entry.key_span,
                        value: Some(String::new()),
                        known: false,
                        value_span: entry.key_span,
                        source: EnvSource::EnvFile,
                        origin: Some(Origin::Template { key: entry.key_span }),
                        interp: None,
                        overrides: Vec::new(),
                    }
                } else {
                    let lookup = |name: &str| -> Option<(Option<&str>, Origin)> {
                        if let Some(d) = lookup_var(vars, name) {
                            return Some((d.value.as_deref(), d.origin.clone()));
                        }
                        if let Some(d) = declared.get(name).filter(|d| d.value.is_some()) {
                            return Some((
                                d.known.then_some(d.value.as_deref().unwrap_or_default()),
                                Origin::EnvFile { key: d.key_span, value: d.value_span },
                            ));
                        }
                        from_files.get(name).map(|d| {
                            (
                                d.known.then_some(d.value.as_deref().unwrap_or_default()),
                                Origin::EnvFile { key: d.key_span, value: d.value_span },
                            )
                        })
                    };
                    match &entry.value {
                        None => match lookup(&entry.key) {
                            Some((value, origin)) => EnvVar {
                                key: entry.key.clone(),
                                key_span: entry.key_span,
                                value: Some(value.unwrap_or_default().to_owned()),
                                known: value.is_some(),
                                value_span: entry.key_span,
                                source: EnvSource::EnvFile,
                                origin: Some(origin),
                                interp: None,
                                overrides: Vec::new(),
                            },
                            None => continue,
                        },
                        Some(v) if r.raw_format => EnvVar {
                            key: entry.key.clone(),
                            key_span: entry.key_span,
                            // `format: raw`: the rest of the line as written, quotes and ` # ...` included.
                            value: Some(raw_rest_of_line(&text, v.raw_span.start as usize)),
                            known: true,
                            value_span: v.raw_span,
                            source: EnvSource::EnvFile,
                            origin: Some(Origin::EnvFile { key: entry.key_span, value: v.raw_span }),
                            interp: None,
                            overrides: Vec::new(),
                        },
                        Some(v) => {
                            let (value, known, info) = interpolate_env_value(v, &text, &lookup);
                            EnvVar {
                                key: entry.key.clone(),
                                key_span: entry.key_span,
                                value: Some(value),
                                known,
                                value_span: v.span,
                                source: EnvSource::EnvFile,
                                origin: Some(Origin::EnvFile { key: entry.key_span, value: v.span }),
                                interp: info,
                                overrides: Vec::new(),
                            }
                        }
                    }
                };
                from_files.upsert(var, true);
            }
        }
        // `environment:` wins over env files, even with an empty or inherited-but-unset value.
        let mut out = from_files;
        for d in declared.vars {
            out.upsert(d, true);
        }
        (out.vars, refs)
    }
}

/// Environment variables in definition order with an index by key (env files can hold 50,000 keys).
#[derive(Default)]
struct KeyedVars {
    vars: Vec<EnvVar>,
    index: HashMap<String, usize>,
}

impl KeyedVars {
    fn get(&self, key: &str) -> Option<&EnvVar> {
        self.index.get(key).and_then(|&i| self.vars.get(i))
    }

    /// Adds a variable, or replaces the earlier one of the same key in its place; with `track`, the new
    /// one records the definitions it overrides.
    fn upsert(&mut self, mut var: EnvVar, track: bool) {
        match self.index.get(&var.key).and_then(|&i| self.vars.get_mut(i)) {
            Some(existing) => {
                if track {
                    var.overrides.push(existing.key_span);
                    var.overrides.append(&mut existing.overrides);
                }
                *existing = var;
            }
            None => {
                self.index.insert(var.key.clone(), self.vars.len());
                self.vars.push(var);
            }
        }
    }
}

/// The text from `start` to the end of its line, without the line break.
fn raw_rest_of_line(text: &str, start: usize) -> String {
    let rest = text.get(start..).unwrap_or_default();
    let line = rest.split('\n').next().unwrap_or_default();
    line.strip_suffix('\r').unwrap_or(line).to_owned()
}

/// Compose refuses mapping keys that YAML types as numbers, booleans, null or dates.
fn non_string_keys(node: &Node, path: &mut Vec<String>, out: &mut Vec<schema::SchemaError>) {
    match &node.kind {
        Kind::Map(entries) => {
            for e in entries {
                if !e.key.string {
                    let at = if path.is_empty() { String::new() } else { format!(" in {}", path.join(".")) };
                    out.push(schema::SchemaError {
                        span: e.key.span,
                        path: path.join("."),
                        message: format!("non-string key{at}: {} (quote it)", e.key.name),
                    });
                }
                path.push(e.key.name.clone());
                non_string_keys(&e.value, path, out);
                path.pop();
            }
        }
        Kind::Seq(items) => {
            for item in items {
                path.push("[]".to_owned());
                non_string_keys(item, path, out);
                path.pop();
            }
        }
        Kind::Scalar(_) => {}
    }
}

/// Reads a file as UTF-8 text within the size limit, or says why not (thread-safe, no side effects).
fn read_text(path: &Path, max: u64, overlay: &Overlay) -> Result<String, String> {
    if let Some(text) = overlay.get(path) {
        return Ok(text);
    }
    match std::fs::metadata(path) {
        Err(e) => Err(io_message(&e)),
        Ok(m) if m.is_dir() => Err("is a directory, not a file".to_owned()),
        Ok(m) if !m.is_file() => Err("is not a regular file (a FIFO, socket or device): not read".to_owned()),
        Ok(m) if m.len() > max => Err(format!("is {} bytes, larger than the {max} byte limit: not read", m.len())),
        Ok(_) => match std::fs::read(path) {
            Err(e) => Err(io_message(&e)),
            Ok(bytes) => String::from_utf8(bytes)
                .map_err(|e| format!("is not valid UTF-8 (invalid byte at offset {})", e.utf8_error().valid_up_to())),
        },
    }
}

/// [`read_text`] for a file that discovery saw as a regular file (never a FIFO or a symlink: opening
/// a FIFO blocks): open, then check the size on the open file, one path lookup instead of two.
fn read_regular(path: &Path, max: u64, overlay: &Overlay) -> Result<String, String> {
    use std::io::Read;
    if let Some(text) = overlay.get(path) {
        return Ok(text);
    }
    let Ok(mut file) = std::fs::File::open(path) else { return read_text(path, max, overlay) };
    match file.metadata() {
        Ok(m) if m.is_file() && m.len() <= max => {
            let mut bytes = Vec::with_capacity(usize::try_from(m.len()).unwrap_or(0));
            match file.read_to_end(&mut bytes) {
                Ok(_) => String::from_utf8(bytes).map_err(|e| {
                    format!("is not valid UTF-8 (invalid byte at offset {})", e.utf8_error().valid_up_to())
                }),
                Err(e) => Err(io_message(&e)),
            }
        }
        _ => read_text(path, max, overlay),
    }
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "does not exist".to_owned(),
        std::io::ErrorKind::PermissionDenied => "cannot be read: permission denied".to_owned(),
        _ => {
            let s = e.to_string();
            if s.contains("symbolic links") || s.contains("os error 40") {
                "cannot be read: too many levels of symbolic links (a symlink loop?)".to_owned()
            } else {
                format!("cannot be read: {s}")
            }
        }
    }
}

/// A compose document that only makes sense on top of another file: some service has neither `image`,
/// `build` nor `extends`.
fn is_overlay(doc: &Node) -> bool {
    let Some(services) = doc.get("services").and_then(Node::as_map) else { return doc.as_map().is_some() };
    services.iter().any(|s| {
        s.value.as_map().is_some_and(|m| {
            !m.iter().any(|e| matches!(e.key.name.as_str(), "image" | "build" | "extends" | "provider"))
        })
    })
}

/// Compose's project name normalization: lowercase, keep `[a-z0-9_-]`, strip leading `_`/`-`.
pub fn normalize_project_name(s: &str) -> String {
    let lower = s.to_lowercase();
    let kept: String =
        lower.chars().filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-').collect();
    kept.trim_start_matches(['_', '-']).to_owned()
}

/// Interpolates an env-file value (unless single-quoted) with `lookup` (which gives the value, None when
/// unknown, and its origin). Returns the value, whether it is known, and its record.
/// Looks a variable up: its value (None when unknown) and where it is defined.
type EnvLookupFn<'a> = dyn Fn(&str) -> Option<(Option<&'a str>, Origin)> + 'a;

fn interpolate_env_value<'a>(
    v: &EnvValue,
    _text: &str,
    lookup: &EnvLookupFn<'a>,
) -> (String, bool, Option<Box<InterpInfo>>) {
    if !v.interpolate || !interp::needs_interpolation(&v.text) {
        return (v.text.clone(), true, None);
    }
    let result = interp::interpolate(&v.text, &|name| match lookup(name) {
        None => Lookup::Undefined,
        Some((Some(val), _)) => Lookup::Known(val),
        Some((None, _)) => Lookup::Unknown,
    });
    let map = |r: &std::ops::Range<usize>| if v.verbatim { v.span.sub(r.start, r.end) } else { v.span };
    let uses = interpolate::var_refs(&result, map, |name| lookup(name).map(|(_, o)| o));
    let info = InterpInfo { template: v.text.clone(), known: result.known, uses };
    (result.value, result.known, Some(Box::new(info)))
}

/// Does a `*.conf` file read as nginx (a `server`/`http`/`events`/`upstream`/`location` block, or a
/// `*_pass`/`listen`/`server_name` directive) rather than another tool's configuration?
fn looks_like_nginx(text: &str) -> bool {
    const BLOCKS: [&str; 5] = ["server", "http", "events", "upstream", "location"];
    const DIRECTIVES: [&str; 6] = ["proxy_pass", "server_name", "listen", "fastcgi_pass", "uwsgi_pass", "include"];
    text.lines().any(|line| {
        let code = line.split('#').next().unwrap_or("").trim();
        let word = code.split(|c: char| c.is_whitespace() || c == '{').next().unwrap_or("");
        (BLOCKS.contains(&word) && code.ends_with('{')) || (DIRECTIVES.contains(&word) && code.ends_with(';'))
    })
}

/// The role of a proxy configuration file (nginx, Caddy): the first service (in stack order) that
/// bind-mounts the file or one of its directories runs it; else the first whose Dockerfile copies it
/// (`COPY nginx.conf /etc/nginx/...` from its build context; a file at the top of a build context whose
/// Dockerfile is not in the repository); else the host's proxy.
fn proxy_config_role(
    path: &Path,
    cwd: &Path,
    stacks: &[Stack],
    dockerfiles: &[crate::sources::dockerfile::Dockerfile],
) -> crate::model::ProxyRole {
    // Paths compared absolute and lexically normalised: a mount written `$PWD/Caddyfile` is absolute,
    // the discovered file relative to the working directory.
    let absolute = |p: &Path| if p.is_absolute() { normalize(p) } else { normalize(&cwd.join(p)) };
    let abs_path = absolute(path);
    let path = abs_path.as_path();
    let mut by_image = None;
    for (i, stack) in stacks.iter().enumerate().filter(|(_, s)| s.loaded) {
        for svc in stack.active_services() {
            // A mount of the project directory or one above it (`.:/app`, `/:/userdata:ro`) shares data,
            // not a proxy's configuration: it would claim every file of the repository.
            let stack_dir = absolute(&stack.dir);
            let mounted = svc.volumes.iter().any(|m| {
                m.kind == crate::model::MountKind::Bind
                    && m.host_path
                        .as_deref()
                        .map(absolute)
                        .is_some_and(|h| path == h || (path.starts_with(&h) && !stack_dir.starts_with(&h)))
            });
            let copied = svc.build.as_ref().is_some_and(|b| {
                let Some(ctx) = b.context_dir.as_deref().map(absolute) else { return false };
                // A file at the top of a build context whose Dockerfile we cannot read (or one directory
                // below: `nginx/`, `.nginx/`) is taken as the image's.
                let Some(file) = b.dockerfile_file else {
                    let parent = path.parent();
                    return parent == Some(ctx.as_path()) || parent.and_then(Path::parent) == Some(ctx.as_path());
                };
                dockerfiles
                    .iter()
                    .filter(|d| d.file == file)
                    .flat_map(|d| d.stages.iter())
                    .flat_map(|st| st.instructions.iter())
                    .any(|ins| {
                        if ins.keyword != "COPY" && ins.keyword != "ADD" {
                            return false;
                        }
                        let words: Vec<String> = match &ins.exec {
                            Some(items) => items.clone(),
                            None => ins.args.split_whitespace().map(str::to_owned).collect(),
                        };
                        if words.iter().any(|w| w.starts_with("--from")) {
                            return false;
                        }
                        let sources: Vec<&String> = words.iter().filter(|w| !w.starts_with("--")).collect();
                        sources.split_last().is_some_and(|(_, srcs)| {
                            srcs.iter().any(|src| {
                                let full = normalize(&ctx.join(src.as_str()));
                                path == full || path.starts_with(&full)
                            })
                        })
                    })
            });
            if mounted {
                return crate::model::ProxyRole::Container { stack: i, service: svc.name.clone() };
            }
            if copied && by_image.is_none() {
                by_image = Some(crate::model::ProxyRole::Container { stack: i, service: svc.name.clone() });
            }
        }
    }
    // A bind mount anywhere wins over an image that may hold the file.
    by_image.unwrap_or(crate::model::ProxyRole::Host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_normalize() {
        assert_eq!(normalize_project_name("My.App"), "myapp");
        assert_eq!(normalize_project_name("_x-Y"), "x-y");
        assert_eq!(normalize_project_name("Ünïcode"), "ncode");
    }
}
