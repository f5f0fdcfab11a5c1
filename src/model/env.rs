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

impl EnvEntry {
    /// The model's entry for a parsed line of file `file` (spans from the parser's byte ranges).
    pub fn from_parsed(file: FileId, e: &crate::envfile::Entry) -> EnvEntry {
        let sp = |r: &std::ops::Range<usize>| Span::new(file, r.start, r.end);
        EnvEntry {
            key: e.key.clone(),
            key_span: sp(&e.key_range),
            value: e.value.as_ref().map(|v| EnvValue {
                text: v.text.clone(),
                quote: v.quote,
                span: sp(&v.content_range),
                raw_span: sp(&v.raw_range),
                verbatim: v.verbatim,
                interpolate: v.interpolate,
            }),
            stmt: sp(&e.stmt_range),
            exported: e.exported,
            spaces_around_separator: e.spaces_around_separator,
        }
    }
}

#[derive(Clone, Debug)]
pub struct EnvFileModel {
    pub file: FileId,
    pub path: PathBuf,
    pub role: EnvRole,
    pub entries: Vec<EnvEntry>,
    /// false when the file has syntax errors (P004): compose would refuse it.
    pub valid: bool,
    /// Key ⇒ index of its last definition, built on first use: rules look keys up per entry of another
    /// file, which must stay linear on 50,000-line files.
    pub last_index: std::sync::OnceLock<std::collections::HashMap<String, usize>>,
}

impl EnvFileModel {
    fn index(&self) -> &std::collections::HashMap<String, usize> {
        self.last_index.get_or_init(|| self.entries.iter().enumerate().map(|(i, e)| (e.key.clone(), i)).collect())
    }

    /// The last definition of a key (the one that wins).
    pub fn get(&self, key: &str) -> Option<&EnvEntry> {
        self.index().get(key).and_then(|&i| self.entries.get(i))
    }

    /// Is this entry (by position) the last definition of its key?
    pub fn is_last_definition(&self, i: usize) -> bool {
        self.entries.get(i).is_some_and(|e| self.index().get(&e.key) == Some(&i))
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

/// The deployment environment an env file or stack is for, as far as its names and values tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Production,
    Staging,
    Development,
}

/// The environment a name such as `prod`, `production`, `.env.staging` or `env.dev.example` says.
pub fn environment_of_name(name: &str) -> Option<Environment> {
    let lower = name.to_ascii_lowercase();
    for part in lower.split(['.', '-', '_']) {
        match part {
            "prod" | "production" | "live" => return Some(Environment::Production),
            "staging" | "stage" | "stg" | "preprod" | "preproduction" | "uat" | "qa" => {
                return Some(Environment::Staging);
            }
            "dev" | "development" | "local" | "test" | "testing" | "ci" => return Some(Environment::Development),
            _ => {}
        }
    }
    None
}

/// The environment an env file declares through the usual variables (`NODE_ENV=production`...).
pub fn environment_of_values(env: &EnvFileModel) -> Option<Environment> {
    const KEYS: [&str; 8] =
        ["ENVIRONMENT", "ENV", "APP_ENV", "NODE_ENV", "RAILS_ENV", "RACK_ENV", "DJANGO_ENV", "SENTRY_ENVIRONMENT"];
    KEYS.iter().find_map(|k| env.get(k).and_then(|e| e.value.as_ref()).and_then(|v| environment_of_name(&v.text)))
}

impl EnvFileModel {
    /// The environment this file is for: its name first (`.env.production`), else its values.
    pub fn environment(&self) -> Option<Environment> {
        let name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        environment_of_name(name.trim_start_matches('.').trim_start_matches("env"))
            .or_else(|| environment_of_values(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_names() {
        assert_eq!(environment_of_name("prod"), Some(Environment::Production));
        assert_eq!(environment_of_name(".env.production"), Some(Environment::Production));
        assert_eq!(environment_of_name("env.staging.example"), Some(Environment::Staging));
        assert_eq!(environment_of_name("docker-compose.dev"), Some(Environment::Development));
        assert_eq!(environment_of_name("all-in-one"), None);
        assert_eq!(environment_of_name("product"), None);
    }
}
