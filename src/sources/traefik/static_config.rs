//! Traefik static (install) configuration (semantics.md §3.1): entry points, the Docker and file
//! providers, certificate resolvers, the API, `core.defaultRuleSyntax`; every value with its span.
//!
//! Traefik reads its static configuration from exactly **one** source, the first that yields one, in
//! this order (`cmd/traefik/traefik.go` loaders, `pkg/cli/loader_{file,flag,env}.go`):
//! 1. a file: `--configFile`, else the first of `/etc/traefik/traefik.{toml,yaml,yml}`,
//!    `$XDG_CONFIG_HOME/traefik.*`, `$HOME/.config/traefik.*`, `./traefik.*`;
//! 2. the command-line arguments, when there are any;
//! 3. the `TRAEFIK_*` environment variables, when there are any.
//!
//! Nothing is merged: flags next to a config file are ignored. The other sources that are present are
//! kept in [`StaticConfig::ignored`] so rules can point at them.
//!
//! Each source is first flattened into dotted settings (`entrypoints.web.address = ":80"`) whose segments
//! keep their spans; one interpreter then reads the settings. Key names are case-insensitive, as in
//! Traefik (`exposedbydefault` = `exposedByDefault`); the names of entry points and resolvers keep their
//! case (environment variables give them in lower case, as Traefik's decoder does).

use std::path::PathBuf;

use serde::Serialize;

use super::file::Value;
use crate::model::ProxyRole;
use crate::source::{FileId, SourceDb, Span};
use crate::yaml::{Kind, Node};

