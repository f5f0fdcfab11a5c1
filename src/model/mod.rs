//! The whole stack, loaded once: every compose stack with its services, every env file and template.
//! Rules only read this model; they never open files, parse text or read the environment.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::provenance::{InterpInfo, Origin};
use crate::source::{FileId, SourceDb, Span};
use crate::yaml::Node;

pub mod env;
pub mod image;
pub mod routes;

pub use env::{EnvFileModel, EnvRole, Environment, TemplatePair};

/// A string value from a compose file, with where it was written and how interpolation produced it.
#[derive(Clone, Debug)]
pub struct Text {
    pub value: String,
    pub span: Span,
    /// false when the value depends on a variable whose value is unknown (template stand-in).
    pub known: bool,
    pub interp: Option<Box<InterpInfo>>,
}

impl Text {
    pub fn as_str(&self) -> &str {
        &self.value
    }
}

#[derive(Debug, Default)]
pub struct StackModel {
    pub db: SourceDb,
    pub stacks: Vec<Stack>,
    pub env_files: Vec<EnvFileModel>,
    /// Env files (existing or absent) paired with their template.
    pub templates: Vec<TemplatePair>,
    /// Every `#` comment that contains `stackcheck:`, per file, for suppressions.
    pub directives: Vec<crate::suppress::Directive>,
    /// Index of `env_files` by file.
    env_index: HashMap<FileId, usize>,
    /// Dockerfiles that services build from.
    pub dockerfiles: Vec<crate::sources::dockerfile::Dockerfile>,
    /// E209 requirements in force (rule packs and `[[rules.require]]`).
    pub requirements: Vec<crate::packs::Requirement>,
    /// DNS records and the expected addresses (`[dns]`, `[host] public_ip`, `--dns`, `--expect-ip`).
    pub dns: crate::sources::dns::DnsModel,
    /// `[host]` of stackcheck.toml: what runs on the machine besides the stacks.
    pub host: HostConfig,
    /// Migration systems of build contexts and the scripts services start with (M6xx).
    pub migrations: crate::sources::migrations::MigrationFacts,
    /// nginx configurations found in the repository, each with whose it is (the host's or a service's).
    pub nginx: Vec<NginxConfig>,
    /// Caddyfiles found in the repository, each with whose it is.
    pub caddy: Vec<CaddyConfig>,
    /// Traefik file-provider dynamic configurations (YAML files with a top-level `http:` of routers or
    /// services), by file.
    pub traefik_files: Vec<(FileId, crate::sources::traefik::file::DynamicConfig)>,
    /// The routing graph: domain → DNS → proxy → upstream → service → port (built last, from the rest).
    pub routes: routes::Routes,
    /// Static configuration of each Traefik: one per compose service running a `traefik` image, one per
    /// static file no service mounts (the host's Traefik).
    pub traefik_static: Vec<crate::sources::traefik::static_config::StaticConfig>,
}

/// One Caddyfile (imports spliced in) and the model built from it.
#[derive(Debug)]
pub struct CaddyConfig {
    pub root: FileId,
    pub role: ProxyRole,
    pub model: crate::sources::caddy::model::CaddyModel,
    /// Every `{$VAR}` of the file and its imports, with the value it got from the environment of the
    /// service running the file (none for the host's Caddy: its environment is unknown).
    pub env_uses: Vec<(FileId, crate::sources::caddy::EnvUse)>,
}

/// One nginx configuration: a root file with its includes resolved, and the model built from it.
#[derive(Debug)]
pub struct NginxConfig {
    pub root: FileId,
    pub role: ProxyRole,
    pub model: crate::sources::nginx::Model,
}

/// Who runs a proxy configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxyRole {
    /// The host's own proxy (no service mounts or copies the file).
    Host,
    /// A compose service's: the file is bind-mounted into it (or the directory holding it is).
    Container { stack: usize, service: String },
}

