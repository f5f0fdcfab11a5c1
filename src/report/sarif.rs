//! `--format sarif`: one SARIF 2.1.0 log with one run, as GitHub code scanning reads it.
//!
//! - `tool.driver.rules` lists every rule of the registry, not only those that fired: `ruleIndex` then
//!   stays the same from one run to the next, and code scanning shows the help of each rule from the
//!   first upload (it keys alerts by `ruleId`, so the extra rules cost nothing but a few kilobytes).
//! - Paths are relative to the git work tree (uriBaseId `%SRCROOT%`), as code scanning expects; a file
//!   outside it gets an absolute `file://` URI.
//! - Regions give line and column in UTF-16 code units (SARIF's default `columnKind`, stated in the run)
//!   and, for the same bytes, `byteOffset`/`byteLength`.
//! - `partialFingerprints` hash the rule, the path, the (masked) text of the primary span (the message
//!   when the span is empty) and an occurrence index: no line numbers, so an alert survives edits above it.
//! - Secrets: messages go through the run's [`SecretSet`], fingerprints hash masked text, and fix
//!   replacements are masked like source text.
use serde_json::{Map, Value, json};

use crate::finding::{Applicability, Finding, Severity};
use crate::report::{PathBase, display_span, line_col_utf16};
use crate::rules::{self, Rule};
use crate::secret::{SecretSet, mask_source};
use crate::source::{FileId, SourceDb, Span};

/// The schema the log names (the OASIS standard's, errata 01).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The uriBaseId of paths inside the repository.
pub const SRCROOT: &str = "%SRCROOT%";

/// Key of our fingerprint in `partialFingerprints` (versioned: a change of recipe gets a new key).
pub const FINGERPRINT_KEY: &str = "stackcheck/v1";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The project's home page, when Cargo.toml names one (`homepage`, else `repository`).
fn home() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")].into_iter().find(|u| u.starts_with("https://"))
}

/// The lead-ins of a rule page, in order.
const LEADS: [&str; 5] =
    ["**What it does.**", "**Why it matters.**", "**Example.**", "**Fix.**", "**Stays silent when.**"];

/// A rule page as paragraphs (one per lead-in), in Markdown; the title line is dropped (the rule id and
/// name are shown beside the help).
fn doc_markdown(doc: &str) -> String {
    let body: Vec<&str> = doc.lines().skip(1).map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut text = body.join(" ");
    for lead in LEADS {
        text = text.replace(&format!(" {lead}"), &format!("\n\n{lead}"));
    }
    text.trim().to_owned()
}

fn plain(markdown: &str) -> String {
    markdown.replace("**", "")
}

/// The "What it does" and "Why it matters" paragraphs, as plain text.
fn full_description(markdown: &str) -> String {
    let parts: Vec<&str> = markdown
        .split("\n\n")
        .filter(|p| p.starts_with("**What it does.**") || p.starts_with("**Why it matters.**"))
        .collect();
    plain(&parts.join(" "))
}

fn rule_descriptor(rule: &Rule) -> Value {
    let markdown = doc_markdown(rule.doc);
    let mut d = json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": { "text": rule.summary() },
        "fullDescription": { "text": full_description(&markdown) },
        "help": { "text": plain(&markdown), "markdown": markdown },
        "defaultConfiguration": { "level": level(rule.severity), "enabled": rule.default },
        "properties": {
            "tags": [category(rule.code)],
            "fix": rule.fix.as_str(),
        },
    });
    if let (Some(home), Some(obj)) = (home().filter(|h| h.starts_with("https://github.com/")), d.as_object_mut()) {
        obj.insert(
            "helpUri".to_owned(),
            json!(format!("{}/blob/main/rules/docs/{}-{}.md", home.trim_end_matches('/'), rule.code, rule.name)),
        );
    }
    d
}

fn category(code: &str) -> &'static str {
    match code.chars().next() {
        Some('P') => "parse",
        Some('C') => "compose",
        Some('E') => "env",
        Some('X') => "credentials",
        Some('N') => "proxy",
        Some('T') => "traefik",
        Some('M') => "migrations",
        Some('D') => "dns",
        Some('S') => "hardening",
        _ => "other",
    }
}

/// Percent-encodes a path for a URI: everything but unreserved characters and `/`.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `file:///abs/path` (a Windows path `C:\x` becomes `file:///C:/x`).
fn file_uri(path: &std::path::Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let s = if s.starts_with('/') { s } else { format!("/{s}") };
    // The drive colon stays as written (`/C:/x`); everything else is encoded.
    let encoded = encode_path(&s).replacen("%3A", ":", usize::from(s.get(2..3) == Some(":")));
    format!("file://{encoded}")
}

/// Paths of the run's files as artifact locations, computed once per file.
struct Artifacts<'a> {
    db: &'a SourceDb,
    base: &'a PathBase,
    cache: std::collections::HashMap<FileId, (Value, String)>,
}

