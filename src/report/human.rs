//! The human format: one miette graphical report per finding, with a snippet from every file involved
//! (labels in the primary file on the main snippet, one related report per other file), the rule code and
//! name, help text and whether a fix exists; then a summary line. Snippets come from masked sources.

use std::collections::HashMap;
use std::fmt;

use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

use crate::finding::{Applicability, Finding, Severity};
use crate::report::{RenderOptions, summary};
use crate::secret::{SecretSet, mask_source};
use crate::source::{FileId, SourceDb};

use crate::source::LineIndex;

/// A masked file text with its line index: miette asks for the lines around each label, and the default
/// `str` source scans the file from its start for every request (quadratic with many findings in one file).
#[derive(Clone)]
struct Src {
    name: String,
    text: Arc<str>,
    lines: Arc<LineIndex>,
}

impl Src {
    fn name(&self) -> &str {
        &self.name
    }
}

impl SourceCode for Src {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.text.as_bytes();
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let start_line = self.lines.line_of(u32::try_from(start).unwrap_or(u32::MAX));
        let last = if span.is_empty() { start } else { end - 1 };
        let end_line = self.lines.line_of(u32::try_from(last).unwrap_or(u32::MAX));
        let first_line = start_line.saturating_sub(before);
        let last_line = (end_line + after).min(self.lines.line_count().saturating_sub(1));
        let data_start = if before == 0 { start } else { self.lines.line_range(&self.text, first_line).start };
        let tail = self.lines.line_range(&self.text, last_line).end;
        // Include the line break of the last line, as miette's own sources do.
        let data_end = text.get(tail..).map_or(tail, |rest| {
            tail + if rest.starts_with(b"\r\n") { 2 } else { usize::from(rest.starts_with(b"\n")) }
        });
        let column = if before == 0 {
            self.text.get(self.lines.line_range(&self.text, start_line).start..start).map_or(0, |s| s.chars().count())
        } else {
            0
        };
        let data = text.get(data_start..data_end.max(data_start)).ok_or(MietteError::OutOfBounds)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            (data_start, data.len()).into(),
            if before == 0 { start_line } else { first_line },
            column,
            // The number of lines in this context, plus a little: miette merges two contexts of one file
            // when they reach each other, so labels a few lines apart share a snippet while labels far
            // apart get their own instead of everything in between.
            last_line + 1 - if before == 0 { start_line } else { first_line } + 3,
        )))
    }
}

struct Diag {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: Src,
    labels: Vec<LabeledSpan>,
    related: Vec<Diag>,
}

impl fmt::Debug for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diag {}

impl Diagnostic for Diag {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.as_ref().map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() { None } else { Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic))) }
    }
}

/// Masked file texts, built once per file that a finding shows.
struct Sources<'a> {
    db: &'a SourceDb,
    secrets: &'a SecretSet,
    cache: HashMap<FileId, Src>,
}

impl Sources<'_> {
    fn get(&mut self, file: FileId) -> Src {
        self.cache
            .entry(file)
            .or_insert_with(|| {
                let f = self.db.get(file);
                let name = f.map(|f| f.display_path()).unwrap_or_default();
                let original: Arc<str> = f.map(|f| f.text.clone()).unwrap_or_else(|| Arc::from(""));
                let text: Arc<str> = mask_source(&original, self.secrets).map_or(original, Arc::from);
                Src { name, lines: Arc::new(LineIndex::new(&text)), text }
            })
            .clone()
    }
}

fn span_of(s: crate::source::Span) -> SourceSpan {
    SourceSpan::new((s.start as usize).into(), s.len())
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn label(message: &str, span: crate::source::Span, secrets: &SecretSet, primary: bool) -> LabeledSpan {
    let text = if message.is_empty() { None } else { Some(secrets.scrub(message).into_owned()) };
    if primary {
        LabeledSpan::new_primary_with_span(text, span_of(span))
    } else {
        LabeledSpan::new_with_span(text, span_of(span))
    }
}

fn diagnostic(f: &Finding, sources: &mut Sources<'_>, secrets: &SecretSet) -> Diag {
    let file = f.primary.span.file;
    let mut labels = vec![label(&f.primary.message, f.primary.span, secrets, true)];
    let mut related: Vec<Diag> = Vec::new();
    for r in &f.related {
        if r.span.file == file {
            labels.push(label(&r.message, r.span, secrets, false));
            continue;
        }
        // One related report per other file, holding every label in that file.
        match related.iter_mut().position(|d| d.source.name() == sources.get(r.span.file).name()) {
            Some(i) => {
                if let Some(d) = related.get_mut(i) {
                    d.labels.push(label(&r.message, r.span, secrets, false));
                }
            }
            None => related.push(Diag {
                message: format!("see also {}", sources.get(r.span.file).name()),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: sources.get(r.span.file),
                labels: vec![label(&r.message, r.span, secrets, false)],
                related: Vec::new(),
            }),
        }
    }
    let mut help = f.help.as_deref().map(|h| secrets.scrub(h).into_owned());
    if let Some(fix) = &f.fix {
        let how = match fix.applicability {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        };
        let line = format!("fix ({how}): {}", secrets.scrub(&fix.title));
        help = Some(match help {
            Some(h) => format!("{h}\n{line}"),
            None => line,
        });
    }
    Diag {
        message: secrets.scrub(&f.message).into_owned(),
        code: Some(format!("{} {}", f.code, f.name)),
        severity: severity(f.severity),
        help,
        source: sources.get(file),
        labels,
        related,
    }
}

pub fn render(findings: &[Finding], db: &SourceDb, secrets: &SecretSet, opts: &RenderOptions) -> String {
    let theme = if opts.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler =
        GraphicalReportHandler::new_themed(theme).with_links(false).with_width(opts.width).with_context_lines(1);
    let mut sources = Sources { db, secrets, cache: HashMap::new() };
    let mut out = String::new();
    for f in findings {
        let d = diagnostic(f, &mut sources, secrets);
        let mut buf = String::new();
        if handler.render_report(&mut buf, &d).is_err() {
            buf = format!("{}: {} {}\n", f.code, f.name, d.message);
        }
        out.push_str(&buf);
        out.push('\n');
    }
    out.push_str(&summary(findings, opts));
    out.push('\n');
    out
}
