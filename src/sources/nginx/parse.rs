//! The generic nginx parser: statements (`name args... ;`) and blocks (`name args... { ... }`), as
//! crossplane models them, with the byte span of every directive and argument.
//!
//! The tokenizer follows nginx's own (`ngx_conf_read_token` in `src/core/ngx_conf_file.c`):
//! - white space (space, tab, CR, LF) separates words; `;` ends a statement, `{` opens a block, and `}`
//!   closes one only at the start of a word (`a}` is one word);
//! - `#` starts a comment only at the start of a word (`a#b` is a word);
//! - a word starting with `"` or `'` runs to the matching unescaped quote and must be followed by white
//!   space, `;`, `{` or `)`; a quote inside a word is an ordinary character;
//! - `\` escapes the next character anywhere; in the value, `\"`, `\'`, `\\` lose their backslash and
//!   `\t`, `\r`, `\n` become control characters, every other `\x` stays as written;
//! - `${` does not open a block (`${var}` stays inside its word);
//! - a word longer than nginx's 4 KiB read buffer is an error ("too long parameter").
//!
//! The body of a `*_by_lua_block` is kept raw (the brace matcher skips Lua strings and comments).
//!
//! Each statement is checked against the directive table (`table.rs`) for the context it is in:
//! block vs simple directive, allowed context and argument count. Errors carry the position nginx
//! reports (`nginx -t` names the line where it noticed the problem: the `{` of the next directive for
//! a missing `;`), plus a hint where the fix goes. After an error the parser recovers and goes on, so
//! the tree holds every directive that could be read. Nesting deeper than [`MAX_DEPTH`] blocks is an
//! error; the parser is iterative and linear, and never panics.

use crate::source::{FileId, Span};

use super::table::{self, Context};
use super::word::Word;

/// Blocks nested deeper than this are an error (their content is skipped, braces still counted).
pub const MAX_DEPTH: usize = 64;
/// nginx's configuration read buffer (`NGX_CONF_BUFFER`): no word may be this long.
pub const MAX_WORD: usize = 4096;

/// How an argument was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quote {
    None,
    Single,
    Double,
}

/// A directive name or argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// The value nginx sees: quotes removed, escapes processed.
    pub value: Word,
    /// The word as written, quotes included.
    pub span: Span,
    pub quote: Quote,
}

impl Arg {
    /// Whether the value holds an nginx variable (`$host`, `${var}`): an unquoted or double-quoted
    /// `$` followed by a name or `{`.
    pub fn has_variable(&self) -> bool {
        has_variable(&self.value)
    }
}

/// Whether `s` holds an nginx variable reference.
pub fn has_variable(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| c == b'$' && b.get(i + 1).is_some_and(|&n| n == b'{' || n.is_ascii_alphanumeric() || n == b'_'))
}

/// A statement or block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The first word.
    pub name: Arg,
    pub args: Vec<Arg>,
    /// From the name to the `;` or the closing `}` (included).
    pub span: Span,
    pub block: Option<Block>,
    /// For `include`: the files it pulled in, in order, as indices into [`super::Config::files`]
    /// (filled by the include resolver; empty otherwise).
    pub includes: Vec<usize>,
}

impl Directive {
    pub fn is(&self, name: &str) -> bool {
        self.name.value == name
    }

    pub fn arg(&self, i: usize) -> Option<&Arg> {
        self.args.get(i)
    }

    /// The children of the block (empty for a simple directive).
    pub fn children(&self) -> &[Directive] {
        self.block.as_ref().map_or(&[], |b| &b.children)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub children: Vec<Directive>,
    /// From `{` to `}` included (to the end of the text when unclosed).
    pub span: Span,
    /// For `*_by_lua_block`: the Lua source between the braces (no children then).
    pub raw: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A token where it cannot be (`unexpected "}"`, a character after a closing quote...).
    Unexpected,
    /// The text ends inside a statement, a quote or a block.
    UnexpectedEof,
    /// A simple directive followed by `{`, i.e. a missing `;`.
    NotTerminated,
    /// A block directive ended with `;`.
    NoOpeningBrace,
    InvalidArgCount,
    /// A known directive in a context that does not allow it.
    NotAllowedHere,
    /// A first word that cannot be a directive name (a piece of a broken statement).
    UnknownDirective,
    /// A word of 4 KiB or more (nginx's buffer); usually an unterminated quote.
    TooLong,
    /// More than [`MAX_DEPTH`] nested blocks.
    TooDeep,
    /// Include resolution: a missing file, a cycle, a limit.
    Include,
}

/// A syntax error, at the position nginx reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ErrorKind,
    /// Where nginx notices the problem (its error names this line).
    pub span: Span,
    /// Message in nginx's words (lowercase, no final period).
    pub message: String,
    /// Where the fix most likely goes, when that is elsewhere (after the word missing its `;`, the
    /// opening quote of an unterminated string, the unclosed `{`).
    pub hint: Option<(Span, String)>,
}

