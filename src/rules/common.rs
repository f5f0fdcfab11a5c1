//! Helpers shared by rules: the environment an env file is for, URL parsing, host classification,
//! browser-exposed variable prefixes and the names containers reach each other by.
use std::collections::HashSet;

use crate::model::env::{EnvValue, environment_of_name};
use crate::model::{EnvFileModel, EnvRole, Environment, StackModel};
use crate::source::Span;

/// The environment an env file is for: its name (`.env.production`), its values (`NODE_ENV=production`,
/// also `*_ENV`/`*_ENVIRONMENT` keys such as `_APP_ENV` or `FLASK_ENV`), else the environment of the
/// stacks that use it (as `env_file:` of a service or as interpolation file); a production stack wins.
pub fn environment(model: &StackModel, env: &EnvFileModel) -> Option<Environment> {
    if let Some(e) = env.environment() {
        return Some(e);
    }
    let by_suffix = env.entries.iter().rev().find_map(|e| {
        let k = e.key.to_ascii_uppercase();
        if !(k.ends_with("_ENV") || k.ends_with("_ENVIRONMENT")) {
            return None;
        }
        e.value.as_ref().and_then(|v| environment_of_name(&v.text))
    });
    if by_suffix.is_some() {
        return by_suffix;
    }
    let mut found = None;
    for stack in model.stacks.iter().filter(|s| s.loaded) {
        let uses = stack.interp_files.contains(&env.file)
            || stack.active_services().any(|svc| svc.env_files.iter().any(|r| r.file == Some(env.file)));
        if !uses {
            continue;
        }
        match stack.environment(model) {
            Some(Environment::Production) => return Some(Environment::Production),
            Some(e) if found.is_none() => found = Some(e),
            _ => {}
        }
    }
    found
}

/// Is this env file for production (see [`environment`])?
pub fn is_production(model: &StackModel, env: &EnvFileModel) -> bool {
    environment(model, env) == Some(Environment::Production)
}

/// Is this env file for development (local, dev, test, CI)?
pub fn is_development(model: &StackModel, env: &EnvFileModel) -> bool {
    environment(model, env) == Some(Environment::Development)
}

/// Real env files (not templates) whose syntax compose accepts.
pub fn real_env_files(model: &StackModel) -> impl Iterator<Item = &EnvFileModel> {
    model.env_files.iter().filter(|e| e.role == EnvRole::Env)
}

/// Does compose interpolate a variable reference in this env-file value (`${VAR}`, `$VAR`)? Such values
/// are only known once resolved: value rules leave them alone.
pub fn has_reference(value: &EnvValue) -> bool {
    value.interpolate && text_has_reference(&value.text)
}

/// Does a text hold a `$VAR` / `${...}` reference (`$$` is a literal dollar)?
pub fn text_has_reference(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            match b.get(i + 1) {
                Some(b'$') => i += 2,
                Some(c) if *c == b'{' || *c == b'_' || c.is_ascii_alphabetic() => return true,
                _ => i += 1,
            }
        } else {
            i += 1;
        }
    }
    false
}

/// Browser-exposed prefixes: bundlers inline these variables into the JavaScript every visitor downloads.
pub const BROWSER_PREFIXES: [&str; 7] =
    ["NEXT_PUBLIC_", "NUXT_PUBLIC_", "EXPO_PUBLIC_", "REACT_APP_", "VITE_", "GATSBY_", "PUBLIC_"];

/// The browser-exposed prefix of a variable name, if any.
pub fn browser_prefix(key: &str) -> Option<&'static str> {
    BROWSER_PREFIXES.iter().copied().find(|p| key.len() > p.len() && key.starts_with(p))
}

/// The parts of a URL the rules need (`scheme://user:pass@host:port/path?query`).
#[derive(Debug, PartialEq, Eq)]
pub struct Url<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    pub port: Option<&'a str>,
    /// Path, query and fragment, as written (may be empty).
    pub rest: &'a str,
}

