//! C109: two environment stacks of one app (prod and staging) write to the same named volume or the same
//! host data directory.
use std::path::{Component, Path};

use crate::model::{Environment, Mount, MountKind, ProjectNameSource, Resource};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C109",
    name: "shared-state-across-environments",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C109-shared-state-across-environments.md"),
    check,
};

/// Words of a host path or mount target that say "data" (databases, uploads, object stores...).
const DATA_WORDS: &[&str] = &[
    "data",
    "db",
    "database",
    "databases",
    "pgdata",
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "mongo",
    "mongodb",
    "redis",
    "valkey",
    "rabbitmq",
    "elasticsearch",
    "minio",
    "uploads",
    "upload",
    "media",
    "storage",
    "files",
    "attachments",
    "backups",
    "backup",
    "state",
];

/// Is this bind mount a data directory, rather than code, a config file or a host facility?
fn is_data_dir(m: &Mount, path: &Path) -> bool {
    let system = ["/etc", "/dev", "/proc", "/sys", "/run", "/var/run", "/usr", "/lib", "/boot", "/tmp"];
    // Host facilities are written as absolute paths; a relative source (`./data`) is the project's own,
    // wherever the project directory is (even under `/tmp`).
    let absolute = m.source.as_deref().is_some_and(|s| s.starts_with('/'));
    if absolute && system.iter().any(|s| path.starts_with(s)) || path.file_name().is_some_and(|n| n == "docker.sock") {
        return false;
    }
    // A file (`./nginx.conf`, `./init.sql`) is configuration: only directories hold state.
    let last = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if last.contains('.') && !last.starts_with('.') {
        return false;
    }
    let words = |p: &Path| -> Vec<String> {
        p.components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().to_ascii_lowercase()),
                _ => None,
            })
            .flat_map(|s| s.split(['-', '_', '.']).map(str::to_owned).collect::<Vec<_>>())
            .collect()
    };
    let last_words: Vec<String> = words(Path::new(&last));
    let target_words = words(Path::new(&m.target));
    last_words.iter().chain(target_words.iter()).any(|w| DATA_WORDS.contains(&w.as_str()))
}

/// One stack's side of a shared resource: where it is declared or mounted, and by which service.
struct Side<'m> {
    stack: &'m Stack,
    decl: Option<&'m Resource>,
    mount: &'m Mount,
    service: &'m Service,
}

/// The stack to act on comes first: the one that is not production (staging gets its own state).
fn order<'a, 'm>(a: &'a Side<'m>, b: &'a Side<'m>, model: &StackModel) -> (&'a Side<'m>, &'a Side<'m>) {
    let prod = |s: &Side<'_>| s.stack.environment(model) == Some(Environment::Production);
    if prod(a) && !prod(b) {
        (b, a)
    } else if prod(b) && !prod(a) {
        (a, b)
    } else {
        (b, a)
    }
}

fn env_label(s: &Stack) -> &str {
    s.env_name.as_deref().unwrap_or("base")
}

/// Named volumes each stack writes to, by real name, when that name is chosen on purpose (`name:`,
/// `external`, or a project name set by `name:`/`-p`/`COMPOSE_PROJECT_NAME`): a name derived from the
/// directory depends on the `-p` of the deploy command, which the files do not show.
fn written_volumes(stack: &Stack) -> Vec<Side<'_>> {
    let mut out: Vec<Side<'_>> = Vec::new();
    for svc in stack.active_services() {
        for m in svc.volumes.iter().filter(|m| m.kind == MountKind::Volume && m.known && !m.read_only) {
            let Some(decl) = m.source.as_deref().and_then(|s| stack.volume(s)) else { continue };
            let chosen = decl.external || decl.name.is_some() || stack.project_source != ProjectNameSource::Directory;
            if chosen && !out.iter().any(|s| s.decl.is_some_and(|d| d.real_name == decl.real_name)) {
                out.push(Side { stack, decl: Some(decl), mount: m, service: svc });
            }
        }
    }
    out
}

fn written_dirs(stack: &Stack) -> Vec<Side<'_>> {
    let mut out: Vec<Side<'_>> = Vec::new();
    for svc in stack.active_services() {
        for m in svc.volumes.iter().filter(|m| m.kind == MountKind::Bind && m.known && !m.read_only) {
            let Some(path) = m.host_path.as_deref() else { continue };
            if is_data_dir(m, path) && !out.iter().any(|s| s.mount.host_path.as_deref() == Some(path)) {
                out.push(Side { stack, decl: None, mount: m, service: svc });
            }
        }
    }
    out
}