/// Where a Traefik's static configuration comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StaticSource {
    File,
    Flags,
    Env,
    /// Nothing configured: Traefik's defaults (one `http` entry point on :80, no provider).
    Default,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryPoint {
    pub name: String,
    pub name_span: Span,
    /// `address` as written: `[host]:port[/tcp|/udp]`.
    pub address: Option<Value>,
    /// The port of `address`.
    pub port: Option<u16>,
    /// `address` ends in `/udp`.
    pub udp: bool,
    /// `asDefault` (v3).
    pub as_default: Option<Value>,
    /// `http.redirections.entryPoint.to` and `.scheme`.
    pub redirect_to: Option<Value>,
    pub redirect_scheme: Option<Value>,
    /// `http.tls.certResolver`: routers of this entry point get certificates from it.
    pub cert_resolver: Option<Value>,
    /// Added by Traefik, not written: `http` on :80 when no entry point is configured, `traefik` on
    /// :8080 for an insecure API.
    pub implicit: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DockerProvider {
    /// Where the provider is enabled (its first setting).
    pub span: Span,
    pub network: Option<Value>,
    pub exposed_by_default: Option<Value>,
    pub endpoint: Option<Value>,
    pub default_rule: Option<Value>,
    pub constraints: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProvider {
    pub span: Span,
    pub directory: Option<Value>,
    pub filename: Option<Value>,
    pub watch: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolver {
    pub name: String,
    pub name_span: Span,
    /// `httpChallenge`, `tlsChallenge` or `dnsChallenge` (the key that enables it).
    pub challenge: Option<Value>,
    /// `acme.httpChallenge.entryPoint`.
    pub http_entry_point: Option<Value>,
    pub storage: Option<Value>,
    pub email: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Api {
    pub span: Span,
    pub dashboard: Option<Value>,
    pub insecure: Option<Value>,
}

/// A source Traefik does not read because another one came first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoredSource {
    pub source: StaticSource,
    /// The settings' extent (the command, the first `TRAEFIK_*` variable, the file).
    pub span: Span,
}

/// One Traefik's static configuration.
#[derive(Clone, Debug)]
pub struct StaticConfig {
    pub source: StaticSource,
    /// The Traefik it configures: a compose service running a `traefik` image, or the host's Traefik
    /// (a static file no service mounts).
    pub role: ProxyRole,
    /// The static file, when `source` is `File`.
    pub file: Option<FileId>,
    /// A `--configFile` flag whose file stackcheck could not map to a host file (it may be in the image).
    pub unresolved_config_file: Option<Value>,
    /// Where the configuration is anchored when no setting is written (the service's name, the file).
    pub anchor: Span,
    pub entry_points: Vec<EntryPoint>,
    pub docker: Option<DockerProvider>,
    pub file_provider: Option<FileProvider>,
    pub resolvers: Vec<Resolver>,
    pub api: Option<Api>,
    /// `core.defaultRuleSyntax`.
    pub default_rule_syntax: Option<Value>,
    pub ignored: Vec<IgnoredSource>,
    /// Host paths the file provider reads (its `directory` or `filename` mapped through the service's bind
    /// mounts). Empty when it cannot be mapped (not mounted, or the host's own Traefik).
    pub dynamic_paths: Vec<PathBuf>,
    /// The dynamic configuration files (in `StackModel::traefik_files`) under `dynamic_paths`.
    pub dynamic_files: Vec<FileId>,
}

impl StaticConfig {
    /// The Docker network the Docker provider reaches containers on (`providers.docker.network`).
    pub fn watched_network(&self) -> Option<&str> {
        self.docker.as_ref()?.network.as_ref().map(|v| v.value.as_str())
    }

    /// Does the Docker provider expose every container (`exposedByDefault`, Traefik's default true)?
    pub fn exposed_by_default(&self) -> bool {
        self.docker.as_ref().and_then(|d| d.exposed_by_default.as_ref()).and_then(|v| go_bool(&v.value)).unwrap_or(true)
    }

    pub fn docker_enabled(&self) -> bool {
        self.docker.is_some()
    }

    pub fn entry_point(&self, name: &str) -> Option<&EntryPoint> {
        self.entry_points.iter().find(|e| e.name == name)
    }

    pub fn resolver(&self, name: &str) -> Option<&Resolver> {
        self.resolvers.iter().find(|r| r.name == name)
    }

    /// The entry points a router without `entryPoints` joins: those with `asDefault: true` when any has
    /// it (v3), else all but `traefik`; UDP entry points never.
    pub fn default_entry_points(&self) -> Vec<&EntryPoint> {
        let tcp = || self.entry_points.iter().filter(|e| !e.udp);
        let marked: Vec<&EntryPoint> =
            tcp().filter(|e| e.as_default.as_ref().and_then(|v| go_bool(&v.value)) == Some(true)).collect();
        if marked.is_empty() { tcp().filter(|e| e.name != "traefik").collect() } else { marked }
    }
}

impl crate::model::StackModel {
    /// The static configuration of the Traefik a compose service runs.
    pub fn traefik_static_of(&self, stack: usize, service: &str) -> Option<&StaticConfig> {
        self.traefik_static
            .iter()
            .find(|c| matches!(&c.role, ProxyRole::Container { stack: s, service: n } if *s == stack && n == service))
    }
}

impl StaticConfig {
    /// The `stackcheck inspect` view: every value with where it is written (`path:line:col`).
    pub fn inspect_json(&self, model: &crate::model::StackModel) -> serde_json::Value {
        use serde_json::json;
        let db = &model.db;
        let at = |span: Span| {
            let (line, col) = db.line_col(span.file, span.start);
            db.get(span.file).map(|f| format!("{}:{line}:{col}", f.display_path()))
        };
        let val = |v: &Option<Value>| v.as_ref().map(|v| json!({"value": v.value, "at": at(v.span)}));
        let role = match &self.role {
            ProxyRole::Host => json!("host"),
            ProxyRole::Container { stack, service } => {
                json!({"stack": model.stacks.get(*stack).map(|s| s.name.clone()), "service": service})
            }
        };
        json!({
            "role": role,
            "source": self.source,
            "file": self.file.and_then(|f| db.get(f)).map(|f| f.display_path()),
            "unresolved_config_file": val(&self.unresolved_config_file),
            "ignored": self.ignored.iter().map(|i| json!({"source": i.source, "at": at(i.span)})).collect::<Vec<_>>(),
            "entry_points": self.entry_points.iter().map(|e| json!({
                "name": e.name,
                "at": at(e.name_span),
                "address": val(&e.address),
                "port": e.port,
                "udp": e.udp,
                "as_default": val(&e.as_default),
                "redirect_to": val(&e.redirect_to),
                "redirect_scheme": val(&e.redirect_scheme),
                "cert_resolver": val(&e.cert_resolver),
                "implicit": e.implicit,
            })).collect::<Vec<_>>(),
            "docker": self.docker.as_ref().map(|d| json!({
                "at": at(d.span),
                "network": val(&d.network),
                "exposed_by_default": val(&d.exposed_by_default),
                "endpoint": val(&d.endpoint),
                "default_rule": val(&d.default_rule),
                "constraints": val(&d.constraints),
            })),
            "exposed_by_default": self.docker.as_ref().map(|_| self.exposed_by_default()),
            "file_provider": self.file_provider.as_ref().map(|f| json!({
                "at": at(f.span),
                "directory": val(&f.directory),
                "filename": val(&f.filename),
                "watch": val(&f.watch),
            })),
            "certificate_resolvers": self.resolvers.iter().map(|r| json!({
                "name": r.name,
                "at": at(r.name_span),
                "challenge": val(&r.challenge),
                "http_entry_point": val(&r.http_entry_point),
                "storage": val(&r.storage),
                "email": val(&r.email),
            })).collect::<Vec<_>>(),
            "api": self.api.as_ref().map(|a| json!({
                "at": at(a.span),
                "dashboard": val(&a.dashboard),
                "insecure": val(&a.insecure),
            })),
            "default_rule_syntax": val(&self.default_rule_syntax),
            "dynamic_paths": self.dynamic_paths.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>(),
            "dynamic_files": self.dynamic_files.iter().filter_map(|f| db.get(*f)).map(|f| f.display_path()).collect::<Vec<_>>(),
        })
    }
}

/// Go's `strconv.ParseBool`.
pub fn go_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The port of an entry point address (`:80`, `0.0.0.0:443/tcp`, `[::]:8080`), and whether it is UDP.
pub fn parse_address(address: &str) -> (Option<u16>, bool) {
    let a = address.trim();
    let (a, udp) = match a.rsplit_once('/') {
        Some((a, proto)) => (a, proto.eq_ignore_ascii_case("udp")),
        None => (a, false),
    };
    let port = a.rsplit_once(':').and_then(|(_, p)| p.parse::<u16>().ok());
    (port, udp)
}

/// One key segment of a setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seg {
    pub name: String,
    pub span: Span,
}

/// One flattened setting: a dotted key path and its value (`None`: the key is present without a value,
/// `docker: {}` or `--providers.docker`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub path: Vec<Seg>,
    pub value: Option<Value>,
}

/// Does this YAML/TOML document look like a static configuration (a top-level `entryPoints`, or, for a
/// file named `traefik.*`, `providers` / `certificatesResolvers` / `api`)?
pub fn is_static(doc: &Node, named_traefik: bool) -> bool {
    let Some(map) = doc.as_map() else { return false };
    map.iter().any(|e| {
        let k = e.key.name.to_ascii_lowercase();
        k == "entrypoints" || (named_traefik && matches!(k.as_str(), "providers" | "certificatesresolvers" | "api"))
    })
}

/// The settings of a static file's document.
pub fn settings_from_node(doc: &Node) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    flatten(doc, &mut path, &mut out);
    out
}