impl Artifacts<'_> {
    /// The artifactLocation of a file and the string the fingerprint uses for its path.
    fn get(&mut self, file: FileId) -> (Value, String) {
        let (db, base) = (self.db, self.base);
        self.cache
            .entry(file)
            .or_insert_with(|| {
                let path = db.path(file);
                match base.relative(path) {
                    Some(rel) => (json!({ "uri": encode_path(&rel), "uriBaseId": SRCROOT }), rel),
                    None => {
                        let abs = base.absolute(path);
                        (json!({ "uri": file_uri(&abs) }), abs.to_string_lossy().into_owned())
                    }
                }
            })
            .clone()
    }
}

/// A region: line/column in UTF-16 code units and the same bytes as offset/length.
fn region(db: &SourceDb, span: Span) -> Value {
    let (start_line, start_column) = line_col_utf16(db, span.file, span.start);
    let (end_line, end_column) = line_col_utf16(db, span.file, span.end);
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
        "byteOffset": span.start,
        "byteLength": span.len(),
    })
}

fn physical(artifacts: &mut Artifacts<'_>, db: &SourceDb, span: Span) -> Value {
    json!({ "artifactLocation": artifacts.get(span.file).0, "region": region(db, display_span(db, span)) })
}

/// Escapes the characters that would start or end an embedded link in a SARIF plain-text message.
fn escape_message(s: &str) -> String {
    s.replace('[', "\\[").replace(']', "\\]")
}

/// Masked file texts for fingerprints, built once per file.
struct Masked<'a> {
    db: &'a SourceDb,
    secrets: &'a SecretSet,
    cache: std::collections::HashMap<FileId, Option<String>>,
}

