//! Groups tokens into blocks and directives the way Caddy's parser does, splicing `import`s in place.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::lexer::{expand, tokenize};
use super::{
    BlockKind, Caddyfile, Dialect, Directive, ErrorKind, ImportResolver, Options, ParseError, Quote, ServerBlock, Token,
};
use crate::source::{FileId, Span};

/// Parses a Caddyfile. `vars` gives the value of a `{$VAR}` (the caddy process's environment);
/// `resolver` finds the files an `import` names. Never panics; the first syntax error ends the parse
/// (as in Caddy) and the blocks read until then are kept.
pub fn parse(
    file: FileId,
    text: &str,
    vars: &dyn Fn(&str) -> Option<String>,
    resolver: &mut dyn ImportResolver,
    opts: &Options,
) -> Caddyfile {
    let mut out = Caddyfile { file, ..Caddyfile::default() };
    let lexed = lex_file(file, text, vars, opts, 0, &mut out);
    let tokens = match lexed {
        Ok(t) => t,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    let mut p = Parser {
        done: Vec::with_capacity(tokens.len()),
        ahead: tokens.into(),
        past_end: false,
        nesting: 0,
        snippets: HashMap::new(),
        edges: HashMap::new(),
        next_origin: 1,
        imports: 0,
        imported_tokens: 0,
        vars,
        resolver,
        opts: *opts,
        out,
        raw_blocks: Vec::new(),
        block: RawBlock::default(),
        eof: false,
    };
    if let Err(e) = p.parse_all() {
        p.out.errors.push(e);
    } else if let Some(t) = p
        .done
        .iter()
        .chain(&p.ahead)
        .find(|t| matches!(t.quote, Quote::UnterminatedDouble | Quote::UnterminatedBacktick))
    {
        let start = t.span.start as usize;
        p.out.warnings.push(ParseError {
            span: Span::new(t.span.file, start, start + 1),
            message: "this quote is never closed: the rest of the file is one token".into(),
            related: None,
            kind: ErrorKind::UnterminatedQuote,
        });
    }
    let mut out = p.out;
    let raw_blocks = std::mem::take(&mut p.raw_blocks);
    finish_blocks(raw_blocks, &mut out, opts.dialect == Dialect::V2_6);
    out
}

/// Substitutes and tokenizes one file, recording its `{$VAR}` uses (and, for the root, its comments).
fn lex_file(
    file: FileId,
    text: &str,
    vars: &dyn Fn(&str) -> Option<String>,
    opts: &Options,
    origin: u32,
    out: &mut Caddyfile,
) -> Result<Vec<Token>, ParseError> {
    let expanded = expand(text, vars);
    for (u, _) in &expanded.uses {
        out.env_uses.push((file, u.clone()));
    }
    let heredocs = opts.dialect == Dialect::Current;
    let lexed = tokenize(&expanded.text, heredocs);
    if origin == 0 {
        out.comments = comments(&expanded.text)
            .into_iter()
            .map(|r| {
                let (r, _) = expanded.map(r);
                Span::new(file, r.start, r.end)
            })
            .collect();
    }
    let raw = lexed.map_err(|e| {
        let (r, _) = expanded.map(e.range);
        ParseError {
            span: Span::new(file, r.start, r.end),
            message: e.message,
            related: None,
            kind: ErrorKind::Heredoc,
        }
    })?;
    let mut tokens = Vec::with_capacity(raw.len());
    for t in raw {
        let (r, from_env) = expanded.map(t.range);
        tokens.push(Token {
            text: t.text,
            span: Span::new(file, r.start, r.end),
            quote: t.quote,
            from_env,
            imported_at: None,
            line: t.line,
            origin,
            snippet: None,
        });
    }
    Ok(tokens)
}

/// Byte ranges of the comments of a (substituted) text, as the lexer skips them: a `#` that starts a
/// token, to the end of the line. Quoted text and heredocs are not tracked here; a `#` inside quotes
/// that starts a word may be reported as a comment (used only to find suppression comments).
fn comments(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_quote = false;
    let mut prev_space = true;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quote {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == b'"' {
                in_quote = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' && prev_space {
            in_quote = true;
        } else if b == b'#' && prev_space {
            let end = text[i..].find('\n').map_or(text.len(), |e| i + e);
            let end = if end > i && bytes.get(end - 1) == Some(&b'\r') { end - 1 } else { end };
            out.push(i..end);
            i = end;
            continue;
        }
        prev_space = b.is_ascii_whitespace();
        i += 1;
    }
    out
}

#[derive(Default)]
struct RawBlock {
    keys: Vec<Token>,
    has_braces: bool,
    named_route: bool,
    segments: Vec<Vec<Token>>,
    open: Option<Span>,
    close: Option<Span>,
}

struct Parser<'a> {
    /// Tokens read so far; the last one is the current token (Caddy's cursor), unless `past_end`.
    done: Vec<Token>,
    /// Tokens still to read. An import moves its tokens to the front of this queue, so splicing
    /// costs what the import brings, not the size of the file.
    ahead: std::collections::VecDeque<Token>,
    /// The cursor is one past the last token (an import at the end of the file that brought nothing).
    past_end: bool,
    nesting: usize,
    snippets: HashMap<String, Vec<Token>>,
    /// Import graph: node -> imported nodes. A node is a file, or a snippet in a file.
    edges: HashMap<String, Vec<String>>,
    next_origin: u32,
    imports: usize,
    imported_tokens: usize,
    vars: &'a dyn Fn(&str) -> Option<String>,
    resolver: &'a mut dyn ImportResolver,
    opts: Options,
    out: Caddyfile,
    raw_blocks: Vec<RawBlock>,
    block: RawBlock,
    eof: bool,
}

