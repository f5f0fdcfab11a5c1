//! X301: the password a Redis server is started with differs from the one a client service uses, or a
//! client connects without one.
use crate::knowledge::images::{ServiceKind, scheme_kind};
use crate::model::{EnvVar, Text};
use crate::rules::common::{file_name, parse_url};
use crate::rules::creds::{
    Chain, describe_pair, host_names, kind_of, names_server, stacks, url_userinfo, uses_own_network,
};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "X301",
    name: "redis-password-mismatch",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/X301-redis-password-mismatch.md"),
    check,
};

/// The words of a command as the program receives them: a string `command:` is split by Compose like a
/// shell would (quotes removed, no expansion); a list is taken as is.
pub fn split_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            Some(_) => cur.push(c),
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    in_word = true;
                }
                '\\' => {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                    in_word = true;
                }
                c if c.is_whitespace() => {
                    if in_word {
                        out.push(std::mem::take(&mut cur));
                        in_word = false;
                    }
                }
                c => {
                    cur.push(c);
                    in_word = true;
                }
            },
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// `sh -c`, `bash -ec`... in a word list: a shell in the container expands `$VAR` in the script.
fn runs_shell(words: &[String]) -> bool {
    words.windows(2).any(|w| {
        let prog = w[0].rsplit('/').next().unwrap_or("");
        matches!(prog, "sh" | "bash" | "ash" | "dash" | "zsh")
            && w[1].starts_with('-')
            && !w[1].starts_with("--")
            && w[1].contains('c')
    })
}

/// `$NAME` or `${NAME}` alone.
fn shell_var(word: &str) -> Option<&str> {
    let inner = word.strip_prefix("${").and_then(|w| w.strip_suffix('}')).or_else(|| word.strip_prefix('$'))?;
    (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(inner)
}

/// Where a Redis server's password is set, and its value.
pub struct ServerPassword<'m> {
    /// None when the value is unknown (a template stands in, a shell variable, an expansion the model
    /// cannot follow): the rules stay silent.
    pub value: Option<String>,
    /// Where to point: the `${VAR}` reference of the password, else the command or variable.
    pub span: Span,
    /// How it is set, for messages (`--requirepass`, `REDIS_PASSWORD`).
    pub how: &'static str,
    /// The command word (or `environment:` entry) the password comes from, for its definition chain.
    pub source: PasswordSource<'m>,
}

pub enum PasswordSource<'m> {
    /// A `command:` item; only the references inside the password word (these names) are followed.
    Command { text: &'m Text, names: Vec<String> },
    /// A variable of the server's own container environment.
    Env(&'m EnvVar),
    /// Not followed (the value is unknown).
    Unknown,
}

impl ServerPassword<'_> {
    pub fn chain(&self, model: &StackModel, stack: &Stack, svc: &Service, chain: &mut Chain) {
        match &self.source {
            PasswordSource::Command { text, names } => {
                if let Some(info) = text.interp.as_deref() {
                    let only: Vec<_> = info.uses.iter().filter(|u| names.contains(&u.name)).cloned().collect();
                    let filtered = crate::provenance::InterpInfo {
                        template: info.template.clone(),
                        known: info.known,
                        uses: only,
                    };
                    chain.follow(model, stack, svc, Some(&filtered), 0);
                }
            }
            PasswordSource::Env(var) => chain.env_var(model, stack, svc, var, "server password"),
            PasswordSource::Unknown => {}
        }
    }
}