/// `[host]` of stackcheck.toml, for the rules that compare the stacks with the machine.
#[derive(Debug, Default)]
pub struct HostConfig {
    /// Host ports taken by services outside the stacks (`reserved_ports`), sorted by port.
    pub reserved_ports: Vec<ReservedPort>,
    /// The reverse proxy that owns ports 80 and 443 on the host (`proxy`; `none` is None).
    pub proxy: Option<crate::config::ProxyKind>,
    /// Where `proxy` is written.
    pub proxy_span: Option<Span>,
    /// `[traefik] network`: the Docker network Traefik reaches containers on.
    pub traefik_network: Option<String>,
    /// Where `public_ip` / `public_ipv6` are written.
    pub public_ip_span: Option<Span>,
    pub public_ipv6_span: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct ReservedPort {
    pub port: u16,
    /// What holds it (`dokploy`, `n8n`).
    pub holder: String,
    /// The entry in stackcheck.toml.
    pub span: Span,
}

impl StackModel {
    pub fn env_file(&self, file: FileId) -> Option<&EnvFileModel> {
        self.env_index.get(&file).and_then(|&i| self.env_files.get(i))
    }

    pub fn dockerfile(&self, file: FileId) -> Option<&crate::sources::dockerfile::Dockerfile> {
        self.dockerfiles.iter().find(|d| d.file == file)
    }

    /// The Dockerfile a service builds from, when it was found and read.
    pub fn dockerfile_of(&self, svc: &Service) -> Option<&crate::sources::dockerfile::Dockerfile> {
        svc.build.as_ref().and_then(|b| b.dockerfile_file).and_then(|f| self.dockerfile(f))
    }

    pub fn add_env_file(&mut self, env: EnvFileModel) {
        self.env_index.insert(env.file, self.env_files.len());
        self.env_files.push(env);
    }

    /// Every active service of every loaded stack, with its stack.
    pub fn services(&self) -> impl Iterator<Item = (&Stack, &Service)> {
        self.stacks
            .iter()
            .filter(|s| s.loaded)
            .flat_map(|s| s.services.iter().filter(|v| v.active).map(move |v| (s, v)))
    }

    /// Groups of stacks that run on the same host at the same time: every pair of stacks is compared by
    /// cross-stack rules, except a stack with itself. Stacks are one host unless configured otherwise.
    pub fn same_host(&self, a: &Stack, b: &Stack) -> bool {
        a.host == b.host
    }

    /// Every pair of environment variants of one app deployed side by side (prod and staging of the same
    /// app on one host), each pair once, in model order: what the cross-environment rules compare.
    pub fn environment_pairs(&self) -> Vec<(&Stack, &Stack)> {
        let envs: Vec<&Stack> =
            self.stacks.iter().filter(|s| s.loaded && !s.fragment && s.env_name.is_some()).collect();
        let mut out = Vec::new();
        for (i, a) in envs.iter().enumerate() {
            for b in envs.iter().skip(i + 1) {
                if a.app == b.app && a.env_name != b.env_name && self.same_host(a, b) {
                    out.push((*a, *b));
                }
            }
        }
        out
    }
}

/// How the project name was decided (semantics.md §1.13).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProjectNameSource {
    CommandLine,
    Environment,
    NameKey,
    Directory,
}

