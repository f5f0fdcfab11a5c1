//! C116: an interpolation default or alternative holds shell syntax (`$(...)`, backticks) that Compose
//! never runs: the value is that literal text.
use crate::interp::{self, Lookup, Op};
use crate::provenance::InterpInfo;
use crate::rules::prelude::*;
use crate::yaml::{Kind, Node};

pub static RULE: Rule = Rule {
    code: "C116",
    name: "shell-command-in-default",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C116-shell-command-in-default.md"),
    check,
};

/// Where a scalar sits, as far as this rule cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Other,
    /// A label value (Traefik rules use backticks).
    Label,
    /// `command`, `entrypoint` or `healthcheck.test` of a service; true when a shell in the container runs it.
    Command {
        shell: bool,
    },
}

/// Shell syntax found in a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    /// `$(` (the `$` is literal to Compose, so the text reaches the value).
    Subst,
    /// `$$(`: escaped on purpose, for a shell in the container.
    EscapedSubst,
    /// A backtick pair around a command with arguments.
    Backticks,
}

/// Positions of shell syntax in a template.
fn shell_syntax(template: &str) -> Vec<(usize, Found)> {
    let bytes = template.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut tick: Option<usize> = None;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'$' if bytes.get(i + 1) == Some(&b'$') => {
                if bytes.get(i + 2) == Some(&b'(') {
                    out.push((i, Found::EscapedSubst));
                }
                i += 2;
                continue;
            }
            b'$' if bytes.get(i + 1) == Some(&b'(') => out.push((i, Found::Subst)),
            b'`' => match tick.take() {
                None => tick = Some(i),
                Some(open) => {
                    let inner = template.get(open + 1..i).unwrap_or("");
                    if inner.trim().contains(' ') && inner.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/') {
                        out.push((open, Found::Backticks));
                    }
                }
            },
            _ => {}
        }
        i += 1;
    }
    out
}

fn op_len(op: Op) -> Option<usize> {
    match op {
        Op::DefaultUnsetOrEmpty | Op::AltSetNonEmpty => Some(2),
        Op::DefaultUnset | Op::AltSet => Some(1),
        Op::Plain | Op::Required | Op::RequiredNonEmpty => None,
    }
}

/// Is this command (words of `command`/`entrypoint`, or a healthcheck's) run by `sh -c` or similar?
fn has_shell_c(node: Option<&Node>) -> bool {
    let Some(node) = node else { return false };
    let words: Vec<String> = match &node.kind {
        Kind::Scalar(s) => s.text.split_whitespace().map(str::to_owned).collect(),
        Kind::Seq(items) => items.iter().filter_map(|n| n.as_scalar()).map(|s| s.text.trim().to_owned()).collect(),
        Kind::Map(_) => Vec::new(),
    };
    words.windows(2).any(|w| {
        let prog = w[0].rsplit('/').next().unwrap_or("");
        matches!(prog, "sh" | "bash" | "ash" | "dash" | "zsh")
            && w[1].starts_with('-')
            && !w[1].starts_with("--")
            && w[1].contains('c')
    })
}

fn healthcheck_in_shell(test: &Node) -> bool {
    match &test.kind {
        Kind::Scalar(_) => true,
        Kind::Seq(items) => {
            items.first().and_then(Node::as_str) == Some("CMD-SHELL")
                || items.first().and_then(Node::as_str) == Some("CMD") && has_shell_c(Some(test))
        }
        Kind::Map(_) => false,
    }
}

fn check(model: &StackModel, out: &mut Sink) {
    for stack in model.stacks.iter().filter(|s| s.loaded) {
        walk(&stack.tree, Place::Other, out);
        for svc in stack.active_services() {
            let Some(entries) = svc.node.as_map() else { continue };
            let command_shell = has_shell_c(svc.node.get("command")) || has_shell_c(svc.node.get("entrypoint"));
            for e in entries {
                match e.key.name.as_str() {
                    "command" | "entrypoint" => walk(&e.value, Place::Command { shell: command_shell }, out),
                    "labels" => walk(&e.value, Place::Label, out),
                    "healthcheck" => {
                        for h in e.value.as_map().unwrap_or_default() {
                            let place = if h.key.name == "test" {
                                Place::Command { shell: healthcheck_in_shell(&h.value) }
                            } else {
                                Place::Other
                            };
                            walk(&h.value, place, out);
                        }
                    }
                    _ => walk(&e.value, Place::Other, out),
                }
            }
        }
    }
}

