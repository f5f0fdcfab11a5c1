//! Secrets never leave stackcheck in clear (rules.md "Secrets"): values of secret-named keys, the password
//! part of URLs and `--requirepass` arguments are masked in every output format, snippets included.
//! Two values are told apart by their source, length and a short hash, never by their content.

use std::borrow::Cow;
use std::fmt;

/// Does a variable name denote a secret (`*SECRET*`, `*PASSWORD*`, `*_KEY`, `*TOKEN*`...)?
/// Public keys (`*_PUBLIC_KEY`, `*PUBLISHABLE*`) are not secrets.
pub fn is_secret_key(key: &str) -> bool {
    // Upper-cased on the stack for the usual key lengths: this runs for every variable of every file.
    let mut buf = [0u8; 128];
    let owned;
    let k: &str = if key.len() <= buf.len() {
        let b = &mut buf[..key.len()];
        b.copy_from_slice(key.as_bytes());
        b.make_ascii_uppercase();
        std::str::from_utf8(b).unwrap_or(key)
    } else {
        owned = key.to_ascii_uppercase();
        &owned
    };
    if k.contains("PUBLIC") || k.contains("PUBLISHABLE") {
        return false;
    }
    const PARTS: [&str; 9] =
        ["SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "TOKEN", "PRIVATE", "CREDENTIAL", "APIKEY", "API_KEY"];
    PARTS.iter().any(|p| k.contains(p))
        || k.ends_with("_KEY")
        || k.ends_with("_PASS")
        || k.ends_with("_PWD")
        || k == "KEY"
        || k.ends_with("_AUTH")
}

/// Is this value a credential by its own format, whatever the key holding it: provider key prefixes
/// (Stripe secret/restricted/webhook keys, Supabase secret keys, OpenAI, Anthropic, GitHub, GitLab,
/// Slack, SendGrid), JSON Web Tokens and PEM private keys. Publishable keys (`pk_…`) are not secrets.
pub fn is_secret_value(value: &str) -> bool {
    const PREFIXES: [&str; 17] = [
        "sk_live_",
        "sk_test_",
        "rk_live_",
        "rk_test_",
        "whsec_",
        "sb_secret_",
        "sk-ant-",
        "sk-proj-",
        "sk-",
        "ghp_",
        "gho_",
        "ghs_",
        "github_pat_",
        "glpat-",
        "xoxb-",
        "xoxp-",
        "SG.",
    ];
    let v = value.trim();
    PREFIXES.iter().any(|p| v.starts_with(p) && v.len() >= p.len() + 16 && !v.contains(char::is_whitespace))
        || (v.starts_with("eyJ") && v.matches('.').count() == 2 && !v.contains(char::is_whitespace))
        || (v.contains("-----BEGIN") && v.contains("PRIVATE KEY"))
}

/// A secret value: its `Display` masks it (`•••• (32 chars)`).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", mask(&self.0))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", mask(&self.0))
    }
}

/// `•••• (N chars)`, or `(empty)`.
pub fn mask(value: &str) -> String {
    match value.chars().count() {
        0 => "(empty)".to_owned(),
        n => format!("•••• ({n} chars)"),
    }
}

/// First 6 hex digits of the SHA-256 of a value, to tell two equal-length secrets apart.
pub fn fingerprint(value: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(value.as_bytes());
    digest.iter().take(3).map(|b| format!("{b:02x}")).collect()
}

/// Masks the password of every `scheme://user:password@host` in a string.
pub fn mask_url_passwords(s: &str) -> Cow<'_, str> {
    if !s.contains("://") {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let auth_end = tail.find(['/', '?', '#', ' ', '"', '\'']).unwrap_or(tail.len());
        let authority = tail.get(..auth_end).unwrap_or("");
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(authority.get(..=colon).unwrap_or(""));
                out.push_str("••••");
                out.push_str(authority.get(at..).unwrap_or(""));
            }
            _ => out.push_str(authority),
        }
        rest = tail.get(auth_end..).unwrap_or("");
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Is this value only references to variables (`${REDIS_PASSWORD}`, `$TOKEN`)? Those are safe to show.
fn only_references(v: &str) -> bool {
    let v = v.trim().trim_matches(['"', '\'']);
    if v.is_empty() || !v.contains('$') {
        return false;
    }
    let mut rest = v;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("${") {
            match r.find('}') {
                Some(end) => rest = r.get(end + 1..).unwrap_or(""),
                None => return false,
            }
        } else if let Some(r) = rest.strip_prefix('$') {
            let n = r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(r.len());
            if n == 0 {
                return false;
            }
            rest = r.get(n..).unwrap_or("");
        } else {
            return false;
        }
    }
    true
}