fn flatten(node: &Node, path: &mut Vec<Seg>, out: &mut Vec<Setting>) {
    match &node.kind {
        Kind::Map(entries) => {
            if entries.is_empty() && !path.is_empty() {
                out.push(Setting { path: path.clone(), value: None });
            }
            for e in entries {
                path.push(Seg { name: e.key.name.clone(), span: e.key.span });
                flatten(&e.value, path, out);
                path.pop();
            }
        }
        Kind::Seq(items) => {
            if !path.is_empty() {
                out.push(Setting { path: path.clone(), value: None });
            }
            for (i, item) in items.iter().enumerate() {
                path.push(Seg { name: i.to_string(), span: item.span });
                flatten(item, path, out);
                path.pop();
            }
        }
        Kind::Scalar(s) => {
            if path.is_empty() {
                return;
            }
            let value = crate::yaml::scalar_to_string(s).map(|v| Value { value: v, span: node.span });
            out.push(Setting { path: path.clone(), value });
        }
    }
}

/// Where `value` starts inside the text written at `span`, when it is written there verbatim (plain or
/// quoted without escapes).
fn offset_in(db: &SourceDb, span: Span, value: &str) -> Option<usize> {
    let written = db.text(span.file).get(span.range())?;
    if written == value {
        return Some(0);
    }
    let inner = written.get(1..written.len().checked_sub(1)?)?;
    (inner == value && written.len() >= 2).then_some(1)
}

/// A word of a command line with its byte range in the command item's value.
fn shell_words(s: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            (None, c) if c.is_whitespace() => {
                if let Some(st) = start.take() {
                    out.push((std::mem::take(&mut cur), st, i));
                }
            }
            (None, c) => {
                cur.push(c);
                start.get_or_insert(i);
            }
        }
    }
    if let Some(st) = start {
        out.push((cur, st, s.len()));
    }
    out
}

