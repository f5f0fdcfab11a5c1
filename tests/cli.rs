//! The binary as a user runs it: exit codes (0 clean, 1 findings at or above --fail-on, 2 usage error),
//! formats, --output, --select/--ignore, NO_COLOR, subcommands.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn stackcheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackcheck")).args(args).env_remove("NO_COLOR").output().expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const DEMO: &str = "fixtures/cases/vps-host-nginx";

#[test]
fn exit_codes_follow_fail_on() {
    let o = stackcheck(&[DEMO, "--format", "compact"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // Only the warning (E207) selected: below the default --fail-on error.
    let o = stackcheck(&[DEMO, "--select", "E207"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = stackcheck(&[DEMO, "--select", "E207", "--fail-on", "warning"]);
    assert_eq!(o.status.code(), Some(1));
    let o = stackcheck(&["fixtures/C101-host-port-conflict/near-miss", "--select", "C101"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(stackcheck(&[DEMO, "--select", "Z999"]).status.code(), Some(2));
    assert_eq!(stackcheck(&["does/not/exist"]).status.code(), Some(2));
    assert_eq!(stackcheck(&[DEMO, "--format", "xml"]).status.code(), Some(2));
    assert_eq!(stackcheck(&["rule", "no-such-rule"]).status.code(), Some(2));
    assert_eq!(stackcheck(&[DEMO, "--jobs", "0"]).status.code(), Some(2));
}

#[test]
fn parse_errors_are_findings_not_exit_2() {
    let o = stackcheck(&["fixtures/P002-yaml-syntax/fires", "--format", "compact"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("P002 [error]"), "{}", stdout(&o));
}

#[test]
fn formats_select_and_ignore() {
    let o = stackcheck(&[DEMO, "--format", "compact", "--ignore", "E2,host-port-conflict"]);
    let out = stdout(&o);
    assert!(out.contains(" C105 ") && !out.contains(" E20") && !out.contains(" C101 "), "{out}");
    let o = stackcheck(&[DEMO, "--format", "json", "--select", "C101"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let items = v.as_array().expect("array");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["code"], "C101");
    assert_eq!(items[0]["location"]["line"], 24 + 1);
    assert!(items[0]["related"][0]["path"].as_str().unwrap().ends_with("docker-compose.yml"));
}

#[test]
fn human_output_has_no_color_when_piped_and_a_summary() {
    let o = stackcheck(&[DEMO]);
    let out = stdout(&o);
    assert!(!out.contains('\u{1b}'), "escape codes in piped output");
    assert!(out.contains("C105 undefined-variable") && out.contains("Found 7 problems"), "{out}");
    let q = stackcheck(&[DEMO, "-q"]);
    assert!(!stdout(&q).contains("Found 7 problems"));
    assert!(stdout(&q).contains("C105 undefined-variable"));
}

#[test]
fn output_file_and_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.txt");
    let o = stackcheck(&[DEMO, "--format", "compact", "--output", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(std::fs::read_to_string(&file).unwrap().contains(" C101 [error] "));

    let rules = stdout(&stackcheck(&["rules"]));
    assert!(rules.contains("C108  container-name-collision"), "{rules}");
    let doc = stdout(&stackcheck(&["rule", "host-port-conflict"]));
    assert!(doc.starts_with("C101 host-port-conflict"), "{doc}");
    let completions = stackcheck(&["completions", "bash"]);
    assert_eq!(completions.status.code(), Some(0));
    assert!(stdout(&completions).contains("stackcheck"));
    let inspect = stackcheck(&["inspect", DEMO]);
    let v: serde_json::Value = serde_json::from_slice(&inspect.stdout).expect("json");
    assert_eq!(v["stacks"][0]["project"], "masstock");
}
