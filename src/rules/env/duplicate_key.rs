//! E207: a key defined twice in one env file (the last one wins in compose).
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "E207",
    name: "duplicate-key",
    severity: Severity::Warning,
    fix: FixAvailability::Unsafe,
    default: true,
    doc: include_str!("../../../rules/docs/E207-duplicate-key.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for env in &model.env_files {
        let text = model.db.text(env.file);
        // The next definition of each key, found in one pass from the end (linear in the file).
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let mut next_of = vec![None; env.entries.len()];
        for (i, entry) in env.entries.iter().enumerate().rev() {
            next_of[i] = seen.insert(entry.key.as_str(), i);
        }
        for (entry, next) in env.entries.iter().zip(next_of) {
            // Each overridden definition points at the next one (the last one wins).
            let Some(next) = next.and_then(|n| env.entries.get(n)) else { continue };
            let (line_start, line_end) = whole_line(text, entry.stmt.start as usize, entry.stmt.end as usize);
            out.report(
                Finding::new(
                    &RULE,
                    entry.key_span,
                    format!("`{}` is defined again later; this value is ignored", entry.key),
                )
                .label("ignored definition")
                .related(next.key_span, "defined again here")
                .help("keep one definition: compose takes the last one, other dotenv readers may take the first")
                .fix(Fix {
                    title: format!("remove this earlier `{}` definition", entry.key),
                    applicability: Applicability::Unsafe,
                    edits: vec![Edit { file: env.file, start: line_start, end: line_end, replacement: String::new() }],
                }),
            );
        }
    }
}

/// The byte range of the lines a statement occupies, newline included, when nothing else shares them.
fn whole_line(text: &str, start: usize, end: usize) -> (u32, u32) {
    let ls = text.get(..start).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let le = text.get(end..).and_then(|t| t.find('\n')).map_or(text.len(), |i| end + i + 1);
    (u32::try_from(ls).unwrap_or(u32::MAX), u32::try_from(le).unwrap_or(u32::MAX))
}
