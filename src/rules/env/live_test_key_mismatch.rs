//! E206: one environment mixes live and test credentials of the same payment provider.
use std::collections::{HashMap, HashSet};

use crate::rules::common::{self, Var, has_reference, parse_url};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "E206",
    name: "live-test-key-mismatch",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../../rules/docs/E206-live-test-key-mismatch.md"),
    check,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Live,
    Test,
}

impl Mode {
    fn word(self) -> &'static str {
        match self {
            Mode::Live => "live",
            Mode::Test => "test",
        }
    }
}

fn check(model: &StackModel, out: &mut Sink) {
    let mut seen = HashSet::new();
    for env in common::real_env_files(model) {
        let mut last: HashMap<&str, Var<'_>> = HashMap::new();
        let mut order = Vec::new();
        for e in &env.entries {
            let Some(v) = e.value.as_ref().filter(|v| !has_reference(v)) else { continue };
            if last.insert(&e.key, Var { key: &e.key, value: v.text.trim(), span: e.key_span }).is_none() {
                order.push(e.key.as_str());
            }
        }
        let vars: Vec<Var<'_>> = order.iter().filter_map(|k| last.remove(k)).collect();
        check_vars(&vars, &mut seen, out);
    }
    for (_, svc) in model.services() {
        check_vars(&common::known_service_vars(svc), &mut seen, out);
    }
}

