//! `stackcheck.toml` / `.stackcheck.toml`: found upward from the checked path, every key spec.md lists.
//! Unknown keys and bad values are usage errors (exit 2) with a diagnostic pointing into the TOML.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::finding::Severity;

pub const FILE_NAMES: [&str; 2] = ["stackcheck.toml", ".stackcheck.toml"];

/// A configuration problem: where in the file, and what.
#[derive(Clone, Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub text: String,
    /// Byte range in `text` (None when the file could not be read).
    pub range: Option<Range<usize>>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file it was read from; relative paths in it are relative to its directory.
    pub path: PathBuf,
    pub dir: PathBuf,
    pub host: Host,
    pub traefik: Traefik,
    pub stacks: Vec<StackConfig>,
    pub dns: Dns,
    pub rules: Rules,
    /// `[env]`: extra interpolation variables (defined for every stack).
    pub env: BTreeMap<String, String>,
    /// The file's text, so that findings can point into it.
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyKind {
    Nginx,
    Traefik,
    Caddy,
    None,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    pub public_ip: Option<Spanned<std::net::Ipv4Addr>>,
    pub public_ipv6: Option<Spanned<std::net::Ipv6Addr>>,
    /// Host ports taken by services outside the stacks: port → what holds it.
    #[serde(default)]
    pub reserved_ports: BTreeMap<String, String>,
    pub proxy: Option<ProxyKind>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traefik {
    pub network: Option<String>,
    pub version: Option<Spanned<u8>>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackConfig {
    pub name: String,
    /// `docker compose -p`.
    pub project: Option<Spanned<String>>,
    #[serde(default)]
    pub compose: Vec<String>,
    #[serde(default)]
    pub env_file: Vec<String>,
    pub template: Option<String>,
    #[serde(default)]
    pub domains: Vec<Spanned<String>>,
    #[serde(default)]
    pub profiles: Vec<String>,
    /// Stacks with the same host run side by side (default: one host for every declared stack).
    pub host: Option<String>,
    pub apply: Option<toml::Table>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DnsMode {
    #[default]
    Off,
    File,
    Live,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dns {
    pub mode: Option<DnsMode>,
    /// A zone file, or inline records (`[dns.records]`).
    pub records: Option<DnsRecords>,
    /// Live mode: the name servers to ask (`"127.0.0.1:5353"`, `"192.0.2.53"` for port 53) instead of
    /// the system's resolv.conf.
    #[serde(default)]
    pub nameservers: Vec<Spanned<String>>,
    /// Live mode: the per-query timeout, `"2s"`, `"500ms"` or seconds as a number (default 2 s).
    pub timeout: Option<Spanned<toml::Value>>,
}

impl Dns {
    /// `nameservers`, parsed (validated when the config was read).
    pub fn nameserver_addrs(&self) -> Vec<std::net::SocketAddr> {
        self.nameservers.iter().filter_map(|s| parse_nameserver(s.get_ref())).collect()
    }

    /// `timeout`, parsed (validated when the config was read).
    pub fn timeout(&self) -> Option<std::time::Duration> {
        self.timeout.as_ref().and_then(|t| parse_timeout(t.get_ref()))
    }
}

/// A name server address: `ip:port`, `[v6]:port`, or an address alone (port 53).
pub fn parse_nameserver(s: &str) -> Option<std::net::SocketAddr> {
    let s = s.trim();
    s.parse::<std::net::SocketAddr>()
        .ok()
        .or_else(|| s.parse::<std::net::IpAddr>().ok().map(|ip| std::net::SocketAddr::new(ip, 53)))
}

/// A DNS timeout: `"2s"`, `"500ms"`, `"1.5s"` or a number of seconds, more than 0 and at most 60 s.
fn parse_timeout(v: &toml::Value) -> Option<std::time::Duration> {
    let secs = match v {
        toml::Value::Integer(i) => *i as f64,
        toml::Value::Float(f) => *f,
        toml::Value::String(s) => {
            let s = s.trim();
            if let Some(ms) = s.strip_suffix("ms") {
                ms.trim().parse::<f64>().ok()? / 1000.0
            } else {
                s.strip_suffix('s').unwrap_or(s).trim().parse::<f64>().ok()?
            }
        }
        _ => return None,
    };
    (secs > 0.0 && secs <= 60.0).then(|| std::time::Duration::from_secs_f64(secs))
}

#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum DnsRecords {
    File(String),
    Inline(BTreeMap<String, toml::Value>),
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default)]
    pub select: Vec<Spanned<String>>,
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    #[serde(default)]
    pub severity: BTreeMap<String, Spanned<String>>,
    /// Declarative requirements (E209), in the rule packs' format (`crate::packs`).
    #[serde(default)]
    pub require: Vec<crate::packs::RawRequirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    host: Host,
    #[serde(default)]
    traefik: Traefik,
    #[serde(default)]
    stack: Vec<StackConfig>,
    #[serde(default)]
    dns: Dns,
    #[serde(default)]
    rules: Rules,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

/// The config file for a run: `explicit` (`--config`), else the first `stackcheck.toml` or
/// `.stackcheck.toml` found going up from `start`.
pub fn find(start: &Path, explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    let start = if start.is_file() { start.parent().unwrap_or(start) } else { start };
    let abs = std::path::absolute(start).ok()?;
    let mut dir = Some(abs.as_path());
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let candidate = d.join(name);
            if candidate.is_file() {
                // Relative to the working directory when under it: every path derived from the config
                // (stacks, env files, the zone file) is then shown as the user typed the run.
                let cwd = std::env::current_dir().ok();
                return Some(match cwd.as_deref().and_then(|c| candidate.strip_prefix(c).ok()) {
                    Some(rel) => rel.to_path_buf(),
                    None => candidate,
                });
            }
        }
        dir = d.parent();
    }
    None
}

