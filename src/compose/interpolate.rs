//! Interpolation of one compose document (semantics.md §1.6): every string value (never a key) is
//! substituted from the interpolation environment, each result records where it was written and where
//! each variable it used is defined; then the fields Compose types as booleans or numbers are cast.

use std::collections::HashMap;

use crate::interp::{self, Lookup};
use crate::model::VarDef;
use crate::provenance::{InterpInfo, VarRef, VarState};
use crate::source::Span;
use crate::yaml::{Kind, Node, Value};

/// A problem found while interpolating: Compose would abort the load.
#[derive(Clone, Debug)]
pub enum Problem {
    /// `${` not closed, or a bad name or operator.
    InvalidFormat { span: Span, path: String },
    /// `${VAR:?msg}` / `${VAR?msg}` whose variable is unset (or empty).
    Required { span: Span, path: String, name: String, message: String },
    /// A field Compose casts (booleans, integers) holds a value that does not cast.
    Cast { span: Span, path: String, message: String },
}

/// Offset of a scalar's text inside its node span, when the file holds the text verbatim.
pub fn verbatim_offset(node: &Node) -> Option<usize> {
    node.as_scalar().and_then(|s| s.verbatim).map(|v| v as usize)
}

/// Looks a variable up in the interpolation environment.
pub fn lookup<'a>(vars: &'a HashMap<String, VarDef>, name: &str) -> Lookup<'a> {
    match crate::model::lookup_var(vars, name) {
        None => Lookup::Undefined,
        Some(VarDef { value: Some(v), .. }) => Lookup::Known(v),
        Some(VarDef { value: None, .. }) => Lookup::Unknown,
    }
}

/// Interpolates one string written at `span` (the text starts at `verbatim` inside it when the file holds
/// it byte for byte). Returns the value and its record; errors go to `problems`.
/// How to treat variables that no source defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Undefined {
    /// An interpolation env file exists: an undefined variable is empty, as compose makes it.
    Empty,
    /// No env file at all (CI without the secrets): assume the deploy environment sets it; the value is
    /// unknown.
    FromDeployEnv,
}

pub fn interpolate_text(
    text: &str,
    span: Span,
    verbatim: Option<usize>,
    vars: &HashMap<String, VarDef>,
    undefined: Undefined,
    path: &str,
    problems: &mut Vec<Problem>,
) -> (String, Option<Box<InterpInfo>>) {
    if !interp::needs_interpolation(text) {
        return (text.to_owned(), None);
    }
    let result = interp::interpolate(text, &|name| lookup(vars, name));
    let map = |r: &std::ops::Range<usize>| match verbatim {
        Some(off) => span.sub(off + r.start, off + r.end),
        None => span,
    };
    for e in &result.errors {
        match &e.kind {
            interp::ErrorKind::InvalidFormat => {
                problems.push(Problem::InvalidFormat { span: map(&e.range), path: path.to_owned() })
            }
            interp::ErrorKind::RequiredMissing { name, message } => problems.push(Problem::Required {
                span: map(&e.range),
                path: path.to_owned(),
                name: name.clone(),
                message: message.clone(),
            }),
        }
    }
    let uses = var_refs(&result, map, |name| crate::model::lookup_var(vars, name).map(|d| d.origin.clone()));
    let assumed = undefined == Undefined::FromDeployEnv
        && result.uses.iter().any(|u| u.contributes && u.lookup == interp::LookupState::Undefined);
    let info = InterpInfo { template: text.to_owned(), known: result.known && !assumed, uses };
    (result.value, Some(Box::new(info)))
}

/// The provenance records of an interpolation's variable uses: where each is written (`span_of` maps a
/// byte range of the template onto the file) and where its variable is defined.
pub fn var_refs(
    result: &interp::Interpolated,
    span_of: impl Fn(&std::ops::Range<usize>) -> Span,
    origin_of: impl Fn(&str) -> Option<crate::provenance::Origin>,
) -> Vec<VarRef> {
    result
        .uses
        .iter()
        .map(|u| VarRef {
            name: u.name.clone(),
            span: span_of(&u.range),
            op: u.op,
            state: match u.lookup {
                interp::LookupState::Undefined => VarState::Undefined,
                interp::LookupState::Known => VarState::Known,
                interp::LookupState::Unknown => VarState::Unknown,
            },
            origin: origin_of(&u.name),
            contributes: u.contributes,
        })
        .collect()
}

/// Interpolates every string value of a document in place, then applies Compose's casts.
pub fn interpolate_document(
    doc: &mut Node,
    vars: &HashMap<String, VarDef>,
    undefined: Undefined,
    problems: &mut Vec<Problem>,
) {
    let mut path: Vec<String> = Vec::new();
    walk(doc, vars, undefined, &mut path, problems);
}

