//! C119: a healthcheck (or a shell command) has Compose substitute a secret (`${REDIS_PASSWORD}`) instead
//! of letting the container's shell read it (`$${REDIS_PASSWORD}`).
use crate::interp::{self, Lookup, Op};
use crate::model::EnvSource;
use crate::provenance::{InterpInfo, VarRef};
use crate::rules::prelude::*;
use crate::secret::is_secret_key;
use crate::yaml::{Kind, Node};

pub static RULE: Rule = Rule {
    code: "C119",
    name: "secret-interpolated-in-healthcheck",
    severity: Severity::Warning,
    fix: FixAvailability::Safe,
    default: false,
    doc: include_str!("../../../rules/docs/C119-secret-interpolated-in-healthcheck.md"),
    check,
};

/// A secret-named variable (E204's names), except anon keys: those are public by design (Supabase's
/// `ANON_KEY` is shipped to every browser), as rules.md E205 says.
fn is_secret(name: &str) -> bool {
    is_secret_key(name) && !name.to_ascii_uppercase().contains("ANON")
}

/// `sh -c`, `bash -ec`... among the words of a command.
fn has_shell_c(words: &[String]) -> bool {
    words.windows(2).any(|w| {
        let prog = w[0].rsplit('/').next().unwrap_or("");
        matches!(prog, "sh" | "bash" | "ash" | "dash" | "zsh")
            && w[1].starts_with('-')
            && !w[1].starts_with("--")
            && w[1].contains('c')
    })
}

fn words(node: Option<&Node>) -> Vec<String> {
    match node.map(|n| &n.kind) {
        Some(Kind::Scalar(s)) => s.text.split_whitespace().map(str::to_owned).collect(),
        Some(Kind::Seq(items)) => {
            items.iter().filter_map(|n| n.as_scalar()).map(|s| s.text.trim().to_owned()).collect()
        }
        _ => Vec::new(),
    }
}

/// A field to check: the YAML node and whether a shell in the container runs its text.
struct Field<'a> {
    what: &'static str,
    node: &'a Node,
    shell: bool,
    /// Copied from an anchor or a `<<` merge: an edit would change every user of that text.
    shared: bool,
}

fn fields(svc: &Service) -> Vec<Field<'_>> {
    let mut out = Vec::new();
    if let Some(h) = svc.node.get_entry("healthcheck")
        && let Some(t) = h.value.get_entry("test")
    {
        let shell = match &t.value.kind {
            Kind::Scalar(_) => true,
            Kind::Seq(items) => {
                let first = items.first().and_then(Node::as_str);
                first == Some("CMD-SHELL") || first == Some("CMD") && has_shell_c(&words(Some(&t.value)))
            }
            Kind::Map(_) => false,
        };
        let shared = h.via_merge.is_some() || t.via_merge.is_some() || h.value.via_alias.is_some();
        out.push(Field { what: "healthcheck", node: &t.value, shell, shared });
    }
    // `command`/`entrypoint` only when a shell runs them: `redis-server --requirepass ${REDIS_PASSWORD}` has
    // no shell to read `$$REDIS_PASSWORD`, and Compose interpolation is then the way to pass it.
    let shell = has_shell_c(&words(svc.node.get("entrypoint"))) || has_shell_c(&words(svc.node.get("command")));
    if shell {
        for key in ["entrypoint", "command"] {
            if let Some(e) = svc.node.get_entry(key) {
                let shared = e.via_merge.is_some() || e.value.via_alias.is_some();
                out.push(Field { what: key, node: &e.value, shell, shared });
            }
        }
    }
    out
}

/// Scalars of a field with their interpolation record and verbatim offset.
fn scalars(node: &Node) -> Vec<(&InterpInfo, Option<u32>)> {
    match &node.kind {
        Kind::Seq(items) => items.iter().filter_map(scalar).collect(),
        _ => scalar(node).into_iter().collect(),
    }
}

fn scalar(n: &Node) -> Option<(&InterpInfo, Option<u32>)> {
    let s = n.as_scalar()?;
    let info = s.interp.as_deref()?;
    Some((info, if n.via_alias.is_some() { None } else { s.verbatim }))
}

/// Does the container's own environment hold the same value Compose substitutes, so that `$$VAR` read by
/// its shell gives the same result? Safe: it provably does. Unsafe: it defines the variable, value not
/// provably equal. None: it does not define it (escaping would leave the shell an empty value).
fn container_has(stack: &Stack, svc: &Service, name: &str) -> Option<Applicability> {
    let env = svc.env(name)?;
    env.value.as_ref()?;
    if env.source == EnvSource::Inherited {
        return Some(Applicability::Safe);
    }
    // `REDIS_PASSWORD: ${REDIS_PASSWORD}` (or `$REDIS_PASSWORD`) copies the same interpolation value.
    // The list form's record covers the whole `KEY=${KEY}` item.
    let same_var = env.interp.as_ref().is_some_and(|i| {
        let t = i.template.trim();
        let t = t.strip_prefix(&format!("{}=", env.key)).unwrap_or(t);
        (t == format!("${{{name}}}") || t == format!("${name}")) && i.uses.len() == 1
    });
    let interp_value = stack.vars.get(name).and_then(|d| d.value.as_deref());
    let equal_known = env.known && interp_value.is_some() && interp_value == env.value.as_deref();
    if same_var || equal_known { Some(Applicability::Safe) } else { Some(Applicability::Unsafe) }
}

