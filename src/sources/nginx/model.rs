//! What the rules need from an nginx configuration, with spans: the `http` servers (listen sockets,
//! names, certificates), their locations (nested), the `*_pass` targets, the `upstream` blocks and the
//! `add_header` / `proxy_set_header` lists written at each level. Includes are followed in place.
//!
//! Nothing is inherited or defaulted here: a level's header lists are the ones written at that level
//! (empty means "inherits the parent's", nginx's all-or-nothing rule), and a server without `listen`
//! has no [`Listen`] (nginx then listens on `*:80` as root, `*:8000` otherwise).

use crate::source::{Span, Spanned};

use super::include::Config;
use super::parse::{Arg, Directive};
use super::table::Context;

/// The directives a model walk visits at most (include fan-out is bounded by this too).
const MAX_VISITS: usize = 1_000_000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Model {
    pub servers: Vec<Server>,
    pub upstreams: Vec<Upstream>,
    /// `add_header` / `proxy_set_header` written in `http` itself.
    pub http: Headers,
}

/// The header directives written at one level (http, server or location).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    pub add_header: Vec<Header>,
    pub proxy_set_header: Vec<Header>,
    /// `add_header_inherit` written at this level (nginx ≥ 1.29.3: `merge` keeps the enclosing levels'
    /// `add_header`s next to this level's).
    pub add_header_inherit: Option<Spanned<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub name: Spanned<String>,
    pub value: Spanned<String>,
    /// `add_header ... always`.
    pub always: bool,
    /// The whole directive.
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Server {
    /// The `server` directive, block included (for a server-context snippet: the whole file).
    pub span: Span,
    /// true for a file of server-context snippets given as the root (no `server` line of its own).
    pub implicit: bool,
    pub listens: Vec<Listen>,
    pub names: Vec<ServerName>,
    pub ssl_certificates: Vec<Spanned<String>>,
    pub ssl_certificate_keys: Vec<Spanned<String>>,
    pub locations: Vec<Location>,
    /// `*_pass` written in the server's own `if` blocks.
    pub passes: Vec<Pass>,
    pub headers: Headers,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listen {
    /// The directive.
    pub span: Span,
    /// The address argument as written (`80`, `127.0.0.1:8080`, `[::]:443`, `unix:/run/x.sock`).
    pub address: Spanned<String>,
    /// `None` for all addresses (`80`, `*:80`); IPv6 addresses without brackets.
    pub host: Option<String>,
    /// The port (80 when only an address is given); `None` for unix sockets and unparsable values
    /// (an unrendered `${PORT}`).
    pub port: Option<u16>,
    pub ipv6: bool,
    pub unix: Option<String>,
    /// `default_server` (or the old `default`).
    pub default_server: bool,
    pub ssl: bool,
    pub http2: bool,
    pub proxy_protocol: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Exact,
    /// `*.example.org`
    LeadingWildcard,
    /// `mail.*`
    TrailingWildcard,
    /// `.example.org`: `example.org` and `*.example.org`.
    Suffix,
    /// `~^www\.(?<d>.+)$`
    Regex,
    /// `""`: requests without a Host header.
    Empty,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerName {
    pub name: Spanned<String>,
    pub kind: NameKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Modifier {
    /// No modifier: longest prefix.
    Prefix,
    /// `=`
    Exact,
    /// `^~`: prefix that stops the regex search.
    PrefixNoRegex,
    /// `~`
    Regex,
    /// `~*`
    RegexCaseless,
    /// `@name`
    Named,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub span: Span,
    pub modifier: Modifier,
    /// The path or regex (for `@name`, the whole `@name`).
    pub path: Spanned<String>,
    pub passes: Vec<Pass>,
    pub headers: Headers,
    pub locations: Vec<Location>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassKind {
    Proxy,
    FastCgi,
    Uwsgi,
    Scgi,
    Grpc,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pass {
    pub kind: PassKind,
    /// The directive.
    pub span: Span,
    /// The target as written.
    pub target: Spanned<String>,
    pub parsed: Target,
    /// Written inside an `if` block.
    pub in_if: bool,
}

/// A `*_pass` target, split: `http://api:8000/v1` ⇒ scheme `http`, host `api`, port 8000, uri `/v1`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub scheme: Option<String>,
    /// Host name, IP (IPv6 without brackets) or upstream name; may hold variables.
    pub host: Option<String>,
    pub port: Option<u16>,
    /// The port as written when it is not a number (a variable).
    pub port_text: Option<String>,
    /// `unix:/path` sockets.
    pub unix: Option<String>,
    /// The URI part (`/v1`, `/`), `None` when absent.
    pub uri: Option<String>,
    /// The value holds nginx variables: resolved at request time.
    pub has_variables: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    pub name: Spanned<String>,
    pub span: Span,
    pub servers: Vec<UpstreamServer>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamServer {
    pub span: Span,
    pub address: Spanned<String>,
    pub host: Option<String>,
    /// 80 when not written; `None` for unix sockets.
    pub port: Option<u16>,
    pub unix: Option<String>,
    pub backup: bool,
    pub down: bool,
}

fn spanned(a: &Arg) -> Spanned<String> {
    Spanned::new(a.value.to_string(), a.span)
}

/// Builds the model of a resolved configuration.
pub fn extract(config: &Config) -> Model {
    let mut ex = Extractor { config, model: Model::default(), visits: 0 };
    let ctx = config.files.first().map_or(Context::Main, |f| f.context);
    let root = config.root();
    match ctx {
        Context::Main | Context::Unknown => {
            for d in ex.flatten(root) {
                if d.is("http") {
                    let children = ex.flatten(d.children());
                    ex.http(&children);
                }
            }
        }
        Context::Http => {
            let top = ex.flatten(root);
            ex.http(&top);
        }
        Context::Server => {
            let top = ex.flatten(root);
            let end = config.files.first().map_or(0, |f| f.parsed.directives.last().map_or(0, |d| d.span.end));
            let file = config.files.first().map(|f| f.parsed.file).unwrap_or_default();
            let span = Span { file, start: 0, end };
            let server = ex.server(&top, span, true);
            ex.model.servers.push(server);
        }
        _ => {}
    }
    ex.model
}

struct Extractor<'a> {
    config: &'a Config,
    model: Model,
    visits: usize,
}

impl<'a> Extractor<'a> {
    /// The directives of a block with includes expanded in place.
    fn flatten(&mut self, dirs: &'a [Directive]) -> Vec<&'a Directive> {
        let mut out = Vec::new();
        // (directives, next index), iterative so that include chains cannot overflow the stack.
        let mut stack: Vec<(&'a [Directive], usize)> = vec![(dirs, 0)];
        while let Some((list, i)) = stack.pop() {
            let Some(d) = list.get(i) else { continue };
            stack.push((list, i + 1));
            self.visits += 1;
            if self.visits > MAX_VISITS {
                break;
            }
            if d.is("include") && d.block.is_none() {
                if stack.len() > 64 {
                    continue;
                }
                for &f in d.includes.iter().rev() {
                    if let Some(file) = self.config.files.get(f) {
                        stack.push((&file.parsed.directives, 0));
                    }
                }
            } else {
                out.push(d);
            }
        }
        out
    }

    fn http(&mut self, dirs: &[&'a Directive]) {
        for d in dirs {
            match d.name.value.as_str() {
                "server" if d.block.is_some() => {
                    let children = self.flatten(d.children());
                    let server = self.server(&children, d.span, false);
                    self.model.servers.push(server);
                }
                "upstream" if d.block.is_some() => {
                    let Some(name) = d.arg(0) else { continue };
                    let children = self.flatten(d.children());
                    let servers =
                        children.iter().filter(|c| c.is("server")).filter_map(|c| upstream_server(c)).collect();
                    self.model.upstreams.push(Upstream { name: spanned(name), span: d.span, servers });
                }
                _ => {}
            }
        }
        self.model.http = headers(dirs);
    }

    fn server(&mut self, dirs: &[&'a Directive], span: Span, implicit: bool) -> Server {
        let mut s = Server { span, implicit, headers: headers(dirs), ..Server::default() };
        for d in dirs {
            match d.name.value.as_str() {
                "listen" => {
                    if let Some(l) = listen(d) {
                        s.listens.push(l);
                    }
                }
                "server_name" => s.names.extend(d.args.iter().map(server_name)),
                "ssl_certificate" => s.ssl_certificates.extend(d.arg(0).map(spanned)),
                "ssl_certificate_key" => s.ssl_certificate_keys.extend(d.arg(0).map(spanned)),
                "location" if d.block.is_some() => {
                    if let Some(l) = self.location(d, 0) {
                        s.locations.push(l);
                    }
                }
                "if" => {
                    let children = self.flatten(d.children());
                    s.passes.extend(children.iter().filter_map(|c| pass(c, true)));
                }
                _ => {}
            }
        }
        s
    }

    fn location(&mut self, d: &'a Directive, depth: usize) -> Option<Location> {
        let (modifier, path) = location_args(&d.args)?;
        let children = self.flatten(d.children());
        let mut loc = Location {
            span: d.span,
            modifier,
            path,
            passes: Vec::new(),
            headers: headers(&children),
            locations: Vec::new(),
        };
        for c in &children {
            match c.name.value.as_str() {
                "location" if c.block.is_some() && depth < super::parse::MAX_DEPTH => {
                    if let Some(l) = self.location(c, depth + 1) {
                        loc.locations.push(l);
                    }
                }
                "if" | "limit_except" => {
                    let inner = self.flatten(c.children());
                    loc.passes.extend(inner.iter().filter_map(|i| pass(i, c.is("if"))));
                }
                _ => loc.passes.extend(pass(c, false)),
            }
        }
        Some(loc)
    }
}

fn headers(dirs: &[&Directive]) -> Headers {
    let mut h = Headers::default();
    for d in dirs {
        if d.is("add_header_inherit") {
            h.add_header_inherit = d.arg(0).map(spanned);
            continue;
        }
        let list = match d.name.value.as_str() {
            "add_header" => &mut h.add_header,
            "proxy_set_header" => &mut h.proxy_set_header,
            _ => continue,
        };
        let (Some(name), Some(value)) = (d.arg(0), d.arg(1)) else { continue };
        let always = d.arg(2).is_some_and(|a| a.value == "always");
        list.push(Header { name: spanned(name), value: spanned(value), always, span: d.span });
    }
    h
}

/// `location [modifier] path`, also with the modifier glued to the path (`location =/x`).
fn location_args(args: &[Arg]) -> Option<(Modifier, Spanned<String>)> {
    let modifier_of = |m: &str| match m {
        "=" => Some(Modifier::Exact),
        "^~" => Some(Modifier::PrefixNoRegex),
        "~" => Some(Modifier::Regex),
        "~*" => Some(Modifier::RegexCaseless),
        _ => None,
    };
    match args {
        [m, path] => Some((modifier_of(&m.value)?, spanned(path))),
        [one] => {
            let v = one.value.as_str();
            if v.starts_with('@') {
                return Some((Modifier::Named, spanned(one)));
            }
            for (prefix, m) in [
                ("~*", Modifier::RegexCaseless),
                ("^~", Modifier::PrefixNoRegex),
                ("=", Modifier::Exact),
                ("~", Modifier::Regex),
            ] {
                if let Some(rest) = v.strip_prefix(prefix) {
                    let offset = prefix.len() + usize::from(one.quote != super::parse::Quote::None);
                    return Some((m, Spanned::new(rest.to_owned(), one.span.sub(offset, one.span.len()))));
                }
            }
            Some((Modifier::Prefix, spanned(one)))
        }
        _ => None,
    }
}

fn server_name(a: &Arg) -> ServerName {
    let v = a.value.as_str();
    let kind = if v.is_empty() {
        NameKind::Empty
    } else if v.starts_with('~') {
        NameKind::Regex
    } else if v.starts_with("*.") {
        NameKind::LeadingWildcard
    } else if v.ends_with(".*") {
        NameKind::TrailingWildcard
    } else if v.starts_with('.') {
        NameKind::Suffix
    } else {
        NameKind::Exact
    };
    ServerName { name: spanned(a), kind }
}

/// Splits `host:port`, `[v6]:port`, `port`, `*:port`, `host`; `default_port` when absent.
fn host_port(s: &str, default_port: Option<u16>) -> (Option<String>, Option<u16>, Option<String>, bool) {
    if let Some(rest) = s.strip_prefix('[') {
        let (h, tail) = rest.split_once(']').unwrap_or((rest, ""));
        let port_text = tail.strip_prefix(':');
        let port = port_text.map_or(default_port, |p| p.parse().ok());
        let text = port_text.filter(|p| p.parse::<u16>().is_err()).map(str::to_owned);
        return (Some(h.to_owned()), port, text, true);
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => {
            let host = (h != "*" && !h.is_empty()).then(|| h.to_owned());
            let port = p.parse().ok();
            let text = port.is_none().then(|| p.to_owned());
            (host, port, text, false)
        }
        Some(_) => (Some(s.to_owned()), default_port, None, true),
        None => (Some(s.to_owned()).filter(|h| h != "*"), default_port, None, false),
    }
}

fn listen(d: &Directive) -> Option<Listen> {
    let addr = d.arg(0)?;
    let v = addr.value.as_str();
    let mut l = Listen {
        span: d.span,
        address: spanned(addr),
        host: None,
        port: None,
        ipv6: false,
        unix: None,
        default_server: false,
        ssl: false,
        http2: false,
        proxy_protocol: false,
    };
    if v.contains('$') {
        // An unrendered template (`${NGINX_PORT}`): neither address nor port is known.
    } else if let Some(path) = v.strip_prefix("unix:") {
        l.unix = Some(path.to_owned());
    } else if !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()) {
        l.port = v.parse().ok();
    } else {
        let (host, port, _, ipv6) = host_port(v, Some(80));
        l.host = host;
        l.port = port;
        l.ipv6 = ipv6;
    }
    for a in d.args.iter().skip(1) {
        match a.value.as_str() {
            "default_server" | "default" => l.default_server = true,
            "ssl" => l.ssl = true,
            "http2" => l.http2 = true,
            "proxy_protocol" => l.proxy_protocol = true,
            _ => {}
        }
    }
    Some(l)
}

fn upstream_server(d: &Directive) -> Option<UpstreamServer> {
    let addr = d.arg(0)?;
    let mut s = UpstreamServer {
        span: d.span,
        address: spanned(addr),
        host: None,
        port: None,
        unix: None,
        backup: d.args.iter().any(|a| a.value == "backup"),
        down: d.args.iter().any(|a| a.value == "down"),
    };
    if let Some(path) = addr.value.strip_prefix("unix:") {
        s.unix = Some(path.to_owned());
    } else {
        let (host, port, _, _) = host_port(&addr.value, Some(80));
        s.host = host;
        s.port = port;
    }
    Some(s)
}

fn pass(d: &Directive, in_if: bool) -> Option<Pass> {
    let kind = match d.name.value.as_str() {
        "proxy_pass" => PassKind::Proxy,
        "fastcgi_pass" => PassKind::FastCgi,
        "uwsgi_pass" => PassKind::Uwsgi,
        "scgi_pass" => PassKind::Scgi,
        "grpc_pass" => PassKind::Grpc,
        _ => return None,
    };
    let arg = d.arg(0)?;
    Some(Pass { kind, span: d.span, target: spanned(arg), parsed: parse_target(&arg.value), in_if })
}

/// Splits a `*_pass` target: `[scheme://]host[:port][/uri]`, `[scheme://]unix:/path[:/uri]`.
pub fn parse_target(v: &str) -> Target {
    let mut t = Target { has_variables: super::parse::has_variable(v), ..Target::default() };
    let rest = match v.split_once("://") {
        Some((scheme, rest)) if !scheme.is_empty() && scheme.bytes().all(|c| c.is_ascii_alphanumeric()) => {
            t.scheme = Some(scheme.to_ascii_lowercase());
            rest
        }
        _ => v,
    };
    if let Some(path) = rest.strip_prefix("unix:") {
        // `unix:/run/app.sock:/uri`
        match path.split_once(":/") {
            Some((p, uri)) => {
                t.unix = Some(p.to_owned());
                t.uri = Some(format!("/{uri}"));
            }
            None => t.unix = Some(path.trim_end_matches(':').to_owned()),
        }
        return t;
    }
    let (authority, uri) = match rest.find('/') {
        Some(i) if !rest[..i].starts_with('[') || rest[..i].contains(']') => (&rest[..i], Some(&rest[i..])),
        _ => (rest, None),
    };
    t.uri = uri.map(str::to_owned);
    let default_port = match t.scheme.as_deref() {
        Some("http") => Some(80),
        Some("https") => Some(443),
        _ => None,
    };
    let (host, port, port_text, _) = host_port(authority, None);
    t.host = host.filter(|h| !h.is_empty());
    t.port = port;
    t.port_text = port_text;
    if t.port.is_none() && t.port_text.is_none() && !t.has_variables {
        // An upstream name takes no port; a plain host gets the scheme's default.
        t.port = default_port;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = parse_target("http://api:8000/v1/");
        assert_eq!(
            (t.scheme.as_deref(), t.host.as_deref(), t.port, t.uri.as_deref()),
            (Some("http"), Some("api"), Some(8000), Some("/v1/"))
        );
        let t = parse_target("http://backend");
        assert_eq!((t.host.as_deref(), t.port, t.uri), (Some("backend"), Some(80), None));
        let t = parse_target("php:9000");
        assert_eq!((t.scheme, t.host.as_deref(), t.port), (None, Some("php"), Some(9000)));
        let t = parse_target("http://unix:/run/app.sock:/api/");
        assert_eq!((t.unix.as_deref(), t.uri.as_deref()), (Some("/run/app.sock"), Some("/api/")));
        let t = parse_target("http://$FLASK_SERVER_ADDR");
        assert!(t.has_variables);
        assert_eq!(t.host.as_deref(), Some("$FLASK_SERVER_ADDR"));
        let t = parse_target("http://[::1]:8080/");
        assert_eq!((t.host.as_deref(), t.port, t.uri.as_deref()), (Some("::1"), Some(8080), Some("/")));
        let t = parse_target("grpc://app:$port");
        assert_eq!((t.host.as_deref(), t.port, t.port_text.as_deref()), (Some("app"), None, Some("$port")));
    }
}
