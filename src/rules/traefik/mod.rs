//! T5xx: Traefik (Docker provider labels and file-provider configuration) against the stacks.
use crate::model::{Stack, StackModel};
use crate::rules::Rule;

pub mod dynamic_url_unknown_container;
pub mod router_name_collision;
pub mod router_without_enable;
pub mod service_port_ambiguous;
pub mod traefik_network_not_attached;
pub mod unknown_entrypoint_or_resolver;

/// The T5xx rules, sorted by code (T508 is a redirect to P006).
pub static RULES: &[&Rule] = &[
    &traefik_network_not_attached::RULE,
    &router_name_collision::RULE,
    &service_port_ambiguous::RULE,
    &unknown_entrypoint_or_resolver::RULE,
    &dynamic_url_unknown_container::RULE,
    &router_without_enable::RULE,
];

/// Stacks deployed behind Traefik: loaded, complete, not a development variant (a `docker-compose.dev.yml`
/// runs on a laptop, never beside production on the server).
pub fn deployed(model: &StackModel) -> impl Iterator<Item = (usize, &Stack)> {
    model.stacks.iter().enumerate().filter(move |(_, s)| {
        s.loaded && !s.fragment && s.environment(model) != Some(crate::model::Environment::Development)
    })
}
