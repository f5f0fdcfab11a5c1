//! Suppression comments: `# stackcheck: ignore[C101, E203] reason` on the finding's line or the line above,
//! `# stackcheck: ignore-file[E208]` anywhere in a file (conventionally at the top). One syntax for every
//! format with `#` comments (YAML, env, nginx, Caddyfile, TOML). Sources do not interpret comments: this
//! module scans the text of every loaded file once, and filters findings after the rules ran, so rules never
//! see suppressions.

use crate::finding::Finding;
use crate::source::{FileId, SourceDb, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The directive's line and the line below it.
    Line,
    /// The whole file.
    File,
}

#[derive(Clone, Debug)]
pub struct Directive {
    pub file: FileId,
    /// 0-based line of the comment.
    pub line: usize,
    pub span: Span,
    pub scope: Scope,
    /// Codes or names as written, each with its span.
    pub codes: Vec<(String, Span)>,
    /// Set when the comment says `stackcheck:` but is not a valid directive.
    pub malformed: Option<String>,
}

/// Finds every `# stackcheck:` comment of every file.
pub fn collect(db: &SourceDb) -> Vec<Directive> {
    let mut out = Vec::new();
    for (id, file) in db.iter() {
        let text: &str = &file.text;
        if !text.contains("stackcheck:") {
            continue;
        }
        let mut line_start = 0usize;
        // Zone files comment with `;`; every other format we read with `#`.
        let mark = if file.kind == crate::source::FileKind::Zone { ';' } else { '#' };
        for (line_no, line) in text.split_inclusive('\n').enumerate() {
            if let Some(d) = parse_line(id, line_no, line_start, line, mark) {
                out.push(d);
            }
            line_start += line.len();
        }
    }
    out
}

fn parse_line(file: FileId, line_no: usize, line_start: usize, line: &str, mark: char) -> Option<Directive> {
    let at = line.find("stackcheck:")?;
    // Must be inside a comment: the comment mark before it with only spaces between.
    let before = line.get(..at)?;
    let hash = before.rfind(mark)?;
    if !before.get(hash + 1..)?.trim().is_empty() {
        return None;
    }
    let rest = line.get(at + "stackcheck:".len()..)?;
    let trimmed = rest.trim_start();
    let rest_off = at + "stackcheck:".len() + (rest.len() - trimmed.len());
    let span = Span::new(file, line_start + hash, line_start + line.trim_end().len());
    let (scope, after) = if let Some(a) = trimmed.strip_prefix("ignore-file") {
        (Scope::File, a)
    } else if let Some(a) = trimmed.strip_prefix("ignore") {
        (Scope::Line, a)
    } else {
        return Some(Directive {
            file,
            line: line_no,
            span,
            scope: Scope::Line,
            codes: Vec::new(),
            malformed: Some("expected `ignore[CODE]` or `ignore-file[CODE]`".to_owned()),
        });
    };
    let consumed = trimmed.len() - after.len();
    let Some(inner) = after.strip_prefix('[') else {
        return Some(Directive {
            file,
            line: line_no,
            span,
            scope,
            codes: Vec::new(),
            malformed: Some("expected `[` with the codes to ignore".to_owned()),
        });
    };
    let Some(close) = inner.find(']') else {
        return Some(Directive {
            file,
            line: line_no,
            span,
            scope,
            codes: Vec::new(),
            malformed: Some("missing `]`".to_owned()),
        });
    };
    let list = inner.get(..close).unwrap_or("");
    let list_off = line_start + rest_off + consumed + 1;
    let mut codes = Vec::new();
    let mut pos = 0usize;
    for part in list.split(',') {
        let lead = part.len() - part.trim_start().len();
        let code = part.trim();
        if !code.is_empty() {
            let start = list_off + pos + lead;
            codes.push((code.to_owned(), Span::new(file, start, start + code.len())));
        }
        pos += part.len() + 1;
    }
    if codes.is_empty() {
        return Some(Directive {
            file,
            line: line_no,
            span,
            scope,
            codes,
            malformed: Some("no code between `[` and `]`".to_owned()),
        });
    }
    Some(Directive { file, line: line_no, span, scope, codes, malformed: None })
}

