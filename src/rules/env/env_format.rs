//! E208: env-file formatting. Every check has a sub-id (the first word of the message). The default run
//! reports only the checks where two readers of the same line (compose, a shell that sources the file,
//! `docker run --env-file`, dotenv libraries) get different variables; the style checks (order, blank
//! lines, case, quotes, whitespace) run only when the selection names E208 itself ([`Sink::named`]).
//! One linear pass over the entries, plus one over the lines for the style checks.
use std::collections::HashSet;

use crate::envfile::Quote;
use crate::interp::{self, ErrorKind, Lookup};
use crate::model::env::{EnvEntry, EnvValue};
use crate::model::{EnvFileModel, EnvRole};
use crate::rules::prelude::*;
use crate::source::FileId;

pub static RULE: Rule = Rule {
    code: "E208",
    name: "env-format",
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    default: true,
    doc: include_str!("../../../rules/docs/E208-env-format.md"),
    check,
};

/// A byte-range replacement: start, end, new text.
type TextEdit = (usize, usize, String);

/// A problem on a byte range of one file, before it becomes a [`Finding`].
#[derive(Debug)]
struct Problem {
    id: &'static str,
    start: usize,
    end: usize,
    message: String,
    label: &'static str,
    help: String,
    error: bool,
    /// Another place in the same file the finding refers to.
    related: Option<(usize, usize, &'static str)>,
    fix: Option<(String, Applicability, Vec<TextEdit>)>,
}

impl Problem {
    fn new(id: &'static str, start: usize, end: usize, message: String, label: &'static str, help: String) -> Self {
        Problem { id, start, end, message, label, help, error: false, related: None, fix: None }
    }

