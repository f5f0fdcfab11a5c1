//! What the command line needs around a run: whether to color, the report written atomically to
//! `--output`, and a progress indicator on stderr for runs that take a while on a terminal.

use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Colors only on a terminal, and never with `--no-color` or a non-empty `NO_COLOR` (no-color.org).
pub fn use_color(to_tty: bool, no_color_flag: bool, no_color_env: Option<&std::ffi::OsStr>) -> bool {
    to_tty && !no_color_flag && no_color_env.is_none_or(|v| v.is_empty())
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a reader
/// never sees a half-written report and a failed write leaves the old file as it was. An existing
/// file's permissions are kept, and its owner and group when we may set them (root, or a member of the
/// group).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "report".to_owned());
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        file.write_all(bytes)?;
        if let Ok(meta) = std::fs::metadata(path) {
            file.set_permissions(meta.permissions())?;
            keep_owner(&file, &meta);
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Gives the new file the old one's owner and group when they differ.
#[cfg(unix)]
fn keep_owner(file: &std::fs::File, old: &std::fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    if let Ok(new) = file.metadata()
        && (new.uid() != old.uid() || new.gid() != old.gid())
    {
        let _ = std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid()));
    }
}

#[cfg(not(unix))]
fn keep_owner(_: &std::fs::File, _: &std::fs::Metadata) {}

/// A spinner on stderr that appears only once a run has taken `delay` and is erased when it ends.
pub struct Progress {
    done: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts the indicator when `enabled` (stderr is a terminal and the run is not `--quiet`); a no-op
    /// otherwise.
    pub fn start(enabled: bool, delay: Duration, what: String) -> Progress {
        if !enabled {
            return Progress { done: None, thread: None };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            // A zero delay always shows the indicator (tests use it; a race with a fast run would not).
            if !delay.is_zero() && !matches!(rx.recv_timeout(delay), Err(RecvTimeoutError::Timeout)) {
                return;
            }
            const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
            let mut frame = 0usize;
            let mut err = std::io::stderr();
            loop {
                let secs = started.elapsed().as_secs_f32();
                let _ = write!(err, "\r\x1b[2K{} {what} {secs:.1}s", FRAMES[frame % FRAMES.len()]);
                let _ = err.flush();
                frame += 1;
                if !matches!(rx.recv_timeout(Duration::from_millis(100)), Err(RecvTimeoutError::Timeout)) {
                    break;
                }
            }
            // Erase the line: the report that follows starts on a clean line.
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        });
        Progress { done: Some(tx), thread: Some(thread) }
    }

    /// Stops the indicator and erases it (waits for the erase, so it never lands after the report).
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(tx) = self.done.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The delay before the indicator shows: one second, or `STACKCHECK_PROGRESS_DELAY_MS` (tests set it
/// to 0 to see the indicator without a slow run).
pub fn progress_delay() -> Duration {
    std::env::var("STACKCHECK_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(Duration::from_secs(1), Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_needs_a_tty_and_no_opt_out() {
        assert!(use_color(true, false, None));
        assert!(use_color(true, false, Some(std::ffi::OsStr::new(""))));
        assert!(!use_color(false, false, None));
        assert!(!use_color(true, true, None));
        assert!(!use_color(true, false, Some(std::ffi::OsStr::new("1"))));
    }

    #[test]
    fn atomic_write_replaces_and_keeps_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.txt");
        write_atomic(&path, b"first\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
            write_atomic(&path, b"second\n").unwrap();
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second\n");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.txt")]);
        // A directory that does not exist is an error, not a panic.
        assert!(write_atomic(&dir.path().join("missing/report.txt"), b"x").is_err());
    }
}
