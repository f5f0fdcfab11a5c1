//! The pre-commit hooks of `.pre-commit-hooks.yaml`, run by the real pre-commit (installed from PyPI when
//! missing; the test fails if it cannot be): a user repository points its `.pre-commit-config.yaml` at
//! this checkout, `pre-commit install`s, and commits.
//!
//! The hook repository is a snapshot of this checkout's working tree (tracked and untracked files that
//! git does not ignore) committed into a temporary repository: pre-commit clones a `repo:` at a `rev:`,
//! so pointing it at the checkout itself would test the last commit, not the code under test, and would
//! need a checkout that is a git repository with its history. The snapshot commit has fixed dates, so an
//! unchanged tree gives the same rev and pre-commit's cache (see `pre_commit_home`) is reused.
//!
//! The hooks are `language: rust`: pre-commit runs `cargo install --path .` in its clone. The test sets
//! `CARGO_TARGET_DIR` to this target directory, so that release build shares its dependencies with
//! `cargo build --release` (bench/run, which .ci/run starts next) instead of compiling them in a fresh
//! directory; only the package itself is compiled again (its source path differs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PRE_COMMIT_VERSION: &str = "4.7.0";

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn ok(cmd: &mut Command) -> String {
    let o = run(cmd);
    assert!(o.status.success(), "{cmd:?} failed:\n{}", text(&o));
    text(&o)
}

/// git with no user or system configuration (no signing, no hooks path, no templates from the host).
fn git(dir: &Path) -> Command {
    isolated(Command::new("git"), dir)
}

/// A command run in `dir` with the environment of `git`.
fn isolated(mut c: Command, dir: &Path) -> Command {
    c.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "stackcheck test")
        .env("GIT_AUTHOR_EMAIL", "test@stackcheck.invalid")
        .env("GIT_COMMITTER_NAME", "stackcheck test")
        .env("GIT_COMMITTER_EMAIL", "test@stackcheck.invalid")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("PRE_COMMIT_ALLOW_NO_CONFIG")
        .env_remove("SKIP");
    c
}

/// pre-commit, installed from PyPI when `python3 -m pre_commit` is missing.
fn ensure_pre_commit() {
    let works =
        || Command::new("python3").args(["-m", "pre_commit", "--version"]).output().is_ok_and(|o| o.status.success());
    if works() {
        return;
    }
    let spec = format!("pre-commit=={PRE_COMMIT_VERSION}");
    let o =
        run(Command::new("python3").args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", &spec]));
    assert!(o.status.success() && works(), "cannot install {spec} with pip (the test needs it):\n{}", text(&o));
}

/// pre-commit's cache of clones and built hooks. Not inside the target directory: cargo records the
/// sources of a package that lies inside its target directory relative to that directory, so a new
/// clone there would be judged by the first clone's files and never rebuilt (the hook would run stale
/// code). Outside it, each clone's files are newer than the last build and the package is rebuilt.
fn pre_commit_home() -> PathBuf {
    std::env::temp_dir().join("stackcheck-test-pre-commit-home")
}

fn target_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp.
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target dir").to_path_buf()
}

/// Commits a snapshot of this checkout's working tree into `dest` and returns the commit.
fn snapshot_checkout(dest: &Path) -> String {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed = run(git(checkout).args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]));
    assert!(listed.status.success(), "the checkout must be a git work tree:\n{}", text(&listed));
    if dest.exists() {
        std::fs::remove_dir_all(dest).unwrap();
    }
    std::fs::create_dir_all(dest).unwrap();
    for rel in listed.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let rel = Path::new(std::str::from_utf8(rel).expect("utf-8 path"));
        let from = checkout.join(rel);
        // Tracked files deleted in the working tree are not part of it.
        let Ok(meta) = std::fs::symlink_metadata(&from) else { continue };
        let to = dest.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if meta.file_type().is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&from).unwrap(), &to).unwrap();
        } else if meta.is_file() {
            std::fs::copy(&from, &to).unwrap();
        }
    }
    ok(git(dest).args(["init", "-q", "-b", "main"]));
    ok(git(dest).args(["add", "-A"]));
    ok(git(dest).args(["commit", "-q", "--no-verify", "-m", "snapshot of the stackcheck checkout under test"]));
    ok(git(dest).args(["rev-parse", "HEAD"])).trim().to_owned()
}

struct UserRepo {
    dir: tempfile::TempDir,
    pre_commit_home: PathBuf,
}

impl UserRepo {
    /// A repository whose `.pre-commit-config.yaml` uses hook `hook` of the snapshot at `rev`.
    fn new(hook_repo: &Path, rev: &str, hook: &str) -> UserRepo {
        let dir = tempfile::tempdir().unwrap();
        ok(git(dir.path()).args(["init", "-q", "-b", "main"]));
        let config =
            format!("repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: {hook}\n", hook_repo.display());
        std::fs::write(dir.path().join(".pre-commit-config.yaml"), config).unwrap();
        let repo = UserRepo { dir, pre_commit_home: pre_commit_home() };
        ok(repo.pre_commit().arg("install"));
        repo
    }

    fn pre_commit(&self) -> Command {
        let mut c = isolated(Command::new("python3"), self.dir.path());
        c.env("PRE_COMMIT_HOME", &self.pre_commit_home).env("CARGO_TARGET_DIR", target_dir());
        c.args(["-m", "pre_commit"]);
        c
    }

