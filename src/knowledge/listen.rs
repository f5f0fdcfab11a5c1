//! The ports an app listens on inside its container, when they can be known with confidence: known image
//! defaults, the command's `--port`/`--bind`/`-p`, the Dockerfile's `CMD` and `EXPOSE`, `PORT=`. Read by
//! C118 and by the routing graph (the last hop of a route: does anything listen on the port a proxy dials?).
use crate::knowledge::images::{default_listen_ports, port_overrides};
use crate::model::{Service, StackModel};
use crate::rules::common::{exposed_ports, run_image};
use crate::source::Span;
use crate::sources::dockerfile::Stage;

/// What a command line says about listen ports.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CommandPorts {
    pub ports: Vec<u16>,
    /// The command may set the port in a way not read here (a config file, a variable, an unknown flag).
    pub uncertain: bool,
}

/// Programs whose `-p N` is the listen port.
const DASH_P_SERVERS: [&str; 9] =
    ["next", "rails", "flask", "serve", "http-server", "puma", "rackup", "json-server", "nuxt"];
/// Programs whose `-b HOST:PORT` is the listen address.
const DASH_B_SERVERS: [&str; 4] = ["gunicorn", "daphne", "hypercorn", "uvicorn"];

fn port_of(addr: &str) -> Option<u16> {
    let a = addr.trim_matches(['"', '\'']);
    let p = a.rsplit_once(':').map_or(a, |(_, p)| p);
    p.parse().ok()
}

/// Reads listen ports from a command: `--port N`, `--port=N`, `--bind H:N`, `-b H:N` (gunicorn...),
/// `-p N` (next, rails, flask...), `--listen H:N`, `--server.port N`, `--web.listen-address=:N`,
/// `runserver H:N`, `php -S H:N`, `http.server N`.
pub fn command_ports(words: &[String]) -> CommandPorts {
    let mut out = CommandPorts::default();
    let text = words.join(" ");
    let tokens: Vec<&str> =
        text.split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|').filter(|t| !t.is_empty()).collect();
    let mut programs: Vec<&str> = Vec::new();
    let mut i = 0;
    while let Some(&tok) = tokens.get(i) {
        i += 1;
        let base = tok.trim_matches(['"', '\'']).rsplit('/').next().unwrap_or(tok);
        if !tok.starts_with('-') {
            programs.push(base);
        }
        let lower = base.to_ascii_lowercase();
        if [".conf", ".cnf", ".yml", ".yaml", ".toml", ".ini", ".json", ".cfg", ".py", ".sh"]
            .iter()
            .any(|e| lower.ends_with(e))
            && !lower.ends_with("manage.py")
        {
            out.uncertain = true;
        }
        let (flag, inline) = match tok.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f, Some(v)),
            _ => (tok, None),
        };
        let takes = match flag {
            "--port"
            | "--server.port"
            | "--http-port"
            | "--listen-port"
            | "--bind"
            | "--listen"
            | "--web.listen-address"
            | "--http" => true,
            "-p" => programs.iter().any(|p| DASH_P_SERVERS.contains(p)),
            "-b" => programs.iter().any(|p| DASH_B_SERVERS.contains(p)),
            "-S" => programs.iter().any(|p| p.starts_with("php")),
            _ => {
                let f = flag.to_ascii_lowercase();
                if f.starts_with('-')
                    && (f.contains("port") || f.contains("listen") || f.contains("bind") || f.contains("addr"))
                {
                    out.uncertain = true;
                }
                // `postgres -c port=5433`, `--set http_port=8081`: a setting this rule does not read.
                let t = tok.to_ascii_lowercase();
                if ["port=", "_port", "-port", ".port", "listen="].iter().any(|m| t.contains(m)) {
                    out.uncertain = true;
                }
                if matches!(base, "runserver" | "http.server") {
                    if let Some(next) = tokens.get(i).filter(|t| !t.starts_with('-')) {
                        match port_of(next) {
                            Some(p) => out.ports.push(p),
                            None => out.uncertain = true,
                        }
                    } else {
                        // Both default to port 8000.
                        out.ports.push(8000);
                    }
                }
                false
            }
        };
        if !takes {
            continue;
        }
        let value = match inline {
            Some(v) => Some(v),
            None => {
                i += 1;
                tokens.get(i - 1).copied()
            }
        };
        match value.and_then(port_of) {
            Some(p) => out.ports.push(p),
            None => out.uncertain = true,
        }
    }
    if text.contains('$') {
        out.uncertain = true;
    }
    out
}

/// The last `CMD`/`ENTRYPOINT` words of a chain of stages.
fn dockerfile_command(stages: &[&Stage]) -> Vec<String> {
    let mut words = Vec::new();
    for keyword in ["ENTRYPOINT", "CMD"] {
        if let Some(i) = stages.iter().rev().find_map(|s| s.all(keyword).last()) {
            match &i.exec {
                Some(items) => words.extend(items.iter().cloned()),
                None => words.extend(i.args.split_whitespace().map(str::to_owned)),
            }
        }
    }
    words
}