    fn fix(mut self, title: &str, applicability: Applicability, edits: Vec<TextEdit>) -> Self {
        self.fix = Some((title.to_owned(), applicability, edits));
        self
    }
}

/// What the checks of one file need besides its text and entries.
#[derive(Clone, Copy, Default)]
struct Opts {
    /// Run the style checks too (the selection names E208).
    style: bool,
    /// Some service reads the file through `env_file:`.
    env_file: bool,
}

fn check(model: &StackModel, out: &mut Sink) {
    let mut used: HashSet<FileId> = HashSet::new();
    for (_, svc) in model.services() {
        used.extend(svc.env_files.iter().filter(|r| !r.stand_in).filter_map(|r| r.file));
    }
    // Templates hold placeholder text meant to be replaced (`UID=replace me`): in the default run only
    // real env files are checked; naming E208 checks templates too.
    let named = out.named;
    for env in model.env_files.iter().filter(|e| e.valid && (named || e.role == EnvRole::Env)) {
        let opts = Opts { style: out.named, env_file: env.role == EnvRole::Env && used.contains(&env.file) };
        let mut problems = Vec::new();
        lint(model.db.text(env.file), &env.entries, opts, &mut problems);
        report(env, problems, out);
    }
}

fn report(env: &EnvFileModel, problems: Vec<Problem>, out: &mut Sink) {
    for p in problems {
        let mut f = Finding::new(&RULE, Span::new(env.file, p.start, p.end), format!("{}: {}", p.id, p.message))
            .label(p.label)
            .help(p.help);
        if p.error {
            f = f.severity(Severity::Error);
        }
        if let Some((start, end, label)) = p.related {
            f = f.related(Span::new(env.file, start, end), label);
        }
        if let Some((title, applicability, edits)) = p.fix {
            let edits = edits
                .into_iter()
                .map(|(start, end, replacement)| Edit { file: env.file, start: pos(start), end: pos(end), replacement })
                .collect();
            f = f.fix(Fix { title, applicability, edits });
        }
        out.report(f);
    }
}

fn pos(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

fn range(span: Span) -> (usize, usize) {
    (span.start as usize, span.end as usize)
}

/// Inline white space as the compose parser skips it around the separator.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{b}' | '\u{c}' | '\r' | '\u{85}' | '\u{a0}')
}

/// All the checks of one file.
fn lint(text: &str, entries: &[EnvEntry], opts: Opts, out: &mut Vec<Problem>) {
    if text.starts_with('\u{feff}') {
        out.push(
            Problem::new(
                "byte-order-mark",
                0,
                3,
                "the file starts with a byte order mark: compose strips it, a shell or a dotenv library reads it as part of the first key".to_owned(),
                "invisible byte order mark",
                "save the file as UTF-8 without BOM".to_owned(),
            )
            .fix("remove the byte order mark", Applicability::Safe, vec![(0, 3, String::new())]),
        );
    }
    let mut exports = Vec::new();
    for entry in entries {
        if entry.key.is_empty() {
            // A bare word on the last line without a newline: compose reads a variable with an empty name.
            if let Some(v) = &entry.value {
                bare_last_line(text, v, out);
            }
            continue;
        }
        if entry.exported && opts.env_file {
            exports.push(entry);
        }
        key_checks(text, entry, opts, out);
        match &entry.value {
            Some(value) => value_checks(text, entry, value, opts, out),
            None if opts.style => out.push(Problem::new(
                "key-without-value",
                entry.key_span.start as usize,
                entry.key_span.end as usize,
                format!("`{}` has no `=`: compose passes it through from its own environment (unset there, the container does not get it), a shell runs it as a command", entry.key),
                "no value",
                format!("write `{}=` for an empty value, or keep it (with a suppression) if the pass-through is wanted", entry.key),
            )),
            None => {}
        }
    }
    export_prefixes(&exports, out);
    if opts.style {
        line_checks(text, entries, out);
        unordered_keys(text, entries, out);
        if !text.is_empty() && !text.ends_with('\n') && !entries.last().is_some_and(|e| e.key.is_empty()) {
            let end = text.len();
            let last_line = text.rfind('\n').map_or(0, |i| i + 1);
            out.push(
                Problem::new(
                    "ending-blank-line",
                    last_line,
                    end,
                    "no newline at the end of the file: `echo KEY=v >> file` glues the next key onto the last line"
                        .to_owned(),
                    "last line without a newline",
                    "end the file with a newline".to_owned(),
                )
                .fix(
                    "add the final newline",
                    Applicability::Safe,
                    vec![(end, end, crate::fix::line_ending(text).to_owned())],
                ),
            );
        }
    }
}

/// `KEY` alone on the last line, without a newline after it.
fn bare_last_line(text: &str, value: &EnvValue, out: &mut Vec<Problem>) {
    let (start, end) = range(value.raw_span);
    let word = text.get(start..end).unwrap_or("").trim();
    out.push(
        Problem::new(
            "ending-blank-line",
            start,
            end,
            format!("`{word}` is on the last line with no newline after it: compose reads it as a variable with an empty name, so `{word}` is not passed through"),
            "bare key without a final newline",
            format!("end the file with a newline (or write `{word}=` for an empty value)"),
        )
        // Compose then passes `KEY` through from its environment: what the container gets changes.
        .fix(
            "add the final newline",
            Applicability::Unsafe,
            vec![(text.len(), text.len(), crate::fix::line_ending(text).to_owned())],
        ),
    );
}

/// Key names: what shells and compose interpolation cannot use (default), and the style of the others.
fn key_checks(text: &str, entry: &EnvEntry, opts: Opts, out: &mut Vec<Problem>) {
    let key = entry.key.as_str();
    let (start, end) = range(entry.key_span);
    let digit = key.starts_with(|c: char| c.is_ascii_digit());
    let bad = key.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '.'));
    if digit {
        out.push(Problem::new(
            "leading-character",
            start,
            end,
            format!("`{key}` starts with a digit: compose accepts it, but a shell cannot set it and `${{{key}}}` is not a valid reference"),
            "name starts with a digit",
            "rename it to start with a letter or `_` (and rename what reads it)".to_owned(),
        ));
    } else if let Some(c) = bad {
        let why = match c {
            '-' => format!(
                "`{key}` contains `-`: compose reads `${{{key}}}` as `{}` with a default, and a shell cannot set it",
                key.split('-').next().unwrap_or(key)
            ),
            c if c.is_alphanumeric() => {
                format!(
                    "`{key}` contains the non-ASCII `{c}`: compose accepts it, shells and most dotenv libraries do not"
                )
            }
            c => format!(
                "`{key}` contains {}: compose accepts it, but a shell cannot set it and `${{…}}` cannot reference it",
                if c.is_whitespace() { "white space".to_owned() } else { format!("`{c}`") }
            ),
        };
        out.push(Problem::new(
            "incorrect-delimiter",
            start,
            end,
            why,
            "not a portable variable name",
            "use letters, digits and `_` only (and rename what reads it)".to_owned(),
        ));
    } else if opts.style && key.contains('.') {
        out.push(Problem::new(
            "incorrect-delimiter",
            start,
            end,
            format!("`{key}` contains `.`: a shell cannot set it and `${{{key}}}` is not a valid reference"),
            "dot in the name",
            "use `_` instead of `.` if the app reads the name that way".to_owned(),
        ));
    }
    if opts.style && key.chars().any(|c| c.is_ascii_lowercase()) {
        out.push(Problem::new(
            "lowercase-key",
            start,
            end,
            format!("`{key}` has lowercase letters"),
            "lowercase name",
            "environment variable names are upper case by convention; rename it only together with what reads it"
                .to_owned(),
        ));
    }
    if opts.style {
        // White space before the statement on its line (not the continuation of a quoted value).
        // Only the blanks right before the statement are scanned: linear even with many statements on a line.
        let stmt = entry.stmt.start as usize;
        let before = text.get(..stmt).unwrap_or("").trim_end_matches(is_blank);
        let line_start = before.len();
        if stmt > line_start && (before.is_empty() || before.ends_with('\n') || before == "\u{feff}") {
            out.push(
                Problem::new(
                    "leading-character",
                    line_start,
                    stmt,
                    format!("white space before `{key}`"),
                    "leading white space",
                    "start the line with the key".to_owned(),
                )
                .fix(
                    "remove the leading white space",
                    Applicability::Safe,
                    vec![(line_start, stmt, String::new())],
                ),
            );
        }
    }
}

