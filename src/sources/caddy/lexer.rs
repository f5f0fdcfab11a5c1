//! `{$VAR}` substitution on the raw text, then tokenizing, both as Caddy does them, with a byte range in
//! the original text for every token.

use std::ops::Range;

use super::{EnvUse, Quote};

/// One piece of the substituted text: either copied from the original or the value of a `{$VAR}`.
#[derive(Clone, Copy, Debug)]
struct Piece {
    /// Start of the piece in the substituted text.
    exp_start: usize,
    /// What it covers in the original text (the whole `{$...}` for a substitution).
    orig: (usize, usize),
    substituted: bool,
}

/// The text after `{$VAR}` substitution, with the way back to original offsets.
pub(crate) struct Expanded {
    pub text: String,
    pieces: Vec<Piece>,
    pub uses: Vec<(EnvUse, Range<usize>)>,
}

impl Expanded {
    /// Original offset of a token that starts at `x` in the substituted text.
    fn map_start(&self, x: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.exp_start <= x).saturating_sub(1);
        match self.pieces.get(i) {
            Some(p) if p.substituted => p.orig.0,
            Some(p) => (p.orig.0 + (x - p.exp_start)).min(p.orig.1),
            None => x,
        }
    }

    /// Original offset of a token that ends at `x` (exclusive) in the substituted text.
    fn map_end(&self, x: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.exp_start < x).saturating_sub(1);
        match self.pieces.get(i) {
            Some(p) if p.substituted => p.orig.1,
            Some(p) => (p.orig.0 + x.saturating_sub(p.exp_start)).min(p.orig.1),
            None => x,
        }
    }

    /// The original range of a substituted-text range, and whether a `{$VAR}` contributed to it.
    pub fn map(&self, r: Range<usize>) -> (Range<usize>, bool) {
        let start = self.map_start(r.start);
        let end = self.map_end(r.end).max(start);
        let lo = self.pieces.partition_point(|p| p.exp_start < r.start).saturating_sub(1);
        let env = self
            .pieces
            .iter()
            .skip(lo)
            .take_while(|p| p.exp_start <= r.end)
            .any(|p| p.substituted && p.orig.0 >= start && p.orig.1 <= end);
        (start..end, env)
    }
}