/// One parsed file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    pub file: FileId,
    pub directives: Vec<Directive>,
    /// Every `#` comment (to the end of its line, newline excluded), for suppression comments.
    pub comments: Vec<Span>,
    pub errors: Vec<ParseError>,
}

/// Parses a file whose top level is in `ctx` (`Context::Main` for an `nginx.conf`, `Context::Http` for a
/// `conf.d/*.conf` fragment, [`guess_context`] when unknown).
pub fn parse_in(file: FileId, text: &str, ctx: Context) -> Parsed {
    let mut p = Parser {
        file,
        text: text.as_bytes(),
        src: text,
        pos: 0,
        out: Parsed { file, ..Parsed::default() },
        frames: Vec::new(),
        pending: Vec::new(),
        skipped_depth: 0,
        eof_reported: false,
    };
    p.run(ctx);
    p.out
}

/// The context a file's top level is most likely written for, from its first block or directive:
/// `events`/`http`/`user`... ⇒ main; `server`/`upstream`/`map` ⇒ http; `location`/`listen`... ⇒ server.
pub fn guess_context(text: &str) -> Context {
    let mut p = Parser {
        file: FileId(0),
        text: text.as_bytes(),
        src: text,
        pos: 0,
        out: Parsed::default(),
        frames: Vec::new(),
        pending: Vec::new(),
        skipped_depth: 0,
        eof_reported: false,
    };
    let mut depth = 0usize;
    let mut first_word = true;
    let mut ctx = None;
    loop {
        match p.token() {
            Token::Eof => break,
            Token::Semicolon(_) => first_word = true,
            Token::Open(_) => {
                depth += 1;
                first_word = true;
            }
            Token::Close(_) => {
                depth = depth.saturating_sub(1);
                first_word = true;
            }
            Token::Word(w) => {
                let top = depth == 0 && first_word;
                first_word = false;
                if !top {
                    continue;
                }
                let this = match w.value.as_str() {
                    "events"
                    | "http"
                    | "stream"
                    | "mail"
                    | "user"
                    | "worker_processes"
                    | "pid"
                    | "load_module"
                    | "worker_rlimit_nofile"
                    | "daemon"
                    | "env" => return Context::Main,
                    "server" | "upstream" | "map" | "geo" | "log_format" | "proxy_cache_path" | "limit_req_zone"
                    | "split_clients" => Context::Http,
                    "location" | "listen" | "server_name" | "root" | "try_files" | "return" | "rewrite" => {
                        Context::Server
                    }
                    _ => continue,
                };
                // The first telling directive decides (a file that mixes levels is broken anyway).
                ctx = Some(this);
                break;
            }
        }
    }
    ctx.unwrap_or(Context::Http)
}

enum Token {
    Word(Arg),
    Semicolon(usize),
    Open(usize),
    Close(usize),
    Eof,
}

struct Frame {
    directive: Directive,
    ctx: Context,
    /// Where this block's children start in [`Parser::pending`].
    first_child: usize,
}

struct Parser<'a> {
    file: FileId,
    text: &'a [u8],
    src: &'a str,
    pos: usize,
    out: Parsed,
    /// Open blocks, innermost last.
    frames: Vec<Frame>,
    /// The children of every open block, innermost block's last: a block's children are moved out in one
    /// exactly sized vector when it closes (growing one vector per block cost more than the parse).
    pending: Vec<Directive>,
    /// Open blocks beyond MAX_DEPTH (not kept).
    skipped_depth: usize,
    /// An unterminated quote already reported the end of the text.
    eof_reported: bool,
}

