//! `--format json`: an array of findings with primary and related locations (path, line, column, end
//! line, end column, byte range), help, and the fix (applicability and edits).
use serde_json::{Value, json};

use crate::finding::Finding;
use crate::report::locate;
use crate::report::sarif::mask_inserted;
use crate::secret::SecretSet;
use crate::source::{SourceDb, Span};

fn location(db: &SourceDb, span: Span) -> Value {
    let l = locate(db, span);
    json!({
        "path": l.path,
        "line": l.line,
        "column": l.column,
        "end_line": l.end_line,
        "end_column": l.end_column,
        "start": l.start,
        "end": l.end,
    })
}

pub fn to_value(findings: &[Finding], db: &SourceDb, secrets: &SecretSet) -> Value {
    let items: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut primary = location(db, f.primary.span);
            if let Some(obj) = primary.as_object_mut() {
                obj.insert("message".to_owned(), json!(secrets.scrub(&f.primary.message)));
            }
            let related: Vec<Value> = f
                .related
                .iter()
                .map(|r| {
                    let mut v = location(db, r.span);
                    if let Some(obj) = v.as_object_mut() {
                        obj.insert("message".to_owned(), json!(secrets.scrub(&r.message)));
                    }
                    v
                })
                .collect();
            let fix = f.fix.as_ref().map(|fix| {
                json!({
                    "title": secrets.scrub(&fix.title),
                    "applicability": fix.applicability,
                    "edits": fix.edits.iter().map(|e| {
                        let span = Span { file: e.file, start: e.start, end: e.end };
                        let mut v = location(db, span);
                        if let Some(obj) = v.as_object_mut() {
                            obj.insert("replacement".to_owned(), json!(mask_inserted(&e.replacement, secrets)));
                        }
                        v
                    }).collect::<Vec<_>>(),
                })
            });
            json!({
                "code": f.code,
                "name": f.name,
                "severity": f.severity,
                "message": secrets.scrub(&f.message),
                "location": primary,
                "related": related,
                "help": f.help.as_deref().map(|h| secrets.scrub(h).into_owned()),
                "fix": fix,
            })
        })
        .collect();
    Value::Array(items)
}

pub fn render(findings: &[Finding], db: &SourceDb, secrets: &SecretSet) -> String {
    let v = to_value(findings, db, secrets);
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "[]".to_owned());
    s.push('\n');
    s
}
