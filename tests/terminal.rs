//! The binary on a terminal and off it: colors only on a tty (and never with NO_COLOR or --no-color),
//! --quiet, --output, the progress indicator, the man pages and the completions. A terminal comes from
//! util-linux `script`, which runs the command on a pseudo-terminal; the test fails if it is missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_stackcheck");
const DEMO: &str = "fixtures/cases/vps-host-nginx";
/// A stack with no finding.
const CLEAN: &str = "fixtures/C101-host-port-conflict/near-miss";
const ESC: char = '\u{1b}';

fn piped(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("NO_COLOR").env_remove("STACKCHECK_PROGRESS_DELAY_MS");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("runs")
}

/// Runs stackcheck with stdout and stderr on a pseudo-terminal; returns what the terminal showed.
fn on_tty(args: &[&str], env: &[(&str, &str)]) -> String {
    let quoted: Vec<String> = std::iter::once(BIN).chain(args.iter().copied()).map(|a| format!("'{a}'")).collect();
    let mut c = Command::new("script");
    c.args(["-q", "-e", "-c", &quoted.join(" "), "/dev/null"])
        .env_remove("NO_COLOR")
        .env_remove("STACKCHECK_PROGRESS_DELAY_MS")
        .env("TERM", "xterm-256color")
        .env("COLUMNS", "120");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap_or_else(|e| panic!("util-linux `script` is needed for the terminal tests: {e}"));
    assert!(matches!(o.status.code(), Some(0 | 1)), "{:?}: {}", o.status, String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn colors_only_on_a_terminal_without_an_opt_out() {
    let tty = on_tty(&[DEMO], &[]);
    assert!(tty.contains("C105 undefined-variable"), "{tty}");
    assert!(tty.contains(&format!("{ESC}[")), "no colors on a terminal:\n{tty}");
    let no_color = on_tty(&[DEMO], &[("NO_COLOR", "1")]);
    assert!(no_color.contains("C105 undefined-variable") && !no_color.contains(ESC), "{no_color}");
    let flag = on_tty(&[DEMO, "--no-color"], &[]);
    assert!(flag.contains("C105 undefined-variable") && !flag.contains(ESC), "{flag}");
    // An empty NO_COLOR does not count (no-color.org).
    assert!(on_tty(&[DEMO], &[("NO_COLOR", "")]).contains(ESC));
    let o = piped(&[DEMO], &[]);
    assert!(stdout(&o).contains("C105 undefined-variable") && !stdout(&o).contains(ESC));
}

#[test]
fn quiet_prints_findings_only_and_nothing_when_clean() {
    let full = stdout(&piped(&[DEMO], &[]));
    let quiet = piped(&[DEMO, "--quiet"], &[]);
    assert_eq!(quiet.status.code(), Some(1));
    let q = stdout(&quiet);
    assert!(full.contains("Found 7 problems") && !q.contains("Found 7 problems"), "{q}");
    assert!(q.contains("C105 undefined-variable") && q.contains("C101 host-port-conflict"), "{q}");
    // Everything but the summary line is the same.
    assert!(full.starts_with(q.trim_end()), "quiet output is not the findings of the full output:\n{q}");

    let clean = piped(&[CLEAN], &[]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(stdout(&clean).starts_with("All checks passed"), "{}", stdout(&clean));
    for format in ["human", "compact"] {
        let o = piped(&[CLEAN, "-q", "--format", format], &[]);
        assert_eq!(o.status.code(), Some(0));
        assert!(o.stdout.is_empty() && o.stderr.is_empty(), "{format}: {}", stdout(&o));
    }
    // Quiet on a terminal: no progress indicator either.
    let tty = on_tty(&[CLEAN, "-q"], &[("STACKCHECK_PROGRESS_DELAY_MS", "0")]);
    assert!(tty.is_empty(), "{tty:?}");
}

#[test]
fn output_writes_the_report_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.txt");
    let path = file.to_str().unwrap();
    for format in ["human", "compact", "json"] {
        let expected = piped(&[DEMO, "--format", format], &[]);
        let o = piped(&[DEMO, "--format", format, "--output", path], &[]);
        assert_eq!(o.status.code(), Some(1));
        assert!(o.stdout.is_empty(), "{format}: {}", stdout(&o));
        assert_eq!(std::fs::read(&file).unwrap(), expected.stdout, "{format}");
    }
    // On a terminal the file still gets no colors, and the terminal gets nothing.
    let tty = on_tty(&[DEMO, "--output", path], &[]);
    assert!(tty.is_empty(), "{tty}");
    let report = std::fs::read_to_string(&file).unwrap();
    assert!(report.contains("Found 7 problems") && !report.contains(ESC), "{report}");
    // Replaced in place: no temporary file left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("report.txt")]);
    // An unwritable destination is a usage error (exit 2), and says why.
    let o = piped(&[DEMO, "--output", dir.path().join("no/such/dir/r.txt").to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot write"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn progress_indicator_only_on_a_terminal() {
    // The delay is 1 s; 0 shows the indicator on any run.
    let tty = on_tty(&[DEMO, "--no-color"], &[("STACKCHECK_PROGRESS_DELAY_MS", "0")]);
    let shown = tty.find(" checking ").unwrap_or_else(|| panic!("no indicator:\n{tty:?}"));
    let erased = tty.rfind("\r\u{1b}[2K").unwrap_or_else(|| panic!("indicator not erased:\n{tty:?}"));
    let report = tty.find("C105 undefined-variable").expect("report");
    assert!(shown < erased && erased < report, "the indicator must be erased before the report:\n{tty:?}");
    // Default delay and a fast run: no indicator.
    let fast = on_tty(&[DEMO, "--no-color"], &[]);
    assert!(!fast.contains(" checking "), "{fast:?}");
    // Not on a terminal: stderr stays empty whatever the delay.
    let o = piped(&[DEMO], &[("STACKCHECK_PROGRESS_DELAY_MS", "0")]);
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn man_pages_render() {
    let dir = tempfile::tempdir().unwrap();
    let o = piped(&["generate-man", dir.path().to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    for page in ["stackcheck", "stackcheck-check", "stackcheck-rules", "stackcheck-rule", "stackcheck-inspect"] {
        let path = dir.path().join(format!("{page}.1"));
        assert!(path.is_file(), "{page}.1 missing");
        // groff with every warning enabled: the page must render without one.
        let g = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("groff is needed to render the man pages: {e}"));
        assert!(g.status.success() && g.stderr.is_empty(), "{page}: {}", String::from_utf8_lossy(&g.stderr));
    }
    let m = Command::new("man")
        .arg("-l")
        .arg(dir.path().join("stackcheck.1"))
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .unwrap_or_else(|e| panic!("man is needed to render the man pages: {e}"));
    let page = String::from_utf8_lossy(&m.stdout);
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    for needle in ["NAME", "stackcheck - Pre-deploy validator", "SYNOPSIS", "--fail-on", "--no-color", "-q, --quiet"] {
        assert!(page.contains(needle), "man page lacks {needle:?}:\n{page}");
    }
    // The hidden generator is not listed among the subcommands.
    assert!(!page.contains("generate-man"), "{page}");
}

#[test]
fn completions_load_in_bash() {
    let script = stdout(&piped(&["completions", "bash"], &[]));
    let o = Command::new("bash")
        .args(["-c", "source /dev/stdin && complete -p stackcheck"])
        .stdin({
            let path = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(path.path(), &script).unwrap();
            std::fs::File::open(path.path()).unwrap()
        })
        .output()
        .expect("bash");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("stackcheck"), "{}", stdout(&o));
    for (shell, option) in [("zsh", "--fail-on"), ("fish", "-l fail-on")] {
        let o = piped(&["completions", shell], &[]);
        assert_eq!(o.status.code(), Some(0));
        assert!(stdout(&o).contains(option), "{shell}: {}", stdout(&o));
    }
}
