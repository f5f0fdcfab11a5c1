//! Env files and templates in the model.

use std::path::PathBuf;

use crate::envfile::Quote;
use crate::source::{FileId, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnvRole {
    /// A real env file (`.env`, `.env.production`, an `env_file:` target).
    Env,
    /// A template (`.env.example`, `env.production.example`, `.env.sample`...).
    Template,
}

#[derive(Clone, Debug)]
pub struct EnvValue {
    /// After unquoting and escapes, before interpolation.
    pub text: String,
    pub quote: Quote,
    /// The value's content (inside the quotes).
    pub span: Span,
    /// The raw value, quotes included.
    pub raw_span: Span,
    pub verbatim: bool,
    pub interpolate: bool,
}

#[derive(Clone, Debug)]
pub struct EnvEntry {
    pub key: String,
    pub key_span: Span,
    /// None for a bare `KEY` (inherited).
    pub value: Option<EnvValue>,
    /// The whole statement.
    pub stmt: Span,
    pub exported: bool,
    pub spaces_around_separator: bool,
}

#[derive(Clone, Debug)]
pub struct EnvFileModel {
    pub file: FileId,
    pub path: PathBuf,
    pub role: EnvRole,
    pub entries: Vec<EnvEntry>,
    /// false when the file has syntax errors (P004): compose would refuse it.
    pub valid: bool,
}

impl EnvFileModel {
    /// The last definition of a key (the one that wins).
    pub fn get(&self, key: &str) -> Option<&EnvEntry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }
}

/// An env file paired with its template (same directory and environment).
#[derive(Clone, Debug)]
pub struct TemplatePair {
    pub template: FileId,
    /// Where the env file is (or would be).
    pub env_path: PathBuf,
    /// The env file, when it exists.
    pub env: Option<FileId>,
}
