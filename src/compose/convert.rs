//! The merged compose tree → the typed model (`model::Service`, `model::Resource`), with Compose's
//! canonical forms (short and long syntaxes), its de-duplications ("unicity": ports, volumes by target,
//! env files by path...) and its normalizations (implicit `default` network, dependencies implied by
//! `links`, `network_mode: service:x` and `volumes_from`).

use std::path::{Path, PathBuf};

use crate::compose::format::{self, VolumeType};
use crate::compose::merge::key_value_entries;
use crate::model::{
    Build, Command, Dependency, EnvFileRef, Extends, Healthcheck, Label, Mount, MountKind, Port, Resource, Service,
    ServiceNetwork, Text,
};
use crate::source::{FileId, Span};
use crate::yaml::{Kind, Node, Value, scalar_to_string};

/// Resolves a path written in a file against that file's base directory (the project directory for the
/// `-f` files, the file's own directory for `extends.file` targets and `include`d projects).
pub trait BaseDirs {
    fn base_dir(&self, file: FileId) -> &Path;
}

/// A problem the conversion finds that Compose reports at load time (P003).
#[derive(Clone, Debug)]
pub struct ConvertError {
    pub span: Span,
    pub message: String,
}

pub fn text(node: &Node) -> Option<Text> {
    let s = node.as_scalar()?;
    let value = scalar_to_string(s)?;
    Some(Text { value, span: node.span, known: s.interp.as_ref().is_none_or(|i| i.known), interp: s.interp.clone() })
}

fn get_text(node: &Node, key: &str) -> Option<Text> {
    node.get(key).and_then(text)
}

fn get_bool(node: &Node, key: &str) -> Option<bool> {
    match node.get(key)?.as_scalar()?.value {
        Value::Bool(b) => Some(b),
        _ => None,
    }
}

fn texts(node: Option<&Node>) -> Vec<Text> {
    match node.map(|n| &n.kind) {
        Some(Kind::Seq(items)) => items.iter().filter_map(text).collect(),
        Some(Kind::Scalar(_)) => node.and_then(text).into_iter().collect(),
        _ => Vec::new(),
    }
}

pub fn resolve_path(base: &Path, written: &str) -> PathBuf {
    let expanded = match written.strip_prefix("~/") {
        Some(rest) => std::env::var_os("HOME").map_or_else(|| PathBuf::from(written), |h| PathBuf::from(h).join(rest)),
        None => PathBuf::from(written),
    };
    if expanded.is_absolute() { expanded } else { normalize(&base.join(expanded)) }
}

/// Lexical normalization (`a/./b/../c` ⇒ `a/c`), without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                // Nothing left to go up from, or already going up: `..`, `../..`.
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() { PathBuf::from(".") } else { out }
}

pub struct Converted {
    pub name_key: Option<Text>,
    pub services: Vec<Service>,
    pub networks: Vec<Resource>,
    pub volumes: Vec<Resource>,
    pub secrets: Vec<Resource>,
    pub configs: Vec<Resource>,
}

pub fn convert(dict: &Node, project: &str, dirs: &dyn BaseDirs, errors: &mut Vec<ConvertError>) -> Converted {
    let mut out = Converted {
        name_key: get_text(dict, "name"),
        services: Vec::new(),
        networks: resources(dict.get("networks"), project, dirs),
        volumes: resources(dict.get("volumes"), project, dirs),
        secrets: resources(dict.get("secrets"), project, dirs),
        configs: resources(dict.get("configs"), project, dirs),
    };
    if let Some(services) = dict.get("services").and_then(Node::as_map) {
        for e in services {
            if e.value.as_map().is_none() {
                if !e.value.is_null() {
                    errors.push(ConvertError {
                        span: e.value.span,
                        message: format!("services.{} must be a mapping", e.key.name),
                    });
                }
                continue;
            }
            out.services.push(service(&e.key.name, e.key.span, &e.value, dirs, errors));
        }
    }
    // The implicit `default` network exists only when a service uses it.
    let uses_default = out.services.iter().any(|s| s.networks.iter().any(|n| n.name == "default"));
    if uses_default && !out.networks.iter().any(|n| n.key == "default") {
        out.networks.push(Resource {
            key: "default".to_owned(),
            key_span: Span::default(),
            external: false,
            name: None,
            real_name: format!("{project}_default"),
            file: None,
            implicit: true,
        });
    }
    out
}

