//! The directives the parser knows: whether each takes a block, where it is allowed and how many
//! arguments it takes, hand-curated from nginx's module command lists (the stock modules of the
//! Debian package and the official image). A name that is not here is accepted anywhere with any
//! arguments (third-party modules), so an entry must list every context nginx allows it in.

/// Where a directive is written: nginx's configuration contexts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    Main,
    Events,
    Http,
    Server,
    Location,
    /// `if` inside a `server`.
    ServerIf,
    /// `if` inside a `location`.
    LocationIf,
    LimitExcept,
    Upstream,
    Stream,
    StreamServer,
    StreamUpstream,
    Mail,
    MailServer,
    /// Blocks whose content is data, not directives (`types`, `map`, `geo`, `split_clients`...).
    Data,
    /// Inside a block directive this table does not know: nothing is checked.
    Unknown,
}

impl Context {
    pub(crate) fn bit(self) -> u32 {
        match self {
            Context::Main => MAIN,
            Context::Events => EVENTS,
            Context::Http => HTTP,
            Context::Server => SRV,
            Context::Location => LOC,
            Context::ServerIf => SIF,
            Context::LocationIf => LIF,
            Context::LimitExcept => LMT,
            Context::Upstream => UPS,
            Context::Stream => STREAM,
            Context::StreamServer => SSRV,
            Context::StreamUpstream => SUPS,
            Context::Mail => MAIL,
            Context::MailServer => MSRV,
            Context::Data | Context::Unknown => 0,
        }
    }

    /// Whether directives are checked against the table here.
    pub fn is_checked(self) -> bool {
        !matches!(self, Context::Data | Context::Unknown)
    }

    pub fn name(self) -> &'static str {
        match self {
            Context::Main => "main",
            Context::Events => "events",
            Context::Http => "http",
            Context::Server => "server",
            Context::Location => "location",
            Context::ServerIf => "if (server)",
            Context::LocationIf => "if (location)",
            Context::LimitExcept => "limit_except",
            Context::Upstream => "upstream",
            Context::Stream => "stream",
            Context::StreamServer => "stream server",
            Context::StreamUpstream => "stream upstream",
            Context::Mail => "mail",
            Context::MailServer => "mail server",
            Context::Data => "data block",
            Context::Unknown => "unknown block",
        }
    }
}

pub(crate) const MAIN: u32 = 1;
pub(crate) const EVENTS: u32 = 1 << 1;
pub(crate) const HTTP: u32 = 1 << 2;
pub(crate) const SRV: u32 = 1 << 3;
pub(crate) const LOC: u32 = 1 << 4;
pub(crate) const SIF: u32 = 1 << 5;
pub(crate) const LIF: u32 = 1 << 6;
pub(crate) const LMT: u32 = 1 << 7;
pub(crate) const UPS: u32 = 1 << 8;
pub(crate) const STREAM: u32 = 1 << 9;
pub(crate) const SSRV: u32 = 1 << 10;
pub(crate) const SUPS: u32 = 1 << 11;
pub(crate) const MAIL: u32 = 1 << 12;
pub(crate) const MSRV: u32 = 1 << 13;
const ANY: u32 = u32::MAX;
const MORE: u8 = u8::MAX;

/// What a block directive's content is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inner {
    /// Not a block directive.
    None,
    /// Directives of this context.
    Ctx(Context),
    /// `server` and `upstream` blocks: the child context depends on where they are (see `child_context`).
    Nested,
    /// Data lines (`types`, `map`...).
    Data,
}

/// One way a directive may be used (a name used differently in several contexts has several entries,
/// as nginx's modules each declare their own).
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub name: &'static str,
    pub contexts: u32,
    pub inner: Inner,
    pub min_args: u8,
    pub max_args: u8,
}

impl Spec {
    pub fn is_block(&self) -> bool {
        self.inner != Inner::None
    }
}

const fn d(name: &'static str, contexts: u32, min_args: u8, max_args: u8) -> Spec {
    Spec { name, contexts, inner: Inner::None, min_args, max_args }
}

const fn b(name: &'static str, contexts: u32, inner: Inner, min_args: u8, max_args: u8) -> Spec {
    Spec { name, contexts, inner, min_args, max_args }
}

const HTTP_ALL: u32 = HTTP | SRV | LOC;

/// Sorted by name; a name may repeat, one entry per use.
static TABLE: &[Spec] = ENTRIES;

