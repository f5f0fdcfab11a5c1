//! Caddyfile: a lexer and parser that read a Caddyfile the way Caddy does, with a byte span in the
//! original file for every token, and a model of what it serves ([`model`]).
//!
//! # How Caddy reads a Caddyfile (and so do we)
//!
//! 1. **`{$VAR}` substitution on the raw text**, before anything else: every `{$NAME}` or
//!    `{$NAME:default}` is replaced by the variable's value (the caller passes the environment of the
//!    caddy process, e.g. the compose service's `environment:`). A set variable wins over the default
//!    even when empty; an unset one without a default becomes empty. The name ends at the first `}`,
//!    the default after the first `:`. Values are not scanned again, and a value with spaces becomes
//!    several tokens. `{$}` is left as is. `{env.VAR}` is a runtime placeholder, kept as written.
//! 2. **Tokens** are separated by white space. `"double quoted"` tokens may span lines and only `\"`
//!    is an escape in them (`\x` keeps its backslash); `` `backticks` `` take everything literally. A
//!    `#` at the start of a token starts a comment to the end of the line. A `\` right before a newline
//!    joins the next line to this one (for line counting: tokens are grouped by line). A `\` before
//!    a space is dropped; before anything else outside quotes it is kept. A quote left open swallows
//!    the rest of the file into one token (Caddy accepts that silently; we warn). Heredocs
//!    (`<<MARKER` … `MARKER`, Caddy 2.7+) strip the closing marker's indentation from every line.
//! 3. **Blocks**: an optional global options block `{ … }` first (a block with no address), then site
//!    blocks `addr1, addr2 { … }`, snippets `(name) { … }` and, since 2.7, named routes
//!    `&(name) { … }`. With a single site the braces may be left out. A directive is a line; a `{` at
//!    the end of the line opens its block, which must close with `}`. Braces are only structural as
//!    whole, unquoted tokens (`foo{` is one token).
//! 4. **`import`** replaces itself, at parse time, by the tokens of a snippet or of the files a path or
//!    glob matches (relative to the importing file; at most one `*`). Arguments after the pattern fill
//!    `{args[N]}` (and the older `{args.N}`); `{args[a:b]}` spreads several. Import cycles are errors.
//!
//! The parser stops at the first syntax error, as Caddy does, and returns what it read up to there. An
//! error's span is the token Caddy's own message points at (so it is on the same line); `related`
//! points at the cause when that is elsewhere (the `{` never closed, the quote never ended).
//!
//! # Use
//!
//! ```
//! use stackcheck::source::FileId;
//! use stackcheck::sources::caddy::{self, NoImports, Options};
//!
//! let text = "{$DOMAIN} {\n\treverse_proxy /api/* api:8000\n\treverse_proxy web:3000\n}\n";
//! // The caddy service's environment (a real caller also passes an `ImportResolver` that reads files).
//! let env = |name: &str| (name == "DOMAIN").then(|| "shop.example.com".to_string());
//! let cf = caddy::parse(FileId(0), text, &env, &mut NoImports, &Options::default());
//! let model = caddy::build_model(&cf);
//! assert!(cf.errors.is_empty() && model.errors.is_empty());
//! let site = &model.sites[0];
//! assert_eq!(site.addresses[0].host, "shop.example.com");
//! assert_eq!(site.upstreams[1].dial(), "web:3000");
//! ```
//!
//! Versions: [`Dialect::Current`] (2.7+, the `caddy:2` image) is the default; [`Dialect::V2_6`] is what
//! the differential test runs against the installed Caddy 2.6.2 (see [`Dialect`] for the differences).
//!
//! Known deviations: Caddy 2.6 tells lines apart per file, newer versions per import; we do the
//! latter in both dialects. [`Caddyfile::comments`] is found by a simpler scan than the lexer's (a
//! `#` word inside a quoted token may be listed); it only serves suppression comments. The errors of
//! Caddy's HTTP adapter that we reproduce ([`ErrorKind::Structure`]) are checked by text (the same
//! address in two blocks), not per listener as Caddy does.

mod lexer;
pub mod model;
pub mod parser;

use std::ops::Range;

