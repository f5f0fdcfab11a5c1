//! E213: a container environment variable names a credential file inside the container that nothing
//! puts there: no volume, secret, config or Dockerfile `COPY` of the service provides it.
use crate::model::EnvVar;
use crate::rules::common::text_has_reference;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "E213",
    name: "env-path-not-provided",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/E213-env-path-not-provided.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for (_, svc) in model.services() {
        // `volumes_from` brings another container's mounts, unknown here; unknown mounts may hold anything.
        if !svc.volumes_from.is_empty() || svc.volumes.iter().any(|m| !m.known) {
            continue;
        }
        let mut provided: Option<Provided> = None;
        for var in &svc.environment {
            let Some(path) = credential_path(var) else { continue };
            let p = provided.get_or_insert_with(|| Provided::of(model, svc));
            if p.unknown || p.covers(path) {
                continue;
            }
            // Directory and file name apart: values of secret-named keys (`*_PASSWORD_FILE`) are scrubbed
            // from messages whole, although here they are only paths.
            let (dir, file) = path.rsplit_once('/').map_or(("/", path), |(d, f)| (d, f));
            let dir = if dir.is_empty() { "/".to_owned() } else { format!("{dir}/") };
            out.report(
                Finding::new(
                    &RULE,
                    var.value_span,
                    format!(
                        "`{}` points at `{file}` in `{dir}` inside `{}`, but no volume, secret, config or Dockerfile `COPY` of `{}` provides it",
                        var.key, svc.name, svc.name
                    ),
                )
                .label("nothing mounts this path")
                .related(svc.name_span, format!("service `{}`", svc.name))
                .help(help(path)),
            );
        }
    }
}

fn help(path: &str) -> String {
    match path.strip_prefix("/run/secrets/") {
        Some(name) => format!(
            "declare the secret (`secrets: {{{name}: {{file: ./secrets/{name}}}}}` at the top level) and list `{name}` under the service's `secrets:`"
        ),
        None => {
            let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
            format!(
                "bind-mount `{file}` into `{dir}/` read-only under the service's `volumes:`, or add a `secrets:`/`configs:` entry whose `target:` is that path"
            )
        }
    }
}

/// The absolute path a variable names when it is a credential file the container reads at start:
/// `*_PASSWORD_FILE`, `*_KEY_PATH`, `GOOGLE_APPLICATION_CREDENTIALS`, `SSL_CERT_FILE`, any `*_FILE`
/// under `/run/secrets/`... Other paths (data directories, SQLite files, logs, default configs) are
/// created by the app or shipped by the image, which this model cannot see.
fn credential_path(var: &EnvVar) -> Option<&str> {
    if !var.known {
        return None;
    }
    let path = var.value.as_deref()?.trim();
    if !path.starts_with('/') || path.contains(char::is_whitespace) || path.contains(':') || text_has_reference(path) {
        return None;
    }
    let key = var.key.to_ascii_uppercase();
    let always = key == "GOOGLE_APPLICATION_CREDENTIALS" || key.starts_with("SSL_CERT");
    if !(always || key.ends_with("_FILE") || key.ends_with("_PATH")) {
        return None;
    }
    if is_system_path(path) {
        return None;
    }
    let secret_dir = path.starts_with("/run/secrets/");
    const WORDS: [&str; 11] =
        ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CERT", "CREDENTIAL", "HTPASSWD", "PRIVATE", "TLS", "SSL"];
    let named = WORDS.iter().any(|w| key.contains(w));
    let name = path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    const EXTS: [&str; 9] = [".pem", ".crt", ".cer", ".key", ".p12", ".pfx", ".jks", ".keystore", ".htpasswd"];
    let cert_file = EXTS.iter().any(|e| name.ends_with(e));
    (always || secret_dir || named || cert_file).then_some(path)
}

/// Paths every base image ships or the engine provides (CA bundles, the kernel's files, sockets).
fn is_system_path(path: &str) -> bool {
    const PREFIXES: [&str; 14] = [
        "/etc/ssl/",
        "/etc/pki/",
        "/etc/ca-certificates",
        "/usr/",
        "/bin/",
        "/sbin/",
        "/lib/",
        "/lib64/",
        "/proc/",
        "/sys/",
        "/dev/",
        "/var/run/",
        "/etc/localtime",
        "/etc/timezone",
    ];
    PREFIXES.iter().any(|p| path.starts_with(p)) || (path.starts_with("/run/") && !path.starts_with("/run/secrets/"))
}

/// What the service's container has at start: mount targets, secret and config targets, and what its
/// Dockerfile copies.
struct Provided {
    /// Paths (files or directories) something puts in the container.
    targets: Vec<String>,
    /// The build is not known well enough to tell (Dockerfile not read, a `RUN` that may create it...).
    unknown: bool,
    /// Text of the `RUN` instructions of the build, to see paths they create.
    runs: String,
}

