//! Load and parse findings (P0xx): reported by the loader and the suppression filter, not by a check
//! function; declared here so that they can be listed, documented, selected and suppressed like any rule.

use crate::finding::Severity;
use crate::model::StackModel;
use crate::rules::{FixAvailability, Rule, Sink};

/// P0xx findings are produced while loading; there is nothing to check afterwards.
fn reported_by_loader(_: &StackModel, _: &mut Sink) {}

pub static P001: Rule = Rule {
    code: "P001",
    name: "io-error",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../rules/docs/P001-io-error.md"),
    check: reported_by_loader,
};

pub static P002: Rule = Rule {
    code: "P002",
    name: "yaml-syntax",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../rules/docs/P002-yaml-syntax.md"),
    check: reported_by_loader,
};

pub static P003: Rule = Rule {
    code: "P003",
    name: "compose-schema",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../rules/docs/P003-compose-schema.md"),
    check: reported_by_loader,
};

pub static P004: Rule = Rule {
    code: "P004",
    name: "env-syntax",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../rules/docs/P004-env-syntax.md"),
    check: reported_by_loader,
};

pub static P005: Rule = Rule {
    code: "P005",
    name: "nginx-syntax",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../rules/docs/P005-nginx-syntax.md"),
    check: reported_by_loader,
};

pub static P006: Rule = Rule {
    code: "P006",
    name: "traefik-syntax",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../rules/docs/P006-traefik-syntax.md"),
    check: reported_by_loader,
};

pub static P007: Rule = Rule {
    code: "P007",
    name: "caddyfile-syntax",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../rules/docs/P007-caddyfile-syntax.md"),
    check: reported_by_loader,
};

pub static P008: Rule = Rule {
    code: "P008",
    name: "missing-file",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../rules/docs/P008-missing-file.md"),
    check: reported_by_loader,
};

pub static P009: Rule = Rule {
    code: "P009",
    name: "interpolation-syntax",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../rules/docs/P009-interpolation-syntax.md"),
    check: reported_by_loader,
};

pub static P010: Rule = Rule {
    code: "P010",
    name: "env-file-stand-in",
    severity: Severity::Info,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../rules/docs/P010-env-file-stand-in.md"),
    check: reported_by_loader,
};

pub static P011: Rule = Rule {
    code: "P011",
    name: "invalid-suppression",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../rules/docs/P011-invalid-suppression.md"),
    check: reported_by_loader,
};

/// The P0xx rules, sorted by code.
pub static P012: Rule = Rule {
    code: "P012",
    name: "dns-zone-syntax",
    severity: Severity::Error,
    fix: FixAvailability::None,
    default: true,
    doc: include_str!("../../rules/docs/P012-dns-zone-syntax.md"),
    check: reported_by_loader,
};

pub static RULES: &[&Rule] = &[&P001, &P002, &P003, &P004, &P005, &P006, &P007, &P008, &P009, &P010, &P011, &P012];
