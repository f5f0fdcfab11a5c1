//! The fix engine, run for real on copies of the fixtures: for every rule that declares a fix, the fixed
//! output (a snapshot), idempotence (a second `--fix` changes nothing) and "fix then check" (none of the
//! rule's fixable findings remain); CRLF files, atomic writes, `--diff`, `--fix-only`, overlapping edits,
//! secrets in diffs; and a property test over generated env and compose files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use stackcheck::finding::Applicability;
use stackcheck::fix::{self, FixOptions, Outcome};
use stackcheck::load::LoadOptions;
use stackcheck::rules::{self, FixAvailability};
use stackcheck::{CheckOptions, Report};

fn options(dir: &Path, select: &[&str]) -> CheckOptions {
    let config = Some(dir.join("stackcheck.toml"))
        .filter(|p| p.is_file())
        .map(|p| stackcheck::config::load(&p).unwrap_or_else(|e| panic!("{e}")));
    CheckOptions {
        load: LoadOptions { paths: vec![dir.to_path_buf()], config, ..LoadOptions::default() },
        select: select.iter().map(|s| (*s).to_owned()).collect(),
        ignore: Vec::new(),
    }
}

fn check(dir: &Path, select: &[&str]) -> Report {
    stackcheck::check(&options(dir, select))
}

/// Runs the fix loop and writes the result, as `--fix` does.
fn fix_dir(dir: &Path, select: &[&str], unsafe_fixes: bool) -> Outcome {
    let outcome = fix::run(&options(dir, select), FixOptions { unsafe_fixes });
    assert!(outcome.reverted.is_empty(), "edits undone: {:?}", outcome.reverted);
    assert!(outcome.unconverged.is_empty(), "did not converge: {:?}", outcome.unconverged);
    let errors = outcome.write();
    assert!(errors.is_empty(), "{errors:?}");
    outcome
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under a directory with its bytes, sorted by path.
fn snapshot_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn fixable_rules() -> Vec<&'static rules::Rule> {
    rules::ALL.iter().copied().filter(|r| r.fix != FixAvailability::None).collect()
}

fn applicable(r: &Report, code: &str, unsafe_fixes: bool) -> usize {
    r.findings
        .iter()
        .filter(|f| f.code == code)
        .filter(|f| f.fix.as_ref().is_some_and(|x| x.applicability == Applicability::Safe || unsafe_fixes))
        .count()
}

fn fixture_dir(rule: &rules::Rule) -> PathBuf {
    PathBuf::from(format!("fixtures/{}-{}/fires", rule.code, rule.name))
}

#[test]
fn every_fix_fixes_its_fixture_once_and_for_all() {
    let rules = fixable_rules();
    assert!(!rules.is_empty());
    for rule in rules {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("fires");
        copy_dir(&fixture_dir(rule), &dir);
        let unsafe_fixes = rule.fix == FixAvailability::Unsafe;
        let before = check(&dir, &[rule.code]);
        let fixable = applicable(&before, rule.code, unsafe_fixes);
        assert!(fixable > 0, "{}: its fires/ fixture has no finding with a fix", rule.code);
        let unfixable = before.findings.iter().filter(|f| f.code == rule.code).count() - fixable;
        let load_problems = before.findings.iter().filter(|f| f.code.starts_with('P')).count();

        let outcome = fix_dir(&dir, &[rule.code], unsafe_fixes);
        assert!(outcome.fixed.get(rule.code).copied().unwrap_or(0) > 0, "{}: nothing fixed", rule.code);
        let prefix = format!("{}/", dir.display());
        let mut shown = outcome.diff().replace(&prefix, "");
        for c in &outcome.changes {
            let name = c.path.strip_prefix(&dir).unwrap_or(&c.path).display().to_string();
            shown.push_str(&format!("\n==== {name} after the fix ====\n{}", c.after));
        }
        insta::assert_snapshot!(format!("fix-{}", rule.code), shown);

        // Fix then check: none of the rule's fixable findings remain, and nothing new fails to load.
        let after = check(&dir, &[rule.code]);
        assert_eq!(applicable(&after, rule.code, unsafe_fixes), 0, "{}: fixable findings remain", rule.code);
        let left = after.findings.iter().filter(|f| f.code == rule.code).count();
        assert!(left <= unfixable, "{}: {left} findings left, {unfixable} had no fix", rule.code);
        assert!(after.findings.iter().filter(|f| f.code.starts_with('P')).count() <= load_problems);

        // Idempotence: a second run changes nothing.
        let files = snapshot_files(&dir);
        let again = fix_dir(&dir, &[rule.code], unsafe_fixes);
        assert_eq!(again.fixed_count(), 0, "{}: a second --fix applied fixes", rule.code);
        assert!(again.changes.is_empty());
        assert_eq!(snapshot_files(&dir), files, "{}: a second --fix changed files", rule.code);
    }
}

