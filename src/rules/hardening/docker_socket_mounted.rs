//! S801: the Docker socket mounted into a service that is not a Docker agent, or read-write into one that
//! only reads the Docker API.
use std::collections::HashSet;
use std::path::Path;

use crate::model::image::ImageRef;
use crate::model::{Mount, MountKind};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "S801",
    name: "docker-socket-mounted",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: false,
    doc: include_str!("../../../rules/docs/S801-docker-socket-mounted.md"),
    check,
};

/// Declared Docker agents: images whose documented job needs the Docker API, so that holding the socket
/// is what they are for. Mounted `:ro` they are silent; read-write they are reported, since none of them
/// needs to replace the socket file. Keep in sync with the rule's doc page.
const AGENTS: &[&str] = &[
    // Socket proxies: they hold the socket so that nothing else has to.
    "tecnativa/docker-socket-proxy",
    "linuxserver/socket-proxy",
    "wollomatic/socket-proxy",
    // Reverse proxies configured by container labels.
    "*/traefik",
    "nginxproxy/nginx-proxy",
    "jwilder/nginx-proxy",
    "nginxproxy/docker-gen",
    "jwilder/docker-gen",
    "nginxproxy/acme-companion",
    "jrcs/letsencrypt-nginx-proxy-companion",
    "lucaslorentz/caddy-docker-proxy",
    "sablierapp/sablier",
    // Container managers and their agents.
    "portainer/portainer",
    "portainer/portainer-ce",
    "portainer/portainer-ee",
    "portainer/agent",
    "louislam/dockge",
    "dokploy/dokploy",
    "dokploy/monitoring",
    "coollabsio/coolify",
    "coollabsio/coolify-helper",
    "coollabsio/sentinel",
    // Updaters and restarters.
    "containrrr/watchtower",
    "nickfedor/watchtower",
    "beatkind/watchtower",
    "pyouroboros/ouroboros",
    "willfarrell/autoheal",
    // CI runners that start job containers.
    "gitlab/gitlab-runner",
    "drone/drone-runner-docker",
    "woodpeckerci/woodpecker-agent",
    "gitea/act_runner",
    "myoung34/github-runner",
    // Monitoring, metrics and logs.
    "*/cadvisor",
    "netdata/netdata",
    "nicolargo/glances",
    "henrygd/beszel-agent",
    "amir20/dozzle",
    "louislam/uptime-kuma",
    "crazymax/diun",
    "sergi0g/cup",
    "gethomepage/homepage",
    "gliderlabs/logspout",
    "grafana/promtail",
    "grafana/alloy",
    "datadog/agent",
    "datadoghq/agent",
    "timberio/vector",
    "elastic/filebeat",
    "beats/filebeat",
    "elastic/metricbeat",
    "beats/metricbeat",
    "fluent/fluent-bit",
];

fn is_agent(svc: &Service) -> bool {
    let Some(image) = svc.image.as_ref().filter(|i| i.known).and_then(|i| ImageRef::parse(&i.value)) else {
        return false;
    };
    // A registry in front of the Docker Hub name (`ghcr.io/tecnativa/docker-socket-proxy`) counts too.
    image.is_one_of(AGENTS)
        || AGENTS.iter().filter(|n| !n.starts_with("*/")).any(|n| image.repo.ends_with(&format!("/{n}")))
}

/// Does this bind mount hand the Docker daemon's socket to the container: the socket itself, wherever it
/// lives (`/var/run/docker.sock`, rootless `$XDG_RUNTIME_DIR/docker.sock`), or the directory holding it?
fn is_socket_mount(m: &Mount) -> bool {
    if m.kind != MountKind::Bind || !m.known {
        return false;
    }
    let Some(path) = m.host_path.as_deref().or(m.source.as_deref().map(Path::new)) else { return false };
    path.file_name().is_some_and(|n| n == "docker.sock" || n == "podman.sock")
        || path == Path::new("/var/run")
        || path == Path::new("/run")
        || path == Path::new("/var/run/docker")
}

fn check(model: &StackModel, out: &mut Sink) {
    // A file shared by several stacks (base + override, base + prod variant) is reported once.
    let mut seen: HashSet<Span> = HashSet::new();
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            for m in svc.volumes.iter().filter(|m| is_socket_mount(m)) {
                let agent = is_agent(svc);
                if agent && m.read_only || !seen.insert(m.span) {
                    continue;
                }
                let socket = m
                    .host_path
                    .as_deref()
                    .and_then(|p| p.file_name())
                    .is_some_and(|n| n.to_string_lossy().ends_with(".sock"));
                let what = if socket {
                    "the Docker socket".to_owned()
                } else {
                    format!("`{}`, the directory holding the Docker socket", m.source.as_deref().unwrap_or(""))
                };
                let finding = if agent {
                    Finding::new(&RULE, m.span, format!("`{}` mounts {what} read-write", svc.name))
                        .label("no `:ro` on the socket mount")
                        .help("append `:ro`: it talks to the Docker API and never replaces the socket file; `:ro` does not limit API calls, a socket proxy (tecnativa/docker-socket-proxy) does")
                } else {
                    Finding::new(
                        &RULE,
                        m.span,
                        format!("`{}` mounts {what}: whoever controls this container controls every container on the host, and the host itself", svc.name),
                    )
                    .label(match (m.read_only, socket) {
                        (true, _) => "`:ro` does not stop API calls through the socket",
                        (false, true) => "Docker socket mounted here",
                        (false, false) => "the Docker socket is inside this directory",
                    })
                    .help("give it a socket proxy that allows only the API calls it needs (tecnativa/docker-socket-proxy, `DOCKER_HOST=tcp://socket-proxy:2375`); if it must drive Docker (a CI runner, a code executor), say so with `# stackcheck: ignore[S801] <reason>`")
                };
                out.report(finding);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::is_socket_mount;
    use crate::model::{Mount, MountKind};
    use crate::source::Span;

    fn bind(source: &str) -> Mount {
        Mount {
            span: Span::default(),
            kind: MountKind::Bind,
            source: Some(source.to_owned()),
            host_path: Some(PathBuf::from(source)),
            target: "/x".to_owned(),
            read_only: false,
            known: true,
        }
    }

    #[test]
    fn socket_mounts() {
        assert!(is_socket_mount(&bind("/var/run/docker.sock")));
        assert!(is_socket_mount(&bind("/run/user/1000/docker.sock")));
        assert!(is_socket_mount(&bind("/run/podman/podman.sock")));
        assert!(is_socket_mount(&bind("/var/run")));
        assert!(!is_socket_mount(&bind("/var/run/postgresql")));
        assert!(!is_socket_mount(&bind("/srv/app/docker.sock.d")));
        assert!(!is_socket_mount(&Mount { known: false, ..bind("/var/run/docker.sock") }));
        assert!(!is_socket_mount(&Mount { kind: MountKind::Volume, ..bind("/var/run/docker.sock") }));
    }
}
