//! The rule registry: one static list of every rule, sorted by code. Rules are pure functions of the
//! loaded model; the engine runs them in parallel (rayon) and sorts the output, so it is identical at any
//! `-j`.

use rayon::prelude::*;

use crate::finding::{Finding, Severity};
use crate::model::StackModel;

pub mod common;
pub mod compose;
pub mod creds;
pub mod dns;
pub mod env;
pub mod hardening;
pub mod migrations;
pub mod parse;
pub mod prelude;
pub mod proxy;
pub mod redirects;
pub mod traefik;

/// Whether a rule can fix what it finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    None,
    Safe,
    Unsafe,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Safe => "safe",
            FixAvailability::Unsafe => "unsafe",
        }
    }
}

pub type CheckFn = fn(&StackModel, &mut Sink);

pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    /// In the default selection. Opinions (hardening, style) are opt-in: they run when a selector names
    /// them (`--select S8`, `select = ["ALL"]`), never by default.
    pub default: bool,
    /// The rule's documentation page (`rules/docs/<CODE>-<name>.md`).
    pub doc: &'static str,
    /// The check; P0xx findings come from the loader and their check does nothing.
    pub check: CheckFn,
}

impl Rule {
    /// The first sentence of "What it does", for `stackcheck rules`.
    pub fn summary(&self) -> &'static str {
        let after = self.doc.split("**What it does.**").nth(1).unwrap_or(self.doc);
        let first = after.trim_start();
        // The first sentence ends at the earliest `. ` or `.` + line break (the paragraph's end).
        let end = [first.find(". "), first.find(".\n")].into_iter().flatten().min().map_or(first.len(), |i| i + 1);
        first.get(..end).unwrap_or(first).trim()
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.name)
    }
}

/// Where a rule reports.
#[derive(Default)]
pub struct Sink {
    pub findings: Vec<Finding>,
    /// The selection names this rule itself (its code, its name, or `ALL`), not only through a prefix or
    /// the default set: a rule with opt-in parts (E208's style checks) runs them only then.
    pub named: bool,
}

impl Sink {
    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }
}

/// The catalog order of the categories: load, compose, env, credentials, proxies, Traefik, migrations,
/// DNS, hardening.
pub const CATEGORIES: &str = "PCEXNTMDS";

/// Sort key of a code in catalog order (`P001` < `C101` < `E201`...).
pub fn code_order(code: &str) -> (usize, &str) {
    let cat = code.chars().next().and_then(|c| CATEGORIES.find(c)).unwrap_or(CATEGORIES.len());
    (cat, code.get(1..).unwrap_or(""))
}

/// Every rule, sorted by code in catalog order: each category's module lists its own rules (sorted), so
/// that work on one category never touches another's list.
pub static ALL: std::sync::LazyLock<Vec<&'static Rule>> = std::sync::LazyLock::new(|| {
    let mut all: Vec<&'static Rule> = Vec::new();
    for category in [
        parse::RULES,
        compose::RULES,
        env::RULES,
        creds::RULES,
        proxy::RULES,
        traefik::RULES,
        migrations::RULES,
        dns::RULES,
        hardening::RULES,
    ] {
        all.extend_from_slice(category);
    }
    all
});

/// A rule by code or kebab-case name (case-insensitive code).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    let code_or_name = redirects::resolve(code_or_name);
    ALL.iter().copied().find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// Does a selector (`ALL`, a code, a name, or a code prefix like `C1` or `E`) match this rule?
