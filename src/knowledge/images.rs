//! What stackcheck knows about well-known images: which kind of server an image runs (Postgres,
//! Redis...), the ports its official image listens on by default, and which healthcheck tools its
//! official base images lack.
//!
//! How the lists were made: only images whose Dockerfiles are public and stable across tags were taken
//! (Docker Official Images and distroless), and only facts that hold for every tag of the family named
//! (e.g. every `python:*-slim` tag installs neither curl nor wget). Where a family varies by tag or by
//! configuration (`nginx` Debian vs Alpine, RabbitMQ plugins, Bitnami images listening on non-root
//! ports) it is left out: a rule that finds no entry stays silent.
use crate::model::image::ImageRef;

/// The kind of server a service runs, as far as clients see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServiceKind {
    Postgres,
    Mysql,
    Redis,
    Mongo,
    RabbitMq,
    Memcached,
}

impl ServiceKind {
    pub fn label(self) -> &'static str {
        match self {
            ServiceKind::Postgres => "PostgreSQL",
            ServiceKind::Mysql => "MySQL/MariaDB",
            ServiceKind::Redis => "Redis",
            ServiceKind::Mongo => "MongoDB",
            ServiceKind::RabbitMq => "RabbitMQ",
            ServiceKind::Memcached => "Memcached",
        }
    }

    /// The port clients use when none is given.
    pub fn default_port(self) -> u16 {
        match self {
            ServiceKind::Postgres => 5432,
            ServiceKind::Mysql => 3306,
            ServiceKind::Redis => 6379,
            ServiceKind::Mongo => 27017,
            ServiceKind::RabbitMq => 5672,
            ServiceKind::Memcached => 11211,
        }
    }
}

/// The kind of server an image runs, by the last component of its repository (any registry or
/// namespace: `postgres`, `bitnami/postgresql`, `pgvector/pgvector`, `valkey/valkey`).
pub fn service_kind(image: &ImageRef) -> Option<ServiceKind> {
    Some(match image.base_name() {
        "postgres" | "postgresql" | "postgis" | "pgvector" | "timescaledb" | "timescaledb-ha" | "pgvecto-rs" => {
            ServiceKind::Postgres
        }
        "mysql" | "mariadb" | "percona" | "percona-server" | "mysql-server" => ServiceKind::Mysql,
        "redis" | "valkey" | "keydb" | "redis-stack" | "redis-stack-server" | "dragonfly" => ServiceKind::Redis,
        "mongo" | "mongodb" | "mongodb-community-server" => ServiceKind::Mongo,
        "rabbitmq" => ServiceKind::RabbitMq,
        "memcached" => ServiceKind::Memcached,
        _ => return None,
    })
}

/// The kind of server a URL scheme talks to (`postgresql+asyncpg://` is Postgres).
pub fn scheme_kind(scheme: &str) -> Option<ServiceKind> {
    let base = scheme.split('+').next().unwrap_or(scheme).to_ascii_lowercase();
    Some(match base.as_str() {
        "postgres" | "postgresql" | "postgis" | "pgsql" => ServiceKind::Postgres,
        "mysql" | "mysql2" | "mariadb" => ServiceKind::Mysql,
        "redis" | "rediss" | "valkey" => ServiceKind::Redis,
        "mongodb" => ServiceKind::Mongo,
        "amqp" | "amqps" => ServiceKind::RabbitMq,
        "memcached" | "memcache" => ServiceKind::Memcached,
        _ => return None,
    })
}

/// The kinds a variable name points at (`REDIS_HOST` is Redis; `DATABASE_URL`, `DB_HOST` are any SQL
/// database). Empty when the name says nothing.
pub fn key_kinds(key: &str) -> &'static [ServiceKind] {
    let upper = key.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(['_', '-', '.']).filter(|w| !w.is_empty()).collect();
    let has = |w: &str| words.contains(&w);
    if has("POSTGRES") || has("POSTGRESQL") || has("PG") || has("PGHOST") || has("PGSQL") {
        &[ServiceKind::Postgres]
    } else if has("MYSQL") || has("MARIADB") {
        &[ServiceKind::Mysql]
    } else if has("REDIS") || has("VALKEY") || has("KEYDB") {
        &[ServiceKind::Redis]
    } else if has("MONGO") || has("MONGODB") {
        &[ServiceKind::Mongo]
    } else if has("RABBITMQ") || has("RABBIT") || has("AMQP") {
        &[ServiceKind::RabbitMq]
    } else if has("MEMCACHED") || has("MEMCACHE") {
        &[ServiceKind::Memcached]
    } else if has("DATABASE") || has("DB") {
        &[ServiceKind::Postgres, ServiceKind::Mysql]
    } else {
        &[]
    }
}

