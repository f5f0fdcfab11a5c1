//! Codes that point at another rule (ruff's redirects): an alias in the catalog, or a code that was
//! renamed or merged. Selecting, ignoring or suppressing the old code acts on the new one.

/// (old code or name, the rule's code or name).
pub static REDIRECTS: &[(&str, &str)] = &[
    // rules.md: "C115 env-file-not-found: alias of P008 for compose; reported once".
    ("C115", "P008"),
    ("env-file-not-found", "missing-file"),
    // rules.md: "T508 host-rule-syntax: a rule that Traefik v2 or v3 (per config) cannot parse" is P006.
    ("T508", "P006"),
    ("host-rule-syntax", "traefik-syntax"),
];

/// The selector a redirected one stands for (itself otherwise).
pub fn resolve(selector: &str) -> &str {
    REDIRECTS.iter().find(|(old, _)| old.eq_ignore_ascii_case(selector.trim())).map_or(selector, |(_, new)| *new)
}