pub fn selector_matches(selector: &str, code: &str, name: &str) -> bool {
    let s = redirects::resolve(selector.trim());
    if s.eq_ignore_ascii_case("ALL") || s == name {
        return true;
    }
    let upper = s.to_ascii_uppercase();
    !upper.is_empty() && code.starts_with(&upper) && upper.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// Does a selector name this rule itself: its code, its name or `ALL` (not a prefix)?
pub fn selector_names(selector: &str, code: &str, name: &str) -> bool {
    let s = redirects::resolve(selector.trim());
    s.eq_ignore_ascii_case("ALL") || s == name || s.eq_ignore_ascii_case(code)
}

/// A selector that matches at least one rule.
pub fn is_known_selector(selector: &str) -> bool {
    ALL.iter().any(|r| selector_matches(selector, r.code, r.name))
}

/// `stackcheck rules`: one line per rule (code, name, severity, fix, summary).
pub fn table() -> String {
    let mut out = String::from("code  name                                      severity  fix     default  summary\n");
    for r in ALL.iter() {
        out.push_str(&format!(
            "{:<5} {:<41} {:<9} {:<7} {:<8} {}\n",
            r.code,
            r.name,
            r.severity.as_str(),
            r.fix.as_str(),
            if r.default { "yes" } else { "opt-in" },
            r.summary()
        ));
    }
    out
}

/// `stackcheck rules --format json`.
pub fn json() -> serde_json::Value {
    serde_json::Value::Array(
        ALL.iter()
            .map(|r| {
                serde_json::json!({
                    "code": r.code,
                    "name": r.name,
                    "severity": r.severity,
                    "fix": r.fix,
                    "default": r.default,
                    "summary": r.summary(),
                    "doc": r.doc,
                })
            })
            .collect(),
    )
}

/// A rule's documentation for the terminal: the title, then one paragraph per lead-in, wrapped.
pub fn render_doc(rule: &Rule, width: usize) -> String {
    let mut out = String::new();
    let mut body = rule.doc.lines();
    if let Some(title) = body.next() {
        out.push_str(title.trim_start_matches("# "));
        out.push_str(&format!(
            "  (severity: {}, fix: {}{})\n",
            rule.severity.as_str(),
            rule.fix.as_str(),
            if rule.default { "" } else { ", opt-in: --select " }
        ));
        if !rule.default {
            out.truncate(out.len() - 2);
            out.push_str(rule.code);
            out.push_str(")\n");
        }
    }
    let text: String = body.collect::<Vec<_>>().join(" ");
    let mut paragraphs: Vec<String> = Vec::new();
    for part in text.split("**").collect::<Vec<_>>().chunks(2) {
        match part {
            [plain, lead] => {
                if let Some(last) = paragraphs.last_mut() {
                    last.push_str(plain.trim_end());
                } else if !plain.trim().is_empty() {
                    paragraphs.push(plain.trim().to_owned());
                }
                paragraphs.push(format!("{} ", lead.trim()));
            }
            [plain] => {
                if let Some(last) = paragraphs.last_mut() {
                    last.push_str(plain.trim());
                }
            }
            _ => {}
        }
    }
    for p in paragraphs {
        out.push('\n');
        out.push_str(&wrap(p.trim(), width.max(40)));
        out.push('\n');
    }
    out
}

fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

/// Runs the given rules over the model in parallel; the output is sorted by the caller. `named` lists the
/// codes the selection names explicitly (see [`Sink::named`]).
pub fn run(model: &StackModel, rules: &[&'static Rule], named: &[&str]) -> Vec<Finding> {
    rules
        .par_iter()
        .flat_map_iter(|r| {
            let mut sink = Sink { findings: Vec::new(), named: named.contains(&r.code) };
            (r.check)(model, &mut sink);
            sink.findings
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_unique_and_well_named() {
        for pair in ALL.windows(2) {
            assert!(code_order(pair[0].code) < code_order(pair[1].code), "{} before {}", pair[0].code, pair[1].code);
        }
        for r in ALL.iter() {
            assert_eq!(r.code.len(), 4, "{}", r.code);
            assert!(r.code.chars().next().is_some_and(|c| CATEGORIES.contains(c)), "{}", r.code);
            assert!(r.code[1..].chars().all(|c| c.is_ascii_digit()), "{}", r.code);
            // Digits too: rules.md names N404 `listen-443-in-container-behind-proxy`.
            assert!(r.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{}", r.name);
            let title = format!("# {} {}", r.code, r.name);
            assert!(r.doc.starts_with(&title), "{} doc must start with `{title}`", r.code);
            for lead in
                ["**What it does.**", "**Why it matters.**", "**Example.**", "**Fix.**", "**Stays silent when.**"]
            {
                assert!(r.doc.contains(lead), "{} doc lacks {lead}", r.code);
            }
            assert!(!r.summary().is_empty());
        }
    }

    #[test]
    fn doc_rendering() {
        let text = render_doc(&compose::host_port_conflict::RULE, 80);
        assert!(text.starts_with("C101 host-port-conflict  (severity: error, fix: none)"), "{text}");
        assert!(text.contains("\nWhat it does. Flags two services"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 80 || !l.contains(' ')), "{text}");
        assert!(!text.contains("**"));
        assert_eq!(json().as_array().map(Vec::len), Some(ALL.len()));
    }

    #[test]
    fn selectors() {
        assert!(selector_matches("C1", "C101", "host-port-conflict"));
        assert!(selector_matches("c101", "C101", "host-port-conflict"));
        assert!(selector_matches("host-port-conflict", "C101", "host-port-conflict"));
        assert!(selector_matches("ALL", "E207", "duplicate-key"));
        assert!(!selector_matches("C2", "C101", "host-port-conflict"));
        assert!(!selector_matches("", "C101", "host-port-conflict"));
        assert!(is_known_selector("E2"));
        assert!(!is_known_selector("Z999"));
        assert!(selector_matches("C115", "P008", "missing-file"));
        assert!(selector_names("e208", "E208", "env-format"));
        assert!(selector_names("env-format", "E208", "env-format"));
        assert!(selector_names("ALL", "E208", "env-format"));
        assert!(!selector_names("E2", "E208", "env-format"));
        assert!(!selector_names("E", "E208", "env-format"));
        assert_eq!(find("env-file-not-found").map(|r| r.code), Some("P008"));
    }
}
