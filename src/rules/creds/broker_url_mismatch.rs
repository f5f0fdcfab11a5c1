//! X304: the user or password a client's `amqp://` URL (or `RABBITMQ_HOST`/`USER`/`PASSWORD` variables)
//! uses differ from the RabbitMQ service's default user.
use crate::knowledge::images::{ServiceKind, scheme_kind};
use crate::model::EnvVar;
use crate::rules::common::parse_url;
use crate::rules::creds::{
    Chain, describe_pair, image_repo, kind_of, names_server, stacks, url_userinfo, uses_own_network,
};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "X304",
    name: "broker-url-mismatch",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/X304-broker-url-mismatch.md"),
    check,
};

/// A credential and the variable that sets it (None: the image's default, `guest`).
struct Cred<'m> {
    value: String,
    var: Option<&'m EnvVar>,
}

/// `RABBITMQ_DEFAULT_USER`/`PASS` of a RabbitMQ service (default `guest`/`guest`); None when unknown
/// (a value the model cannot know, a `*_FILE`, a mounted configuration that may set another user).
fn server<'m>(model: &StackModel, svc: &'m Service) -> Option<(Cred<'m>, Cred<'m>)> {
    if kind_of(model, svc) != Some(ServiceKind::RabbitMq)
        || image_repo(model, svc).is_some_and(|r| r.starts_with("bitnami"))
        || svc.volumes.iter().any(|m| m.target.starts_with("/etc/rabbitmq"))
        || svc.env("RABBITMQ_DEFAULT_PASS_FILE").is_some()
        || svc.env("RABBITMQ_DEFAULT_USER_FILE").is_some()
    {
        return None;
    }
    let get = |key: &str| -> Option<Cred<'m>> {
        match svc.env(key) {
            Some(v) if !v.known => None,
            Some(v) => match v.value.as_deref() {
                Some(x) if !x.is_empty() => Some(Cred { value: x.to_owned(), var: Some(v) }),
                _ => Some(Cred { value: "guest".to_owned(), var: None }),
            },
            None => Some(Cred { value: "guest".to_owned(), var: None }),
        }
    };
    Some((get("RABBITMQ_DEFAULT_USER")?, get("RABBITMQ_DEFAULT_PASS")?))
}

/// One client's credentials for the broker: from a URL, or from `<PREFIX>USER`/`PASSWORD` next to a
/// `<PREFIX>HOST` naming the service. None for a field: the client's default (`guest`) for a URL
/// without credentials, unknown for variables.
struct View<'m> {
    user: Option<String>,
    password: Option<String>,
    user_var: &'m EnvVar,
    password_var: &'m EnvVar,
}

fn host_prefix(key: &str) -> Option<&str> {
    let k = key.strip_suffix("HOST")?;
    ["RABBITMQ_", "RABBIT_", "AMQP_", "BROKER_"].iter().any(|p| k == *p || k.ends_with(&format!("_{p}"))).then_some(k)
}

fn client_views<'m>(svc: &'m Service, broker: &Service) -> Vec<View<'m>> {
    let mut out = Vec::new();
    for var in svc.environment.iter().filter(|v| v.known) {
        let Some(value) = var.value.as_deref() else { continue };
        if let Some(url) = parse_url(value) {
            if scheme_kind(url.scheme) != Some(ServiceKind::RabbitMq) || !names_server(url.host, broker) {
                continue;
            }
            match url_userinfo(value) {
                // No credentials: AMQP clients (pika, kombu, amqplib) log in as guest/guest.
                Some((None, None)) => out.push(View {
                    user: Some("guest".to_owned()),
                    password: Some("guest".to_owned()),
                    user_var: var,
                    password_var: var,
                }),
                Some((Some(u), Some(p))) if !u.is_empty() => {
                    out.push(View { user: Some(u), password: Some(p), user_var: var, password_var: var })
                }
                _ => {}
            }
        } else if let Some(prefix) = host_prefix(&var.key.to_ascii_uppercase())
            && names_server(value, broker)
        {
            let prefix = var.key.get(..prefix.len()).unwrap_or(prefix);
            let get = |suffixes: &[&str]| {
                suffixes.iter().find_map(|s| {
                    let v = svc.env(&format!("{prefix}{s}"))?;
                    let x = v.value.as_deref().filter(|x| v.known && !x.is_empty())?;
                    Some((x.to_owned(), v))
                })
            };
            if let (Some((u, uv)), Some((p, pv))) =
                (get(&["USER", "USERNAME", "DEFAULT_USER"]), get(&["PASSWORD", "PASS", "DEFAULT_PASS"]))
            {
                out.push(View { user: Some(u), password: Some(p), user_var: uv, password_var: pv });
            }
        }
    }
    out
}

fn check(model: &StackModel, out: &mut Sink) {
    for stack in stacks(model) {
        for broker in stack.active_services() {
            let Some((user, pass)) = server(model, broker) else { continue };
            for client in stack.active_services().filter(|c| c.name != broker.name && uses_own_network(c)) {
                for v in client_views(client, broker) {
                    let (Some(cu), Some(cp)) = (&v.user, &v.password) else { continue };
                    if *cu != user.value {
                        report(model, stack, broker, client, &user, &v, "user", cu, out);
                    } else if *cp != pass.value {
                        report(model, stack, broker, client, &pass, &v, "password", cp, out);
                    }
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    model: &StackModel,
    stack: &Stack,
    broker: &Service,
    client: &Service,
    server: &Cred<'_>,
    v: &View<'_>,
    what: &str,
    client_value: &str,
    out: &mut Sink,
) {
    let client_var = if what == "user" { v.user_var } else { v.password_var };
    let shown = if what == "user" {
        format!("user `{client_value}` instead of `{}`", server.value)
    } else {
        let (s, c) = describe_pair(&server.value, client_value);
        format!("password {c} instead of {s}")
    };
    let message = format!(
        "`{}` logs in to `{}` with {shown} (`{}`): the broker refuses the connection (ACCESS_REFUSED)",
        client.name, broker.name, client_var.key
    );
    let primary = server.var.map_or(broker.name_span, |var| var.key_span);
    let mut chain = Chain::new();
    match server.var {
        Some(var) => chain.env_var(model, stack, broker, var, &format!("broker {what}")),
        None => chain.push(broker.name_span, format!("`{}` keeps the image's default {what} (`guest`)", broker.name)),
    }
    chain.env_var(model, stack, client, client_var, &format!("client {what}"));
    let label = chain
        .labels
        .iter()
        .find(|(s, _)| *s == primary)
        .map_or_else(|| format!("the broker's {what}"), |(_, l)| l.clone());
    let f = Finding::new(&RULE, primary, message).label(label).help(
        "build the client's URL from the broker's variables (`RABBITMQ_DEFAULT_USER` and `RABBITMQ_DEFAULT_PASS` interpolated into it); the broker only creates that user when its data volume is first initialised",
    );
    out.report(chain.apply(f, primary));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(host_prefix("RABBITMQ_HOST"), Some("RABBITMQ_"));
        assert_eq!(host_prefix("CELERY_BROKER_HOST"), Some("CELERY_BROKER_"));
        assert_eq!(host_prefix("DB_HOST"), None);
    }
}
