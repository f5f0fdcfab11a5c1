//! stackcheck: a pre-deploy validator for self-hosted stacks.
//!
//! The library loads a whole stack (compose files, env files and templates) once into a
//! [`model::StackModel`], runs the rules over it in parallel and returns a [`Report`]. It never prints
//! and never exits: the binary (`main.rs`) does that.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod compose;
pub mod config;
pub mod discover;
pub mod envfile;
pub mod finding;
pub mod fix;
pub mod init;
pub mod inspect;
pub mod interp;
pub mod knowledge;
pub mod load;
pub mod map;
pub mod model;
pub mod packs;
pub mod provenance;
pub mod report;
pub mod rules;
pub mod scope;
pub mod secret;
pub mod source;
pub mod sources;
pub mod suppress;
pub mod term;
pub mod yaml;

use finding::{Finding, Severity};
use load::LoadOptions;
use model::StackModel;
use rules::Rule;
use secret::SecretSet;
use source::Span;

/// What `check` runs.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    pub load: LoadOptions,
    /// Rule selectors to enable (codes, names, prefixes, `ALL`); empty = all.
    pub select: Vec<String>,
    /// Rule selectors to disable.
    pub ignore: Vec<String>,
}

/// The outcome of a run.
pub struct Report {
    pub model: StackModel,
    /// Sorted by path, line, column and code; suppressed findings removed.
    pub findings: Vec<Finding>,
    pub suppressed: usize,
    /// Suppression codes that suppressed nothing (`--statistics`).
    pub unused_suppressions: Vec<(String, Span)>,
    /// Every secret value of the run, for masking free text.
    pub secrets: SecretSet,
}

impl Report {
    /// Findings at or above a severity.
    pub fn failing(&self, fail_on: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity >= fail_on).count()
    }
}

/// The rules a selection enables, in registry order: without a selection, the default rule set.
pub fn selected_rules(select: &[String], ignore: &[String]) -> Vec<&'static Rule> {
    rules::ALL
        .iter()
        .copied()
        .filter(|r| {
            if select.is_empty() {
                r.default
            } else {
                select.iter().any(|s| rules::selector_matches(s, r.code, r.name))
            }
        })
        .filter(|r| !ignore.iter().any(|s| rules::selector_matches(s, r.code, r.name)))
        .collect()
}

/// Loads the stacks, runs the selected rules, applies suppressions and sorts the findings.
pub fn check(opts: &CheckOptions) -> Report {
    check_with_load_problems(opts).0
}

/// [`check`], plus where every load problem (P0xx) is, selected or not: the fix loop reverts a round of
/// edits that makes a file fail to load.
pub(crate) fn check_with_load_problems(opts: &CheckOptions) -> (Report, Vec<(source::FileId, &'static str)>) {
    let loaded = load::load(&opts.load);
    let problems: Vec<(source::FileId, &'static str)> =
        loaded.findings.iter().map(|f| (f.primary.span.file, f.code)).collect();
    // The command line's --select replaces the config's; --ignore adds to it (as in ruff).
    let config = opts.load.config.as_ref();
    let select: Vec<String> = if opts.select.is_empty() {
        config.map(|c| c.rules.select.iter().map(|s| s.get_ref().clone()).collect()).unwrap_or_default()
    } else {
        opts.select.clone()
    };
    let mut ignore: Vec<String> =
        config.map(|c| c.rules.ignore.iter().map(|s| s.get_ref().clone()).collect()).unwrap_or_default();
    ignore.extend(opts.ignore.iter().cloned());
    let selected = selected_rules(&select, &ignore);
    let model = loaded.model;
    let mut findings: Vec<Finding> =
        loaded.findings.into_iter().filter(|f| selected.iter().any(|r| r.code == f.code)).collect();
    let named: Vec<&str> = selected
        .iter()
        .filter(|r| select.iter().any(|s| rules::selector_names(s, r.code, r.name)))
        .map(|r| r.code)
        .collect();
    findings.extend(rules::run(&model, &selected, &named));
    // A file shared by several stacks (a base and its environment overlays) gives the same finding once.
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert((f.code, f.primary.span, f.message.clone())));
    let applied = suppress::apply(findings, &model.directives, &model.db);
    let mut findings = applied.kept;
    findings.extend(applied.problems.into_iter().filter(|f| selected.iter().any(|r| r.code == f.code)));
    if let Some(config) = config {
        for f in &mut findings {
            if let Some(sev) = config.severity_of(f.code, f.name) {
                f.severity = sev;
            }
        }
    }
    report::sort(&mut findings, &model.db);
    let secrets = collect_secrets(&model);
    let report =
        Report { model, findings, suppressed: applied.suppressed, unused_suppressions: applied.unused, secrets };
    (report, problems)
}

/// Every secret value the loaded files hold.
pub fn collect_secrets(model: &StackModel) -> SecretSet {
    let mut set = SecretSet::default();
    // Templates hold placeholders (`change-me`, `example`), not secrets: scrubbing those words from every
    // message would only garble paths and names.
    for (_, f) in model.db.iter().filter(|(_, f)| f.kind != source::FileKind::EnvTemplate) {
        set.add_from_source(&f.text);
    }
    for stack in &model.stacks {
        for (k, v) in &stack.vars {
            // A value written as is in an env file was collected with that file's text above.
            let from_file_text = matches!(v.origin, provenance::Origin::EnvFile { .. }) && v.interp.is_none();
            if !from_file_text
                && secret::is_secret_key(k)
                && let Some(v) = &v.value
            {
                set.add(v);
            }
        }
        for svc in &stack.services {
            for e in &svc.environment {
                if !(e.source == model::EnvSource::EnvFile && e.interp.is_none())
                    && secret::is_secret_key(&e.key)
                    && let Some(v) = &e.value
                {
                    set.add(v);
                }
            }
        }
        // The password of a URL assembled by interpolation (`redis://:${LOCAL_PW}@redis`) is a secret
        // whatever the name of the variable it came from: the X3xx findings show that variable's line.
        let interpolated = stack.vars.values().filter(|v| v.interp.is_some()).filter_map(|v| v.value.as_deref()).chain(
            stack
                .services
                .iter()
                .flat_map(|s| &s.environment)
                .filter(|e| e.interp.is_some())
                .filter_map(|e| e.value.as_deref()),
        );
        for value in interpolated {
            for p in rules::creds::url_passwords(value) {
                set.add(&p);
            }
        }
    }
    // A set: services that share an env file list the same keys.
    let mut names: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for stack in &model.stacks {
        names.insert(&stack.name);
        names.insert(&stack.project);
        names.extend(stack.networks.iter().chain(&stack.volumes).map(|r| r.key.as_str()));
        for svc in &stack.services {
            names.insert(&svc.name);
            names.extend(svc.container_name.as_ref().map(|c| c.as_str()));
            names.extend(svc.image.as_ref().map(|i| i.as_str()));
            names.extend(svc.environment.iter().map(|e| e.key.as_str()));
        }
    }
    let paths: Vec<String> = model.db.iter().map(|(_, f)| f.display_path()).collect();
    names.extend(paths.iter().map(String::as_str));
    set.exempt_names(names);
    set
}