/// The password a Redis service starts with, when it sets one: `--requirepass` in `command:` (string or
/// list form, also inside `sh -c`), `REDIS_ARGS` of redis-stack images, `REDIS_PASSWORD` of Bitnami
/// images. None when nothing sets one (the server may still read a mounted redis.conf: not known).
pub fn server_password<'m>(model: &StackModel, svc: &'m Service) -> Option<ServerPassword<'m>> {
    if kind_of(model, svc) != Some(ServiceKind::Redis) {
        return None;
    }
    if let Some(cmd) = svc.command.as_ref().or(svc.entrypoint.as_ref()) {
        // Words with the item each comes from, and the matching words of the text as written.
        let mut words: Vec<(String, &Text, Option<String>)> = Vec::new();
        for item in &cmd.items {
            let template = item.interp.as_ref().map(|i| i.template.as_str());
            if cmd.shell_form {
                let tw = template.map(split_words);
                for (i, w) in split_words(&item.value).into_iter().enumerate() {
                    let t = tw.as_ref().and_then(|tw| tw.get(i).cloned());
                    words.push((w, item, t));
                }
            } else {
                words.push((item.value.clone(), item, template.map(str::to_owned)));
            }
        }
        let plain: Vec<String> = words.iter().map(|w| w.0.clone()).collect();
        let shell = runs_shell(&plain);
        // In `sh -c "redis-server --requirepass $REDIS_PASSWORD"` the script is one word: split it too.
        let mut expanded: Vec<(String, &Text, Option<String>, bool)> = Vec::new();
        for (w, t, tw) in words {
            if shell && w.contains("--requirepass") && w.contains(' ') {
                for sub in split_words(&w) {
                    expanded.push((sub, t, None, true));
                }
            } else {
                expanded.push((w, t, tw, false));
            }
        }
        if let Some(i) = expanded.iter().position(|w| w.0 == "--requirepass") {
            let (_, flag_item, _, _) = &expanded[i];
            let next = expanded.get(i + 1).filter(|w| !w.0.starts_with("--"));
            let Some((word, item, template, in_script)) = next else {
                // `--requirepass` with nothing after it: the variable was empty.
                let names = names_after_flag(flag_item);
                return Some(ServerPassword {
                    value: flag_item.known.then(String::new),
                    span: first_use_span(flag_item, &names).unwrap_or(flag_item.span),
                    how: "--requirepass",
                    source: PasswordSource::Command { text: flag_item, names },
                });
            };
            if !item.known {
                return Some(ServerPassword {
                    value: None,
                    span: item.span,
                    how: "--requirepass",
                    source: PasswordSource::Command { text: item, names: Vec::new() },
                });
            }
            // A shell variable in the script: the container's own environment gives it.
            if word.contains('$') {
                let var = shell_var(word).filter(|_| shell || *in_script).and_then(|n| svc.env(n));
                return Some(match var {
                    Some(v) if v.known && v.value.is_some() => ServerPassword {
                        value: v.value.clone(),
                        span: item.span,
                        how: "--requirepass",
                        source: PasswordSource::Env(v),
                    },
                    _ => ServerPassword {
                        value: None,
                        span: item.span,
                        how: "--requirepass",
                        source: PasswordSource::Unknown,
                    },
                });
            }
            let names = template.as_deref().map(referenced_names).unwrap_or_default();
            return Some(ServerPassword {
                value: Some(word.clone()),
                span: first_use_span(item, &names).unwrap_or(item.span),
                how: "--requirepass",
                source: PasswordSource::Command { text: item, names },
            });
        }
    }
    let repo = crate::rules::creds::image_repo(model, svc).unwrap_or_default();
    let base = repo.rsplit('/').next().unwrap_or("");
    if base.starts_with("redis-stack")
        && let Some(args) = svc.env("REDIS_ARGS")
    {
        let words = split_words(args.value.as_deref().unwrap_or(""));
        if let Some(i) = words.iter().position(|w| w == "--requirepass") {
            let value = words.get(i + 1).cloned().unwrap_or_default();
            return Some(ServerPassword {
                value: (args.known && !value.contains('$')).then_some(value),
                span: args.key_span,
                how: "REDIS_ARGS",
                source: PasswordSource::Env(args),
            });
        }
    }
    if repo.starts_with("bitnami")
        && let Some(v) = svc.env("REDIS_PASSWORD").filter(|v| v.value.is_some())
    {
        return Some(ServerPassword {
            value: v.known.then(|| v.value.clone()).flatten(),
            span: v.key_span,
            how: "REDIS_PASSWORD",
            source: PasswordSource::Env(v),
        });
    }
    None
}

/// Variable names a text as written references (`${NAME}`, `${NAME:-x}`, `$NAME`; `$$` is a literal).
pub fn referenced_names(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'$') => i += 2,
            Some(b'{') => {
                let start = i + 2;
                let mut end = start;
                while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                    end += 1;
                }
                if let Some(n) = text.get(start..end).filter(|n| !n.is_empty()) {
                    out.push(n.to_owned());
                }
                i = end;
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                    end += 1;
                }
                if let Some(n) = text.get(start..end) {
                    out.push(n.to_owned());
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// The names referenced by the word after `--requirepass` in a string command as written.
fn names_after_flag(item: &Text) -> Vec<String> {
    let Some(info) = item.interp.as_deref() else { return Vec::new() };
    let Some(after) = info.template.split("--requirepass").nth(1) else { return Vec::new() };
    split_words(after).first().map(|w| referenced_names(w)).unwrap_or_default()
}

/// Where the first of these variables is referenced in an item.
fn first_use_span(item: &Text, names: &[String]) -> Option<Span> {
    item.interp.as_deref()?.uses.iter().find(|u| names.contains(&u.name)).map(|u| u.span)
}

/// Keys that carry a Redis password to a client.
fn is_password_key(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    k == "REDIS_PASSWORD" || k == "REDIS_PASS" || k.ends_with("_REDIS_PASSWORD") || k.ends_with("_REDIS_PASS")
}

/// Does the client have any variable that looks like a Redis password (names we may not know the app
/// reads)?
fn has_any_password_key(svc: &Service) -> bool {
    svc.environment.iter().any(|e| {
        let k = e.key.to_ascii_uppercase();
        k.contains("REDIS") && (k.contains("PASS") || k.contains("AUTH"))
    })
}

/// What one client variable says about the password it sends to the server.
struct View<'m> {
    var: &'m EnvVar,
    /// None: connects without a password.
    password: Option<String>,
    /// A URL naming the server (not a bare password variable).
    url: bool,
}

