//! The human format: one miette graphical report per finding, with a snippet from every file involved
//! (labels in the primary file on the main snippet, one related report per other file), the rule code and
//! name, help text and whether a fix exists; then a summary line. Snippets come from masked sources.

use std::collections::HashMap;
use std::fmt;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::finding::{Applicability, Finding, Severity};
use crate::report::{RenderOptions, summary};
use crate::secret::{SecretSet, mask_source};
use crate::source::{FileId, SourceDb};

type Src = NamedSource<String>;

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
                let text = f.map(|f| f.text.to_string()).unwrap_or_default();
                let text = mask_source(&text, self.secrets).unwrap_or(text);
                NamedSource::new(f.map(|f| f.display_path()).unwrap_or_default(), text)
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
