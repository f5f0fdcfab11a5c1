//! X303: the user, password or database a client's `DATABASE_URL` / `DB_*` variables use differ from the
//! ones the Postgres or MySQL/MariaDB service of the stack is initialised with.
use crate::knowledge::images::{ServiceKind, scheme_kind};
use crate::model::EnvVar;
use crate::rules::common::parse_url;
use crate::rules::creds::{
    Chain, describe_pair, image_repo, kind_of, names_server, percent_decode, stacks, url_userinfo, uses_own_network,
};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "X303",
    name: "database-credentials-mismatch",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/X303-database-credentials-mismatch.md"),
    check,
};

/// One credential of the server: its value and the variable that sets it (None: the image's default).
struct Cred<'m> {
    value: String,
    var: Option<&'m EnvVar>,
}

/// What a database service is initialised with on its first start.
struct Server<'m> {
    kind: ServiceKind,
    /// The superuser (Postgres: `POSTGRES_USER`, default `postgres`) or MySQL's `MYSQL_USER`.
    user: Option<Cred<'m>>,
    /// Its password; None when unknown or not set.
    password: Option<Cred<'m>>,
    /// The database created (Postgres: `POSTGRES_DB`, default the user; MySQL: `MYSQL_DATABASE`).
    database: Option<Cred<'m>>,
    /// MySQL's root password.
    root_password: Option<Cred<'m>>,
    /// Scripts in `/docker-entrypoint-initdb.d` may create other users and databases.
    init_scripts: bool,
    /// `POSTGRES_HOST_AUTH_METHOD=trust`: passwords are not checked.
    trust: bool,
}

/// The first of these keys the service's container environment sets, known; `Err(())` when the one
/// that wins is unknown.
fn first_known<'m>(svc: &'m Service, keys: &[&str]) -> Result<Option<Cred<'m>>, ()> {
    for k in keys {
        if let Some(v) = svc.env(k) {
            let Some(value) = v.value.as_deref() else { continue };
            if !v.known {
                return Err(());
            }
            if value.is_empty() {
                continue;
            }
            return Ok(Some(Cred { value: value.to_owned(), var: Some(v) }));
        }
    }
    Ok(None)
}

fn server<'m>(model: &StackModel, svc: &'m Service) -> Option<Server<'m>> {
    let kind = kind_of(model, svc)?;
    // Bitnami images read other variables (`POSTGRESQL_USERNAME`...) with other defaults: not modelled.
    if image_repo(model, svc).is_some_and(|r| r.starts_with("bitnami")) {
        return None;
    }
    let init_scripts =
        svc.volumes.iter().any(|m| m.target.trim_end_matches('/').starts_with("/docker-entrypoint-initdb.d"));
    let set = |k: &str| svc.env(k).and_then(|v| v.value.as_deref()).is_some_and(|v| !v.is_empty());
    match kind {
        ServiceKind::Postgres => {
            // `*_FILE` variants hold a path: the value is unknown.
            if set("POSTGRES_PASSWORD_FILE") || set("POSTGRES_USER_FILE") || set("POSTGRES_DB_FILE") {
                return None;
            }
            let user = match first_known(svc, &["POSTGRES_USER"]) {
                Ok(Some(u)) => Some(u),
                Ok(None) => Some(Cred { value: "postgres".to_owned(), var: None }),
                Err(()) => None,
            };
            let database = match first_known(svc, &["POSTGRES_DB"]) {
                Ok(Some(d)) => Some(d),
                // The database defaults to the user's name.
                Ok(None) => user.as_ref().map(|u| Cred { value: u.value.clone(), var: u.var }),
                Err(()) => None,
            };
            let trust = svc.env("POSTGRES_HOST_AUTH_METHOD").and_then(|v| v.value.as_deref()) == Some("trust");
            Some(Server {
                kind,
                user,
                password: first_known(svc, &["POSTGRES_PASSWORD"]).ok().flatten(),
                database,
                root_password: None,
                init_scripts,
                trust,
            })
        }
        ServiceKind::Mysql => {
            if [
                "MYSQL_PASSWORD_FILE",
                "MYSQL_ROOT_PASSWORD_FILE",
                "MARIADB_PASSWORD_FILE",
                "MARIADB_ROOT_PASSWORD_FILE",
            ]
            .iter()
            .any(|k| set(k))
            {
                return None;
            }
            // MariaDB reads `MARIADB_*` first, then `MYSQL_*`.
            Some(Server {
                kind,
                user: first_known(svc, &["MARIADB_USER", "MYSQL_USER"]).ok().flatten(),
                password: first_known(svc, &["MARIADB_PASSWORD", "MYSQL_PASSWORD"]).ok().flatten(),
                database: first_known(svc, &["MARIADB_DATABASE", "MYSQL_DATABASE"]).ok().flatten(),
                root_password: first_known(svc, &["MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD"]).ok().flatten(),
                init_scripts,
                trust: false,
            })
        }
        _ => None,
    }
}