/// The TCP ports an official image listens on when nothing in its configuration, command or
/// environment changes them. Only the exact Docker Official Image repositories (and a few vendor images
/// whose port is fixed), never look-alikes: `bitnami/nginx` listens on 8080, `nginxinc/nginx-unprivileged`
/// on 8080.
pub fn default_listen_ports(image: &ImageRef) -> Option<&'static [u16]> {
    let tag = image.effective_tag().to_ascii_lowercase();
    Some(match image.repo.as_str() {
        "postgres" => &[5432],
        "redis" => &[6379],
        "mysql" => &[3306, 33060],
        "mariadb" => &[3306],
        "mongo" => &[27017],
        "memcached" => &[11211],
        "nginx" => &[80],
        "httpd" => &[80],
        "ghost" => &[2368],
        "adminer" => &[8080],
        "wordpress" if tag.contains("fpm") => &[9000],
        "wordpress" if tag.contains("cli") => return None,
        "wordpress" => &[80],
        "grafana/grafana" | "grafana/grafana-oss" => &[3000],
        "prom/prometheus" => &[9090],
        _ => return None,
    })
}

/// Where an image family keeps configuration that can change its listen port, and the variables that
/// change it: when a service mounts a path under one of these or sets one of these, its default ports
/// are no longer certain.
pub fn port_overrides(image: &ImageRef) -> (&'static [&'static str], &'static [&'static str]) {
    match image.repo.as_str() {
        "postgres" => (&["/etc/postgresql", "/var/lib/postgresql"], &["PGPORT"]),
        "redis" => (&["/usr/local/etc/redis", "/etc/redis"], &[]),
        "mysql" | "mariadb" => (&["/etc/mysql"], &["MYSQL_TCP_PORT", "MARIADB_TCP_PORT"]),
        "mongo" => (&["/etc/mongod.conf", "/etc/mongo"], &[]),
        "memcached" => (&[], &[]),
        "nginx" => (&["/etc/nginx"], &[]),
        "httpd" => (&["/usr/local/apache2/conf"], &[]),
        "ghost" => (&["/var/lib/ghost/config"], &["server__port", "SERVER__PORT"]),
        "adminer" => (&[], &[]),
        "wordpress" => (&["/etc/apache2", "/usr/local/etc/php-fpm.d"], &[]),
        "grafana/grafana" | "grafana/grafana-oss" => (&["/etc/grafana"], &["GF_SERVER_HTTP_PORT"]),
        "prom/prometheus" => (&[], &[]),
        _ => (&[], &[]),
    }
}

/// Healthcheck programs whose presence the rules check.
pub const TRACKED_TOOLS: [&str; 6] = ["curl", "wget", "nc", "bash", "pg_isready", "redis-cli"];

/// What an official base image lacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Toolset {
    /// A description for messages (`python:*-slim`).
    pub family: &'static str,
    /// There is a `/bin/sh` (CMD-SHELL and string healthchecks need one).
    pub shell: bool,
    /// Tracked programs the image does not contain.
    pub missing: &'static [&'static str],
}

impl Toolset {
    pub fn lacks(&self, program: &str) -> bool {
        (!self.shell && matches!(program, "sh" | "bash")) || self.missing.contains(&program)
    }
}

const ALL_TRACKED: &[&str] = &TRACKED_TOOLS;
/// Alpine: BusyBox provides `sh`, `wget` and `nc`; there is no curl and no bash.
const ALPINE: &[&str] = &["curl", "bash", "pg_isready", "redis-cli"];
/// Debian/Ubuntu base and the `-slim` language images: bash, but no curl, wget or netcat.
const DEBIAN_BARE: &[&str] = &["curl", "wget", "nc", "pg_isready", "redis-cli"];