/// A copy of a file's text with every secret replaced by `*` of the same byte length (so spans and
/// line/column stay valid), for source snippets. None when the text holds no secret.
pub fn mask_source(text: &str, secrets: &SecretSet) -> Option<String> {
    let mut bytes: Vec<u8> = text.as_bytes().to_vec();
    let mut changed = false;
    // Every known secret value, wherever it appears (a non-secret key holding a secret's value).
    for v in &secrets.values {
        let mut from = 0;
        while let Some(i) = text.get(from..).and_then(|t| t.find(v.as_str())) {
            let start = from + i;
            for b in bytes.iter_mut().skip(start).take(v.len()) {
                *b = b'*';
            }
            changed = true;
            from = start + v.len();
        }
    }
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        for (start, end) in secret_ranges_in_line(line) {
            for b in bytes.iter_mut().take(offset + end).skip(offset + start) {
                *b = b'*';
                changed = true;
            }
        }
        offset += line.len();
    }
    if !changed {
        return None;
    }
    // Whole characters were replaced byte by byte with ASCII, so the result is valid UTF-8.
    String::from_utf8(bytes).ok()
}

/// Byte ranges (within the line) of secret values: `KEY=value`, `KEY: value`, `- KEY=value`,
/// `--requirepass value`, URL passwords.
fn secret_ranges_in_line(line: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let body = line.trim_end_matches(['\n', '\r']);
    let trimmed = body.trim_start();
    let indent = body.len() - trimmed.len();
    if !trimmed.starts_with('#') {
        // `- KEY=value` (YAML list item) / `export KEY=value` / `KEY=value` / `KEY: value`
        let item = trimmed.strip_prefix("- ").map_or(trimmed, str::trim_start);
        let item = item.strip_prefix("export ").unwrap_or(item);
        // A quoted list item (`- "API_TOKEN=abc"`, Traefik labels): the key starts after the quote and
        // the closing quote is not part of the value.
        let outer_quote = item.chars().next().filter(|c| matches!(c, '"' | '\''));
        let item = if outer_quote.is_some() { item.get(1..).unwrap_or("") } else { item };
        let item_off = body.len() - item.len();
        let key_end =
            item.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')).unwrap_or(item.len());
        let key = item.get(..key_end).unwrap_or("").trim_matches(['"', '\'']);
        let after = item.get(key_end..).unwrap_or("");
        let sep = after.trim_start().chars().next();
        if !key.is_empty() && matches!(sep, Some('=' | ':')) {
            let sep_pos = key_end + (after.len() - after.trim_start().len());
            let value = item.get(sep_pos + 1..).unwrap_or("");
            let lead = value.len() - value.trim_start().len();
            let v = value.trim_start();
            // Stop at an inline comment.
            let v_end = v.find(" #").unwrap_or(v.len());
            let v = v.get(..v_end).unwrap_or(v).trim_end();
            let v = match outer_quote {
                Some(q) => v.strip_suffix(q).unwrap_or(v),
                None => v,
            };
            let (qs, qe) = if v.len() >= 2
                && (v.starts_with('"') && v.ends_with('"') || v.starts_with('\'') && v.ends_with('\''))
            {
                (1, 1)
            } else {
                (0, 0)
            };
            let inner = v.get(qs..v.len().saturating_sub(qe)).unwrap_or(v);
            // A secret under any name (`NEXT_PUBLIC_STRIPE_KEY=sk_live_…`) is still a secret.
            if !v.is_empty()
                && !only_references(v)
                && (is_secret_key(key) || is_secret_value(inner) || is_users_key(key))
            {
                let start = item_off + sep_pos + 1 + lead + qs;
                let end = item_off + sep_pos + 1 + lead + v.len() - qe;
                if end > start {
                    out.push((start, end));
                }
            }
        }
        let _ = indent;
        header_value_range(body, &mut out);
    }
    password_hash_ranges(body, &mut out);
    // `--requirepass value` / `--password value` / `-a value` in commands.
    for flag in ["--requirepass", "--password", "--masterauth"] {
        let mut from = 0;
        while let Some(i) = body.get(from..).and_then(|b| b.find(flag)) {
            let at = from + i + flag.len();
            let rest = body.get(at..).unwrap_or("");
            let rest_trim = rest.trim_start_matches([' ', '=', '"', '\'', ',']);
            let start = at + (rest.len() - rest_trim.len());
            let len = rest_trim.find([' ', '"', '\'', ',', ']']).unwrap_or(rest_trim.len());
            let word = rest_trim.get(..len).unwrap_or("");
            if len > 0 && !only_references(word) {
                out.push((start, start + len));
            }
            from = at;
        }
    }
    // URL passwords.
    let mut from = 0;
    while let Some(i) = body.get(from..).and_then(|b| b.find("://")) {
        let auth_start = from + i + 3;
        let tail = body.get(auth_start..).unwrap_or("");
        let auth_end = tail.find(['/', '?', '#', ' ', '"', '\'']).unwrap_or(tail.len());
        let authority = tail.get(..auth_end).unwrap_or("");
        if let (Some(at), Some(colon)) = (authority.rfind('@'), authority.find(':'))
            && colon < at
            && !only_references(authority.get(colon + 1..at).unwrap_or(""))
        {
            out.push((auth_start + colon + 1, auth_start + at));
        }
        from = auth_start + auth_end.max(1);
    }
    out
}

