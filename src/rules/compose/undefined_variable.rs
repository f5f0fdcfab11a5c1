//! C105: `${VAR}` without a default whose variable no interpolation source defines.
use crate::interp::Op;
use crate::provenance::VarState;
use crate::rules::prelude::*;
use crate::yaml::{Kind, Node};

pub static RULE: Rule = Rule {
    code: "C105",
    name: "undefined-variable",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C105-undefined-variable.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for stack in model.stacks.iter().filter(|s| s.loaded) {
        let mut uses = Vec::new();
        collect(&stack.tree, &mut uses);
        for svc in stack.active_services() {
            collect(&svc.node, &mut uses);
        }
        uses.sort_by_key(|(_, span, _)| (span.file, span.start));
        if !stack.env_checked {
            report_unverifiable(model, stack, &uses, out);
            continue;
        }
        for (name, span, op) in uses {
            let required = matches!(op, Op::Required | Op::RequiredNonEmpty);
            // `${VAR:?}` is P009's when the interpolation env file exists (compose aborts).
            if required && stack.env_checked {
                continue;
            }
            let severity = if required { Severity::Info } else { Severity::Error };
            let mut finding = Finding::new(&RULE, span, format!("`{name}` is not defined in any interpolation source"))
                .severity(severity);
            // Defined only in a service's env_file: the classic mix-up.
            let in_env_file =
                stack.services.iter().flat_map(|s| s.env_files.iter().map(move |r| (s, r))).find_map(|(s, r)| {
                    let file = r.file?;
                    let entry = model.env_file(file)?.get(&name)?;
                    Some((s, entry.key_span))
                });
            let sources = stack_sources(model, stack);
            finding = match in_env_file {
                Some((svc, key_span)) => finding
                    .label(format!("compose substitutes an empty string for `{name}`"))
                    .related(key_span, format!("defined only here, an `env_file:` of `{}`: env_file feeds the container, never interpolation", svc.name))
                    .help(format!("define `{name}` in {sources} as well, or read it inside the container (`$${name}` in a shell command)")),
                None => finding
                    .label(format!("compose substitutes an empty string for `{name}`"))
                    .help(format!("define `{name}` in {sources}, or give a default with `${{{name}:-value}}`")),
            };
            out.report(finding);
        }
    }
}

/// Without any interpolation env file (CI without the secrets), undefined variables are assumed to come
/// from the deploy environment: one info per stack lists them, at the first use, instead of one error each.
/// A variable that only a service's `env_file:` defines is still the classic mix-up and reported as such.
fn report_unverifiable(model: &StackModel, stack: &Stack, uses: &[(String, Span, Op)], out: &mut Sink) {
    let mut names: Vec<&str> = Vec::new();
    for (name, span, _) in uses {
        if names.contains(&name.as_str()) {
            continue;
        }
        names.push(name);
        let in_env_file =
            stack.services.iter().flat_map(|s| s.env_files.iter().map(move |r| (s, r))).find_map(|(s, r)| {
                let entry = model.env_file(r.file?)?.get(name)?;
                Some((s, entry.key_span))
            });
        if let Some((svc, key_span)) = in_env_file {
            out.report(
                Finding::new(&RULE, *span, format!("`{name}` is not defined in any interpolation source"))
                    .label(format!("compose substitutes an empty string for `{name}` unless the deploy environment sets it"))
                    .related(key_span, format!("defined only here, an `env_file:` of `{}`: env_file feeds the container, never interpolation", svc.name))
                    .help(format!("define `{name}` in the interpolation env file (`.env` or `--env-file`), or read it inside the container (`$${name}` in a shell command)")),
            );
        }
    }
    let Some((_, first, _)) = uses.first() else { return };
    let listed: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    let more = if names.len() > 8 { format!(" and {} more", names.len() - 8) } else { String::new() };
    out.report(
        Finding::new(
            &RULE,
            *first,
            format!("{} not defined here and assumed to come from the deploy environment: {}{more}", plural(names.len()), listed.join(", ")),
        )
        .severity(Severity::Info)
        .label("no interpolation env file for this stack")
        .help("commit a `.env.example` listing them (its keys then count as defined), or run with --strict-env on the server, where the real env file exists"),
    );
}

fn plural(n: usize) -> String {
    if n == 1 { "1 variable is".to_owned() } else { format!("{n} variables are") }
}

/// How to name the interpolation sources in a help text.
fn stack_sources(model: &StackModel, stack: &Stack) -> String {
    match stack.interp_files.first().and_then(|f| model.db.get(*f)) {
        Some(f) => format!("`{}`", f.display_path()),
        None => format!("`{}/.env`", stack.dir.display()),
    }
}

/// Every contributing reference to an undefined variable without a default.
fn collect(node: &Node, out: &mut Vec<(String, Span, Op)>) {
    match &node.kind {
        Kind::Map(entries) => entries.iter().for_each(|e| collect(&e.value, out)),
        Kind::Seq(items) => items.iter().for_each(|n| collect(n, out)),
        Kind::Scalar(s) => {
            let Some(info) = &s.interp else { return };
            for u in &info.uses {
                let no_default = matches!(u.op, Op::Plain | Op::Required | Op::RequiredNonEmpty);
                if u.state == VarState::Undefined && no_default && (u.contributes || u.op != Op::Plain) {
                    out.push((u.name.clone(), u.span, u.op));
                }
            }
        }
    }
}