/// Is byte `pos` of a shell text inside single quotes (where the shell expands nothing)?
fn in_single_quotes(text: &str, pos: usize) -> bool {
    let (mut single, mut double, mut escaped) = (false, false, false);
    for (i, c) in text.char_indices() {
        if i >= pos {
            break;
        }
        match c {
            _ if escaped => escaped = false,
            '\\' if !single => escaped = true,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => {}
        }
    }
    single
}

fn check(model: &StackModel, out: &mut Sink) {
    for stack in model.stacks.iter().filter(|s| s.loaded && !s.fragment) {
        for svc in stack.active_services() {
            for field in fields(svc) {
                for (info, verbatim) in scalars(field.node) {
                    // Where each reference sits in the text as written (same order as the record's uses).
                    let parsed = interp::interpolate(&info.template, &|_| Lookup::Undefined);
                    if parsed.uses.len() != info.uses.len() {
                        continue;
                    }
                    for (u, p) in info.uses.iter().zip(&parsed.uses) {
                        // Only tested (`${PASSWORD:+-a}`), or not in the result (an unused default): no value
                        // is written into the container's configuration.
                        if !is_secret(&u.name) || matches!(u.op, Op::AltSet | Op::AltSetNonEmpty) || !u.contributes {
                            continue;
                        }
                        let inside = |o: &interp::VarUse, p: &interp::VarUse| {
                            o.range != p.range && o.range.start <= p.range.start && p.range.end <= o.range.end
                        };
                        let place = Place {
                            verbatim,
                            // Inside another reference's default, or holding one: escaping it would change how
                            // the other is resolved too.
                            nested: parsed.uses.iter().any(|o| inside(o, p) || inside(p, o)),
                            single_quoted: in_single_quotes(&info.template, p.range.start),
                        };
                        report(model, stack, svc, &field, u, &place, out);
                    }
                }
            }
        }
    }
}

/// Where one reference is written.
struct Place {
    verbatim: Option<u32>,
    nested: bool,
    single_quoted: bool,
}

fn report(
    model: &StackModel,
    stack: &Stack,
    svc: &Service,
    field: &Field<'_>,
    u: &VarRef,
    place: &Place,
    out: &mut Sink,
) {
    let name = &u.name;
    let mut f = Finding::new(
        &RULE,
        u.span,
        format!("the {} of `{}` has Compose substitute secret `{name}` at deploy time: its value is written in clear into the container's configuration", field.what, svc.name),
    )
    .label(format!("`{name}` with a single `$` is replaced by Compose"));
    // The fix inserts one `$`: only where the reference is written byte for byte in the file, a shell in
    // the container reads the text outside single quotes, and the container's environment holds the same
    // value.
    let text_ok = place.verbatim.is_some()
        && model.db.get(u.span.file).and_then(|f| f.text.get(u.span.range())).is_some_and(|t| t.starts_with('$'));
    let applicability =
        if field.shell && text_ok && !place.nested && !place.single_quoted && !field.shared && svc.extends.is_none() {
            // `${PASSWORD:?}` stops the deploy when it is unset; the shell's would only fail the check.
            container_has(stack, svc, name)
                .map(|a| if matches!(u.op, Op::Required | Op::RequiredNonEmpty) { Applicability::Unsafe } else { a })
        } else {
            None
        };
    let in_env = svc.env(name).is_some();
    let help = if !field.shell {
        format!(
            "use the shell form (`[\"CMD-SHELL\", \"... $${{{name}}} ...\"]`) with `{name}` in the service's `environment:`, so the container's shell reads it when the check runs"
        )
    } else if place.single_quoted {
        format!(
            "write `\"$${{{name}}}\"` in double quotes (a shell expands nothing inside single quotes), with `{name}` in the service's `environment:`"
        )
    } else if in_env {
        format!("write `$${{{name}}}` so the container's shell reads it from its own environment when the check runs")
    } else {
        format!(
            "add `{name}: ${{{name}}}` to the service's `environment:` and write `$${{{name}}}`, so the container's shell reads it when the check runs"
        )
    };
    f = f.help(help);
    if let Some(applicability) = applicability {
        f = f.fix(Fix {
            title: format!("escape it: `$${{{name}}}` is read by the container's shell"),
            applicability,
            edits: vec![Edit {
                file: u.span.file,
                start: u.span.start,
                end: u.span.start,
                replacement: "$".to_owned(),
            }],
        });
    }
    out.report(f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_and_quotes() {
        let w = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        assert!(has_shell_c(&w("/bin/sh -c exec redis-server")));
        assert!(has_shell_c(&w("bash -ec true")));
        assert!(!has_shell_c(&w("redis-server --requirepass x")));
        assert!(!has_shell_c(&w("sh --version")));
        let t = "redis-cli -a '${A}' ping \"${B}\" it's";
        assert!(in_single_quotes(t, t.find("${A}").unwrap()));
        assert!(!in_single_quotes(t, t.find("${B}").unwrap()));
        assert!(is_secret("REDIS_PASSWORD") && !is_secret("ANON_KEY") && !is_secret("POSTGRES_USER"));
    }
}
