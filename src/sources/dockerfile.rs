//! Dockerfiles that compose `build:` points at: just enough of the format for the rules that read them
//! (base images per stage, `RUN` commands, `EXPOSE`, `HEALTHCHECK`, `COPY`/`ADD` destinations, `ENV`,
//! `CMD`/`ENTRYPOINT`), with a span per instruction. Line continuations (`\` or the `# escape=` character),
//! comments, heredocs (`RUN <<EOF`) and JSON (exec) forms are handled; anything else is kept as raw text.

use crate::source::{FileId, Span};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword (`RUN`, `FROM`...).
    pub keyword: String,
    /// The arguments as written after the keyword, continuations joined with a space.
    pub args: String,
    /// The whole instruction, continuation lines and heredoc bodies included.
    pub span: Span,
    /// The JSON (exec) form's items, when the arguments are a JSON array.
    pub exec: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stage {
    /// `FROM image [AS name]`: the base image as written (may hold `${ARG}`).
    pub base: String,
    pub name: Option<String>,
    pub from_span: Span,
    pub instructions: Vec<Instruction>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dockerfile {
    pub file: FileId,
    /// Instructions before the first `FROM` (`ARG`s).
    pub preamble: Vec<Instruction>,
    pub stages: Vec<Stage>,
}

impl Dockerfile {
    /// The stage a `build.target` selects, else the last one.
    pub fn stage(&self, target: Option<&str>) -> Option<&Stage> {
        match target {
            Some(t) => self.stages.iter().find(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(t))),
            None => self.stages.last(),
        }
    }

    /// The stages the selected one is built from, itself last (`FROM builder` chains).
    pub fn lineage(&self, target: Option<&str>) -> Vec<&Stage> {
        let mut out = Vec::new();
        let mut current = self.stage(target);
        while let Some(stage) = current {
            if out.iter().any(|s: &&Stage| std::ptr::eq(*s, stage)) || out.len() > 64 {
                break;
            }
            out.push(stage);
            current =
                self.stages.iter().find(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&stage.base)));
        }
        out.reverse();
        out
    }
}

impl Stage {
    pub fn all<'a>(&'a self, keyword: &'a str) -> impl Iterator<Item = &'a Instruction> + 'a {
        self.instructions.iter().filter(move |i| i.keyword == keyword)
    }
}

/// Parses a Dockerfile. Never fails: unknown lines become instructions with their first word as keyword.
pub fn parse(file: FileId, text: &str) -> Dockerfile {
    let mut out = Dockerfile { file, ..Dockerfile::default() };
    let escape = escape_char(text);
    let lines: Vec<(usize, &str)> = line_offsets(text);
    let mut i = 0usize;
    while let Some(&(start, line)) = lines.get(i) {
        i += 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // Join continuation lines (comment lines inside a continuation are skipped, as Docker does).
        let mut body = String::from(trimmed);
        let mut end = start + line.len();
        while body.ends_with(escape) {
            body.pop();
            let Some(&(next_start, next)) = lines.get(i) else { break };
            i += 1;
            end = next_start + next.len();
            let next_trim = next.trim();
            if next_trim.starts_with('#') {
                body.push(escape);
                continue;
            }
            body.push(' ');
            body.push_str(next_trim);
        }
        let (keyword, args) = match body.split_once(char::is_whitespace) {
            Some((k, a)) => (k.to_ascii_uppercase(), a.trim().to_owned()),
            None => (body.to_ascii_uppercase(), String::new()),
        };
        // Heredocs: `RUN <<EOF` ... `EOF` (also `<<-EOF` and quoted markers).
        let mut args = args;
        if let Some(marker) = heredoc_marker(&args) {
            let mut lines_taken = Vec::new();
            while let Some(&(next_start, next)) = lines.get(i) {
                i += 1;
                end = next_start + next.len();
                if next.trim() == marker {
                    break;
                }
                lines_taken.push(next.trim_end_matches(['\r', '\n']).to_owned());
            }
            args.push('\n');
            args.push_str(&lines_taken.join("\n"));
        }
        let span = Span::new(file, start, end.min(text.len()));
        let exec = parse_exec(&args);
        let instr = Instruction { keyword: keyword.clone(), args, span, exec };
        if keyword == "FROM" {
            let mut words = instr.args.split_whitespace().filter(|w| !w.starts_with("--"));
            let base = words.next().unwrap_or_default().to_owned();
            let name = match (words.next(), words.next()) {
                (Some(kw), Some(n)) if kw.eq_ignore_ascii_case("as") => Some(n.to_owned()),
                _ => None,
            };
            out.stages.push(Stage { base, name, from_span: span, instructions: Vec::new() });
        } else {
            match out.stages.last_mut() {
                Some(stage) => stage.instructions.push(instr),
                None => out.preamble.push(instr),
            }
        }
    }
    out
}

