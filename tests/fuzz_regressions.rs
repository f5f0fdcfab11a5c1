//! Replays the inputs that once crashed a fuzz target (fuzz/regressions/<target>/*) through the
//! same checks the fuzz targets run (fuzz/src/lib.rs). See fuzz/regressions/README.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod fuzz_checks;

use std::path::Path;
use std::time::Duration;

#[test]
fn fuzz_regressions_stay_fixed() {
    // libFuzzer's -timeout=10 in an instrumented release build; a debug build is slower.
    let limit = Duration::from_secs(if cfg!(debug_assertions) { 60 } else { 10 });
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut failures = Vec::new();
    for target in fuzz_checks::TARGETS {
        let Ok(rd) = std::fs::read_dir(root.join(target)) else { continue };
        let mut files: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
        files.sort();
        for path in files {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if !path.is_file() || name.starts_with('.') || name.ends_with(".md") {
                continue;
            }
            let data = std::fs::read(&path).unwrap();
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn(move || {
                    let ok = std::panic::catch_unwind(|| fuzz_checks::run(target, &data)).is_ok();
                    let _ = tx.send(ok);
                })
                .unwrap();
            match rx.recv_timeout(limit) {
                Ok(true) => {}
                Ok(false) => failures.push(format!("{target}: {}: panicked", path.display())),
                Err(_) => failures.push(format!("{target}: {}: hangs (> {limit:?})", path.display())),
            }
        }
    }
    assert!(failures.is_empty(), "fuzz regressions fail again:\n{}", failures.join("\n"));
}