fn resources(node: Option<&Node>, project: &str, dirs: &dyn BaseDirs) -> Vec<Resource> {
    let Some(entries) = node.and_then(Node::as_map) else { return Vec::new() };
    entries
        .iter()
        .map(|e| {
            let v = &e.value;
            let external = match v.get("external") {
                Some(n) => match n.as_scalar().map(|s| s.value) {
                    Some(Value::Bool(b)) => b,
                    // Legacy `external: {name: x}`.
                    None => n.as_map().is_some(),
                    _ => false,
                },
                None => false,
            };
            let legacy_name = v.get("external").and_then(|x| x.get("name")).and_then(text);
            let name = get_text(v, "name").or(legacy_name);
            let real_name = match &name {
                Some(n) => n.value.clone(),
                None if external => e.key.name.clone(),
                None => format!("{project}_{}", e.key.name),
            };
            let file = v.get("file").and_then(|f| {
                let t = text(f)?;
                Some(resolve_path(dirs.base_dir(f.span.file), &t.value))
            });
            Resource { key: e.key.name.clone(), key_span: e.key.span, external, name, real_name, file, implicit: false }
        })
        .collect()
}

fn service(name: &str, name_span: Span, node: &Node, dirs: &dyn BaseDirs, errors: &mut Vec<ConvertError>) -> Service {
    let network_mode = get_text(node, "network_mode");
    let mut networks = service_networks(node.get("networks"));
    if network_mode.is_none() && node.get("provider").is_none() && networks.is_empty() {
        networks.push(ServiceNetwork {
            name: "default".to_owned(),
            span: None,
            aliases: Vec::new(),
            ipv4_address: None,
        });
    }
    let links = texts(node.get("links"));
    let volumes_from = texts(node.get("volumes_from"));
    let mut depends_on = dependencies(node.get("depends_on"));
    let mut imply = |service: String, span: Span, restart: bool, by: &'static str| {
        if !depends_on.iter().any(|d| d.service == service) {
            depends_on.push(Dependency {
                service,
                span,
                condition: "service_started".to_owned(),
                condition_span: None,
                required: true,
                restart,
                implied_by: Some(by),
            });
        }
    };
    for l in &links {
        let target = l.value.split(':').next().unwrap_or_default().to_owned();
        imply(target, l.span, true, "links");
    }
    if let Some(m) = &network_mode
        && let Some(target) = m.value.strip_prefix("service:")
    {
        imply(target.to_owned(), m.span, true, "network_mode");
    }
    for v in &volumes_from {
        if !v.value.starts_with("container:") {
            let target = v.value.split(':').next().unwrap_or_default().to_owned();
            imply(target, v.span, false, "volumes_from");
        }
    }
    let service_labels = labels(node.get("labels"));
    Service {
        name: name.to_owned(),
        name_span,
        active: true,
        image: get_text(node, "image"),
        build: build(node.get("build"), dirs),
        ports: ports(node.get("ports"), errors),
        expose: dedup_texts(texts(node.get("expose"))),
        networks,
        network_mode,
        volumes: mounts(node.get("volumes"), dirs, errors),
        env_files: env_files(node.get("env_file"), dirs),
        environment: Vec::new(),
        depends_on,
        links,
        volumes_from,
        extends: extends(node.get("extends")),
        healthcheck: healthcheck(node.get("healthcheck")),
        command: command(node.get("command")),
        entrypoint: command(node.get("entrypoint")),
        traefik: crate::sources::traefik::labels::TraefikLabels::from_labels(&service_labels),
        labels: service_labels,
        profiles: dedup_texts(texts(node.get("profiles"))),
        container_name: get_text(node, "container_name"),
        restart: get_text(node, "restart"),
        privileged: get_bool(node, "privileged"),
        scale: match node.get("scale").and_then(Node::as_scalar).map(|s| s.value) {
            Some(Value::Int(i)) => Some(i),
            _ => match node.get("deploy").and_then(|d| d.get("replicas")).and_then(Node::as_scalar).map(|s| s.value) {
                Some(Value::Int(i)) => Some(i),
                _ => None,
            },
        },
        user: get_text(node, "user"),
        node: node.clone(),
    }
}

