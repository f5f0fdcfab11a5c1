//! Replays every saved crash input (`fuzz/regressions/<target>/*`) through the same checks the fuzz
//! targets run, on stable Rust without libFuzzer: `cd fuzz && cargo test`.
//!
//! `STACKCHECK_FUZZ_SEEDS=1` also replays the seed corpora (`fuzz/seeds/<target>/*`).
//!
//! Each input runs in a child thread so that one failure does not hide the others; the test fails
//! listing every input that panicked or ran longer than the time limit (libFuzzer's `-timeout=10`
//! catches hangs the same way): `STACKCHECK_FUZZ_TIMEOUT` seconds, default 10 in a release build
//! (`cargo test --release`) and 60 in a debug one.

use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            p.is_file() && !name.starts_with('.') && !name.ends_with(".md")
        })
        .collect();
    files.sort();
    files
}

fn time_limit() -> std::time::Duration {
    let default = if cfg!(debug_assertions) { 60 } else { 10 };
    let secs = std::env::var("STACKCHECK_FUZZ_TIMEOUT").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    std::time::Duration::from_secs(secs)
}

fn replay(kind: &str) -> (usize, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(kind);
    let mut failures = Vec::new();
    let mut count = 0;
    for target in stackcheck_fuzz::TARGETS {
        for path in inputs(&root.join(target)) {
            let Ok(data) = std::fs::read(&path) else { continue };
            count += 1;
            let started = std::time::Instant::now();
            let (tx, rx) = std::sync::mpsc::channel();
            // A big stack: the inputs that crashed may have done so by recursing deeply.
            let spawned = std::thread::Builder::new().stack_size(64 << 20).spawn(move || {
                let outcome = std::panic::catch_unwind(|| stackcheck_fuzz::run(target, &data));
                let _ = tx.send(outcome.is_ok());
            });
            if let Err(e) = spawned {
                failures.push(format!("{target}: {}: cannot spawn: {e}", path.display()));
                continue;
            }
            match rx.recv_timeout(time_limit()) {
                Ok(true) => {}
                Ok(false) => failures.push(format!("{target}: {}: panicked", path.display())),
                // The thread is left running; the test process ends with the test run.
                Err(_) => failures.push(format!(
                    "{target}: {}: still running after {:?} (hang)",
                    path.display(),
                    started.elapsed()
                )),
            }
        }
    }
    (count, failures)
}

#[test]
fn regressions_stay_fixed() {
    let (count, failures) = replay("regressions");
    eprintln!("replayed {count} regression inputs");
    assert!(failures.is_empty(), "{} regression input(s) still fail:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn seeds_do_not_crash() {
    if std::env::var_os("STACKCHECK_FUZZ_SEEDS").is_none() {
        eprintln!("skipped: set STACKCHECK_FUZZ_SEEDS=1 to replay the seed corpora");
        return;
    }
    let (count, failures) = replay("seeds");
    eprintln!("replayed {count} seed inputs");
    assert!(failures.is_empty(), "{} seed input(s) fail:\n{}", failures.len(), failures.join("\n"));
}
