//! Where values come from: every interpolated value remembers where it was written and where each
//! variable it used was defined (file + span), or that it was undefined.

use crate::source::Span;

/// Where a variable of the interpolation environment, or a container environment value, was defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `KEY=value` in an env file: the key's span and the value's span.
    EnvFile { key: Span, value: Span },
    /// The process environment (only with `--use-shell-env`).
    Process,
    /// Set by Compose itself (`COMPOSE_PROJECT_NAME`).
    Compose,
    /// `[env]` in stackcheck.toml.
    Config,
    /// A key of a template standing in for an absent env file: defined, value unknown.
    Template { key: Span },
}

impl Origin {
    pub fn key_span(&self) -> Option<Span> {
        match self {
            Origin::EnvFile { key, .. } | Origin::Template { key } => Some(*key),
            Origin::Process | Origin::Compose | Origin::Config => None,
        }
    }
}

/// What the lookup found for one variable reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VarState {
    Undefined,
    Known,
    Unknown,
}

/// One `$VAR` / `${VAR...}` reference inside a value.
#[derive(Clone, Debug)]
pub struct VarRef {
    pub name: String,
    /// Where the reference is written (the whole `${...}` when the scalar maps 1:1 onto the file,
    /// otherwise the whole scalar).
    pub span: Span,
    pub op: crate::interp::Op,
    pub state: VarState,
    /// Where the variable is defined, when it is.
    pub origin: Option<Origin>,
    /// Whether this reference's value ends up in the result.
    pub contributes: bool,
}

/// The interpolation record of one value.
#[derive(Clone, Debug)]
pub struct InterpInfo {
    /// The text as written, before interpolation.
    pub template: String,
    pub known: bool,
    pub uses: Vec<VarRef>,
}