/// For each first byte of a name, the range of [`TABLE`] whose names start with it (`lookup` compares
/// only there: a handful of entries, most rejected by their length before any byte comparison).
static BY_FIRST_BYTE: [(u16, u16); 256] = index_by_first_byte(ENTRIES);

const fn index_by_first_byte(entries: &[Spec]) -> [(u16, u16); 256] {
    let mut index = [(0u16, 0u16); 256];
    let mut i = 0;
    while i < entries.len() {
        let first = entries[i].name.as_bytes()[0] as usize;
        let mut j = i;
        while j < entries.len() && entries[j].name.as_bytes()[0] as usize == first {
            j += 1;
        }
        index[first] = (i as u16, j as u16);
        i = j;
    }
    index
}

const ENTRIES: &[Spec] = &[
    d("access_log", HTTP_ALL | LIF | LMT | STREAM | SSRV, 1, MORE),
    d("add_header", HTTP_ALL | LIF, 2, 3),
    d("alias", LOC, 1, 1),
    d("allow", HTTP_ALL | LMT | STREAM | SSRV, 1, 1),
    d("auth_basic", HTTP_ALL | LMT, 1, 1),
    d("auth_basic_user_file", HTTP_ALL | LMT, 1, 1),
    d("auth_request", HTTP_ALL, 1, 1),
    d("break", SRV | SIF | LOC | LIF, 0, 0),
    b("charset_map", HTTP, Inner::Data, 2, 2),
    d("client_body_buffer_size", HTTP_ALL, 1, 1),
    d("client_max_body_size", HTTP_ALL, 1, 1),
    d("default_type", HTTP_ALL, 1, 1),
    d("deny", HTTP_ALL | LMT | STREAM | SSRV, 1, 1),
    d("error_page", HTTP_ALL | LIF, 2, MORE),
    b("events", MAIN, Inner::Ctx(Context::Events), 0, 0),
    d("expires", HTTP_ALL | LIF, 1, 2),
    d("fastcgi_param", HTTP_ALL, 2, 3),
    d("fastcgi_pass", LOC | LIF, 1, 1),
    b("geo", HTTP | STREAM, Inner::Data, 1, 2),
    d("grpc_pass", LOC | LIF, 1, 1),
    d("gzip", HTTP_ALL | LIF, 1, 1),
    d("gzip_types", HTTP_ALL, 1, MORE),
    b("http", MAIN, Inner::Ctx(Context::Http), 0, 0),
    b("if", SRV | LOC, Inner::Nested, 1, MORE),
    d("include", ANY, 1, 1),
    d("index", HTTP_ALL, 1, MORE),
    d("internal", LOC, 0, 0),
    d("ip_hash", UPS, 0, 0),
    d("keepalive", UPS, 1, 1),
    d("least_conn", UPS | SUPS, 0, 0),
    b("limit_except", LOC, Inner::Ctx(Context::LimitExcept), 1, MORE),
    d("listen", SRV | SSRV | MSRV, 1, MORE),
    b("location", SRV | LOC, Inner::Ctx(Context::Location), 1, 2),
    d("log_format", HTTP | STREAM, 2, MORE),
    b("mail", MAIN, Inner::Ctx(Context::Mail), 0, 0),
    b("map", HTTP | STREAM, Inner::Data, 2, 2),
    d("pid", MAIN, 1, 1),
    d("proxy_http_version", HTTP_ALL, 1, 1),
    d("proxy_pass", LOC | LIF | LMT | SSRV, 1, 1),
    d("proxy_redirect", HTTP_ALL, 1, 2),
    d("proxy_set_header", HTTP_ALL, 2, 2),
    d("return", SRV | SIF | LOC | LIF | SSRV, 1, 2),
    d("rewrite", SRV | SIF | LOC | LIF, 2, 3),
    d("root", HTTP_ALL | LIF, 1, 1),
    d("scgi_pass", LOC | LIF, 1, 1),
    d("sendfile", HTTP_ALL | LIF, 1, 1),
    b("server", HTTP | STREAM | MAIL, Inner::Nested, 0, 0),
    d("server", UPS | SUPS, 1, MORE),
    d("server_name", SRV | MAIL | MSRV, 1, MORE),
    d("server_tokens", HTTP_ALL, 1, 1),
    d("set", SRV | SIF | LOC | LIF | SSRV, 2, 2),
    b("split_clients", HTTP | STREAM, Inner::Data, 2, 2),
    d("ssl_certificate", HTTP | SRV | STREAM | SSRV | MAIL | MSRV, 1, 1),
    d("ssl_certificate_key", HTTP | SRV | STREAM | SSRV | MAIL | MSRV, 1, 1),
    b("stream", MAIN, Inner::Ctx(Context::Stream), 0, 0),
    d("try_files", SRV | LOC, 2, MORE),
    b("types", HTTP_ALL, Inner::Data, 0, 0),
    b("upstream", HTTP | STREAM, Inner::Nested, 1, 1),
    d("user", MAIN, 1, 2),
    d("uwsgi_pass", LOC | LIF, 1, 1),
    d("worker_connections", EVENTS, 1, 1),
    d("worker_processes", MAIN, 1, 1),
];

