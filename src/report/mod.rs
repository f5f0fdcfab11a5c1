//! Output formats: `human` (miette graphical reports with snippets from every file involved), `compact`
//! (`path:line:col: CODE [severity] message`), `json`, `sarif` (SARIF 2.1.0 for code scanning) and `github`
//! (GitHub Actions workflow commands). Every format masks secrets: snippets come from masked copies of the
//! sources, and free text goes through the run's [`SecretSet`].

use crate::finding::{Finding, Severity};
use crate::secret::SecretSet;
use std::path::{Path, PathBuf};

use crate::source::{SourceDb, Span};

pub mod compact;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Compact,
    Json,
    Sarif,
    Github,
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

/// Where the `sarif` and `github` formats make paths relative to: the root of the git work tree that
/// holds the working directory (GitHub resolves both against the repository root), else the working
/// directory itself.
#[derive(Clone, Debug)]
pub struct PathBase {
    /// Absolute, normalised.
    pub root: PathBuf,
    /// Absolute: relative paths in the source table are relative to it.
    pub cwd: PathBuf,
}

impl PathBase {
    /// The working directory and the git work tree around it.
    pub fn discover() -> PathBase {
        let cwd = std::env::current_dir().map(|d| normalize(&d)).unwrap_or_default();
        let root = cwd.ancestors().find(|d| d.join(".git").exists()).unwrap_or(&cwd).to_path_buf();
        PathBase { root, cwd }
    }

    /// Paths relative to `root` (made absolute against the working directory when relative).
    pub fn at(root: &Path) -> PathBase {
        let cwd = std::env::current_dir().map(|d| normalize(&d)).unwrap_or_default();
        PathBase { root: normalize(&cwd.join(root)), cwd }
    }

    /// The absolute, normalised form of a path from the source table.
    pub fn absolute(&self, path: &Path) -> PathBuf {
        normalize(&self.cwd.join(path))
    }

    /// The path relative to the root, with `/` separators, or None when it lies outside the root.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let abs = self.absolute(path);
        let rel = abs.strip_prefix(&self.root).ok()?;
        let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        if parts.is_empty() { None } else { Some(parts.join("/")) }
    }
}

/// Removes `.` and resolves `..` lexically (no file system access: symlinks stay as written).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// A span without the line break(s) it ends with, for display ranges: a finding on a whole line
/// `KEY=value\n` is shown on that line, not up to column 1 of the next one. Empty spans stay as they are.
pub fn display_span(db: &SourceDb, span: Span) -> Span {
    let text = db.text(span.file).as_bytes();
    let mut end = span.end as usize;
    while end > span.start as usize + 1 && matches!(text.get(end - 1), Some(b'\n' | b'\r')) {
        end -= 1;
    }
    Span { end: u32::try_from(end).unwrap_or(span.end), ..span }
}

/// 1-based line and 1-based column counted in UTF-16 code units (SARIF's default `columnKind`) of a byte
/// offset. An offset inside a character counts from that character's start.
pub fn line_col_utf16(db: &SourceDb, file: crate::source::FileId, offset: u32) -> (u32, u32) {
    let Some(f) = db.get(file) else { return (1, 1) };
    let text: &str = &f.text;
    let mut at = (offset as usize).min(text.len());
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    let index = f.line_index();
    let line = index.line_of(u32::try_from(at).unwrap_or(u32::MAX));
    let start = index.line_range(text, line).start.min(at);
    let col = text.get(start..at).map_or(0, |s| s.encode_utf16().count());
    (u32::try_from(line + 1).unwrap_or(u32::MAX), u32::try_from(col + 1).unwrap_or(u32::MAX))
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
        Format::Sarif => sarif::render(findings, db, secrets, &PathBase::discover()),
        Format::Github => github::render(findings, db, secrets, &PathBase::discover()),
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