/// One field a client uses, with the variable it comes from.
#[derive(Clone)]
struct Field<'m> {
    value: String,
    var: &'m EnvVar,
}

/// What one client says it connects with: a URL, or a group of `<PREFIX>HOST`/`USER`/`PASSWORD`/`NAME`
/// variables.
struct View<'m> {
    user: Option<Field<'m>>,
    password: Option<Field<'m>>,
    database: Option<Field<'m>>,
}

fn url_view<'m>(var: &'m EnvVar, value: &str) -> Option<View<'m>> {
    let url = parse_url(value)?;
    let (user, password) = url_userinfo(value)?;
    let path = url.rest.split(['?', '#']).next().unwrap_or("");
    let db = path.strip_prefix('/').filter(|d| !d.is_empty() && !d.contains('/')).and_then(percent_decode);
    let field = |v: Option<String>| v.filter(|s| !s.is_empty()).map(|value| Field { value, var });
    Some(View { user: field(user), password: field(password), database: field(db) })
}

/// `DB_HOST` ⇒ `DB_`, `PGHOST` ⇒ `PG`, `POSTGRES_HOST` ⇒ `POSTGRES_`.
fn host_prefix(key: &str) -> Option<&str> {
    let k = key.strip_suffix("HOST").or_else(|| key.strip_suffix("HOSTNAME"))?;
    let known = ["DB_", "DATABASE_", "PG", "POSTGRES_", "POSTGRESQL_", "MYSQL_", "MARIADB_", "SQL_"];
    (known.contains(&k) || known.iter().any(|p| k.ends_with(&format!("_{p}")))).then_some(k)
}

fn group_view<'m>(svc: &'m Service, prefix: &str) -> View<'m> {
    let get = |suffixes: &[&str]| {
        suffixes.iter().find_map(|s| {
            let v = svc.env(&format!("{prefix}{s}"))?;
            let value = v.value.as_deref().filter(|x| v.known && !x.is_empty())?;
            Some(Field { value: value.to_owned(), var: v })
        })
    };
    View {
        user: get(&["USER", "USERNAME"]),
        password: get(&["PASSWORD", "PASS"]),
        database: get(&["NAME", "DATABASE", "DB"]),
    }
}

fn client_views<'m>(svc: &'m Service, server_svc: &Service, kind: ServiceKind) -> Vec<View<'m>> {
    let mut out = Vec::new();
    for var in svc.environment.iter().filter(|v| v.known) {
        let Some(value) = var.value.as_deref() else { continue };
        if let Some(url) = parse_url(value) {
            if scheme_kind(url.scheme) == Some(kind) && names_server(url.host, server_svc) {
                out.extend(url_view(var, value));
            }
        } else if let Some(prefix) = host_prefix(&var.key.to_ascii_uppercase())
            && names_server(value, server_svc)
        {
            // Same case as the host key.
            let prefix = var.key.get(..prefix.len()).unwrap_or(prefix);
            out.push(group_view(svc, prefix));
        }
    }
    out
}

/// One disagreement: the server's side and the client's.
struct Mismatch<'a, 'm> {
    what: &'static str,
    server: Option<&'a Cred<'m>>,
    client: &'a Field<'m>,
    secret: bool,
}

fn compare<'a, 'm>(s: &'a Server<'m>, v: &'a View<'m>) -> Vec<Mismatch<'a, 'm>> {
    let mut out = Vec::new();
    let Some(user) = &v.user else {
        // Without a user the password's account is unknown.
        return out;
    };
    let root = s.kind == ServiceKind::Mysql && user.value == "root";
    if root {
        if let (Some(rp), Some(p)) = (&s.root_password, &v.password)
            && rp.value != p.value
        {
            out.push(Mismatch { what: "root password", server: Some(rp), client: p, secret: true });
        }
        return out;
    }
    match &s.user {
        Some(su) if su.value == user.value => {}
        // Another user: created by an init script, or nowhere.
        Some(su) => {
            if !s.init_scripts {
                out.push(Mismatch { what: "user", server: Some(su), client: user, secret: false });
            }
            return out;
        }
        None => return out,
    }
    if !s.trust
        && let (Some(sp), Some(p)) = (&s.password, &v.password)
        && sp.value != p.value
    {
        out.push(Mismatch { what: "password", server: Some(sp), client: p, secret: true });
    }
    // Postgres: `POSTGRES_USER` is a superuser, and apps create their own database (Prisma, Dify's plugin
    // daemon): only MySQL's `MYSQL_USER`, granted `MYSQL_DATABASE` alone, is held to that database.
    if !s.init_scripts
        && s.kind == ServiceKind::Mysql
        && let (Some(sd), Some(d)) = (&s.database, &v.database)
        && sd.value != d.value
    {
        out.push(Mismatch { what: "database", server: Some(sd), client: d, secret: false });
    }
    out
}