/// A CRLF copy of a fixture: every line ending becomes `\r\n`.
fn to_crlf(dir: &Path) {
    for (rel, bytes) in snapshot_files(dir) {
        let Ok(text) = String::from_utf8(bytes) else { continue };
        let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
        std::fs::write(dir.join(rel), crlf).unwrap();
    }
}

#[test]
fn crlf_files_stay_crlf() {
    for rule in fixable_rules() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("fires");
        copy_dir(&fixture_dir(rule), &dir);
        to_crlf(&dir);
        let unsafe_fixes = rule.fix == FixAvailability::Unsafe;
        let outcome = fix_dir(&dir, &[rule.code], unsafe_fixes);
        assert!(outcome.fixed_count() > 0, "{}: nothing fixed in the CRLF copy", rule.code);
        for c in &outcome.changes {
            let lf = c.after.match_indices('\n').filter(|(i, _)| !c.after[..*i].ends_with('\r')).count();
            assert_eq!(
                lf,
                0,
                "{}: {} has bare LF line endings after the fix:\n{:?}",
                rule.code,
                c.path.display(),
                c.after
            );
        }
        assert_eq!(applicable(&check(&dir, &[rule.code]), rule.code, unsafe_fixes), 0, "{}", rule.code);
        assert_eq!(fix_dir(&dir, &[rule.code], unsafe_fixes).fixed_count(), 0, "{}: not idempotent on CRLF", rule.code);
    }
}

/// An env file with the E208 problems whose fixes are safe, read by a service through `env_file:`.
fn env_stack(env: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    env_file: app.env\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("app.env"), env).unwrap();
    tmp
}

#[cfg(unix)]
#[test]
fn atomic_write_keeps_mode_and_leaves_no_temp_file() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let tmp = env_stack("LOG_LEVEL = info\n");
    let path = tmp.path().join("app.env");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let inode = std::fs::metadata(&path).unwrap().ino();
    let outcome = fix_dir(tmp.path(), &["E208"], false);
    assert_eq!(outcome.fixed_count(), 1);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "LOG_LEVEL=info\n");
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
    // Replaced by a rename, not rewritten in place.
    assert_ne!(meta.ino(), inode);
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("stackcheck-")), "temp file left behind: {names:?}");
}

/// The owner and group are kept. Giving a file away takes root: as root the file belongs to another user
/// before the fix and must still after it; otherwise it belongs to us before and after.
#[cfg(unix)]
#[test]
fn atomic_write_keeps_the_owner() {
    use std::os::unix::fs::MetadataExt;
    let tmp = env_stack("LOG_LEVEL = info\n");
    let path = tmp.path().join("app.env");
    let given_away = std::os::unix::fs::chown(&path, Some(4321), Some(4321)).is_ok();
    let before = std::fs::metadata(&path).unwrap();
    if given_away {
        assert_eq!((before.uid(), before.gid()), (4321, 4321));
    } else {
        eprintln!("not root: checking that the owner stays ours");
    }
    fix_dir(tmp.path(), &["E208"], false);
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "LOG_LEVEL=info\n");
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
}

