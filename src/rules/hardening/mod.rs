//! S8xx: container hardening rules.
use crate::rules::Rule;

pub mod inline_secret_in_compose;

/// The S8xx rules, sorted by code.
pub static RULES: &[&Rule] = &[&inline_secret_in_compose::RULE];
