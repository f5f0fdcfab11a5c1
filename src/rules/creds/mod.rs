//! X3xx: credentials shared between services. The server's credentials (Redis `--requirepass`, the
//! `POSTGRES_*`/`MYSQL_*` of a database image, RabbitMQ's default user) against what each client service
//! gets, both resolved as Compose resolves them (the model did it), with every hop of each value's
//! definition labelled.
use std::collections::HashSet;

use crate::knowledge::images::{ServiceKind, service_kind};
use crate::model::EnvVar;
use crate::provenance::{InterpInfo, Origin, VarState};
use crate::rules::Rule;
use crate::rules::common::{file_name, run_image};
use crate::rules::prelude::*;
use crate::secret::{fingerprint, mask};

pub mod broker_url_mismatch;
pub mod database_credentials_mismatch;
pub mod redis_healthcheck_without_auth;
pub mod redis_password_mismatch;

/// The X3xx rules, sorted by code.
pub static RULES: &[&Rule] = &[
    &redis_password_mismatch::RULE,
    &redis_healthcheck_without_auth::RULE,
    &database_credentials_mismatch::RULE,
    &broker_url_mismatch::RULE,
];

/// The kind of server a service runs, by its image (or the base image of its build).
pub fn kind_of(model: &StackModel, svc: &Service) -> Option<ServiceKind> {
    run_image(model, svc).and_then(|r| service_kind(&r.image))
}

/// The repository a service's image comes from (`bitnami/redis`), lowercased.
pub fn image_repo(model: &StackModel, svc: &Service) -> Option<String> {
    run_image(model, svc).map(|r| r.image.repo.to_ascii_lowercase())
}

/// Every name other containers reach a service by: its name, `container_name`, network aliases and
/// `hostname`.
pub fn host_names(svc: &Service) -> Vec<&str> {
    let mut out = vec![svc.name.as_str()];
    if let Some(c) = &svc.container_name {
        out.push(c.value.as_str());
    }
    for n in &svc.networks {
        out.extend(n.aliases.iter().map(|a| a.value.as_str()));
    }
    if let Some(h) = svc.node.get("hostname").and_then(|n| n.as_str()) {
        out.push(h);
    }
    out
}

/// Does a host written in a client's value name this server?
pub fn names_server(host: &str, server: &Service) -> bool {
    let h = host.trim().trim_end_matches('.');
    host_names(server).iter().any(|n| n.eq_ignore_ascii_case(h))
}

/// Services whose container networks a client cannot reach a server by name through: host networking
/// or another container's namespace.
pub fn uses_own_network(svc: &Service) -> bool {
    !svc.network_mode.as_ref().is_some_and(|m| {
        m.value == "host" || m.value == "none" || m.value.starts_with("container:") || m.value.starts_with("service:")
    })
}

/// `%XX` escapes of a URL's user information decoded; None when an escape is malformed or the result is
/// not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The credentials of a `scheme://user:password@host...` URL: (user, password), decoded. `None` for the
/// user when the URL has no user information; `None` for the password when it has no `:`.
pub fn url_userinfo(url: &str) -> Option<(Option<String>, Option<String>)> {
    let (_, after) = url.trim().split_once("://")?;
    let auth_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = after.get(..auth_end)?;
    let Some((info, _)) = authority.rsplit_once('@') else { return Some((None, None)) };
    match info.split_once(':') {
        Some((u, p)) => Some((Some(percent_decode(u)?), Some(percent_decode(p)?))),
        None => Some((Some(percent_decode(info)?), None)),
    }
}

/// The password of a URL as written and decoded (both, when `%XX` escapes make them differ).
pub fn url_passwords(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Some((_, after)) = url.trim().split_once("://") else { return out };
    let auth_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let Some(authority) = after.get(..auth_end) else { return out };
    let Some((info, _)) = authority.rsplit_once('@') else { return out };
    if let Some((_, raw)) = info.split_once(':').filter(|(_, p)| !p.is_empty()) {
        out.push(raw.to_owned());
        if let Some(decoded) = percent_decode(raw).filter(|d| d != raw) {
            out.push(decoded);
        }
    }
    out
}

/// Two values that differ, described without their content (rules.md "Secrets"): length, and when the
/// lengths are equal the first 6 hex digits of their SHA-256.
pub fn describe_pair(a: &str, b: &str) -> (String, String) {
    if a.chars().count() == b.chars().count() && !a.is_empty() {
        (format!("{} sha256 {}", mask(a), fingerprint(a)), format!("{} sha256 {}", mask(b), fingerprint(b)))
    } else {
        (mask(a), mask(b))
    }
}

/// A value's definition chain: one label per hop, from where the value is written through every
/// `${VAR}` it uses to where each variable is defined (in whichever file), never showing a value.
pub struct Chain {
    pub labels: Vec<(Span, String)>,
    seen: HashSet<Span>,
}

impl Chain {
    pub fn new() -> Chain {
        Chain { labels: Vec::new(), seen: HashSet::new() }
    }

    pub fn push(&mut self, span: Span, message: impl Into<String>) {
        if self.seen.insert(span) {
            self.labels.push((span, message.into()));
        }
    }

