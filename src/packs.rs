//! Declarative rule packs for E209 conditional-requirement: "when these env values hold, these keys must
//! be set". Built-in packs live in `rules/packs/*.toml` (compiled in); a repository adds its own in
//! `.stackcheck/packs/*.toml` or `rules/packs/*.toml` next to its stackcheck.toml, and single entries in
//! `[[rules.require]]`.
//!
//! ```toml
//! name = "captcha"
//! [[require]]
//! when = { CAPTCHA_ENABLED = { truthy = true } }        # equals "x", one of ["a", "b"], { set = bool },
//! require_any = ["TURNSTILE_SECRET_KEY", "RECAPTCHA_SECRET_KEY"]   # { truthy = bool }, { regex = "..." }
//! require = ["SMTP_HOST"]                               # every key present and non-empty
//! checks = { SECRET_KEY = { min_length = 32 }, DSN = { url_scheme = ["https"] }, KEY = { prefix = "sk_live_" } }
//! message = "what goes wrong"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Clone, Debug)]
pub enum Condition {
    Equals(String),
    OneOf(Vec<String>),
    /// Present with a non-empty value (true), or absent/empty (false).
    Set(bool),
    /// `1`, `true`, `yes`, `on` (any case).
    Truthy(bool),
    Regex(regex_lite::Regex),
}

