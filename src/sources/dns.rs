//! DNS records from a zone file (RFC 1035 master-file syntax), with a span per record: `$ORIGIN`, `$TTL`,
//! `@`, relative and absolute names, an omitted owner (the previous one), TTL and class in either order,
//! parentheses spanning lines, `;` comments and quoted strings. A, AAAA, CNAME and CAA are typed; other
//! types are kept with their raw data. hickory-proto's zone parser gives no positions, which every
//! D7xx finding needs, hence this small one (crates.md).
//!
//! Resolution follows the records of the file only: CNAME chains (with a loop guard) and wildcards
//! (`*.example.org` answers a name that has no record of its own).

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::source::{FileId, Span};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    /// The target, absolute, lower-case, without the trailing dot.
    Cname(String),
    Caa {
        flags: u8,
        tag: String,
        value: String,
    },
    /// Any other type: the data as written.
    Other(String),
}

/// Where a record comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordSource {
    /// A zone file, or the config's inline `[dns.records]`.
    File,
    /// An answer of live DNS (`--dns live`): it is written nowhere, so it has no span.
    Live,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The owner name, absolute, lower-case, without the trailing dot.
    pub name: String,
    /// Where the owner is written (None for a live answer).
    pub name_span: Option<Span>,
    /// The type, upper-case (`A`, `CNAME`...).
    pub rtype: String,
    pub data: RData,
    /// The whole record, from its owner (or first field) to its last data token (None for a live answer).
    pub span: Option<Span>,
    pub source: RecordSource,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneError {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Zone {
    pub records: Vec<Record>,
    pub errors: Vec<ZoneError>,
}

/// What a name resolves to within the zone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolution {
    /// The CNAME records followed, in order.
    pub chain: Vec<usize>,
    /// Indices of the A and AAAA records reached.
    pub a: Vec<usize>,
    pub aaaa: Vec<usize>,
    /// A CNAME target outside the zone: its addresses are not known from the file.
    pub leaves_zone: Option<String>,
    /// The CNAME chain loops (or is longer than the guard).
    pub looped: bool,
}

/// Longest CNAME chain followed.
const MAX_CHAIN: usize = 16;