/// Reads and validates a config file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        text: String::new(),
        range: None,
        message: format!("cannot read the configuration: {e}"),
    })?;
    parse(path, &text)
}

pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let err = |range: Option<Range<usize>>, message: String| ConfigError {
        path: path.to_path_buf(),
        text: text.to_owned(),
        range,
        message,
    };
    let raw: Raw = toml::from_str(text).map_err(|e| err(e.span(), e.message().trim().to_owned()))?;
    for port in raw.host.reserved_ports.keys() {
        if port.parse::<u16>().is_err() {
            return Err(err(find_key(text, port), format!("`{port}` in [host] reserved_ports is not a port number")));
        }
    }
    if let Some(v) = &raw.traefik.version
        && !matches!(*v.get_ref(), 2 | 3)
    {
        return Err(err(Some(v.span()), "[traefik] version must be 2 or 3".to_owned()));
    }
    for s in raw.rules.select.iter().chain(&raw.rules.ignore) {
        if !crate::rules::is_known_selector(s.get_ref()) {
            return Err(err(Some(s.span()), format!("unknown rule selector `{}`", s.get_ref())));
        }
    }
    for (code, sev) in &raw.rules.severity {
        if crate::rules::find(code).is_none() {
            return Err(err(find_key(text, code), format!("unknown rule `{code}` in [rules] severity")));
        }
        if Severity::parse(sev.get_ref()).is_none() {
            return Err(err(
                Some(sev.span()),
                format!("severity must be error, warning or info, not `{}`", sev.get_ref()),
            ));
        }
    }
    for (i, r) in raw.rules.require.iter().enumerate() {
        if let Err(m) = crate::packs::requirement("config", r) {
            let at = text.match_indices("[[rules.require]]").nth(i).map(|(p, _)| p..p + "[[rules.require]]".len());
            return Err(err(at, format!("[[rules.require]]: {m}")));
        }
    }
    for ns in &raw.dns.nameservers {
        if parse_nameserver(ns.get_ref()).is_none() {
            return Err(err(
                Some(ns.span()),
                format!("`{}` in [dns] nameservers is not an address (e.g. \"127.0.0.1:5353\")", ns.get_ref()),
            ));
        }
    }
    if let Some(t) = &raw.dns.timeout
        && parse_timeout(t.get_ref()).is_none()
    {
        return Err(err(
            Some(t.span()),
            "[dns] timeout must be a duration up to 60 s, e.g. \"2s\" or \"500ms\"".to_owned(),
        ));
    }
    let mut names = std::collections::HashSet::new();
    for s in &raw.stack {
        if !names.insert(s.name.as_str()) {
            return Err(err(find_key(text, &s.name), format!("two [[stack]] entries are named `{}`", s.name)));
        }
        if s.compose.is_empty() {
            return Err(err(find_key(text, &s.name), format!("[[stack]] `{}` lists no compose file", s.name)));
        }
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    Ok(Config {
        path: path.to_path_buf(),
        dir,
        host: raw.host,
        traefik: raw.traefik,
        stacks: raw.stack,
        dns: raw.dns,
        rules: raw.rules,
        env: raw.env,
        text: text.to_owned(),
    })
}

/// The position of a quoted or bare key/value in the text, for errors serde cannot place.
fn find_key(text: &str, needle: &str) -> Option<Range<usize>> {
    let quoted = format!("\"{needle}\"");
    text.find(&quoted).map(|i| i..i + quoted.len()).or_else(|| text.find(needle).map(|i| i..i + needle.len()))
}

