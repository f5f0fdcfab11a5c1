//! Output formats: `human` (miette graphical reports with snippets from every file involved), `compact`
//! (`path:line:col: CODE [severity] message`) and `json`. Every format masks secrets: snippets come from
//! masked copies of the sources, and free text goes through the run's [`SecretSet`].

use crate::finding::{Finding, Severity};
use crate::secret::SecretSet;
use crate::source::{SourceDb, Span};

pub mod compact;
pub mod human;
pub mod json;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Compact,
    Json,
}

/// How to render.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub format: Format,
    pub color: bool,
    /// Terminal width for the human format.
    pub width: usize,
    /// Number of findings hidden by suppression comments, for the summary.
    pub suppressed: usize,
    pub stacks: usize,
    pub files: usize,
}

/// A resolved location for output.
pub struct Location {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub start: u32,
    pub end: u32,
}

pub fn locate(db: &SourceDb, span: Span) -> Location {
    let path = db.get(span.file).map(|f| f.display_path()).unwrap_or_default();
    let (line, column) = db.line_col(span.file, span.start);
    let (end_line, end_column) = db.line_col(span.file, span.end);
    Location { path, line, column, end_line, end_column, start: span.start, end: span.end }
}

/// Sorts findings for output: path, line, column, code, message. The order is the same at any `-j`.
pub fn sort(findings: &mut [Finding], db: &SourceDb) {
    findings.sort_by(|a, b| {
        let pa = db.get(a.primary.span.file).map(|f| f.display_path()).unwrap_or_default();
        let pb = db.get(b.primary.span.file).map(|f| f.display_path()).unwrap_or_default();
        pa.cmp(&pb)
            .then(a.primary.span.start.cmp(&b.primary.span.start))
            .then(a.code.cmp(b.code))
            .then(a.message.cmp(&b.message))
            .then(a.primary.span.end.cmp(&b.primary.span.end))
    });
}

pub fn render(findings: &[Finding], db: &SourceDb, secrets: &SecretSet, opts: &RenderOptions) -> String {
    match opts.format {
        Format::Human => human::render(findings, db, secrets, opts),
        Format::Compact => compact::render(findings, db, secrets),
        Format::Json => json::render(findings, db, secrets),
    }
}

/// "3 errors, 1 warning" style counts.
pub fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let e = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let w = findings.iter().filter(|f| f.severity == Severity::Warning).count();
    let i = findings.iter().filter(|f| f.severity == Severity::Info).count();
    (e, w, i)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// The summary line the human format ends with.
pub fn summary(findings: &[Finding], opts: &RenderOptions) -> String {
    let (e, w, i) = counts(findings);
    let scope = format!("{} in {}", plural(opts.files, "file"), plural(opts.stacks, "stack"));
    let mut s = if findings.is_empty() {
        format!("All checks passed: {scope}.")
    } else {
        let mut parts = Vec::new();
        if e > 0 {
            parts.push(plural(e, "error"));
        }
        if w > 0 {
            parts.push(plural(w, "warning"));
        }
        if i > 0 {
            parts.push(plural(i, "info"));
        }
        format!("Found {} ({}): {scope}.", plural(findings.len(), "problem"), parts.join(", "))
    };
    // As ruff says it: what `--fix` would apply, and what only `--unsafe-fixes` adds.
    let with = |a: crate::finding::Applicability| {
        findings.iter().filter(|f| f.fix.as_ref().is_some_and(|x| x.applicability == a)).count()
    };
    let (safe, unsafe_) = (with(crate::finding::Applicability::Safe), with(crate::finding::Applicability::Unsafe));
    match (safe, unsafe_) {
        (0, 0) => {}
        (0, u) => s.push_str(&format!(" {u} fixable with `--fix --unsafe-fixes`.")),
        (n, 0) => s.push_str(&format!(" {n} fixable with `--fix`.")),
        (n, u) => s.push_str(&format!(" {n} fixable with `--fix` ({u} more with `--unsafe-fixes`).")),
    }
    if opts.suppressed > 0 {
        s.push_str(&format!(" {} suppressed by comments.", plural(opts.suppressed, "finding")));
    }
    s
}
