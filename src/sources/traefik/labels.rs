//! Traefik's Docker provider labels on a compose service: routers, load-balancer services, middlewares,
//! `traefik.enable` and `traefik.docker.network`, each with the span of the label that declares it.
//! Label keys are case-insensitive (semantics.md §3.2); names keep their spelling. Default names follow
//! Traefik: `normalize(<service>_<project>)` (§3.3).

use crate::model::{Label, Text};
use crate::source::Span;

/// A value read from a label: the text and the label's value span (the key span when it has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelValue {
    pub value: String,
    pub span: Span,
    pub key_span: Span,
    /// false when the value depends on a variable whose value is unknown (template stand-in).
    pub known: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Router {
    pub name: String,
    /// The first label naming this router.
    pub name_span: Span,
    pub rule: Option<LabelValue>,
    pub rule_syntax: Option<LabelValue>,
    pub entrypoints: Option<LabelValue>,
    pub service: Option<LabelValue>,
    pub middlewares: Option<LabelValue>,
    /// `tls=true` or any `tls.*` label: the router is HTTPS-only.
    pub tls: Option<Span>,
    pub cert_resolver: Option<LabelValue>,
    pub priority: Option<LabelValue>,
    /// The parsed rule, filled in by the loader once the Traefik version of the host is known
    /// ([`super::resolve_rules`]); `None` without a rule label.
    pub parsed: Option<Result<super::rule::Expr, super::rule::RuleError>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LbService {
    pub name: String,
    pub name_span: Span,
    pub port: Option<LabelValue>,
    pub scheme: Option<LabelValue>,
    pub url: Option<LabelValue>,
    /// Load-balancer options other than the server's port/scheme/url, as (lower-cased key, value): two
    /// services of one name merge only when these are equal (§3.6).
    pub options: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Middleware {
    pub name: String,
    pub name_span: Span,
    /// (lower-cased key after the name, value): two middlewares of one name must be identical.
    pub options: Vec<(String, String)>,
}

/// What a service's labels declare for Traefik.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraefikLabels {
    /// `traefik.enable`, when set.
    pub enable: Option<(bool, Span)>,
    /// `traefik.docker.network`.
    pub network: Option<LabelValue>,
    pub routers: Vec<Router>,
    pub services: Vec<LbService>,
    pub middlewares: Vec<Middleware>,
    /// A `traefik.tcp.*` or `traefik.udp.*` label: Traefik then makes no automatic HTTP router/service.
    pub tcp_or_udp: Option<Span>,
    /// Any `traefik.*` label at all.
    pub any: bool,
}

impl TraefikLabels {
    /// Reads the `traefik.*` labels of a service.
    pub fn from_labels(labels: &[Label]) -> TraefikLabels {
        let mut out = TraefikLabels::default();
        for label in labels {
            let lower = label.key.to_ascii_lowercase();
            let Some(rest) = lower.strip_prefix("traefik.") else { continue };
            out.any = true;
            let value = || LabelValue {
                value: label.value.as_ref().map(Text::as_str).unwrap_or_default().to_owned(),
                span: label.value.as_ref().map_or(label.key_span, |v| v.span),
                key_span: label.key_span,
                known: label.value.as_ref().is_none_or(|v| v.known),
            };
            // Names keep the label's spelling: take them from the original key at the same offsets.
            let original = label.key.get("traefik.".len()..).unwrap_or("");
            if rest == "enable" {
                out.enable = Some((value().value.trim().eq_ignore_ascii_case("true"), label.key_span));
                continue;
            }
            if rest == "docker.network" {
                out.network = Some(value());
                continue;
            }
            if rest.starts_with("tcp.") || rest.starts_with("udp.") {
                out.tcp_or_udp.get_or_insert(label.key_span);
                continue;
            }
            let Some((kind, after)) = rest.strip_prefix("http.").and_then(|r| r.split_once('.')) else {
                continue;
            };
            let original_after = original.get("http.".len() + kind.len() + 1..).unwrap_or("");
            let (name, option) = match after.split_once('.') {
                Some((n, o)) => (original_after.get(..n.len()).unwrap_or(n), o),
                None => (original_after, ""),
            };
            if name.is_empty() {
                continue;
            }
            match kind {
                "routers" => {
                    let r = entry(
                        &mut out.routers,
                        name,
                        label.key_span,
                        |r| &r.name,
                        |n, s| Router { name: n, name_span: s, ..Router::default() },
                    );
                    match option {
                        "rule" => r.rule = Some(value()),
                        "rulesyntax" => r.rule_syntax = Some(value()),
                        "entrypoints" => r.entrypoints = Some(value()),
                        "service" => r.service = Some(value()),
                        "middlewares" => r.middlewares = Some(value()),
                        "priority" => r.priority = Some(value()),
                        "tls" if value().value.trim().eq_ignore_ascii_case("true") => {
                            r.tls.get_or_insert(label.key_span);
                        }
                        o if o.starts_with("tls.") => {
                            r.tls.get_or_insert(label.key_span);
                            if o == "tls.certresolver" {
                                r.cert_resolver = Some(value());
                            }
                        }
                        _ => {}
                    }
                }
                "services" => {
                    let s = entry(
                        &mut out.services,
                        name,
                        label.key_span,
                        |s| &s.name,
                        |n, sp| LbService { name: n, name_span: sp, ..LbService::default() },
                    );
                    match option {
                        "loadbalancer.server.port" => s.port = Some(value()),
                        "loadbalancer.server.scheme" => s.scheme = Some(value()),
                        "loadbalancer.server.url" => s.url = Some(value()),
                        o => s.options.push((o.to_owned(), value().value)),
                    }
                }
                "middlewares" => {
                    let m = entry(
                        &mut out.middlewares,
                        name,
                        label.key_span,
                        |m| &m.name,
                        |n, sp| Middleware { name: n, name_span: sp, options: Vec::new() },
                    );
                    m.options.push((option.to_owned(), value().value));
                }
                _ => {}
            }
        }
        for s in &mut out.services {
            s.options.sort();
        }
        for m in &mut out.middlewares {
            m.options.sort();
        }
        out
    }

    /// The router names in effect with the defaults Traefik fills in: the declared routers, or the
    /// default one (`normalize(service_project)`) when none is declared and no TCP/UDP label disables it.
    pub fn effective_routers(&self, service: &str, project: &str) -> Vec<String> {
        if !self.routers.is_empty() {
            return self.routers.iter().map(|r| r.name.clone()).collect();
        }
        if self.tcp_or_udp.is_some() {
            return Vec::new();
        }
        vec![default_name(service, project)]
    }

    /// The service a router forwards to: its `.service` label, else the container's single service
    /// (declared or default); `None` when the container declares several services and the router names
    /// none (Traefik drops that router).
    pub fn router_service(&self, router: &Router, service: &str, project: &str) -> Option<String> {
        if let Some(s) = &router.service {
            return Some(s.value.trim().to_owned());
        }
        match self.services.as_slice() {
            [] => Some(default_name(service, project)),
            [one] => Some(one.name.clone()),
            _ => None,
        }
    }
}

/// Traefik's default router/service name of a compose container: `normalize(<service>_<project>)`.
pub fn default_name(service: &str, project: &str) -> String {
    normalize(&format!("{service}_{project}"))
}

/// Traefik's `normalize`: every run of characters that are not ASCII letters or digits becomes one `-`,
/// leading and trailing ones dropped, case kept.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    out
}

