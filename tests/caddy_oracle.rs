//! Differential test of the Caddyfile parser against the real Caddy (`caddy adapt`, installed by
//! `.ci/run`): for every Caddyfile of the corpus and of `tests/caddy_cases/`, with the variables its
//! stack gives it (and, for the corpus, also with an empty environment):
//! - when Caddy adapts it, we report no error, and the sites (listen port + host) and the proxy
//!   upstreams (dial addresses) per site are the ones in Caddy's JSON;
//! - when Caddy rejects it for a reason our parser covers (syntax, imports, structure), we reject it
//!   too, with our first error on the line Caddy names (when it names one).
//!
//! Caddy options newer than the installed Caddy (`unrecognized global option: X` where X is a real
//! option of later versions) are commented out in a scratch copy, as the corpus VALIDATION files do.
//!
//! A case file may start with `# oracle-env: NAME=value NAME2=value2` lines.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use stackcheck::source::{FileId, LineIndex};
use stackcheck::sources::caddy::{
    self, Caddyfile, Dialect, ImportResolver, ImportedFile, Options, ParseError, build_model,
};

/// Files by id, read from disk as imports need them.
#[derive(Default)]
struct Files {
    paths: Vec<PathBuf>,
    texts: Vec<Arc<str>>,
}

impl Files {
    fn add(&mut self, path: PathBuf, text: Arc<str>) -> FileId {
        if let Some(i) = self.paths.iter().position(|p| *p == path) {
            return FileId(i as u32);
        }
        self.paths.push(path);
        self.texts.push(text);
        FileId(self.paths.len() as u32 - 1)
    }

    fn line(&self, file: FileId, offset: u32) -> usize {
        let text = &self.texts[file.0 as usize];
        LineIndex::new(text).line_of(offset) + 1
    }
}

/// Resolves imports on disk: relative to the importing file, one `*` glob in the last element.
impl ImportResolver for Files {
    fn resolve(&mut self, from: FileId, pattern: &str) -> Result<Vec<ImportedFile>, String> {
        let base = self.paths[from.0 as usize].parent().map(Path::to_path_buf).unwrap_or_default();
        let full = if Path::new(pattern).is_absolute() { PathBuf::from(pattern) } else { base.join(pattern) };
        let mut matches = Vec::new();
        if caddy::is_glob(pattern) {
            let dir = full.parent().map(Path::to_path_buf).unwrap_or_default();
            let last = full.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let (pre, post) = last.split_once('*').unwrap_or((last.as_str(), ""));
            if let Ok(rd) = std::fs::read_dir(&dir) {
                for e in rd.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if name.starts_with(pre)
                        && name.ends_with(post)
                        && name.len() >= pre.len() + post.len()
                        && !(last.starts_with('*') && name.starts_with('.'))
                    {
                        matches.push(e.path());
                    }
                }
            }
            matches.sort();
        } else {
            if !full.exists() {
                return Err(format!("file to import not found: {pattern}"));
            }
            matches.push(full);
        }
        let mut out = Vec::new();
        for m in matches {
            if m.is_dir() {
                return Err(format!("could not import {}: is a directory", m.display()));
            }
            let text: Arc<str> = std::fs::read_to_string(&m).map_err(|e| format!("could not import: {e}"))?.into();
            let file = self.add(m, text.clone());
            out.push(ImportedFile { file, text });
        }
        Ok(out)
    }
}

/// The parse, its errors (parser and model), its warnings, and the files read.
fn parse_file(path: &Path, env: &HashMap<String, String>) -> (Caddyfile, Vec<ParseError>, Vec<ParseError>, Files) {
    let text: Arc<str> = std::fs::read_to_string(path).unwrap().into();
    let mut files = Files::default();
    let id = files.add(path.to_path_buf(), text.clone());
    let lookup = |k: &str| env.get(k).cloned();
    let opts = Options { dialect: Dialect::V2_6, ..Options::default() };
    let cf = caddy::parse(id, &text, &lookup, &mut files, &opts);
    let model = build_model(&cf);
    let mut errors = cf.errors.clone();
    errors.extend(model.errors.iter().cloned());
    let warnings = cf.warnings.clone();
    (cf, errors, warnings, files)
}

