//! The domains the stacks serve, collected from what the model already holds: `[[stack]] domains` of
//! stackcheck.toml, the `Host()` matchers of Traefik routers (labels of active services and file-provider
//! configurations), the `server_name`s of the host's nginx and the site addresses of every Caddyfile.
//!
//! Only names that public DNS can answer are kept: wildcards, regular expressions, IP addresses, nginx's
//! `_` and `""`, single-label names (`web`), names with an unresolved placeholder and the special-use
//! domains that never resolve on the internet (`localhost`, `.test`, `.local`, `.internal`...) are skipped.
//! Live DNS looks each of them up; the D7xx rules check them against the records.

use crate::model::{ProxyRole, StackModel};
use crate::source::Span;
use crate::sources::nginx::model::NameKind;

/// Suffixes of names that public DNS never answers: RFC 6761 (`localhost`, `test`, `invalid`), RFC 6762
/// (`local`), RFC 8375 (`home.arpa`), ICANN's private-use `internal`, and the `lan` / `localdomain` of home
/// routers and distribution defaults.
const PRIVATE_SUFFIXES: &[&str] =
    &["localhost", "test", "invalid", "local", "internal", "home.arpa", "lan", "localdomain"];

/// Every served domain with where it is written, one entry per place (a name served by a Traefik label
/// and listed in stackcheck.toml appears twice), in model order: config, Traefik labels, Traefik files,
/// host nginx, Caddy. Names are lower-case, without a trailing dot.
pub fn served_domains(model: &StackModel) -> Vec<(String, Span)> {
    let mut out: Vec<(String, Span)> = Vec::new();
    let mut push = |name: &str, span: Span| {
        if let Some(n) = public_name(name) {
            out.push((n, span));
        }
    };
    for (name, span) in &model.dns.configured_domains {
        push(name, *span);
    }
    for (_, svc) in model.services() {
        if svc.traefik.enable.is_some_and(|(on, _)| !on) {
            continue;
        }
        for router in &svc.traefik.routers {
            let (Some(rule), Some(Ok(expr))) = (&router.rule, &router.parsed) else { continue };
            if !rule.known {
                continue;
            }
            for (host, range) in expr.hosts() {
                push(host, host_span(model, rule.span, &rule.value, host, range));
            }
        }
    }
    for (_, config) in &model.traefik_files {
        for router in &config.routers {
            let (Some(rule), Some(Ok(expr))) = (&router.rule, &router.parsed) else { continue };
            for (host, range) in expr.hosts() {
                push(host, host_span(model, rule.span, &rule.value, host, range));
            }
        }
    }
    for nginx in model.nginx.iter().filter(|n| n.role == ProxyRole::Host) {
        for server in &nginx.model.servers {
            for name in &server.names {
                match name.kind {
                    NameKind::Exact => push(&name.name.value, name.name.span),
                    // `.example.org` serves `example.org` itself too.
                    NameKind::Suffix => push(name.name.value.trim_start_matches('.'), name.name.span),
                    _ => {}
                }
            }
        }
    }
    for caddy in &model.caddy {
        for site in &caddy.model.sites {
            for address in &site.addresses {
                push(&address.host, address.text.span);
            }
        }
    }
    out
}

/// Where a `Host()` value of a rule is written: inside its quotes when the rule is written verbatim.
fn host_span(
    model: &StackModel,
    rule: Span,
    text: &str,
    host: &str,
    range: crate::sources::traefik::rule::Range,
) -> Span {
    let literal = crate::sources::traefik::sub_span(&model.db, rule, text, range);
    let written = model.db.slice(literal);
    let quoted = written.len() == host.len() + 2 && written.get(1..written.len() - 1) == Some(host);
    if quoted { literal.sub(1, 1 + host.len()) } else { literal }
}

/// The name as DNS is asked for it (lower-case, no trailing dot), when public DNS could answer it.
pub fn public_name(name: &str) -> Option<String> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if name.len() > 253 || name.parse::<std::net::Ipv4Addr>().is_ok() {
        return None;
    }
    let labels: Vec<&str> = name.split('.').collect();
    // One label (`web`, `_`, `localhost`) is a container or local name, not a domain.
    if labels.len() < 2 {
        return None;
    }
    let valid_label = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    // Wildcards, regexes, placeholders (`{$DOMAIN}`, `${HOST}`), IPv6 and ports all fail here.
    if !labels.iter().all(valid_label) {
        return None;
    }
    // An all-numeric top-level label is an IP-like name, never a domain.
    if labels.last().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    if PRIVATE_SUFFIXES.iter().any(|s| name == *s || name.ends_with(&format!(".{s}"))) {
        return None;
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::public_name;

    #[test]
    fn keeps_public_names_only() {
        assert_eq!(public_name("App.Example.org.").as_deref(), Some("app.example.org"));
        assert_eq!(public_name("_acme.example.org").as_deref(), Some("_acme.example.org"));
        for skipped in [
            "",
            "_",
            "web",
            "localhost",
            "api.localhost",
            "app.test",
            "printer.local",
            "svc.internal",
            "nas.home.arpa",
            "*.example.org",
            "mail.*",
            "~^www\\.(?<d>.+)$",
            "203.0.113.10",
            "[2001:db8::1]",
            "2001:db8::1",
            "{$DOMAIN}",
            "${HOST}.example.org",
            "example.org:8443",
            "-bad.example.org",
            "a..example.org",
            "1.2.3.4.5",
        ] {
            assert_eq!(public_name(skipped), None, "{skipped}");
        }
        assert_eq!(public_name(&format!("{}.org", "a".repeat(64))), None);
    }
}