/// The separator and the value.
fn value_checks(text: &str, entry: &EnvEntry, value: &EnvValue, opts: Opts, out: &mut Vec<Problem>) {
    let key = entry.key.as_str();
    let key_end = entry.key_span.end as usize;
    let (raw_start, raw_end) = range(value.raw_span);
    // The separator: the first `=` or `:` after the key (an empty value's range starts right after it).
    let Some(sep) = text.get(key_end..).and_then(|t| t.find(['=', ':'])).map(|i| key_end + i) else { return };
    let colon = text.as_bytes().get(sep) == Some(&b':');
    // Where the value starts once the blanks after the separator are skipped.
    let value_start =
        text.get(sep + 1..).map_or(sep + 1, |t| sep + 1 + (t.len() - t.trim_start_matches(is_blank).len()));
    let comment_value = value.quote == Quote::None && value_start > sep + 1 && value.text.starts_with('#');
    let empty = value.quote == Quote::None && value.text.is_empty();

    if comment_value {
        out.push(Problem::new(
            "comment-as-value",
            raw_start,
            raw_end,
            format!("compose reads the `#…` text after `{key}=` as its value; a shell and dotenv libraries read an empty value and a comment"),
            "read as the value by compose",
            format!("put the comment on its own line above `{key}=`, or quote the value if the `#` belongs to it (`{key}=\"#…\"`)"),
        ));
    } else if colon {
        let end = if empty { sep + 1 } else { value_start };
        out.push(
            Problem::new(
                "colon-separator",
                key_end,
                sep + 1,
                format!("`{key}` is followed by `:`: compose accepts it, but shells, `docker run --env-file` and dotenv libraries need `=`"),
                "`:` instead of `=`",
                format!("write `{key}=value`"),
            )
            .fix("use `=` as the separator", Applicability::Safe, vec![(key_end, end, "=".to_owned())]),
        );
    } else if sep > key_end || (value_start > sep + 1 && !empty) {
        let mut edits = Vec::new();
        if sep > key_end {
            edits.push((key_end, sep, String::new()));
        }
        if value_start > sep + 1 && !empty {
            edits.push((sep + 1, value_start, String::new()));
        }
        out.push(
            Problem::new(
                "space-character",
                key_end,
                if empty { sep + 1 } else { value_start },
                format!("spaces around `=` after `{key}`: compose trims them, but a shell runs a command instead of setting `{key}`, and `docker run --env-file` keeps them in the name or the value"),
                "spaces around `=`",
                format!("write `{key}=value` with no spaces around `=`"),
            )
            .fix("remove the spaces around `=`", Applicability::Safe, edits),
        );
    }

    if value.interpolate && value.text.contains('$') {
        substitution_checks(entry, value, opts, out);
    }

    match value.quote {
        Quote::None if !comment_value && value.text.contains([' ', '\t']) => {
            let t = &value.text;
            // Quotes that give compose the same value: double quotes when nothing in it is an escape or a
            // quote, else single quotes when nothing would stop being interpolated.
            let quote = if !t.contains(['"', '\\']) {
                Some('"')
            } else if !t.contains(['\'', '$']) {
                Some('\'')
            } else {
                None
            };
            let mut p = Problem::new(
                "value-without-quotes",
                raw_start,
                raw_end,
                format!(
                    "the value of `{key}` has white space but no quotes: compose reads it whole, a shell runs the part after the space as a command"
                ),
                "unquoted value with white space",
                format!("quote the value: `{key}=\"…\"`"),
            );
            if let Some(q) = quote {
                p = p.fix(
                    "quote the value",
                    Applicability::Safe,
                    vec![(raw_start, raw_start, q.to_string()), (raw_end, raw_end, q.to_string())],
                );
            }
            out.push(p);
        }
        Quote::Single | Quote::Double if opts.style => quote_character(text, entry, value, out),
        _ => {}
    }
}