/// `http://backend:8000`, `redis://cache:6379/`: a URL with no credentials, path or query holds nothing
/// secret (a `PRIVATE_BACKEND_URL` naming a service); scrubbing it would hide every upstream that names
/// the same service. A webhook URL keeps its secret in the path and stays a secret.
fn bare_service_url(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once("://") else { return false };
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        return false;
    }
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    !authority.is_empty() && !authority.contains(['@', '/', '?', '#'])
}

/// Traefik's basic/digest auth users (`traefik.http.middlewares.x.basicauth.users`, `users:` under
/// `basicAuth`): `user:hash` pairs, masked whole.
fn is_users_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.ends_with("auth.users") || k.ends_with("auth.users[0]")
}

/// Directives that set a header, parameter or variable to a value: nginx (`proxy_set_header NAME VALUE;`,
/// `fastcgi_param`, `set $name value;`) and Caddy (`header_up NAME VALUE`, `header NAME VALUE`).
const VALUE_DIRECTIVES: [&str; 12] = [
    "proxy_set_header",
    "add_header",
    "grpc_set_header",
    "more_set_headers",
    "fastcgi_param",
    "uwsgi_param",
    "scgi_param",
    "set",
    "header_up",
    "header_down",
    "header",
    "request_header",
];

/// The value of a header or parameter whose name denotes a credential (`Authorization`, `X-Api-Key`,
/// `DB_PASSWORD`, `$api_token`) in an nginx or Caddy directive.
fn header_value_range(body: &str, out: &mut Vec<(usize, usize)>) {
    let trimmed = body.trim_start();
    let mut words = trimmed.split_ascii_whitespace();
    let (Some(directive), Some(raw_name)) = (words.next(), words.next()) else { return };
    if !VALUE_DIRECTIVES.contains(&directive) {
        return;
    }
    let name = raw_name.trim_start_matches(['+', '-', '>', '$']).trim_matches(['"', '\'']);
    let upper = name.to_ascii_uppercase().replace('-', "_");
    if !(upper == "AUTHORIZATION" || upper == "PROXY_AUTHORIZATION" || upper == "COOKIE" || is_secret_key(&upper)) {
        return;
    }
    // The value: after the name, up to the end of the line, without its quotes and nginx's `;`.
    let after_directive = body.len() - trimmed.len() + directive.len();
    let Some(name_at) = body.get(after_directive..).and_then(|r| r.find(raw_name)) else { return };
    let bytes = body.as_bytes();
    let mut start = after_directive + name_at + raw_name.len();
    while bytes.get(start).is_some_and(u8::is_ascii_whitespace) {
        start += 1;
    }
    if matches!(bytes.get(start), Some(b'"' | b'\'')) {
        start += 1;
    }
    let mut end = body.len();
    while end > start && matches!(bytes.get(end - 1), Some(b' ' | b'\t' | b';' | b'"' | b'\'')) {
        end -= 1;
    }
    // `Basic dXNlcjpwYXNz`, `Bearer eyJ…`: the scheme stays readable, the credential is masked.
    if let Some(space) = body.get(start..end).and_then(|v| v.find(' '))
        && body.get(start..start + space).is_some_and(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphabetic()))
    {
        start += space + 1;
    }
    let value = body.get(start..end).unwrap_or("");
    let is_placeholder = value.starts_with('{') && value.ends_with('}') && !value.contains(' ');
    if !value.is_empty() && !only_references(value) && !is_placeholder {
        out.push((start, end));
    }
}