fn entry<'a, T>(
    list: &'a mut Vec<T>,
    name: &str,
    span: Span,
    name_of: impl Fn(&T) -> &String,
    make: impl FnOnce(String, Span) -> T,
) -> &'a mut T {
    let i = match list.iter().position(|x| name_of(x) == name) {
        Some(i) => i,
        None => {
            list.push(make(name.to_owned(), span));
            list.len() - 1
        }
    };
    &mut list[i]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn label(key: &str, value: &str) -> Label {
        let span = Span::new(FileId(0), 0, 0);
        Label {
            key: key.to_owned(),
            key_span: span,
            value: Some(Text { value: value.to_owned(), span, known: true, interp: None }),
        }
    }

    #[test]
    fn normalizes_like_traefik() {
        assert_eq!(normalize("api_app-prod"), "api-app-prod");
        assert_eq!(normalize("__Web..1__"), "Web-1");
        assert_eq!(default_name("web", "my_app"), "web-my-app");
    }

    #[test]
    fn reads_routers_services_and_defaults() {
        let labels = vec![
            label("traefik.enable", "true"),
            label("Traefik.HTTP.Routers.App.Rule", "Host(`a.com`)"),
            label("traefik.http.routers.App.tls.certresolver", "le"),
            label("traefik.http.services.app-svc.loadbalancer.server.port", "8000"),
            label("traefik.http.services.app-svc.loadbalancer.passhostheader", "false"),
            label("traefik.http.middlewares.auth.basicauth.users", "u:h"),
            label("traefik.docker.network", "proxy"),
        ];
        let t = TraefikLabels::from_labels(&labels);
        assert_eq!(t.enable.map(|e| e.0), Some(true));
        assert_eq!(t.routers.len(), 1);
        let r = &t.routers[0];
        assert_eq!(r.name, "App");
        assert_eq!(r.rule.as_ref().unwrap().value, "Host(`a.com`)");
        assert!(r.tls.is_some());
        assert_eq!(r.cert_resolver.as_ref().unwrap().value, "le");
        assert_eq!(t.services[0].port.as_ref().unwrap().value, "8000");
        assert_eq!(t.services[0].options, [("loadbalancer.passhostheader".to_owned(), "false".to_owned())]);
        assert_eq!(t.middlewares[0].name, "auth");
        assert_eq!(t.network.as_ref().unwrap().value, "proxy");
        assert_eq!(t.router_service(r, "web", "shop").as_deref(), Some("app-svc"));
        assert_eq!(t.effective_routers("web", "shop"), ["App"]);
    }

    #[test]
    fn default_router_unless_tcp() {
        let t = TraefikLabels::from_labels(&[label("traefik.enable", "true")]);
        assert_eq!(t.effective_routers("web", "shop"), ["web-shop"]);
        let t = TraefikLabels::from_labels(&[label("traefik.tcp.routers.db.rule", "HostSNI(`*`)")]);
        assert!(t.effective_routers("db", "shop").is_empty());
        let two = TraefikLabels::from_labels(&[
            label("traefik.http.routers.r.rule", "Host(`a`)"),
            label("traefik.http.services.a.loadbalancer.server.port", "1"),
            label("traefik.http.services.b.loadbalancer.server.port", "2"),
        ]);
        assert_eq!(two.router_service(&two.routers[0], "web", "shop"), None);
    }
}
