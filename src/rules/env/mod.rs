//! E2xx: env file rules.
use crate::rules::Rule;

pub mod conditional_requirement;
pub mod duplicate_key;
pub mod env_format;
pub mod env_key_missing;

/// The E2xx rules, sorted by code.
pub static RULES: &[&Rule] =
    &[&env_key_missing::RULE, &duplicate_key::RULE, &env_format::RULE, &conditional_requirement::RULE];
