//! C114: the deploy pins a project name (`[[stack]] project` in stackcheck.toml, i.e. `docker compose -p`)
//! that the compose files do not carry: a run without `-p` creates a second project.
use crate::model::ProjectNameSource;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "C114",
    name: "project-name-drift",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C114-project-name-drift.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        let Some(pinned) = &stack.pinned_project else { continue };
        let (unpinned, source) = &stack.unpinned_project;
        if *unpinned == pinned.value {
            continue;
        }
        let Some(first) = stack.files.first() else { continue };
        let p = &pinned.value;
        let (span, message, label) = match (source, &stack.name_key) {
            (ProjectNameSource::NameKey, Some(name)) => (
                name.span,
                format!("top-level `name: {}` differs from the project `{p}` the deploy runs with", name.value),
                format!("without `-p` the project is `{unpinned}`"),
            ),
            (ProjectNameSource::Environment, _) => {
                let at = stack
                    .interp_files
                    .iter()
                    .filter_map(|f| model.env_file(*f))
                    .find_map(|e| e.get("COMPOSE_PROJECT_NAME"))
                    .map_or_else(|| Span::file_start(*first), |e| e.key_span);
                (
                    at,
                    format!("COMPOSE_PROJECT_NAME `{unpinned}` differs from the project `{p}` the deploy runs with"),
                    format!("without `-p` the project is `{unpinned}`"),
                )
            }
            _ => (
                Span::file_start(*first),
                format!("the deploy runs as project `{p}`, but the compose file has no top-level `name:`"),
                format!("without `-p` the project is `{unpinned}` (from the directory name)"),
            ),
        };
        out.report(
            Finding::new(&RULE, span, message)
                .label(label)
                .related(pinned.span, format!("stackcheck.toml deploys `{}` as project `{p}`", stack.name))
                .help(format!(
                    "add `name: {p}` at the top of the compose file, so that `docker compose` run by hand (`up`, `logs`, `down`) addresses the same containers, networks and volumes as the deploy"
                )),
        );
    }
}