#[cfg(unix)]
#[test]
fn a_symlinked_file_is_fixed_through_its_link() {
    let tmp = env_stack("");
    let real = tmp.path().join("shared.env");
    std::fs::write(&real, "LOG_LEVEL = info\n").unwrap();
    std::fs::remove_file(tmp.path().join("app.env")).unwrap();
    std::os::unix::fs::symlink("shared.env", tmp.path().join("app.env")).unwrap();
    fix_dir(tmp.path(), &["E208"], false);
    assert!(std::fs::symlink_metadata(tmp.path().join("app.env")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "LOG_LEVEL=info\n");
}

#[test]
fn unchanged_files_are_not_written() {
    let tmp = env_stack("LOG_LEVEL=info\n");
    let path = tmp.path().join("app.env");
    let compose = tmp.path().join("compose.yaml");
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    for p in [&path, &compose] {
        std::fs::File::options().write(true).open(p).unwrap().set_modified(old).unwrap();
    }
    let outcome = fix_dir(tmp.path(), &["ALL"], true);
    assert!(outcome.changes.is_empty());
    for p in [&path, &compose] {
        assert_eq!(std::fs::metadata(p).unwrap().modified().unwrap(), old, "{} was written", p.display());
    }
}

#[test]
fn a_file_changed_since_it_was_read_is_not_overwritten() {
    let tmp = env_stack("LOG_LEVEL = info\n");
    let outcome = fix::run(&options(tmp.path(), &["E208"]), FixOptions::default());
    std::fs::write(tmp.path().join("app.env"), "LOG_LEVEL = debug\n").unwrap();
    let errors = outcome.write();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(std::fs::read_to_string(tmp.path().join("app.env")).unwrap(), "LOG_LEVEL = debug\n");
}

#[test]
fn overlapping_edits_are_resolved_in_order_and_finished_in_a_later_round() {
    // E207 removes the first line whole; E208's fixes on that line overlap it and wait; the line is gone
    // in the next round. The second line's E208 fix does not overlap and is applied in the first round.
    let tmp = env_stack("A = 1\nA = 2\n");
    let outcome = fix_dir(tmp.path(), &["E207", "E208"], true);
    assert_eq!(std::fs::read_to_string(tmp.path().join("app.env")).unwrap(), "A=2\n");
    assert_eq!(outcome.fixed.get("E207"), Some(&1));
    assert_eq!(outcome.fixed.get("E208"), Some(&1));
    assert_eq!(outcome.rounds, 1);
    // Two fixes of one finding in a round (space and quoting of one value) touch different bytes: both apply.
    let tmp = env_stack("GREETING = hello world\n");
    let outcome = fix_dir(tmp.path(), &["E208"], false);
    assert_eq!(std::fs::read_to_string(tmp.path().join("app.env")).unwrap(), "GREETING=\"hello world\"\n");
    assert_eq!(outcome.fixed_count(), 2);
    // Insertions at one point (E201 appends each missing key at the end) are all applied, in order.
    let tmp = env_stack("");
    std::fs::write(tmp.path().join(".env"), "A=1\n").unwrap();
    std::fs::write(tmp.path().join(".env.example"), "A=\nB=\nC=\n").unwrap();
    let outcome = fix_dir(tmp.path(), &["E201"], true);
    assert_eq!(outcome.rounds, 1);
    assert_eq!(
        std::fs::read_to_string(tmp.path().join(".env")).unwrap(),
        "A=1\n# TODO: set B (listed in .env.example)\nB=\n# TODO: set C (listed in .env.example)\nC=\n"
    );
}

#[test]
fn diffs_mask_secrets() {
    let secret = "Zq8vL2mN8pR4tW6yK1";
    let tmp = env_stack(&format!("API_TOKEN = {secret}\nDATABASE_URL = postgres://app:{secret}@db:5432/app\n"));
    let outcome = fix::run(&options(tmp.path(), &["E208"]), FixOptions::default());
    let diff = outcome.diff();
    assert!(diff.contains("-API_TOKEN = ") && diff.contains("+API_TOKEN="), "{diff}");
    assert!(!diff.contains(secret) && !diff.contains("Zq8vL2"), "{diff}");
}

fn stackcheck(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stackcheck"))
        .args(args)
        .arg(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the stackcheck binary runs")
}

#[test]
fn diff_flag_writes_nothing_and_exits_1_when_there_is_a_diff() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new("fixtures/E208-env-format/fires"), tmp.path());
    let files = snapshot_files(tmp.path());
    let out = stackcheck(tmp.path(), &["--select", "E208", "--diff"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("--- ") && stdout.contains("+LOG_LEVEL=info"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Would fix"));
    assert_eq!(snapshot_files(tmp.path()), files, "--diff changed files");
    // Once fixed, there is no diff: exit 0 and nothing on standard output.
    let fixed = stackcheck(tmp.path(), &["--select", "E208", "--fix-only"]);
    assert_eq!(fixed.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&fixed.stdout).starts_with("Fixed "));
    let out = stackcheck(tmp.path(), &["--select", "E208", "--diff"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

/// Run inside the stack's directory (`stackcheck --diff .`), as a user does: C103 then compared the stack's
/// directory `.` with the host nginx config's path `deploy/nginx/…` and neither fired nor fixed.
#[test]
fn fixes_apply_when_run_in_the_stack_directory() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(Path::new("fixtures/cases/vps-host-nginx"), tmp.path());
    let out = Command::new(env!("CARGO_BIN_EXE_stackcheck"))
        .current_dir(tmp.path())
        .args(["--diff", "--unsafe-fixes", "."])
        .output()
        .expect("the stackcheck binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("+      - \"127.0.0.1:8080:8080\""), "{stdout}");
    assert!(stdout.contains("+STRIPE_WEBHOOK_SECRET="), "{stdout}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn fix_reports_what_remains_and_unsafe_fixes_need_the_flag() {
    let tmp = env_stack("A = 1\nA=2\n");
    let out = stackcheck(tmp.path(), &["--select", "E207,E208", "--fix", "--format", "compact"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The safe E208 fix is applied; the unsafe E207 one is not, so its finding remains (a warning).
    assert!(stdout.contains("E207 [warning]"), "{stdout}");
    assert!(stdout.contains("Fixed 1 finding (1 remaining)."), "{stdout}");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(tmp.path().join("app.env")).unwrap(), "A=1\nA=2\n");
    let out = stackcheck(tmp.path(), &["--select", "E207,E208", "--fix", "--unsafe-fixes", "--format", "compact"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Fixed 1 finding (0 remaining)."));
    assert_eq!(std::fs::read_to_string(tmp.path().join("app.env")).unwrap(), "A=2\n");
    // `--fail-on warning` with a remaining warning exits 1; JSON stays pure JSON on standard output.
    let tmp = env_stack("A=1\nA=2\n");
    let out = stackcheck(tmp.path(), &["--select", "E207", "--fix", "--fail-on", "warning", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Fixed 0 findings (1 remaining)."));
}

// ---------------------------------------------------------------- property test

/// The value compose reads for each key (last definition wins).
fn env_values(text: &str) -> std::collections::BTreeMap<String, Option<String>> {
    stackcheck::envfile::parse(text).entries.into_iter().map(|e| (e.key, e.value.map(|v| v.text))).collect()
}

fn env_line() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec!["A", "DB_HOST", "REDIS_PASSWORD", "API_TOKEN", "lower_key", "WORKERS"]);
    let sep = prop::sample::select(vec!["=", " = ", "= ", " =", ": "]);
    let value = prop::sample::select(vec![
        "",
        "1",
        "a b",
        "\"quoted\"",
        "'single'",
        "\"x y\"",
        "$OTHER",
        "${A:-d}",
        "v # note",
        "say \"hi\" now",
        "postgres://app:pw0rd-123456@db/app",
        "s3cr3t-Value-42",
    ]);
    let prefix = prop::sample::select(vec!["", "", "export ", "  "]);
    let trailing = prop::sample::select(vec!["", "", "   ", "\t"]);
    let other = prop::sample::select(vec!["# a comment", "", ""]);
    prop_oneof![
        4 => (prefix, key, sep, value, trailing).prop_map(|(p, k, s, v, t)| format!("{p}{k}{s}{v}{t}")),
        1 => other.prop_map(str::to_owned),
    ]
}

fn env_file() -> impl Strategy<Value = String> {
    (prop::collection::vec(env_line(), 0..10), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(lines, crlf, final_newline, bom)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = if bom { "\u{feff}".to_owned() } else { String::new() };
            text.push_str(&lines.join(eol));
            if final_newline && !lines.is_empty() {
                text.push_str(eol);
            }
            text
        },
    )
}

fn compose_file() -> impl Strategy<Value = String> {
    let restart =
        prop::sample::select(vec!["always", "\"always\"", "'unless-stopped'", "no", "on-failure", "always # keep"]);
    let test = prop::sample::select(vec![
        "[\"CMD-SHELL\", \"redis-cli -a ${REDIS_PASSWORD} ping\"]",
        "redis-cli -a $REDIS_PASSWORD ping",
        "[\"CMD\", \"redis-cli\", \"ping\"]",
        "'redis-cli -a \"${REDIS_PASSWORD}\" ping'",
    ]);
    let indent = prop::sample::select(vec![2usize, 4]);
    (restart, test, indent, any::<bool>(), any::<bool>()).prop_map(|(restart, test, n, crlf, comment)| {
        let i = " ".repeat(n);
        let mut lines = vec!["services:".to_owned()];
        if comment {
            lines.push(format!("{i}# the one-shot job"));
        }
        lines.extend([
            format!("{i}migrate:"),
            format!("{i}{i}image: ghcr.io/acme/api:2.4.1"),
            format!("{i}{i}command: [\"alembic\", \"upgrade\", \"head\"]"),
            format!("{i}{i}restart: {restart}"),
            format!("{i}redis:"),
            format!("{i}{i}image: redis:7.4"),
            format!("{i}{i}environment:"),
            format!("{i}{i}{i}REDIS_PASSWORD: ${{REDIS_PASSWORD}}"),
            format!("{i}{i}healthcheck:"),
            format!("{i}{i}{i}test: {test}"),
            format!("{i}{i}env_file: app.env"),
        ]);
        let eol = if crlf { "\r\n" } else { "\n" };
        lines.join(eol) + eol
    })
}

/// The 0-based lines that the edits of the reported, applicable fixes touch in each file.
fn edited_lines(r: &Report, unsafe_fixes: bool) -> std::collections::HashMap<PathBuf, Vec<usize>> {
    let mut out: std::collections::HashMap<PathBuf, Vec<usize>> = std::collections::HashMap::new();
    let opts = FixOptions { unsafe_fixes };
    for fix in r.findings.iter().filter_map(|f| f.fix.as_ref()).filter(|x| opts.applies(x)) {
        for e in &fix.edits {
            let (line, _) = r.model.db.line_col(e.file, e.start);
            let (end_line, _) = r.model.db.line_col(e.file, e.end);
            let lines = out.entry(r.model.db.path(e.file).to_path_buf()).or_default();
            lines.extend((line as usize - 1)..(end_line as usize).max(line as usize));
        }
    }
    out
}

fn load_problems(r: &Report) -> usize {
    r.findings.iter().filter(|f| f.code.starts_with('P')).count()
}

/// Runs a property over generated cases; the property returns how many fixes it applied, and the run
/// must have applied some (a generator that never produces a fixable file would prove nothing).
fn run_property<S: Strategy>(strategy: S, property: impl Fn(S::Value) -> Result<usize, TestCaseError>) {
    // 48 cases by default; PROPTEST_CASES runs more.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48);
    let config = ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let fixed = std::cell::Cell::new(0usize);
    let result = runner.run(&strategy, |case| {
        fixed.set(fixed.get() + property(case)?);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(fixed.get() > 0, "no generated case had anything to fix");
}

/// The lines that no reported fix edits (the last line aside, whose ending a fix may add) are all still
/// there, in order: nothing outside the edits changed.
fn only_edited_lines_change(
    outcome: &Outcome,
    edited: &std::collections::HashMap<PathBuf, Vec<usize>>,
) -> Result<(), TestCaseError> {
    for c in &outcome.changes {
        let allowed = edited.get(&c.path).cloned().unwrap_or_default();
        let lines: Vec<&str> = c.before.split_inclusive('\n').collect();
        let last = lines.len().saturating_sub(1);
        let mut after = c.after.split_inclusive('\n');
        for (i, line) in lines.iter().enumerate().filter(|(i, _)| !allowed.contains(i) && *i != last) {
            prop_assert!(
                after.any(|l| l == *line),
                "line {} changed without a fix on it: {:?} -> {:?}",
                i,
                c.before,
                c.after
            );
        }
    }
    Ok(())
}

/// Safe fixes of env files keep every value compose reads, never add a load problem, only touch lines that
/// a reported fix edits, and leave nothing for a second run.
#[test]
fn safe_env_fixes_keep_values() {
    run_property(env_file(), |env| {
        let tmp = env_stack(&env);
        let select = ["E208", "E207", "P"];
        let before = check(tmp.path(), &select);
        let edited = edited_lines(&before, false);
        let outcome = fix::run(&options(tmp.path(), &select), FixOptions::default());
        prop_assert!(outcome.reverted.is_empty() && outcome.unconverged.is_empty());
        prop_assert!(load_problems(&outcome.report) <= load_problems(&before));
        for c in &outcome.changes {
            prop_assert_eq!(env_values(&c.before), env_values(&c.after), "{:?} -> {:?}", c.before, c.after);
        }
        only_edited_lines_change(&outcome, &edited)?;
        prop_assert!(outcome.write().is_empty());
        let again = fix::run(&options(tmp.path(), &select), FixOptions::default());
        prop_assert_eq!(again.fixed_count(), 0);
        Ok(outcome.fixed_count())
    });
}

/// Unsafe fixes too, on a compose file and its env file: the result still loads, only lines that a
/// reported fix edits change, and a second run changes nothing.
#[test]
fn fixes_never_break_a_stack() {
    run_property((env_file(), compose_file()), |(env, compose)| {
        let tmp = env_stack(&env);
        std::fs::write(tmp.path().join("compose.yaml"), &compose).unwrap();
        std::fs::write(tmp.path().join(".env"), "REDIS_PASSWORD=Zq8vL2mN8pR4tW6y\n").unwrap();
        let select = ["E2", "C119", "M603", "P"];
        let before = check(tmp.path(), &select);
        let edited = edited_lines(&before, true);
        let outcome = fix::run(&options(tmp.path(), &select), FixOptions { unsafe_fixes: true });
        prop_assert!(outcome.reverted.is_empty() && outcome.unconverged.is_empty());
        prop_assert!(load_problems(&outcome.report) <= load_problems(&before));
        // C119 and M603 fix the compose file: count them apart so that the compose generator is proven useful.
        prop_assert!(outcome.fixed.keys().all(|c| c.starts_with('E') || c.starts_with('C') || c.starts_with('M')));
        only_edited_lines_change(&outcome, &edited)?;
        prop_assert!(outcome.write().is_empty());
        let again = fix::run(&options(tmp.path(), &select), FixOptions { unsafe_fixes: true });
        prop_assert_eq!(again.fixed_count(), 0, "{:?}", again.changes);
        Ok(outcome.fixed.iter().filter(|(c, _)| !c.starts_with('E')).map(|(_, n)| n).sum())
    });
}