use crate::source::{FileId, Span};

pub use model::{CaddyModel, build_model};
pub use parser::parse;

/// How a token was quoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quote {
    None,
    Double,
    Backtick,
    Heredoc,
    /// A `"` never closed: Caddy makes the rest of the file one *unquoted* token.
    UnterminatedDouble,
    /// A `` ` `` never closed.
    UnterminatedBacktick,
}

impl Quote {
    /// Whether Caddy treats the token as quoted (a quoted `{` is not a brace).
    pub fn is_quoted(self) -> bool {
        matches!(self, Quote::Double | Quote::Backtick | Quote::Heredoc)
    }
}

/// One use of `{$NAME}` / `{$NAME:default}` in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvUse {
    pub name: String,
    pub default: Option<String>,
    /// The variable's value, `None` when it is not set (then the default, or empty, was used).
    pub value: Option<String>,
    /// Byte range of the name in the file.
    pub name_range: Range<usize>,
    /// Byte range of the whole `{$...}`.
    pub range: Range<usize>,
}

/// A token after substitution and imports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The text as Caddy sees it (quotes removed, `{$VAR}` and import arguments substituted).
    pub text: String,
    /// Where it is written (in the file it comes from, which may be an imported one).
    pub span: Span,
    pub quote: Quote,
    /// true when a `{$VAR}` contributed to the text.
    pub from_env: bool,
    /// The `import` token that brought it here (the innermost one), if any.
    pub imported_at: Option<Span>,
    /// Line as Caddy counts it (escaped newlines do not count), for grouping tokens into lines.
    pub(crate) line: u32,
    /// Tokens of one import splice share an origin; a different origin means a new line.
    pub(crate) origin: u32,
    /// Name of the snippet the token was defined in (for import cycle detection).
    pub(crate) snippet: Option<std::sync::Arc<str>>,
}

impl Token {
    /// true for a structural (unquoted) `{`.
    pub fn is_open(&self) -> bool {
        self.text == "{" && !self.quote.is_quoted()
    }

    /// true for a structural (unquoted) `}`.
    pub fn is_close(&self) -> bool {
        self.text == "}" && !self.quote.is_quoted()
    }

    fn line_breaks(&self) -> u32 {
        let n = u32::try_from(self.text.bytes().filter(|&b| b == b'\n').count()).unwrap_or(u32::MAX);
        if self.quote == Quote::Heredoc { n.saturating_add(2) } else { n }
    }
}

/// A directive (or subdirective) with its arguments and its block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The first token (the directive's name; for a matcher definition, `@name`).
    pub name: Token,
    /// The tokens after the name on its line (the `{` that opens the block excluded).
    pub args: Vec<Token>,
    /// The lines inside `{ … }`, if the directive has a block.
    pub block: Option<Vec<Directive>>,
    /// From the name to the end of the last argument or the closing `}` (in the name's file; when the
    /// block ends in another file, only up to the last token in the name's file).
    pub span: Span,
}

impl Directive {
    pub fn name(&self) -> &str {
        &self.name.text
    }

    pub fn arg(&self, i: usize) -> Option<&Token> {
        self.args.get(i)
    }

    /// The subdirectives (empty without a block).
    pub fn children(&self) -> &[Directive] {
        self.block.as_deref().unwrap_or(&[])
    }

    /// The subdirectives named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Directive> + 'a {
        self.children().iter().filter(move |d| d.name.text == name)
    }
}

/// What kind of top-level block this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// The first block when it has no address: global options.
    Global,
    Site,
    /// `&(name) { … }` (Caddy 2.7+): a route that `invoke` runs.
    NamedRoute,
    /// A block with no address that is not the first one (an error in Caddy).
    Keyless,
}

/// A top-level block: global options, a site, or a named route (snippets are consumed by the parser).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerBlock {
    pub kind: BlockKind,
    /// The addresses, commas removed.
    pub keys: Vec<Token>,
    pub has_braces: bool,
    pub directives: Vec<Directive>,
    /// From the first key (or `{`) to the closing `}` / last token, in the file the block starts in.
    pub span: Span,
}

