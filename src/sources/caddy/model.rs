//! What a parsed Caddyfile serves: sites (addresses with the port they listen on), the upstreams of
//! `reverse_proxy` / `forward_auth` / `php_fastcgi` with the matcher and `handle`/`route` blocks they
//! sit under, `tls`, `redir`, `file_server`, `root` and `header` — each with its span.
//!
//! Addresses and upstreams are read as Caddy 2.6+ reads them (`httpcaddyfile.ParseAddress` and the
//! reverse proxy's upstream address rules); see semantics.md §4.

use super::{BlockKind, Caddyfile, Directive, ErrorKind, ParseError, Token};
use crate::source::{Span, Spanned};

/// The model of one Caddyfile.
#[derive(Clone, Debug, Default)]
pub struct CaddyModel {
    pub global: GlobalOptions,
    pub sites: Vec<Site>,
    /// Errors Caddy's HTTP adapter reports for what the model reads (invalid addresses, an address-less
    /// site read as global options, upstream URLs with a path).
    pub errors: Vec<ParseError>,
}

#[derive(Clone, Debug, Default)]
pub struct GlobalOptions {
    pub http_port: Option<Spanned<u16>>,
    pub https_port: Option<Spanned<u16>>,
    /// `auto_https off|disable_redirects|ignore_loaded_certs|disable_certs`.
    pub auto_https: Option<Spanned<String>>,
    pub email: Option<Spanned<String>>,
    /// Every global option, as written.
    pub options: Vec<Directive>,
}

impl GlobalOptions {
    pub fn http_port(&self) -> u16 {
        self.http_port.as_ref().map_or(80, |p| p.value)
    }

    pub fn https_port(&self) -> u16 {
        self.https_port.as_ref().map_or(443, |p| p.value)
    }
}

/// A site block.
#[derive(Clone, Debug)]
pub struct Site {
    pub addresses: Vec<Address>,
    /// The whole block.
    pub span: Span,
    /// Index in [`Caddyfile::blocks`].
    pub block: usize,
    /// Named matchers (`@name …`) defined in the block.
    pub matchers: Vec<MatcherDef>,
    pub upstreams: Vec<Upstream>,
    pub tls: Vec<Tls>,
    pub redirs: Vec<Redir>,
    pub file_servers: Vec<FileServer>,
    pub roots: Vec<Root>,
    pub headers: Vec<Header>,
}

impl Site {
    /// true when one of the addresses listening on `port` has no host: Caddy then drops the Host
    /// matcher of the whole block on that port (every host is served).
    pub fn catch_all_on(&self, port: u16) -> bool {
        self.addresses.iter().any(|a| a.listen_port == port && a.host.is_empty())
    }
}

/// A site address, `[scheme://][host][:port][/path]`.
#[derive(Clone, Debug)]
pub struct Address {
    /// The address as Caddy sees it (after `{$VAR}`), with where it is written.
    pub text: Spanned<String>,
    /// Lower-cased scheme (`http`, `https`), if written.
    pub scheme: Option<String>,
    /// Lower-cased host (may be empty, a wildcard `*.example.com`, an IP, or a placeholder).
    pub host: String,
    /// The port as written.
    pub port: Option<u16>,
    pub path: Option<String>,
    /// The port Caddy listens on for it: the explicit port, else the HTTP port for `http://`, else the
    /// HTTPS port.
    pub listen_port: u16,
    /// true when a `{$VAR}` contributed to it.
    pub from_env: bool,
}

impl Address {
    /// true when automatic HTTPS would manage a certificate for it (host present, not `http://`,
    /// not on the HTTP port).
    pub fn wants_https(&self, global: &GlobalOptions) -> bool {
        !self.host.is_empty()
            && self.scheme.as_deref() != Some("http")
            && self.listen_port != global.http_port()
            && global.auto_https.as_ref().is_none_or(|a| a.value != "off" && a.value != "disable_certs")
    }

    pub fn is_wildcard(&self) -> bool {
        self.host.starts_with("*.")
    }
}