/// Parses a zone file. `origin` is the zone's origin when the file has no `$ORIGIN` before its first
/// relative name.
pub fn parse(file: FileId, text: &str, origin: Option<&str>) -> Zone {
    let mut zone = Zone::default();
    let mut origin: Option<String> = origin.map(|o| canonical(o, None));
    let mut last_owner: Option<(String, Span)> = None;
    let mut class_seen = false;
    for (tokens, starts_blank) in logical_lines(file, text, &mut zone.errors) {
        let Some(first) = tokens.first() else { continue };
        if first.text.starts_with('$') {
            let directive = first.text.to_ascii_uppercase();
            match directive.as_str() {
                "$ORIGIN" => match tokens.get(1) {
                    Some(t) => origin = Some(canonical(&t.text, origin.as_deref())),
                    None => zone.errors.push(error(first.span, "`$ORIGIN` needs a domain name")),
                },
                "$TTL" => {
                    if tokens.get(1).is_none_or(|t| parse_ttl(&t.text).is_none()) {
                        zone.errors.push(error(first.span, "`$TTL` needs a time value (e.g. 3600 or 1h)"));
                    }
                }
                "$INCLUDE" => {
                    zone.errors.push(error(first.span, "`$INCLUDE` is not followed: list the records in this file"))
                }
                _ => zone.errors.push(error(first.span, format!("unknown directive `{}`", first.text))),
            }
            continue;
        }
        let mut i = 0;
        let (owner, owner_span) = if starts_blank {
            match &last_owner {
                Some(o) => o.clone(),
                None => {
                    zone.errors.push(error(first.span, "a record without an owner name before any named record"));
                    continue;
                }
            }
        } else {
            i = 1;
            let name = if first.text == "@" {
                match &origin {
                    Some(o) => o.clone(),
                    None => {
                        zone.errors.push(error(first.span, "`@` used before any `$ORIGIN`"));
                        continue;
                    }
                }
            } else {
                canonical(&first.text, origin.as_deref())
            };
            (name, first.span)
        };
        last_owner = Some((owner.clone(), owner_span));
        // TTL and class, in either order, both optional.
        for _ in 0..2 {
            let Some(t) = tokens.get(i) else { break };
            let upper = t.text.to_ascii_uppercase();
            if matches!(upper.as_str(), "IN" | "CH" | "HS" | "CS") {
                class_seen = true;
                i += 1;
            } else if t.text.starts_with(|c: char| c.is_ascii_digit()) && parse_ttl(&t.text).is_some() {
                i += 1;
            }
        }
        let _ = class_seen;
        let Some(type_token) = tokens.get(i) else {
            zone.errors.push(error(tokens[tokens.len() - 1].span, "the record has no type"));
            continue;
        };
        let rtype = type_token.text.to_ascii_uppercase();
        let data_tokens = &tokens[i + 1..];
        let end = data_tokens.last().map_or(type_token.span.end, |t| t.span.end);
        let span = Span { file, start: if starts_blank { first.span.start } else { owner_span.start }, end };
        let data_span = match (data_tokens.first(), data_tokens.last()) {
            (Some(a), Some(b)) => Span { file, start: a.span.start, end: b.span.end },
            _ => type_token.span,
        };
        let one = |what: &str| -> Result<&Token, ZoneError> {
            match data_tokens {
                [t] => Ok(t),
                [] => Err(error(type_token.span, format!("a {rtype} record needs {what}"))),
                _ => Err(error(data_span, format!("a {rtype} record takes only {what}"))),
            }
        };
        let data = match rtype.as_str() {
            "A" => one("an IPv4 address").and_then(|t| {
                t.text
                    .parse::<Ipv4Addr>()
                    .map(RData::A)
                    .map_err(|_| error(t.span, format!("`{}` is not an IPv4 address", t.text)))
            }),
            "AAAA" => one("an IPv6 address").and_then(|t| {
                t.text
                    .parse::<Ipv6Addr>()
                    .map(RData::Aaaa)
                    .map_err(|_| error(t.span, format!("`{}` is not an IPv6 address", t.text)))
            }),
            "CNAME" => one("a target name").map(|t| {
                let target = if t.text == "@" {
                    origin.clone().unwrap_or_default()
                } else {
                    canonical(&t.text, origin.as_deref())
                };
                RData::Cname(target)
            }),
            "CAA" => match data_tokens {
                [f, tag, value] => match f.text.parse::<u8>() {
                    Ok(flags) => {
                        Ok(RData::Caa { flags, tag: tag.text.to_ascii_lowercase(), value: value.text.clone() })
                    }
                    Err(_) => Err(error(f.span, "CAA flags must be a number from 0 to 255")),
                },
                _ => {
                    Err(error(data_span, "a CAA record is `flags tag \"value\"` (e.g. `0 issue \"letsencrypt.org\"`)"))
                }
            },
            _ if rtype.chars().all(|c| c.is_ascii_alphanumeric())
                && rtype.starts_with(|c: char| c.is_ascii_alphabetic()) =>
            {
                Ok(RData::Other(data_tokens.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ")))
            }
            _ => Err(error(type_token.span, format!("`{}` is not a record type", type_token.text))),
        };
        match data {
            Ok(data) => zone.records.push(Record {
                name: owner,
                name_span: Some(owner_span),
                rtype,
                data,
                span: Some(span),
                source: RecordSource::File,
            }),
            Err(e) => zone.errors.push(e),
        }
    }
    zone
}

impl Zone {
    /// Records of a name and type (exact owner match).
    fn exact<'a>(&'a self, name: &'a str) -> impl Iterator<Item = (usize, &'a Record)> + 'a {
        self.records.iter().enumerate().filter(move |(_, r)| r.name == name)
    }

    /// Does the zone hold any record for this exact name?
    pub fn has_name(&self, name: &str) -> bool {
        self.exact(&canonical(name, None)).next().is_some()
    }

    /// The records answering a name: its own, else those of the closest wildcard (`*.parent`).
    fn answering(&self, name: &str) -> Vec<usize> {
        let own: Vec<usize> = self.exact(name).map(|(i, _)| i).collect();
        if !own.is_empty() {
            return own;
        }
        let mut parent = name;
        while let Some((_, rest)) = parent.split_once('.') {
            let wildcard = format!("*.{rest}");
            let found: Vec<usize> = self.exact(&wildcard).map(|(i, _)| i).collect();
            if !found.is_empty() {
                return found;
            }
            // A name that exists in between (an empty non-terminal with records below) stops the search.
            if self.exact(rest).next().is_some() {
                break;
            }
            parent = rest;
        }
        Vec::new()
    }

    /// Resolves a name within the zone: follows CNAMEs, collects A and AAAA records.
    pub fn resolve(&self, name: &str) -> Resolution {
        let mut out = Resolution::default();
        let mut current = canonical(name, None);
        let mut seen = vec![current.clone()];
        loop {
            let answers = self.answering(&current);
            let cname = answers.iter().copied().find(|i| matches!(self.records[*i].data, RData::Cname(_)));
            if let Some(i) = cname {
                out.chain.push(i);
                let RData::Cname(target) = &self.records[i].data else { break };
                if seen.contains(target) || out.chain.len() > MAX_CHAIN {
                    out.looped = true;
                    break;
                }
                seen.push(target.clone());
                if self.answering(target).is_empty() {
                    out.leaves_zone = Some(target.clone());
                    break;
                }
                current = target.clone();
                continue;
            }
            for i in answers {
                match self.records[i].data {
                    RData::A(_) => out.a.push(i),
                    RData::Aaaa(_) => out.aaaa.push(i),
                    _ => {}
                }
            }
            break;
        }
        out
    }
}

