//! C117: a healthcheck runs a program (`curl`, `wget`, `nc`, `pg_isready`, `redis-cli`, a shell) that the
//! service's image does not contain, so the check can never pass.
use crate::knowledge::images::{Toolset, toolset};
use crate::rules::common::run_image;
use crate::rules::prelude::*;
use crate::sources::dockerfile::{Stage, installs, parse_exec};

pub static RULE: Rule = Rule {
    code: "C117",
    name: "healthcheck-tool-missing",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/C117-healthcheck-tool-missing.md"),
    check,
};

/// A healthcheck command: exec form (no shell) or a shell command line.
#[derive(Debug, PartialEq, Eq)]
enum Test {
    Exec(Vec<String>),
    Shell(String),
}

fn basename(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// The program that certainly fails for lack of a tool, when every way the check can succeed needs one.
fn missing_program(test: &Test, tools: &Toolset) -> Option<String> {
    match test {
        Test::Exec(items) => {
            let program = basename(items.first()?);
            if tools.lacks(program) {
                return Some(program.to_owned());
            }
            if matches!(program, "sh" | "bash" | "ash") && items.get(1).is_some_and(|a| a == "-c") {
                return shell_missing(items.get(2)?, tools);
            }
            None
        }
        Test::Shell(text) => {
            if tools.lacks("sh") {
                return Some("/bin/sh".to_owned());
            }
            shell_missing(text, tools)
        }
    }
}

/// Shell text: the missing tool when each `||` alternative certainly fails (it starts a command the image
/// lacks, or is `exit N` / `false`); None when any alternative might succeed or the text probes for tools.
fn shell_missing(text: &str, tools: &Toolset) -> Option<String> {
    const PROBES: [&str; 8] = ["command -v", "which ", "type ", "hash ", "if ", "[ -x", "test -x", "case "];
    if PROBES.iter().any(|p| text.contains(p)) {
        return None;
    }
    let mut found = None;
    for alternative in text.split("||") {
        let alt = alternative.trim().trim_start_matches(['(', '{', ' ']).trim();
        let first = alt.split_whitespace().next().unwrap_or("");
        if first == "exit" || first == "false" {
            continue;
        }
        if alt.contains(';') || alt.contains('`') || alt.contains("$(") {
            return None;
        }
        let mut fails = None;
        for part in alt.split("&&") {
            let pipeline: Vec<&str> = part.split('|').collect();
            let Some(program) = first_program(pipeline.first().copied().unwrap_or("")) else { continue };
            let ends_in_filter = pipeline.len() == 1
                || pipeline
                    .last()
                    .and_then(|l| first_program(l))
                    .is_some_and(|p| matches!(p, "grep" | "egrep" | "fgrep"));
            if tools.lacks(program) && ends_in_filter {
                fails = Some(program.to_owned());
                break;
            }
        }
        match fails {
            Some(p) => {
                found.get_or_insert(p);
            }
            None => return None,
        }
    }
    found
}

/// The program a simple command runs, after `VAR=value` assignments and `exec`/`env`.
fn first_program(command: &str) -> Option<&str> {
    command
        .split_whitespace()
        .map(|w| w.trim_matches(['(', ')', '{', '}']))
        .find(|w| !w.is_empty() && !w.contains('=') && !matches!(*w, "exec" | "env" | "!" | "nice"))
        .map(basename)
}

/// Packages whose installation provides a program.
fn provided_by(stage: &Stage, program: &str) -> bool {
    if installs(stage, program) {
        return true;
    }
    let prefixes: &[&str] = match program {
        "nc" => &["netcat", "ncat", "nmap", "busybox-extras"],
        "pg_isready" => &["postgresql", "postgres"],
        "redis-cli" => &["redis"],
        "sh" | "/bin/sh" => &["busybox", "/bin/sh", "bash", "dash"],
        _ => &[],
    };
    stage.instructions.iter().filter(|i| matches!(i.keyword.as_str(), "RUN" | "COPY" | "ADD")).any(|i| {
        i.args.split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',').any(|w| {
            prefixes.iter().any(|p| w.starts_with(p) || w.contains(&format!("/{}", p.trim_start_matches('/'))))
        })
    })
}

/// A stage that installs packages the rule cannot read (`$PACKAGES`, a copied install script).
fn installs_unknown(stage: &Stage) -> bool {
    stage.all("RUN").any(|i| {
        let a = &i.args;
        let installs = ["apk add", "apt-get install", "apt install", "yum install", "dnf install", "microdnf install"]
            .iter()
            .any(|m| a.contains(m));
        (installs && a.contains('$')) || a.split_whitespace().any(|w| w.ends_with(".sh"))
    })
}

/// A command or entrypoint that installs packages when the container starts
/// (`sh -c "apk add --no-cache curl && exec app"`): the image is not all there is.
fn installs_at_start(svc: &Service) -> bool {
    svc.command.iter().chain(svc.entrypoint.iter()).any(|c| {
        let text = c.joined();
        ["apk add", "apt-get install", "apt install", "yum install", "dnf install", "microdnf install"]
            .iter()
            .any(|m| text.contains(m))
    })
}

