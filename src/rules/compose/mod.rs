//! C1xx: compose rules.
use crate::rules::Rule;

pub mod container_name_collision;
pub mod depends_on_unknown_service;
pub mod healthcheck_tool_missing;
pub mod host_port_conflict;
pub mod localhost_url_in_container;
pub mod published_port_not_listening;
pub mod undefined_variable;
pub mod unknown_network_or_volume;
pub mod url_host_unknown_service;

/// The C1xx rules, sorted by code.
pub static RULES: &[&Rule] = &[
    &host_port_conflict::RULE,
    &undefined_variable::RULE,
    &depends_on_unknown_service::RULE,
    &unknown_network_or_volume::RULE,
    &container_name_collision::RULE,
    &localhost_url_in_container::RULE,
    &url_host_unknown_service::RULE,
    &healthcheck_tool_missing::RULE,
    &published_port_not_listening::RULE,
];
