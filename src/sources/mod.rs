//! Parsers of the other formats a stack is made of (compose and env files have their own modules).
pub mod dockerfile;
pub mod nginx;
