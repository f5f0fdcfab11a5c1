pub mod container_name_collision;
pub mod depends_on_unknown_service;
pub mod host_port_conflict;
pub mod undefined_variable;
pub mod unknown_network_or_volume;
