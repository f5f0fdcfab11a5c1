//! E2xx: env file rules.
use crate::rules::Rule;

pub mod conditional_requirement;
pub mod cors_origin_mismatch;
pub mod duplicate_key;
pub mod env_format;
pub mod env_key_missing;
pub mod env_key_not_in_template;
pub mod env_path_not_provided;
pub mod live_test_key_mismatch;
pub mod placeholder_value;
pub mod public_url_localhost;
pub mod secret_in_public_env;
pub mod url_scheme_policy;
pub mod weak_secret;

/// The E2xx rules, sorted by code.
pub static RULES: &[&Rule] = &[
    &env_key_missing::RULE,
    &env_key_not_in_template::RULE,
    &placeholder_value::RULE,
    &weak_secret::RULE,
    &secret_in_public_env::RULE,
    &live_test_key_mismatch::RULE,
    &duplicate_key::RULE,
    &env_format::RULE,
    &conditional_requirement::RULE,
    &url_scheme_policy::RULE,
    &cors_origin_mismatch::RULE,
    &public_url_localhost::RULE,
    &env_path_not_provided::RULE,
];
