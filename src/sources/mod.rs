//! Parsers of the other formats a stack is made of (compose and env files have their own modules).
pub mod caddy;
pub mod dns;
pub mod dns_live;
pub mod dockerfile;
pub mod domains;
pub mod migrations;
pub mod nginx;
pub mod traefik;