/// What the official base image lacks, for images the rules know; None for any other image (the rules
/// then stay silent).
pub fn toolset(image: &ImageRef) -> Option<Toolset> {
    let tag = image.effective_tag().to_ascii_lowercase();
    let repo = image.repo.as_str();
    let t = |family, shell, missing| Some(Toolset { family, shell, missing });
    if repo == "scratch" {
        return t("scratch", false, ALL_TRACKED);
    }
    if repo.starts_with("gcr.io/distroless/") && !tag.contains("debug") {
        return t("distroless", false, ALL_TRACKED);
    }
    if repo == "cgr.dev/chainguard/static" {
        return t("chainguard/static", false, ALL_TRACKED);
    }
    match repo {
        "alpine" => t("alpine", true, ALPINE),
        "busybox" => t("busybox", true, ALPINE),
        "debian" => t("debian", true, DEBIAN_BARE),
        "ubuntu" => t("ubuntu", true, DEBIAN_BARE),
        "node" if tag.contains("alpine") => t("node:*-alpine", true, &["curl", "pg_isready", "redis-cli"]),
        "node" if tag.contains("slim") => t("node:*-slim", true, DEBIAN_BARE),
        "python" if tag.contains("alpine") => t("python:*-alpine", true, &["curl", "pg_isready", "redis-cli"]),
        "python" if tag.contains("slim") => t("python:*-slim", true, DEBIAN_BARE),
        "postgres" if tag.contains("alpine") => t("postgres:*-alpine", true, &["curl", "redis-cli"]),
        "redis" if tag.contains("alpine") => t("redis:*-alpine", true, &["curl", "pg_isready"]),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn img(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap()
    }

    #[test]
    fn kinds() {
        assert_eq!(service_kind(&img("postgres:16-alpine")), Some(ServiceKind::Postgres));
        assert_eq!(service_kind(&img("bitnami/postgresql:16")), Some(ServiceKind::Postgres));
        assert_eq!(service_kind(&img("valkey/valkey:8")), Some(ServiceKind::Redis));
        assert_eq!(service_kind(&img("acme/postgres-backup")), None);
        assert_eq!(scheme_kind("postgresql+asyncpg"), Some(ServiceKind::Postgres));
        assert_eq!(scheme_kind("https"), None);
        assert_eq!(key_kinds("REDIS_HOST"), &[ServiceKind::Redis]);
        assert_eq!(key_kinds("DATABASE_URL").len(), 2);
        assert!(key_kinds("API_URL").is_empty());
        assert!(key_kinds("DBT_PROFILE").is_empty());
    }

    #[test]
    fn ports() {
        assert_eq!(default_listen_ports(&img("nginx:1.27-alpine")), Some(&[80][..]));
        assert_eq!(default_listen_ports(&img("bitnami/nginx")), None);
        assert_eq!(default_listen_ports(&img("wordpress:6-fpm")), Some(&[9000][..]));
        assert_eq!(default_listen_ports(&img("docker.io/library/postgres:16")), Some(&[5432][..]));
    }

    #[test]
    fn tools() {
        let node = toolset(&img("node:20-alpine")).unwrap();
        assert!(node.lacks("curl") && !node.lacks("wget") && !node.lacks("sh"));
        let slim = toolset(&img("python:3.12-slim")).unwrap();
        assert!(slim.lacks("curl") && slim.lacks("wget") && !slim.lacks("bash"));
        let distroless = toolset(&img("gcr.io/distroless/nodejs20-debian12")).unwrap();
        assert!(distroless.lacks("sh") && distroless.lacks("curl"));
        assert!(toolset(&img("gcr.io/distroless/base:debug")).is_none());
        assert!(toolset(&img("node:20")).is_none());
        assert!(toolset(&img("acme/api:alpine")).is_none());
        assert!(toolset(&img("postgres:16-alpine")).is_some_and(|t| !t.lacks("pg_isready") && t.lacks("curl")));
    }
}
