//! M6xx: migrations and start order.
use crate::rules::Rule;

pub mod depends_on_healthy_without_healthcheck;
pub mod missing_migrations_step;
pub mod runners;

/// The M6xx rules, sorted by code.
pub static RULES: &[&Rule] = &[
    &missing_migrations_step::RULE,
    &depends_on_healthy_without_healthcheck::RULE,
];