/// `${` that compose cannot parse (default: compose refuses the file), `$NAME}` (style: a stray `}`).
fn substitution_checks(entry: &EnvEntry, value: &EnvValue, opts: Opts, out: &mut Vec<Problem>) {
    let key = entry.key.as_str();
    let (start, end) = range(value.span);
    if value.text.contains("${")
        && let Some(err) = interp::interpolate(&value.text, &|_| Lookup::Unknown)
            .errors
            .into_iter()
            .find(|e| e.kind == ErrorKind::InvalidFormat)
    {
        let (s, e) = if value.verbatim { (start + err.range.start, start + err.range.end) } else { (start, end) };
        let mut p = Problem::new(
            "substitution-key",
            s,
            e.max(s),
            format!(
                "invalid interpolation in the value of `{key}` (an unclosed `${{` or a bad name or operator): compose refuses to load the file"
            ),
            "invalid `${`",
            "close the `${…}`, or write a literal `$` as `$$`".to_owned(),
        );
        p.error = true;
        out.push(p);
        return;
    }
    if !opts.style {
        return;
    }
    // `$NAME}`: the `}` is a literal character for compose and for a shell; usually a lost `{`.
    let b = value.text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            if b.get(i + 1) == Some(&b'$') {
                i += 2;
                continue;
            }
            let name_end =
                (i + 1..b.len()).find(|&j| !(b[j].is_ascii_alphanumeric() || b[j] == b'_')).unwrap_or(b.len());
            if name_end > i + 1 && b.get(name_end) == Some(&b'}') {
                let (s, e) = if value.verbatim { (start + i, start + name_end + 1) } else { (start, end) };
                out.push(Problem::new(
                    "substitution-key",
                    s,
                    e,
                    format!(
                        "`{}` in the value of `{key}` has a `}}` but no `{{`: the `}}` is kept as a literal character",
                        String::from_utf8_lossy(&b[i..=name_end])
                    ),
                    "`}` without `${`",
                    format!("write `${{{}}}`", String::from_utf8_lossy(&b[i + 1..name_end])),
                ));
                return;
            }
            i = name_end.max(i + 1);
        } else {
            i += 1;
        }
    }
}

/// Characters a value can hold without quotes for compose and for a shell alike.
fn plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | ':' | '@' | '%' | '+' | ',' | '=' | '-')
}

