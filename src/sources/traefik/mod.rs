//! Traefik: Docker provider labels and router rule expressions (v2 and v3 grammars).
pub mod labels;
pub mod rule;