impl Url<'_> {
    /// `scheme://host[:port]`, lowercased, default ports dropped: what a browser sends as `Origin`.
    pub fn origin(&self) -> String {
        let scheme = self.scheme.to_ascii_lowercase();
        let host = self.host.to_ascii_lowercase();
        match self.port {
            Some(p) if !(scheme == "https" && p == "443" || scheme == "http" && p == "80") => {
                format!("{scheme}://{host}:{p}")
            }
            _ => format!("{scheme}://{host}"),
        }
    }

    /// The query parameters, `key=value` pairs.
    pub fn query(&self) -> impl Iterator<Item = (&str, &str)> {
        let q = self.rest.split_once('?').map_or("", |(_, q)| q);
        let q = q.split('#').next().unwrap_or("");
        q.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, "")))
    }
}

/// Parses `scheme://[userinfo@]host[:port][/path][?query]`. The password may hold `@`: the host starts
/// after the last `@` of the authority.
pub fn parse_url(s: &str) -> Option<Url<'_>> {
    let (scheme, after) = s.trim().split_once("://")?;
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        return None;
    }
    let auth_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = after.get(..auth_end)?;
    let rest = after.get(auth_end..)?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, tail) = v6.split_once(']')?;
        (h, tail.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
            _ => (hostport, None),
        }
    };
    Some(Url { scheme, host, port: port.filter(|p| !p.is_empty()), rest })
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `localhost`, `*.localhost`, `127.x.x.x`, `0.0.0.0`, `::1`: the machine the value is read on.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_matches(['[', ']']).to_ascii_lowercase();
    h == "localhost" || h.ends_with(".localhost") || h.starts_with("127.") || h == "0.0.0.0" || h == "::1" || h == "::"
}

/// A private or special-use name or address that no public client reaches (`10.x`, `192.168.x`,
/// `*.local`, `*.internal`, `host.docker.internal`...).
pub fn is_private_host(host: &str) -> bool {
    let h = host.trim_matches(['[', ']']).to_ascii_lowercase();
    if is_loopback_host(&h) {
        return true;
    }
    const SUFFIXES: [&str; 8] = [".local", ".internal", ".lan", ".home", ".test", ".svc", ".localdomain", ".intranet"];
    if SUFFIXES.iter().any(|s| h.ends_with(s)) {
        return true;
    }
    let octets: Vec<u8> = h.split('.').filter_map(|p| p.parse().ok()).collect();
    if octets.len() == 4 && h.split('.').count() == 4 {
        return matches!(octets.as_slice(), [10, ..] | [192, 168, ..] | [169, 254, ..])
            || matches!(octets.as_slice(), [172, b, ..] if (16..=31).contains(b));
    }
    h.starts_with("fd") && h.contains(':')
}

/// Every name a container reaches another container by, in every stack: service names, container names,
/// network aliases and hostnames.
pub fn service_hosts(model: &StackModel) -> HashSet<&str> {
    let mut out = HashSet::new();
    for stack in model.stacks.iter().filter(|s| s.loaded) {
        for svc in &stack.services {
            out.insert(svc.name.as_str());
            if let Some(c) = &svc.container_name {
                out.insert(c.value.as_str());
            }
            for n in &svc.networks {
                out.extend(n.aliases.iter().map(|a| a.value.as_str()));
            }
            if let Some(h) = svc.node.get("hostname").and_then(|n| n.as_str()) {
                out.insert(h);
            }
        }
    }
    out
}

/// Items of a list value: comma- or space-separated, or a JSON array of strings.
pub fn list_items(value: &str) -> impl Iterator<Item = &str> {
    value
        .split([',', ' ', '\t', '\n', ';'])
        .map(|s| s.trim().trim_matches(['[', ']']).trim().trim_matches(['"', '\'']).trim())
        .filter(|s| !s.is_empty())
}

/// A file's display path.
pub fn file_name(model: &StackModel, id: crate::source::FileId) -> String {
    model.db.get(id).map(|f| f.display_path()).unwrap_or_default()
}