fn dedup_texts(items: Vec<Text>) -> Vec<Text> {
    let mut out: Vec<Text> = Vec::with_capacity(items.len());
    for t in items {
        match out.iter_mut().find(|x| x.value == t.value) {
            Some(existing) => *existing = t,
            None => out.push(t),
        }
    }
    out
}

fn build(node: Option<&Node>, dirs: &dyn BaseDirs) -> Option<Build> {
    let node = node?;
    let (context, dockerfile, args, target) = match &node.kind {
        Kind::Scalar(_) => (text(node), None, Vec::new(), None),
        Kind::Map(_) => (
            get_text(node, "context"),
            get_text(node, "dockerfile"),
            labels(node.get("args")),
            get_text(node, "target"),
        ),
        Kind::Seq(_) => return None,
    };
    let context_dir = match &context {
        Some(c) if c.value.contains("://") || c.value.starts_with("git@") => None,
        Some(c) => Some(resolve_path(dirs.base_dir(c.span.file), &c.value)),
        None => Some(dirs.base_dir(node.span.file).to_path_buf()),
    };
    Some(Build { span: node.span, context, context_dir, dockerfile, args, target, dockerfile_file: None })
}

fn port_from_long(item: &Node, errors: &mut Vec<ConvertError>) -> Option<Port> {
    let target = match item.get("target").and_then(Node::as_scalar).map(|s| s.value) {
        Some(Value::Int(t)) => u16::try_from(t).ok(),
        _ => None,
    };
    let Some(target) = target else {
        errors.push(ConvertError { span: item.span, message: "port is missing a valid `target`".to_owned() });
        return None;
    };
    let published = match item.get("published") {
        None => None,
        Some(p) => {
            let t = text(p)?;
            if t.value.is_empty() {
                None
            } else {
                match parse_range(&t.value) {
                    Some(r) => Some(r),
                    None => {
                        if t.known {
                            errors.push(ConvertError {
                                span: p.span,
                                message: format!("invalid published port: {}", t.value),
                            });
                        }
                        return None;
                    }
                }
            }
        }
    };
    let host_ip = get_text(item, "host_ip").map(|t| t.value).filter(|s| !s.is_empty());
    Some(Port {
        span: item.span,
        host_ip,
        published,
        target,
        protocol: get_text(item, "protocol").map_or_else(|| "tcp".to_owned(), |t| t.value),
        mode: get_text(item, "mode").map(|t| t.value),
        name: get_text(item, "name").map(|t| t.value),
        app_protocol: get_text(item, "app_protocol").map(|t| t.value),
        short: false,
        raw: None,
    })
}

fn parse_range(s: &str) -> Option<(u16, u16)> {
    match s.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => {
            let p = s.trim().parse().ok()?;
            Some((p, p))
        }
    }
}

fn ports(node: Option<&Node>, errors: &mut Vec<ConvertError>) -> Vec<Port> {
    let Some(items) = node.and_then(Node::as_seq) else { return Vec::new() };
    let mut out: Vec<Port> = Vec::new();
    for item in items {
        let converted: Vec<Port> = match &item.kind {
            Kind::Map(_) => port_from_long(item, errors).into_iter().collect(),
            Kind::Scalar(s) => {
                let Some(raw) = scalar_to_string(s) else { continue };
                if s.interp.as_ref().is_some_and(|i| !i.known) {
                    continue;
                }
                match format::parse_port(&raw) {
                    Ok(mappings) => mappings
                        .into_iter()
                        .map(|m| Port {
                            span: item.span,
                            host_ip: m.host_ip,
                            published: m.published,
                            target: m.target,
                            protocol: m.protocol,
                            mode: None,
                            name: None,
                            app_protocol: None,
                            short: true,
                            raw: Some(raw.clone()),
                        })
                        .collect(),
                    // Reported by the schema check.
                    Err(_) => Vec::new(),
                }
            }
            Kind::Seq(_) => Vec::new(),
        };
        for p in converted {
            // Compose de-duplicates on (host_ip, published, target, protocol): the later entry wins.
            let same = |x: &Port| {
                x.host_ip_or_default() == p.host_ip_or_default()
                    && x.published == p.published
                    && x.target == p.target
                    && x.protocol == p.protocol
            };
            match out.iter_mut().find(|x| same(x)) {
                Some(existing) => *existing = p,
                None => out.push(p),
            }
        }
    }
    out
}

