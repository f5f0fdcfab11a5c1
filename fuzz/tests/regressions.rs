//! Replays every saved crash input (`fuzz/regressions/<target>/*`) through the same checks the fuzz
//! targets run, on stable Rust without libFuzzer: `cd fuzz && cargo test`.
//!
//! `STACKCHECK_FUZZ_SEEDS=1` also replays the seed corpora (`fuzz/seeds/<target>/*`).
//!
//! Each input runs in a child thread so that one failure does not hide the others; the test fails
//! listing every input that panicked.

use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    files.sort();
    files
}

fn replay(kind: &str) -> (usize, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(kind);
    let mut failures = Vec::new();
    let mut count = 0;
    for target in stackcheck_fuzz::TARGETS {
        for path in inputs(&root.join(target)) {
            let Ok(data) = std::fs::read(&path) else { continue };
            count += 1;
            // A big stack: the inputs that crashed may have done so by recursing deeply.
            let result = std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn(move || stackcheck_fuzz::run(target, &data))
                .map(|h| h.join());
            match result {
                Ok(Ok(())) => {}
                Ok(Err(_)) => failures.push(format!("{target}: {}", path.display())),
                Err(e) => failures.push(format!("{target}: {}: cannot spawn: {e}", path.display())),
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