/// A request matcher as a directive's first argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matcher {
    /// `*`
    Any,
    /// `/path` or `/prefix/*`.
    Path(Spanned<String>),
    /// `@name`.
    Named(Spanned<String>),
}

/// `@name { … }` or `@name matcher args`.
#[derive(Clone, Debug)]
pub struct MatcherDef {
    pub name: Spanned<String>,
    pub directive: Directive,
}

/// One enclosing `handle`, `handle_path`, `route` or `handle_errors` block.
#[derive(Clone, Debug)]
pub struct Frame {
    pub directive: Spanned<String>,
    pub matcher: Option<Matcher>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpstreamKind {
    ReverseProxy,
    ForwardAuth,
    PhpFastcgi,
}

/// An upstream of a proxying directive.
#[derive(Clone, Debug)]
pub struct Upstream {
    pub kind: UpstreamKind,
    /// The upstream as written (after `{$VAR}`), with its span.
    pub text: Spanned<String>,
    /// `http`, `https`, `h2c` when written as a URL.
    pub scheme: Option<String>,
    /// `unix`, `tcp`, `udp`… when written as `network/address`.
    pub network: Option<String>,
    pub host: String,
    /// The port (or port range `8001-8006`); `None` for a unix socket or a placeholder host without port.
    pub port: Option<String>,
    /// `srv+name` (Caddy 2.6): the upstreams come from a DNS SRV lookup of `host`.
    pub srv: bool,
    /// Runtime placeholders in it (`env.UPSTREAM`, `http.request.host`…), without braces.
    pub placeholders: Vec<String>,
    /// true when a `{$VAR}` contributed to it.
    pub from_env: bool,
    /// true when the directive's `transport http { tls }` (or an `https://` scheme) makes it HTTPS.
    pub tls: bool,
    /// The directive's matcher (`reverse_proxy /api/* app:8000`).
    pub matcher: Option<Matcher>,
    /// Enclosing `handle`/`route`… blocks, outermost first.
    pub context: Vec<Frame>,
    /// The whole directive.
    pub directive_span: Span,
    /// Why Caddy rejects this upstream, if it does.
    pub error: Option<String>,
}

impl Upstream {
    /// The span of the directive's matcher token, if it has one.
    pub fn matcher_span(&self) -> Span {
        match &self.matcher {
            Some(Matcher::Path(p) | Matcher::Named(p)) => p.span,
            _ => self.directive_span,
        }
    }

