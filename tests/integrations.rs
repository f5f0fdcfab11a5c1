//! The integration files parse and say what the docs promise: `.pre-commit-hooks.yaml`, `action.yml`,
//! `.github/workflows/ci.yml` and the YAML examples of `docs/ci.md`, read with stackcheck's own YAML
//! loader (go-yaml's reading, which is also how `on:` stays a string as GitHub reads it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use stackcheck::source::FileId;
use stackcheck::yaml::{self, Limits, Node};

fn load(path: &str) -> Node {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse(path, &text)
}

fn parse(what: &str, text: &str) -> Node {
    let mut docs = yaml::parse(FileId(0), text, &Limits::default()).unwrap_or_else(|e| panic!("{what}: {e:?}"));
    assert_eq!(docs.len(), 1, "{what}: one document");
    docs.remove(0)
}

fn str_at<'a>(node: &'a Node, key: &str) -> &'a str {
    node.get(key).and_then(Node::as_str).unwrap_or_else(|| panic!("no string `{key}`"))
}

#[test]
fn pre_commit_hooks() {
    let hooks = load(".pre-commit-hooks.yaml");
    let hooks = hooks.as_seq().expect("a list of hooks");
    let ids: Vec<&str> = hooks.iter().map(|h| str_at(h, "id")).collect();
    assert_eq!(ids, ["stackcheck", "stackcheck-fix"]);
    for h in hooks {
        assert_eq!(str_at(h, "language"), "rust", "pre-commit builds the hook with cargo");
        let serial = h.get("require_serial").and_then(Node::as_scalar).map(|s| s.text.as_str());
        assert_eq!(serial, Some("true"));
        // Filenames are passed: stackcheck maps them to their stacks (src/scope.rs).
        assert!(h.get("pass_filenames").is_none());
    }
    assert_eq!(str_at(&hooks[0], "entry"), "stackcheck");
    assert_eq!(str_at(&hooks[1], "entry"), "stackcheck --fix");
    // The files the hooks see: Python's `re.search` and regex-lite agree on this pattern.
    let files = regex_lite::Regex::new(str_at(&hooks[0], "files")).expect("files is a regex");
    assert_eq!(str_at(&hooks[1], "files"), files.as_str());
    for yes in [
        "docker-compose.yml",
        "app/compose.prod.yaml",
        "app/.env.production",
        "app/.env.production.example",
        "backend.env",
        "backend.env.sample",
        "env.production.example",
        "deploy/nginx/site.conf",
        "nginx/sites-enabled/shop",
        "Caddyfile",
        "proxy/Caddyfile.prod",
        "traefik/dynamic.yml",
        "stackcheck.toml",
        "app/Dockerfile",
    ] {
        assert!(files.is_match(yes), "{yes} should reach the hook");
    }
    for no in ["README.md", "app/main.py", "docs/env.md", "src/environment.rs"] {
        assert!(!files.is_match(no), "{no} should not reach the hook");
    }
}