/// The result of applying suppressions.
pub struct Applied {
    pub kept: Vec<Finding>,
    pub suppressed: usize,
    /// Warnings about the directives themselves (unknown codes, malformed comments).
    pub problems: Vec<Finding>,
    /// Directive codes that suppressed nothing (for `--statistics`).
    pub unused: Vec<(String, Span)>,
}

/// Drops the findings a directive covers. Cross-file findings are suppressed at their primary label.
pub fn apply(findings: Vec<Finding>, directives: &[Directive], db: &SourceDb) -> Applied {
    use crate::rules;
    let mut used = vec![Vec::<bool>::new(); directives.len()];
    for (i, d) in directives.iter().enumerate() {
        if let Some(slot) = used.get_mut(i) {
            *slot = vec![false; d.codes.len()];
        }
    }
    let mut kept = Vec::with_capacity(findings.len());
    let mut suppressed = 0;
    for f in findings {
        let file = f.primary.span.file;
        let line = db.get(file).map_or(0, |sf| sf.line_index().line_of(f.primary.span.start));
        let mut hit = false;
        for (i, d) in directives.iter().enumerate() {
            if d.file != file || d.malformed.is_some() {
                continue;
            }
            let in_scope = match d.scope {
                Scope::File => true,
                Scope::Line => d.line == line || d.line + 1 == line,
            };
            if !in_scope {
                continue;
            }
            for (j, (code, _)) in d.codes.iter().enumerate() {
                if rules::selector_matches(code, f.code, f.name) {
                    hit = true;
                    if let Some(u) = used.get_mut(i).and_then(|v| v.get_mut(j)) {
                        *u = true;
                    }
                }
            }
        }
        if hit {
            suppressed += 1;
        } else {
            kept.push(f);
        }
    }
    let mut problems = Vec::new();
    let mut unused = Vec::new();
    for (i, d) in directives.iter().enumerate() {
        if let Some(m) = &d.malformed {
            problems.push(
                Finding::new(&rules::parse::P011, d.span, format!("malformed stackcheck comment: {m}"))
                    .help("write `# stackcheck: ignore[CODE]` (codes or names, comma-separated)"),
            );
            continue;
        }
        for (j, (code, span)) in d.codes.iter().enumerate() {
            if !rules::is_known_selector(code) {
                problems.push(
                    Finding::new(&rules::parse::P011, *span, format!("unknown rule `{code}` in a suppression comment"))
                        .help("use a code such as C101 or a name such as host-port-conflict (`stackcheck rules` lists them)"),
                );
            } else if !used.get(i).and_then(|v| v.get(j)).copied().unwrap_or(false) {
                unused.push((code.clone(), *span));
            }
        }
    }
    Applied { kept, suppressed, problems, unused }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_scopes() {
        let line = "    - \"8080:80\"  # stackcheck: ignore[C104, host-port-conflict] tunnel\n";
        let d = parse_line(FileId(0), 3, 100, line, '#').expect("directive");
        assert_eq!(d.scope, Scope::Line);
        assert_eq!(d.codes.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), ["C104", "host-port-conflict"]);
        assert!(d.malformed.is_none());
        let (code, span) = &d.codes[1];
        assert_eq!(&line[(span.start - 100) as usize..(span.end - 100) as usize], code);
        let f = parse_line(FileId(0), 0, 0, "# stackcheck: ignore-file[E208]\n", '#').expect("file");
        assert_eq!(f.scope, Scope::File);
    }

    #[test]
    fn ignores_text_outside_comments() {
        assert!(parse_line(FileId(0), 0, 0, "image: stackcheck:latest\n", '#').is_none());
        assert!(parse_line(FileId(0), 0, 0, "# see stackcheck: docs\n", '#').is_none());
    }

    #[test]
    fn malformed_directives_are_kept_for_reporting() {
        let d = parse_line(FileId(0), 0, 0, "# stackcheck: ignore C101\n", '#').expect("directive");
        assert!(d.malformed.is_some());
        let d = parse_line(FileId(0), 0, 0, "# stackcheck: ignore[]\n", '#').expect("directive");
        assert!(d.malformed.is_some());
    }
}
