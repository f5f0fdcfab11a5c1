//! N407: a `server` or `location` with its own `add_header` drops every `add_header` of the enclosing
//! levels (nginx inherits array directives all-or-nothing): security headers set in `http` or `server`
//! silently vanish from the responses of that block.
use crate::rules::prelude::*;
use crate::sources::nginx::model::{Header, Headers, Location};

pub static RULE: Rule = Rule {
    code: "N407",
    name: "add-header-dropped",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/N407-add-header-dropped.md"),
    check,
};

/// The headers in force at a level and whether an ancestor set `add_header_inherit merge`.
#[derive(Clone)]
struct Inherited<'a> {
    headers: &'a [Header],
    /// Where they are written: `http`, `server`, `location /x`.
    level: String,
    merge: bool,
}

fn check(model: &StackModel, out: &mut Sink) {
    for cfg in &model.nginx {
        let top = Inherited { headers: &[], level: String::new(), merge: false };
        let http = judge(&cfg.model.http, &top, "http", out);
        for server in cfg.model.servers.iter().filter(|s| !s.implicit) {
            let inner = judge(&server.headers, &http, "server", out);
            locations(&server.locations, &inner, out);
        }
    }
}

fn locations<'a>(locs: &'a [Location], parent: &Inherited<'a>, out: &mut Sink) {
    for l in locs {
        let level = format!("location {}", l.path.value);
        let inner = judge(&l.headers, parent, &level, out);
        locations(&l.locations, &inner, out);
    }
}

/// Reports the parent's headers a level with its own `add_header` drops; returns what is in force
/// below it.
fn judge<'a>(h: &'a Headers, parent: &Inherited<'a>, level: &str, out: &mut Sink) -> Inherited<'a> {
    let merge = parent.merge || merges(h);
    if h.add_header.is_empty() {
        return Inherited { merge, ..parent.clone() };
    }
    let here = Inherited { headers: &h.add_header, level: level.to_owned(), merge };
    if merge || parent.headers.is_empty() {
        return here;
    }
    let dropped: Vec<&Header> = parent
        .headers
        .iter()
        .filter(|p| !h.add_header.iter().any(|c| c.name.value.eq_ignore_ascii_case(&p.name.value)))
        .collect();
    if let (Some(first), Some(own)) = (dropped.first(), h.add_header.first()) {
        let names: Vec<&str> = dropped.iter().map(|d| d.name.value.as_str()).collect();
        let mut f = Finding::new(
            &RULE,
            own.span,
            format!(
                "this `add_header` in {level} drops the {} of {}: {}",
                if names.len() == 1 { "`add_header`" } else { "`add_header`s" },
                parent.level,
                names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            ),
        )
        .label(format!("{level} sets its own headers: the enclosing ones no longer apply here"))
        .related(first.span, format!("set in {}, not sent by {level}", parent.level))
        .help("repeat the enclosing headers in this block (an `include` of a shared snippet at each level), or set `add_header_inherit merge;` (nginx ≥ 1.29.3)");
        for d in dropped.iter().skip(1) {
            f = f.related(d.span, "dropped as well");
        }
        out.report(f);
    }
    here
}

fn merges(h: &Headers) -> bool {
    h.add_header_inherit.as_ref().is_some_and(|v| v.value.eq_ignore_ascii_case("merge"))
}
