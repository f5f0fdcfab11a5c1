//! M6xx: migrations and start order.
use crate::rules::Rule;

pub mod depends_on_healthy_without_healthcheck;
pub mod migrate_dev_command_in_production;
pub mod migrations_not_before_app;
pub mod migrations_run_twice;
pub mod missing_migrations_step;
pub mod one_shot_restart_policy;
pub mod runners;

/// The M6xx rules, sorted by code.
pub static RULES: &[&Rule] = &[
    &missing_migrations_step::RULE,
    &migrations_not_before_app::RULE,
    &one_shot_restart_policy::RULE,
    &depends_on_healthy_without_healthcheck::RULE,
    &migrate_dev_command_in_production::RULE,
    &migrations_run_twice::RULE,
];
