//! T507: routers declared on a container Traefik ignores: `exposedByDefault=false` and no
//! `traefik.enable=true`.
use super::deployed;
use crate::model::routes::traefik_service;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "T507",
    name: "router-without-enable",
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    default: true,
    doc: include_str!("../../../rules/docs/T507-router-without-enable.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    for (_, stack) in deployed(model) {
        let Some((ti, tname)) = traefik_service(model, stack) else { continue };
        let Some(cfg) = model.traefik_static_of(ti, &tname) else { continue };
        if cfg.exposed_by_default() || !cfg.docker_enabled() {
            continue;
        }
        let setting = cfg.docker.as_ref().and_then(|d| d.exposed_by_default.as_ref()).map(|v| v.span);
        for svc in stack.active_services() {
            let t = &svc.traefik;
            if t.enable.is_some() || (t.routers.is_empty() && t.services.is_empty()) {
                continue;
            }
            let Some(first) = svc.labels.iter().find(|l| l.key.to_ascii_lowercase().starts_with("traefik.")) else {
                continue;
            };
            let mut f = Finding::new(
                &RULE,
                first.key_span,
                format!(
                    "`{}` declares Traefik routers but not `traefik.enable=true`, and Traefik runs with `exposedByDefault=false`: it ignores the container (404)",
                    svc.name
                ),
            )
            .label("Traefik ignores these labels")
            .help("add the label `traefik.enable=true`");
            if let Some(s) = setting {
                f = f.related(s, "containers must opt in");
            }
            if let Some(edit) = enable_edit(model, first.key_span) {
                f = f.fix(Fix {
                    title: "add `traefik.enable=true`".to_owned(),
                    applicability: Applicability::Safe,
                    edits: vec![edit],
                });
            }
            out.report(f);
        }
    }
}

/// Inserts `traefik.enable=true` as a new label line just before the first Traefik label, in the same
/// form (`- key=value` list item, or `key: "value"` map entry) and indentation, with the file's line
/// ending. None when the label is not alone on its line (a flow sequence `[a, b]`).
fn enable_edit(model: &StackModel, key: Span) -> Option<Edit> {
    let text = model.db.text(key.file);
    let line_start = text.get(..key.start as usize)?.rfind('\n').map_or(0, |i| i + 1);
    let before_key = text.get(line_start..key.start as usize)?;
    let indent: String = before_key.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let marker = before_key.trim_start();
    let eol = crate::fix::line_ending(text);
    let line = match marker.trim_end_matches(['"', '\'']) {
        "-" | "- " => format!("{indent}- traefik.enable=true{eol}"),
        "" => format!("{indent}traefik.enable: \"true\"{eol}"),
        _ => return None,
    };
    Some(Edit { file: key.file, start: line_start as u32, end: line_start as u32, replacement: line })
}
