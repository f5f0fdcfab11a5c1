//! C1xx: compose rules.
use crate::rules::Rule;

pub mod app_binds_loopback;
pub mod container_name_collision;
pub mod depends_on_unknown_service;
pub mod healthcheck_tool_missing;
pub mod host_port_conflict;
pub mod localhost_url_in_container;
pub mod missing_healthcheck;
pub mod mutable_image_shared_across_environments;
pub mod port_reserved_by_host;
pub mod ports_behind_traefik;
pub mod project_name_drift;
pub mod published_port_not_listening;
pub mod published_port_not_loopback;
pub mod secret_interpolated_in_healthcheck;
pub mod shared_state_across_environments;
pub mod shell_command_in_default;
pub mod undefined_variable;
pub mod unknown_network_or_volume;
pub mod url_host_unknown_service;

/// The C1xx rules, sorted by code.
pub static RULES: &[&Rule] = &[
    &host_port_conflict::RULE,
    &port_reserved_by_host::RULE,
    &published_port_not_loopback::RULE,
    &ports_behind_traefik::RULE,
    &undefined_variable::RULE,
    &depends_on_unknown_service::RULE,
    &unknown_network_or_volume::RULE,
    &container_name_collision::RULE,
    &shared_state_across_environments::RULE,
    &missing_healthcheck::RULE,
    &localhost_url_in_container::RULE,
    &url_host_unknown_service::RULE,
    &app_binds_loopback::RULE,
    &project_name_drift::RULE,
    &shell_command_in_default::RULE,
    &healthcheck_tool_missing::RULE,
    &published_port_not_listening::RULE,
    &secret_interpolated_in_healthcheck::RULE,
    &mutable_image_shared_across_environments::RULE,
];