type PResult<T> = Result<T, ParseError>;

impl Parser<'_> {
    fn legacy(&self) -> bool {
        self.opts.dialect == Dialect::V2_6
    }

    fn tok(&self) -> Option<&Token> {
        if self.past_end { None } else { self.done.last() }
    }

    fn val(&self) -> &str {
        self.tok().map_or("", |t| t.text.as_str())
    }

    fn is_open(&self, t: &Token) -> bool {
        if self.legacy() { t.text == "{" } else { t.is_open() }
    }

    fn is_close(&self, t: &Token) -> bool {
        if self.legacy() { t.text == "}" } else { t.is_close() }
    }

    fn cur_is_open(&self) -> bool {
        self.tok().is_some_and(|t| self.is_open(t))
    }

    fn cur_is_close(&self) -> bool {
        self.tok().is_some_and(|t| self.is_close(t))
    }

    fn next(&mut self) -> bool {
        if self.past_end {
            return false;
        }
        match self.ahead.pop_front() {
            Some(t) => {
                self.done.push(t);
                true
            }
            None => false,
        }
    }

    /// Steps the cursor back one token (Caddy's `cursor--`).
    fn back(&mut self) {
        if self.past_end {
            self.past_end = false;
        } else if let Some(t) = self.done.pop() {
            self.ahead.push_front(t);
        }
    }

    fn is_new_line(&self) -> bool {
        if self.past_end {
            return false;
        }
        let n = self.done.len();
        if n < 2 {
            return true;
        }
        match (self.done.get(n - 2), self.done.get(n - 1)) {
            (Some(prev), Some(cur)) => next_on_new_line(prev, cur),
            _ => false,
        }
    }

    fn is_next_on_new_line(&self) -> bool {
        if self.past_end {
            return true;
        }
        match (self.done.last(), self.ahead.front()) {
            (None, _) => false,
            (Some(cur), Some(next)) => next_on_new_line(cur, next),
            _ => true,
        }
    }

    /// Advances to the next token if it is on the same line and not a `{`.
    fn next_arg(&mut self) -> bool {
        if self.is_next_on_new_line() || !self.next() {
            return false;
        }
        if self.cur_is_open() {
            self.back();
            return false;
        }
        true
    }

    fn span(&self) -> Span {
        self.tok().or(self.done.last()).map_or(Span::file_start(self.out.file), |t| t.span)
    }

    fn err(&self, kind: ErrorKind, message: impl Into<String>) -> ParseError {
        ParseError { span: self.span(), message: message.into(), related: None, kind }
    }

    fn syntax(&self, message: impl Into<String>) -> ParseError {
        let mut e = self.err(ErrorKind::Syntax, message);
        // A quote left open swallowed the rest of the file: that is the cause to show.
        if let Some(t) = self
            .done
            .iter()
            .chain(&self.ahead)
            .rev()
            .find(|t| matches!(t.quote, Quote::UnterminatedDouble | Quote::UnterminatedBacktick))
        {
            e.related = Some((
                Span::new(t.span.file, t.span.start as usize, t.span.start as usize + 1),
                "this quote is never closed: the rest of the file is one token".into(),
            ));
        }
        e
    }

    fn eof_err(&self, open: Option<Span>) -> ParseError {
        let mut e = self.syntax("unexpected end of file: a block is not closed");
        if e.related.is_none() {
            e.related = open.map(|s| (s, "this `{` has no matching `}`".to_string()));
        }
        e
    }

    fn expecting(&self, expected: &str) -> ParseError {
        match self.tok() {
            Some(t) => self.syntax(format!("unexpected token '{}', expecting '{expected}'", t.text)),
            None => self.syntax(format!("unexpected end of file, expecting '{expected}'")),
        }
    }

    fn parse_all(&mut self) -> PResult<()> {
        while self.next() {
            self.block = RawBlock::default();
            let r = self.begin();
            let block = std::mem::take(&mut self.block);
            if !block.keys.is_empty() || !block.segments.is_empty() {
                self.raw_blocks.push(block);
            }
            r?;
            if self.nesting > 0 {
                return Err(self.eof_err(None));
            }
        }
        Ok(())
    }

    fn begin(&mut self) -> PResult<()> {
        if self.done.is_empty() && self.ahead.is_empty() {
            return Ok(());
        }
        self.addresses()?;
        if self.eof {
            return Ok(());
        }
        if let [key] = self.block.keys.as_slice() {
            let k = key.text.as_str();
            if !self.legacy() && k.starts_with("&(") && k.ends_with(')') && k.len() >= 3 {
                self.block.named_route = true;
                return self.block_contents();
            }
            if k.starts_with('(') && k.ends_with(')') && k.len() >= 2 {
                let name = k[1..k.len() - 1].to_string();
                let key_span = key.span;
                if self.snippets.contains_key(&name) {
                    return Err(
                        self.err(ErrorKind::Syntax, format!("redeclaration of previously declared snippet {name}"))
                    );
                }
                let tokens = self.snippet_tokens()?;
                let rc: Arc<str> = Arc::from(name.as_str());
                let tokens = tokens
                    .into_iter()
                    .map(|mut t| {
                        t.snippet = Some(rc.clone());
                        t
                    })
                    .collect();
                self.snippets.insert(name.clone(), tokens);
                self.out.snippets.push((name, key_span));
                self.block.keys.clear();
                return Ok(());
            }
        }
        self.block_contents()
    }

    fn addresses(&mut self) -> PResult<()> {
        let mut expecting_another = false;
        loop {
            let value = self.val().to_string();
            let token = self.tok().cloned();
            if !self.legacy() && value.starts_with('@') {
                return Err(self.err(
                    ErrorKind::Syntax,
                    format!(
                        "request matchers may not be defined globally, they must be in a site block; found {value}"
                    ),
                ));
            }
            if value == "import" && self.is_new_line() {
                self.do_import(false)?;
                continue;
            }
            if let Some(t) = &token
                && self.is_open(t)
            {
                if expecting_another {
                    return Err(
                        self.syntax(format!("expected another address but had '{value}' - check for an extra comma"))
                    );
                }
                self.block.has_braces = true;
                self.block.open = Some(t.span);
                break;
            }
            let quoted = token.as_ref().is_some_and(|t| t.quote.is_quoted());
            if value.ends_with('{') && (self.legacy() || !quoted) {
                return Err(self.syntax(format!(
                    "site addresses cannot end with a curly brace: '{value}' - put a space between the address and the brace"
                )));
            }
            if !value.is_empty() {
                let mut v = value.as_str();
                if let Some(stripped) = v.strip_suffix(',') {
                    v = stripped;
                    expecting_another = true;
                } else {
                    expecting_another = false;
                }
                if v.contains(',') {
                    return Err(self.syntax(format!(
                        "site addresses cannot contain a comma ',': '{v}' - put a space after the comma to separate addresses"
                    )));
                }
                if (!v.is_empty() || self.legacy())
                    && let Some(mut t) = token
                {
                    if t.text.len() != v.len() && t.quote == Quote::None && t.span.len() == t.text.len() {
                        t.span.end = t.span.end.saturating_sub(1);
                    }
                    t.text = v.to_string();
                    self.block.keys.push(t);
                }
            }
            let has_next = self.next();
            if expecting_another && !has_next {
                return Err(self.syntax("unexpected end of file: another address was expected after the comma"));
            }
            if !has_next {
                self.eof = true;
                break;
            }
            if !expecting_another && self.is_new_line() {
                break;
            }
        }
        Ok(())
    }

    fn block_contents(&mut self) -> PResult<()> {
        let braced = self.cur_is_open();
        if !braced {
            self.back();
        }
        let closed = self.directives()?;
        if braced {
            if !self.cur_is_close() {
                return Err(self.expecting("}"));
            }
            if !closed {
                // Caddy takes the last `}` of the file, which closed an inner block, as this one's too.
                self.out.warnings.push(ParseError {
                    span: self.block.open.unwrap_or_else(|| self.span()),
                    message: "this block's `{` is never closed: Caddy only accepts it because the file ends \
                              with the `}` of an inner block"
                        .into(),
                    related: Some((self.span(), "this `}` closes an inner block".into())),
                    kind: ErrorKind::Syntax,
                });
            }
            self.block.close = self.tok().map(|t| t.span);
        }
        Ok(())
    }

    /// Reads directives up to the `}` that closes the block (or the end of the file); true when it
    /// stopped at a `}`.
    fn directives(&mut self) -> PResult<bool> {
        while self.next() {
            if self.cur_is_close() {
                return Ok(true);
            }
            if self.val() == "import" {
                self.do_import(true)?;
                self.back();
                continue;
            }
            self.directive()?;
        }
        Ok(false)
    }

    fn directive(&mut self) -> PResult<()> {
        let mut segment = Vec::new();
        if let Some(t) = self.tok() {
            segment.push(t.clone());
        }
        let mut opens: Vec<Span> = Vec::new();
        while self.next() {
            let Some(t) = self.tok().cloned() else { break };
            let (open, close) = (self.is_open(&t), self.is_close(&t));
            if open {
                self.nesting += 1;
                opens.push(t.span);
                if self.nesting > self.opts.limits.max_depth {
                    return Err(self.err(
                        ErrorKind::Limit,
                        format!("blocks nested more than {} deep", self.opts.limits.max_depth),
                    ));
                }
                let quoted_ok = self.legacy() && t.quote.is_quoted();
                if !self.is_next_on_new_line() && !quoted_ok {
                    return Err(self.syntax("unexpected next token after '{' on the same line"));
                }
                if !self.legacy() && self.is_new_line() {
                    return Err(self
                        .syntax("unexpected '{' on a new line; did you mean to place the '{' on the previous line?"));
                }
            } else if t.text == "{}" && !t.quote.is_quoted() {
                if self.is_next_on_new_line() {
                    return Err(self.syntax("unexpected '{}' at end of line"));
                }
            } else if self.is_new_line() && self.nesting == 0 {
                self.back();
                break;
            } else if close && self.nesting > 0 {
                self.nesting -= 1;
                opens.pop();
            } else if close {
                return Err(self.syntax("unexpected '}' because no matching opening brace"));
            } else if t.text == "import" && self.is_new_line() {
                self.do_import(true)?;
                self.back();
                continue;
            }
            if let Some(t) = self.tok() {
                segment.push(t.clone());
            }
        }
        self.block.segments.push(segment);
        if self.nesting > 0 {
            return Err(self.eof_err(opens.first().copied()));
        }
        Ok(())
    }

    fn snippet_tokens(&mut self) -> PResult<Vec<Token>> {
        if !self.cur_is_open() {
            return Err(self.expecting("{"));
        }
        let open = self.span();
        let mut nesting = 1usize;
        let mut tokens = Vec::new();
        while self.next() {
            let Some(t) = self.tok() else { break };
            if self.is_close(t) {
                nesting -= 1;
                if nesting == 0 {
                    break;
                }
            }
            if self.is_open(t) {
                nesting += 1;
                if nesting > self.opts.limits.max_depth {
                    return Err(self.err(
                        ErrorKind::Limit,
                        format!("blocks nested more than {} deep", self.opts.limits.max_depth),
                    ));
                }
            }
            tokens.push(t.clone());
        }
        if nesting != 0 {
            let mut e = self.expecting("}");
            e.related.get_or_insert((open, "this snippet's `{` has no matching `}`".into()));
            return Err(e);
        }
        Ok(tokens)
    }

    /// Replaces `import PATTERN [ARGS...] [{ block }]` by the tokens it names; the cursor ends on the
    /// first imported token (the position of `import`).
    fn do_import(&mut self, _in_block: bool) -> PResult<()> {
        let import_idx = self.done.len().saturating_sub(1);
        let import_span = self.span();
        if !self.next_arg() {
            return Err(self.err(ErrorKind::Syntax, "wrong argument count or unexpected line ending after 'import'"));
        }
        let pattern_tok = self.tok().cloned().unwrap_or_else(|| dummy(self.out.file));
        let pattern = pattern_tok.text.clone();
        if pattern.is_empty() {
            return Err(self.err(ErrorKind::Syntax, "import requires a non-empty file path"));
        }
        let mut args = Vec::new();
        while self.next_arg() {
            args.push(self.val().to_string());
        }
        // An import block (Caddy 2.9+): `{block}` and `{blocks.NAME}` in the imported tokens.
        let mut block_tokens: Vec<Token> = Vec::new();
        if !self.legacy() && !self.is_next_on_new_line() && self.ahead.front().is_some_and(Token::is_open) {
            self.next();
            let mut depth = 1usize;
            while self.next() {
                let Some(t) = self.tok() else { break };
                if t.is_close() && self.is_next_on_new_line() {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                } else if t.is_open() && self.is_next_on_new_line() {
                    depth += 1;
                }
                block_tokens.push(t.clone());
            }
            if depth != 0 {
                return Err(self.eof_err(None));
            }
        }

        self.imports += 1;
        if self.imports > self.opts.limits.max_imports {
            return Err(ParseError {
                span: import_span,
                message: format!("more than {} imports expanded", self.opts.limits.max_imports),
                related: None,
                kind: ErrorKind::Limit,
            });
        }

        let from_tok = self.done.get(import_idx).cloned().unwrap_or_else(|| dummy(self.out.file));
        let from_node = node_name(from_tok.span.file, from_tok.snippet.as_deref());
        let mut to_nodes = Vec::new();
        let imported: Vec<Token> = if let Some(snippet) = self.snippets.get(&pattern) {
            if let Some(first) = snippet.first() {
                to_nodes.push(node_name(first.span.file, Some(&pattern)));
            }
            snippet.clone()
        } else {
            let glob_stars = pattern.matches('*').count() > 1 || pattern.matches('?').count() > 1;
            if glob_stars || (pattern.contains('[') && pattern.contains(']')) {
                return Err(ParseError {
                    span: pattern_tok.span,
                    message: format!("glob pattern may only contain one wildcard (*), but has others: {pattern}"),
                    related: None,
                    kind: ErrorKind::Import,
                });
            }
            let files = self.resolver.resolve(from_tok.span.file, &pattern).map_err(|m| ParseError {
                span: pattern_tok.span,
                message: if self.looks_like_snippet(&pattern) {
                    format!("{m} (no snippet named `{pattern}` is defined before this import either)")
                } else {
                    m
                },
                related: None,
                kind: ErrorKind::Import,
            })?;
            let mut all = Vec::new();
            for f in files {
                if !self.out.imported_files.contains(&f.file) {
                    if self.out.imported_files.len() >= self.opts.limits.max_files {
                        return Err(ParseError {
                            span: pattern_tok.span,
                            message: format!("more than {} files imported", self.opts.limits.max_files),
                            related: None,
                            kind: ErrorKind::Limit,
                        });
                    }
                    self.out.imported_files.push(f.file);
                }
                to_nodes.push(node_name(f.file, None));
                let origin = self.next_origin;
                let toks =
                    lex_file(f.file, &f.text, self.vars, &self.opts, origin, &mut self.out).map_err(|mut e| {
                        e.related = Some((pattern_tok.span, "imported here".into()));
                        e
                    })?;
                all.extend(toks);
            }
            all
        };

        for to in &to_nodes {
            if self.reaches(to, &from_node) {
                return Err(ParseError {
                    span: pattern_tok.span,
                    message: format!("import cycle: `{pattern}` ends up importing the file or snippet that imports it"),
                    related: None,
                    kind: ErrorKind::ImportCycle,
                });
            }
            let e = self.edges.entry(from_node.clone()).or_default();
            if !e.contains(to) {
                e.push(to.clone());
            }
        }

        let origin = self.next_origin;
        self.next_origin = self.next_origin.saturating_add(1);
        let replaced = self.substitute_args(imported, &args, &block_tokens, origin, import_span);

        // Bounds the tokens imports bring in (a snippet that imports another twice, forty levels
        // deep, must not take forever).
        self.imported_tokens = self.imported_tokens.saturating_add(replaced.len());
        let new_len = import_idx + self.ahead.len() + replaced.len();
        if new_len > self.opts.limits.max_tokens || self.imported_tokens > self.opts.limits.max_tokens {
            return Err(ParseError {
                span: import_span,
                message: format!("more than {} tokens after imports", self.opts.limits.max_tokens),
                related: None,
                kind: ErrorKind::Limit,
            });
        }
        // The import statement goes; its tokens come next, and the cursor lands on the first of them.
        self.past_end = false;
        self.done.truncate(import_idx);
        for t in replaced.into_iter().rev() {
            self.ahead.push_front(t);
        }
        if !self.next() {
            self.past_end = true;
        }
        Ok(())
    }

    fn looks_like_snippet(&self, pattern: &str) -> bool {
        !pattern.contains(['/', '.', '*'])
    }

    fn reaches(&self, from: &str, to: &str) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some(next) = self.edges.get(&n) {
                stack.extend(next.iter().cloned());
            }
        }
        false
    }

    /// Fills `{args[N]}`, `{args.N}`, `{args[a:b]}`, `{block}` and `{blocks.NAME}` in imported tokens
    /// (not inside snippet definitions of an imported file), and marks where they came from.
    fn substitute_args(
        &self,
        imported: Vec<Token>,
        args: &[String],
        block: &[Token],
        origin: u32,
        import_span: Span,
    ) -> Vec<Token> {
        let legacy = self.legacy();
        let blocks = if legacy { HashMap::new() } else { block_mapping(block) };
        let mut out: Vec<Token> = Vec::with_capacity(imported.len());
        let mut in_snippet_def = false;
        let mut snippet_depth = 0usize;
        let mut prev: Option<Token> = None;
        let mut line_index = 0usize;
        let mut maybe_snippet_key = false;
        for mut t in imported {
            if !legacy {
                let new_line = prev.as_ref().is_none_or(|p| next_on_new_line(p, &t));
                line_index = if new_line { 0 } else { line_index + 1 };
                if !in_snippet_def && snippet_depth == 0 && line_index == 0 {
                    maybe_snippet_key = t.text.len() >= 3 && t.text.starts_with('(') && t.text.ends_with(')');
                }
                if t.is_open() {
                    snippet_depth += 1;
                    if line_index == 1 && maybe_snippet_key && snippet_depth == 1 {
                        in_snippet_def = true;
                    }
                } else if t.is_close() {
                    snippet_depth = snippet_depth.saturating_sub(1);
                }
            }
            prev = Some(t.clone());
            let stay = in_snippet_def;
            if in_snippet_def && snippet_depth == 0 {
                in_snippet_def = false;
                maybe_snippet_key = false;
            }
            t.origin = origin;
            if t.imported_at.is_none() {
                t.imported_at = Some(import_span);
            }
            if !legacy && !stay {
                if t.text == "{block}" {
                    out.extend(block.iter().cloned());
                    continue;
                }
                if let Some(key) = t.text.strip_prefix("{blocks.").and_then(|k| k.strip_suffix('}')) {
                    if let Some(toks) = blocks.get(key) {
                        out.extend(toks.iter().cloned());
                    }
                    continue;
                }
                if let Some((a, b)) = variadic(&t.text, args.len()) {
                    for arg in &args[a..b] {
                        let mut c = t.clone();
                        c.text = arg.clone();
                        out.push(c);
                    }
                    continue;
                }
            }
            if !stay && t.text.contains("{args") {
                t.text = replace_args(&t.text, args, legacy);
            }
            out.push(t);
        }
        out
    }
}

