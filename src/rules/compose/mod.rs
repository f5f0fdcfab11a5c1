//! C1xx: compose rules.
use crate::rules::Rule;

pub mod container_name_collision;
pub mod depends_on_unknown_service;
pub mod host_port_conflict;
pub mod missing_healthcheck;
pub mod undefined_variable;
pub mod unknown_network_or_volume;

/// The C1xx rules, sorted by code.
pub static RULES: &[&Rule] = &[
    &host_port_conflict::RULE,
    &undefined_variable::RULE,
    &depends_on_unknown_service::RULE,
    &unknown_network_or_volume::RULE,
    &container_name_collision::RULE,
    &missing_healthcheck::RULE,
];
