//! E202: a key of a real env file is missing from its template (template rot).
use std::collections::HashSet;

use crate::rules::common::file_name;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "E202",
    name: "env-key-not-in-template",
    severity: Severity::Info,
    fix: FixAvailability::None,
    // Template rot does not break this deploy, it breaks the next setup: opt-in.
    default: false,
    doc: include_str!("../../../rules/docs/E202-env-key-not-in-template.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for pair in &model.templates {
        let Some(env_id) = pair.env else { continue };
        let (Some(template), Some(env)) = (model.env_file(pair.template), model.env_file(env_id)) else { continue };
        if !template.valid {
            continue;
        }
        let mut listed: HashSet<&str> = template.entries.iter().map(|e| e.key.as_str()).collect();
        // `# SENTRY_DSN=` in the template documents the key as optional: it is listed.
        listed.extend(commented_keys(model.db.text(pair.template)));
        let tpl_name = file_name(model, pair.template);
        let mut reported = HashSet::new();
        for entry in &env.entries {
            let key = entry.key.as_str();
            // Compose's own settings (`COMPOSE_PROJECT_NAME`...) belong to the machine, not to the app.
            if key.is_empty() || key.starts_with("COMPOSE_") || listed.contains(key) || !reported.insert(key) {
                continue;
            }
            out.report(
                Finding::new(&RULE, entry.key_span, format!("`{key}` is not in the template `{tpl_name}`"))
                    .label("set here only")
                    .related(Span::file_start(pair.template), "the template this file is paired with")
                    .help(format!(
                        "add `{key}=` to the template so the next setup gets it, or remove it here if nothing reads it"
                    )),
            );
        }
    }
}

/// Keys of commented-out assignments (`# KEY=...`, `#export KEY=`).
fn commented_keys(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|line| {
        let rest = line.trim_start().strip_prefix('#')?.trim_start();
        let rest = rest.strip_prefix("export ").unwrap_or(rest);
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))?;
        let (key, after) = rest.split_at(end);
        (!key.is_empty() && after.trim_start().starts_with(['=', ':'])).then_some(key)
    })
}

#[cfg(test)]
mod tests {
    use super::commented_keys;

    #[test]
    fn commented_assignments_count_as_listed() {
        let text = "# SENTRY_DSN=\n#export SMTP_HOST=mail\n# Set this to the public URL.\n#  LOG_LEVEL: info\nA=1\n";
        assert_eq!(commented_keys(text).collect::<Vec<_>>(), vec!["SENTRY_DSN", "SMTP_HOST", "LOG_LEVEL"]);
    }
}