#[derive(Debug)]
pub struct Stack {
    /// Display name: the project directory relative to the run, plus the environment when it is a variant.
    pub name: String,
    /// The project directory (the first compose file's directory).
    pub dir: PathBuf,
    /// Stacks of the same app (one directory, several environment variants) share this key.
    pub app: String,
    /// `prod`, `staging`... when this stack is an environment variant (`docker-compose.prod.yml`).
    pub env_name: Option<String>,
    pub project: String,
    pub project_source: ProjectNameSource,
    /// The top-level `name:` key, when one of the files has it (the last one wins).
    pub name_key: Option<Text>,
    /// The project name stackcheck.toml pins for the deploy (`[[stack]] project`, i.e. `docker compose -p`).
    pub pinned_project: Option<Text>,
    /// The project name `docker compose` gives these files without `-p` (`COMPOSE_PROJECT_NAME` of the
    /// interpolation env, else the top-level `name:`, else the directory), and where it comes from.
    pub unpinned_project: (String, ProjectNameSource),
    /// Compose files, in `-f` order.
    pub files: Vec<FileId>,
    /// Files merged through `include` and `extends.file`.
    pub extra_files: Vec<FileId>,
    /// Env files that feed interpolation (in order, later wins), existing or standing in.
    pub interp_files: Vec<FileId>,
    /// The interpolation environment after every source was read.
    pub vars: HashMap<String, VarDef>,
    pub services: Vec<Service>,
    pub networks: Vec<Resource>,
    pub volumes: Vec<Resource>,
    pub secrets: Vec<Resource>,
    pub configs: Vec<Resource>,
    pub active_profiles: Vec<String>,
    /// false when a compose file of the stack could not be parsed: rules skip the stack.
    pub loaded: bool,
    /// A set of files that do not form a complete project on their own (an overlay without its base):
    /// rules that need the whole project skip it.
    pub fragment: bool,
    /// Host this stack deploys to: stacks with the same host run side by side (environment variants of
    /// one app; config `[[stack]]` entries).
    pub host: String,
    /// A real interpolation env file exists (or `--strict-env`): undefined variables are errors, and
    /// `${VAR:?}` failures are P009.
    pub env_checked: bool,
    /// The merged compose tree after interpolation (every file, `include` and `extends` applied), without
    /// `services:` (each service holds its own tree in [`Service::node`]).
    pub tree: Node,
}

impl Stack {
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    pub fn active_services(&self) -> impl Iterator<Item = &Service> {
        self.services.iter().filter(|s| s.active)
    }

    pub fn network(&self, key: &str) -> Option<&Resource> {
        self.networks.iter().find(|n| n.key == key)
    }

    pub fn volume(&self, key: &str) -> Option<&Resource> {
        self.volumes.iter().find(|n| n.key == key)
    }

    /// The environment this stack deploys: its variant or config name (`prod`), else what its
    /// interpolation env files say (`.env.production`, `NODE_ENV=production`).
    pub fn environment(&self, model: &StackModel) -> Option<Environment> {
        self.env_name
            .as_deref()
            .and_then(env::environment_of_name)
            .or_else(|| self.interp_files.iter().filter_map(|f| model.env_file(*f)).find_map(EnvFileModel::environment))
            .or_else(|| {
                // A stack inside a test directory (`tests/resources/docker`, `e2e/`) is a test fixture.
                let test_dir = self.dir.components().any(|c| {
                    matches!(c.as_os_str().to_str(), Some("test" | "tests" | "e2e" | "__tests__" | "testdata"))
                });
                test_dir.then_some(Environment::Development)
            })
    }

    pub fn is_production(&self, model: &StackModel) -> bool {
        self.environment(model) == Some(Environment::Production)
    }
}

/// Variables every shell that runs `docker compose` exports (bash's `UID`/`GID` are not exported, so
/// they are not here): defined, with values unknown unless `--use-shell-env` gives the real ones.
pub const SHELL_VARS: &[&str] = &["HOME", "USER", "LOGNAME", "PATH", "SHELL", "LANG", "TERM"];

static SHELL_DEF: VarDef = VarDef { value: None, origin: Origin::Process, interp: None };

/// A variable of the interpolation environment, the shell's standard ones included.
pub fn lookup_var<'a>(vars: &'a HashMap<String, VarDef>, name: &str) -> Option<&'a VarDef> {
    vars.get(name).or_else(|| SHELL_VARS.contains(&name).then_some(&SHELL_DEF))
}

/// A variable of the interpolation environment.
#[derive(Clone, Debug)]
pub struct VarDef {
    /// None when the value is unknown (a template stands in for the env file).
    pub value: Option<String>,
    pub origin: Origin,
    /// How the env file's own value was interpolated, if it was.
    pub interp: Option<Box<InterpInfo>>,
}