/// Every entry for `name` (empty when the name is unknown).
pub fn lookup(name: &str) -> &'static [Spec] {
    let Some(&first) = name.as_bytes().first() else { return &[] };
    let (lo, hi) = BY_FIRST_BYTE[first as usize];
    let range = TABLE.get(lo as usize..hi as usize).unwrap_or(&[]);
    let Some(start) = range.iter().position(|s| s.name.len() == name.len() && s.name == name) else { return &[] };
    let len = range[start..].iter().take_while(|s| s.name == name).count();
    &range[start..start + len]
}

/// The entry for `name` that applies in `ctx`, if any.
pub fn spec_in(name: &str, ctx: Context) -> Option<&'static Spec> {
    select(lookup(name), ctx)
}

/// The entry of a [`lookup`] result that applies in `ctx`.
pub fn select(specs: &'static [Spec], ctx: Context) -> Option<&'static Spec> {
    let bit = ctx.bit();
    specs.iter().find(|s| s.contexts & bit != 0)
}

/// Whether `name` is a block directive wherever it may appear (used to split a statement whose `;` is
/// missing: `listen 80 location / {`).
pub fn is_block_name(name: &str) -> bool {
    let specs = lookup(name);
    !specs.is_empty() && specs.iter().all(Spec::is_block)
}

/// The context of a block's content.
pub fn child_context(spec: &Spec, name: &str, parent: Context) -> Context {
    match spec.inner {
        Inner::None => Context::Unknown,
        Inner::Ctx(c) => c,
        Inner::Data => Context::Data,
        Inner::Nested => match (name, parent) {
            ("server", Context::Http) => Context::Server,
            ("server", Context::Stream) => Context::StreamServer,
            ("server", Context::Mail) => Context::MailServer,
            ("upstream", Context::Http) => Context::Upstream,
            ("upstream", Context::Stream) => Context::StreamUpstream,
            ("if", Context::Server) => Context::ServerIf,
            ("if", Context::Location) => Context::LocationIf,
            _ => Context::Unknown,
        },
    }
}

/// A name nginx could have as a directive (letters, digits, `_`): anything else (`2}$`, `^/a`) is a
/// piece of a broken statement, not a third-party directive.
pub fn is_plausible_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted() {
        for w in TABLE.windows(2) {
            assert!(w[0].name <= w[1].name, "{} > {}", w[0].name, w[1].name);
        }
    }

    #[test]
    fn lookup_finds_every_entry_and_only_them() {
        for (i, spec) in TABLE.iter().enumerate() {
            let found = lookup(spec.name);
            assert!(found.iter().any(|s| std::ptr::eq(s, &TABLE[i])), "{} not found", spec.name);
            assert!(found.iter().all(|s| s.name == spec.name));
            assert_eq!(found.len(), TABLE.iter().filter(|s| s.name == spec.name).count());
        }
        for name in ["", "a", "serve", "servers", "zz", "é", "Server", "proxy_pas"] {
            assert!(lookup(name).is_empty(), "{name}");
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(lookup("server").len(), 2);
        assert!(spec_in("server", Context::Http).is_some_and(Spec::is_block));
        assert!(spec_in("server", Context::Upstream).is_some_and(|s| !s.is_block()));
        assert!(spec_in("location", Context::Http).is_none());
        assert!(is_block_name("location"));
        assert!(!is_block_name("server"));
        assert!(!is_block_name("brotli"));
        assert!(is_plausible_name("more_set_headers"));
        assert!(!is_plausible_name("2}$"));
    }
}
