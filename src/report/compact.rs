//! `path:line:col: CODE [severity] message`, one finding per line (editors, pre-commit, grep).
use std::fmt::Write;

use crate::finding::Finding;
use crate::report::locate;
use crate::secret::SecretSet;
use crate::source::SourceDb;

pub fn render(findings: &[Finding], db: &SourceDb, secrets: &SecretSet) -> String {
    let mut out = String::new();
    for f in findings {
        let loc = locate(db, f.primary.span);
        let _ = writeln!(
            out,
            "{}:{}:{}: {} [{}] {}",
            loc.path,
            loc.line,
            loc.column,
            f.code,
            f.severity.as_str(),
            secrets.scrub(&f.message)
        );
    }
    out
}
