//! E201: a key of the template is absent from the env file paired with it.
use crate::model::EnvFileModel;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "E201",
    name: "env-key-missing",
    severity: Severity::Error,
    fix: FixAvailability::Unsafe,
    default: true,
    doc: include_str!("../../../rules/docs/E201-env-key-missing.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for pair in &model.templates {
        let Some(env_id) = pair.env else { continue };
        let (Some(template), Some(env)) = (model.env_file(pair.template), model.env_file(env_id)) else { continue };
        let text = model.db.text(env_id);
        let mut reported = std::collections::HashSet::new();
        for entry in &template.entries {
            if env.get(&entry.key).is_some() || !reported.insert(entry.key.as_str()) {
                continue;
            }
            let at = commented_out(env, text, &entry.key).unwrap_or_else(|| Span::file_start(env_id));
            let eol = crate::fix::line_ending(text);
            let sep = if text.is_empty() || text.ends_with('\n') { "" } else { eol };
            let insert = format!(
                "{sep}# TODO: set {key} (listed in {tpl}){eol}{key}={eol}",
                key = entry.key,
                tpl = base_name(model, pair.template)
            );
            let end = u32::try_from(text.len()).unwrap_or(u32::MAX);
            out.report(
                Finding::new(
                    &RULE,
                    at,
                    format!("`{}` is missing `{}`, listed in its template", file_name(model, env_id), entry.key),
                )
                .label(if at.is_empty() { "this file".to_owned() } else { "commented out here".to_owned() })
                .related(entry.key_span, format!("`{}` is listed in the template", entry.key))
                .help(format!(
                    "add `{}=` with its real value (the app reads it), or remove it from the template",
                    entry.key
                ))
                .fix(Fix {
                    title: format!("append `{}=` with a TODO comment", entry.key),
                    applicability: Applicability::Unsafe,
                    edits: vec![Edit { file: env_id, start: end, end, replacement: insert }],
                }),
            );
        }
    }
}

fn file_name(model: &StackModel, id: crate::source::FileId) -> String {
    model.db.get(id).map(|f| f.display_path()).unwrap_or_default()
}

/// The file name alone, for text written into the env file (the template sits beside it; a path would
/// depend on where stackcheck was started).
fn base_name(model: &StackModel, id: crate::source::FileId) -> String {
    model.db.path(id).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// A comment line such as `# SENTRY_DSN=` in the env file: the key is left out on purpose there, so the
/// finding points at it (a suppression comment on that line or above then applies).
fn commented_out(env: &EnvFileModel, text: &str, key: &str) -> Option<Span> {
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix('#') {
            let rest = rest.trim_start();
            let rest = rest.strip_prefix("export ").unwrap_or(rest);
            if rest.strip_prefix(key).is_some_and(|r| r.starts_with('=') || r.starts_with(':') || r.trim().is_empty()) {
                let start = offset + (line.len() - t.len());
                return Some(Span::new(env.file, start, offset + line.trim_end().len()));
            }
        }
        offset += line.len();
    }
    None
}