fn walk(node: &Node, place: Place, out: &mut Sink) {
    match &node.kind {
        Kind::Map(entries) => entries.iter().for_each(|e| walk(&e.value, place, out)),
        Kind::Seq(items) => items.iter().for_each(|n| walk(n, place, out)),
        Kind::Scalar(s) => {
            if let Some(info) = &s.interp {
                check_scalar(info, place, out);
            }
        }
    }
}

fn check_scalar(info: &InterpInfo, place: Place, out: &mut Sink) {
    let found = shell_syntax(&info.template);
    if found.is_empty() {
        return;
    }
    // Ranges of each reference in the template; the record's uses come in the same order.
    let parsed = interp::interpolate(&info.template, &|_| Lookup::Undefined);
    if parsed.uses.len() != info.uses.len() {
        return;
    }
    let inner = |i: usize| {
        let u = &parsed.uses[i];
        op_len(u.op).map(|n| u.name_range.end + n..u.range.end.saturating_sub(1))
    };
    let mut reported: Vec<usize> = Vec::new();
    for (pos, what) in found {
        let skip = match (place, what) {
            (Place::Label, Found::Backticks) => true,
            // Escaped for the container's shell, or run by one: the shell runs it.
            (Place::Command { .. }, Found::EscapedSubst) => true,
            (Place::Command { shell }, _) => shell,
            _ => false,
        };
        if skip {
            continue;
        }
        // The innermost default or alternative holding it.
        let Some(idx) = (0..parsed.uses.len())
            .filter(|&i| inner(i).is_some_and(|r| r.contains(&pos)))
            .min_by_key(|&i| parsed.uses[i].range.len())
        else {
            continue;
        };
        if reported.contains(&idx) {
            continue;
        }
        reported.push(idx);
        let (u, rec) = (&parsed.uses[idx], &info.uses[idx]);
        // Its text is the value when the reference does not yield the variable, and no enclosing reference
        // yields its own variable instead.
        let enclosing_picks_var = (0..parsed.uses.len())
            .any(|j| j != idx && inner(j).is_some_and(|r| r.contains(&u.range.start)) && info.uses[j].contributes);
        let used = !rec.contributes && !enclosing_picks_var;
        let which = if matches!(u.op, Op::AltSet | Op::AltSetNonEmpty) { "alternative" } else { "default" };
        let syntax = if what == Found::Backticks { "backticks" } else { "`$(...)`" };
        let op = match u.op {
            Op::DefaultUnsetOrEmpty => ":-",
            Op::DefaultUnset => "-",
            Op::AltSetNonEmpty => ":+",
            _ => "+",
        };
        let shown = format!("${{{}{op}...}}", u.name);
        let mut f = Finding::new(
            &RULE,
            rec.span,
            format!(
                "the {which} of `{shown}` is a shell command ({syntax}) that Compose never runs: the value is that literal text"
            ),
        );
        f = if used {
            f.label(format!("`{}` gets the command's text, not its output", u.name))
        } else {
            let when = if which == "default" { "unset or empty" } else { "unset" };
            f.severity(Severity::Warning).label(format!(
                "not used while `{}` has a value; the day it is {when}, the value is the command's text",
                u.name
            ))
        };
        let help = if matches!(place, Place::Command { .. }) {
            format!(
                "run it in the container's shell instead (`sh -c '... $${{{}:-$$(...)}}'`), or set `{}` in the interpolation env file",
                u.name, u.name
            )
        } else {
            format!(
                "generate the value once and put it in the interpolation env file (`{}=...` in `.env`), and use `${{{}:?}}` so a missing value stops the deploy",
                u.name, u.name
            )
        };
        out.report(f.help(help));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_shell_syntax() {
        let f = shell_syntax("${A:-$(openssl rand -hex 32)}");
        assert!(f.contains(&(5, Found::Subst)));
        assert_eq!(shell_syntax("${A:-$$(date)}"), vec![(5, Found::EscapedSubst)]);
        assert_eq!(shell_syntax("${A:-`date +%s`}").len(), 1);
        assert!(shell_syntax("Host(`a.example.com`) || Host(`b.example.com`)").is_empty());
        assert!(shell_syntax("$$HOME and 5$").is_empty());
    }
}