/// The arguments of a Traefik command (`command:` of the service), each with its span: shell-form strings
/// are split into words; a leading `traefik` (the binary) is dropped.
pub fn command_args(db: &SourceDb, cmd: &crate::model::Command) -> Vec<Value> {
    let mut out = Vec::new();
    for item in &cmd.items {
        if cmd.shell_form {
            let base = offset_in(db, item.span, &item.value);
            for (w, s, e) in shell_words(&item.value) {
                let span = base.map_or(item.span, |o| item.span.sub(o + s, o + e));
                out.push(Value { value: w, span });
            }
        } else {
            out.push(Value { value: item.value.clone(), span: item.span });
        }
    }
    if out.first().is_some_and(|v| v.value == "traefik" || v.value.ends_with("/traefik")) {
        out.remove(0);
    }
    out
}

/// The settings of command-line flags (`--entrypoints.web.address=:80`, `--api.insecure`,
/// `--providers.docker.network traefik-public`), and the `--configFile` value if any.
pub fn settings_from_flags(db: &SourceDb, args: &[Value]) -> (Vec<Setting>, Option<Value>) {
    let mut out = Vec::new();
    let mut config_file = None;
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let Some(flag) = arg.value.strip_prefix("--").or_else(|| arg.value.strip_prefix('-')) else { continue };
        let dashes = arg.value.len() - flag.len();
        let base = offset_in(db, arg.span, &arg.value);
        let at = |s: usize, e: usize| base.map_or(arg.span, |o| arg.span.sub(o + s, o + e));
        let (key, value) = match flag.split_once('=') {
            Some((k, v)) => {
                let vs = dashes + k.len() + 1;
                (k, Some(Value { value: v.to_owned(), span: at(vs, vs + v.len()) }))
            }
            // `--key value`: the next word, when it is not a flag itself.
            None => match args.get(i) {
                Some(next) if !next.value.starts_with('-') && !is_presence_flag(flag) => {
                    i += 1;
                    (flag, Some(next.clone()))
                }
                _ => (flag, Some(Value { value: "true".to_owned(), span: at(0, arg.value.len()) })),
            },
        };
        if key.eq_ignore_ascii_case("configfile") || key.eq_ignore_ascii_case("traefik.configfile") {
            config_file = value;
            continue;
        }
        let mut path = Vec::new();
        let mut pos = dashes;
        for part in key.split('.') {
            path.push(Seg { name: part.to_owned(), span: at(pos, pos + part.len()) });
            pos += part.len() + 1;
        }
        out.push(Setting { path, value });
    }
    (out, config_file)
}

/// Flags that are switches (written alone): `--providers.docker`, `--api`, `--api.insecure`...
fn is_presence_flag(flag: &str) -> bool {
    let f = flag.to_ascii_lowercase();
    let last = f.rsplit('.').next().unwrap_or("");
    matches!(f.as_str(), "providers.docker" | "providers.file" | "api" | "ping" | "accesslog" | "metrics.prometheus")
        || matches!(
            last,
            "insecure"
                | "dashboard"
                | "debug"
                | "watch"
                | "exposedbydefault"
                | "tlschallenge"
                | "asdefault"
                | "permanent"
                | "usebindportip"
                | "swarmmode"
                | "allowemptyservices"
                | "httpchallenge"
        )
}

/// Key suffixes under a named entry (entry point, resolver) whose words the environment form joins with
/// `_` like the name itself: matching them tells where a name containing `_` ends.
const NAMED_SUFFIXES: &[&[&str]] = &[
    &["address"],
    &["asdefault"],
    &["http", "redirections", "entrypoint", "to"],
    &["http", "redirections", "entrypoint", "scheme"],
    &["http", "redirections", "entrypoint", "permanent"],
    &["http", "tls", "certresolver"],
    &["acme", "email"],
    &["acme", "storage"],
    &["acme", "httpchallenge", "entrypoint"],
    &["acme", "httpchallenge"],
    &["acme", "tlschallenge"],
    &["acme", "dnschallenge", "provider"],
    &["acme", "dnschallenge"],
    &["acme", "caserver"],
];