/// Quotes that change nothing: compose and a shell read the same value without them.
fn quote_character(text: &str, entry: &EnvEntry, value: &EnvValue, out: &mut Vec<Problem>) {
    if !value.verbatim || !value.text.chars().all(plain) {
        return;
    }
    let (raw_start, raw_end) = range(value.raw_span);
    // What follows on the line: nothing, a comment, or another statement. Without its quotes, an empty
    // value followed by ` # note` would read `# note`, and any value followed by another statement on
    // the line would swallow it: no fix then.
    let next = text.get(raw_end..).unwrap_or("").trim_start_matches(is_blank).chars().next();
    let fixable = matches!(next, None | Some('\n')) || (next == Some('#') && !value.text.is_empty());
    let mut p = Problem::new(
        "quote-character",
        raw_start,
        raw_end,
        format!("the value of `{}` is quoted but needs no quotes", entry.key),
        "unneeded quotes",
        "remove the quotes".to_owned(),
    );
    if fixable {
        p = p.fix(
            "remove the quotes",
            Applicability::Safe,
            vec![(raw_start, raw_start + 1, String::new()), (raw_end - 1, raw_end, String::new())],
        );
    }
    out.push(p);
}

/// `export KEY=v` in a file a service reads through `env_file:` (one finding per file).
fn export_prefixes(exports: &[&EnvEntry], out: &mut Vec<Problem>) {
    let Some(first) = exports.first() else { return };
    let n = exports.len();
    let edits = exports.iter().map(|e| (e.stmt.start as usize, e.key_span.start as usize, String::new())).collect();
    out.push(
        Problem::new(
            "export-prefix",
            first.stmt.start as usize,
            first.key_span.start as usize,
            format!(
                "{} in a file read through `env_file:`: compose strips `export`, `docker run --env-file` and `docker stack deploy` read `export {}` as the name",
                if n == 1 { "`export` prefix".to_owned() } else { format!("{n} `export` prefixes") },
                first.key
            ),
            "`export` prefix",
            "drop `export` from files containers read; a script that sources the file can use `set -a` instead".to_owned(),
        )
        // A script that sources the file no longer exports the variables to the programs it starts.
        .fix("remove the `export` prefixes", Applicability::Unsafe, edits),
    );
}

/// Trailing white space and extra blank lines, outside quoted values (a multi-line value keeps its
/// blanks and blank lines: they are part of it).
fn line_checks(text: &str, entries: &[EnvEntry], out: &mut Vec<Problem>) {
    // The contents of quoted values spanning lines, in file order.
    let mut quoted = entries
        .iter()
        .filter_map(|e| e.value.as_ref())
        .filter(|v| v.quote != Quote::None)
        .map(|v| range(v.span))
        .filter(|&(s, e)| text.get(s..e).is_some_and(|t| t.contains('\n')))
        .peekable();
    let mut previous_blank = false;
    let mut start = 0;
    while start < text.len() {
        let nl = text.get(start..).and_then(|t| t.find('\n')).map_or(text.len(), |i| start + i);
        let end = if nl > start && text.as_bytes().get(nl - 1) == Some(&b'\r') { nl - 1 } else { nl };
        while quoted.peek().is_some_and(|&(_, e)| e < start) {
            quoted.next();
        }
        let inside = quoted.peek().is_some_and(|&(s, e)| s < nl && e > start);
        let line = text.get(start..end).unwrap_or("");
        let kept = line.trim_end_matches([' ', '\t']);
        let blank = kept.is_empty() || (start == 0 && kept == "\u{feff}");
        if !inside {
            if kept.len() < line.len() {
                let ws = start + kept.len();
                out.push(
                    Problem::new(
                        "trailing-whitespace",
                        ws,
                        end,
                        "trailing white space: compose and shells drop it, `docker run --env-file` keeps it in the value".to_owned(),
                        "trailing white space",
                        "remove it".to_owned(),
                    )
                    .fix("remove the trailing white space", Applicability::Safe, vec![(ws, end, String::new())]),
                );
            }
            if blank && previous_blank {
                out.push(
                    Problem::new(
                        "extra-blank-line",
                        start,
                        end,
                        "extra blank line".to_owned(),
                        "second blank line in a row",
                        "keep one blank line between groups".to_owned(),
                    )
                    .fix(
                        "remove the extra blank line",
                        Applicability::Safe,
                        vec![(start, (nl + 1).min(text.len()), String::new())],
                    ),
                );
            }
        }
        previous_blank = blank && !inside;
        start = nl + 1;
    }
}