/// The image a service runs, as far as the rules can tell: for a built service the external base image
/// of its Dockerfile's selected stage (the `FROM` chain followed through named stages, `ARG` defaults and
/// `build.args` substituted) with the stages built on top of it, base first; for a pulled service its
/// `image:` and no stages.
pub struct RunImage<'m> {
    pub image: crate::model::image::ImageRef,
    /// Where the image is named: the `FROM` line of the first stage, or the service's `image:`.
    pub span: crate::source::Span,
    /// The Dockerfile stages the service's image is made of (empty for a pulled image).
    pub stages: Vec<&'m crate::sources::dockerfile::Stage>,
}

/// See [`RunImage`]. None when the image is unknown: a build whose Dockerfile was not read, a base that
/// depends on an unresolved `ARG`, an image reference that does not parse.
pub fn run_image<'m>(model: &'m StackModel, svc: &'m crate::model::Service) -> Option<RunImage<'m>> {
    use crate::model::image::ImageRef;
    let Some(build) = &svc.build else {
        let image = svc.image.as_ref().filter(|i| i.known)?;
        return Some(RunImage { image: ImageRef::parse(&image.value)?, span: image.span, stages: Vec::new() });
    };
    let dockerfile = model.dockerfile_of(svc)?;
    let target = build.target.as_ref().map(|t| t.value.as_str());
    let stages = dockerfile.lineage(target);
    let first = stages.first()?;
    let mut args: Vec<(String, Option<String>)> = Vec::new();
    for arg in dockerfile.preamble.iter().filter(|i| i.keyword == "ARG") {
        for word in arg.args.split_whitespace() {
            let (name, default) = match word.split_once('=') {
                Some((n, d)) => (n, Some(d.trim_matches(['"', '\'']).to_owned())),
                None => (word, None),
            };
            args.push((name.to_owned(), default));
        }
    }
    for a in &build.args {
        let value = a.value.as_ref().filter(|v| v.known).map(|v| v.value.clone());
        match args.iter_mut().find(|(n, _)| *n == a.key) {
            Some(slot) => slot.1 = value,
            None => args.push((a.key.clone(), value)),
        }
    }
    let base = substitute_args(&first.base, &args)?;
    if stages.len() > 64 {
        return None;
    }
    Some(RunImage { image: ImageRef::parse(&base)?, span: first.from_span, stages })
}

/// `${NAME}`, `$NAME`, `${NAME:-default}` replaced by build argument values; None when one is unknown.
fn substitute_args(text: &str, args: &[(String, Option<String>)]) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(rest.get(..at)?);
        let after = rest.get(at + 1..)?;
        let (inner, tail) = if let Some(braced) = after.strip_prefix('{') {
            let end = braced.find('}')?;
            (braced.get(..end)?, braced.get(end + 1..)?)
        } else {
            let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            (after.get(..end)?, after.get(end..)?)
        };
        let (name, default) = match inner.split_once(":-").or_else(|| inner.split_once('-')) {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        let value =
            args.iter().rev().find(|(n, _)| n == name).and_then(|(_, v)| v.as_deref()).filter(|v| !v.is_empty());
        out.push_str(value.or(default)?);
        rest = tail;
    }
    out.push_str(rest);
    Some(out)
}