/// `{blocks.NAME}` contents of an import block: each line `NAME args… [{ … }]`.
fn block_mapping(block: &[Token]) -> HashMap<String, Vec<Token>> {
    let mut map = HashMap::new();
    let mut i = 0;
    while let Some(head) = block.get(i) {
        let key = head.text.clone();
        let mut toks = Vec::new();
        i += 1;
        let mut depth = 0usize;
        while let Some(t) = block.get(i) {
            let prev = &block[i - 1];
            if depth == 0 && next_on_new_line(prev, t) {
                break;
            }
            if t.is_open() {
                depth += 1;
                if depth == 1 {
                    i += 1;
                    continue;
                }
            } else if t.is_close() {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    i += 1;
                    continue;
                }
            }
            toks.push(t.clone());
            i += 1;
        }
        map.insert(key, toks);
    }
    map
}

/// `{args[a:b]}` as a whole token: the range of arguments it spreads.
fn variadic(text: &str, n: usize) -> Option<(usize, usize)> {
    let range = text.strip_prefix("{args[")?.strip_suffix("]}")?;
    let (a, b) = range.split_once(':')?;
    if a.contains('}') || b.contains('{') {
        return None;
    }
    let start = if a.is_empty() { 0 } else { a.parse::<usize>().ok()? };
    let end = if b.is_empty() { n } else { b.parse::<usize>().ok()? };
    (start <= end && end <= n).then_some((start, end))
}

