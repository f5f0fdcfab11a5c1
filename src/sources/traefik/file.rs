//! Traefik file-provider dynamic configuration in YAML (semantics.md §3.7): `http.routers` (rule, service,
//! entryPoints, middlewares, tls) and `http.services` (load-balancer server URLs), each with its span.
//! Keys are matched case-insensitively, as Traefik's decoder does. TOML files are read into the same tree
//! ([`super::toml_tree`]), so both formats load into this model.

use crate::source::Span;
use crate::yaml::Node;

/// A string value with where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FileRouter {
    pub name: String,
    pub name_span: Span,
    pub rule: Option<Value>,
    pub service: Option<Value>,
    pub entrypoints: Vec<Value>,
    pub middlewares: Vec<Value>,
    /// A `tls` key (any value): the router is HTTPS-only.
    pub tls: Option<Span>,
    pub cert_resolver: Option<Value>,
    /// The parsed rule (filled in with the rule syntax of the host, see [`super::resolve_rules`]).
    pub parsed: Option<Result<super::rule::Expr, super::rule::RuleError>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileService {
    pub name: String,
    pub name_span: Span,
    /// `loadBalancer.servers[].url`.
    pub urls: Vec<Value>,
}

/// The dynamic configuration of one file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DynamicConfig {
    pub routers: Vec<FileRouter>,
    pub services: Vec<FileService>,
}

/// Is this YAML document a Traefik dynamic configuration (a top-level `http` mapping with `routers` or
/// `services`)?
pub fn is_dynamic(doc: &Node) -> bool {
    get_ci(doc, "http").is_some_and(|h| get_ci(h, "routers").is_some() || get_ci(h, "services").is_some())
}

/// Reads the routers and services of a dynamic configuration document.
pub fn read(doc: &Node) -> DynamicConfig {
    let mut out = DynamicConfig::default();
    let Some(http) = get_ci(doc, "http") else { return out };
    for e in get_ci(http, "routers").and_then(Node::as_map).unwrap_or_default() {
        let r = &e.value;
        let tls = get_entry_ci(r, "tls").map(|(k, _)| k);
        out.routers.push(FileRouter {
            name: e.key.name.clone(),
            name_span: e.key.span,
            rule: get_ci(r, "rule").and_then(value),
            service: get_ci(r, "service").and_then(value),
            entrypoints: list(get_ci(r, "entryPoints")),
            middlewares: list(get_ci(r, "middlewares")),
            tls,
            cert_resolver: get_ci(r, "tls").and_then(|t| get_ci(t, "certResolver")).and_then(value),
            parsed: None,
        });
    }
    for e in get_ci(http, "services").and_then(Node::as_map).unwrap_or_default() {
        let servers = get_ci(&e.value, "loadBalancer").and_then(|lb| get_ci(lb, "servers"));
        let urls = servers
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|s| get_ci(s, "url").and_then(value))
            .collect();
        out.services.push(FileService { name: e.key.name.clone(), name_span: e.key.span, urls });
    }
    out
}

fn get_ci<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    get_entry_ci(node, key).map(|(_, v)| v)
}

fn get_entry_ci<'a>(node: &'a Node, key: &str) -> Option<(Span, &'a Node)> {
    node.as_map()?.iter().rev().find(|e| e.key.name.eq_ignore_ascii_case(key)).map(|e| (e.key.span, &e.value))
}

fn value(node: &Node) -> Option<Value> {
    Some(Value { value: crate::yaml::scalar_to_string(node.as_scalar()?)?, span: node.span })
}

/// A list (`[a, b]`) or a single comma-separated string.
fn list(node: Option<&Node>) -> Vec<Value> {
    let Some(node) = node else { return Vec::new() };
    match node.as_seq() {
        Some(items) => items.iter().filter_map(value).collect(),
        None => value(node)
            .map(|v| {
                v.value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value { value: s.to_owned(), span: v.span })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn reads_routers_and_services() {
        let text = "http:\n  routers:\n    app:\n      rule: \"Host(`app.example.org`)\"\n      entryPoints: [websecure]\n      service: app\n      tls:\n        certResolver: le\n  services:\n    app:\n      loadBalancer:\n        servers:\n          - url: \"http://app-prod-web-1:8000\"\n";
        let docs = crate::yaml::parse(FileId(0), text, &crate::yaml::Limits::default()).unwrap();
        assert!(is_dynamic(&docs[0]));
        let c = read(&docs[0]);
        assert_eq!(c.routers.len(), 1);
        let r = &c.routers[0];
        assert_eq!(r.name, "app");
        assert_eq!(r.rule.as_ref().unwrap().value, "Host(`app.example.org`)");
        assert_eq!(r.entrypoints[0].value, "websecure");
        assert!(r.tls.is_some());
        assert_eq!(r.cert_resolver.as_ref().unwrap().value, "le");
        assert_eq!(c.services[0].urls[0].value, "http://app-prod-web-1:8000");
        let not = crate::yaml::parse(FileId(0), "http:\n  port: 80\n", &crate::yaml::Limits::default()).unwrap();
        assert!(!is_dynamic(&not[0]));
    }

    #[test]
    fn toml_dynamic_file_loads_like_yaml() {
        let text = "[http.routers.app]\n  rule = \"Host(`app.example.org`)\"\n  entryPoints = [\"websecure\"]\n  middlewares = \"sec,auth@file\"\n  service = \"app\"\n  [http.routers.app.tls]\n    certResolver = \"le\"\n\n[[http.services.app.loadBalancer.servers]]\n  url = \"http://app-prod-web-1:8000\"\n";
        let doc = super::super::toml_tree::parse(FileId(0), text).unwrap();
        assert!(is_dynamic(&doc));
        let c = read(&doc);
        let r = &c.routers[0];
        assert_eq!(r.name, "app");
        assert_eq!(&text[r.name_span.range()], "app");
        assert_eq!(r.rule.as_ref().unwrap().value, "Host(`app.example.org`)");
        assert_eq!(&text[r.rule.as_ref().unwrap().span.range()], "\"Host(`app.example.org`)\"");
        assert_eq!(r.entrypoints[0].value, "websecure");
        assert_eq!(r.middlewares.iter().map(|m| m.value.as_str()).collect::<Vec<_>>(), ["sec", "auth@file"]);
        assert_eq!(r.cert_resolver.as_ref().unwrap().value, "le");
        assert_eq!(c.services[0].urls[0].value, "http://app-prod-web-1:8000");
    }
}