/// The settings of `TRAEFIK_*` environment variables: `(key, key span, value)`; the key's words become
/// lower-case segments (`TRAEFIK_PROVIDERS_DOCKER_NETWORK` ⇒ `providers.docker.network`).
pub fn settings_from_env(db: &SourceDb, vars: &[(&str, Span, Option<Value>)]) -> Vec<Setting> {
    let mut out = Vec::new();
    for (key, key_span, value) in vars {
        let Some(rest) = key.get(..8).filter(|p| p.eq_ignore_ascii_case("TRAEFIK_")).map(|_| &key[8..]) else {
            continue;
        };
        let base = offset_in(db, *key_span, key);
        let at = |s: usize, e: usize| base.map_or(*key_span, |o| key_span.sub(o + s, o + e));
        let mut words: Vec<(String, usize, usize)> = Vec::new();
        let mut pos = 8;
        for w in rest.split('_') {
            words.push((w.to_ascii_lowercase(), pos, pos + w.len()));
            pos += w.len() + 1;
        }
        // Rejoin a name that contains `_` (`TRAEFIK_ENTRYPOINTS_WEB_SECURE_ADDRESS`).
        if words.len() > 3 && matches!(words[0].0.as_str(), "entrypoints" | "certificatesresolvers") {
            let tail: Vec<&str> = words[2..].iter().map(|w| w.0.as_str()).collect();
            let suffix =
                NAMED_SUFFIXES.iter().filter(|s| s.len() < tail.len() + 1 && tail.ends_with(s)).map(|s| s.len()).max();
            if let Some(k) = suffix {
                let name_end = words.len() - k;
                if name_end > 2 {
                    let joined: Vec<String> = words[1..name_end].iter().map(|w| w.0.clone()).collect();
                    let (s, e) = (words[1].1, words[name_end - 1].2);
                    words.splice(1..name_end, [(joined.join("_"), s, e)]);
                }
            }
        }
        let path = words.into_iter().map(|(name, s, e)| Seg { name, span: at(s, e) }).collect();
        out.push(Setting { path, value: value.clone() });
    }
    out
}