/// Bytes that may end or change a word: white space, `;`, `{`, `\\`, `$`.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let specials = *b" \t\r\n;{\\$";
    let mut i = 0;
    while i < specials.len() {
        t[specials[i] as usize] = true;
        i += 1;
    }
    t
};

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// The first byte at or after `i` that is not white space (`text.len()` if none). Indentation is a
/// good part of a configuration: runs of spaces are skipped eight bytes at a time.
fn skip_space(text: &[u8], mut i: usize) -> usize {
    const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    loop {
        if let Some(chunk) = text.get(i..i + 8).and_then(|c| <[u8; 8]>::try_from(c).ok())
            && u64::from_ne_bytes(chunk) == SPACES
        {
            i += 8;
            continue;
        }
        match text.get(i) {
            Some(&c) if is_space(c) => i += 1,
            _ => return i,
        }
    }
}

impl<'a> Parser<'a> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn error(&mut self, kind: ErrorKind, at: Span, message: String, hint: Option<(Span, String)>) {
        self.out.errors.push(ParseError { kind, span: at, message, hint });
    }

    fn ctx(&self, root: Context) -> Context {
        if self.skipped_depth > 0 {
            return Context::Unknown;
        }
        self.frames.last().map_or(root, |f| f.ctx)
    }

    /// The next token, mirroring `ngx_conf_read_token`. Errors are recorded and the token stream goes
    /// on (a bad character after a quote ends that word).
    fn token(&mut self) -> Token {
        let text = self.text;
        loop {
            self.pos = skip_space(text, self.pos);
            let Some(&c) = text.get(self.pos) else { return Token::Eof };
            let start = self.pos;
            match c {
                b'#' => {
                    let end = memchr_newline(text, start);
                    self.out.comments.push(self.span(start, trim_cr(text, start, end)));
                    self.pos = end;
                }
                b';' => {
                    self.pos += 1;
                    return Token::Semicolon(start);
                }
                b'{' => {
                    self.pos += 1;
                    return Token::Open(start);
                }
                b'}' => {
                    self.pos += 1;
                    return Token::Close(start);
                }
                b'"' | b'\'' => return self.quoted(start, c),
                _ => return self.word(start),
            }
        }
    }

    fn word(&mut self, start: usize) -> Token {
        let text = self.text;
        let mut i = start;
        let mut escaped = false;
        let mut prev_dollar = false;
        while let Some(&c) = text.get(i) {
            // Most bytes are plain word characters: one table lookup.
            if !SPECIAL[c as usize] {
                prev_dollar = false;
                i += 1;
                continue;
            }
            if c == b'\\' {
                escaped = true;
                i += 2;
                prev_dollar = false;
                continue;
            }
            if is_space(c) || c == b';' || (c == b'{' && !prev_dollar) {
                break;
            }
            prev_dollar = c == b'$';
            i += 1;
        }
        let end = i.min(text.len());
        self.pos = end;
        // At the end of the text nginx meets the end of the file before its buffer is full.
        if end - start > MAX_WORD || (end - start == MAX_WORD && end < text.len()) {
            self.too_long(start, None);
        }
        let value =
            if escaped { Word::from(unescape(self.src, start, end)) } else { Word::new(self.slice(start, end)) };
        Token::Word(Arg { value, span: self.span(start, end), quote: Quote::None })
    }

    fn quoted(&mut self, start: usize, q: u8) -> Token {
        let text = self.text;
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            match text.get(i) {
                None => {
                    // nginx reads on to the end of the file, or fails once the word fills its buffer.
                    if text.len() - (start + 1) > MAX_WORD {
                        self.too_long(start + 1, Some(q));
                    } else {
                        let at = self.span(text.len(), text.len());
                        let hint = Some((self.span(start, start + 1), "this quote is never closed".to_owned()));
                        self.error(
                            ErrorKind::UnexpectedEof,
                            at,
                            "unexpected end of file, expecting \";\" or \"}\"".into(),
                            hint,
                        );
                    }
                    self.pos = text.len();
                    self.eof_reported = true;
                    // Drop the half word: the statement is broken anyway.
                    return Token::Eof;
                }
                Some(b'\\') => {
                    escaped = true;
                    i += 2;
                }
                Some(&c) if c == q => break,
                Some(_) => i += 1,
            }
        }
        let close = i;
        if close - (start + 1) >= MAX_WORD {
            self.too_long(start + 1, Some(q));
        }
        self.pos = close + 1;
        // nginx wants white space, `;`, `{` or `)` after the closing quote.
        if let Some(&next) = text.get(self.pos)
            && !(is_space(next) || next == b';' || next == b'{' || next == b')')
        {
            let ch_end = self.src.ceil_char_boundary_compat(self.pos + 1);
            let shown = self.slice(self.pos, ch_end).to_owned();
            let at = self.span(self.pos, ch_end);
            self.error(ErrorKind::Unexpected, at, format!("unexpected \"{shown}\""), None);
        }
        let value = if escaped {
            Word::from(unescape(self.src, start + 1, close))
        } else {
            Word::new(self.slice(start + 1, close))
        };
        let quote = if q == b'"' { Quote::Double } else { Quote::Single };
        Token::Word(Arg { value, span: self.span(start, close + 1), quote })
    }

    fn too_long(&mut self, start: usize, quote: Option<u8>) {
        let at = self.span(start, start);
        let message = match quote {
            Some(q) => format!("too long parameter, probably missing terminating \"{}\" character", q as char),
            None => {
                let end = self.src.floor_char_boundary_compat(start + 10);
                format!("too long parameter \"{}...\" started", self.slice(start, end))
            }
        };
        self.error(ErrorKind::TooLong, at, message, None);
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or("")
    }

    fn run(&mut self, root: Context) {
        let mut words: Vec<Arg> = Vec::new();
        loop {
            let tok = self.token();
            match tok {
                Token::Word(w) => words.push(w),
                Token::Semicolon(at) => {
                    if words.is_empty() {
                        let sp = self.span(at, at + 1);
                        self.error(ErrorKind::Unexpected, sp, "unexpected \";\"".into(), None);
                        continue;
                    }
                    let (name, args) = split_words(&mut words);
                    self.statement(name, args, at, root);
                }
                Token::Open(at) => {
                    if words.is_empty() {
                        let sp = self.span(at, at + 1);
                        self.error(ErrorKind::Unexpected, sp, "unexpected \"{\"".into(), None);
                        // Keep braces balanced: an anonymous block of unknown content.
                        self.open_anonymous(at);
                        continue;
                    }
                    let (name, args) = split_words(&mut words);
                    self.block_start(name, args, at, root);
                }
                Token::Close(at) => {
                    if !words.is_empty() {
                        let sp = self.span(at, at + 1);
                        let last = words.last().map_or(sp, |w| w.span);
                        let hint =
                            Some((Span::new(self.file, last.end as usize, last.end as usize), "missing `;`".into()));
                        self.error(ErrorKind::Unexpected, sp, "unexpected \"}\"".into(), hint);
                        let (name, args) = split_words(&mut words);
                        self.finish_statement(name, args);
                    }
                    self.close(at, root);
                }
                Token::Eof => {
                    let end = self.text.len();
                    let words_at_eof = words.len();
                    if !words.is_empty() && !self.eof_reported {
                        let at = self.span(end, end);
                        let last = words.last().map_or(at, |w| w.span);
                        let hint = Some((self.span(last.end as usize, last.end as usize), "missing `;`".into()));
                        self.error(
                            ErrorKind::UnexpectedEof,
                            at,
                            "unexpected end of file, expecting \";\" or \"}\"".into(),
                            hint,
                        );
                        let (name, args) = split_words(&mut words);
                        self.finish_statement(name, args);
                    } else if !words.is_empty() {
                        let (name, args) = split_words(&mut words);
                        self.finish_statement(name, args);
                    }
                    if self.skipped_depth > 0 || !self.frames.is_empty() {
                        let at = self.span(end, end);
                        let open = self.frames.last().map(|f| f.directive.name.span);
                        let hint = open.map(|s| (s, "this block is never closed".to_owned()));
                        if !self.eof_reported && words_at_eof == 0 {
                            self.error(
                                ErrorKind::UnexpectedEof,
                                at,
                                "unexpected end of file, expecting \"}\"".into(),
                                hint,
                            );
                        }
                        self.skipped_depth = 0;
                        while !self.frames.is_empty() {
                            self.pop_frame(end);
                        }
                    }
                    return;
                }
            }
        }
    }

    /// A statement ended by `;`.
    fn statement(&mut self, name: Arg, words: Vec<Arg>, semi: usize, root: Context) {
        let ctx = self.ctx(root);
        let term = self.span(semi, semi + 1);
        if ctx.is_checked() {
            let specs = table::lookup(text_of(self.src, &name));
            if !self.check_name(&name, specs, ctx, term) {
                return self.push(Directive {
                    span: name.span.cover(term),
                    name,
                    args: words,
                    block: None,
                    includes: vec![],
                });
            }
            if let Some(spec) = table::select(specs, ctx) {
                if spec.is_block() {
                    self.error(
                        ErrorKind::NoOpeningBrace,
                        term,
                        format!("directive \"{}\" has no opening \"{{\"", name.value),
                        None,
                    );
                } else {
                    self.check_args(spec, &name, words.len(), term);
                }
            }
        }
        let span = name.span.cover(term);
        self.push(Directive { name, args: words, span, block: None, includes: vec![] });
    }

    /// A statement cut short by `}` or the end of the text (already reported).
    fn finish_statement(&mut self, name: Arg, words: Vec<Arg>) {
        let end = words.last().map_or(name.span, |w| w.span);
        let span = name.span.cover(end);
        self.push(Directive { name, args: words, span, block: None, includes: vec![] });
    }

    /// false when the name was reported as impossible.
    fn check_name(&mut self, name: &Arg, specs: &'static [table::Spec], ctx: Context, at: Span) -> bool {
        if !specs.is_empty() || table::is_plausible_name(text_of(self.src, name)) {
            if !specs.is_empty() && table::select(specs, ctx).is_none() {
                self.error(
                    ErrorKind::NotAllowedHere,
                    at,
                    format!("\"{}\" directive is not allowed here", name.value),
                    Some((name.span, format!("in a {} block", ctx.name()))),
                );
            }
            return true;
        }
        self.error(
            ErrorKind::UnknownDirective,
            at,
            format!("unknown directive \"{}\"", name.value),
            Some((name.span, "not a directive name".into())),
        );
        false
    }

    fn check_args(&mut self, spec: &table::Spec, name: &Arg, n: usize, at: Span) {
        if n < spec.min_args as usize || n > spec.max_args as usize {
            self.error(
                ErrorKind::InvalidArgCount,
                at,
                format!("invalid number of arguments in \"{}\" directive", name.value),
                Some((name.span, args_expected(spec))),
            );
        }
    }

    fn block_start(&mut self, mut name: Arg, mut words: Vec<Arg>, open: usize, root: Context) {
        let ctx = self.ctx(root);
        // A missing `;`: `listen 80` then `location / {`: split at the block directive.
        if ctx.is_checked() {
            let src = self.src;
            let first = text_of(src, &name);
            let block_later = || {
                words.iter().any(|w| {
                    w.quote == Quote::None && table::spec_in(text_of(src, w), ctx).is_some_and(table::Spec::is_block)
                })
            };
            let simple = match table::spec_in(first, ctx) {
                Some(spec) => !spec.is_block(),
                // An unknown (third-party) directive followed by `location / {` is one missing its `;`.
                None => table::lookup(first).is_empty() && table::is_plausible_name(first) && block_later(),
            };
            if simple {
                let open_sp = self.span(open, open + 1);
                // `split`: the index in `words` (the arguments) of the block directive's name.
                let split = words.iter().position(|w| {
                    w.quote == Quote::None && table::spec_in(text_of(src, w), ctx).is_some_and(table::Spec::is_block)
                });
                let before = match split {
                    Some(0) => &name,
                    Some(i) => &words[i - 1],
                    None => words.last().unwrap_or(&name),
                };
                let hint =
                    Some((self.span(before.span.end as usize, before.span.end as usize), "missing `;` here".into()));
                self.error(
                    ErrorKind::NotTerminated,
                    open_sp,
                    format!("directive \"{first}\" is not terminated by \";\""),
                    hint,
                );
                if let Some(i) = split {
                    let mut rest = words.split_off(i);
                    let block_name = rest.remove(0);
                    let first = std::mem::replace(&mut name, block_name);
                    let span = first.span.cover(words.last().map_or(first.span, |w| w.span));
                    self.push(Directive { name: first, args: words, span, block: None, includes: vec![] });
                    words = rest;
                }
            }
        }
        let mut child = Context::Unknown;
        let name_text = text_of(self.src, &name);
        let specs = if ctx.is_checked() { table::lookup(name_text) } else { &[] };
        if ctx.is_checked() && self.check_name(&name, specs, ctx, self.span(open, open + 1)) {
            if let Some(spec) = table::select(specs, ctx)
                && spec.is_block()
            {
                self.check_args(spec, &name, words.len(), self.span(open, open + 1));
                child = table::child_context(spec, name_text, ctx);
            }
        } else if ctx == Context::Data {
            let sp = self.span(open, open + 1);
            self.error(ErrorKind::Unexpected, sp, "unexpected \"{\"".into(), None);
        }
        if name_text.ends_with("_by_lua_block") {
            return self.lua_block(name, words, open);
        }
        self.open(Directive { name, args: words, span: Span::default(), block: None, includes: vec![] }, child, open);
    }

    fn open(&mut self, directive: Directive, ctx: Context, open: usize) {
        if self.skipped_depth > 0 || self.frames.len() >= MAX_DEPTH {
            if self.skipped_depth == 0 {
                let sp = self.span(open, open + 1);
                self.error(ErrorKind::TooDeep, sp, format!("blocks nested deeper than {MAX_DEPTH} levels"), None);
            }
            self.skipped_depth += 1;
            return;
        }
        let mut directive = directive;
        directive.block = Some(Block { children: Vec::new(), span: self.span(open, open + 1), raw: None });
        self.frames.push(Frame { directive, ctx, first_child: self.pending.len() });
    }

    fn open_anonymous(&mut self, open: usize) {
        let name = Arg { value: Word::default(), span: self.span(open, open), quote: Quote::None };
        self.open(
            Directive { name, args: vec![], span: Span::default(), block: None, includes: vec![] },
            Context::Unknown,
            open,
        );
    }

    fn close(&mut self, at: usize, _root: Context) {
        if self.skipped_depth > 0 {
            self.skipped_depth -= 1;
            return;
        }
        if self.frames.is_empty() {
            let sp = self.span(at, at + 1);
            self.error(ErrorKind::Unexpected, sp, "unexpected \"}\"".into(), None);
            return;
        }
        self.pop_frame(at + 1);
    }

    fn pop_frame(&mut self, end: usize) {
        let Some(frame) = self.frames.pop() else { return };
        let mut d = frame.directive;
        if let Some(b) = d.block.as_mut() {
            b.children = self.pending.split_off(frame.first_child.min(self.pending.len()));
            b.span = Span::new(self.file, b.span.start as usize, end.min(self.text.len()).max(b.span.start as usize));
        }
        d.span = Span::new(self.file, d.name.span.start as usize, end.min(self.text.len()));
        self.push(d);
    }

    fn push(&mut self, d: Directive) {
        if self.skipped_depth > 0 {
            return;
        }
        match self.frames.last_mut() {
            Some(_) => self.pending.push(d),
            None => self.out.directives.push(d),
        }
    }

    /// `content_by_lua_block { ... }`: skip Lua to the matching `}`.
    fn lua_block(&mut self, name: Arg, args: Vec<Arg>, open: usize) {
        let text = self.text;
        let mut i = open + 1;
        let mut depth = 1usize;
        let end = loop {
            let Some(&c) = text.get(i) else { break None };
            match c {
                b'{' => {
                    depth += 1;
                    i += 1;
                }
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break Some(i);
                    }
                    i += 1;
                }
                b'"' | b'\'' => {
                    i += 1;
                    while let Some(&s) = text.get(i) {
                        if s == b'\\' {
                            i += 2;
                            continue;
                        }
                        i += 1;
                        if s == c || s == b'\n' {
                            break;
                        }
                    }
                }
                b'-' if text.get(i + 1) == Some(&b'-') => {
                    i += 2;
                    if let Some(level) = long_bracket(text, i) {
                        i = skip_long(text, i, level);
                    } else {
                        i = memchr_newline(text, i);
                    }
                }
                b'[' => match long_bracket(text, i) {
                    Some(level) => i = skip_long(text, i, level),
                    None => i += 1,
                },
                _ => i += 1,
            }
        };
        let close = end.unwrap_or(text.len());
        let raw = self.span(open + 1, close.min(text.len()));
        let block_end = end.map_or(text.len(), |e| e + 1);
        if end.is_none() {
            let at = self.span(text.len(), text.len());
            let hint = Some((name.span, "this Lua block is never closed".to_owned()));
            self.error(ErrorKind::UnexpectedEof, at, "unexpected end of file, expecting \"}\"".into(), hint);
        }
        self.pos = block_end;
        let span = self.span(name.span.start as usize, block_end);
        let block = Some(Block { children: Vec::new(), span: self.span(open, block_end), raw: Some(raw) });
        self.push(Directive { name, args, span, block, includes: vec![] });
    }
}