fn check_vars(vars: &[Var<'_>], seen: &mut HashSet<Span>, out: &mut Sink) {
    stripe(vars, seen, out);
    paypal(vars, seen, out);
}

/// The mode a Stripe key's prefix says: `pk_live_`, `sk_test_`, `rk_live_`...
fn stripe_key(value: &str) -> Option<(&'static str, Mode)> {
    for kind in ["pk", "sk", "rk"] {
        if let Some(rest) = value.strip_prefix(kind).and_then(|r| r.strip_prefix('_')) {
            if rest.starts_with("live_") {
                return Some((kind, Mode::Live));
            }
            if rest.starts_with("test_") {
                return Some((kind, Mode::Test));
            }
        }
    }
    None
}

/// The mode a variable name says (`STRIPE_SECRET_KEY_LIVE`, `STRIPE_TEST_PUBLISHABLE_KEY`).
fn name_mode(key: &str) -> Option<Mode> {
    let upper = key.to_ascii_uppercase();
    let segs: Vec<&str> = upper.split('_').collect();
    if segs.iter().any(|s| matches!(*s, "TEST" | "SANDBOX" | "DEV")) {
        Some(Mode::Test)
    } else if segs.iter().any(|s| matches!(*s, "LIVE" | "PROD" | "PRODUCTION")) {
        Some(Mode::Live)
    } else {
        None
    }
}

/// The mode a switch variable's value says (`STRIPE_ENV=live`, `PAYPAL_MODE=sandbox`).
fn value_mode(value: &str) -> Option<Mode> {
    match value.trim().to_ascii_lowercase().as_str() {
        "live" | "prod" | "production" => Some(Mode::Live),
        "test" | "testing" | "sandbox" | "dev" | "development" => Some(Mode::Test),
        _ => None,
    }
}

fn prefix_of(kind: &str, mode: Mode) -> String {
    format!("`{kind}_{}_…`", mode.word())
}

fn stripe(vars: &[Var<'_>], seen: &mut HashSet<Span>, out: &mut Sink) {
    let switch = vars.iter().find_map(|v| {
        let k = v.key.to_ascii_uppercase();
        matches!(k.as_str(), "STRIPE_ENV" | "STRIPE_MODE" | "STRIPE_ENVIRONMENT")
            .then(|| value_mode(v.value).map(|m| (v, m)))
            .flatten()
    });
    let keys: Vec<(&Var<'_>, &str, Mode)> =
        vars.iter().filter_map(|v| stripe_key(v.value).map(|(kind, mode)| (v, kind, mode))).collect();
    // Keys whose name says their mode: they must agree with it, and are chosen by a switch at run time.
    let mut unlabeled = Vec::new();
    for &(v, kind, mode) in &keys {
        match name_mode(v.key) {
            Some(named) if named != mode => {
                if seen.insert(v.span) {
                    out.report(
                        Finding::new(
                            &RULE,
                            v.span,
                            format!(
                                "`{}` is named as a {} key but holds a {} key ({})",
                                v.key,
                                named.word(),
                                mode.word(),
                                prefix_of(kind, mode)
                            ),
                        )
                        .label("mode differs from the name")
                        .help("paste the key of the mode the name says, from the Stripe dashboard"),
                    );
                }
            }
            Some(_) => {}
            None => unlabeled.push((v, kind, mode)),
        }
    }
    if let Some((sw, mode)) = switch {
        for &(v, kind, m) in &unlabeled {
            if m != mode && seen.insert(v.span) {
                out.report(
                    Finding::new(
                        &RULE,
                        v.span,
                        format!(
                            "`{}` is a {} key ({}) while `{}` selects {} mode",
                            v.key,
                            m.word(),
                            prefix_of(kind, m),
                            sw.key,
                            mode.word()
                        ),
                    )
                    .label(format!("{} key", m.word()))
                    .related(sw.span, format!("{} mode selected here", mode.word()))
                    .help("use keys of one mode: Stripe rejects a request whose keys come from live and test mode"),
                );
            }
        }
        return;
    }
    // No switch: the secret key's mode is the reference (it is what charges), else the first key's.
    let Some(&(reference, ref_kind, ref_mode)) =
        unlabeled.iter().find(|(_, kind, _)| *kind != "pk").or_else(|| unlabeled.first())
    else {
        return;
    };
    for &(v, kind, m) in &unlabeled {
        if m != ref_mode && seen.insert(v.span) {
            out.report(
                Finding::new(
                    &RULE,
                    v.span,
                    format!(
                        "`{}` is a {} key ({}) but `{}` is a {} key ({})",
                        v.key,
                        m.word(),
                        prefix_of(kind, m),
                        reference.key,
                        ref_mode.word(),
                        prefix_of(ref_kind, ref_mode)
                    ),
                )
                .label(format!("{} key", m.word()))
                .related(reference.span, format!("{} key here", ref_mode.word()))
                .help(
                    "use the publishable and secret keys of the same mode: a test card token is unknown to a live secret key, and the reverse",
                ),
            );
        }
    }
}

fn paypal(vars: &[Var<'_>], seen: &mut HashSet<Span>, out: &mut Sink) {
    let Some((sw, mode)) = vars.iter().find_map(|v| {
        let k = v.key.to_ascii_uppercase();
        matches!(k.as_str(), "PAYPAL_MODE" | "PAYPAL_ENV" | "PAYPAL_ENVIRONMENT")
            .then(|| value_mode(v.value).map(|m| (v, m)))
            .flatten()
    }) else {
        return;
    };
    for v in vars.iter().filter(|v| v.key.to_ascii_uppercase().starts_with("PAYPAL_")) {
        let Some(url) = parse_url(v.value) else { continue };
        let host = url.host.to_ascii_lowercase();
        let url_mode = if host.ends_with("sandbox.paypal.com") {
            Mode::Test
        } else if host == "api.paypal.com" || host == "api-m.paypal.com" {
            Mode::Live
        } else {
            continue;
        };
        if url_mode != mode && seen.insert(v.span) {
            let (what, sel) = match url_mode {
                Mode::Test => ("the PayPal sandbox", "live"),
                Mode::Live => ("the live PayPal API", "sandbox"),
            };
            out.report(
                Finding::new(&RULE, v.span, format!("`{}` points at {what} while `{}` selects {sel}", v.key, sw.key))
                    .label("API host")
                    .related(sw.span, "mode selected here")
                    .help("sandbox credentials only work against api-m.sandbox.paypal.com, live ones against api-m.paypal.com"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn var<'a>(key: &'a str, value: &'a str, at: usize) -> Var<'a> {
        Var { key, value, span: Span::new(FileId(0), at, at + 1) }
    }

    fn run(vars: &[Var<'_>]) -> Vec<String> {
        let mut sink = Sink::default();
        check_vars(vars, &mut HashSet::new(), &mut sink);
        sink.findings.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn modes() {
        assert_eq!(stripe_key("pk_live_51Hx"), Some(("pk", Mode::Live)));
        assert_eq!(stripe_key("sk_test_4eC3"), Some(("sk", Mode::Test)));
        assert_eq!(stripe_key("pk_51Hx"), None);
        assert_eq!(name_mode("STRIPE_SECRET_KEY_LIVE"), Some(Mode::Live));
        assert_eq!(name_mode("STRIPE_TEST_PUBLISHABLE_KEY"), Some(Mode::Test));
        assert_eq!(name_mode("STRIPE_SECRET_KEY"), None);
        assert_eq!(value_mode("Sandbox"), Some(Mode::Test));
    }

    #[test]
    fn mixes() {
        let found = run(&[
            var("STRIPE_PUBLISHABLE_KEY", "pk_live_51HxFAKE", 0),
            var("STRIPE_SECRET_KEY", "sk_test_51HxFAKE", 2),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("`STRIPE_PUBLISHABLE_KEY` is a live key"), "{found:?}");
        assert!(!found[0].contains("51Hx"), "{found:?}");
        let found = run(&[var("STRIPE_ENV", "live", 0), var("STRIPE_SECRET_KEY", "sk_test_51HxFAKE", 2)]);
        assert_eq!(found.len(), 1, "{found:?}");
        // Keys named by mode, chosen at run time by a switch: fine.
        assert!(
            run(&[
                var("STRIPE_ENV", "test", 0),
                var("STRIPE_SECRET_KEY_LIVE", "sk_live_51HxFAKE", 2),
                var("STRIPE_SECRET_KEY_TEST", "sk_test_51HxFAKE", 4),
            ])
            .is_empty()
        );
        assert_eq!(run(&[var("STRIPE_SECRET_KEY_LIVE", "sk_test_51HxFAKE", 0)]).len(), 1);
        assert!(run(&[var("PAYPAL_MODE", "live", 0), var("PAYPAL_API_URL", "https://api-m.paypal.com", 2)]).is_empty());
        assert_eq!(
            run(&[var("PAYPAL_MODE", "live", 0), var("PAYPAL_API_URL", "https://api-m.sandbox.paypal.com", 2)]).len(),
            1
        );
    }
}