/// Builds a static configuration from the settings of the source in use.
pub fn interpret(settings: &[Setting], source: StaticSource, role: ProxyRole, anchor: Span) -> StaticConfig {
    let mut c = StaticConfig {
        source,
        role,
        file: None,
        unresolved_config_file: None,
        anchor,
        entry_points: Vec::new(),
        docker: None,
        file_provider: None,
        resolvers: Vec::new(),
        api: None,
        default_rule_syntax: None,
        ignored: Vec::new(),
        dynamic_paths: Vec::new(),
        dynamic_files: Vec::new(),
    };
    let mut docker_off = false;
    let mut api_off = false;
    for s in settings {
        let lower: Vec<String> = s.path.iter().map(|p| p.name.to_ascii_lowercase()).collect();
        let keys: Vec<&str> = lower.iter().map(String::as_str).collect();
        let v = || s.value.clone();
        let off = s.value.as_ref().and_then(|v| go_bool(&v.value)) == Some(false);
        match keys.as_slice() {
            ["entrypoints", _, rest @ ..] => {
                let seg = &s.path[1];
                let ep = match c.entry_points.iter().position(|e| e.name == seg.name) {
                    Some(i) => &mut c.entry_points[i],
                    None => {
                        c.entry_points.push(EntryPoint {
                            name: seg.name.clone(),
                            name_span: seg.span,
                            address: None,
                            port: None,
                            udp: false,
                            as_default: None,
                            redirect_to: None,
                            redirect_scheme: None,
                            cert_resolver: None,
                            implicit: false,
                        });
                        let last = c.entry_points.len() - 1;
                        &mut c.entry_points[last]
                    }
                };
                match rest {
                    ["address"] => {
                        if let Some(a) = v() {
                            (ep.port, ep.udp) = parse_address(&a.value);
                            ep.address = Some(a);
                        }
                    }
                    ["asdefault"] => ep.as_default = v(),
                    ["http", "redirections", "entrypoint", "to"] => ep.redirect_to = v(),
                    ["http", "redirections", "entrypoint", "scheme"] => ep.redirect_scheme = v(),
                    ["http", "tls", "certresolver"] => ep.cert_resolver = v(),
                    _ => {}
                }
            }
            ["providers", "docker", rest @ ..] => {
                if rest.is_empty() && off {
                    docker_off = true;
                    continue;
                }
                let d = c.docker.get_or_insert_with(|| DockerProvider {
                    span: s.path[1].span,
                    network: None,
                    exposed_by_default: None,
                    endpoint: None,
                    default_rule: None,
                    constraints: None,
                });
                match rest {
                    ["network"] => d.network = v(),
                    ["exposedbydefault"] => d.exposed_by_default = v(),
                    ["endpoint"] => d.endpoint = v(),
                    ["defaultrule"] => d.default_rule = v(),
                    ["constraints"] => d.constraints = v(),
                    _ => {}
                }
            }
            ["providers", "file", rest @ ..] => {
                let f = c.file_provider.get_or_insert_with(|| FileProvider {
                    span: s.path[1].span,
                    directory: None,
                    filename: None,
                    watch: None,
                });
                match rest {
                    ["directory"] => f.directory = v(),
                    ["filename"] => f.filename = v(),
                    ["watch"] => f.watch = v(),
                    _ => {}
                }
            }
            ["certificatesresolvers", _, rest @ ..] => {
                let seg = &s.path[1];
                let r = match c.resolvers.iter().position(|r| r.name == seg.name) {
                    Some(i) => &mut c.resolvers[i],
                    None => {
                        c.resolvers.push(Resolver {
                            name: seg.name.clone(),
                            name_span: seg.span,
                            challenge: None,
                            http_entry_point: None,
                            storage: None,
                            email: None,
                        });
                        let last = c.resolvers.len() - 1;
                        &mut c.resolvers[last]
                    }
                };
                match rest {
                    ["acme", "email"] => r.email = v(),
                    ["acme", "storage"] => r.storage = v(),
                    ["acme", kind @ ("httpchallenge" | "tlschallenge" | "dnschallenge"), more @ ..] => {
                        if !(more.is_empty() && off) && r.challenge.is_none() {
                            let seg = &s.path[3];
                            r.challenge = Some(Value { value: (*kind).to_owned(), span: seg.span });
                        }
                        if *kind == "httpchallenge" && more == ["entrypoint"] {
                            r.http_entry_point = v();
                        }
                    }
                    _ => {}
                }
            }
            ["api", rest @ ..] => {
                if rest.is_empty() && off {
                    api_off = true;
                    continue;
                }
                let a = c.api.get_or_insert_with(|| Api { span: s.path[0].span, dashboard: None, insecure: None });
                match rest {
                    ["dashboard"] => a.dashboard = v(),
                    ["insecure"] => a.insecure = v(),
                    _ => {}
                }
            }
            ["core", "defaultrulesyntax"] => c.default_rule_syntax = v(),
            _ => {}
        }
    }
    if docker_off {
        c.docker = None;
    }
    if api_off {
        c.api = None;
    }
    // Traefik's effective configuration (`SetEffectiveConfiguration`).
    if c.entry_points.is_empty() {
        c.entry_points.push(implicit_entry_point("http", ":80", anchor));
    }
    let insecure = c.api.as_ref().and_then(|a| a.insecure.as_ref()).and_then(|v| go_bool(&v.value)) == Some(true);
    if insecure && c.entry_point("traefik").is_none() {
        c.entry_points.push(implicit_entry_point("traefik", ":8080", anchor));
    }
    c
}