/// Keys out of alphabetical order inside a group. Groups end at a blank line, a comment line, or a key
/// whose value references a key of the group (it must come after what it references).
fn unordered_keys(text: &str, entries: &[EnvEntry], out: &mut Vec<Problem>) {
    // The group's keys (a set, so that a value's references are looked up, not compared with each key).
    let mut group: HashSet<&str> = HashSet::new();
    let mut last: Option<&EnvEntry> = None;
    let mut previous: Option<&EnvEntry> = None;
    for entry in entries.iter().filter(|e| !e.key.is_empty()) {
        let gap_start = previous.map_or(0, |p| p.stmt.end as usize);
        let gap = text.get(gap_start..entry.stmt.start as usize).unwrap_or("");
        // The whole lines between the two statements: the first and last pieces share a line with them.
        let mut lines = gap.split('\n');
        let first = lines.next();
        let mut between: Vec<&str> = lines.collect();
        between.pop();
        let breaks = previous.is_none()
            || first.is_none()
            || between.iter().any(|l| {
                let l = l.trim_matches(|c: char| c.is_whitespace());
                l.is_empty() || l.starts_with('#')
            });
        let references = entry
            .value
            .as_ref()
            .is_some_and(|v| v.interpolate && referenced_names(&v.text).any(|name| group.contains(name)));
        if breaks || references {
            group.clear();
            last = None;
        }
        if let Some(last) = last
            && entry.key.to_ascii_uppercase() < last.key.to_ascii_uppercase()
        {
            let mut p = Problem::new(
                "unordered-key",
                entry.key_span.start as usize,
                entry.key_span.end as usize,
                format!("`{}` should come before `{}` (keys sorted inside a group)", entry.key, last.key),
                "out of order",
                "sort the keys of the group, or start a new group with a blank line or a comment".to_owned(),
            );
            p.related = Some((last.key_span.start as usize, last.key_span.end as usize, "the key before it"));
            out.push(p);
        }
        group.insert(&entry.key);
        last = Some(entry);
        previous = Some(entry);
    }
}