/// Replaces every `{$NAME}` and `{$NAME:default}` as Caddy does before lexing: the first `}` after `{$`
/// ends the name (even across lines), the default follows the first `:`, a set variable wins over the
/// default even when empty, an unset one without default is empty, `{$}` is left alone, and a value is
/// not scanned again (no chaining).
pub(crate) fn expand(text: &str, vars: &dyn Fn(&str) -> Option<String>) -> Expanded {
    let mut out = String::with_capacity(text.len());
    let mut pieces = Vec::new();
    let mut uses = Vec::new();
    let mut pos = 0usize;
    let mut literal_from = 0usize;
    let push_literal = |out: &mut String, pieces: &mut Vec<Piece>, from: usize, to: usize| {
        if to > from {
            pieces.push(Piece { exp_start: out.len(), orig: (from, to), substituted: false });
            out.push_str(&text[from..to]);
        }
    };
    while let Some(rel) = text.get(pos..).and_then(|t| t.find("{$")) {
        let begin = pos + rel;
        let Some(close_rel) = text[begin + 2..].find('}') else { break };
        let end = begin + 2 + close_rel;
        let inner = &text[begin + 2..end];
        if inner.is_empty() {
            pos = end + 1;
            continue;
        }
        let (name, default) = match inner.split_once(':') {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        let found = vars(name);
        let value = match (&found, default) {
            (Some(v), _) => v.clone(),
            (None, Some(d)) => d.to_string(),
            (None, None) => String::new(),
        };
        push_literal(&mut out, &mut pieces, literal_from, begin);
        pieces.push(Piece { exp_start: out.len(), orig: (begin, end + 1), substituted: true });
        let exp_range = out.len()..out.len() + value.len();
        out.push_str(&value);
        uses.push((
            EnvUse {
                name: name.to_string(),
                default: default.map(str::to_string),
                value: found,
                name_range: begin + 2..begin + 2 + name.len(),
                range: begin..end + 1,
            },
            exp_range,
        ));
        pos = end + 1;
        literal_from = pos;
    }
    push_literal(&mut out, &mut pieces, literal_from, text.len());
    Expanded { text: out, pieces, uses }
}

/// A token of the substituted text.
#[derive(Clone, Debug)]
pub(crate) struct RawToken {
    pub text: String,
    /// Byte range in the substituted text.
    pub range: Range<usize>,
    /// Line (1-based) as Caddy counts it: escaped newlines do not count until the next real one.
    pub line: u32,
    pub quote: Quote,
}

#[derive(Clone, Debug)]
pub(crate) struct LexError {
    pub range: Range<usize>,
    pub message: String,
}

/// Splits the substituted text into tokens the way Caddy's lexer does (see the module docs of
/// `caddy` for the rules). `heredocs` enables `<<MARKER` (Caddy 2.7+).
pub(crate) fn tokenize(text: &str, heredocs: bool) -> Result<Vec<RawToken>, LexError> {
    let mut lx = Lexer { text, pos: 0, line: 1, skipped: 0, heredocs };
    if text.starts_with('\u{feff}') {
        lx.pos = '\u{feff}'.len_utf8();
    }
    let mut out = Vec::new();
    while let Some(tok) = lx.next()? {
        out.push(tok);
    }
    Ok(out)
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
    skipped: u32,
    heredocs: bool,
}

impl Lexer<'_> {
    fn next_char(&mut self) -> Option<(usize, char)> {
        let at = self.pos;
        let c = self.text.get(at..)?.chars().next()?;
        self.pos += c.len_utf8();
        Some((at, c))
    }

    fn next(&mut self) -> Result<Option<RawToken>, LexError> {
        let mut val = String::new();
        let (mut comment, mut quoted, mut bt_quoted, mut in_heredoc, mut heredoc_escaped, mut escaped) =
            (false, false, false, false, false, false);
        let mut marker = String::new();
        let mut start = self.pos;
        let mut escape_at: Option<usize> = None;
        let mut token_line = self.line;
        let make = |val: String, start: usize, end: usize, line: u32, quote: Quote| {
            Ok(Some(RawToken { text: val, range: start..end, line, quote }))
        };
        loop {
            let Some((at, ch)) = self.next_char() else {
                if !val.is_empty() {
                    if in_heredoc {
                        return Err(LexError {
                            range: start..self.text.len(),
                            message: format!("incomplete heredoc <<{marker}: the closing marker {marker} is missing"),
                        });
                    }
                    let q = if quoted {
                        Quote::UnterminatedDouble
                    } else if bt_quoted {
                        Quote::UnterminatedBacktick
                    } else {
                        Quote::None
                    };
                    return make(val, start, self.text.len(), token_line, q);
                }
                return Ok(None);
            };

            if self.heredocs && !quoted && !bt_quoted && !in_heredoc && !heredoc_escaped && val.starts_with("<<") {
                if ch == ' ' {
                    return make(val, start, at, token_line, Quote::None);
                }
                if ch == '\r' {
                    continue;
                }
                if ch == '\n' {
                    if val.len() == 2 {
                        return Err(LexError {
                            range: start..at,
                            message: "missing opening heredoc marker: it must contain only letters, digits, dashes \
                                      and underscores"
                                .into(),
                        });
                    }
                    if val.starts_with("<<<") {
                        return Err(LexError {
                            range: start..at,
                            message: "too many '<' for heredoc: use two, for example <<END".into(),
                        });
                    }
                    marker = val[2..].to_string();
                    if !marker.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                        return Err(LexError {
                            range: start..at,
                            message: format!(
                                "heredoc marker '{marker}' must contain only letters, digits, dashes and underscores"
                            ),
                        });
                    }
                    in_heredoc = true;
                    self.skipped += 1;
                    val.clear();
                    continue;
                }
                val.push(ch);
                continue;
            }

            if in_heredoc {
                val.push(ch);
                if ch == '\n' {
                    self.skipped += 1;
                }
                if val.len() >= marker.len() && val.ends_with(marker.as_str()) {
                    let end = self.pos;
                    let text = finalize_heredoc(&val, &marker, token_line)
                        .map_err(|message| LexError { range: start..end, message })?;
                    self.line += self.skipped;
                    self.skipped = 0;
                    return make(text, start, end, token_line, Quote::Heredoc);
                }
                continue;
            }

            if !escaped && !bt_quoted && ch == '\\' {
                escaped = true;
                escape_at = Some(at);
                continue;
            }

            if quoted || bt_quoted {
                if quoted && escaped {
                    if ch != '"' {
                        val.push('\\');
                    }
                    escaped = false;
                } else if (quoted && ch == '"') || (bt_quoted && ch == '`') {
                    let q = if quoted { Quote::Double } else { Quote::Backtick };
                    return make(val, start, self.pos, token_line, q);
                }
                if ch == '\n' {
                    self.line += 1 + self.skipped;
                    self.skipped = 0;
                }
                val.push(ch);
                continue;
            }

            if ch.is_whitespace() {
                if ch == '\r' {
                    continue;
                }
                if ch == '\n' {
                    if escaped {
                        self.skipped += 1;
                        escaped = false;
                    } else {
                        self.line += 1 + self.skipped;
                        self.skipped = 0;
                    }
                    comment = false;
                }
                if !val.is_empty() {
                    return make(val, start, at, token_line, Quote::None);
                }
                continue;
            }

            if ch == '#' && val.is_empty() {
                comment = true;
            }
            if comment {
                continue;
            }

            if val.is_empty() {
                token_line = self.line;
                start = match escape_at {
                    Some(e) if escaped => e,
                    _ => at,
                };
                if ch == '"' {
                    quoted = true;
                    continue;
                }
                if ch == '`' {
                    bt_quoted = true;
                    continue;
                }
            }

            if escaped {
                if self.heredocs && ch == '<' {
                    heredoc_escaped = true;
                } else {
                    val.push('\\');
                }
                escaped = false;
            }
            val.push(ch);
        }
    }
}

/// The heredoc body without its last line (the closing marker) and with the closing marker's
/// indentation removed from every line, as Caddy does.
fn finalize_heredoc(val: &str, marker: &str, first_line: u32) -> Result<String, String> {
    let last_nl = val.rfind('\n');
    let body = match last_nl {
        Some(i) => &val[..=i],
        None => "",
    };
    let padding_start = last_nl.map_or(0, |i| i + 1);
    let padding = val.get(padding_start..val.len().saturating_sub(marker.len())).unwrap_or("");
    let mut out = String::new();
    let lines: Vec<&str> = body.split('\n').collect();
    for (n, line) in lines.iter().take(lines.len().saturating_sub(1)).enumerate() {
        if line.is_empty() || *line == "\r" {
            out.push('\n');
            continue;
        }
        let Some(rest) = line.strip_prefix(padding) else {
            return Err(format!(
                "mismatched leading whitespace in heredoc <<{marker} on line {}: expected [{padding}] as before the \
                 closing marker",
                first_line as usize + n + 1
            ));
        };
        out.push_str(&rest.replace('\r', ""));
        out.push('\n');
    }
    if out.ends_with('\n') {
        out.pop();
    }
    Ok(out)
}