/// Password hashes wherever they are written: htpasswd forms (`$apr1$`, bcrypt `$2y$`, `{SHA}`, also with
/// compose's `$$` escape) in Traefik users, and Caddy's base64-encoded bcrypt (`JDJhJDE0…`).
fn password_hash_ranges(body: &str, out: &mut Vec<(usize, usize)>) {
    const MARKERS: [&str; 13] = [
        "$apr1$", "$$apr1$$", "$2a$", "$2b$", "$2y$", "$$2a$$", "$$2b$$", "$$2y$$", "{SHA}", "$6$", "JDJhJD", "JDJ5JD",
        "JDJiJD",
    ];
    // This runs for every line of every file: one pass over the line for the markers' first characters.
    let mut from = 0;
    while let Some(i) = body.get(from..).and_then(|b| b.find(['$', '{', 'J'])) {
        let start = from + i;
        let tail = body.get(start..).unwrap_or("");
        if !MARKERS.iter().any(|m| tail.starts_with(m)) {
            from = start + 1;
            continue;
        }
        let len = tail.find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';')).unwrap_or(tail.len());
        // Long enough to be a hash, not a `$2a$` mentioned in prose.
        if len >= 16 {
            out.push((start, start + len));
        }
        from = start + len.max(1);
    }
}

/// Every secret value known in a run, to scrub from free text (messages, help, JSON) as a last line of
/// defence: rules should never put a secret in a message in the first place.
#[derive(Default, Clone)]
pub struct SecretSet {
    values: Vec<String>,
    seen: std::collections::HashSet<String>,
    /// The values by their first 8 bytes (every value has at least 8), built on the first scrub: a text
    /// is scanned once for candidates instead of once per value.
    by_prefix: std::sync::OnceLock<std::collections::HashMap<[u8; 8], Vec<usize>>>,
}

impl SecretSet {
    pub fn add(&mut self, value: &str) {
        let v = value.trim().trim_matches(['"', '\'']);
        // Short values (`1`, `no`, `example`) would scrub ordinary words out of paths and names; the
        // snippets mask every value of a secret-named key whatever its length.
        if v.chars().count() >= 8 && !only_references(v) && !bare_service_url(v) && self.seen.insert(v.to_owned()) {
            self.values.push(v.to_owned());
            self.by_prefix = std::sync::OnceLock::new();
            // Written with compose's `$$` escape (an htpasswd hash in a label), read with single `$`.
            if v.contains("$$") {
                self.add(&v.replace("$$", "$"));
            }
        }
    }