fn client_views<'m>(svc: &'m Service, server: &Service, only_redis: bool) -> Vec<View<'m>> {
    let mut out = Vec::new();
    // A Redis URL naming another host (a managed Redis): a bare `REDIS_PASSWORD` is more likely its.
    let elsewhere = svc
        .environment
        .iter()
        .filter_map(|v| v.value.as_deref())
        .filter_map(parse_url)
        .any(|u| scheme_kind(u.scheme) == Some(ServiceKind::Redis) && !names_server(u.host, server));
    let only_redis = only_redis && !elsewhere;
    for var in svc.environment.iter().filter(|v| v.known) {
        let Some(value) = var.value.as_deref() else { continue };
        if let Some(url) = parse_url(value) {
            if scheme_kind(url.scheme) != Some(ServiceKind::Redis) || !names_server(url.host, server) {
                continue;
            }
            match url_userinfo(value) {
                Some((None, None)) => out.push(View { var, password: None, url: true }),
                // `redis://:pw@`, `redis://default:pw@`: the default user. Other users are ACL users whose
                // passwords the server's command does not set.
                Some((Some(u), Some(p))) if u.is_empty() || u == "default" => {
                    out.push(View { var, password: (!p.is_empty()).then_some(p), url: true })
                }
                _ => {}
            }
        } else if is_password_key(&var.key) {
            // The password goes to this server when the matching host variable names it, or, with no host
            // variable, when this is the stack's only Redis.
            let host_key = var.key.to_ascii_uppercase().replace("_PASSWORD", "_HOST").replace("_PASS", "_HOST");
            // A prefixed key (`CACHE_REDIS_PASSWORD`) needs its own host variable; a client that logs in as
            // an ACL user (`REDIS_USERNAME=app`) sends that user's password, not `--requirepass`.
            let plain = matches!(var.key.to_ascii_uppercase().as_str(), "REDIS_PASSWORD" | "REDIS_PASS");
            let acl_user = svc.environment.iter().any(|e| {
                matches!(e.key.to_ascii_uppercase().as_str(), "REDIS_USERNAME" | "REDIS_USER")
                    && e.value.as_deref().is_some_and(|u| !u.is_empty() && u != "default")
            });
            let aimed = match svc.environment.iter().find(|e| e.key.eq_ignore_ascii_case(&host_key)) {
                Some(h) => h.known && h.value.as_deref().is_some_and(|v| names_server(v, server)),
                None => only_redis && plain,
            };
            let aimed = aimed && !(plain && acl_user);
            if aimed {
                out.push(View { var, password: (!value.is_empty()).then(|| value.to_owned()), url: false });
            }
        }
    }
    out
}