fn check(model: &StackModel, out: &mut Sink) {
    for (_, svc) in model.services() {
        let Some(run) = run_image(model, svc) else { continue };
        let Some(tools) = toolset(&run.image) else { continue };
        if run.stages.iter().any(|s| installs_unknown(s)) || installs_at_start(svc) {
            continue;
        }
        // The compose healthcheck, else the Dockerfile's HEALTHCHECK.
        let (test, span) = match svc.healthcheck.as_ref() {
            Some(h) if h.is_disabled() => continue,
            Some(h) if h.test.is_some() => {
                let Some(cmd) = &h.test else { continue };
                if cmd.items.iter().any(|i| !i.known) {
                    continue;
                }
                if cmd.shell_form {
                    (Test::Shell(cmd.joined()), cmd.span)
                } else {
                    let words: Vec<String> = cmd.items.iter().map(|t| t.value.clone()).collect();
                    match words.first().map(String::as_str) {
                        Some("CMD") => {
                            let span = cmd.items.get(1).map_or(cmd.span, |t| t.span);
                            (Test::Exec(words[1..].to_vec()), span)
                        }
                        Some("CMD-SHELL") => (Test::Shell(words[1..].join(" ")), cmd.span),
                        _ => continue,
                    }
                }
            }
            _ => {
                let Some(hc) = run.stages.iter().rev().find_map(|s| s.all("HEALTHCHECK").last()) else { continue };
                let Some(at) = hc.args.find("CMD") else { continue };
                let rest = hc.args[at + 3..].trim();
                match parse_exec(rest) {
                    Some(items) => (Test::Exec(items), hc.span),
                    None => (Test::Shell(rest.to_owned()), hc.span),
                }
            }
        };
        let Some(program) = missing_program(&test, &tools) else { continue };
        if run.stages.iter().any(|s| provided_by(s, &program)) {
            continue;
        }
        let image = run.image.repo.clone() + &run.image.tag.as_deref().map(|t| format!(":{t}")).unwrap_or_default();
        let what = if program == "/bin/sh" {
            format!("the healthcheck of `{}` is a shell command, which needs `/bin/sh`", svc.name)
        } else {
            format!("the healthcheck of `{}` runs `{program}`", svc.name)
        };
        let help = match (program.as_str(), tools.shell) {
            (_, false) => "this image has no shell and no HTTP client: build a small healthcheck binary into the image, or use an exec-form check of a program the image ships".to_owned(),
            ("curl", _) if !tools.lacks("wget") => format!(
                "use BusyBox wget, which {} has (`wget -q --spider http://localhost:PORT/health || exit 1`), or install curl in the image",
                tools.family
            ),
            ("curl" | "wget", _) => "install it in the image (`apt-get install -y --no-install-recommends curl`) or check with the app's runtime (`python -c`, `node -e`)".to_owned(),
            _ => format!("install `{program}` in the image, or check with a program the image has"),
        };
        let mut finding = Finding::new(
            &RULE,
            span,
            format!(
                "{what}, but `{image}` ({}) does not contain it: the container never becomes healthy",
                tools.family
            ),
        )
        .label(format!("`{program}` is not in the image"))
        .related(
            run.span,
            if run.stages.is_empty() {
                "image without it"
            } else {
                "built from this base, which lacks it, and never installs it"
            },
        )
        .help(help);
        if finding.related.first().is_some_and(|r| r.span == span) {
            finding.related.clear();
        }
        out.report(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::images::toolset;
    use crate::model::image::ImageRef;

    fn tools(image: &str) -> Toolset {
        toolset(&ImageRef::parse(image).unwrap()).unwrap()
    }

    fn shell(s: &str) -> Test {
        Test::Shell(s.to_owned())
    }

    #[test]
    fn shell_alternatives() {
        let alpine = tools("node:20-alpine");
        assert_eq!(
            missing_program(&shell("curl -f http://localhost:3000/ || exit 1"), &alpine).as_deref(),
            Some("curl")
        );
        assert_eq!(
            missing_program(
                &shell("curl -fs http://localhost:3000/ || wget -q --spider http://localhost:3000/"),
                &alpine
            ),
            None
        );
        assert_eq!(missing_program(&shell("wget -qO- http://localhost:3000/ || exit 1"), &alpine), None);
        assert_eq!(missing_program(&shell("command -v curl && curl -f http://x || exit 1"), &alpine), None);
        assert_eq!(missing_program(&shell("curl -f http://x; exit 0"), &alpine), None);
        assert_eq!(missing_program(&shell("/usr/bin/curl -s http://x | grep ok"), &alpine).as_deref(), Some("curl"));
        let slim = tools("python:3.12-slim");
        assert_eq!(missing_program(&shell("nc -z localhost 8000"), &slim).as_deref(), Some("nc"));
        assert_eq!(missing_program(&shell("python -c 'import urllib.request'"), &slim), None);
        let distroless = tools("gcr.io/distroless/nodejs20-debian12");
        assert_eq!(missing_program(&shell("node healthcheck.js"), &distroless).as_deref(), Some("/bin/sh"));
        let exec = Test::Exec(vec!["/nodejs/bin/node".into(), "healthcheck.js".into()]);
        assert_eq!(missing_program(&exec, &distroless), None);
        let exec = Test::Exec(vec!["sh".into(), "-c".into(), "curl -f http://x || exit 1".into()]);
        assert_eq!(missing_program(&exec, &alpine).as_deref(), Some("curl"));
    }
}
