//! Traefik: router rule expressions (v2 and v3 grammars).
pub mod rule;