fn check(model: &StackModel, out: &mut Sink) {
    for stack in stacks(model) {
        let servers: Vec<(&Service, ServerPassword<'_>)> =
            stack.active_services().filter_map(|s| server_password(model, s).map(|p| (s, p))).collect();
        let redis_count = stack.active_services().filter(|s| kind_of(model, s) == Some(ServiceKind::Redis)).count();
        for (server, pass) in &servers {
            let Some(server_pw) = pass.value.as_deref() else { continue };
            for client in stack.active_services().filter(|c| c.name != server.name && uses_own_network(c)) {
                let views = client_views(client, server, redis_count == 1);
                let wrong: Vec<&View<'_>> =
                    views.iter().filter(|v| v.password.as_deref().is_some_and(|p| p != server_pw)).collect();
                let none = !server_pw.is_empty()
                    && views.iter().any(|v| v.url)
                    && views.iter().all(|v| v.password.is_none())
                    && !has_any_password_key(client);
                if wrong.is_empty() && !none {
                    continue;
                }
                report(model, stack, server, pass, server_pw, client, &wrong, &views, out);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    model: &StackModel,
    stack: &Stack,
    server: &Service,
    pass: &ServerPassword<'_>,
    server_pw: &str,
    client: &Service,
    wrong: &[&View<'_>],
    views: &[View<'_>],
    out: &mut Sink,
) {
    let keys = |vs: &[&View<'_>]| vs.iter().map(|v| format!("`{}`", v.var.key)).collect::<Vec<_>>().join(", ");
    let how = match pass.how {
        "--requirepass" => "`--requirepass`",
        "REDIS_ARGS" => "`--requirepass` in `REDIS_ARGS`",
        _ => "`REDIS_PASSWORD`",
    };
    let (message, label) = if !wrong.is_empty() && server_pw.is_empty() {
        (
            format!(
                "`{}` is started with an empty {how}, but `{}` sends a password ({}): its connection fails",
                server.name,
                client.name,
                keys(wrong)
            ),
            "the server's password is empty".to_owned(),
        )
    } else if !wrong.is_empty() {
        let client_pw = wrong[0].password.as_deref().unwrap_or("");
        let (s, c) = describe_pair(server_pw, client_pw);
        (
            format!(
                "`{}` uses a different Redis password ({}) than the one `{}` is started with: NOAUTH/WRONGPASS at connection (server {s}, client {c})",
                client.name,
                keys(wrong),
                server.name
            ),
            format!("the server's password: {s}"),
        )
    } else {
        let urls: Vec<&View<'_>> = views.iter().filter(|v| v.url).collect();
        (
            format!(
                "`{}` connects to `{}` without a password ({}), but `{}` requires one: every command fails with NOAUTH",
                client.name,
                server.name,
                keys(&urls),
                server.name
            ),
            "the server requires a password".to_owned(),
        )
    };
    let mut chain = Chain::new();
    pass.chain(model, stack, server, &mut chain);
    let shown: Vec<&View<'_>> =
        if wrong.is_empty() { views.iter().filter(|v| v.url).collect() } else { wrong.to_vec() };
    for v in &shown {
        let what = match (&v.password, v.url) {
            (None, _) => "client URL without a password".to_owned(),
            (Some(p), true) => format!("client URL password {}", crate::secret::mask(p)),
            (Some(p), false) => format!("client password {}", crate::secret::mask(p)),
        };
        chain.env_var(model, stack, client, v.var, &what);
    }
    let env_file_only = shown.iter().any(|v| v.var.source == crate::model::EnvSource::EnvFile)
        && matches!(pass.source, PasswordSource::Command { .. });
    let help = if env_file_only && server_pw.is_empty() {
        format!(
            "`${{...}}` in the compose file is filled from the shell, the root `.env` or `--env-file`, never from a service's `env_file:` ({}): define the same value there, or give `{}` the same env file and start it with `sh -c 'exec redis-server --requirepass \"$$REDIS_PASSWORD\"'`",
            {
                let mut files: Vec<String> = shown.iter().map(|v| file_name(model, v.var.key_span.file)).collect();
                files.dedup();
                files.join(", ")
            },
            server.name
        )
    } else {
        format!(
            "take both from one variable: e.g. `REDIS_PASSWORD` in one env file, used by the server's {how} and by the client's URL (`redis://:${{REDIS_PASSWORD}}@{}:6379/0`)",
            host_names(server).first().copied().unwrap_or("redis")
        )
    };
    // What the chain says about the primary place itself (`REDIS_PASSWORD` is set nowhere) goes on its label.
    let label = match chain.labels.iter().find(|(s, _)| *s == pass.span) {
        Some((_, why)) => format!("{label}: {why}"),
        None => label,
    };
    let f = Finding::new(&RULE, pass.span, message).label(label).help(help);
    out.report(chain.apply(f, pass.span));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_names() {
        let w = split_words(r#"redis-server --requirepass "a b" --x 'c d' e\ f"#);
        assert_eq!(w, ["redis-server", "--requirepass", "a b", "--x", "c d", "e f"]);
        assert_eq!(referenced_names("a${B:-x}$C$$D${_E}"), vec!["B", "C", "_E"]);
        assert_eq!(shell_var("${REDIS_PASSWORD}"), Some("REDIS_PASSWORD"));
        assert_eq!(shell_var("$X"), Some("X"));
        assert_eq!(shell_var("pre$X"), None);
        assert!(is_password_key("CACHE_REDIS_PASSWORD") && !is_password_key("REDIS_HOST"));
    }
}
