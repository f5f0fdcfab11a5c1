//! X302: a Redis server requires a password but its healthcheck runs `redis-cli ping` without one.
use crate::rules::creds::redis_password_mismatch::{PasswordSource, ServerPassword, server_password, split_words};
use crate::rules::creds::stacks;
use crate::rules::prelude::*;
use crate::yaml::{Kind, Node};

pub static RULE: Rule = Rule {
    code: "X302",
    name: "redis-healthcheck-without-auth",
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    default: true,
    doc: include_str!("../../../rules/docs/X302-redis-healthcheck-without-auth.md"),
    check,
};

const CLIS: [&str; 3] = ["redis-cli", "valkey-cli", "keydb-cli"];

/// The test's words (a shell script is split into words too) and whether a shell runs it.
fn test_words(test: &Node) -> Option<(Vec<String>, bool)> {
    match &test.kind {
        Kind::Scalar(s) => Some((split_words(&s.text), true)),
        Kind::Seq(items) => {
            let texts: Vec<&str> = items.iter().filter_map(Node::as_str).collect();
            match texts.first().copied() {
                Some("CMD-SHELL") => Some((texts.iter().skip(1).flat_map(|t| split_words(t)).collect(), true)),
                Some("CMD") => Some((texts.iter().skip(1).map(|t| (*t).to_owned()).collect(), false)),
                _ => None,
            }
        }
        Kind::Map(_) => None,
    }
}

/// Does this word list run `redis-cli ... ping` without credentials?
fn pings_without_auth(words: &[String]) -> bool {
    let cli = words.iter().any(|w| CLIS.contains(&w.rsplit('/').next().unwrap_or("")));
    let ping = words.iter().any(|w| w.eq_ignore_ascii_case("ping"));
    let auth = words.iter().any(|w| {
        matches!(w.as_str(), "-a" | "--pass" | "--user" | "--askpass" | "-u")
            || w.starts_with("-a") && w.len() > 2 && !w.starts_with("--")
            || w.contains("REDISCLI_AUTH")
            || w.starts_with("redis://")
            || w.starts_with("rediss://")
    });
    cli && ping && !auth
}

fn check(model: &StackModel, out: &mut Sink) {
    for stack in stacks(model) {
        for svc in stack.active_services() {
            let Some(pass) = server_password(model, svc) else { continue };
            // `--requirepass ""`: no password is required.
            if pass.value.as_deref() == Some("") {
                continue;
            }
            let Some(hc) = svc.node.get_entry("healthcheck") else { continue };
            if svc.healthcheck.as_ref().is_some_and(|h| h.is_disabled()) {
                continue;
            }
            let Some(test) = hc.value.get_entry("test") else { continue };
            let Some((words, shell)) = test_words(&test.value) else { continue };
            // redis-cli reads REDISCLI_AUTH from the container's environment.
            if !pings_without_auth(&words) || svc.env("REDISCLI_AUTH").is_some_and(|v| v.value.is_some()) {
                continue;
            }
            let shared = hc.via_merge.is_some() || test.via_merge.is_some() || hc.value.via_alias.is_some();
            let fix = if shared || svc.extends.is_some() { None } else { fix(model, svc, &pass, &test.value, shell) };
            let cli = words
                .iter()
                .map(|w| w.rsplit('/').next().unwrap_or(""))
                .find(|w| CLIS.contains(w))
                .unwrap_or("redis-cli");
            // redis-cli exits 0 on an error reply unless `-e` is given: only a check that looks at the answer
            // (`| grep PONG`) or uses `-e` fails; a bare ping passes on the NOAUTH error.
            let strict = words.iter().any(|w| w == "-e" || w.contains("PONG"));
            let consequence = if strict {
                "Redis answers NOAUTH and the check looks at the answer, so it always fails: the container never becomes healthy and `service_healthy` dependents never start"
            } else {
                "Redis answers NOAUTH and the CLI still exits 0, so the check passes whatever state Redis is in: it only proves the port accepts connections"
            };
            let mut f = Finding::new(
                &RULE,
                test.value.span,
                format!(
                    "the healthcheck of `{}` runs `{cli}` without the password the server requires: {consequence}",
                    svc.name
                ),
            )
            .label("no `-a`/`REDISCLI_AUTH` here")
            .related(pass.span, format!("`{}` requires a password ({})", svc.name, pass.how))
            .help("pass the password the container already has: `redis-cli -a \"$$REDIS_PASSWORD\" --no-auth-warning ping` in a shell-form test, or `REDISCLI_AUTH` in the service's `environment:`");
            if let Some(fix) = fix {
                f = f.fix(fix);
            }
            out.report(f);
        }
    }
}

