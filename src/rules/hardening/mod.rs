//! S8xx: container hardening rules.
use crate::rules::Rule;

pub mod database_port_published;
pub mod docker_socket_mounted;
pub mod image_latest_tag;
pub mod inline_secret_in_compose;
pub mod no_restart_policy;
pub mod privileged_container;

/// The S8xx rules, sorted by code.
pub static RULES: &[&Rule] = &[
    &docker_socket_mounted::RULE,
    &privileged_container::RULE,
    &image_latest_tag::RULE,
    &database_port_published::RULE,
    &inline_secret_in_compose::RULE,
    &no_restart_policy::RULE,
];