/// An absolute, lower-case name without the trailing dot: relative names get the origin appended.
pub fn canonical(name: &str, origin: Option<&str>) -> String {
    let lower = name.to_ascii_lowercase();
    if let Some(abs) = lower.strip_suffix('.') {
        return abs.to_owned();
    }
    match origin {
        Some(o) if !o.is_empty() => format!("{lower}.{o}"),
        _ => lower,
    }
}

/// `3600`, `1h`, `1h30m`, `2d`, `1w`: seconds.
pub fn parse_ttl(s: &str) -> Option<u64> {
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let mut total: u64 = 0;
    let mut num: Option<u64> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(num.unwrap_or(0).checked_mul(10)?.checked_add(u64::from(d))?);
        } else {
            let unit = match c.to_ascii_lowercase() {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                'w' => 604_800,
                _ => return None,
            };
            total = total.checked_add(num.take()?.checked_mul(unit)?)?;
        }
    }
    if num.is_some() {
        return None;
    }
    Some(total)
}

#[derive(Clone, Debug)]
struct Token {
    text: String,
    span: Span,
}

fn error(span: Span, message: impl Into<String>) -> ZoneError {
    ZoneError { span, message: message.into() }
}

fn span(file: FileId, start: usize, end: usize) -> Span {
    Span::new(file, start, end)
}

