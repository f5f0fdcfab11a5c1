//! Hostile input never panics, never hangs and never aborts the run: each file gives a clear P0xx
//! finding and every other file is still checked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::{Duration, Instant};

use stackcheck::load::LoadOptions;
use stackcheck::{CheckOptions, Report};

const GOOD: &str = "services:\n  web:\n    image: nginx:1.27\n    ports: ['8080:80']\n  api:\n    image: ghcr.io/acme/api:1.0.0\n    ports: ['8080:8000']\n";

/// Checks `dir` (which also holds a good stack in `good/` with a C101 conflict) within a time bound.
fn check(dir: &Path) -> Report {
    std::fs::create_dir_all(dir.join("good")).unwrap();
    std::fs::write(dir.join("good/compose.yaml"), GOOD).unwrap();
    let started = Instant::now();
    // In a thread, so that a hang (a FIFO opened for reading blocks forever) fails the test instead of
    // stalling the whole suite.
    let (tx, rx) = std::sync::mpsc::channel();
    let root = dir.to_path_buf();
    std::thread::spawn(move || {
        let report = stackcheck::check(&CheckOptions {
            load: LoadOptions { paths: vec![root], ..LoadOptions::default() },
            ..CheckOptions::default()
        });
        let _ = tx.send(report);
    });
    let report =
        rx.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| panic!("stackcheck hung on {}", dir.display()));
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    assert!(
        report.findings.iter().any(|f| f.code == "C101"),
        "the good stack next to the hostile file was not checked"
    );
    report
}

fn codes(r: &Report) -> Vec<(&'static str, String)> {
    r.findings.iter().map(|f| (f.code, f.message.clone())).collect()
}

fn has(r: &Report, code: &str, needle: &str) {
    assert!(
        r.findings.iter().any(|f| f.code == code && f.message.contains(needle)),
        "expected {code} containing {needle:?}, got {:#?}",
        codes(r)
    );
}

#[test]
fn alias_bomb_is_p002() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let mut prev = 'a';
    for c in 'b'..='i' {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        text.push_str(&format!("x-{c}: &{c} [{refs}]\n"));
        prev = c;
    }
    text.push_str("services:\n  web:\n    image: nginx\n    command: *i\n");
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    let r = check(dir.path());
    has(&r, "P002", "alias expansion");
}

#[test]
fn deep_nesting_is_p002() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("services: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    let r = check(dir.path());
    assert!(r.findings.iter().any(|f| f.code == "P002"), "{:#?}", codes(&r));
}

#[test]
fn invalid_utf8_and_binary_data() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::write(dir.path().join("a/compose.yaml"), b"services:\n  web:\n    image: \xff\xfe\n").unwrap();
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    let binary: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(dir.path().join("b/docker-compose.yml"), &binary).unwrap();
    std::fs::create_dir_all(dir.path().join("c")).unwrap();
    std::fs::write(dir.path().join("c/compose.yaml"), "services:\n  web:\n    image: \"nginx\u{0}\"\n\u{0}\u{0}")
        .unwrap();
    std::fs::write(dir.path().join("c/.env"), "A=\u{0}\u{0}\nB\u{0}=1\n").unwrap();
    let r = check(dir.path());
    has(&r, "P001", "not valid UTF-8");
    assert!(r.findings.iter().filter(|f| f.code == "P001" || f.code == "P002").count() >= 2, "{:#?}", codes(&r));
}

#[test]
fn huge_file_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let line = "# padding padding padding padding padding padding padding padding padding padding\n";
    let text = line.repeat(50 * 1024 * 1024 / line.len() + 1);
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    let r = check(dir.path());
    has(&r, "P001", "larger than");
}

#[test]
fn directory_named_like_a_compose_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("compose.yaml")).unwrap();
    let r = check(dir.path());
    has(&r, "P001", "is a directory");
}

#[cfg(unix)]
#[test]
fn symlink_loop_and_fifo() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink("docker-compose.yml", dir.path().join("loop/compose.yaml")).unwrap();
    std::os::unix::fs::symlink("compose.yaml", dir.path().join("loop/docker-compose.yml")).unwrap();
    std::fs::create_dir_all(dir.path().join("fifo")).unwrap();
    let fifo = dir.path().join("fifo/compose.yaml");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(status.success(), "mkfifo failed");
    let r = check(dir.path());
    has(&r, "P001", "symbolic links");
    has(&r, "P001", "not a regular file");
}

#[cfg(unix)]
#[test]
fn unreadable_env_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    env_file: [app.env]\n",
    )
    .unwrap();
    let env = dir.path().join("app.env");
    std::fs::write(&env, "A=1\n").unwrap();
    std::fs::set_permissions(&env, std::fs::Permissions::from_mode(0o000)).unwrap();
    // root reads anything: then the file is simply loaded; otherwise it is a P001 and the run goes on.
    let readable = std::fs::read(&env).is_ok();
    let r = check(dir.path());
    if readable {
        let web = r.model.stacks.iter().flat_map(|s| &s.services).find(|s| s.name == "web").unwrap();
        assert_eq!(web.env("A").and_then(|e| e.value.as_deref()), Some("1"));
    } else {
        has(&r, "P001", "permission denied");
    }
}