fn service_networks(node: Option<&Node>) -> Vec<ServiceNetwork> {
    let Some(node) = node else { return Vec::new() };
    match &node.kind {
        Kind::Seq(items) => items
            .iter()
            .filter_map(|n| {
                Some(ServiceNetwork {
                    name: text(n)?.value,
                    span: Some(n.span),
                    aliases: Vec::new(),
                    ipv4_address: None,
                })
            })
            .collect(),
        Kind::Map(entries) => entries
            .iter()
            .map(|e| ServiceNetwork {
                name: e.key.name.clone(),
                span: Some(e.key.span),
                aliases: dedup_texts(texts(e.value.get("aliases"))),
                ipv4_address: get_text(&e.value, "ipv4_address"),
            })
            .collect(),
        Kind::Scalar(_) => Vec::new(),
    }
}

fn mounts(node: Option<&Node>, dirs: &dyn BaseDirs, errors: &mut Vec<ConvertError>) -> Vec<Mount> {
    let Some(items) = node.and_then(Node::as_seq) else { return Vec::new() };
    // Compose de-duplicates on the target as written in the long syntax and as parsed in the short one
    // (so `/data` and `/data/` are two entries), then refuses two mounts on one cleaned target.
    let mut out: Vec<(String, Mount)> = Vec::new();
    for item in items {
        let base = dirs.base_dir(item.span.file);
        let (key, mount) = match &item.kind {
            Kind::Scalar(_) => {
                let Some(t) = text(item) else { continue };
                let Ok(v) = format::parse_volume(&t.value) else { continue };
                let host_path =
                    (v.kind == VolumeType::Bind).then(|| v.source.as_deref().map(|s| resolve_path(base, s))).flatten();
                let mount = Mount {
                    span: item.span,
                    kind: mount_kind(v.kind),
                    host_path,
                    source: v.source,
                    target: v.target.clone(),
                    read_only: v.read_only,
                    known: t.known,
                };
                (v.target, mount)
            }
            Kind::Map(_) => {
                let kind = match get_text(item, "type").map(|t| t.value).as_deref() {
                    Some("bind") => MountKind::Bind,
                    Some("tmpfs") => MountKind::Tmpfs,
                    Some("npipe") => MountKind::Npipe,
                    Some("cluster") => MountKind::Cluster,
                    Some("image") => MountKind::Image,
                    _ => MountKind::Volume,
                };
                let Some(target) = get_text(item, "target") else {
                    errors
                        .push(ConvertError { span: item.span, message: "volume is missing a mount target".to_owned() });
                    continue;
                };
                let source_text = get_text(item, "source");
                let known = target.known && source_text.as_ref().is_none_or(|t| t.known);
                let source = source_text.map(|t| t.value).filter(|s| !s.is_empty());
                let mount = Mount {
                    span: item.span,
                    kind,
                    host_path: (kind == MountKind::Bind)
                        .then(|| source.as_deref().map(|s| resolve_path(base, s)))
                        .flatten(),
                    source,
                    target: format::clean_path(&target.value),
                    read_only: get_bool(item, "read_only").unwrap_or(false),
                    known,
                };
                (target.value, mount)
            }
            Kind::Seq(_) => continue,
        };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = mount,
            None => out.push((key, mount)),
        }
    }
    let mounts: Vec<Mount> = out.into_iter().map(|(_, m)| m).collect();
    for (i, m) in mounts.iter().enumerate() {
        if m.known && mounts.iter().take(i).any(|p| p.known && p.target == m.target) {
            errors.push(ConvertError { span: m.span, message: format!("target {} already mounted", m.target) });
        }
    }
    mounts
}

fn mount_kind(v: VolumeType) -> MountKind {
    match v {
        VolumeType::Bind => MountKind::Bind,
        VolumeType::Volume => MountKind::Volume,
        VolumeType::Tmpfs => MountKind::Tmpfs,
        VolumeType::Npipe => MountKind::Npipe,
        VolumeType::Cluster => MountKind::Cluster,
        VolumeType::Image => MountKind::Image,
    }
}