/// Splits the text into logical lines (parentheses join physical lines), each a list of tokens and
/// whether it starts with blank space (an omitted owner).
fn logical_lines(file: FileId, text: &str, errors: &mut Vec<ZoneError>) -> Vec<(Vec<Token>, bool)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut tokens: Vec<Token> = Vec::new();
    let mut starts_blank = false;
    let mut at_line_start = true;
    let mut depth = 0usize;
    let mut open_at = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if at_line_start {
            starts_blank = matches!(c, b' ' | b'\t');
            at_line_start = false;
        }
        match c {
            b'\n' => {
                if depth == 0 {
                    if !tokens.is_empty() {
                        out.push((std::mem::take(&mut tokens), starts_blank));
                    }
                    at_line_start = true;
                }
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b';' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' => {
                if depth == 0 {
                    open_at = i;
                }
                depth += 1;
                i += 1;
            }
            b')' => {
                if depth == 0 {
                    errors.push(error(span(file, i, i + 1), "`)` without a matching `(`"));
                } else {
                    depth -= 1;
                }
                i += 1;
            }
            b'"' => {
                let start = i;
                let mut value = String::new();
                i += 1;
                let mut closed = false;
                while i < b.len() {
                    match b[i] {
                        b'"' => {
                            closed = true;
                            i += 1;
                            break;
                        }
                        b'\\' if i + 1 < b.len() => {
                            let ch = text[i + 1..].chars().next().unwrap_or('\\');
                            value.push(ch);
                            i += 1 + ch.len_utf8();
                        }
                        b'\n' => break,
                        _ => {
                            let ch = text[i..].chars().next().unwrap_or(' ');
                            value.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                if !closed {
                    errors.push(error(span(file, start, i), "unterminated quoted string"));
                }
                tokens.push(Token { text: value, span: span(file, start, i) });
            }
            _ => {
                let start = i;
                while i < b.len() && !matches!(b[i], b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')' | b'"') {
                    i += 1;
                }
                // Multi-byte characters are never delimiters, so `i` stays on a char boundary.
                tokens.push(Token { text: text[start..i].to_owned(), span: span(file, start, i) });
            }
        }
    }
    if depth > 0 {
        errors.push(error(span(file, open_at, open_at + 1), "`(` is never closed"));
    }
    if !tokens.is_empty() {
        out.push((tokens, starts_blank));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ZONE: &str = "\
$ORIGIN example.org.
$TTL 1h
@        IN SOA ns1 hostmaster (
                2026120701 ; serial
                1h 15m 1w 5m )
@        300 IN A 203.0.113.10
         IN AAAA 2001:db8::10
www      CNAME @
api      IN 600 CNAME edge.example.org.
edge     A 203.0.113.11
shop     CNAME shops.example.net.
loop1    CNAME loop2
loop2    CNAME loop1
*.dev    A 198.51.100.7
@        CAA 0 issue \"letsencrypt.org\"
txt      TXT \"v=spf1 -all\" ; comment
";

    fn zone() -> Zone {
        parse(FileId(0), ZONE, None)
    }

    #[test]
    fn parses_records_with_spans() {
        let z = zone();
        assert!(z.errors.is_empty(), "{:?}", z.errors);
        let names: Vec<(&str, &str)> = z.records.iter().map(|r| (r.name.as_str(), r.rtype.as_str())).collect();
        assert_eq!(names[0], ("example.org", "SOA"));
        assert_eq!(names[1], ("example.org", "A"));
        assert_eq!(names[2], ("example.org", "AAAA"));
        assert_eq!(names[3], ("www.example.org", "CNAME"));
        let a = &z.records[1];
        assert_eq!(&ZONE[a.span.unwrap().range()], "@        300 IN A 203.0.113.10");
        assert_eq!(a.source, RecordSource::File);
        assert_eq!(z.records.last().unwrap().data, RData::Other("v=spf1 -all".to_owned()));
        let caa = z.records.iter().find(|r| r.rtype == "CAA").unwrap();
        assert_eq!(caa.data, RData::Caa { flags: 0, tag: "issue".to_owned(), value: "letsencrypt.org".to_owned() });
    }

    #[test]
    fn resolves_cnames_wildcards_and_loops() {
        let z = zone();
        let r = z.resolve("WWW.example.org.");
        assert_eq!(r.chain.len(), 1);
        assert_eq!(r.a.len(), 1);
        assert_eq!(r.aaaa.len(), 1);
        assert_eq!(z.resolve("api.example.org").a.len(), 1);
        assert_eq!(z.resolve("shop.example.org").leaves_zone.as_deref(), Some("shops.example.net"));
        assert!(z.resolve("loop1.example.org").looped);
        assert_eq!(z.resolve("feature.dev.example.org").a.len(), 1);
        assert!(z.resolve("missing.example.org").a.is_empty());
    }

    #[test]
    fn reports_errors_with_positions() {
        let text = "$ORIGIN example.org.\napp A 203.0.113.300\nweb AAAA\n(\n";
        let z = parse(FileId(0), text, None);
        let msgs: Vec<&str> = z.errors.iter().map(|e| e.message.as_str()).collect();
        assert!(msgs.iter().any(|m| m.contains("not an IPv4")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("needs an IPv6")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("never closed")), "{msgs:?}");
        let bad = z.errors.iter().find(|e| e.message.contains("IPv4")).unwrap();
        assert_eq!(&text[bad.span.start as usize..bad.span.end as usize], "203.0.113.300");
    }

    #[test]
    fn ttls() {
        assert_eq!(parse_ttl("3600"), Some(3600));
        assert_eq!(parse_ttl("1h30m"), Some(5400));
        assert_eq!(parse_ttl("1w"), Some(604_800));
        assert_eq!(parse_ttl("h"), None);
        assert_eq!(parse_ttl("5x"), None);
        assert_eq!(parse_ttl("99999999999999999999999"), None);
    }

    #[test]
    fn hostile_input_never_panics() {
        for s in ["\"", "(", ")", "@", " A 1.2.3.4", "é A 1.2.3.4\n\"é\\", "$ORIGIN", "x IN", "\\\u{0}é(((\n"] {
            let _ = parse(FileId(0), s, None);
        }
        let _ = parse(FileId(0), &"(".repeat(100_000), Some("example.org"));
    }
}

/// The DNS part of the model: the records the D7xx rules check against, and the addresses the domains
/// must point at.
#[derive(Clone, Debug, Default)]
pub struct DnsModel {
    pub mode: crate::config::DnsMode,
    /// The zone file (or the config's inline records), parsed.
    pub zone: Option<Zone>,
    /// The file the records come from (the zone file, or the config for inline records).
    pub file: Option<FileId>,
    /// `[host] public_ip` / `--expect-ip`.
    pub expect_v4: Vec<std::net::Ipv4Addr>,
    pub expect_v6: Vec<std::net::Ipv6Addr>,
    /// `[[stack]] domains` of stackcheck.toml, each with where it is written (as written, not normalised:
    /// [`crate::sources::domains::served_domains`] filters and normalises every source of domains).
    pub configured_domains: Vec<(String, Span)>,
    /// What live DNS answered (`--dns live`), for every served domain.
    pub live: Option<LiveDns>,
}

impl DnsModel {
    /// The records the D7xx rules check: live answers in live mode, else the zone file's.
    pub fn records(&self) -> Option<&Zone> {
        match (&self.mode, &self.live) {
            (crate::config::DnsMode::Live, Some(live)) => Some(&live.zone),
            _ => self.zone.as_ref(),
        }
    }

    /// The live lookup of a name (any case, trailing dot or not).
    pub fn live_lookup(&self, name: &str) -> Option<&LiveLookup> {
        let name = canonical(name, None);
        let live = self.live.as_ref()?;
        live.lookups.binary_search_by(|l| l.name.as_str().cmp(&name)).ok().and_then(|i| live.lookups.get(i))
    }
}

/// Live DNS: the A and AAAA lookups of every served domain (each name once per run), done by the loader.
#[derive(Clone, Debug, Default)]
pub struct LiveDns {
    /// The A, AAAA and CNAME records answered (source [`RecordSource::Live`], no span), without duplicates,
    /// CNAME chains included: [`Zone::resolve`] follows them as it follows a zone file's.
    pub zone: Zone,
    /// One entry per name looked up, sorted by name.
    pub lookups: Vec<LiveLookup>,
    /// The name servers asked: `ip:port` of `[dns] nameservers` / `--dns-server`, else `system`.
    pub servers: Vec<String>,
    /// The per-query timeout.
    pub timeout: std::time::Duration,
}

/// The outcome of one name's A and AAAA queries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveLookup {
    /// Lower-case, without the trailing dot.
    pub name: String,
    pub a: Answer,
    pub aaaa: Answer,
}

impl LiveLookup {
    /// Why the name could not be checked, when a query of it got no answer (D704 reports it).
    pub fn failure(&self) -> Option<&LookupFailure> {
        [&self.a, &self.aaaa].into_iter().find_map(|a| match a {
            Answer::Failed(f) => Some(f),
            _ => None,
        })
    }

    /// The name does not exist (NXDOMAIN).
    pub fn nx_domain(&self) -> bool {
        self.a == Answer::NxDomain || self.aaaa == Answer::NxDomain
    }
}

/// What the resolver said for one query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Records came back (for this type, or a CNAME chain): they are in [`LiveDns::zone`].
    Records,
    /// The name exists but has no record of this type (NODATA).
    NoData,
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// No usable answer: the name could not be checked.
    Failed(LookupFailure),
}