/// `[[`, `[=[`... at `i`: the number of `=`.
fn long_bracket(text: &[u8], i: usize) -> Option<usize> {
    if text.get(i) != Some(&b'[') {
        return None;
    }
    let mut j = i + 1;
    while text.get(j) == Some(&b'=') {
        j += 1;
    }
    (text.get(j) == Some(&b'[')).then_some(j - i - 1)
}

/// Past the `]=*]` closing a long bracket opened at `i` (end of text if none).
fn skip_long(text: &[u8], i: usize, level: usize) -> usize {
    let mut j = i + level + 2;
    while j < text.len() {
        if text[j] == b']' {
            let mut k = j + 1;
            while text.get(k) == Some(&b'=') {
                k += 1;
            }
            if k - j - 1 == level && text.get(k) == Some(&b']') {
                return k + 1;
            }
        }
        j += 1;
    }
    text.len()
}

/// A word's value as a `&str` of the source text when it was written without escapes (the parser's
/// own lookups: no second UTF-8 check of the copy in [`Word::as_str`]), else the value itself.
/// Unescaping always shortens a word, so the same length means the same text.
fn text_of<'s>(src: &'s str, a: &'s Arg) -> &'s str {
    let (start, end) = (a.span.start as usize, a.span.end as usize);
    let (start, end) = if a.quote == Quote::None { (start, end) } else { (start + 1, end.saturating_sub(1)) };
    if end >= start
        && end - start == a.value.len()
        && let Some(text) = src.get(start..end)
    {
        return text;
    }
    a.value.as_str()
}