/// A top-level network, volume, secret or config.
#[derive(Clone, Debug)]
pub struct Resource {
    pub key: String,
    pub key_span: Span,
    pub external: bool,
    /// The `name:` key, when set.
    pub name: Option<Text>,
    /// The real engine name: `name:`, else the key when external, else `<project>_<key>`.
    pub real_name: String,
    /// `file:` of secrets and configs (resolved).
    pub file: Option<PathBuf>,
    /// Added by compose (the implicit `default` network).
    pub implicit: bool,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    pub name_span: Span,
    /// false when the service's profiles are not active.
    pub active: bool,
    pub image: Option<Text>,
    pub build: Option<Build>,
    pub ports: Vec<Port>,
    pub expose: Vec<Text>,
    /// Networks the service joins (the implicit `default` included when compose adds it).
    pub networks: Vec<ServiceNetwork>,
    pub network_mode: Option<Text>,
    pub volumes: Vec<Mount>,
    pub env_files: Vec<EnvFileRef>,
    /// The container environment: `env_file:` files then `environment:`, each value with its source.
    pub environment: Vec<EnvVar>,
    pub depends_on: Vec<Dependency>,
    pub links: Vec<Text>,
    pub volumes_from: Vec<Text>,
    pub extends: Option<Extends>,
    pub healthcheck: Option<Healthcheck>,
    pub command: Option<Command>,
    pub entrypoint: Option<Command>,
    pub labels: Vec<Label>,
    /// What the `traefik.*` labels declare (rules parsed by the loader).
    pub traefik: crate::sources::traefik::labels::TraefikLabels,
    pub profiles: Vec<Text>,
    pub container_name: Option<Text>,
    pub restart: Option<Text>,
    pub privileged: Option<bool>,
    pub scale: Option<i64>,
    pub user: Option<Text>,
    /// The merged YAML of the service, for rules that read keys the model does not type and for `inspect`.
    pub node: Node,
}

impl Service {
    pub fn env(&self, key: &str) -> Option<&EnvVar> {
        self.environment.iter().find(|e| e.key == key)
    }

    pub fn label(&self, key: &str) -> Option<&Label> {
        self.labels.iter().find(|l| l.key == key)
    }

    pub fn uses_host_network(&self) -> bool {
        self.network_mode.as_ref().is_some_and(|m| m.value == "host")
    }
}

#[derive(Clone, Debug)]
pub struct Build {
    pub span: Span,
    pub context: Option<Text>,
    /// Resolved context directory.
    pub context_dir: Option<PathBuf>,
    pub dockerfile: Option<Text>,
    pub args: Vec<Label>,
    pub target: Option<Text>,
    /// The Dockerfile read from `context/dockerfile` (default `Dockerfile`), when it exists.
    pub dockerfile_file: Option<FileId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// The whole entry as written.
    pub span: Span,
    pub host_ip: Option<String>,
    /// None: an ephemeral host port. Some((a, b)): one port (a == b) or a host range.
    pub published: Option<(u16, u16)>,
    pub target: u16,
    pub protocol: String,
    pub mode: Option<String>,
    pub name: Option<String>,
    pub app_protocol: Option<String>,
    /// Written in the short `"HOST:CONTAINER"` syntax.
    pub short: bool,
    /// The raw text of a short-syntax entry (after interpolation).
    pub raw: Option<String>,
}

impl Port {
    /// A fixed single host port.
    pub fn fixed_host_port(&self) -> Option<u16> {
        match self.published {
            Some((a, b)) if a == b => Some(a),
            _ => None,
        }
    }

    /// The host address, as compose would bind it ("0.0.0.0" when none is given).
    pub fn host_ip_or_default(&self) -> &str {
        self.host_ip.as_deref().unwrap_or("0.0.0.0")
    }