    /// The dial address as Caddy's JSON has it (`host:port`, `[::1]:80`, `unix//path`, `{env.X}`;
    /// for `srv+` the name looked up).
    pub fn dial(&self) -> String {
        let host = &self.host;
        if self.srv {
            return host.clone();
        }
        let hostport = match &self.port {
            Some(p) if host.contains(':') => format!("[{host}]:{p}"),
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        match &self.network {
            Some(n) if is_unix(n) => format!("{n}/{host}"),
            Some(n) => format!("{n}/{hostport}"),
            None => hostport,
        }
    }
}

/// A `tls` directive.
#[derive(Clone, Debug)]
pub struct Tls {
    pub span: Span,
    pub args: Vec<Spanned<String>>,
    /// `tls internal`.
    pub internal: bool,
    /// `tls cert.pem key.pem`.
    pub cert_key: Option<(Spanned<String>, Spanned<String>)>,
    /// `tls you@example.com`.
    pub email: Option<Spanned<String>>,
    /// `dns PROVIDER …` in the block.
    pub dns_provider: Option<Spanned<String>>,
    pub on_demand: bool,
    /// Names of the subdirectives.
    pub options: Vec<Spanned<String>>,
}

/// `redir [matcher] <to> [code]`.
#[derive(Clone, Debug)]
pub struct Redir {
    pub span: Span,
    pub matcher: Option<Matcher>,
    pub to: Option<Spanned<String>>,
    pub code: Option<Spanned<String>>,
    pub context: Vec<Frame>,
}

/// `file_server [matcher] [browse] { root … }`.
#[derive(Clone, Debug)]
pub struct FileServer {
    pub span: Span,
    pub matcher: Option<Matcher>,
    pub root: Option<Spanned<String>>,
    pub browse: bool,
    pub context: Vec<Frame>,
}

/// `root [matcher] <path>`.
#[derive(Clone, Debug)]
pub struct Root {
    pub span: Span,
    pub matcher: Option<Matcher>,
    pub path: Option<Spanned<String>>,
    pub context: Vec<Frame>,
}

/// One header operation of a `header` directive (a line of its block, or its inline form).
#[derive(Clone, Debug)]
pub struct Header {
    pub span: Span,
    pub matcher: Option<Matcher>,
    /// The field with its operator prefix stripped.
    pub field: Spanned<String>,
    /// `+` add, `-` delete, `?` default, `>` deferred, or none (set).
    pub op: Option<char>,
    pub value: Option<Spanned<String>>,
    pub replacement: Option<Spanned<String>>,
    pub context: Vec<Frame>,
}

fn spanned(t: &Token) -> Spanned<String> {
    Spanned::new(t.text.clone(), t.span)
}

fn is_unix(network: &str) -> bool {
    matches!(network, "unix" | "unixgram" | "unixpacket")
}

/// Directives that only make sense in a site: seeing one in the global options block means the
/// block was meant as a site whose address came out empty.
const SITE_ONLY: &[&str] = &[
    "reverse_proxy",
    "file_server",
    "respond",
    "redir",
    "root",
    "handle",
    "handle_path",
    "route",
    "encode",
    "php_fastcgi",
    "header",
    "rewrite",
    "uri",
    "try_files",
    "basicauth",
    "basic_auth",
    "forward_auth",
    "tls",
    "templates",
    "request_body",
    "handle_errors",
    "bind",
    "abort",
    "error",
    "vars",
    "map",
    "push",
    "method",
    "tracing",
    "metrics",
];

/// Builds the model. `cf.errors` are not repeated here.
pub fn build_model(cf: &Caddyfile) -> CaddyModel {
    let mut m = CaddyModel::default();
    if let Some(g) = cf.global() {
        m.global.options = g.directives.clone();
        for d in &g.directives {
            match d.name() {
                "http_port" | "https_port" => {
                    if let Some(a) = d.arg(0)
                        && let Ok(p) = a.text.parse::<u16>()
                    {
                        let v = Spanned::new(p, a.span);
                        if d.name() == "http_port" {
                            m.global.http_port = Some(v);
                        } else {
                            m.global.https_port = Some(v);
                        }
                    }
                }
                "auto_https" => m.global.auto_https = d.arg(0).map(spanned),
                "email" => m.global.email = d.arg(0).map(spanned),
                name if SITE_ONLY.contains(&name) || name.starts_with('@') => {
                    m.errors.push(ParseError {
                        span: d.name.span,
                        message: format!(
                            "unrecognized global option: {name} (this block has no address, so Caddy reads it as \
                             the global options block; is its `{{$VAR}}` address empty?)"
                        ),
                        related: None,
                        kind: ErrorKind::Structure,
                    });
                }
                _ => {}
            }
        }
    }
    for (i, b) in cf.blocks.iter().enumerate() {
        if b.kind != BlockKind::Site {
            continue;
        }
        let mut site = Site {
            addresses: Vec::new(),
            span: b.span,
            block: i,
            matchers: Vec::new(),
            upstreams: Vec::new(),
            tls: Vec::new(),
            redirs: Vec::new(),
            file_servers: Vec::new(),
            roots: Vec::new(),
            headers: Vec::new(),
        };
        for k in &b.keys {
            match parse_address(k, &m.global) {
                Ok(a) => site.addresses.push(a),
                Err(msg) => {
                    m.errors.push(ParseError { span: k.span, message: msg, related: None, kind: ErrorKind::Structure })
                }
            }
        }
        let mut ctx = Vec::new();
        walk(&b.directives, &mut ctx, &mut site, &mut m.errors, b.has_braces);
        m.sites.push(site);
    }
    m
}

/// A directive name no Caddy module can have: an address or a snippet definition on a line of its own.
fn looks_like_address(name: &str) -> bool {
    !name.starts_with('@') && (name.contains(['.', ':', '/']) || (name.starts_with('(') && name.ends_with(')')))
}

fn walk(dirs: &[Directive], ctx: &mut Vec<Frame>, site: &mut Site, errors: &mut Vec<ParseError>, braces: bool) {
    for d in dirs {
        let name = d.name();
        if looks_like_address(name) && !d.name.quote.is_quoted() {
            let hint = if braces {
                "is a `}` missing before it?"
            } else {
                "to define a second site, put `{ }` around each site's directives"
            };
            errors.push(ParseError {
                span: d.name.span,
                message: format!("unrecognized directive: {name} ({hint})"),
                related: None,
                kind: ErrorKind::Structure,
            });
            continue;
        }
        if let Some(n) = name.strip_prefix('@') {
            site.matchers.push(MatcherDef { name: Spanned::new(n.to_string(), d.name.span), directive: d.clone() });
            continue;
        }
        match name {
            "handle" | "handle_path" | "route" | "handle_errors" => {
                let (matcher, _) = matcher_of(d);
                ctx.push(Frame { directive: spanned(&d.name), matcher });
                walk(d.children(), ctx, site, errors, true);
                ctx.pop();
            }
            "reverse_proxy" | "forward_auth" | "php_fastcgi" => proxy(d, ctx, site, errors),
            "tls" => site.tls.push(tls(d)),
            "redir" => {
                let (matcher, rest) = matcher_of(d);
                site.redirs.push(Redir {
                    span: d.span,
                    matcher,
                    to: rest.first().map(spanned),
                    code: rest.get(1).map(spanned),
                    context: ctx.clone(),
                });
            }
            "file_server" => {
                let (matcher, rest) = matcher_of(d);
                site.file_servers.push(FileServer {
                    span: d.span,
                    matcher,
                    root: d.children_named("root").find_map(|c| c.arg(0)).map(spanned),
                    browse: rest.iter().any(|t| t.text == "browse") || d.children_named("browse").next().is_some(),
                    context: ctx.clone(),
                });
            }
            "root" => {
                let (matcher, rest) = matcher_of(d);
                site.roots.push(Root { span: d.span, matcher, path: rest.first().map(spanned), context: ctx.clone() });
            }
            "header" => headers(d, ctx, site),
            _ => {}
        }
    }
}

/// The matcher token of a handler directive (its first argument when that is `*`, `/…` or `@…`) and
/// the remaining arguments.
fn matcher_of(d: &Directive) -> (Option<Matcher>, &[Token]) {
    match d.args.first() {
        Some(t) if t.text == "*" => (Some(Matcher::Any), &d.args[1..]),
        Some(t) if t.text.starts_with('/') => (Some(Matcher::Path(spanned(t))), &d.args[1..]),
        Some(t) if t.text.starts_with('@') => {
            (Some(Matcher::Named(Spanned::new(t.text[1..].to_string(), t.span))), &d.args[1..])
        }
        _ => (None, &d.args[..]),
    }
}

fn proxy(d: &Directive, ctx: &[Frame], site: &mut Site, errors: &mut Vec<ParseError>) {
    let kind = match d.name() {
        "forward_auth" => UpstreamKind::ForwardAuth,
        "php_fastcgi" => UpstreamKind::PhpFastcgi,
        _ => UpstreamKind::ReverseProxy,
    };
    let (matcher, rest) = matcher_of(d);
    let mut toks: Vec<&Token> = rest.iter().collect();
    for c in d.children_named("to") {
        toks.extend(c.args.iter());
    }
    let tls_transport = d
        .children_named("transport")
        .any(|t| t.children().iter().any(|c| c.name() == "tls" || c.name().starts_with("tls_")));
    // Caddy: every upstream of one directive uses the scheme of the first (no scheme counts as one).
    let mut common: Option<(String, Span)> = None;
    for t in toks {
        let mut u = parse_upstream(t);
        u.kind = kind;
        u.matcher = matcher.clone();
        u.context = ctx.to_vec();
        u.directive_span = d.span;
        u.tls = u.scheme.as_deref() == Some("https") || tls_transport;
        let scheme = u.scheme.clone().unwrap_or_default();
        if let Some(e) = &u.error {
            errors.push(ParseError {
                span: t.span,
                message: format!("{}: {e}", d.name()),
                related: None,
                kind: ErrorKind::Structure,
            });
        } else if let Some((first, span)) = common.as_ref().filter(|(c, _)| !c.is_empty() && *c != scheme) {
            errors.push(ParseError {
                span: t.span,
                message: format!(
                    "{}: all upstreams must use the same scheme: `{first}://` first, `{scheme}://` here",
                    d.name()
                ),
                related: Some((*span, "the first scheme".into())),
                kind: ErrorKind::Structure,
            });
        }
        if u.error.is_none() {
            common = Some((scheme, t.span));
        }
        site.upstreams.push(u);
    }
}

/// Reads an upstream address as Caddy's reverse proxy does.
pub fn parse_upstream(t: &Token) -> Upstream {
    let (text, srv) = match t.text.strip_prefix("srv+") {
        Some(rest) => (rest, true),
        None => (t.text.as_str(), false),
    };
    let mut u = Upstream {
        kind: UpstreamKind::ReverseProxy,
        text: spanned(t),
        scheme: None,
        network: None,
        host: String::new(),
        port: None,
        srv,
        placeholders: placeholders(text),
        from_env: t.from_env,
        tls: false,
        matcher: None,
        context: Vec::new(),
        directive_span: t.span,
        error: None,
    };
    if let Some((scheme, rest)) = text.split_once("://") {
        if text.contains('{') {
            u.error = Some("placeholders are not allowed when an upstream address contains a scheme".into());
            u.host = rest.to_string();
            u.scheme = Some(scheme.to_ascii_lowercase());
            return u;
        }
        let scheme = scheme.to_ascii_lowercase();
        if rest.contains(['/', '?', '#']) {
            u.error =
                Some("upstream URLs may only have a scheme, a host and a port (no path, query or fragment)".into());
        }
        let hostport = rest.split(['/', '?', '#']).next().unwrap_or("");
        let hostport = hostport.rsplit_once('@').map_or(hostport, |(_, h)| h);
        let (host, port) =
            split_host_port(hostport).unwrap_or((hostport.trim_matches(['[', ']']).to_string(), String::new()));
        if scheme == "http" && port == "443" {
            u.error = Some("upstream address has conflicting scheme (http://) and port (:443, the HTTPS port)".into());
        } else if scheme == "https" && port == "80" {
            u.error = Some("upstream address has conflicting scheme (https://) and port (:80, the HTTP port)".into());
        } else if scheme == "h2c" && port == "443" {
            u.error = Some("upstream address has conflicting scheme (h2c://) and port (:443, the HTTPS port)".into());
        }
        let port = if port.is_empty() {
            match scheme.as_str() {
                "https" => "443".to_string(),
                _ => "80".to_string(),
            }
        } else {
            port
        };
        u.host = host;
        u.port = Some(port);
        u.scheme = Some(scheme);
        return u;
    }
    let mut addr = text;
    if let Some((net, rest)) = text.split_once('/') {
        u.network = Some(net.trim().to_ascii_lowercase());
        addr = rest;
    }
    let (host, port) = split_host_port(addr).unwrap_or((addr.to_string(), String::new()));
    if u.network.as_deref() == Some("unix+h2c") {
        u.network = Some("unix".into());
        u.scheme = Some("h2c".into());
    }
    u.host = host;
    if u.network.as_deref().is_some_and(is_unix) {
        u.host = addr.to_string();
        u.port = None;
    } else if !port.is_empty() {
        u.port = Some(port);
    } else if !u.host.contains('{') {
        u.port = Some("80".into());
    }
    u
}

/// Go's `net.SplitHostPort`: `host:port` or `[v6]:port`; an error (None) without a port or with
/// too many colons.
fn split_host_port(s: &str) -> Option<(String, String)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':')?;
        if port.contains(':') {
            return None;
        }
        return Some((host.to_string(), port.to_string()));
    }
    let (host, port) = s.rsplit_once(':')?;
    if host.contains(':') || host.contains(['[', ']']) || port.contains(['[', ']']) {
        return None;
    }
    Some((host.to_string(), port.to_string()))
}