fn check(model: &StackModel, out: &mut Sink) {
    for stack in stacks(model) {
        for db in stack.active_services() {
            let Some(s) = server(model, db) else { continue };
            for client in stack.active_services().filter(|c| c.name != db.name && uses_own_network(c)) {
                let views = client_views(client, db, s.kind);
                let mut seen = std::collections::HashSet::new();
                for v in &views {
                    let mismatches = compare(&s, v);
                    let mismatches: Vec<_> =
                        mismatches.into_iter().filter(|m| seen.insert((m.what, m.client.var.key_span))).collect();
                    if !mismatches.is_empty() {
                        report(model, stack, db, &s, client, &mismatches, out);
                    }
                }
            }
        }
    }
}

fn report(
    model: &StackModel,
    stack: &Stack,
    db: &Service,
    s: &Server<'_>,
    client: &Service,
    ms: &[Mismatch<'_, '_>],
    out: &mut Sink,
) {
    let parts: Vec<String> = ms
        .iter()
        .map(|m| {
            let server_value = m.server.map_or("", |c| c.value.as_str());
            if m.secret {
                let (a, b) = describe_pair(server_value, &m.client.value);
                format!("{} {b} instead of {a}", m.what)
            } else {
                format!("{} `{}` instead of `{server_value}`", m.what, m.client.value)
            }
        })
        .collect();
    let consequence = match ms.first().map(|m| m.what) {
        Some("user") => "that role does not exist, the login fails",
        Some("database") => "MySQL grants the user access to its `MYSQL_DATABASE` only, so the connection is denied",
        _ => "authentication fails",
    };
    let keys: Vec<String> = {
        let mut k: Vec<String> = ms.iter().map(|m| format!("`{}`", m.client.var.key)).collect();
        k.dedup();
        k
    };
    let message = format!(
        "`{}` connects to `{}` with {} ({}): {consequence}",
        client.name,
        db.name,
        parts.join(", "),
        keys.join(", ")
    );
    let first = &ms[0];
    let primary = first.server.and_then(|c| c.var).map_or(db.name_span, |v| v.key_span);
    let mut chain = Chain::new();
    for m in ms {
        match m.server.and_then(|c| c.var) {
            Some(var) if m.what == "database" && var.key == "POSTGRES_USER" => {
                chain.env_var(model, stack, db, var, "server database (no `POSTGRES_DB`: the user's name)")
            }
            Some(var) => chain.env_var(model, stack, db, var, &format!("server {}", m.what)),
            None => chain.push(
                db.name_span,
                format!(
                    "`{}` runs with the image's default {} `{}`",
                    db.name,
                    m.what,
                    m.server.map_or("", |c| c.value.as_str())
                ),
            ),
        }
    }
    for m in ms {
        chain.env_var(model, stack, client, m.client.var, &format!("client {}", m.what));
    }
    let label = chain
        .labels
        .iter()
        .find(|(sp, _)| *sp == primary)
        .map_or_else(|| format!("the server's {}", first.what), |(_, l)| l.clone());
    let vars = match s.kind {
        ServiceKind::Mysql => "`MYSQL_USER`, `MYSQL_PASSWORD`, `MYSQL_DATABASE`",
        _ => "`POSTGRES_USER`, `POSTGRES_PASSWORD`, `POSTGRES_DB`",
    };
    let f = Finding::new(&RULE, primary, message).label(label).help(format!(
        "define each value once and build the client's from the same variables ({vars} interpolated into its URL or `DB_*`); the server only applies them when its data volume is first initialised"
    ));
    out.report(chain.apply(f, primary));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(host_prefix("DB_HOST"), Some("DB_"));
        assert_eq!(host_prefix("PGHOST"), Some("PG"));
        assert_eq!(host_prefix("POSTGRES_HOST"), Some("POSTGRES_"));
        assert_eq!(host_prefix("APP_DB_HOST"), Some("APP_DB_"));
        assert_eq!(host_prefix("REDIS_HOST"), None);
        assert_eq!(host_prefix("HOST"), None);
    }
}