    pub fn is_loopback(&self) -> bool {
        matches!(self.host_ip.as_deref(), Some(ip) if ip.starts_with("127.") || ip == "::1" || ip == "[::1]" || ip == "localhost")
    }
}

#[derive(Clone, Debug)]
pub struct ServiceNetwork {
    pub name: String,
    /// The key as written; None for the implicit `default` network.
    pub span: Option<Span>,
    pub aliases: Vec<Text>,
    pub ipv4_address: Option<Text>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    Bind,
    Volume,
    Tmpfs,
    Npipe,
    Cluster,
    Image,
}

#[derive(Clone, Debug)]
pub struct Mount {
    pub span: Span,
    pub kind: MountKind,
    /// Volume name or bind source as written (None for anonymous volumes and tmpfs).
    pub source: Option<String>,
    /// Resolved host path of a bind mount.
    pub host_path: Option<PathBuf>,
    pub target: String,
    pub read_only: bool,
    /// false when interpolation left part of it unknown (the source or target may be wrong).
    pub known: bool,
}

#[derive(Clone, Debug)]
pub struct EnvFileRef {
    pub span: Span,
    /// The path as written (interpolated).
    pub path: String,
    pub resolved: PathBuf,
    pub required: bool,
    /// `format: raw`.
    pub raw_format: bool,
    /// The loaded file (or its template when the file is absent and a template stands in).
    pub file: Option<FileId>,
    /// A template stands in for this absent file.
    pub stand_in: bool,
}

/// Where one container environment value comes from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum EnvSource {
    /// The service's `environment:` key.
    Environment,
    /// An `env_file:` entry.
    EnvFile,
    /// `environment: [KEY]` / `KEY:` inherited from the project environment.
    Inherited,
}

#[derive(Clone, Debug)]
pub struct EnvVar {
    pub key: String,
    /// Where the winning definition's key is written.
    pub key_span: Span,
    /// None when the variable ends up unset (a valueless entry with nothing to inherit).
    pub value: Option<String>,
    pub known: bool,
    pub value_span: Span,
    pub source: EnvSource,
    /// For an inherited value, where the project environment defines it.
    pub origin: Option<Origin>,
    pub interp: Option<Box<InterpInfo>>,
    /// Key spans of earlier definitions that this one overrides.
    pub overrides: Vec<Span>,
}

#[derive(Clone, Debug)]
pub struct Dependency {
    pub service: String,
    pub span: Span,
    /// `service_started` when not written.
    pub condition: String,
    pub condition_span: Option<Span>,
    pub required: bool,
    pub restart: bool,
    /// Set when the dependency is implied (`links`, `network_mode: service:x`, `volumes_from`).
    pub implied_by: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct Extends {
    pub span: Span,
    pub service: String,
    pub file: Option<String>,
    /// false when the base could not be found (the service is then loaded without it).
    pub resolved: bool,
}

#[derive(Clone, Debug)]
pub struct Healthcheck {
    pub span: Span,
    pub test: Option<Command>,
    pub disable: bool,
}

impl Healthcheck {
    /// Explicitly off: `disable: true` or `test: ["NONE"]` (the string `NONE` is a failing command).
    pub fn is_disabled(&self) -> bool {
        self.disable
            || self.test.as_ref().is_some_and(|t| !t.shell_form && t.items.first().is_some_and(|i| i.value == "NONE"))
    }
}

/// `command`, `entrypoint` or `healthcheck.test`.
#[derive(Clone, Debug)]
pub struct Command {
    pub span: Span,
    /// Written as one string (run through a shell for healthchecks; split by compose for commands).
    pub shell_form: bool,
    pub items: Vec<Text>,
}

impl Command {
    /// The words as one line (for matching `redis-server --requirepass ...`).
    pub fn joined(&self) -> String {
        self.items.iter().map(|t| t.value.as_str()).collect::<Vec<_>>().join(" ")
    }
}

#[derive(Clone, Debug)]
pub struct Label {
    pub key: String,
    pub key_span: Span,
    pub value: Option<Text>,
}