/// (listen port, host or "" for any host) -> dial addresses.
type Sites = BTreeMap<(u16, String), BTreeSet<String>>;

fn our_sites(cf: &Caddyfile) -> Sites {
    let model = build_model(cf);
    let mut out = Sites::new();
    for site in &model.sites {
        let dials: BTreeSet<String> = site.upstreams.iter().map(|u| u.dial()).collect();
        for a in &site.addresses {
            let host = if site.catch_all_on(a.listen_port) { String::new() } else { a.host.clone() };
            out.entry((a.listen_port, host)).or_default().extend(dials.iter().cloned());
        }
    }
    out
}

fn collect_dials(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            if m.get("handler").and_then(|h| h.as_str()) == Some("reverse_proxy") {
                for u in m.get("upstreams").and_then(|u| u.as_array()).into_iter().flatten() {
                    if let Some(d) = u.get("dial").or(u.get("lookup_srv")).and_then(|d| d.as_str()) {
                        out.insert(d.to_string());
                    }
                }
            }
            for x in m.values() {
                collect_dials(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_dials(x, out)),
        _ => {}
    }
}

fn caddy_sites(json: &serde_json::Value) -> Sites {
    let mut out = Sites::new();
    let servers = json.pointer("/apps/http/servers").and_then(|s| s.as_object());
    for server in servers.into_iter().flat_map(|s| s.values()) {
        let ports: Vec<u16> = server["listen"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_str()?.rsplit(':').next()?.parse().ok())
            .collect();
        for route in server["routes"].as_array().into_iter().flatten() {
            let mut hosts: Vec<String> = route["match"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|m| m["host"].as_array().cloned().unwrap_or_default())
                .filter_map(|h| h.as_str().map(str::to_string))
                .collect();
            if hosts.is_empty() {
                hosts.push(String::new());
            }
            let mut dials = BTreeSet::new();
            collect_dials(route, &mut dials);
            for p in &ports {
                for h in &hosts {
                    out.entry((*p, h.clone())).or_default().extend(dials.iter().cloned());
                }
            }
        }
    }
    out
}

/// Global options of later Caddy versions that 2.6 does not know.
const NEWER_GLOBAL_OPTIONS: &[&str] = &["persist_config", "renew_interval", "metrics", "log_credentials"];

struct CaddyRun {
    json: Option<serde_json::Value>,
    error: String,
}

fn run_caddy(path: &Path, env: &HashMap<String, String>) -> CaddyRun {
    let mut cmd = Command::new("caddy");
    cmd.args(["adapt", "--adapter", "caddyfile", "--config"]).arg(path);
    cmd.env_clear();
    for k in ["PATH", "HOME"] {
        if let Ok(v) = std::env::var(k) {
            cmd.env(k, v);
        }
    }
    cmd.envs(env);
    let out = cmd.output().expect("caddy must run: install it (apt-get install -y caddy)");
    if out.status.success() {
        let json = serde_json::from_slice(&out.stdout).expect("caddy adapt prints JSON");
        CaddyRun { json: Some(json), error: String::new() }
    } else {
        CaddyRun { json: None, error: String::from_utf8_lossy(&out.stderr).into_owned() }
    }
}

/// The file name and line Caddy's error names, if any.
fn error_location(msg: &str) -> Option<(String, usize)> {
    let re = regex_lite::Regex::new(r"(?:^|\s)([^\s:'\[(]+):(\d+)(?: - |:|,|$)").unwrap();
    re.captures_iter(msg)
        .filter_map(|c| Some((c.get(1)?.as_str().to_string(), c.get(2)?.as_str().parse().ok()?)))
        .find(|(f, _)| !f.starts_with("http") && f.chars().any(|ch| ch.is_ascii_alphabetic()))
}