fn walk(
    node: &mut Node,
    vars: &HashMap<String, VarDef>,
    undefined: Undefined,
    path: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) {
    match &mut node.kind {
        Kind::Map(entries) => {
            for e in entries.iter_mut() {
                path.push(e.key.name.clone());
                walk(&mut e.value, vars, undefined, path, problems);
                path.pop();
            }
        }
        Kind::Seq(items) => {
            for item in items.iter_mut() {
                path.push("[]".to_owned());
                walk(item, vars, undefined, path, problems);
                path.pop();
            }
        }
        Kind::Scalar(s) => {
            if s.value != Value::Str {
                return;
            }
            let dotted = || path.join(".");
            if interp::needs_interpolation(&s.text) {
                let (value, info) = interpolate_text(
                    &s.text,
                    node.span,
                    s.verbatim.map(|v| v as usize),
                    vars,
                    undefined,
                    &dotted(),
                    problems,
                );
                s.text = value;
                s.interp = info;
            }
            if let Some(cast) = cast_for(path) {
                apply_cast(cast, s, node.span, &dotted(), problems);
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cast {
    Bool,
    Int,
    Float,
}

/// The paths whose string values Compose casts after interpolation (compose-go `interpolateTypeCastMapping`).
fn cast_for(path: &[String]) -> Option<Cast> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["services", _, key] => match *key {
            "init" | "oom_kill_disable" | "privileged" | "read_only" | "stdin_open" | "tty" => Some(Cast::Bool),
            "cpu_count" | "cpu_period" | "cpu_quota" | "cpu_rt_period" | "cpu_rt_runtime" | "cpu_shares"
            | "oom_score_adj" | "pids_limit" | "scale" => Some(Cast::Int),
            "cpu_percent" | "cpus" => Some(Cast::Float),
            _ => None,
        },
        ["services", _, "healthcheck", "disable"] => Some(Cast::Bool),
        ["services", _, "healthcheck", "retries"] => Some(Cast::Int),
        ["services", _, "deploy", "replicas"] => Some(Cast::Int),
        ["services", _, "deploy", "update_config" | "rollback_config", "parallelism"] => Some(Cast::Int),
        ["services", _, "deploy", "update_config" | "rollback_config", "max_failure_ratio"] => Some(Cast::Float),
        ["services", _, "deploy", "restart_policy", "max_attempts"] => Some(Cast::Int),
        ["services", _, "deploy", "placement", "max_replicas_per_node"] => Some(Cast::Int),
        ["services", _, "ports", "[]", "target"] => Some(Cast::Int),
        ["services", _, "ulimits", _] | ["services", _, "ulimits", _, "hard" | "soft"] => Some(Cast::Int),
        ["services", _, "volumes", "[]", "read_only"] => Some(Cast::Bool),
        ["services", _, "volumes", "[]", "volume", "nocopy"] => Some(Cast::Bool),
        ["networks", _, "external" | "internal" | "attachable" | "enable_ipv4" | "enable_ipv6"] => Some(Cast::Bool),
        ["volumes" | "secrets" | "configs", _, "external"] => Some(Cast::Bool),
        _ => None,
    }
}

fn apply_cast(cast: Cast, s: &mut crate::yaml::Scalar, span: Span, path: &str, problems: &mut Vec<Problem>) {
    let text = s.text.as_str();
    match cast {
        Cast::Bool => match text.to_ascii_lowercase().as_str() {
            "true" | "y" | "yes" | "on" => s.value = Value::Bool(true),
            "false" | "n" | "no" | "off" => s.value = Value::Bool(false),
            _ if s.interp.as_ref().is_some_and(|i| !i.known) => {}
            _ => problems.push(Problem::Cast {
                span,
                path: path.to_owned(),
                message: format!("failed to cast to expected type: invalid boolean: {text}"),
            }),
        },
        Cast::Int => match text.parse::<i64>() {
            Ok(i) => s.value = Value::Int(i),
            Err(_) if s.interp.as_ref().is_some_and(|i| !i.known) => {}
            Err(_) => problems.push(Problem::Cast {
                span,
                path: path.to_owned(),
                message: format!("failed to cast to expected type: strconv.Atoi: parsing \"{text}\": invalid syntax"),
            }),
        },
        Cast::Float => match text.parse::<f64>() {
            Ok(f) => s.value = Value::Float(f),
            Err(_) if s.interp.as_ref().is_some_and(|i| !i.known) => {}
            Err(_) => problems.push(Problem::Cast {
                span,
                path: path.to_owned(),
                message: format!(
                    "failed to cast to expected type: strconv.ParseFloat: parsing \"{text}\": invalid syntax"
                ),
            }),
        },
    }
}