/// Why a query got no answer. None of these says anything about the records themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupFailure {
    /// No answer within the timeout (a server that drops the query, a firewall, an offline CI).
    Timeout,
    /// The server answered with an error code (`SERVFAIL`: lame delegation or DNSSEC failure; `REFUSED`).
    ServerError(String),
    /// No name server could be reached or none is configured (no network, no resolv.conf).
    NoNetwork(String),
    /// stackcheck was built without the `live-dns` feature.
    Unsupported,
    /// Anything else, as the resolver describes it.
    Other(String),
}

impl std::fmt::Display for LookupFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupFailure::Timeout => write!(f, "timed out"),
            LookupFailure::ServerError(code) => write!(f, "the server answered {code}"),
            LookupFailure::NoNetwork(why) => write!(f, "no name server reachable ({why})"),
            LookupFailure::Unsupported => write!(f, "this stackcheck was built without live DNS (feature `live-dns`)"),
            LookupFailure::Other(why) => write!(f, "{why}"),
        }
    }
}

impl Answer {
    /// A short word for `inspect`: `records`, `nodata`, `nxdomain`, `timeout`, `servfail`...
    pub fn label(&self) -> String {
        match self {
            Answer::Records => "records".to_owned(),
            Answer::NoData => "nodata".to_owned(),
            Answer::NxDomain => "nxdomain".to_owned(),
            Answer::Failed(LookupFailure::Timeout) => "timeout".to_owned(),
            Answer::Failed(LookupFailure::ServerError(code)) => code.to_ascii_lowercase(),
            Answer::Failed(LookupFailure::NoNetwork(_)) => "no-network".to_owned(),
            Answer::Failed(LookupFailure::Unsupported) => "unsupported".to_owned(),
            Answer::Failed(LookupFailure::Other(_)) => "error".to_owned(),
        }
    }
}

/// Inline `[dns.records]` as zone text: one `name. A|AAAA|CNAME value` line per value, so one parser
/// serves both; spans then point into this text, which is added to the source table as the config's
/// records.
pub fn inline_zone_text(records: &std::collections::BTreeMap<String, toml::Value>) -> String {
    let mut out = String::new();
    for (name, value) in records {
        let values: Vec<String> = match value {
            toml::Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            toml::Value::String(s) => vec![s.clone()],
            _ => Vec::new(),
        };
        let owner = if name.ends_with('.') { name.clone() } else { format!("{name}.") };
        for v in values {
            let rtype = if v.parse::<Ipv4Addr>().is_ok() {
                "A"
            } else if v.parse::<Ipv6Addr>().is_ok() {
                "AAAA"
            } else {
                "CNAME"
            };
            let target = if rtype == "CNAME" && !v.ends_with('.') { format!("{v}.") } else { v };
            out.push_str(&format!("{owner} {rtype} {target}\n"));
        }
    }
    out
}