#[test]
fn github_action() {
    let action = load("action.yml");
    let runs = action.get("runs").expect("runs");
    assert_eq!(str_at(runs, "using"), "composite");
    let inputs = action.get("inputs").expect("inputs");
    for input in ["path", "fail-on", "version", "repository", "args", "sarif-file", "upload-sarif"] {
        let i = inputs.get(input).unwrap_or_else(|| panic!("input {input}"));
        assert!(i.get("description").is_some(), "{input} has a description");
    }
    assert_eq!(str_at(inputs.get("fail-on").unwrap(), "default"), "error");
    let steps = runs.get("steps").and_then(Node::as_seq).expect("steps");
    let scripts: Vec<&str> = steps.iter().filter_map(|s| s.get("run").and_then(Node::as_str)).collect();
    assert!(scripts.iter().any(|s| s.contains("cargo install --locked --root") && s.contains("$GITHUB_ACTION_PATH")));
    assert!(scripts.iter().any(|s| s.contains("--format sarif --output \"$SARIF\"")));
    let upload = steps
        .iter()
        .find(|s| {
            s.get("uses").and_then(Node::as_str).is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("upload-sarif step");
    assert_eq!(str_at(upload.get("with").unwrap(), "sarif_file"), "${{ inputs.sarif-file }}");
    // Every step of a composite action that runs a script names its shell.
    for s in steps.iter().filter(|s| s.get("run").is_some()) {
        assert_eq!(str_at(s, "shell"), "bash", "{}", str_at(s, "name"));
    }
    // Inputs reach scripts through env, never pasted into the script text (script injection).
    for s in &scripts {
        assert!(!s.contains("${{"), "an expression inside a script:\n{s}");
    }
}

#[test]
fn ci_workflow() {
    let wf = load(".github/workflows/ci.yml");
    assert!(wf.get("on").is_some(), "`on` is a key (not YAML 1.1 `true`)");
    let jobs = wf.get("jobs").and_then(Node::as_map).expect("jobs");
    let steps = jobs[0].value.get("steps").and_then(Node::as_seq).expect("steps");
    let scripts: Vec<&str> = steps.iter().filter_map(|s| s.get("run").and_then(Node::as_str)).collect();
    for needed in [
        "cargo fmt --all -- --check",
        "cargo clippy --all-targets -- -D warnings",
        "tests/run",
        "bench/run --smoke",
        ".ci/install",
    ] {
        assert!(scripts.iter().any(|s| s.trim() == needed), "ci.yml does not run `{needed}`");
    }
}

#[test]
fn yaml_examples_in_the_docs_parse() {
    let doc = std::fs::read_to_string("docs/ci.md").unwrap();
    let mut blocks = 0;
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("```yaml\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").expect("closed block");
        let block = &body[..end];
        rest = &body[end + 3..];
        // A block that starts with `- run:` is a fragment of a job's steps.
        parse("docs/ci.md yaml block", block);
        blocks += 1;
    }
    assert!(blocks >= 4, "docs/ci.md has {blocks} yaml blocks");
}

/// The action's "Run stackcheck" step, run by bash with the built binary on PATH as the runner would:
/// the step itself passes with findings (the exit code goes to `exit-code`, and the last step fails the
/// job), and fails at once on a usage error.
#[test]
fn action_run_step_reports_the_exit_code() {
    let action = load("action.yml");
    let steps = action.get("runs").and_then(|r| r.get("steps")).and_then(Node::as_seq).expect("steps");
    let script = |name: &str| {
        let step = steps.iter().find(|s| s.get("name").and_then(Node::as_str) == Some(name)).expect(name);
        str_at(step, "run").to_owned()
    };
    let run_step = script("Run stackcheck");
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_stackcheck")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let run = |check_path: &str, fail_on: &str| {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("github_output");
        let sarif = dir.path().join("stackcheck.sarif");
        let o = std::process::Command::new("bash")
            .args(["-c", &run_step])
            .env("PATH", &path)
            .env("CHECK_PATH", check_path)
            .env("FAIL_ON", fail_on)
            .env("ARGS", "")
            .env("SARIF", &sarif)
            .env("GITHUB_OUTPUT", &output)
            .output()
            .expect("bash");
        let outputs = std::fs::read_to_string(&output).unwrap_or_default();
        let report = std::fs::read_to_string(&sarif).ok();
        (o, outputs, report, dir)
    };
    let (o, outputs, report, _dir) = run("fixtures/cases/vps-host-nginx", "error");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(outputs, "exit-code=1\n");
    let sarif: serde_json::Value = serde_json::from_str(&report.expect("a SARIF report")).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(String::from_utf8_lossy(&o.stdout).contains("C105 undefined-variable"), "the log shows the findings");
    let (o, outputs, _, _dir) = run("fixtures/C101-host-port-conflict/near-miss", "error");
    assert!(o.status.success());
    assert_eq!(outputs, "exit-code=0\n");
    let (o, outputs, _, _dir) = run("fixtures/cases/vps-host-nginx", "sometimes");
    assert_eq!(o.status.code(), Some(2), "a usage error fails the step");
    assert_eq!(outputs, "exit-code=2\n");
    // The last step fails the job on findings.
    let fail = std::process::Command::new("bash")
        .args(["-c", &script("Fail on findings")])
        .env("FAIL_ON", "error")
        .output()
        .unwrap();
    assert_eq!(fail.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&fail.stdout).starts_with("::error::"));
}
