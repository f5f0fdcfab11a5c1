//! Helpers shared by rules: the environment an env file is for, URL parsing, host classification,
//! browser-exposed variable prefixes and the names containers reach each other by.
use std::collections::HashSet;

use crate::model::env::{EnvValue, environment_of_name};
use crate::model::{EnvFileModel, EnvRole, Environment, StackModel};

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
}