/// Caddy errors our parser and model are expected to reproduce.
fn is_covered(msg: &str) -> bool {
    const COVERED: &[&str] = &[
        "Error during parsing",
        "yntax error",
        "Unexpected",
        "unexpected",
        "server block without any key",
        "ambiguous site definition",
        "File to import not found",
        "cycle of imports",
        "Site addresses cannot",
        "Expected another address",
        "snippet",
        "Could not import",
        "Import requires",
        "Glob pattern",
        "invalid port",
        "violate convention",
        "is out of range",
    ];
    if let Some(d) = msg.split("unrecognized directive: ").nth(1) {
        let d = d.split_whitespace().next().unwrap_or("");
        return d.contains(['.', ':', '/']) || d.starts_with('(');
    }
    if let Some(opt) = msg.split("unrecognized global option: ").nth(1) {
        let opt = opt.split_whitespace().next().unwrap_or("");
        return opt.starts_with('@')
            || ["reverse_proxy", "file_server", "respond", "redir", "root", "handle", "route"].contains(&opt);
    }
    // Directive argument errors inside handlers (other than the upstream rules we model) are not ours.
    if msg.contains("parsing caddyfile tokens for") {
        return msg.contains("reverse_proxy") && (msg.contains("upstream") || msg.contains("scheme"));
    }
    COVERED.iter().any(|c| msg.contains(c))
}

struct Case {
    path: PathBuf,
    env: HashMap<String, String>,
    /// The directory to copy when the file must be edited (imports are relative to it).
    label: String,
}

fn env_header(text: &str) -> HashMap<String, String> {
    let mut env = HashMap::new();
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("# oracle-env:") {
            for kv in rest.split_whitespace() {
                if let Some((k, v)) = kv.split_once('=') {
                    env.insert(k.to_string(), v.to_string());
                }
            }
        }
    }
    env
}

fn corpus_env(path: &Path) -> HashMap<String, String> {
    // The values the corpus stacks' compose files give the caddy service (see the corpus VALIDATION).
    let p = path.to_string_lossy();
    let pairs: &[(&str, &str)] = if p.contains("ghost-docker") {
        &[("DOMAIN", "app.example.com"), ("ACTIVITYPUB_TARGET", "https://ap.ghost.org"), ("ADMIN_DOMAIN", "")]
    } else if p.contains("baserow") {
        &[
            ("BASEROW_CADDY_ADDRESSES", ":80"),
            ("BASEROW_PUBLIC_URL", "http://localhost"),
            ("PRIVATE_BACKEND_URL", "http://backend:8000"),
            ("PRIVATE_WEB_FRONTEND_URL", "http://web-frontend:3000"),
        ]
    } else {
        &[]
    };
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let mut stack = vec![corpus];
    let mut corpus_files = Vec::new();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n.to_string_lossy().to_lowercase().contains("caddyfile")) {
                corpus_files.push(p);
            }
        }
    }
    corpus_files.sort();
    for p in corpus_files {
        let env = corpus_env(&p);
        if !env.is_empty() {
            out.push(Case { path: p.clone(), env: HashMap::new(), label: format!("{} (empty env)", p.display()) });
        }
        out.push(Case { label: p.display().to_string(), path: p, env });
    }
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/caddy_cases");
    let mut own_files: Vec<PathBuf> = std::fs::read_dir(&own)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "Caddyfile"))
        .collect();
    own_files.sort();
    for p in own_files {
        let env = env_header(&std::fs::read_to_string(&p).unwrap());
        out.push(Case { label: p.display().to_string(), path: p, env });
    }
    out
}

