//! E209: a rule-pack condition holds and a required key is missing, empty or malformed.
use std::collections::HashSet;

use crate::model::EnvVar;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "E209",
    name: "conditional-requirement",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/E209-conditional-requirement.md"),
    check,
};

fn check(model: &StackModel, out: &mut Sink) {
    if model.requirements.is_empty() {
        return;
    }
    // Each container environment once (several stacks may share a file).
    let mut reported: HashSet<(Span, String)> = HashSet::new();
    for (_, svc) in model.services() {
        let env = &svc.environment;
        let get = |key: &str| env.iter().find(|e| e.key == key);
        for req in &model.requirements {
            // Every condition must hold on a known value.
            let mut trigger: Option<&EnvVar> = None;
            let holds = req.when.iter().all(|(key, cond)| {
                let var = get(key);
                if var.is_some_and(|v| !v.known) {
                    return false;
                }
                let ok = cond.holds(var.and_then(|v| v.value.as_deref()));
                if ok && trigger.is_none() {
                    trigger = var;
                }
                ok
            });
            if !holds {
                continue;
            }
            let Some(trigger) = trigger else { continue };
            let why = req.message.clone().unwrap_or_else(|| format!("required by the `{}` rule pack", req.pack));
            let cond_text: Vec<&str> = req.when.iter().map(|(k, _)| k.as_str()).collect();
            let mut report = |span: Span, message: String, related: Option<Span>| {
                if reported.insert((span, message.clone())) {
                    let mut f = Finding::new(&RULE, span, message)
                        .label(format!("condition on {} holds here", cond_text.join(", ")))
                        .help(format!("{why} (pack `{}`)", req.pack));
                    if let Some(r) = related {
                        f = f.related(r, "the value to fix");
                    }
                    out.report(f);
                }
            };
            let missing_or_empty =
                |key: &str| get(key).is_none_or(|v| v.known && v.value.as_deref().unwrap_or("").is_empty());
            for key in &req.require {
                if missing_or_empty(key) {
                    let state = if get(key).is_some() { "is empty" } else { "is not set" };
                    report(trigger.key_span, format!("`{key}` {state} in the environment of `{}`", svc.name), None);
                }
            }
            if !req.require_any.is_empty() && req.require_any.iter().all(|k| missing_or_empty(k)) {
                report(
                    trigger.key_span,
                    format!("none of {} is set in the environment of `{}`", req.require_any.join(", "), svc.name),
                    None,
                );
            }
            for (key, c) in &req.checks {
                let Some(var) = get(key).filter(|v| v.known) else { continue };
                let Some(value) = var.value.as_deref().filter(|v| !v.is_empty()) else { continue };
                if let Some(problem) = c.problem(value) {
                    report(trigger.key_span, format!("`{key}` of `{}` {problem}", svc.name), Some(var.key_span));
                }
            }
        }
    }
}