/// The variable holding the server's password, as the fix can write it: `$$VAR` (the container's own
/// environment, read by the test's shell) or `${VAR}` (the Compose variable `--requirepass` uses).
enum Reference {
    Container(String),
    Compose(String),
}

fn reference(svc: &Service, pass: &ServerPassword<'_>, shell: bool) -> Option<Reference> {
    match &pass.source {
        PasswordSource::Env(var) if shell && var.known && var.value.is_some() => {
            Some(Reference::Container(var.key.clone()))
        }
        PasswordSource::Command { text, names } if names.len() == 1 => {
            let name = names.first()?;
            let info = text.interp.as_deref()?;
            // `--requirepass ${VAR}` alone: the whole password is that variable's value.
            let t = info.template.trim();
            let whole = [format!("${{{name}}}"), format!("${name}")];
            let alone = whole.iter().any(|w| {
                t == w
                    || t.ends_with(&format!("--requirepass {w}"))
                    || t.contains(&format!("--requirepass {w} "))
                    || t.contains(&format!("--requirepass \"{w}\""))
            });
            if !alone {
                return None;
            }
            // The container has the same variable with the same value: its shell can read it.
            let same_in_container =
                pass.value.is_some() && svc.env(name).is_some_and(|v| v.known && v.value == pass.value);
            if shell && same_in_container {
                return Some(Reference::Container(name.clone()));
            }
            // Compose substitutes the same value into the test; in a shell script it must need no quoting.
            if shell && pass.value.as_deref().is_none_or(|v| v.contains(['"', '$', '`', '\\', '\n'])) {
                return None;
            }
            Some(Reference::Compose(name.clone()))
        }
        _ => None,
    }
}

fn fix(model: &StackModel, svc: &Service, pass: &ServerPassword<'_>, test: &Node, shell: bool) -> Option<Fix> {
    let r = reference(svc, pass, shell)?;
    let var = match &r {
        Reference::Container(n) => format!("$${n}"),
        Reference::Compose(n) => format!("${{{n}}}"),
    };
    let edit = match &test.kind {
        Kind::Seq(items) if !shell => {
            // `["CMD", "redis-cli", "ping"]`: new items after the CLI's, in the same quoting; flow style only.
            if !model.db.slice(test.span).starts_with('[') {
                return None;
            }
            let cli = items
                .iter()
                .find(|i| i.as_str().is_some_and(|s| CLIS.contains(&s.rsplit('/').next().unwrap_or(""))))?;
            let raw = model.db.slice(cli.span);
            let q = match raw.chars().next() {
                Some(c @ ('"' | '\'')) => c.to_string(),
                _ => String::new(),
            };
            Edit {
                file: cli.span.file,
                start: cli.span.end,
                end: cli.span.end,
                replacement: format!(", {q}-a{q}, {q}{var}{q}, {q}--no-auth-warning{q}"),
            }
        }
        _ => {
            // A shell script: the scalar holding the CLI, written byte for byte.
            let node = match &test.kind {
                Kind::Seq(items) => {
                    items.iter().skip(1).find(|i| i.as_str().is_some_and(|s| CLIS.iter().any(|c| s.contains(c))))?
                }
                _ => test,
            };
            let scalar = node.as_scalar()?;
            let offset = scalar.verbatim? as usize;
            let raw = model.db.slice(node.span);
            let (at, cli) = CLIS.iter().find_map(|c| raw.find(c).map(|i| (i, *c)))?;
            if at < offset || node.via_alias.is_some() {
                return None;
            }
            // Inside a double-quoted YAML scalar the quotes are escaped.
            let quote = if raw.starts_with('"') { "\\\"" } else { "\"" };
            let end = node.span.start as usize + at + cli.len();
            Edit {
                file: node.span.file,
                start: end as u32,
                end: end as u32,
                replacement: format!(" -a {quote}{var}{quote} --no-auth-warning"),
            }
        }
    };
    Some(Fix {
        title: format!("pass the password to redis-cli (`-a {var}`)"),
        applicability: Applicability::Safe,
        edits: vec![edit],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_words() {
        let w = |s: &str| split_words(s);
        assert!(pings_without_auth(&w("redis-cli ping | grep PONG")));
        assert!(pings_without_auth(&w("/usr/local/bin/redis-cli -h localhost ping")));
        assert!(!pings_without_auth(&w("redis-cli -a \"$REDIS_PASSWORD\" ping")));
        assert!(!pings_without_auth(&w("redis-cli -apw ping")));
        assert!(!pings_without_auth(&w("REDISCLI_AUTH=$P redis-cli ping")));
        assert!(!pings_without_auth(&w("redis-cli -u redis://:pw@localhost ping")));
        assert!(!pings_without_auth(&w("wget -q localhost:8080/ping")));
    }
}