/// The words of a statement as its name and its arguments: the arguments get a vector of their exact
/// size, and `words` keeps its buffer for the next statement. `words` is never empty here.
fn split_words(words: &mut Vec<Arg>) -> (Arg, Vec<Arg>) {
    let args = if words.is_empty() { Vec::new() } else { words.split_off(1) };
    let name = words.pop().unwrap_or_else(|| Arg { value: Word::default(), span: Span::default(), quote: Quote::None });
    (name, args)
}

fn args_expected(spec: &table::Spec) -> String {
    match (spec.min_args, spec.max_args) {
        (0, 0) => "takes no arguments".into(),
        (a, b) if a == b => format!("takes {a} argument{}", if a == 1 { "" } else { "s" }),
        (a, u8::MAX) => format!("takes {a} or more arguments"),
        (a, b) => format!("takes {a} to {b} arguments"),
    }
}

fn memchr_newline(text: &[u8], from: usize) -> usize {
    text.get(from..).and_then(|t| t.iter().position(|&c| c == b'\n')).map_or(text.len(), |p| from + p)
}

fn trim_cr(text: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && text.get(end - 1) == Some(&b'\r') {
        end -= 1;
    }
    end
}

/// nginx's unescaping of a word's content (`start..end` excludes quotes).
fn unescape(src: &str, start: usize, end: usize) -> String {
    let Some(s) = src.get(start..end.min(src.len())) else { return String::new() };
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            match b.get(i + 1) {
                Some(&c @ (b'"' | b'\'' | b'\\')) => {
                    out.push(c);
                    i += 2;
                    continue;
                }
                Some(b't') => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                Some(b'r') => {
                    out.push(b'\r');
                    i += 2;
                    continue;
                }
                Some(b'n') => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

trait CharBoundary {
    fn ceil_char_boundary_compat(&self, i: usize) -> usize;
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl CharBoundary for str {
    fn ceil_char_boundary_compat(&self, i: usize) -> usize {
        let mut i = i.min(self.len());
        while !self.is_char_boundary(i) {
            i += 1;
        }
        i
    }

    fn floor_char_boundary_compat(&self, i: usize) -> usize {
        let mut i = i.min(self.len());
        while !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}
