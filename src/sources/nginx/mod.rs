//! nginx configuration: a generic parser with spans ([`parse`]), `include` resolution with globs,
//! fragments and envsubst templates ([`include`]), and the model the rules read ([`model`]): servers,
//! listen sockets, names, locations, `*_pass` targets, upstreams and header sets.
//!
//! The loader wires it up: it reads files through an [`include::IncludeFs`], turns
//! [`ParseError`]s into P005 findings, and decides which service a config belongs to.

pub mod include;
pub mod model;
pub mod parse;
pub mod table;
pub mod word;

pub use include::{Config, IncludeFs, IncludeOptions, RelativeTo, envsubst, resolve};
pub use model::{Model, extract};
pub use parse::{Arg, Block, Directive, ErrorKind, ParseError, Parsed, Quote, guess_context, parse_in};
pub use table::Context;
pub use word::Word;

use crate::source::FileId;

/// Parses one file on its own, its top-level context guessed from its content ([`guess_context`]):
/// the tree and every syntax error, in file order.
pub fn parse(file: FileId, text: &str) -> Parsed {
    parse_in(file, text, guess_context(text))
}

#[cfg(test)]
mod tests;