/// A syntax error, at the token Caddy's own message would name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
    /// Where the cause is, when it is somewhere else (the unclosed `{`, the open quote).
    pub related: Option<(Span, String)>,
    pub kind: ErrorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Braces, tokens in the wrong place, end of file inside a block.
    Syntax,
    /// A quote that is never closed (Caddy takes the rest of the file as one token).
    UnterminatedQuote,
    /// A malformed heredoc.
    Heredoc,
    /// `import` of an unknown snippet or of a file that does not exist or cannot be read.
    Import,
    ImportCycle,
    /// A limit (nesting, tokens, imported files) was hit.
    Limit,
    /// A structure Caddy's HTTP adapter rejects: an address-less block that is not first, the same
    /// address in two blocks, an invalid address.
    Structure,
}

/// A file an import pattern matched, as the resolver loaded it.
#[derive(Clone, Debug)]
pub struct ImportedFile {
    pub file: FileId,
    pub text: std::sync::Arc<str>,
}

/// Finds the files an `import` names. `pattern` is as written (after `{$VAR}` substitution); relative
/// patterns are relative to the directory of `from`. A pattern with a `*`, `?` or `[...]` is a glob (no
/// match is fine, as in Caddy; files whose name starts with `.` are skipped when the last path element
/// starts with `*`); otherwise a missing file is an `Err` with a message. Matches come sorted by path.
pub trait ImportResolver {
    fn resolve(&mut self, from: FileId, pattern: &str) -> Result<Vec<ImportedFile>, String>;
}

/// A resolver that finds nothing: every file import is an error (snippets still work).
pub struct NoImports;

impl ImportResolver for NoImports {
    fn resolve(&mut self, _from: FileId, pattern: &str) -> Result<Vec<ImportedFile>, String> {
        if is_glob(pattern) { Ok(Vec::new()) } else { Err(format!("file to import not found: {pattern}")) }
    }
}

/// true when Caddy treats an import pattern as a glob.
pub fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', ']'])
}

/// Bounds for hostile input. Hitting one is an error of kind [`ErrorKind::Limit`].
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Tokens after every import is spliced in, and tokens brought in by imports in total.
    pub max_tokens: usize,
    /// `import` directives expanded.
    pub max_imports: usize,
    /// Files read through imports.
    pub max_files: usize,
    /// Nesting depth of blocks.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_tokens: 500_000, max_imports: 50_000, max_files: 500, max_depth: 100 }
    }
}

/// Which Caddy to imitate where versions differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Dialect {
    /// Caddy 2.6: no heredocs, a quoted `"{"` still opens a block, only `{args.N}` in imports, `@name`
    /// allowed among site addresses, no named routes.
    V2_6,
    /// Caddy 2.7 and later (the `caddy:2` image).
    #[default]
    Current,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub dialect: Dialect,
    pub limits: Limits,
}

/// A parsed Caddyfile: its blocks, the `{$VAR}` uses of every file read, and the first error.
#[derive(Clone, Debug, Default)]
pub struct Caddyfile {
    pub file: FileId,
    pub blocks: Vec<ServerBlock>,
    /// Snippet names with the span of their `(name)` key.
    pub snippets: Vec<(String, Span)>,
    /// `{$VAR}` uses, per file read (the root file and every imported file).
    pub env_uses: Vec<(FileId, EnvUse)>,
    /// Files read through `import`.
    pub imported_files: Vec<FileId>,
    /// Comments (`#` to end of line, as Caddy sees them) of the root file, for suppressions.
    pub comments: Vec<Span>,
    pub errors: Vec<ParseError>,
    /// What Caddy accepts but is almost surely a mistake: a site block whose `{` is never closed
    /// (accepted when the file ends with the `}` of an inner block), a quote never closed.
    pub warnings: Vec<ParseError>,
}

impl Caddyfile {
    pub fn global(&self) -> Option<&ServerBlock> {
        self.blocks.first().filter(|b| b.kind == BlockKind::Global)
    }

    pub fn sites(&self) -> impl Iterator<Item = &ServerBlock> {
        self.blocks.iter().filter(|b| b.kind == BlockKind::Site)
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests;