/// The names a value references (`$NAME`, `${NAME…`), `$$` skipped.
fn referenced_names(text: &str) -> impl Iterator<Item = &str> {
    let b = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            if b[i] != b'$' {
                i += 1;
                continue;
            }
            if b.get(i + 1) == Some(&b'$') {
                i += 2;
                continue;
            }
            let start = if b.get(i + 1) == Some(&b'{') { i + 2 } else { i + 1 };
            let end = (start..b.len()).find(|&j| !(b[j].is_ascii_alphanumeric() || b[j] == b'_')).unwrap_or(b.len());
            i = end.max(i + 1);
            if end > start {
                return text.get(start..end);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envfile;

    /// The model's entries for a text, as the loader builds them.
    fn entries(text: &str) -> Vec<EnvEntry> {
        envfile::parse(text).entries.iter().map(|e| EnvEntry::from_parsed(FileId::default(), e)).collect()
    }

    fn ids(text: &str, style: bool) -> Vec<&'static str> {
        let mut out = Vec::new();
        lint(text, &entries(text), Opts { style, env_file: true }, &mut out);
        out.iter().map(|p| p.id).collect()
    }

    /// Applies the fixes of every problem (they never overlap in these cases) and parses the result.
    fn fixed(text: &str) -> String {
        let mut out = Vec::new();
        lint(text, &entries(text), Opts { style: true, env_file: false }, &mut out);
        let mut edits: Vec<(usize, usize, String)> =
            out.into_iter().filter_map(|p| p.fix).filter(|f| f.1 == Applicability::Safe).flat_map(|f| f.2).collect();
        edits.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
        let mut s = text.to_owned();
        for (a, b, r) in edits {
            s.replace_range(a..b, &r);
        }
        s
    }

    fn values(text: &str) -> Vec<(String, Option<String>)> {
        envfile::parse(text).entries.into_iter().map(|e| (e.key, e.value.map(|v| v.text))).collect()
    }

    #[test]
    fn signal_checks() {
        assert_eq!(ids("A = 1\n", false), ["space-character"]);
        assert_eq!(ids("A= 1\n", false), ["space-character"]);
        assert_eq!(ids("A: 1\n", false), ["colon-separator"]);
        assert_eq!(ids("A=a b\n", false), ["value-without-quotes"]);
        assert_eq!(ids("A= # note\n", false), ["comment-as-value"]);
        assert_eq!(ids("A=${B\n", false), ["substitution-key"]);
        assert_eq!(ids("export A=1\nexport B=2\n", false), ["export-prefix"]);
        assert_eq!(ids("DB-HOST=x\n", false), ["incorrect-delimiter"]);
        assert_eq!(ids("1A=x\n", false), ["leading-character"]);
        assert_eq!(ids("\u{feff}A=1\n", false), ["byte-order-mark"]);
        assert_eq!(ids("A=1\nB", false), ["ending-blank-line"]);
    }

    #[test]
    fn default_run_is_quiet_on_style() {
        let text = "b=1\nA='x'\n\n\nC=3   \n  D=4\nE\nspring.datasource.url=jdbc:x\nF=$G}\nH=1";
        assert!(ids(text, false).is_empty(), "{:?}", ids(text, false));
        let style = ids(text, true);
        for id in [
            "lowercase-key",
            "unordered-key",
            "quote-character",
            "extra-blank-line",
            "trailing-whitespace",
            "leading-character",
            "key-without-value",
            "incorrect-delimiter",
            "substitution-key",
            "ending-blank-line",
        ] {
            assert!(style.contains(&id), "{id} missing from {style:?}");
        }
    }

    #[test]
    fn near_misses() {
        for text in [
            "A=a#b\n",
            "A=\"a b\"\n",
            "A=1 # note\n",
            "A=\n",
            "A='x&y'\n",
            "A=${B:-c}\n",
            "A=$$B}\n",
            "A=\"line one\n\n\n  indented   \nend\"\nB=2\n",
            "# header\nB=1\n# next\nA=2\n",
            "B=1\nA=${B}\n",
        ] {
            assert!(ids(text, true).is_empty(), "{text:?}: {:?}", ids(text, true));
        }
        // `export` only matters for files read through `env_file:`.
        let mut out = Vec::new();
        lint("export A=1\n", &entries("export A=1\n"), Opts { style: true, env_file: false }, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn safe_fixes_keep_what_compose_reads() {
        for text in [
            "A = 1\n",
            "A =\"x y\"\n",
            "A: 1\nB :2\n",
            "A=a b\n",
            "A=say \"hi\" now\n",
            "A='q' b\n",
            "A=\"x\"\nB='y' # note\nC=\"\"\n",
            "C=\"\" # note\n",
            "A=\"x\" B=y\n",
            "A=1   \n\n\n\nB=2\t\n",
            "  A=1\n",
            "A=1",
            "\u{feff}A=1\n",
        ] {
            let after = fixed(text);
            assert_eq!(values(&after), values(text), "{text:?} -> {after:?}");
        }
        assert_eq!(fixed("A = 1\n"), "A=1\n");
        assert_eq!(fixed("A=a b\n"), "A=\"a b\"\n");
        assert_eq!(fixed("A: 1\n"), "A=1\n");
        assert_eq!(fixed("A=1   \n\n\nB=2"), "A=1\n\nB=2\n");
    }

    #[test]
    fn unordered_groups() {
        assert_eq!(ids("B=1\nA=2\n", true), ["unordered-key"]);
        assert!(ids("B=1\n\nA=2\n", true).is_empty());
        assert!(ids("B=1 # c\n# section\nA=2\n", true).is_empty());
        assert!(ids("a_b=1\n", true).iter().all(|i| *i == "lowercase-key"));
        assert_eq!(referenced_names("a$B/${C:-x}$$D$").collect::<Vec<_>>(), ["B", "C"]);
        // Linear: a long group whose values all reference keys outside it.
        let text: String = (0..20_000).map(|i| format!("K{i:05}=$OTHER\n")).collect();
        assert!(ids(&text, true).is_empty());
        // Linear: many statements on one line.
        let text: String = (0..20_000).map(|i| format!("K{i:05}=\"a\" ")).collect();
        assert_eq!(ids(&text, true).iter().filter(|i| **i == "quote-character").count(), 20_000);
    }
}