/// The ports a service listens on, why they are known, and where (span, what it says) for related labels.
pub struct Listening {
    pub ports: Vec<u16>,
    pub why: String,
    pub evidence: Vec<(Span, String)>,
}

pub fn listen_ports(model: &StackModel, svc: &Service) -> Option<Listening> {
    let run = run_image(model, svc)?;
    let compose_cmd: Vec<String> =
        svc.entrypoint.iter().chain(svc.command.iter()).flat_map(|c| c.items.iter().map(|t| t.value.clone())).collect();
    if svc.entrypoint.iter().chain(svc.command.iter()).any(|c| c.items.iter().any(|t| !t.known)) {
        return None;
    }
    let mut ports = Vec::new();
    let mut why: Vec<String> = Vec::new();
    let mut evidence: Vec<(Span, String)> = Vec::new();
    let cmd = command_ports(&compose_cmd);
    if cmd.uncertain {
        return None;
    }
    if !cmd.ports.is_empty() {
        ports.extend(&cmd.ports);
        why.push("its command".to_owned());
        if let Some(c) = svc.command.as_ref().or(svc.entrypoint.as_ref()) {
            evidence.push((c.span, "the command sets the listen port".to_owned()));
        }
    }
    if run.stages.is_empty() {
        // A pulled image: its documented default, unless configuration changes it.
        if let Some(defaults) = default_listen_ports(&run.image) {
            let (paths, vars) = port_overrides(&run.image);
            let config_mounted = svc.volumes.iter().any(|m| paths.iter().any(|p| m.target.starts_with(p)))
                || svc.node.get("configs").is_some();
            let var_set = vars.iter().any(|v| svc.env(v).is_some());
            if config_mounted
                || var_set
                || (!compose_cmd.is_empty() && cmd.ports.is_empty() && !plain_server_command(&compose_cmd))
            {
                return None;
            }
            if cmd.ports.is_empty() {
                ports.extend_from_slice(defaults);
                why.push(format!("the default of `{}`", run.image.repo));
                evidence.push((
                    run.span,
                    format!(
                        "`{}` listens on {} unless configured otherwise",
                        run.image.repo,
                        defaults.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
    } else {
        if compose_cmd.is_empty() {
            let df = command_ports(&dockerfile_command(&run.stages));
            if df.uncertain {
                return None;
            }
            if !df.ports.is_empty() {
                ports.extend(&df.ports);
                why.push("the Dockerfile's CMD".to_owned());
            }
        }
        let exposed = exposed_ports(&run.stages);
        if !exposed.is_empty() {
            ports.extend(exposed);
            why.push("the Dockerfile's EXPOSE".to_owned());
            if let Some(i) = run.stages.iter().rev().find_map(|s| s.all("EXPOSE").last()) {
                evidence.push((i.span, "the image declares its port here".to_owned()));
            }
        }
        if let Some(p) =
            svc.env("PORT").filter(|e| e.known).and_then(|e| e.value.as_deref()?.trim().parse::<u16>().ok())
        {
            ports.push(p);
            why.push("`PORT`".to_owned());
        }
    }
    if ports.is_empty() {
        return None;
    }
    ports.sort_unstable();
    ports.dedup();
    Some(Listening { ports, why: why.join(" and "), evidence })
}

/// A compose command that only passes options to the image's own server (`redis-server --appendonly yes`,
/// `postgres -c shared_buffers=256MB`, `--default-authentication-plugin=...`): the default port holds.
pub fn plain_server_command(words: &[String]) -> bool {
    let first = words.first().and_then(|w| w.split_whitespace().next()).unwrap_or("");
    let base = first.rsplit('/').next().unwrap_or(first);
    first.starts_with('-')
        || matches!(
            base,
            "redis-server" | "postgres" | "mysqld" | "mariadbd" | "mongod" | "memcached" | "nginx" | "httpd-foreground"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(s: &str) -> CommandPorts {
        command_ports(&s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
    }

    #[test]
    fn command_flags() {
        assert_eq!(cmd("uvicorn app.main:app --host 0.0.0.0 --port 8000").ports, vec![8000]);
        assert_eq!(cmd("gunicorn -b 0.0.0.0:5000 app:app").ports, vec![5000]);
        assert_eq!(cmd("next start -p 3001").ports, vec![3001]);
        assert_eq!(cmd("python manage.py runserver 0.0.0.0:8080").ports, vec![8080]);
        assert_eq!(cmd("php -S 0.0.0.0:8000 -t public").ports, vec![8000]);
        assert_eq!(cmd("redis-server --port 6380").ports, vec![6380]);
        assert!(cmd("mkdir -p /data").ports.is_empty());
        assert!(cmd("uvicorn app:app --port $$PORT").uncertain);
        assert!(cmd("redis-server /usr/local/etc/redis/redis.conf").uncertain);
        assert!(cmd("server --grpc-port 9000").uncertain);
        assert_eq!(cmd("redis-server --appendonly yes"), CommandPorts::default());
        assert!(cmd("postgres -c port=5433").uncertain);
        assert!(plain_server_command(&["postgres -c shared_buffers=256MB".to_owned()]));
    }
}