impl Provided {
    fn of(model: &StackModel, svc: &Service) -> Provided {
        let mut targets: Vec<String> = svc.volumes.iter().map(|m| m.target.clone()).collect();
        for (key, default_dir) in [("secrets", "/run/secrets/"), ("configs", "/")] {
            for item in svc.node.get(key).and_then(|n| n.as_seq()).unwrap_or_default() {
                let target = match item.as_str() {
                    Some(name) => Some(name.to_owned()),
                    None => item
                        .get("target")
                        .and_then(|t| t.as_str())
                        .or_else(|| item.get("source").and_then(|s| s.as_str()))
                        .map(str::to_owned),
                };
                if let Some(t) = target {
                    targets.push(if t.starts_with('/') { t } else { format!("{default_dir}{t}") });
                }
            }
        }
        // A replaced entrypoint (often a mounted script) may create the file at start: unknown. A command
        // that names the file or its directory creates it (`mkdir -p /app/certs && openssl ...`).
        let mut unknown = svc.entrypoint.is_some();
        let mut runs = svc.command.as_ref().map(|c| c.joined()).unwrap_or_default();
        if let Some(build) = &svc.build {
            match model.dockerfile_of(svc) {
                None => unknown = true,
                Some(dockerfile) => {
                    for stage in dockerfile.lineage(build.target.as_ref().map(|t| t.value.as_str())) {
                        let mut workdir = String::from("/");
                        for instr in &stage.instructions {
                            match instr.keyword.as_str() {
                                "WORKDIR" => workdir = join(&workdir, instr.args.trim()),
                                "COPY" | "ADD" => {
                                    let words: Vec<String> = match &instr.exec {
                                        Some(items) => items.clone(),
                                        None => instr
                                            .args
                                            .split_whitespace()
                                            .filter(|w| !w.starts_with("--"))
                                            .map(str::to_owned)
                                            .collect(),
                                    };
                                    if let Some(dest) = words.last().filter(|_| words.len() >= 2) {
                                        if dest.contains('$') {
                                            unknown = true;
                                        }
                                        targets.push(join(&workdir, dest));
                                    }
                                }
                                "RUN" => {
                                    runs.push_str(&instr.args);
                                    runs.push('\n');
                                }
                                _ => {}
                            }
                        }
                    }
                }
            }
        }
        Provided { targets, unknown, runs }
    }

    /// Is the path a target, under a target directory, or named (itself or its directory) by a `RUN` of
    /// the build or by the service's command?
    fn covers(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        let parent = path.rsplit_once('/').map_or("", |(d, _)| d);
        self.targets.iter().any(|t| {
            let t = t.trim_end_matches('/');
            t.is_empty() || path == t || path.strip_prefix(t).is_some_and(|rest| rest.starts_with('/'))
        }) || self.runs.contains(path)
            || (!parent.is_empty() && self.runs.contains(parent))
    }
}

/// `dest` relative to `dir` (Dockerfile `WORKDIR`/`COPY` semantics), absolute kept.
fn join(dir: &str, dest: &str) -> String {
    if dest.starts_with('/') {
        dest.to_owned()
    } else {
        let d = dest.trim_start_matches("./");
        format!("{}/{}", dir.trim_end_matches('/'), if d == "." { "" } else { d })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EnvSource;
    use crate::source::FileId;

    fn var(key: &str, value: &str) -> EnvVar {
        let span = Span::file_start(FileId(0));
        EnvVar {
            key: key.to_owned(),
            key_span: span,
            value: Some(value.to_owned()),
            known: true,
            value_span: span,
            source: EnvSource::Environment,
            origin: None,
            interp: None,
            overrides: Vec::new(),
        }
    }

    #[test]
    fn credential_paths() {
        for (k, v) in [
            ("POSTGRES_PASSWORD_FILE", "/run/secrets/db_password"),
            ("GOOGLE_APPLICATION_CREDENTIALS", "/app/gcp.json"),
            ("SSL_CERT_FILE", "/certs/ca.pem"),
            ("TLS_CERT_PATH", "/certs/tls.crt"),
            ("SIGNING_FILE_PATH", "/app/certs/cert.p12"),
            ("AUTH_HTPASSWD_PATH", "/auth/registry.password"),
            ("CONFIG_FILE", "/run/secrets/app.yaml"),
        ] {
            assert_eq!(credential_path(&var(k, v)), Some(v), "{k}={v}");
        }
        for (k, v) in [
            ("DB_PATH", "/app/data/blog.db"),
            ("MEDIA_STORAGE_PATH", "/data/media"),
            ("LOG_FILE", "/var/log/app.log"),
            ("CONFIG_FILE", "/etc/app/config.yaml"),
            ("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"),
            ("NODE_EXTRA_CA_CERTS_FILE", "/usr/local/share/ca-certificates/corp.crt"),
            ("POSTGRES_PASSWORD_FILE", "./secrets/db_password"),
            ("KEY_PATH", "${KEY_PATH}"),
            ("TLS_KEY_FILE", "C:/certs/key.pem"),
            ("POSTGRES_PASSWORD", "/run/secrets/db_password"),
        ] {
            assert_eq!(credential_path(&var(k, v)), None, "{k}={v}");
        }
        let mut unknown = var("POSTGRES_PASSWORD_FILE", "/run/secrets/db");
        unknown.known = false;
        assert_eq!(credential_path(&unknown), None);
    }

    #[test]
    fn coverage() {
        let p = Provided {
            targets: vec!["/run/secrets/db_password".into(), "/certs".into(), join("/app", "./")],
            unknown: false,
            runs: "openssl req -x509 -out /etc/app/tls.crt".into(),
        };
        assert!(p.covers("/run/secrets/db_password"));
        assert!(p.covers("/certs/tls/key.pem"));
        assert!(p.covers("/app/gcp.json"));
        assert!(p.covers("/etc/app/tls.crt"));
        assert!(!p.covers("/run/secrets/db_password_old"));
        assert!(!p.covers("/certsx/key.pem"));
        let started = Provided { targets: Vec::new(), unknown: false, runs: "sh -c 'mkdir -p /app/certs'".into() };
        assert!(started.covers("/app/certs/cert.p12"));
        assert!(!started.covers("/srv/gcp.json"));
        assert_eq!(join("/app", "config/"), "/app/config/");
        assert_eq!(join("/", "/etc/x"), "/etc/x");
    }
}