impl Condition {
    /// Does a value (None: the key is absent) satisfy the condition?
    pub fn holds(&self, value: Option<&str>) -> bool {
        let set = value.is_some_and(|v| !v.is_empty());
        match self {
            Condition::Equals(x) => value == Some(x.as_str()),
            Condition::OneOf(xs) => value.is_some_and(|v| xs.iter().any(|x| x == v)),
            Condition::Set(want) => set == *want,
            Condition::Truthy(want) => {
                let truthy =
                    value.is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"));
                truthy == *want
            }
            Condition::Regex(re) => value.is_some_and(|v| re.is_match(v)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    MinLength(usize),
    Prefix(String),
    UrlScheme(Vec<String>),
}

impl Check {
    /// None when the value passes, else what is wrong (never the value itself).
    pub fn problem(&self, value: &str) -> Option<String> {
        match self {
            Check::MinLength(n) if value.chars().count() < *n => {
                Some(format!("is {} characters long, shorter than {n}", value.chars().count()))
            }
            Check::Prefix(p) if !value.starts_with(p.as_str()) => Some(format!("does not start with `{p}`")),
            Check::UrlScheme(schemes) => {
                let scheme = value.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
                match scheme {
                    Some(s) if schemes.iter().any(|x| x.eq_ignore_ascii_case(&s)) => None,
                    _ => Some(format!("is not a {} URL", schemes.join("/"))),
                }
            }
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Requirement {
    /// The pack it belongs to (`sentry`, `config`, a file name).
    pub pack: String,
    pub when: Vec<(String, Condition)>,
    pub require: Vec<String>,
    pub require_any: Vec<String>,
    pub checks: Vec<(String, Check)>,
    pub message: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    require: Vec<RawRequirement>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequirement {
    #[serde(default)]
    pub when: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub require: Vec<String>,
    #[serde(default)]
    pub require_any: Vec<String>,
    #[serde(default)]
    pub checks: BTreeMap<String, toml::Value>,
    pub message: Option<String>,
}

fn condition(key: &str, v: &toml::Value) -> Result<Condition, String> {
    match v {
        toml::Value::String(s) => Ok(Condition::Equals(s.clone())),
        toml::Value::Boolean(b) => Ok(Condition::Truthy(*b)),
        toml::Value::Integer(i) => Ok(Condition::Equals(i.to_string())),
        toml::Value::Array(items) => items
            .iter()
            .map(|i| match i {
                toml::Value::String(s) => Ok(s.clone()),
                other => Ok(other.to_string()),
            })
            .collect::<Result<Vec<_>, String>>()
            .map(Condition::OneOf),
        toml::Value::Table(t) => {
            if let Some(toml::Value::Boolean(b)) = t.get("set") {
                Ok(Condition::Set(*b))
            } else if let Some(toml::Value::Boolean(b)) = t.get("truthy") {
                Ok(Condition::Truthy(*b))
            } else if let Some(toml::Value::String(re)) = t.get("regex") {
                regex_lite::Regex::new(re).map(Condition::Regex).map_err(|e| format!("`{key}`: bad regex: {e}"))
            } else {
                Err(format!(
                    "`{key}`: a condition is a string, a list, {{ set = bool }}, {{ truthy = bool }} or {{ regex = \"...\" }}"
                ))
            }
        }
        _ => Err(format!("`{key}`: unsupported condition")),
    }
}

fn check(key: &str, v: &toml::Value) -> Result<Check, String> {
    let toml::Value::Table(t) = v else { return Err(format!("`{key}`: a check is a table")) };
    if let Some(toml::Value::Integer(n)) = t.get("min_length") {
        return Ok(Check::MinLength(usize::try_from(*n).unwrap_or(0)));
    }
    if let Some(toml::Value::String(p)) = t.get("prefix") {
        return Ok(Check::Prefix(p.clone()));
    }
    if let Some(toml::Value::Array(items)) = t.get("url_scheme") {
        return Ok(Check::UrlScheme(items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect()));
    }
    Err(format!("`{key}`: a check is {{ min_length = N }}, {{ prefix = \"...\" }} or {{ url_scheme = [...] }}"))
}

/// Turns a raw entry (pack file or `[[rules.require]]`) into a requirement.
pub fn requirement(pack: &str, raw: &RawRequirement) -> Result<Requirement, String> {
    if raw.when.is_empty() {
        return Err("a requirement needs a `when` condition".to_owned());
    }
    if raw.require.is_empty() && raw.require_any.is_empty() && raw.checks.is_empty() {
        return Err("a requirement needs `require`, `require_any` or `checks`".to_owned());
    }
    Ok(Requirement {
        pack: pack.to_owned(),
        when: raw.when.iter().map(|(k, v)| Ok((k.clone(), condition(k, v)?))).collect::<Result<_, String>>()?,
        require: raw.require.clone(),
        require_any: raw.require_any.clone(),
        checks: raw.checks.iter().map(|(k, v)| Ok((k.clone(), check(k, v)?))).collect::<Result<_, String>>()?,
        message: raw.message.clone(),
    })
}

/// Parses one pack file.
pub fn parse(default_name: &str, text: &str) -> Result<Vec<Requirement>, String> {
    let raw: RawPack = toml::from_str(text).map_err(|e| e.message().trim().to_owned())?;
    let _ = raw.description;
    let name = raw.name.unwrap_or_else(|| default_name.to_owned());
    raw.require.iter().map(|r| requirement(&name, r)).collect()
}

const BUILTIN: [(&str, &str); 4] = [
    ("captcha", include_str!("../rules/packs/captcha.toml")),
    ("sentry", include_str!("../rules/packs/sentry.toml")),
    ("smtp", include_str!("../rules/packs/smtp.toml")),
    ("stripe", include_str!("../rules/packs/stripe.toml")),
];

/// The built-in packs (a parse failure is our bug: covered by a test).
pub fn builtin() -> Vec<Requirement> {
    BUILTIN.iter().filter_map(|(name, text)| parse(name, text).ok()).flatten().collect()
}

/// The pack files of a repository: `.stackcheck/packs/*.toml` and `rules/packs/*.toml` under `root`.
pub fn repo_pack_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [root.join(".stackcheck/packs"), root.join("rules/packs")] {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> =
            rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
        files.sort();
        out.extend(files);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_packs_parse() {
        for (name, text) in BUILTIN {
            let reqs = parse(name, text).unwrap_or_else(|e| panic!("pack {name}: {e}"));
            assert!(!reqs.is_empty(), "{name}");
        }
        assert!(builtin().len() >= 8);
    }

    #[test]
    fn conditions_and_checks() {
        let c = condition("X", &toml::Value::Array(vec!["live".into(), "prod".into()])).expect("one of");
        assert!(c.holds(Some("live")) && !c.holds(Some("test")) && !c.holds(None));
        let t: toml::Value = toml::from_str("a = { truthy = true }").expect("toml");
        let c = condition("X", &t["a"]).expect("truthy");
        assert!(c.holds(Some("Yes")) && !c.holds(Some("0")) && !c.holds(None));
        let t: toml::Value = toml::from_str("a = { set = false }").expect("toml");
        assert!(condition("X", &t["a"]).expect("set").holds(Some("")));
        let t: toml::Value = toml::from_str("a = { regex = \"^(?i)prod\" }").expect("toml");
        assert!(condition("X", &t["a"]).expect("regex").holds(Some("Production")));
        assert_eq!(Check::MinLength(32).problem("short"), Some("is 5 characters long, shorter than 32".to_owned()));
        assert_eq!(Check::UrlScheme(vec!["https".into()]).problem("https://x"), None);
        assert!(Check::Prefix("sk_live_".into()).problem("sk_test_1").is_some());
    }

    #[test]
    fn bad_packs_are_errors() {
        assert!(parse("x", "[[require]]\nrequire = [\"A\"]\n").is_err());
        assert!(parse("x", "[[require]]\nwhen = { A = { regex = \"(\" } }\nrequire = [\"B\"]\n").is_err());
        assert!(parse("x", "[[require]]\nwhen = { A = \"1\" }\nrequire = [\"B\"]\nbogus = 1\n").is_err());
    }
}
