//! The fixture runner: every rule has `fixtures/<CODE>-<name>/fires/` (the rule must fire) and
//! `near-miss/` (it must stay silent), run with only that rule selected; the compact, human and JSON
//! outputs of `fires/` are snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use stackcheck::load::LoadOptions;
use stackcheck::report::{self, Format, RenderOptions};
use stackcheck::{CheckOptions, Report, rules};

fn run_only(code: &str, dir: &Path) -> Report {
    // A fixture that needs configuration (`[host]`, `[[stack]]`) has its own stackcheck.toml.
    let config = Some(dir.join("stackcheck.toml"))
        .filter(|p| p.is_file())
        .map(|p| stackcheck::config::load(&p).unwrap_or_else(|e| panic!("{e}")));
    let opts = CheckOptions {
        load: LoadOptions { paths: vec![dir.to_path_buf()], config, ..LoadOptions::default() },
        select: vec![code.to_owned()],
        ignore: Vec::new(),
    };
    stackcheck::check(&opts)
}

fn render(r: &Report, format: Format) -> String {
    let opts = RenderOptions {
        format,
        color: false,
        width: 100,
        suppressed: r.suppressed,
        stacks: r.model.stacks.len(),
        files: r.model.db.len(),
    };
    report::render(&r.findings, &r.model.db, &r.secrets, &opts)
}

fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .expect("fixtures/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "cases"))
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_rule_has_fixtures_and_every_fixture_a_rule() {
    let dirs = fixture_dirs();
    for rule in rules::ALL.iter() {
        let dir = PathBuf::from(format!("fixtures/{}-{}", rule.code, rule.name));
        assert!(dir.join("fires").is_dir(), "{} has no {}/fires", rule.code, dir.display());
        assert!(dir.join("near-miss").is_dir(), "{} has no {}/near-miss", rule.code, dir.display());
    }
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (code, rest) = name.split_once('-').unwrap();
        let rule = rules::find(code).unwrap_or_else(|| panic!("fixture dir {name} names no rule"));
        assert_eq!(rest, rule.name, "fixture dir {name} does not match rule name {}", rule.name);
    }
}

#[test]
fn fixtures_fire_and_near_misses_stay_silent() {
    let mut failures = Vec::new();
    for dir in fixture_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let code = name.split('-').next().unwrap().to_owned();
        let fires = run_only(&code, &dir.join("fires"));
        if !fires.findings.iter().any(|f| f.code == code) {
            failures.push(format!("{code} did not fire on {}/fires", dir.display()));
        }
        // Each near-miss sub-directory on its own (with its stackcheck.toml, if any); the near-miss root
        // as a whole when it holds files itself.
        let root = dir.join("near-miss");
        let entries: Vec<PathBuf> =
            std::fs::read_dir(&root).map(|rd| rd.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        let mut near: Vec<PathBuf> = entries.iter().filter(|p| p.is_dir()).cloned().collect();
        near.sort();
        if entries.iter().any(|p| p.is_file()) || near.is_empty() {
            near.insert(0, root);
        }
        for case in near {
            let quiet = run_only(&code, &case);
            for f in quiet.findings.iter().filter(|f| f.code == code) {
                let loc = report::locate(&quiet.model.db, f.primary.span);
                failures.push(format!("{code} fired on its near miss: {}:{}: {}", loc.path, loc.line, f.message));
            }
        }
        insta::assert_snapshot!(format!("{code}-fires-compact"), render(&fires, Format::Compact));
        insta::assert_snapshot!(format!("{code}-fires-human"), render(&fires, Format::Human));
        insta::assert_snapshot!(format!("{code}-fires-json"), render(&fires, Format::Json));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn readme_rule_table_matches_the_registry() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let rows: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("| ") && l.as_bytes().get(2).is_some_and(u8::is_ascii_uppercase))
        .collect();
    let listed: Vec<String> =
        rows.iter().filter_map(|r| r.split('|').nth(1)).map(|c| c.trim().to_owned()).filter(|c| c != "code").collect();
    let registered: Vec<String> = rules::ALL.iter().map(|r| r.code.to_owned()).collect();
    assert_eq!(
        listed, registered,
        "README.md's rule table is out of date (regenerate it from `stackcheck rules --format json`)"
    );
    for r in rules::ALL.iter() {
        let prefix = format!("| {} | {} | {} |", r.code, r.name, r.severity.as_str());
        let default = if r.default { "| yes |" } else { "| opt-in |" };
        assert!(
            rows.iter().any(|row| row.starts_with(&prefix) && row.ends_with(default)),
            "README.md lists {} differently",
            r.code
        );
    }
}

#[test]
fn every_summary_is_one_line() {
    for r in rules::ALL.iter() {
        let s = r.summary();
        assert!(!s.is_empty() && !s.contains('\n'), "{}: summary spans lines: {s:?}", r.code);
    }
}
