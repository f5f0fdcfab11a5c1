//! `--format github`: one GitHub Actions workflow command per finding, which the runner turns into an
//! annotation on the file and line:
//!
//! ```text
//! ::error file=deploy/compose.yaml,line=12,endLine=12,col=9,endColumn=20,title=C101 host-port-conflict::message
//! ```
//!
//! Severities map to `error`, `warning` and `notice`. Paths are relative to the git work tree (the runner
//! reads them against the repository root). Columns count characters, the end column is exclusive (as in
//! the other formats); a finding spanning several lines gives lines only, since the runner drops the
//! columns of such a range. Escaping follows the runner's parser: `%`, CR and LF in the message; those and
//! `:` and `,` in property values. The message carries the related locations and the help on further
//! lines (an annotation shows them all).
use crate::finding::{Finding, Severity};
use crate::report::{PathBase, display_span};
use crate::secret::SecretSet;
use crate::source::SourceDb;

/// Escapes a command's data (the message).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (`file`, `title`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

pub fn render(findings: &[Finding], db: &SourceDb, secrets: &SecretSet, base: &PathBase) -> String {
    let path_of = |file| {
        let path = db.path(file);
        base.relative(path).unwrap_or_else(|| base.absolute(path).to_string_lossy().replace('\\', "/"))
    };
    let mut out = String::new();
    for f in findings {
        let span = display_span(db, f.primary.span);
        let (line, col) = db.line_col(span.file, span.start);
        let (end_line, end_col) = db.line_col(span.file, span.end);
        let mut props = format!("file={},line={line},endLine={end_line}", escape_property(&path_of(span.file)));
        if line == end_line {
            props.push_str(&format!(",col={col},endColumn={end_col}"));
        }
        props.push_str(&format!(",title={}", escape_property(&format!("{} {}", f.code, f.name))));
        let mut message = secrets.scrub(&f.message).into_owned();
        if !f.primary.message.is_empty() {
            message.push_str(&format!(": {}", secrets.scrub(&f.primary.message)));
        }
        for r in &f.related {
            let (l, c) = db.line_col(r.span.file, r.span.start);
            message.push_str(&format!("\n{}:{l}:{c}: {}", path_of(r.span.file), secrets.scrub(&r.message)));
        }
        if let Some(help) = &f.help {
            message.push_str(&format!("\nhelp: {}", secrets.scrub(help)));
        }
        if let Some(fix) = &f.fix {
            let how = match fix.applicability {
                crate::finding::Applicability::Safe => "--fix",
                crate::finding::Applicability::Unsafe => "--fix --unsafe-fixes",
            };
            message.push_str(&format!("\nfix ({how}): {}", secrets.scrub(&fix.title)));
        }
        out.push_str(&format!("::{} {props}::{}\n", command(f.severity), escape_data(&message)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_the_runner() {
        assert_eq!(escape_data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
        assert_eq!(escape_property("C:\\x,y%z\n"), "C%3A\\x%2Cy%25z%0A");
        // `%` first: an input that looks escaped stays literal.
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
