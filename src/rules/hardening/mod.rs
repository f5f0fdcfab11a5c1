//! S8xx: container hardening rules.
use crate::rules::Rule;

/// The S8xx rules, sorted by code.
pub static RULES: &[&Rule] = &[];