fn implicit_entry_point(name: &str, address: &str, anchor: Span) -> EntryPoint {
    let (port, udp) = parse_address(address);
    EntryPoint {
        name: name.to_owned(),
        name_span: anchor,
        address: Some(Value { value: address.to_owned(), span: anchor }),
        port,
        udp,
        as_default: None,
        redirect_to: None,
        redirect_scheme: None,
        cert_resolver: None,
        implicit: true,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::source::FileKind;

    fn db_with(text: &str) -> (SourceDb, FileId) {
        let mut db = SourceDb::default();
        let id = db.add(PathBuf::from("t"), Arc::from(text), FileKind::Traefik);
        (db, id)
    }

    fn host() -> ProxyRole {
        ProxyRole::Host
    }

    const YAML: &str = "entryPoints:\n  web:\n    address: \":80\"\n    http:\n      redirections:\n        entryPoint: {to: websecure, scheme: https}\n  websecure:\n    address: \":443\"\n    asDefault: true\ncertificatesResolvers:\n  le:\n    acme:\n      email: a@example.org\n      storage: /letsencrypt/acme.json\n      httpChallenge: {entryPoint: web}\nproviders:\n  docker: {exposedbydefault: false, network: traefik-public}\n  file: {directory: /etc/traefik/dynamic, watch: true}\napi:\n  dashboard: true\n";

    #[test]
    fn yaml_file_case_insensitive_keys() {
        let (_, id) = db_with(YAML);
        let docs = crate::yaml::parse(id, YAML, &crate::yaml::Limits::default()).unwrap();
        assert!(is_static(&docs[0], false));
        let c = interpret(&settings_from_node(&docs[0]), StaticSource::File, host(), Span::file_start(id));
        let web = c.entry_point("web").unwrap();
        assert_eq!(web.port, Some(80));
        assert_eq!(web.redirect_to.as_ref().unwrap().value, "websecure");
        assert_eq!(web.redirect_scheme.as_ref().unwrap().value, "https");
        assert_eq!(c.entry_point("websecure").unwrap().port, Some(443));
        assert_eq!(c.default_entry_points().iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["websecure"]);
        assert_eq!(c.watched_network(), Some("traefik-public"));
        assert!(!c.exposed_by_default(), "`exposedbydefault` is `exposedByDefault`");
        let net = &c.docker.as_ref().unwrap().network.as_ref().unwrap();
        assert_eq!(&YAML[net.span.range()], "traefik-public");
        assert_eq!(c.file_provider.as_ref().unwrap().directory.as_ref().unwrap().value, "/etc/traefik/dynamic");
        let le = c.resolver("le").unwrap();
        assert_eq!(le.challenge.as_ref().unwrap().value, "httpchallenge");
        assert_eq!(le.http_entry_point.as_ref().unwrap().value, "web");
        assert!(c.api.is_some());
        assert!(c.entry_points.iter().all(|e| !e.implicit));
    }

    #[test]
    fn toml_file_same_model() {
        let text = "[entryPoints]\n  [entryPoints.web]\n    address = \":80\"\n[providers.docker]\n  ExposedByDefault = false\n  network = \"proxy\"\n[providers.file]\n  filename = \"/etc/traefik/dynamic.toml\"\n[certificatesResolvers.myresolver.acme]\n  email = \"a@example.org\"\n  [certificatesResolvers.myresolver.acme.tlsChallenge]\n";
        let (_, id) = db_with(text);
        let doc = super::super::toml_tree::parse(id, text).unwrap();
        assert!(is_static(&doc, false));
        let c = interpret(&settings_from_node(&doc), StaticSource::File, host(), Span::file_start(id));
        assert_eq!(c.entry_point("web").unwrap().port, Some(80));
        assert!(!c.exposed_by_default());
        assert_eq!(c.watched_network(), Some("proxy"));
        assert_eq!(&text[c.docker.as_ref().unwrap().network.as_ref().unwrap().span.range()], "\"proxy\"");
        assert_eq!(c.file_provider.as_ref().unwrap().filename.as_ref().unwrap().value, "/etc/traefik/dynamic.toml");
        assert_eq!(c.resolver("myresolver").unwrap().challenge.as_ref().unwrap().value, "tlschallenge");
    }

    fn args(db: &SourceDb, id: FileId, text: &str, words: &[&str]) -> Vec<Value> {
        words
            .iter()
            .map(|w| {
                let start = text.find(w).unwrap();
                let _ = db;
                Value { value: (*w).to_owned(), span: Span::new(id, start, start + w.len()) }
            })
            .collect()
    }

    #[test]
    fn flags_with_spans() {
        let text = "command:\n  - --entrypoints.web.address=:80\n  - --providers.docker.network=traefik-public\n  - --Providers.Docker.ExposedByDefault=false\n  - --providers.file.directory=/etc/traefik/dynamic\n  - --certificatesresolvers.le.acme.tlschallenge=true\n  - --api.insecure\n";
        let (db, id) = db_with(text);
        let words = [
            "--entrypoints.web.address=:80",
            "--providers.docker.network=traefik-public",
            "--Providers.Docker.ExposedByDefault=false",
            "--providers.file.directory=/etc/traefik/dynamic",
            "--certificatesresolvers.le.acme.tlschallenge=true",
            "--api.insecure",
        ];
        let (settings, cf) = settings_from_flags(&db, &args(&db, id, text, &words));
        assert!(cf.is_none());
        let c = interpret(&settings, StaticSource::Flags, host(), Span::file_start(id));
        let web = c.entry_point("web").unwrap();
        assert_eq!(&text[web.name_span.range()], "web");
        assert_eq!(&text[web.address.as_ref().unwrap().span.range()], ":80");
        assert_eq!(c.watched_network(), Some("traefik-public"));
        assert_eq!(&text[c.docker.as_ref().unwrap().network.as_ref().unwrap().span.range()], "traefik-public");
        assert!(!c.exposed_by_default());
        assert_eq!(c.resolver("le").unwrap().challenge.as_ref().unwrap().value, "tlschallenge");
        // The insecure API adds the `traefik` entry point on :8080.
        let t = c.entry_point("traefik").unwrap();
        assert!(t.implicit);
        assert_eq!(t.port, Some(8080));
        assert_eq!(c.default_entry_points().len(), 1);
    }

    #[test]
    fn shell_form_command_and_config_file_flag() {
        let text = "command: traefik --providers.docker --configFile=/etc/traefik/static.yml --log.level DEBUG\n";
        let (db, id) = db_with(text);
        let value = "traefik --providers.docker --configFile=/etc/traefik/static.yml --log.level DEBUG";
        let start = text.find(value).unwrap();
        let item = crate::model::Text {
            value: value.to_owned(),
            span: Span::new(id, start, start + value.len()),
            known: true,
            interp: None,
        };
        let cmd = crate::model::Command { span: item.span, shell_form: true, items: vec![item] };
        let a = command_args(&db, &cmd);
        assert_eq!(
            a.iter().map(|v| v.value.as_str()).collect::<Vec<_>>(),
            ["--providers.docker", "--configFile=/etc/traefik/static.yml", "--log.level", "DEBUG"]
        );
        assert_eq!(&text[a[0].span.range()], "--providers.docker");
        let (settings, cf) = settings_from_flags(&db, &a);
        assert_eq!(cf.as_ref().unwrap().value, "/etc/traefik/static.yml");
        assert_eq!(&text[cf.unwrap().span.range()], "/etc/traefik/static.yml");
        let c = interpret(&settings, StaticSource::Flags, host(), Span::file_start(id));
        assert!(c.docker_enabled());
        assert!(c.exposed_by_default(), "Traefik's default");
        // No entry point configured: Traefik's `http` on :80.
        assert_eq!(c.entry_points.len(), 1);
        assert!(c.entry_points[0].implicit && c.entry_points[0].name == "http");
    }

    #[test]
    fn env_vars() {
        let text = "TRAEFIK_PROVIDERS_DOCKER_NETWORK=proxy\nTRAEFIK_PROVIDERS_DOCKER_EXPOSEDBYDEFAULT=false\nTRAEFIK_ENTRYPOINTS_WEB_SECURE_ADDRESS=:443\nTRAEFIK_CERTIFICATESRESOLVERS_LE_ACME_HTTPCHALLENGE_ENTRYPOINT=web\nTRAEFIK_PROVIDERS_DOCKER=true\n";
        let (db, id) = db_with(text);
        let mut vars = Vec::new();
        let mut pos = 0;
        for line in text.lines() {
            let (k, v) = line.split_once('=').unwrap();
            let ks = Span::new(id, pos, pos + k.len());
            let vs = Span::new(id, pos + k.len() + 1, pos + line.len());
            vars.push((k, ks, Some(Value { value: v.to_owned(), span: vs })));
            pos += line.len() + 1;
        }
        let c = interpret(&settings_from_env(&db, &vars), StaticSource::Env, host(), Span::file_start(id));
        assert_eq!(c.watched_network(), Some("proxy"));
        assert!(!c.exposed_by_default());
        let ep = c.entry_point("web_secure").unwrap();
        assert_eq!(ep.port, Some(443));
        assert_eq!(&text[ep.name_span.range()], "WEB_SECURE");
        let le = c.resolver("le").unwrap();
        assert_eq!(le.http_entry_point.as_ref().unwrap().value, "web");
    }

    #[test]
    fn disabled_provider_and_addresses() {
        let (db, id) = db_with("x");
        let v = |s: &str| Value { value: s.to_owned(), span: Span::file_start(id) };
        let (settings, _) =
            settings_from_flags(&db, &[v("--providers.docker=false"), v("--entrypoints.dns.address=:53/udp")]);
        let c = interpret(&settings, StaticSource::Flags, host(), Span::file_start(id));
        assert!(!c.docker_enabled());
        assert!(c.entry_point("dns").unwrap().udp);
        assert!(c.default_entry_points().is_empty(), "UDP entry points are never defaults");
        assert_eq!(parse_address("[::]:8443/tcp"), (Some(8443), false));
        assert_eq!(parse_address("0.0.0.0:80"), (Some(80), false));
        assert_eq!(go_bool("FALSE"), Some(false));
        assert_eq!(go_bool("no"), None);
    }
}
