//! The public corpus (`../shared/corpus`, or `$STACKCHECK_CORPUS`): real stacks that deploy. No panic, the
//! same output at any number of threads, no P0xx except where the corpus README says a file is invalid
//! or spec.md says an absent env file is reported, and a reviewed snapshot of every finding: a new finding
//! here is a false positive until shown otherwise (our clippy lintcheck).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use stackcheck::load::LoadOptions;
use stackcheck::report::{self, Format, RenderOptions};
use stackcheck::{CheckOptions, Report};

fn corpus() -> PathBuf {
    let dir = std::env::var_os("STACKCHECK_CORPUS").map_or_else(|| PathBuf::from("../shared/corpus"), PathBuf::from);
    assert!(dir.is_dir(), "the public corpus is missing at {} (set STACKCHECK_CORPUS)", dir.display());
    dir
}

fn run(threads: usize) -> (Report, String) {
    run_selected(threads, Vec::new())
}

fn run_selected(threads: usize, select: Vec<String>) -> (Report, String) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let r = stackcheck::check(&CheckOptions {
            load: LoadOptions { paths: vec![corpus()], ..LoadOptions::default() },
            select,
            ..CheckOptions::default()
        });
        let opts =
            RenderOptions { format: Format::Compact, color: false, width: 100, suppressed: 0, stacks: 0, files: 0 };
        let out = report::render(&r.findings, &r.model.db, &r.secrets, &opts);
        (r, out)
    })
}

/// P0xx findings that are expected on the corpus, with the reason.
fn expected_parse_finding(path: &str, code: &str) -> Option<&'static str> {
    match code {
        // The corpus README's one known-invalid file: a named volume containing `/`.
        "P003" if path.ends_with("dokploy-templates/blueprints/backrest/docker-compose.yml") => Some("known invalid"),
        // spec.md "Checking without the real secrets": an absent `env_file:` without a template is P008
        // (Dokploy writes these `.env` files at deploy time; VALIDATION marks them EXPECTED).
        "P008" if path.contains("dokploy-templates/blueprints/") => Some("absent env_file, no template"),
        // `${VAR:?}` with an interpolation env file that lacks VAR (the deploy shell exports it; VALIDATION:
        // EXPECTED) is P009 by spec.md.
        "P009" if path.ends_with("full-stack-fastapi-template/docker-compose.traefik.yml") => Some("required variable"),
        // Template stand-ins are info.
        "P010" => Some("template stand-in"),
        _ => None,
    }
}

#[test]
fn corpus_loads_without_unexpected_parse_findings_and_output_is_stable() {
    let (one, out1) = run(1);
    let (_, out2) = run(2);
    assert_eq!(out1, out2, "output differs between 1 and 2 threads");
    assert!(one.model.stacks.len() > 500, "only {} stacks discovered", one.model.stacks.len());
    let mut unexpected = Vec::new();
    for f in one.findings.iter().filter(|f| f.code.starts_with('P')) {
        let loc = report::locate(&one.model.db, f.primary.span);
        if expected_parse_finding(&loc.path, f.code).is_none() {
            unexpected.push(format!("{}:{}: {} {}", loc.path, loc.line, f.code, f.message));
        }
    }
    assert!(unexpected.is_empty(), "unexpected P0xx on the corpus:\n{}", unexpected.join("\n"));
    // Paths in the snapshot are relative to the corpus root, wherever it is.
    let root = corpus().to_string_lossy().into_owned();
    let normalized = out1.replace(&format!("{root}/"), "");
    insta::assert_snapshot!("corpus-compact", normalized);
}

/// Every rule, opt-in ones included (`--select ALL`): their findings are reviewed too, so that a user who
/// turns on the hardening and style checks gets signal, not noise.
#[test]
fn corpus_with_every_rule_selected() {
    let (_, out) = run_selected(2, vec!["ALL".to_owned()]);
    let root = corpus().to_string_lossy().into_owned();
    insta::assert_snapshot!("corpus-all-compact", out.replace(&format!("{root}/"), ""));
}