impl Config {
    /// Severity overrides by code.
    pub fn severity_of(&self, code: &str, name: &str) -> Option<Severity> {
        self.rules
            .severity
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(code) || *k == name)
            .and_then(|(_, v)| Severity::parse(v.get_ref()))
    }

    /// Where `[host] reserved_ports` lists a port (the key `3000` of `{ 3000 = "dokploy" }`).
    pub fn reserved_port_range(&self, port: &str) -> Option<Range<usize>> {
        let from = self.text.find("reserved_ports")?;
        let rest = self.text.get(from..)?;
        let mut at = 0;
        while let Some(i) = rest.get(at..).and_then(|r| r.find(port)) {
            let start = at + i;
            let before = rest.get(..start).and_then(|b| b.chars().next_back());
            let after = rest.get(start + port.len()..).unwrap_or("").trim_start_matches([' ', '"', '\'']);
            if !before.is_some_and(|c| c.is_ascii_digit()) && after.starts_with('=') {
                let quoted = before == Some('"') || before == Some('\'');
                let (s, e) = if quoted { (start - 1, start + port.len() + 1) } else { (start, start + port.len()) };
                return Some(from + s..from + e);
            }
            at = start + port.len();
        }
        None
    }

    pub fn resolve(&self, p: &str) -> PathBuf {
        crate::compose::convert::resolve_path(&self.dir, p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
[host]
public_ip = "203.0.113.10"
reserved_ports = { 3000 = "dokploy", 8000 = "n8n" }
proxy = "traefik"

[traefik]
network = "traefik-public"
version = 3

[[stack]]
name = "prod"
project = "recyclic-prod"
compose = ["docker-compose.prod.yml"]
env_file = [".env.production"]
template = "env.production.example"
domains = ["recyclic.example.org"]

[dns]
mode = "file"
records = "deploy/dns.zone"

[rules]
select = ["ALL"]
ignore = ["E207"]
severity = { C101 = "warning" }

[[rules.require]]
when = { ENVIRONMENT = "production" }
require = ["SENTRY_DSN"]
"#;

    #[test]
    fn spec_example_parses() {
        let c = parse(Path::new("stackcheck.toml"), FULL).expect("valid");
        assert_eq!(c.host.public_ip.as_ref().map(|ip| ip.get_ref().to_string()).as_deref(), Some("203.0.113.10"));
        assert_eq!(c.host.proxy, Some(ProxyKind::Traefik));
        assert_eq!(c.stacks.len(), 1);
        assert_eq!(c.stacks[0].domains[0].get_ref(), "recyclic.example.org");
        assert!(matches!(c.dns.records, Some(DnsRecords::File(_))));
        assert_eq!(c.severity_of("C101", "host-port-conflict"), Some(Severity::Warning));
        assert_eq!(c.rules.require[0].require, ["SENTRY_DSN"]);
        let r = c.reserved_port_range("8000").expect("listed");
        assert_eq!(&FULL[r], "8000");
        assert!(c.reserved_port_range("800").is_none());
        let p = c.stacks[0].project.as_ref().expect("project");
        assert_eq!(&FULL[p.span()], "\"recyclic-prod\"");
    }

    #[test]
    fn unknown_keys_and_bad_values_point_into_the_file() {
        let text = "[host]\npublic_ip = \"203.0.113.10\"\nproxi = \"nginx\"\n";
        let e = parse(Path::new("s.toml"), text).expect_err("unknown key");
        let r = e.range.expect("range");
        assert_eq!(&text[r], "proxi", "{}", e.message);
        let text = "[host]\npublic_ip = \"999.1.1.1\"\n";
        let e = parse(Path::new("s.toml"), text).expect_err("bad ip");
        assert!(e.range.is_some(), "{}", e.message);
        let text = "[rules]\nselect = [\"C1\", \"Z9\"]\n";
        let e = parse(Path::new("s.toml"), text).expect_err("bad selector");
        assert_eq!(&text[e.range.expect("range")], "\"Z9\"");
        let text = "[rules]\nseverity = { C101 = \"fatal\" }\n";
        assert!(parse(Path::new("s.toml"), text).is_err());
        let text = "[traefik]\nversion = 4\n";
        assert!(parse(Path::new("s.toml"), text).is_err());
    }

    #[test]
    fn live_dns_settings() {
        let text = "[dns]\nmode = \"live\"\nnameservers = [\"127.0.0.1:5353\", \"::1\"]\ntimeout = \"500ms\"\n";
        let c = parse(Path::new("s.toml"), text).expect("valid");
        assert_eq!(c.dns.mode, Some(DnsMode::Live));
        let addrs: Vec<String> = c.dns.nameserver_addrs().iter().map(ToString::to_string).collect();
        assert_eq!(addrs, ["127.0.0.1:5353", "[::1]:53"]);
        assert_eq!(c.dns.timeout(), Some(std::time::Duration::from_millis(500)));
        let c = parse(Path::new("s.toml"), "[dns]\ntimeout = 3\n").expect("valid");
        assert_eq!(c.dns.timeout(), Some(std::time::Duration::from_secs(3)));
        let text = "[dns]\nnameservers = [\"ns1.example.org\"]\n";
        let e = parse(Path::new("s.toml"), text).expect_err("not an address");
        assert_eq!(&text[e.range.expect("range")], "\"ns1.example.org\"");
        for bad in ["0", "\"forever\"", "120", "\"-1s\""] {
            let text = format!("[dns]\ntimeout = {bad}\n");
            assert!(parse(Path::new("s.toml"), &text).is_err(), "{bad}");
        }
    }

    #[test]
    fn inline_dns_records() {
        let text = "[dns]\nmode = \"file\"\n[dns.records]\n\"app.example.org\" = [\"203.0.113.10\"]\n";
        let c = parse(Path::new("s.toml"), text).expect("valid");
        assert!(matches!(c.dns.records, Some(DnsRecords::Inline(ref m)) if m.contains_key("app.example.org")));
    }
}