fn line_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        out.push((offset, line.trim_end_matches(['\n', '\r'])));
        offset += line.len();
    }
    out
}

/// The `# escape=` parser directive (backslash by default, or backtick).
fn escape_char(text: &str) -> char {
    for line in text.lines() {
        let t = line.trim();
        let Some(d) = t.strip_prefix('#') else { break };
        if let Some((k, v)) = d.split_once('=')
            && k.trim().eq_ignore_ascii_case("escape")
            && v.trim() == "`"
        {
            return '`';
        }
    }
    '\\'
}

fn heredoc_marker(args: &str) -> Option<String> {
    let at = args.find("<<")?;
    let rest = args.get(at + 2..)?.trim_start_matches('-');
    let word: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    let word = word.trim_matches(['"', '\'']).to_owned();
    (!word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(word)
}

/// `["a", "b"]` ⇒ the items (a JSON array of strings), else None (shell form).
pub fn parse_exec(args: &str) -> Option<Vec<String>> {
    let t = args.trim();
    if !t.starts_with('[') || !t.ends_with(']') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(t).ok()
}

/// Does a command line install or contain a program (`apk add curl`, `apt-get install -y wget`,
/// `COPY --from=... /usr/bin/curl`)? Used to know whether a healthcheck tool exists in the image.
pub fn installs(stage: &Stage, program: &str) -> bool {
    stage.instructions.iter().any(|i| {
        matches!(i.keyword.as_str(), "RUN" | "COPY" | "ADD")
            && i.args
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '/' || c == '.'))
                .any(|w| w == program || w.ends_with(&format!("/{program}")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# syntax=docker/dockerfile:1\nARG NODE=20\nFROM node:${NODE}-alpine AS build\nWORKDIR /app\nRUN npm ci \\\n    # cache\n    && npm run build\n\nFROM nginx:1.27-alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\nRUN apk add --no-cache curl\nEXPOSE 80 443/tcp\nHEALTHCHECK --interval=30s CMD curl -f http://localhost/ || exit 1\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\nRUN <<EOF\necho a\necho b\nEOF\nUSER nginx\n";

    #[test]
    fn stages_and_instructions() {
        let d = parse(FileId(0), TEXT);
        assert_eq!(d.preamble.len(), 1);
        assert_eq!(d.stages.len(), 2);
        assert_eq!(d.stages[0].base, "node:${NODE}-alpine");
        assert_eq!(d.stages[0].name.as_deref(), Some("build"));
        let run = d.stages[0].all("RUN").next().expect("run");
        assert_eq!(run.args, "npm ci  && npm run build");
        assert_eq!(&TEXT[run.span.range()], "RUN npm ci \\\n    # cache\n    && npm run build");
        let last = d.stage(None).expect("last");
        assert_eq!(last.base, "nginx:1.27-alpine");
        assert_eq!(last.all("EXPOSE").next().map(|i| i.args.as_str()), Some("80 443/tcp"));
        assert!(last.all("HEALTHCHECK").next().is_some());
        assert_eq!(
            last.all("CMD").next().and_then(|i| i.exec.clone()),
            Some(vec!["nginx".into(), "-g".into(), "daemon off;".into()])
        );
        let heredoc = last.all("RUN").nth(1).expect("heredoc");
        assert!(heredoc.args.contains("echo b"));
        assert_eq!(last.all("USER").next().map(|i| i.args.as_str()), Some("nginx"));
        assert!(installs(last, "curl"));
        assert!(!installs(last, "wget"));
        assert_eq!(d.lineage(None).len(), 1);
        assert_eq!(d.stage(Some("BUILD")).map(|s| s.base.as_str()), Some("node:${NODE}-alpine"));
    }

    #[test]
    fn lineage_follows_named_bases() {
        let d = parse(FileId(0), "FROM python:3.12-slim AS base\nRUN pip install x\nFROM base AS app\nCMD [\"app\"]\n");
        let l = d.lineage(Some("app"));
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].base, "python:3.12-slim");
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for text in
            ["\\", "FROM", "RUN <<", "RUN <<EOF\n", "FROM a AS", "\u{0}\u{0}", "RUN [\"a\"", "# escape=`\nRUN a `\n b"]
        {
            let _ = parse(FileId(0), text);
        }
    }
}