    /// Labels for every variable an interpolated value uses (what the value is made of), recursively:
    /// an env-file value that itself holds `${VAR}` is followed to that variable's definition.
    pub fn follow(&mut self, model: &StackModel, stack: &Stack, svc: &Service, info: Option<&InterpInfo>, depth: u8) {
        let Some(info) = info else { return };
        if depth > 8 {
            return;
        }
        for u in info.uses.iter().filter(|u| u.contributes) {
            match (&u.origin, u.state) {
                (_, VarState::Undefined) | (None, _) => self.push(
                    u.span,
                    format!(
                        "`{}` is set in no interpolation source (root `.env`, `--env-file`, shell), so it is empty",
                        u.name
                    ),
                ),
                (Some(origin), _) => self.origin(model, stack, svc, &u.name, origin, depth),
            }
        }
    }

    /// A label where a variable is defined, then its own definition chain.
    pub fn origin(&mut self, model: &StackModel, stack: &Stack, svc: &Service, name: &str, origin: &Origin, depth: u8) {
        match origin {
            Origin::EnvFile { key, .. } => {
                self.push(*key, format!("`{name}` is defined here, in {}", file_name(model, key.file)));
                // The definition's own interpolation: a variable of the project environment, or a key of the
                // service's container environment (an env_file value using an earlier key).
                let next = stack
                    .vars
                    .get(name)
                    .filter(|d| d.origin.key_span() == Some(*key))
                    .and_then(|d| d.interp.as_deref())
                    .or_else(|| svc.environment.iter().find(|e| e.key_span == *key).and_then(|e| e.interp.as_deref()));
                self.follow(model, stack, svc, next, depth + 1);
            }
            Origin::Template { key } => self.push(*key, format!("`{name}` stands in from a template (value unknown)")),
            Origin::Process | Origin::Compose | Origin::Config => {}
        }
    }

    /// The definition chain of a container environment variable of `svc`.
    pub fn env_var(&mut self, model: &StackModel, stack: &Stack, svc: &Service, var: &EnvVar, what: &str) {
        match var.source {
            crate::model::EnvSource::Inherited => {
                self.push(
                    var.key_span,
                    format!("{what}: `{}` of `{}`, inherited from the project environment", var.key, svc.name),
                );
                if let Some(o) = &var.origin {
                    self.origin(model, stack, svc, &var.key, o, 1);
                }
            }
            crate::model::EnvSource::EnvFile => {
                self.push(
                    var.key_span,
                    format!(
                        "{what}: `{}` of `{}`, from its env_file {}",
                        var.key,
                        svc.name,
                        file_name(model, var.key_span.file)
                    ),
                );
                self.follow(model, stack, svc, var.interp.as_deref(), 1);
            }
            crate::model::EnvSource::Environment => {
                self.push(var.key_span, format!("{what}: `{}` in the `environment:` of `{}`", var.key, svc.name));
                self.follow(model, stack, svc, var.interp.as_deref(), 1);
            }
        }
    }

    pub fn apply(self, mut f: Finding, primary: Span) -> Finding {
        for (span, msg) in self.labels {
            if span != primary {
                f = f.related(span, msg);
            }
        }
        f
    }
}

impl Default for Chain {
    fn default() -> Self {
        Chain::new()
    }
}

/// Stacks the rules read: loaded, complete projects.
pub fn stacks(model: &StackModel) -> impl Iterator<Item = &Stack> {
    model.stacks.iter().filter(|s| s.loaded && !s.fragment)
}

/// The known, set value of a container environment variable.
pub fn known_env<'a>(svc: &'a Service, key: &str) -> Option<(&'a EnvVar, &'a str)> {
    let v = svc.env(key)?;
    if !v.known {
        return None;
    }
    Some((v, v.value.as_deref()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo() {
        assert_eq!(url_userinfo("redis://:p%40ss@redis:6379/0"), Some((Some(String::new()), Some("p@ss".into()))));
        assert_eq!(url_userinfo("redis://redis:6379"), Some((None, None)));
        assert_eq!(url_userinfo("amqp://guest@rabbit"), Some((Some("guest".into()), None)));
        assert_eq!(url_userinfo("postgres://u:a:b@db/x"), Some((Some("u".into()), Some("a:b".into()))));
        assert_eq!(url_userinfo("postgres://u:%zz@db/x"), None);
        assert_eq!(url_userinfo("not a url"), None);
    }

    #[test]
    fn passwords_of_urls() {
        assert_eq!(url_passwords("redis://:p%40ss@redis:6379"), vec!["p%40ss".to_owned(), "p@ss".to_owned()]);
        assert_eq!(url_passwords("redis://redis:6379"), Vec::<String>::new());
        assert_eq!(url_passwords("amqp://guest@rabbit"), Vec::<String>::new());
    }

    #[test]
    fn pairs_hide_values() {
        let (a, b) = describe_pair("hunter2hunter2", "hunter3hunter3");
        assert!(!a.contains("hunter") && !b.contains("hunter") && a != b, "{a} {b}");
        let (a, b) = describe_pair("short", "longer-value");
        assert_eq!((a.as_str(), b.as_str()), ("•••• (5 chars)", "•••• (12 chars)"));
    }
}