    fn write(&self, rel: &str, contents: &str) {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel)).unwrap()
    }

    /// `git add -A && git commit` (through the installed hook unless `verify` is false).
    fn commit(&self, message: &str, verify: bool) -> Output {
        ok(git(self.dir.path()).args(["add", "-A"]));
        let mut c = git(self.dir.path());
        // The hook script runs pre-commit with these in its environment.
        c.env("PRE_COMMIT_HOME", &self.pre_commit_home).env("CARGO_TARGET_DIR", target_dir());
        c.args(["commit", "-q", "-m", message]);
        if !verify {
            c.arg("--no-verify");
        }
        run(&mut c)
    }

    fn commits(&self) -> usize {
        ok(git(self.dir.path()).args(["rev-list", "--count", "HEAD"])).trim().parse().unwrap()
    }
}

const PROD_COMPOSE: &str = "\
services:
  db:
    image: postgres:16
    restart: unless-stopped
    environment:
      POSTGRES_USER: shop
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}
    volumes:
      - pgdata:/var/lib/postgresql/data
volumes:
  pgdata:
";
const PROD_ENV: &str = "POSTGRES_PASSWORD=Zq8vN3kLr5tW1xYb7cHm2pQe\n";

/// Another stack with a problem committed before the hook existed: commits that do not touch it must
/// not be blocked by it.
const LEGACY_COMPOSE: &str = "\
services:
  web:
    image: nginx:1.27
    ports:
      - \"127.0.0.1:8080:80\"
    environment:
      SITE: ${SITE_NAME}
";

fn hook_repo() -> (PathBuf, String) {
    ensure_pre_commit();
    // One snapshot per test process; tests in this file run it under a lock.
    static SNAPSHOT: std::sync::Mutex<Option<(PathBuf, String)>> = std::sync::Mutex::new(None);
    let mut guard = SNAPSHOT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(s) = guard.as_ref() {
        return s.clone();
    }
    let dest = target_dir().join("precommit-hook-repo");
    let rev = snapshot_checkout(&dest);
    *guard = Some((dest.clone(), rev.clone()));
    (dest, rev)
}

#[test]
fn hook_checks_the_stack_of_a_staged_env_file() {
    let (hook_repo, rev) = hook_repo();
    let repo = UserRepo::new(&hook_repo, &rev, "stackcheck");
    repo.write("legacy/docker-compose.yml", LEGACY_COMPOSE);
    repo.write("legacy/.env", "OTHER=1\n");
    let o = repo.commit("legacy stack, before the hook", false);
    assert!(o.status.success(), "{}", text(&o));

    // A clean stack: accepted (the first hook run builds stackcheck with cargo install).
    repo.write("app/docker-compose.prod.yml", PROD_COMPOSE);
    repo.write("app/.env.production", PROD_ENV);
    let o = repo.commit("app: production stack", true);
    assert!(o.status.success(), "a clean stack was rejected:\n{}", text(&o));
    assert!(text(&o).contains("stackcheck") && text(&o).contains("Passed"), "{}", text(&o));
    assert!(!text(&o).contains("SITE_NAME"), "the legacy stack was reported:\n{}", text(&o));
    assert_eq!(repo.commits(), 2);

    // Only the env file is staged; the compose file that reads it is where the problem shows.
    repo.write("app/.env.production", "# the password moved to the vault\n");
    let o = repo.commit("app: drop the password", true);
    let out = text(&o);
    // Shown with --nocapture (docs/ci.md quotes it).
    eprintln!("--- rejected commit ---\n{out}");
    assert!(!o.status.success(), "a broken stack was accepted:\n{out}");
    assert!(out.contains("Failed"), "{out}");
    assert!(out.contains("C105") && out.contains("`POSTGRES_PASSWORD` is not defined"), "{out}");
    assert!(out.contains("app/docker-compose.prod.yml:7:26"), "the diagnostic points at the compose file:\n{out}");
    assert!(!out.contains("SITE_NAME"), "the legacy stack was reported:\n{out}");
    assert!(out.contains("Found 1 problem (1 error): 2 files in 1 stack."), "{out}");
    assert_eq!(repo.commits(), 2);

    // Fixed: accepted.
    repo.write("app/.env.production", &format!("# rotated\n{PROD_ENV}"));
    let o = repo.commit("app: keep the password", true);
    assert!(o.status.success(), "the fixed stack was rejected:\n{}", text(&o));
    assert_eq!(repo.commits(), 3);
    assert_eq!(repo.read("app/.env.production"), format!("# rotated\n{PROD_ENV}"));
}

/// `stackcheck-fix` passes `--fix`: the hook rewrites the file, pre-commit rejects the commit because a
/// hook changed files, and the re-staged commit passes.
#[test]
fn fix_hook_applies_safe_fixes() {
    let (hook_repo, rev) = hook_repo();
    let repo = UserRepo::new(&hook_repo, &rev, "stackcheck-fix");
    repo.write("app/docker-compose.prod.yml", PROD_COMPOSE);
    repo.write("app/.env.production", "POSTGRES_PASSWORD = Zq8vN3kLr5tW1xYb7cHm2pQe\n");
    let o = repo.commit("app: production stack", true);
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("files were modified by this hook"), "{out}");
    assert_eq!(repo.read("app/.env.production"), PROD_ENV);
    let o = repo.commit("app: production stack", true);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(repo.commits(), 1);
}

/// pre-commit's own schema check of the hooks file.
#[test]
fn manifest_validates() {
    ensure_pre_commit();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let o = run(Command::new("python3").args(["-m", "pre_commit", "validate-manifest"]).arg(&manifest));
    assert!(o.status.success(), "{}", text(&o));
}