/// The container ports of `EXPOSE` instructions in these stages (`80`, `443/tcp`; ranges and variables
/// skipped).
pub fn exposed_ports(stages: &[&crate::sources::dockerfile::Stage]) -> Vec<u16> {
    let mut out = Vec::new();
    for stage in stages {
        for i in stage.all("EXPOSE") {
            for word in i.args.split_whitespace() {
                let port = word.split('/').next().unwrap_or(word);
                if let Ok(p) = port.parse::<u16>() {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// A compose `expose:` entry as a single port (`"3000"`, `3000/tcp`); None for ranges.
pub fn expose_port(entry: &str) -> Option<u16> {
    entry.trim().split('/').next()?.trim().parse().ok()
}

/// Every container port a service is known to use: `ports:` targets, `expose:`, the Dockerfile's
/// `EXPOSE`, and the default listen ports of a well-known pulled image.
pub fn container_ports(model: &StackModel, svc: &crate::model::Service) -> Vec<u16> {
    let mut out: Vec<u16> = svc.ports.iter().map(|p| p.target).collect();
    out.extend(svc.expose.iter().filter_map(|e| expose_port(&e.value)));
    if let Some(run) = run_image(model, svc) {
        if run.stages.is_empty() {
            if let Some(ports) = crate::knowledge::images::default_listen_ports(&run.image) {
                out.extend_from_slice(ports);
            }
        } else {
            out.extend(exposed_ports(&run.stages));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The services that share a service's network namespace (`network_mode: service:x` in either
/// direction, and other services attached to the same one): `localhost` in one of them reaches all.
pub fn shared_namespace<'m>(
    stack: &'m crate::model::Stack,
    svc: &crate::model::Service,
) -> Vec<&'m crate::model::Service> {
    let owner = |s: &crate::model::Service| -> String {
        s.network_mode
            .as_ref()
            .and_then(|m| m.value.strip_prefix("service:"))
            .map_or_else(|| s.name.clone(), str::to_owned)
    };
    let mine = owner(svc);
    stack.active_services().filter(|s| owner(s) == mine).collect()
}

/// One variable with a known value: name, value (trimmed), where the name is written.
pub struct Var<'a> {
    pub key: &'a str,
    pub value: &'a str,
    pub span: Span,
}

/// What a service's container ends up with (env files and `environment:` together), known values only.
pub fn known_service_vars(svc: &crate::model::Service) -> Vec<Var<'_>> {
    svc.environment
        .iter()
        .filter(|v| v.known)
        .filter_map(|v| Some(Var { key: &v.key, value: v.value.as_deref()?.trim(), span: v.key_span }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = parse_url("postgres://app:p@ss@db.eu.neon.tech:5432/app?sslmode=require").unwrap();
        assert_eq!((u.scheme, u.host, u.port), ("postgres", "db.eu.neon.tech", Some("5432")));
        assert_eq!(u.query().collect::<Vec<_>>(), vec![("sslmode", "require")]);
        let u = parse_url("https://App.Acme.io:443/").unwrap();
        assert_eq!(u.origin(), "https://app.acme.io");
        let u = parse_url("http://[::1]:3000").unwrap();
        assert_eq!((u.host, u.port), ("::1", Some("3000")));
        assert!(parse_url("acme.io").is_none());
    }

    #[test]
    fn hosts() {
        assert!(is_loopback_host("localhost"));
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("0.0.0.0"));
        assert!(!is_loopback_host("api.acme.io"));
        assert!(is_private_host("10.0.0.5"));
        assert!(is_private_host("172.20.1.1"));
        assert!(!is_private_host("172.40.1.1"));
        assert!(is_private_host("db.internal"));
        assert!(!is_private_host("db.eu.neon.tech"));
    }

    #[test]
    fn references() {
        assert!(text_has_reference("${A}"));
        assert!(text_has_reference("x$A"));
        assert!(!text_has_reference("a$$b"));
        assert!(!text_has_reference("5$"));
        assert!(!text_has_reference("$1"));
    }

    #[test]
    fn prefixes() {
        assert_eq!(browser_prefix("NUXT_PUBLIC_X"), Some("NUXT_PUBLIC_"));
        assert_eq!(browser_prefix("PUBLIC_URL"), Some("PUBLIC_"));
        assert_eq!(browser_prefix("VITE_"), None);
        assert_eq!(browser_prefix("API_URL"), None);
    }

    #[test]
    fn build_args() {
        let args = vec![("NODE".to_owned(), Some("20".to_owned())), ("EMPTY".to_owned(), None)];
        assert_eq!(substitute_args("node:${NODE}-alpine", &args).as_deref(), Some("node:20-alpine"));
        assert_eq!(substitute_args("node:$NODE", &args).as_deref(), Some("node:20"));
        assert_eq!(substitute_args("python:${PY:-3.12}-slim", &args).as_deref(), Some("python:3.12-slim"));
        assert_eq!(substitute_args("x:${EMPTY}", &args), None);
        assert_eq!(substitute_args("x:${OPEN", &args), None);
        assert_eq!(expose_port("3000/tcp"), Some(3000));
        assert_eq!(expose_port("3000-3005"), None);
    }
}