/// Replaces the `{args.N}` (and, unless legacy, `{args[N]}`) placeholders that name an existing
/// argument; other placeholders stay as written.
fn replace_args(text: &str, args: &[String], legacy: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let escaped = open > 0 && rest.as_bytes()[open - 1] == b'\\';
        let Some(close_rel) = rest[open..].find('}') else { break };
        let close = open + close_rel;
        let key = &rest[open + 1..close];
        let index = if escaped {
            None
        } else if let Some(n) = key.strip_prefix("args.") {
            n.parse::<usize>().ok()
        } else if let Some(n) = key.strip_prefix("args[").and_then(|k| k.strip_suffix(']')) {
            if legacy { None } else { n.parse::<usize>().ok() }
        } else {
            None
        };
        match index.and_then(|i| args.get(i)) {
            Some(v) => {
                out.push_str(&rest[..open]);
                out.push_str(v);
            }
            None => out.push_str(&rest[..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn node_name(file: FileId, snippet: Option<&str>) -> String {
    match snippet {
        Some(s) => format!("{}:{s}", file.0),
        None => file.0.to_string(),
    }
}

fn dummy(file: FileId) -> Token {
    Token {
        text: String::new(),
        span: Span::file_start(file),
        quote: Quote::None,
        from_env: false,
        imported_at: None,
        line: 0,
        origin: 0,
        snippet: None,
    }
}

/// Caddy's line test: a token is on a new line when it comes from another file or import, or starts
/// on a later line than the previous one ends.
pub(crate) fn next_on_new_line(prev: &Token, next: &Token) -> bool {
    if prev.span.file != next.span.file || prev.origin != next.origin {
        return true;
    }
    prev.line.saturating_add(prev.line_breaks()) < next.line
}

/// Turns the raw blocks into typed ones: global options, sites, directive trees, and the structural
/// errors Caddy's HTTP adapter reports (an address-less block after the first, one address in two blocks).
fn finish_blocks(raw: Vec<RawBlock>, out: &mut Caddyfile, legacy: bool) {
    let mut seen_keys: HashMap<String, Span> = HashMap::new();
    for (i, b) in raw.into_iter().enumerate() {
        let kind = if b.named_route {
            BlockKind::NamedRoute
        } else if b.keys.is_empty() {
            if i == 0 { BlockKind::Global } else { BlockKind::Keyless }
        } else {
            BlockKind::Site
        };
        let first = b
            .keys
            .first()
            .map(|k| k.span)
            .or(b.open)
            .or_else(|| b.segments.first().and_then(|s| s.first()).map(|t| t.span));
        let Some(first) = first else { continue };
        let mut span = first;
        if let Some(c) = b.close {
            span = span.cover(c);
        } else if let Some(t) = b.segments.last().and_then(|s| s.iter().rev().find(|t| t.span.file == first.file)) {
            span = span.cover(t.span);
        }
        if kind == BlockKind::Keyless {
            out.errors.push(ParseError {
                span: b.open.unwrap_or(first),
                message: "a block without an address is the global options block, and it must come first (is a \
                          `{$VAR}` address empty?)"
                    .into(),
                related: None,
                kind: ErrorKind::Structure,
            });
        }
        if kind == BlockKind::Site {
            if let Some(k) = b.keys.iter().find(|k| k.is_close()) {
                out.errors.push(ParseError {
                    span: k.span,
                    message: "unexpected '}': no block is open here (Caddy would read it as a site address)".into(),
                    related: None,
                    kind: ErrorKind::Syntax,
                });
            }
            for k in &b.keys {
                if let Some(prev) = seen_keys.get(&k.text) {
                    out.errors.push(ParseError {
                        span: k.span,
                        message: format!("ambiguous site definition: `{}` is the address of two blocks", k.text),
                        related: Some((*prev, "first defined here".into())),
                        kind: ErrorKind::Structure,
                    });
                } else {
                    seen_keys.insert(k.text.clone(), k.span);
                }
            }
        }
        let mut directives = Vec::new();
        for seg in &b.segments {
            let mut i = 0;
            while i < seg.len() {
                let before = i;
                directives.push(build_directive(seg, &mut i, legacy));
                if i == before {
                    i += 1;
                }
            }
        }
        out.blocks.push(ServerBlock { kind, keys: b.keys, has_braces: b.has_braces, directives, span });
    }
}

/// Builds one directive (with its block) from a segment, starting at `*i`.
fn build_directive(seg: &[Token], i: &mut usize, legacy: bool) -> Directive {
    let is_open = |t: &Token| if legacy { t.text == "{" } else { t.is_open() };
    let is_close = |t: &Token| if legacy { t.text == "}" } else { t.is_close() };
    let name = seg[*i].clone();
    let mut span = name.span;
    *i += 1;
    let mut args = Vec::new();
    let mut block = None;
    while let Some(t) = seg.get(*i) {
        if is_close(t) || next_on_new_line(&seg[*i - 1], t) {
            break;
        }
        if is_open(t) {
            if t.span.file == span.file {
                span = span.cover(t.span);
            }
            *i += 1;
            let mut children = Vec::new();
            while let Some(c) = seg.get(*i) {
                if is_close(c) {
                    if c.span.file == span.file {
                        span = span.cover(c.span);
                    }
                    *i += 1;
                    break;
                }
                let child = build_directive(seg, i, legacy);
                if child.span.file == span.file {
                    span = span.cover(child.span);
                }
                children.push(child);
            }
            block = Some(children);
            break;
        }
        if t.span.file == span.file {
            span = span.cover(t.span);
        }
        args.push(t.clone());
        *i += 1;
    }
    Directive { name, args, block, span }
}