/// The runtime placeholders (`{…}`) in a text, without braces; `{$…}` are already substituted.
fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        let key = &rest[open + 1..open + close];
        if !key.is_empty() && !key.contains(['{', ' ']) {
            out.push(key.to_string());
        }
        rest = &rest[open + close + 1..];
    }
    out
}

/// Reads a site address as Caddy's `ParseAddress`, with the listening port.
pub fn parse_address(t: &Token, global: &GlobalOptions) -> Result<Address, String> {
    let original = t.text.trim();
    let (scheme, rest) = match original.split_once("://") {
        Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
        None => (None, original),
    };
    let (hostport, path) = match rest.split_once('/') {
        Some((h, p)) => (h, Some(format!("/{p}"))),
        None => (rest, None),
    };
    let (host, port) = split_host_port(hostport)
        .or_else(|| split_host_port(&format!("{hostport}:")))
        .unwrap_or((hostport.to_string(), String::new()));
    let port = if port.is_empty() {
        None
    } else {
        match port.parse::<i64>() {
            Ok(p) if (0..=65535).contains(&p) => Some(p as u16),
            Ok(p) => return Err(format!("address `{original}`: port {p} is out of range")),
            Err(_) => return Err(format!("address `{original}`: invalid port '{port}'")),
        }
    };
    let listen_port = match (port, scheme.as_deref()) {
        (Some(p), _) => p,
        (None, Some("http")) => global.http_port(),
        _ => global.https_port(),
    };
    if (scheme.as_deref() == Some("http") && listen_port == global.https_port())
        || (scheme.as_deref() == Some("https") && listen_port == global.http_port())
    {
        return Err(format!("address `{original}`: scheme and port violate convention"));
    }
    Ok(Address { text: spanned(t), scheme, host: host.to_lowercase(), port, path, listen_port, from_env: t.from_env })
}