    /// Collects the secrets of a text with [`mask_source`]'s rules.
    pub fn add_from_source(&mut self, text: &str) {
        for line in text.split_inclusive('\n') {
            for (s, e) in secret_ranges_in_line(line) {
                if let Some(v) = line.get(s..e) {
                    self.add(v);
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Drops the values that also occur inside a name the stack writes in clear (a service, container,
    /// image, volume or network name, a key, a path): scrubbing `postgres` out of `tickets-postgres`
    /// would garble every message that names the service and hide nothing, since the name is public.
    pub fn exempt_names<'n>(&mut self, names: impl IntoIterator<Item = &'n str>) {
        // Linear in the names' bytes: candidates are found by their first 8 bytes, as in `scrub`.
        let mut index: std::collections::HashMap<[u8; 8], Vec<usize>> = std::collections::HashMap::new();
        for (i, v) in self.values.iter().enumerate() {
            if let Some(prefix) = v.as_bytes().first_chunk::<8>() {
                index.entry(*prefix).or_default().push(i);
            }
        }
        let mut exempt = vec![false; self.values.len()];
        for name in names {
            let b = name.as_bytes();
            for at in 0..b.len().saturating_sub(7) {
                let Some(ids) = b.get(at..).and_then(|r| r.first_chunk::<8>()).and_then(|w| index.get(w)) else {
                    continue;
                };
                for &i in ids {
                    if self.values.get(i).is_some_and(|v| b.get(at..).is_some_and(|r| r.starts_with(v.as_bytes()))) {
                        exempt[i] = true;
                    }
                }
            }
        }
        let mut keep = exempt.iter().map(|e| !e);
        self.values.retain(|_| keep.next().unwrap_or(true));
        self.by_prefix = std::sync::OnceLock::new();
    }

    pub fn scrub<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let mut out: Cow<'a, str> = mask_url_passwords(s);
        let index = self.by_prefix.get_or_init(|| {
            let mut index: std::collections::HashMap<[u8; 8], Vec<usize>> = std::collections::HashMap::new();
            for (i, v) in self.values.iter().enumerate() {
                if let Some(prefix) = v.as_bytes().first_chunk::<8>() {
                    index.entry(*prefix).or_default().push(i);
                }
            }
            index
        });
        // The values that occur in the text, found by their prefix.
        let mut values: Vec<&String> = Vec::new();
        for (at, window) in out.as_bytes().windows(8).enumerate() {
            let Some(ids) = window.first_chunk::<8>().and_then(|w| index.get(w)) else { continue };
            for v in ids.iter().filter_map(|&i| self.values.get(i)) {
                if out.as_bytes().get(at..).is_some_and(|rest| rest.starts_with(v.as_bytes())) {
                    values.push(v);
                }
            }
        }
        // Longest first, so a secret containing another is replaced whole.
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        for v in values {
            if out.contains(v.as_str()) {
                out = Cow::Owned(out.replace(v.as_str(), "••••"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for k in [
            "REDIS_PASSWORD",
            "JWT_SECRET",
            "STRIPE_SECRET_KEY",
            "GITHUB_TOKEN",
            "API_KEY",
            "SECRET_KEY_BASE",
            "DB_PASS",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["STRIPE_PUBLIC_KEY", "NEXT_PUBLIC_API_URL", "PORT", "DATABASE_HOST", "KEYCLOAK_URL"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn names_are_not_scrubbed() {
        let mut set = SecretSet::default();
        set.add("postgres");
        set.add("s3cr3t-Value-42");
        set.exempt_names(["tickets-postgres", "web"]);
        assert_eq!(set.scrub("`tickets-postgres` uses s3cr3t-Value-42"), "`tickets-postgres` uses ••••");
    }

    #[test]
    fn masks_keep_length_and_references() {
        let text = "REDIS_PASSWORD=hunter2hunter2\nPORT=8080\nJWT_SECRET=\"abc def\"  # note\nDB_PASSWORD=${DB_PASS}\n";
        let masked = mask_source(text, &SecretSet::default()).expect("masked");
        assert_eq!(masked.len(), text.len());
        assert!(!masked.contains("hunter2"));
        assert!(!masked.contains("abc def"));
        assert!(masked.contains("PORT=8080"));
        assert!(masked.contains("${DB_PASS}"));
        assert!(masked.contains("# note"));
    }

    #[test]
    fn masks_yaml_forms_urls_and_flags() {
        let text = "    environment:\n      - POSTGRES_PASSWORD=s3cretpw\n      API_TOKEN: 'tok-123456'\n      DATABASE_URL: postgres://app:dbpass99@db:5432/app\n    command: redis-server --requirepass r3dispass --appendonly yes\n";
        let masked = mask_source(text, &SecretSet::default()).expect("masked");
        for s in ["s3cretpw", "tok-123456", "dbpass99", "r3dispass"] {
            assert!(!masked.contains(s), "{s} leaked: {masked}");
        }
        assert!(masked.contains("--appendonly yes"));
        assert!(masked.contains("postgres://app:"));
        assert!(masked.contains("@db:5432/app"));
    }

    #[test]
    fn secret_formats_are_masked_under_any_key() {
        let text = "NEXT_PUBLIC_STRIPE_KEY=sk_live_51Hx0000FAKE0000000000000000\nNEXT_PUBLIC_STRIPE_PK=pk_live_51Hx0000FAKE0000000000000000\nVITE_MODE=sk-mode\n";
        let masked = mask_source(text, &SecretSet::default()).expect("masked");
        assert!(!masked.contains("51Hx0000FAKE0000000000000000\nNEXT"), "{masked}");
        assert!(masked.contains("pk_live_51Hx0000FAKE"));
        assert!(masked.contains("VITE_MODE=sk-mode"));
        assert!(is_secret_value("eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2ln"));
        assert!(!is_secret_value("sk_live_"));
        assert!(!is_secret_value("https://api.acme.io"));
    }

    #[test]
    fn masks_proxy_headers_hashes_and_quoted_items() {
        let text = concat!(
            "        proxy_set_header Authorization \"Basic YWRtaW46cGFzcw==\";\n",
            "        proxy_set_header X-Api-Key k3y-Value-77;\n",
            "        fastcgi_param DB_PASSWORD fcgiPw99;\n",
            "\t\theader_up X-Api-Key caddyKey-31\n",
            "\t\tadmin JDJhJDE0JE1iQ2FkZHlIYXNoSGFzaEhhc2g\n",
            "      - \"traefik.http.middlewares.a.basicauth.users=admin:$$apr1$$H6uskkkW$$IgXLP6ew/\"\n",
            "          - \"ops:$apr1$TrfkFile$Xy9Zq8Wv7Ut6Sr5Q.\"\n",
            "      - \"API_TOKEN=quotedTok-42\"\n",
        );
        let masked = mask_source(text, &SecretSet::default()).expect("masked");
        assert_eq!(masked.len(), text.len());
        for s in [
            "YWRtaW46cGFzcw==",
            "k3y-Value-77",
            "fcgiPw99",
            "caddyKey-31",
            "JDJhJDE0",
            "H6uskkkW",
            "TrfkFile",
            "quotedTok-42",
        ] {
            assert!(!masked.contains(s), "{s} leaked: {masked}");
        }
        // The scheme, the names and the quotes stay readable.
        assert!(masked.contains("Authorization \"Basic ****************\";"), "{masked}");
        assert!(masked.contains("X-Api-Key ************;"), "{masked}");
        assert!(masked.contains("\"API_TOKEN=************\""), "{masked}");
        assert!(masked.contains("basicauth.users=*"), "{masked}");
    }

    #[test]
    fn leaves_references_and_ordinary_headers_alone() {
        let text = concat!(
            "proxy_set_header Host $host;\n",
            "proxy_set_header Authorization $http_authorization;\n",
            "header_up Authorization {http.request.header.Authorization}\n",
            "header_up X-Real-IP {remote_host}\n",
            "# bcrypt hashes start with $2a$ or $2y$\n",
            "      - \"traefik.http.middlewares.a.basicauth.users=${BASIC_AUTH_USERS}\"\n",
        );
        assert_eq!(mask_source(text, &SecretSet::default()), None);
        let mut set = SecretSet::default();
        set.add("admin:$$apr1$$abcdefgh$$ijklmnop");
        assert_eq!(set.scrub("reads admin:$apr1$abcdefgh$ijklmnop"), "reads ••••");
    }

    #[test]
    fn known_values_are_masked_under_any_key() {
        let mut set = SecretSet::default();
        set.add("Xq9vL2mN8pR4tW6y");
        let masked = mask_source("OTHER=\"Xq9vL2mN8pR4tW6y\n", &set).expect("masked");
        assert_eq!(masked, "OTHER=\"****************\n");
    }

    #[test]
    fn bare_service_urls_are_not_secrets() {
        assert!(bare_service_url("http://backend:8000"));
        assert!(bare_service_url("redis://cache:6379/"));
        assert!(!bare_service_url("redis://:hunter2hunter2@cache:6379"));
        assert!(!bare_service_url("https://hooks.slack.com/services/T0/B0/XXXXXXXX"));
        assert!(!bare_service_url("sk_live_abcdefgh"));
        let mut set = SecretSet::default();
        set.add("http://backend:8000");
        assert!(set.is_empty());
    }

    #[test]
    fn scrub_and_urls() {
        let mut set = SecretSet::default();
        set.add("hunter2hunter2");
        set.add("short");
        assert_eq!(set.scrub("value hunter2hunter2 here"), "value •••• here");
        assert_eq!(set.scrub("a short word"), "a short word");
        let mut nested = SecretSet::default();
        nested.add("hunter2hunter2");
        nested.add("xhunter2hunter2x");
        nested.add("0123456789");
        assert_eq!(nested.scrub("xhunter2hunter2x hunter2hunter2 0123456789"), "•••• •••• ••••");
        assert_eq!(mask_url_passwords("redis://:pw@redis:6379/0"), "redis://:••••@redis:6379/0");
        assert_eq!(mask_url_passwords("https://example.com/x"), "https://example.com/x");
    }

    #[test]
    fn sha256_known_vector() {
        assert_eq!(fingerprint("abc"), "ba7816");
        assert_eq!(fingerprint(""), "e3b0c4");
        assert_eq!(mask("abcd"), "•••• (4 chars)");
        assert_eq!(format!("{}", Secret("xyz".into())), "•••• (3 chars)");
    }
}