impl Masked<'_> {
    /// The text of a span with every secret masked, white space runs collapsed to one space.
    fn normalized(&mut self, span: Span) -> String {
        let (db, secrets) = (self.db, self.secrets);
        let masked = self.cache.entry(span.file).or_insert_with(|| mask_source(db.text(span.file), secrets));
        let text = match masked {
            Some(m) => m.get(span.range()).unwrap_or(""),
            None => db.slice(span),
        };
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// Text that is inserted into a file (a fix's replacement): secret values masked as in snippets.
pub fn mask_inserted(text: &str, secrets: &SecretSet) -> String {
    let masked = mask_source(text, secrets).unwrap_or_else(|| text.to_owned());
    secrets.scrub(&masked).into_owned()
}

fn fingerprint(code: &str, path: &str, text: &str, occurrence: usize) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for part in [code, path, text, &occurrence.to_string()] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn fix_object(fix: &crate::finding::Fix, artifacts: &mut Artifacts<'_>, db: &SourceDb, secrets: &SecretSet) -> Value {
    // One artifactChange per file, in the order the files first appear.
    let mut changes: Vec<(FileId, Vec<Value>)> = Vec::new();
    let mut edits: Vec<&crate::finding::Edit> = fix.edits.iter().collect();
    edits.sort_by_key(|e| (e.file, e.start, e.end));
    for e in edits {
        let span = Span { file: e.file, start: e.start, end: e.end };
        let replacement = json!({
            "deletedRegion": region(db, span),
            "insertedContent": { "text": mask_inserted(&e.replacement, secrets) },
        });
        match changes.iter_mut().find(|(f, _)| *f == e.file) {
            Some((_, list)) => list.push(replacement),
            None => changes.push((e.file, vec![replacement])),
        }
    }
    json!({
        "description": { "text": secrets.scrub(&fix.title) },
        "artifactChanges": changes
            .into_iter()
            .map(|(file, replacements)| json!({ "artifactLocation": artifacts.get(file).0, "replacements": replacements }))
            .collect::<Vec<_>>(),
        "properties": {
            "applicability": match fix.applicability {
                Applicability::Safe => "safe",
                Applicability::Unsafe => "unsafe",
            },
        },
    })
}

/// The SARIF log as a JSON value, paths relative to `base`.
pub fn to_value(findings: &[Finding], db: &SourceDb, secrets: &SecretSet, base: &PathBase) -> Value {
    let mut artifacts = Artifacts { db, base, cache: std::collections::HashMap::new() };
    let mut masked = Masked { db, secrets, cache: std::collections::HashMap::new() };
    let mut occurrences: std::collections::HashMap<(String, String, String), usize> = std::collections::HashMap::new();
    let mut results = Vec::with_capacity(findings.len());
    for f in findings {
        let path_key = artifacts.get(f.primary.span.file).1;
        let mut primary_location = Map::new();
        primary_location.insert("physicalLocation".to_owned(), physical(&mut artifacts, db, f.primary.span));
        if !f.primary.message.is_empty() {
            primary_location.insert("message".to_owned(), json!({ "text": secrets.scrub(&f.primary.message) }));
        }
        // An empty span (a finding on a whole file) has no text to tell findings apart: its message does.
        let text = match masked.normalized(f.primary.span) {
            t if t.is_empty() => format!("message: {}", secrets.scrub(&f.message)),
            t => t,
        };
        let n = occurrences.entry((f.code.to_owned(), path_key.clone(), text.clone())).or_insert(0);
        let occurrence = *n;
        *n += 1;

        let mut message = escape_message(&secrets.scrub(&f.message));
        let mut related = Vec::with_capacity(f.related.len());
        for (i, r) in f.related.iter().enumerate() {
            let id = i + 1;
            let label = secrets.scrub(&r.message).into_owned();
            let mut loc = json!({ "id": id, "physicalLocation": physical(&mut artifacts, db, r.span) });
            let (line, _) = line_col_utf16(db, r.span.file, r.span.start);
            let link_text = if label.is_empty() {
                format!("{}:{line}", db.get(r.span.file).map(|s| s.display_path()).unwrap_or_default())
            } else {
                label.clone()
            };
            if let Some(obj) = loc.as_object_mut() {
                obj.insert(
                    "message".to_owned(),
                    json!({ "text": if label.is_empty() { link_text.clone() } else { label } }),
                );
            }
            message.push_str(if i == 0 { "\nSee " } else { ", " });
            message.push_str(&format!("[{}]({id})", escape_message(&link_text)));
            related.push(loc);
        }
        if let Some(help) = &f.help {
            message.push_str("\nHelp: ");
            message.push_str(&escape_message(&secrets.scrub(help)));
        }

        let mut result = Map::new();
        result.insert("ruleId".to_owned(), json!(f.code));
        if let Some(i) = rules::ALL.iter().position(|r| r.code == f.code) {
            result.insert("ruleIndex".to_owned(), json!(i));
        }
        result.insert("level".to_owned(), json!(level(f.severity)));
        result.insert("message".to_owned(), json!({ "text": message }));
        result.insert("locations".to_owned(), json!([Value::Object(primary_location)]));
        if !related.is_empty() {
            result.insert("relatedLocations".to_owned(), Value::Array(related));
        }
        result.insert(
            "partialFingerprints".to_owned(),
            json!({ FINGERPRINT_KEY: fingerprint(f.code, &path_key, &text, occurrence) }),
        );
        if let Some(fix) = &f.fix {
            result.insert("fixes".to_owned(), json!([fix_object(fix, &mut artifacts, db, secrets)]));
        }
        results.push(Value::Object(result));
    }

    let mut driver = Map::new();
    driver.insert("name".to_owned(), json!("stackcheck"));
    driver.insert("version".to_owned(), json!(env!("CARGO_PKG_VERSION")));
    driver.insert("semanticVersion".to_owned(), json!(env!("CARGO_PKG_VERSION")));
    if let Some(home) = home() {
        driver.insert("informationUri".to_owned(), json!(home));
    }
    driver.insert("rules".to_owned(), Value::Array(rules::ALL.iter().map(|r| rule_descriptor(r)).collect()));

    let mut root = file_uri(&base.root);
    if !root.ends_with('/') {
        root.push('/');
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": Value::Object(driver) },
            "originalUriBaseIds": { SRCROOT: { "uri": root } },
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    })
}

pub fn render(findings: &[Finding], db: &SourceDb, secrets: &SecretSet, base: &PathBase) -> String {
    let v = to_value(findings, db, secrets, base);
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".to_owned());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(encode_path("deploy/my stack/.env.prod"), "deploy/my%20stack/.env.prod");
        assert_eq!(encode_path("café/a#b"), "caf%C3%A9/a%23b");
        assert_eq!(file_uri(std::path::Path::new("/srv/app dir")), "file:///srv/app%20dir");
    }

    #[test]
    fn doc_paragraphs() {
        let md = doc_markdown(rules::compose::host_port_conflict::RULE.doc);
        assert!(md.starts_with("**What it does.** Flags two services"), "{md}");
        assert_eq!(md.matches("\n\n**").count(), 4, "{md}");
        let full = full_description(&md);
        assert!(
            full.starts_with("What it does. Flags") && full.contains("Why it matters.") && !full.contains("Example.")
        );
    }

    #[test]
    fn fingerprints_ignore_lines_but_not_occurrences() {
        let a = fingerprint("E207", "backend/.env", "REDIS_PASSWORD=****", 0);
        assert_eq!(a, fingerprint("E207", "backend/.env", "REDIS_PASSWORD=****", 0));
        assert_ne!(a, fingerprint("E207", "backend/.env", "REDIS_PASSWORD=****", 1));
        assert_ne!(a, fingerprint("E208", "backend/.env", "REDIS_PASSWORD=****", 0));
        assert_eq!(a.len(), 32);
    }
}