fn tls(d: &Directive) -> Tls {
    let args: Vec<Spanned<String>> = d.args.iter().map(spanned).collect();
    let internal = args.first().is_some_and(|a| a.value == "internal");
    let email = match args.as_slice() {
        [one] if one.value.contains('@') => Some(one.clone()),
        _ => None,
    };
    let cert_key = match args.as_slice() {
        [c, k] => Some((c.clone(), k.clone())),
        _ => None,
    };
    Tls {
        span: d.span,
        internal,
        cert_key,
        email,
        dns_provider: d.children_named("dns").find_map(|c| c.arg(0)).map(spanned),
        on_demand: d.children_named("on_demand").next().is_some(),
        options: d.children().iter().map(|c| spanned(&c.name)).collect(),
        args,
    }
}

fn headers(d: &Directive, ctx: &[Frame], site: &mut Site) {
    let (matcher, rest) = matcher_of(d);
    let mut push = |toks: &[Token], span: Span| {
        let Some(first) = toks.first() else { return };
        let (op, field) = match first.text.chars().next() {
            Some(c @ ('+' | '-' | '?' | '>')) => (Some(c), first.text[1..].to_string()),
            _ => (None, first.text.clone()),
        };
        site.headers.push(Header {
            span,
            matcher: matcher.clone(),
            field: Spanned::new(field, first.span),
            op,
            value: toks.get(1).map(spanned),
            replacement: toks.get(2).map(spanned),
            context: ctx.to_vec(),
        });
    };
    if !rest.is_empty() {
        push(rest, d.span);
    }
    for c in d.children() {
        let mut line = vec![c.name.clone()];
        line.extend(c.args.iter().cloned());
        push(&line, c.span);
    }
}