fn env_files(node: Option<&Node>, dirs: &dyn BaseDirs) -> Vec<EnvFileRef> {
    let Some(node) = node else { return Vec::new() };
    let items: Vec<&Node> = match &node.kind {
        Kind::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    let mut out: Vec<EnvFileRef> = Vec::new();
    for item in items {
        let (path_node, required, raw_format) = match &item.kind {
            Kind::Map(_) => {
                let Some(p) = item.get("path") else { continue };
                let required = get_bool(item, "required").unwrap_or(true);
                let raw = get_text(item, "format").is_some_and(|f| f.value == "raw");
                (p, required, raw)
            }
            _ => (item, true, false),
        };
        let Some(path) = text(path_node) else { continue };
        let resolved = resolve_path(dirs.base_dir(path_node.span.file), &path.value);
        let r = EnvFileRef {
            span: path_node.span,
            path: path.value,
            resolved,
            required,
            raw_format,
            file: None,
            stand_in: false,
        };
        match out.iter_mut().find(|x| x.resolved == r.resolved) {
            Some(existing) => {
                existing.required = r.required;
                existing.raw_format = r.raw_format;
            }
            None => out.push(r),
        }
    }
    out
}

fn dependencies(node: Option<&Node>) -> Vec<Dependency> {
    let Some(node) = node else { return Vec::new() };
    match &node.kind {
        Kind::Seq(items) => items
            .iter()
            .filter_map(|n| {
                Some(Dependency {
                    service: text(n)?.value,
                    span: n.span,
                    condition: "service_started".to_owned(),
                    condition_span: None,
                    required: true,
                    restart: false,
                    implied_by: None,
                })
            })
            .collect(),
        Kind::Map(entries) => entries
            .iter()
            .map(|e| {
                let cond = e.value.get("condition");
                Dependency {
                    service: e.key.name.clone(),
                    span: e.key.span,
                    condition: cond.and_then(text).map_or_else(|| "service_started".to_owned(), |t| t.value),
                    condition_span: cond.map(|c| c.span),
                    required: get_bool(&e.value, "required").unwrap_or(true),
                    restart: get_bool(&e.value, "restart").unwrap_or(false),
                    implied_by: None,
                }
            })
            .collect(),
        Kind::Scalar(_) => Vec::new(),
    }
}

fn extends(node: Option<&Node>) -> Option<Extends> {
    let node = node?;
    match &node.kind {
        Kind::Scalar(_) => Some(Extends { span: node.span, service: text(node)?.value, file: None, resolved: true }),
        Kind::Map(_) => Some(Extends {
            span: node.span,
            service: get_text(node, "service")?.value,
            file: get_text(node, "file").map(|t| t.value),
            resolved: true,
        }),
        Kind::Seq(_) => None,
    }
}

fn healthcheck(node: Option<&Node>) -> Option<Healthcheck> {
    let node = node?;
    node.as_map()?;
    Some(Healthcheck {
        span: node.span,
        test: command(node.get("test")),
        disable: get_bool(node, "disable").unwrap_or(false),
    })
}

fn command(node: Option<&Node>) -> Option<Command> {
    let node = node?;
    match &node.kind {
        Kind::Scalar(s) if s.value == Value::Null => None,
        Kind::Scalar(_) => Some(Command { span: node.span, shell_form: true, items: text(node).into_iter().collect() }),
        Kind::Seq(items) => {
            Some(Command { span: node.span, shell_form: false, items: items.iter().filter_map(text).collect() })
        }
        Kind::Map(_) => None,
    }
}

fn labels(node: Option<&Node>) -> Vec<Label> {
    let Some(node) = node else { return Vec::new() };
    key_value_entries(node)
        .into_iter()
        .map(|e| Label { key: e.key.name, key_span: e.key.span, value: text(&e.value) })
        .collect()
}

#[cfg(test)]
mod normalize_tests {
    use super::normalize;
    use std::path::{Path, PathBuf};

    #[test]
    fn parent_components() {
        let n = |p: &str| normalize(Path::new(p));
        assert_eq!(n("app/../shared/.env"), PathBuf::from("shared/.env"));
        assert_eq!(n("a/.."), PathBuf::from("."));
        assert_eq!(n("../../x"), PathBuf::from("../../x"));
        assert_eq!(n("./a/./b/../c"), PathBuf::from("a/c"));
        assert_eq!(n("/.."), PathBuf::from("/"));
        assert_eq!(n("/a/../../b"), PathBuf::from("/b"));
        assert_eq!(n("a/../../b"), PathBuf::from("../b"));
    }
}