/// Copies the file's directory to a scratch place (so imports still resolve) and comments out a line.
fn scratch_without_line(path: &Path, line: usize, tmp: &Path) -> PathBuf {
    let dir = path.parent().unwrap();
    let dest = tmp.join(format!("copy{}", std::fs::read_dir(tmp).unwrap().count()));
    copy_dir(dir, &dest, 0);
    let target = dest.join(path.file_name().unwrap());
    let text = std::fs::read_to_string(&target).unwrap();
    let edited: Vec<String> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| if i + 1 == line { format!("#{l}") } else { l.to_string() })
        .collect();
    std::fs::write(&target, edited.join("\n")).unwrap();
    target
}

fn copy_dir(from: &Path, to: &Path, depth: usize) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            if depth < 2 {
                copy_dir(&p, &to.join(e.file_name()), depth + 1);
            }
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn caddy_adapt_agrees() {
    let version = Command::new("caddy").arg("version").output();
    let ok = version.as_ref().is_ok_and(|o| o.status.success());
    assert!(ok, "the `caddy` binary must be installed for this test (apt-get install -y caddy): {version:?}");
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in cases() {
        let mut path = case.path.clone();
        let mut run = run_caddy(&path, &case.env);
        for _ in 0..5 {
            let Some(opt) = run.error.split("unrecognized global option: ").nth(1) else { break };
            let opt = opt.split_whitespace().next().unwrap_or("");
            if !NEWER_GLOBAL_OPTIONS.contains(&opt) {
                break;
            }
            let Some((_, line)) = error_location(&run.error) else { break };
            path = scratch_without_line(&path, line, tmp.path());
            run = run_caddy(&path, &case.env);
        }
        let (cf, errors, warnings, files) = parse_file(&path, &case.env);
        compared += 1;
        let name = case.path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("ok-") && run.json.is_none() {
            failures.push(format!("{}: an ok- case that caddy rejects: {}", case.label, run.error.trim()));
            continue;
        }
        if name.starts_with("bad-") && errors.is_empty() && warnings.is_empty() {
            failures.push(format!("{}: a bad- case we accept (caddy: {})", case.label, run.error.trim()));
            continue;
        }
        match &run.json {
            Some(json) => {
                if let Some(e) = errors.first() {
                    failures.push(format!(
                        "{}: caddy adapts it, we report `{}` on line {}",
                        case.label,
                        e.message,
                        files.line(e.span.file, e.span.start)
                    ));
                    continue;
                }
                let ours = our_sites(&cf);
                let theirs = caddy_sites(json);
                if std::env::var_os("CADDY_ORACLE_VERBOSE").is_some() {
                    eprintln!("{}: {theirs:?}", case.label);
                }
                if ours != theirs {
                    failures.push(format!("{}: sites differ\n  ours:  {ours:?}\n  caddy: {theirs:?}", case.label));
                }
            }
            None => {
                if !is_covered(&run.error) {
                    continue;
                }
                let Some(e) = errors.first() else {
                    failures.push(format!("{}: caddy rejects it ({}), we accept it", case.label, run.error.trim()));
                    continue;
                };
                if std::env::var_os("CADDY_ORACLE_VERBOSE").is_some() {
                    eprintln!("{}: rejected: {} / ours: {}", case.label, run.error.trim(), e.message);
                }
                if let Some((file, line)) = error_location(&run.error) {
                    let ours_file =
                        files.paths[e.span.file.0 as usize].file_name().unwrap().to_string_lossy().into_owned();
                    let ours_line = files.line(e.span.file, e.span.start);
                    let theirs_file = Path::new(&file).file_name().unwrap().to_string_lossy().into_owned();
                    if ours_line != line || ours_file != theirs_file {
                        failures.push(format!(
                            "{}: caddy: {} (at {theirs_file}:{line}); ours: {} at {ours_file}:{ours_line}",
                            case.label,
                            run.error.trim(),
                            e.message
                        ));
                    }
                }
            }
        }
    }
    assert!(compared >= 10, "too few Caddyfiles compared: {compared}");
    assert!(failures.is_empty(), "{} disagreement(s) with caddy:\n{}", failures.len(), failures.join("\n"));
}
