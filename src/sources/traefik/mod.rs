//! Traefik: Docker provider labels, static configuration (file, flags or `TRAEFIK_*` variables),
//! file-provider dynamic configuration (YAML and TOML), and router rule expressions (v2 and v3 grammars).
pub mod file;
pub mod labels;
pub mod loader;
pub mod rule;
pub mod static_config;
pub mod toml_tree;

use crate::finding::Finding;
use crate::model::Stack;
use crate::model::image::ImageRef;
use crate::source::{SourceDb, Span};
use rule::Syntax;

/// The rule syntax the Traefik of a host uses: from the image tag of a `traefik` service among the
/// stacks of that host (`v2.*` ⇒ v2; `v3.*`, `latest` or no tag ⇒ v3) and its
/// `--core.defaultRuleSyntax` flag. `None` when no Traefik service is found or they disagree.
fn host_syntax(stacks: &[Stack], host: &str) -> Option<Syntax> {
    let mut found: Option<Syntax> = None;
    for stack in stacks.iter().filter(|s| s.loaded && s.host == host) {
        for svc in stack.active_services() {
            let Some(image) = svc.image.as_ref().and_then(|i| ImageRef::parse(i.as_str())) else { continue };
            if image.base_name() != "traefik" {
                continue;
            }
            let tag = image.effective_tag().trim_start_matches('v');
            let mut syntax = if tag.starts_with("2.") || tag == "2" { Syntax::V2 } else { Syntax::V3 };
            let flags = svc.command.iter().flat_map(|c| c.items.iter());
            if syntax == Syntax::V3
                && flags.map(|t| t.as_str().to_ascii_lowercase()).any(|t| t.contains("--core.defaultrulesyntax=v2"))
            {
                syntax = Syntax::V2;
            }
            match found {
                Some(f) if f != syntax => return None,
                _ => found = Some(syntax),
            }
        }
    }
    found
}

/// The syntax `[traefik] version` in stackcheck.toml sets (it wins over what the images say).
fn configured_syntax(config_version: Option<u8>) -> Option<Syntax> {
    match config_version {
        Some(2) => Some(Syntax::V2),
        Some(_) => Some(Syntax::V3),
        None => None,
    }
}

/// Parses a rule with the syntax in force, or, when it is unknown, with whichever of v3 and v2 accepts
/// it; the error is v3's then. The error carries the syntax it was judged by.
fn parse_rule(text: &str, syntax: Option<Syntax>) -> Result<rule::Expr, (rule::RuleError, Option<Syntax>)> {
    match syntax {
        Some(s) => rule::parse(text, s).map_err(|e| (e, Some(s))),
        None => rule::parse(text, Syntax::V3).or_else(|e3| rule::parse(text, Syntax::V2).map_err(|_| (e3, None))),
    }
}

/// Parses every router rule of every service's labels with the syntax its Traefik uses (a router's
/// `ruleSyntax` label first, then the host's Traefik, else whichever of v3 and v2 accepts it) and
/// reports the rules that do not parse as P006: Traefik drops such a router (404).
pub fn resolve_rules(stacks: &mut [Stack], db: &SourceDb, config_version: Option<u8>) -> Vec<Finding> {
    let hosts: Vec<String> = {
        let mut h: Vec<String> = stacks.iter().map(|s| s.host.clone()).collect();
        h.sort();
        h.dedup();
        h
    };
    let configured = configured_syntax(config_version);
    let syntaxes: Vec<(String, Option<Syntax>)> =
        hosts.into_iter().map(|h| (h.clone(), configured.or_else(|| host_syntax(stacks, &h)))).collect();
    let mut findings = Vec::new();
    for stack in stacks.iter_mut() {
        let host_syntax = syntaxes.iter().find(|(h, _)| *h == stack.host).and_then(|(_, s)| *s);
        for svc in &mut stack.services {
            for router in &mut svc.traefik.routers {
                let Some(rule_label) = &router.rule else { continue };
                let explicit = router.rule_syntax.as_ref().and_then(|s| match s.value.trim() {
                    "v2" => Some(Syntax::V2),
                    "v3" => Some(Syntax::V3),
                    _ => None,
                });
                let parsed = match parse_rule(&rule_label.value, explicit.or(host_syntax)) {
                    Ok(expr) => Ok(expr),
                    Err((err, syntax)) => {
                        if svc.active && stack.loaded && rule_label.known {
                            findings.push(p006(db, rule_label, &router.name, &err, syntax));
                        }
                        Err(err)
                    }
                };
                router.parsed = Some(parsed);
            }
        }
    }
    findings
}

fn p006(
    db: &SourceDb,
    label: &labels::LabelValue,
    router: &str,
    err: &rule::RuleError,
    syntax: Option<Syntax>,
) -> Finding {
    let at = sub_span(db, label.span, &label.value, err.range);
    let which = match syntax {
        Some(Syntax::V2) => "Traefik v2 syntax",
        Some(Syntax::V3) => "Traefik v3 syntax",
        None => "either Traefik v2 or v3 syntax",
    };
    Finding::new(
        &crate::rules::parse::P006,
        at,
        format!("the rule of router `{router}` is invalid in {which}: {}", err.message),
    )
    .label("the rule breaks here")
    .related(label.key_span, format!("router `{router}`"))
    .help("Traefik drops a router whose rule does not parse: requests for its hosts get 404")
}

/// The span of a range inside a label value, when the value is written verbatim in the file (plain or
/// quoted without escapes); else the whole value.
pub(crate) fn sub_span(db: &SourceDb, span: Span, value: &str, range: rule::Range) -> Span {
    let written = db.text(span.file).get(span.start as usize..span.end as usize).unwrap_or("");
    let offset = if written == value {
        Some(0)
    } else if written.len() == value.len() + 2 && written.get(1..written.len() - 1) == Some(value) {
        Some(1)
    } else {
        None
    };
    match offset {
        Some(o) => span.sub(o + range.start as usize, o + (range.end as usize).min(value.len())),
        None => span,
    }
}

/// Parses the router rules of file-provider configurations, with the configured Traefik version, else the
/// one every stack's Traefik agrees on, else whichever of v3 and v2 accepts the rule; P006 for the rest.
pub fn resolve_file_rules(
    files: &mut [(crate::source::FileId, file::DynamicConfig)],
    stacks: &[Stack],
    db: &SourceDb,
    config_version: Option<u8>,
) -> Vec<Finding> {
    let mut hosts: Vec<&str> = stacks.iter().map(|s| s.host.as_str()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    let seen: Vec<Option<Syntax>> = hosts.iter().map(|h| host_syntax(stacks, h)).filter(Option::is_some).collect();
    let agreed = match seen.as_slice() {
        [first, rest @ ..] if rest.iter().all(|s| s == first) => *first,
        _ => None,
    };
    let syntax = configured_syntax(config_version).or(agreed);
    let mut findings = Vec::new();
    for (_, config) in files.iter_mut() {
        for router in &mut config.routers {
            let Some(rule) = &router.rule else { continue };
            router.parsed = Some(match parse_rule(&rule.value, syntax) {
                Ok(e) => Ok(e),
                Err((err, s)) => {
                    let label = labels::LabelValue {
                        value: rule.value.clone(),
                        span: rule.span,
                        key_span: router.name_span,
                        known: true,
                    };
                    findings.push(p006(db, &label, &router.name, &err, s));
                    Err(err)
                }
            });
        }
    }
    findings
}