fn check(model: &StackModel, out: &mut Sink) {
    for (a, b) in model.environment_pairs() {
        let (va, vb) = (written_volumes(a), written_volumes(b));
        for sa in &va {
            let Some(da) = sa.decl else { continue };
            let Some(sb) = vb.iter().find(|s| s.decl.is_some_and(|d| d.real_name == da.real_name)) else {
                continue;
            };
            report_volume(model, sa, sb, out);
        }
        let (ba, bb) = (written_dirs(a), written_dirs(b));
        for sa in &ba {
            let Some(sb) = bb.iter().find(|s| s.mount.host_path == sa.mount.host_path) else { continue };
            report_dir(model, sa, sb, out);
        }
    }
}

fn report_volume(model: &StackModel, a: &Side<'_>, b: &Side<'_>, out: &mut Sink) {
    let (act, other) = order(a, b, model);
    let (Some(decl), Some(other_decl)) = (act.decl, other.decl) else { return };
    let how = if decl.external {
        "external"
    } else if decl.name.is_some() {
        "named with `name:`"
    } else {
        "prefixed with the same project name"
    };
    let mut f = Finding::new(
        &RULE,
        decl.key_span,
        format!(
            "the {} and {} stacks both write to volume `{}`: deploying {} changes {}'s data",
            env_label(act.stack),
            env_label(other.stack),
            decl.real_name,
            env_label(act.stack),
            env_label(other.stack)
        ),
    )
    .label(format!("`{}` is {how}, so both stacks resolve to `{}`", decl.key, decl.real_name));
    if other_decl.key_span != decl.key_span {
        f = f.related(
            other_decl.key_span,
            format!("{}'s `{}` is the same volume", env_label(other.stack), other_decl.key),
        );
    }
    f = f.related(act.mount.span, format!("`{}` ({}) writes to it", act.service.name, env_label(act.stack)));
    if other.mount.span != act.mount.span {
        f = f.related(other.mount.span, format!("`{}` ({}) writes to it", other.service.name, env_label(other.stack)));
    }
    f = f.help(format!(
            "give {} its own volume (a different `name:`, e.g. suffixed `-{}`); if sharing is intended, say so with `# stackcheck: ignore[C109] <reason>` on this declaration",
            env_label(act.stack),
            env_label(act.stack)
        ));
    out.report(f);
}

fn report_dir(model: &StackModel, a: &Side<'_>, b: &Side<'_>, out: &mut Sink) {
    let (act, other) = order(a, b, model);
    let path = act.mount.host_path.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
    let written = act.mount.source.as_deref().unwrap_or(&path);
    out.report(
        Finding::new(
            &RULE,
            act.mount.span,
            format!(
                "the {} and {} stacks both write to host directory `{written}`: deploying {} changes {}'s data",
                env_label(act.stack),
                env_label(other.stack),
                env_label(act.stack),
                env_label(other.stack)
            ),
        )
        .label(format!("`{}` ({}) mounts it read-write", act.service.name, env_label(act.stack)))
        .related(
            other.mount.span,
            format!("`{}` ({}) mounts the same directory read-write", other.service.name, env_label(other.stack)),
        )
        .help(format!(
            "give {} its own directory (e.g. `./data-{}/...`), or mount it `:ro` where it is only read",
            env_label(act.stack),
            env_label(act.stack)
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind(src: &str, target: &str) -> Mount {
        Mount {
            span: Span::default(),
            kind: MountKind::Bind,
            source: Some(src.to_owned()),
            host_path: Some(src.into()),
            target: target.to_owned(),
            read_only: false,
            known: true,
        }
    }

    #[test]
    fn data_directories() {
        let yes =
            [("/srv/app/pgdata", "/var/lib/postgresql/data"), ("/srv/app/x", "/app/uploads"), ("/srv/media", "/m")];
        let relative = Mount { source: Some("./data".to_owned()), ..bind("/tmp/deploy/shop/data", "/data") };
        assert!(is_data_dir(&relative, Path::new("/tmp/deploy/shop/data")));
        for (s, t) in yes {
            assert!(is_data_dir(&bind(s, t), Path::new(s)), "{s}");
        }
        let no = [
            ("/srv/app/nginx.conf", "/etc/nginx/nginx.conf"),
            ("/etc/localtime", "/etc/localtime"),
            ("/srv/app/src", "/app/src"),
            ("/var/run/docker.sock", "/var/run/docker.sock"),
            ("/tmp/data", "/data"),
        ];
        for (s, t) in no {
            assert!(!is_data_dir(&bind(s, t), Path::new(s)), "{s}");
        }
    }
}
