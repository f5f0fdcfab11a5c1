//! Lossless, spanned parser for the env-file dialect of Docker Compose v2.
//!
//! This reproduces the behaviour of compose-go's `dotenv` parser as shipped in Docker Compose
//! v2.40.3 (compose-go v2.9.1), including its quirks, and records byte ranges for everything so
//! that a linter can point at, and rewrite, the exact text. Variable interpolation (`$VAR`,
//! `${VAR:-default}`, `$$`) is *not* done here: [`Value::text`] is the value as it is handed to
//! compose's interpolator, and [`Value::interpolate`] says whether compose interpolates it.
//!
//! # The dialect
//!
//! The text is a sequence of *statements*. Before each statement, white space (Unicode
//! `White_Space`, newlines included) is skipped; a `#` there starts a comment that runs to the end
//! of the line. A UTF-8 byte order mark at the very start of the text is ignored.
//!
//! A statement is:
//!
//! * an optional `export` followed by at least one of `\t \n \f \r space` (the white space after it
//!   is then skipped, but only "inline" white space: `\t \v \f \r space U+0085 U+00A0`). Note that
//!   `export` followed by a newline therefore yields an entry with an *empty* key (see below);
//! * a key: letters, digits (Unicode general categories L and N), `_ . - [ ]`, and inline white
//!   space, ended by `=`, `:` or a newline. Trailing white space is trimmed from the key; an ASCII
//!   space left inside the key is an error ("key cannot contain a space"), but the other inline
//!   white space characters are kept in the key (`A<TAB>B=1` defines the variable `"A\tB"`);
//! * for a key ended by a newline: nothing more; the variable is inherited ([`Entry::value`] is
//!   `None`): compose looks it up in its own environment, then among the variables the env files
//!   read so far defined, and leaves it out if it is in neither;
//! * otherwise, after the separator and inline white space, the value:
//!   * `"double quoted"`: may span lines; `\"` gives `"`; `\a \b \f \n \r \t \v \\` are the usual
//!     control characters; `\0NNN` (three octal digits, at most `\0377`) gives the character
//!     `U+00NN`; a malformed `\0…` loses its `0` (`\0` gives `\`, `\012` gives `\12`); `\$`
//!     gives `$$`, which the interpolator later turns into a literal `$`; every other `\c` is
//!     kept as is. The value is interpolated;
//!   * `'single quoted'`: may span lines; only `\'` is processed (to `'`); not interpolated;
//!   * unquoted: the rest of the line, cut at the first ` #` (space then hash: the rest is a
//!     comment), with trailing white space (`\r` included) trimmed; no escapes; interpolated.
//!     Since the white space after the separator is skipped first, `K= # note` has the value
//!     `# note`; `a#b` and `a<TAB>#b` are values too.
//!
//!   After a closing quote the next statement starts right away, on the same line if there is
//!   more text: `A="x" B=y` defines both, `A="x" # note` has a comment, and `A="x" junk` makes
//!   `junk` an inherited variable.
//!
//! The last statement of a text that does not end in a newline is special: if its key is not
//! ended by `=`, `:` or a newline, compose parses it as a variable with an *empty name* whose
//! value is the whole statement (`KEY` at the end of the file defines `""` = `"KEY"`). This is
//! reproduced: the [`Entry`] has an empty `key`, `separator == None` and `value == Some(..)`.
//! `export` followed only by white space at the end of the text is the error
//! "zero length string".
//!
//! Duplicate keys are all returned, in order; compose keeps the last one. Keys starting with a
//! digit are kept by compose (unlike some dotenv implementations).
//!
//! # Errors and recovery
//!
//! Compose stops at the first error. This parser records the error and carries on so a linter sees
//! as much as possible:
//!
//! * a bad character in a key: the error points at the character; parsing resumes at the start of
//!   the next line;
//! * an unterminated quoted value: the error points at the opening quote; parsing resumes at the
//!   start of the line after the opening quote (compose would have swallowed the rest of the file
//!   looking for the closing quote, then failed);
//! * a space inside a key: the error points at the first space; the value is still parsed, so that
//!   parsing resumes where compose would have gone on had the key been valid, but no [`Entry`] is
//!   recorded;
//! * "zero length string" only happens at the end of the text.
//!
//! Only the first error of [`EnvFile::errors`] is one compose would report; the later ones are
//! what compose would report once the earlier ones are fixed, as far as this recovery can tell.
//!
//! # Known deviations
//!
//! * Letters and digits are decided with Rust's Unicode tables (`char::is_alphabetic`,
//!   `char::is_numeric`) minus a table of the `Alphabetic` code points that are not letters in
//!   Unicode 15.0 (the version of the Go release compose is built with). Characters assigned after
//!   Unicode 15.0 may be classified differently than by compose.
//! * Error messages are compose's without the `line N: ` prefix (the range says where), and the
//!   line quoted in them is cut after 80 characters (marked with `…`). Like Go's `%q`, the
//!   quoting escapes control, format, private-use and white space characters, but not unassigned
//!   code points (which Go escapes).
//!
//! Parsing is a single linear pass, error recovery included (looking for a missing closing quote
//! scans to the end of the text, but this happens at most once per kind of quote); the only
//! allocations are the output vectors and one string per key and per value.

use std::fmt::Write as _;
use std::ops::Range;

/// The quoting of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quote {
    None,
    Single,
    Double,
}

/// One statement of the env file: a variable definition or an inherited variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The variable name, exactly as compose sees it (it may be empty, see the module docs).
    pub key: String,
    /// Byte range of the key in the file text (empty for an empty key).
    pub key_range: Range<usize>,
    /// None for a bare `KEY` (inherit from the environment).
    pub value: Option<Value>,
    /// true when the line starts with `export `.
    pub exported: bool,
    /// Byte range of the whole statement (from the key, or `export`, to the end of its
    /// value/closing quote, excluding a trailing comment and the newline) — used for fixes that
    /// delete or rewrite a line.
    pub stmt_range: Range<usize>,
    /// The separator used: '=' or ':' (or None for a bare key, and for the empty-named variable
    /// of a bare key on the last line without a final newline).
    pub separator: Option<char>,
    /// true when white space directly precedes or follows the separator (`KEY = value`,
    /// `KEY =value`, `KEY= value`, and also `KEY=` followed by white space only).
    pub spaces_around_separator: bool,
}

/// The value of an [`Entry`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    /// The value after unquoting and escape processing, BEFORE interpolation.
    ///
    /// In a double-quoted value `\$` becomes `$$` (compose's interpolator turns `$$` into `$`).
    pub text: String,
    pub quote: Quote,
    /// Byte range of the raw value in the file, quotes included (empty range right after the
    /// separator for an empty unquoted value).
    pub raw_range: Range<usize>,
    /// Byte range of the value's content (inside the quotes for quoted values).
    pub content_range: Range<usize>,
    /// true when `text` equals the file text at `content_range` byte for byte (no escapes were
    /// processed), so offsets inside `text` map 1:1 onto the file.
    pub verbatim: bool,
    /// true when compose interpolates this value (unquoted and double-quoted); false for
    /// single-quoted.
    pub interpolate: bool,
}

/// A comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Byte range of the comment text, starting at `#`, to end of line (no newline, and no `\r`
    /// of a CRLF line ending).
    pub range: Range<usize>,
    /// true when the comment is on its own line (not after a value).
    pub own_line: bool,
}

/// A syntax error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte range where the problem is (the opening quote of an unterminated value, the bad key
    /// char, the first space inside a key, or `export` for "zero length string").
    pub range: Range<usize>,
    /// Message in the style of compose's own error: lowercase, no final period.
    pub message: String,
}

/// The parsed env file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvFile {
    /// Variable statements in file order, duplicates included (compose keeps the last).
    pub entries: Vec<Entry>,
    /// Comments in file order.
    pub comments: Vec<Comment>,
    /// Compose stops at the first error; we report it and then resume (see the module docs for
    /// where) so a linter sees as much as possible.
    pub errors: Vec<ParseError>,
    /// true when the text started with a UTF-8 BOM.
    pub bom: bool,
}

/// Parses an env file. Never panics; all ranges are byte ranges into `text` (BOM included) that
/// fall on character boundaries.
#[must_use]
pub fn parse(text: &str) -> EnvFile {
    Parser { text, bytes: text.as_bytes(), out: EnvFile::default() }.run()
}

/// Longest quoted excerpt of the file put into an error message, in characters.
const MESSAGE_EXCERPT_CHARS: usize = 80;

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    out: EnvFile,
}

/// Where the scan of a key stopped.
enum KeyEnd {
    /// At `=` or `:`, at this position.
    Separator(char, usize),
    /// At a newline, at this position.
    Newline(usize),
    /// At a character not allowed in a key.
    Bad(char, usize),
    /// At the end of the text.
    Eof,
}

/// What to do after a statement: where to go on, and whether that is the start of a line.
struct Next {
    pos: usize,
    line_start: bool,
}

impl Parser<'_> {
    fn run(mut self) -> EnvFile {
        let mut pos = 0;
        if self.text.starts_with('\u{feff}') {
            self.out.bom = true;
            pos = '\u{feff}'.len_utf8();
        }
        let mut line_start = true;
        loop {
            // Skip white space, newlines included, before a statement.
            while let Some(c) = self.char_at(pos) {
                if !c.is_whitespace() {
                    break;
                }
                if c == '\n' {
                    line_start = true;
                }
                pos += c.len_utf8();
            }
            match self.byte(pos) {
                None => break,
                Some(b'#') => {
                    let eol = self.line_end(pos);
                    self.out.comments.push(Comment { range: pos..self.trim_cr(pos, eol), own_line: line_start });
                    pos = eol;
                }
                Some(_) => {
                    let next = self.statement(pos);
                    // Every statement consumes at least its first character; this guard only
                    // makes termination obvious.
                    pos = if next.pos > pos { next.pos } else { self.after_line(pos) };
                    line_start = next.line_start;
                }
            }
        }
        self.out
    }

    /// Parses the statement at `start` (a non-white-space character other than `#`).
    fn statement(&mut self, start: usize) -> Next {
        let mut key_start = start;
        let mut exported = false;
        if self.text.get(start..start + 6) == Some("export")
            && matches!(self.byte(start + 6), Some(b'\t' | b'\n' | 0x0c | b'\r' | b' '))
        {
            exported = true;
            key_start = self.skip_inline_space(start + 6);
        }

        let mut i = key_start;
        let end = loop {
            let Some(c) = self.char_at(i) else {
                break KeyEnd::Eof;
            };
            match c {
                '=' | ':' => break KeyEnd::Separator(c, i),
                '\n' => break KeyEnd::Newline(i),
                c if is_inline_space(c) || is_key_char(c) => i += c.len_utf8(),
                c => break KeyEnd::Bad(c, i),
            }
        };

        match end {
            KeyEnd::Bad(c, at) => {
                let message = format!(
                    "unexpected character {} in variable name {}",
                    go_quote(c.encode_utf8(&mut [0; 4])),
                    go_quote(self.first_line(key_start)),
                );
                self.error(at..at + c.len_utf8(), message);
                Next { pos: self.after_line(at), line_start: true }
            }
            KeyEnd::Eof if key_start >= self.bytes.len() => {
                // Only reachable through `export` followed by white space only.
                self.error(start..start + 6, "zero length string".to_owned());
                Next { pos: self.bytes.len(), line_start: true }
            }
            KeyEnd::Eof => {
                // No separator nor newline before the end of the text: compose takes the whole
                // statement as the value of a variable with an empty name.
                let (value, next) = self.unquoted(key_start, key_start);
                self.out.entries.push(Entry {
                    key: String::new(),
                    key_range: key_start..key_start,
                    stmt_range: start..value.raw_range.end,
                    value: Some(value),
                    exported,
                    separator: None,
                    spaces_around_separator: false,
                });
                next
            }
            KeyEnd::Newline(at) => {
                let key_end = self.trim_end(key_start, at);
                if self.key_has_space(key_start, key_end) {
                    return Next { pos: at + 1, line_start: true };
                }
                let key = self.slice(key_start, key_end).to_owned();
                let stmt_end = self.trim_end(start, key_end);
                // `export` + newline gives an empty key: put it at the end of the statement.
                let key_range = if key.is_empty() { stmt_end..stmt_end } else { key_start..key_end };
                self.out.entries.push(Entry {
                    key,
                    key_range,
                    value: None,
                    exported,
                    stmt_range: start..stmt_end,
                    separator: None,
                    spaces_around_separator: false,
                });
                Next { pos: at + 1, line_start: true }
            }
            KeyEnd::Separator(sep, at) => {
                let key_end = self.trim_end(key_start, at);
                let key_ok = !self.key_has_space(key_start, key_end);
                let value_start = self.skip_inline_space(at + 1);
                let result = match self.byte(value_start) {
                    Some(b'"') => self.quoted(value_start, b'"'),
                    Some(b'\'') => self.quoted(value_start, b'\''),
                    _ => Ok(self.unquoted(value_start, at + 1)),
                };
                match result {
                    Ok((value, next)) => {
                        if key_ok {
                            let key = self.slice(key_start, key_end).to_owned();
                            self.out.entries.push(Entry {
                                key,
                                key_range: key_start..key_end,
                                stmt_range: start..value.raw_range.end,
                                value: Some(value),
                                exported,
                                separator: Some(sep),
                                spaces_around_separator: key_end < at || value_start > at + 1,
                            });
                        }
                        next
                    }
                    Err(err) => {
                        self.out.errors.push(err);
                        Next { pos: self.after_line(value_start), line_start: true }
                    }
                }
            }
        }
    }

    /// Reports "key cannot contain a space" if the key has an ASCII space.
    fn key_has_space(&mut self, key_start: usize, key_end: usize) -> bool {
        let key = self.slice(key_start, key_end);
        match key.find(' ') {
            Some(offset) => {
                let at = key_start + offset;
                self.error(at..at + 1, "key cannot contain a space".to_owned());
                true
            }
            None => false,
        }
    }

    /// The unquoted value starting at `start` (after the separator and inline white space);
    /// `empty_at` is where an empty value is placed (right after the separator).
    fn unquoted(&mut self, start: usize, empty_at: usize) -> (Value, Next) {
        // One scan for the end of the line and the first ` #`.
        let mut eol = self.bytes.len();
        let mut comment = None;
        let mut previous = 0;
        for (offset, &b) in self.bytes.get(start..).unwrap_or_default().iter().enumerate() {
            if b == b'\n' {
                eol = start + offset;
                break;
            }
            if b == b'#' && previous == b' ' && comment.is_none() {
                comment = Some(start + offset);
            }
            previous = b;
        }
        let value_end = comment.map_or(eol, |hash| hash.saturating_sub(1));
        let value_end = self.trim_end(start, value_end);
        if let Some(hash) = comment {
            self.out.comments.push(Comment { range: hash..self.trim_cr(hash, eol), own_line: false });
        }
        let range = if value_end > start { start..value_end } else { empty_at..empty_at };
        let value = Value {
            text: self.slice(start, value_end).to_owned(),
            quote: Quote::None,
            raw_range: range.clone(),
            content_range: range,
            verbatim: true,
            interpolate: true,
        };
        let next = Next { pos: self.after_line(start), line_start: true };
        (value, next)
    }

    /// The quoted value whose opening quote `quote` is at `start`.
    fn quoted(&mut self, start: usize, quote: u8) -> Result<(Value, Next), ParseError> {
        let double = quote == b'"';
        let content_start = start + 1;
        // Scanning to the end of the text for a missing closing quote and then resuming on the
        // next line stays linear: no later opening quote of the same kind can exist (the byte
        // before an opening quote is never a backslash, so it would have closed this value),
        // hence at most one such scan per kind of quote.
        let unterminated = |parser: &Self| ParseError {
            range: start..content_start,
            message: format!("unterminated quoted value {}", excerpt(parser.first_line(start))),
        };

        let mut text = String::new();
        // Start of the text not yet copied into `text`.
        let mut copied = content_start;
        let mut i = content_start;
        loop {
            let found = self.bytes.get(i..).and_then(|rest| rest.iter().position(|&b| b == quote || b == b'\\'));
            let Some(offset) = found else {
                return Err(unterminated(self));
            };
            let at = i + offset;
            if self.byte(at) == Some(quote) {
                text.push_str(self.slice(copied, at));
                let content = self.slice(content_start, at);
                let verbatim = text == content;
                let value = Value {
                    text,
                    quote: if double { Quote::Double } else { Quote::Single },
                    raw_range: start..at + 1,
                    content_range: content_start..at,
                    verbatim,
                    interpolate: double,
                };
                let next = Next { pos: at + 1, line_start: false };
                return Ok((value, next));
            }
            // A backslash at `at`: it always pairs with the next byte.
            let Some(escaped) = self.byte(at + 1) else {
                return Err(unterminated(self));
            };
            i = at + 2;
            if escaped == quote {
                text.push_str(self.slice(copied, at));
                text.push(char::from(quote));
                copied = i;
                continue;
            }
            if !double {
                continue;
            }
            let replacement: &str = match escaped {
                b'a' => "\u{7}",
                b'b' => "\u{8}",
                b'f' => "\u{c}",
                b'n' => "\n",
                b'r' => "\r",
                b't' => "\t",
                b'v' => "\u{b}",
                b'\\' => "\\",
                b'$' => "$$",
                b'0' => {
                    // `\0` and up to three ASCII digits: exactly three octal digits worth at
                    // most 255 give that character, anything else drops the `0`.
                    let digits_len = self
                        .bytes
                        .get(i..)
                        .map_or(0, |rest| rest.iter().take(3).take_while(|b| b.is_ascii_digit()).count());
                    let digits = self.slice(i, i + digits_len);
                    text.push_str(self.slice(copied, at));
                    match octal_value(digits) {
                        Some(c) => text.push(c),
                        None => {
                            text.push('\\');
                            text.push_str(digits);
                        }
                    }
                    i += digits_len;
                    copied = i;
                    continue;
                }
                // Any other escape is kept as it is (both characters).
                _ => continue,
            };
            text.push_str(self.slice(copied, at));
            text.push_str(replacement);
            copied = i;
        }
    }

    fn error(&mut self, range: Range<usize>, message: String) {
        self.out.errors.push(ParseError { range, message });
    }

    fn byte(&self, pos: usize) -> Option<u8> {
        self.bytes.get(pos).copied()
    }

    /// The character starting at `pos` (None at the end, or inside a character).
    fn char_at(&self, pos: usize) -> Option<char> {
        match self.byte(pos)? {
            b if b.is_ascii() => Some(char::from(b)),
            _ => self.text.get(pos..).and_then(|rest| rest.chars().next()),
        }
    }

    /// The text between two positions; empty if they are not valid character boundaries (which
    /// the parser never asks for).
    fn slice(&self, start: usize, end: usize) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// Skips compose's "inline" white space (not newlines).
    fn skip_inline_space(&self, mut pos: usize) -> usize {
        while let Some(c) = self.char_at(pos) {
            if !is_inline_space(c) {
                break;
            }
            pos += c.len_utf8();
        }
        pos
    }

    /// `end` moved back over white space, not before `start`.
    fn trim_end(&self, start: usize, end: usize) -> usize {
        start + self.slice(start, end).trim_end().len()
    }

    /// `end` moved back over one `\r`, not before `start`.
    fn trim_cr(&self, start: usize, end: usize) -> usize {
        if end > start && self.byte(end - 1) == Some(b'\r') { end - 1 } else { end }
    }

    /// Position of the newline ending the line that contains `pos`, or the end of the text.
    fn line_end(&self, pos: usize) -> usize {
        self.bytes
            .get(pos..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map_or(self.bytes.len(), |offset| pos + offset)
    }

    /// Start of the line after the one that contains `pos`, or the end of the text.
    fn after_line(&self, pos: usize) -> usize {
        (self.line_end(pos) + 1).min(self.bytes.len())
    }

    /// The text from `pos` to the end of its line, at most [`MESSAGE_EXCERPT_CHARS`] characters
    /// of it (plus one, to tell that it was cut).
    fn first_line(&self, pos: usize) -> &str {
        let rest = self.text.get(pos..).unwrap_or_default();
        let mut end = rest.len();
        for (count, (offset, c)) in rest.char_indices().enumerate() {
            if c == '\n' || count > MESSAGE_EXCERPT_CHARS {
                end = offset;
                break;
            }
        }
        rest.get(..end).unwrap_or_default()
    }
}

/// Compose's "inline" white space: what Go's `dotenv.isSpace` accepts.
fn is_inline_space(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}')
}

/// Whether `c` may appear in a key (besides inline white space): `_ . - [ ]`, and characters of
/// the Unicode general categories L (letter) and N (number).
fn is_key_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']');
    }
    c.is_numeric() || (c.is_alphabetic() && !is_alphabetic_non_letter(c))
}

/// Whether `c`, known to be `Alphabetic`, is not a letter (general category L). The table holds
/// the ranges of `Alphabetic` code points that are not letters in Unicode 15.0 (the
/// `Other_Alphabetic` marks and symbols, such as Devanagari vowel signs and circled letters),
/// merged across gaps that hold no letter; so it must only be asked about `Alphabetic`
/// characters.
fn is_alphabetic_non_letter(c: char) -> bool {
    let c = u32::from(c);
    let (ranges, _) = ALPHABETIC_NON_LETTERS.as_chunks::<2>();
    let index = ranges.partition_point(|&[first, _]| first <= c);
    index.checked_sub(1).and_then(|i| ranges.get(i)).is_some_and(|&[_, last]| c <= last)
}

/// The character for the octal digits of a `\0NNN` escape, if they are exactly three octal
/// digits worth at most 255.
fn octal_value(digits: &str) -> Option<char> {
    if digits.len() != 3 {
        return None;
    }
    let mut value: u32 = 0;
    for b in digits.bytes() {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        value = value * 8 + u32::from(b - b'0');
    }
    u8::try_from(value).ok().map(char::from)
}

/// `s` quoted like Go's `%q` does (for the characters that matter here); `s` comes from
/// [`Parser::first_line`] and gets `…` appended when it was cut.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut cut = false;
    for (count, c) in s.chars().enumerate() {
        if count >= MESSAGE_EXCERPT_CHARS {
            cut = true;
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if c > '\u{ffff}' && !is_go_printable(c) => {
                let _ = write!(out, "\\U{:08x}", u32::from(c));
            }
            c if !is_go_printable(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    if cut {
        out.push('…');
    }
    out
}

/// Whether Go's `%q` prints `c` as is (`strconv.IsPrint`), for the characters not handled before
/// in [`go_quote`]: not for control, format and private-use characters nor for white space other
/// than the ASCII space. (Unassigned code points, which Go escapes too, are printed as is.)
fn is_go_printable(c: char) -> bool {
    let format_or_private = matches!(
        c,
        '\u{ad}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{e000}'..='\u{f8ff}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
            | '\u{f0000}'..
    );
    !(format_or_private || c.is_control() || (c.is_whitespace() && c != ' '))
}

/// `s` as compose puts it in "unterminated quoted value" (raw, not quoted), cut like
/// [`go_quote`].
fn excerpt(s: &str) -> String {
    match s.char_indices().nth(MESSAGE_EXCERPT_CHARS) {
        Some((offset, _)) => format!("{}…", s.get(..offset).unwrap_or_default()),
        None => s.to_owned(),
    }
}

/// Ranges `first, last` (flattened pairs) of code points that are `Alphabetic` but not letters in Unicode 15.0,
/// merged across gaps without letters. Generated from Python 3.12's `unicodedata` (Unicode
/// 15.0.0, the version Go 1.24 uses) and Rust's `char::is_alphabetic`.
const ALPHABETIC_NON_LETTERS: &[u32] = &[
    0x0345, 0x036F, 0x05B0, 0x05C7, 0x0610, 0x061A, 0x064B, 0x065F, 0x0670, 0x0670, 0x06D6, 0x06E4, 0x06E7, 0x06ED,
    0x0711, 0x0711, 0x0730, 0x073F, 0x07A6, 0x07B0, 0x0816, 0x0817, 0x081B, 0x0823, 0x0825, 0x0827, 0x0829, 0x082C,
    0x08D4, 0x0903, 0x093A, 0x093B, 0x093E, 0x094F, 0x0955, 0x0957, 0x0962, 0x0963, 0x0981, 0x0983, 0x09BE, 0x09CC,
    0x09D7, 0x09D7, 0x09E2, 0x09E3, 0x0A01, 0x0A03, 0x0A3E, 0x0A51, 0x0A70, 0x0A71, 0x0A75, 0x0A83, 0x0ABE, 0x0ACC,
    0x0AE2, 0x0AE3, 0x0AFA, 0x0B03, 0x0B3E, 0x0B57, 0x0B62, 0x0B63, 0x0B82, 0x0B82, 0x0BBE, 0x0BCC, 0x0BD7, 0x0C04,
    0x0C3E, 0x0C56, 0x0C62, 0x0C63, 0x0C81, 0x0C83, 0x0CBE, 0x0CD6, 0x0CE2, 0x0CE3, 0x0CF3, 0x0D03, 0x0D3E, 0x0D4C,
    0x0D57, 0x0D57, 0x0D62, 0x0D63, 0x0D81, 0x0D83, 0x0DCF, 0x0DF3, 0x0E31, 0x0E31, 0x0E34, 0x0E3A, 0x0E4D, 0x0E4D,
    0x0EB1, 0x0EB1, 0x0EB4, 0x0EBC, 0x0ECD, 0x0ECD, 0x0F71, 0x0F83, 0x0F8D, 0x0FBC, 0x102B, 0x103E, 0x1056, 0x1059,
    0x105E, 0x1060, 0x1062, 0x1064, 0x1067, 0x106D, 0x1071, 0x1074, 0x1082, 0x108D, 0x108F, 0x109D, 0x1712, 0x1713,
    0x1732, 0x1733, 0x1752, 0x1753, 0x1772, 0x1773, 0x17B6, 0x17C8, 0x1885, 0x1886, 0x18A9, 0x18A9, 0x1920, 0x1938,
    0x1A17, 0x1A1B, 0x1A55, 0x1A74, 0x1ABF, 0x1B04, 0x1B35, 0x1B43, 0x1B80, 0x1B82, 0x1BA1, 0x1BAD, 0x1BE7, 0x1BF1,
    0x1C24, 0x1C36, 0x1DD3, 0x1DF4, 0x24B6, 0x24E9, 0x2DE0, 0x2DFF, 0xA674, 0xA67B, 0xA69E, 0xA69F, 0xA802, 0xA802,
    0xA80B, 0xA80B, 0xA823, 0xA827, 0xA880, 0xA881, 0xA8B4, 0xA8C5, 0xA8FF, 0xA8FF, 0xA926, 0xA92A, 0xA947, 0xA952,
    0xA980, 0xA983, 0xA9B4, 0xA9BF, 0xA9E5, 0xA9E5, 0xAA29, 0xAA36, 0xAA43, 0xAA43, 0xAA4C, 0xAA4D, 0xAA7B, 0xAA7D,
    0xAAB0, 0xAAB0, 0xAAB2, 0xAAB4, 0xAAB7, 0xAAB8, 0xAABE, 0xAABE, 0xAAEB, 0xAAEF, 0xAAF5, 0xAAF5, 0xABE3, 0xABEA,
    0xFB1E, 0xFB1E, 0x10376, 0x1037A, 0x10A01, 0x10A0F, 0x10D24, 0x10D27, 0x10EAB, 0x10EAC, 0x11000, 0x11002, 0x11038,
    0x11045, 0x11073, 0x11074, 0x11080, 0x11082, 0x110B0, 0x110C2, 0x11100, 0x11102, 0x11127, 0x11132, 0x11145,
    0x11146, 0x11180, 0x11182, 0x111B3, 0x111BF, 0x111CE, 0x111CF, 0x1122C, 0x1123E, 0x11241, 0x11241, 0x112DF,
    0x11303, 0x1133E, 0x1134C, 0x11357, 0x11357, 0x11362, 0x11363, 0x11435, 0x11445, 0x114B0, 0x114C1, 0x115AF,
    0x115BE, 0x115DC, 0x115DD, 0x11630, 0x11640, 0x116AB, 0x116B5, 0x1171D, 0x1172A, 0x1182C, 0x11838, 0x11930,
    0x1193C, 0x11940, 0x11940, 0x11942, 0x11942, 0x119D1, 0x119DF, 0x119E4, 0x119E4, 0x11A01, 0x11A0A, 0x11A35,
    0x11A39, 0x11A3B, 0x11A3E, 0x11A51, 0x11A5B, 0x11A8A, 0x11A97, 0x11C2F, 0x11C3E, 0x11C92, 0x11CB6, 0x11D31,
    0x11D43, 0x11D47, 0x11D47, 0x11D8A, 0x11D96, 0x11EF3, 0x11F01, 0x11F03, 0x11F03, 0x11F34, 0x11F40, 0x16F4F,
    0x16F4F, 0x16F51, 0x16F92, 0x16FF0, 0x16FF1, 0x1BC9E, 0x1BC9E, 0x1E000, 0x1E02A, 0x1E08F, 0x1E08F, 0x1E947,
    0x1E947, 0x1F130, 0x1F189,
];

#[cfg(test)]
mod tests {
    //! Cases marked "(binary)" were checked against Docker Compose v2.40.3 itself
    //! (`docker compose config --format json` with the text as an `env_file`); the whole suite of
    //! expectations was also cross-checked by differential fuzzing against that binary.

    use super::*;
    use std::collections::BTreeMap;

    // ----- helpers -------------------------------------------------------------------------

    /// Parses and checks the structural invariants that must hold for any input.
    fn parse_checked(text: &str) -> EnvFile {
        let file = parse(text);
        check_invariants(text, &file);
        file
    }

    /// `(key, value text)` of every entry; `None` for inherited variables.
    fn pairs(text: &str) -> Vec<(String, Option<String>)> {
        let file = parse_checked(text);
        assert!(file.errors.is_empty(), "{text:?}: {:?}", file.errors);
        file.entries.into_iter().map(|e| (e.key, e.value.map(|v| v.text))).collect()
    }

    fn kv(pairs: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned))).collect()
    }

    /// The single entry of an error-free text.
    fn one(text: &str) -> Entry {
        let file = parse_checked(text);
        assert!(file.errors.is_empty(), "{text:?}: {:?}", file.errors);
        assert_eq!(file.entries.len(), 1, "{text:?}: {:?}", file.entries);
        file.entries.into_iter().next().unwrap_or_else(|| unreachable!())
    }

    /// The value of the single entry of an error-free text.
    fn value(text: &str) -> Value {
        one(text).value.unwrap_or_else(|| panic!("{text:?}: no value"))
    }

    /// What compose ends up with (last definition wins, inherited variables not looked up).
    fn env_map(text: &str) -> BTreeMap<String, String> {
        let file = parse_checked(text);
        assert!(file.errors.is_empty(), "{text:?}: {:?}", file.errors);
        file.entries.into_iter().filter_map(|e| Some((e.key, e.value?.text))).collect()
    }

    /// `(range, message)` of every error.
    fn errors(text: &str) -> Vec<(Range<usize>, String)> {
        parse_checked(text).errors.into_iter().map(|e| (e.range, e.message)).collect()
    }

    /// Byte range of the `nth` (0-based) occurrence of `needle` in `text`.
    fn find(text: &str, needle: &str, nth: usize) -> Range<usize> {
        let start = text
            .match_indices(needle)
            .nth(nth)
            .map(|(i, _)| i)
            .unwrap_or_else(|| panic!("{needle:?} #{nth} not in {text:?}"));
        start..start + needle.len()
    }

    fn at(text: &str, needle: &str) -> Range<usize> {
        find(text, needle, 0)
    }

    fn get(text: &str, range: &Range<usize>) -> String {
        text.get(range.clone()).unwrap_or_else(|| panic!("bad range {range:?} in {text:?}")).to_owned()
    }

    fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
        outer.start <= inner.start && inner.end <= outer.end
    }

    fn check_invariants(text: &str, file: &EnvFile) {
        let ctx = || format!("{text:?} => {file:?}");
        assert_eq!(file.bom, text.starts_with('\u{feff}'), "{}", ctx());
        let mut last_end = if file.bom { 3 } else { 0 };
        for e in &file.entries {
            assert_eq!(get(text, &e.key_range), e.key, "{}", ctx());
            let stmt = get(text, &e.stmt_range);
            assert!(contains(&e.stmt_range, &e.key_range), "{}", ctx());
            assert!(e.stmt_range.start >= last_end, "overlap: {}", ctx());
            last_end = e.stmt_range.end;
            assert_eq!(stmt.trim_end(), stmt, "stmt ends in space: {}", ctx());
            assert!(!stmt.starts_with(char::is_whitespace), "{}", ctx());
            if e.exported {
                assert!(stmt.starts_with("export"), "{}", ctx());
            } else {
                assert_eq!(e.stmt_range.start, e.key_range.start, "{}", ctx());
            }
            match &e.value {
                None => {
                    assert_eq!(e.separator, None, "{}", ctx());
                    assert!(!e.spaces_around_separator, "{}", ctx());
                    assert!(!e.key.contains(' '), "{}", ctx());
                    assert!(text.get(e.stmt_range.end..).is_some(), "{}", ctx());
                }
                Some(v) => {
                    assert!(contains(&e.stmt_range, &v.raw_range), "{}", ctx());
                    assert!(contains(&v.raw_range, &v.content_range), "{}", ctx());
                    assert_eq!(v.raw_range.end, e.stmt_range.end, "{}", ctx());
                    let content = get(text, &v.content_range);
                    assert_eq!(v.verbatim, content == v.text, "{}", ctx());
                    assert_eq!(v.interpolate, v.quote != Quote::Single, "{}", ctx());
                    match v.quote {
                        Quote::None => {
                            assert_eq!(v.raw_range, v.content_range, "{}", ctx());
                            assert!(v.verbatim, "{}", ctx());
                            assert_eq!(v.text.trim_end(), v.text, "{}", ctx());
                            assert!(!v.text.contains('\n'), "{}", ctx());
                            assert!(!v.text.contains(" #"), "{}", ctx());
                        }
                        Quote::Single | Quote::Double => {
                            let q = if v.quote == Quote::Single { "'" } else { "\"" };
                            assert_eq!(v.raw_range.start + 1, v.content_range.start, "{}", ctx());
                            assert_eq!(v.raw_range.end, v.content_range.end + 1, "{}", ctx());
                            let raw = get(text, &v.raw_range);
                            assert!(raw.starts_with(q) && raw.ends_with(q), "{}", ctx());
                        }
                    }
                    match e.separator {
                        Some(sep) => {
                            assert!(matches!(sep, '=' | ':'), "{}", ctx());
                            let between = get(text, &(e.key_range.end..v.raw_range.start));
                            assert!(between.contains(sep), "{}", ctx());
                            assert!(!e.key.contains(' '), "{}", ctx());
                        }
                        None => {
                            // The empty-named variable of a bare last statement.
                            assert!(e.key.is_empty(), "{}", ctx());
                            assert_eq!(v.quote, Quote::None, "{}", ctx());
                            assert_eq!(v.raw_range.end, text.trim_end().len(), "{}", ctx());
                        }
                    }
                }
            }
        }
        for c in &file.comments {
            let comment = get(text, &c.range);
            assert!(comment.starts_with('#'), "{}", ctx());
            assert!(!comment.contains('\n'), "{}", ctx());
            let after = text.get(c.range.end..).unwrap_or_default();
            assert!(
                after.is_empty() || after == "\r" || after.starts_with('\n') || after.starts_with("\r\n"),
                "{}",
                ctx()
            );
            // Entries are sorted: only the last one starting before the comment can overlap it.
            let i = file.entries.partition_point(|e| e.stmt_range.start <= c.range.start);
            if let Some(e) = i.checked_sub(1).and_then(|i| file.entries.get(i)) {
                assert!(e.stmt_range.end <= c.range.start, "{}", ctx());
            }
            if let Some(e) = file.entries.get(i) {
                assert!(e.stmt_range.start >= c.range.end, "{}", ctx());
            }
        }
        for pair in file.comments.windows(2) {
            if let [a, b] = pair {
                assert!(a.range.end <= b.range.start, "{}", ctx());
            }
        }
        for err in &file.errors {
            assert!(!get(text, &err.range).is_empty() || err.range.start == text.len());
            assert!(!err.message.is_empty());
            // The unterminated message ends with the raw text of the line, like compose's.
            assert!(!err.message.ends_with('.') || err.message.starts_with("unterminated quoted value "));
        }
    }

    // ----- unquoted values and separators -------------------------------------------------

    #[test]
    fn unquoted_value_and_ranges() {
        let text = "NAME=alice\n";
        let e = one(text);
        assert_eq!(e.key, "NAME");
        assert_eq!(e.key_range, 0..4);
        assert_eq!(e.separator, Some('='));
        assert!(!e.exported);
        assert!(!e.spaces_around_separator);
        assert_eq!(e.stmt_range, 0..10);
        let v = e.value.unwrap_or_else(|| unreachable!());
        assert_eq!(v.text, "alice");
        assert_eq!(v.quote, Quote::None);
        assert_eq!(v.raw_range, 5..10);
        assert_eq!(v.content_range, 5..10);
        assert!(v.verbatim);
        assert!(v.interpolate);
    }

    #[test]
    fn several_lines() {
        assert_eq!(
            pairs("USER=bob\nHOME=/home/bob\nSHELL=/bin/zsh"),
            kv(&[("USER", Some("bob")), ("HOME", Some("/home/bob")), ("SHELL", Some("/bin/zsh")),])
        );
    }

    #[test]
    fn spaces_around_separator_are_trimmed_and_flagged() {
        for text in ["PORT =8080", "PORT= 8080", "PORT = 8080", "PORT\t=\t8080", "PORT  :  8080", "PORT=8080   "] {
            let e = one(text);
            assert_eq!(e.key, "PORT", "{text:?}");
            let v = e.value.unwrap_or_else(|| unreachable!());
            assert_eq!(v.text, "8080", "{text:?}");
            assert_eq!(get(text, &v.raw_range), "8080", "{text:?}");
            assert_eq!(e.spaces_around_separator, !text.starts_with("PORT=8"), "{text:?}");
        }
        assert!(!one("PORT=8080").spaces_around_separator);
        assert!(!one("PORT:8080").spaces_around_separator);
        // White space after the separator counts even when the value ends up empty.
        assert!(one("PORT=   \n").spaces_around_separator);
    }

    #[test]
    fn empty_values() {
        for text in ["EMPTY=", "EMPTY=\n", "EMPTY= ", "EMPTY =\t\n", "EMPTY:"] {
            let e = one(text);
            let v = e.value.unwrap_or_else(|| unreachable!());
            assert_eq!(v.text, "", "{text:?}");
            // Placed right after the separator.
            let after_sep = text.find(['=', ':']).map_or(0, |i| i + 1);
            assert_eq!(v.raw_range, after_sep..after_sep, "{text:?}");
            assert_eq!(e.stmt_range, 0..after_sep, "{text:?}");
        }
        // (binary) `K=` and `K = ` give "".
        assert_eq!(
            env_map("A=\nB = \nC:"),
            BTreeMap::from([("A".into(), String::new()), ("B".into(), String::new()), ("C".into(), String::new()),])
        );
    }

    #[test]
    fn empty_key() {
        // (binary) a statement starting with the separator defines the empty name.
        let text = "  =\"quoted\"\n:plain";
        let file = parse_checked(text);
        assert!(file.errors.is_empty());
        let got: Vec<_> = file
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.key_range.clone(), e.value.as_ref().map(|v| v.text.as_str())))
            .collect();
        assert_eq!(got, [("", 2..2, Some("quoted")), ("", 12..12, Some("plain"))]);
    }

    #[test]
    fn separators_inside_values() {
        assert_eq!(value("DSN=user=x;pass=y=").text, "user=x;pass=y=");
        assert_eq!(value("TIME=12:30").text, "12:30");
        assert_eq!(value("URL=redis://cache:6379/0?a=b").text, "redis://cache:6379/0?a=b");
        // The first `=` or `:` ends the key (binary).
        let e = one("RATIO:3=4\n");
        assert_eq!((e.key.as_str(), e.separator), ("RATIO", Some(':')));
        assert_eq!(e.value.map(|v| v.text), Some("3=4".to_owned()));
        let e = one("https://example.org\n");
        assert_eq!(e.key, "https");
        assert_eq!(e.value.map(|v| v.text), Some("//example.org".to_owned()));
    }

    #[test]
    fn yaml_style_colon_separator() {
        let e = one("LEVEL: debug");
        assert_eq!(e.separator, Some(':'));
        assert!(e.spaces_around_separator);
        assert_eq!(e.value.map(|v| v.text), Some("debug".to_owned()));
        assert_eq!(value("MODE: a=b").text, "a=b");
        assert_eq!(value("MODE :'x'").text, "x");
    }

    #[test]
    fn unquoted_values_have_no_escapes() {
        assert_eq!(value(r"PATTERN=a\tb\n\\c").text, r"a\tb\n\\c");
        assert_eq!(value(r"COST=\$5").text, r"\$5");
        // Quotes inside an unquoted value stay.
        assert_eq!(value(r#"Q=say "hi""#).text, r#"say "hi""#);
        assert_eq!(value("Q=it's").text, "it's");
        // (binary) a `\r` inside a line is kept, one before the newline is trimmed.
        assert_eq!(value("Q=one\rtwo\r\n").text, "one\rtwo");
        assert_eq!(value("Q=inner  spaces kept").text, "inner  spaces kept");
    }

    // ----- keys -----------------------------------------------------------------------------

    #[test]
    fn key_characters() {
        assert_eq!(
            pairs("svc.port=1\nlist[2]=x\nmy-var=y\n_under=z\n9lives=cat\nA.b-C_d[e]=f"),
            kv(&[
                ("svc.port", Some("1")),
                ("list[2]", Some("x")),
                ("my-var", Some("y")),
                ("_under", Some("z")),
                // (binary) keys starting with a digit are kept by compose.
                ("9lives", Some("cat")),
                ("A.b-C_d[e]", Some("f")),
            ])
        );
    }

    #[test]
    fn unicode_keys() {
        assert_eq!(
            pairs("ÉTÉ=chaud\nключ=значение\nＡＢ=wide\n"),
            kv(&[("ÉTÉ", Some("chaud")), ("ключ", Some("значение")), ("ＡＢ", Some("wide")),])
        );
        // (binary) numbers of any kind: Nd, Nl, No.
        assert_eq!(one("٣=3").key, "٣");
        assert_eq!(one("Ⅻ=12").key, "Ⅻ");
        assert_eq!(one("A½=half").key, "A½");
    }

    #[test]
    fn alphabetic_non_letters_are_rejected_in_keys() {
        // (binary) a Devanagari vowel sign (Mc, Other_Alphabetic) and a circled letter (So).
        let text = "नि=1\n";
        assert_eq!(
            errors(text),
            vec![(at(text, "\u{93f}"), "unexpected character \"\u{93f}\" in variable name \"नि=1\"".to_owned())]
        );
        let text = "Ⓑ=1";
        assert_eq!(errors(text)[0].0, at(text, "Ⓑ"));
        // Plain letters around the table's ranges still work.
        assert_eq!(one("न=1").key, "न");
        assert!(is_alphabetic_non_letter('\u{345}'));
        assert!(is_alphabetic_non_letter('\u{24b6}'));
        assert!(!is_alphabetic_non_letter('\u{344}'));
        assert!(!is_alphabetic_non_letter('A'));
        assert!(!is_alphabetic_non_letter('\u{10ffff}'));
        assert!(ALPHABETIC_NON_LETTERS.len().is_multiple_of(2));
        assert!(ALPHABETIC_NON_LETTERS.is_sorted());
    }

    #[test]
    fn inline_space_inside_keys_is_kept() {
        // (binary) only an ASCII space is an error; tab, NBSP, NEL, \v, \f, \r stay in the key.
        assert_eq!(one("A\tB=1").key, "A\tB");
        assert_eq!(one("A\u{a0}B=1").key, "A\u{a0}B");
        assert_eq!(one("A\u{85}B=1").key, "A\u{85}B");
        assert_eq!(one("A\u{b}B=1").key, "A\u{b}B");
        assert_eq!(one("A\rB=1").key, "A\rB");
    }

    #[test]
    fn space_in_key_is_an_error() {
        let text = "MY VAR=1\nOK=2\n";
        let file = parse_checked(text);
        assert_eq!(file.errors, vec![ParseError { range: 2..3, message: "key cannot contain a space".into() }]);
        assert_eq!(file.entries.len(), 1);
        assert_eq!(file.entries[0].key, "OK");
        // (binary) also for a bare key, and whatever follows.
        assert_eq!(errors("A B\nC=1")[0].1, "key cannot contain a space");
        assert_eq!(errors("A B C=1")[0].0, 1..2);
        // A bad character is reported before the space (binary).
        assert_eq!(errors("A B%=1")[0].1, "unexpected character \"%\" in variable name \"A B%=1\"");
    }

    #[test]
    fn space_in_key_still_consumes_the_value() {
        // The quoted value spans lines: recovery goes on after it, not inside it.
        let text = "BAD KEY=\"line1\nline2 with \\\" quote\" NEXT=1\nLAST=2";
        let file = parse_checked(text);
        assert_eq!(file.errors.len(), 1, "{file:?}");
        assert_eq!(file.entries.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(), ["NEXT", "LAST"]);
        // An unterminated value after a bad key gives both errors.
        let file = parse_checked("BAD KEY='open\nX=1");
        assert_eq!(file.errors.len(), 2);
        assert_eq!(file.entries.len(), 1);
    }

    #[test]
    fn bad_key_characters() {
        // (binary) message format, Go-quoted character and line.
        let text = "ab$cd=1\n";
        assert_eq!(errors(text), vec![(2..3, "unexpected character \"$\" in variable name \"ab$cd=1\"".to_owned())]);
        let text = "@home=1";
        assert_eq!(errors(text)[0].1, "unexpected character \"@\" in variable name \"@home=1\"");
        let text = "a\"b=1\n";
        assert_eq!(errors(text)[0].1, r#"unexpected character "\"" in variable name "a\"b=1""#);
        // Without any separator (binary: `x&y` alone is an error too).
        assert_eq!(errors("x&y")[0].0, 1..2);
        // Control and special characters are escaped like Go's %q (binary).
        assert_eq!(errors("A\u{1}=1")[0].1, r#"unexpected character "\x01" in variable name "A\x01=1""#);
        assert_eq!(errors("A\0=1")[0].1, r#"unexpected character "\x00" in variable name "A\x00=1""#);
        assert_eq!(errors("A\u{3000}B=1\r\n")[0].1, r#"unexpected character "\u3000" in variable name "A\u3000B=1\r""#);
        assert_eq!(errors("A\u{3000}B=1")[0].0, 1..4);
    }

    #[test]
    fn messages_quote_like_go() {
        // (binary) format, private-use and tag characters are escaped, `\U` above U+FFFF.
        assert_eq!(errors("A\u{ad}B=1")[0].1, r#"unexpected character "\u00ad" in variable name "A\u00adB=1""#);
        assert_eq!(errors("A\u{e000}=1")[0].1, r#"unexpected character "\ue000" in variable name "A\ue000=1""#);
        assert_eq!(
            errors("A%\u{e0041}\u{200d}\u{2028}x=1")[0].1,
            r#"unexpected character "%" in variable name "A%\U000e0041\u200d\u2028x=1""#
        );
        // (binary) the name excerpt starts after `export`.
        assert_eq!(errors("export a%b=1")[0].1, r#"unexpected character "%" in variable name "a%b=1""#);
        assert_eq!(go_quote("é😀\u{7f}"), "\"é😀\\x7f\"");
    }

    #[test]
    fn bare_key_with_inline_comment_is_an_error() {
        // (binary) `KEY #c` is not a comment but a bad `#` in the key.
        for text in ["NAME # note", "NAME # note\nX=1"] {
            let errs = errors(text);
            assert_eq!(errs[0].0, at(text, "#"), "{text:?}");
            assert_eq!(errs[0].1, "unexpected character \"#\" in variable name \"NAME # note\"");
        }
    }

    #[test]
    fn long_lines_are_cut_in_messages() {
        let text = format!("{}!=1", "K".repeat(300));
        let errs = errors(&text);
        assert_eq!(errs[0].0, 300..301);
        assert_eq!(errs[0].1, format!("unexpected character \"!\" in variable name \"{}\"…", "K".repeat(80)));
        let text = format!("K='{}", "é".repeat(300));
        assert_eq!(errors(&text)[0].1, format!("unterminated quoted value '{}…", "é".repeat(79)));
    }

    // ----- comments -------------------------------------------------------------------------

    #[test]
    fn own_line_comments() {
        let text = "# header\n  # indented\n\t # tabbed\nA=1\n#last";
        let file = parse_checked(text);
        assert_eq!(file.entries.len(), 1);
        let got: Vec<_> = file.comments.iter().map(|c| (get(text, &c.range), c.own_line)).collect();
        assert_eq!(
            got,
            [
                ("# header".to_owned(), true),
                ("# indented".to_owned(), true),
                ("# tabbed".to_owned(), true),
                ("#last".to_owned(), true),
            ]
        );
    }

    #[test]
    fn inline_comment_needs_a_space_before_the_hash() {
        let text = "COLOR=red # the colour\n";
        let file = parse_checked(text);
        let e = &file.entries[0];
        assert_eq!(e.value.as_ref().map(|v| v.text.as_str()), Some("red"));
        assert_eq!(e.stmt_range, at(text, "COLOR=red"));
        assert_eq!(file.comments, vec![Comment { range: at(text, "# the colour"), own_line: false }]);
        assert_eq!(value("COLOR=red #").text, "red");
        assert_eq!(value("COLOR=red #tight").text, "red");
        // (binary) no space, or a tab: not a comment.
        assert_eq!(value("COLOR=red#fff").text, "red#fff");
        assert_eq!(value("COLOR=red\t#fff").text, "red\t#fff");
        assert_eq!(value("COLOR=red \u{a0}#fff").text, "red \u{a0}#fff");
        // The first ` #` wins.
        let text = "A=x # y # z";
        let file = parse_checked(text);
        assert_eq!(file.entries[0].value.as_ref().map(|v| v.text.as_str()), Some("x"));
        assert_eq!(file.comments[0].range, at(text, "# y # z"));
    }

    #[test]
    fn hash_right_after_separator_is_a_value() {
        // (binary) white space after `=` is skipped before looking for ` #`.
        assert_eq!(value("NOTE= # not a comment").text, "# not a comment");
        assert_eq!(value("NOTE=#x").text, "#x");
        assert_eq!(value("NOTE=\t#x").text, "#x");
        assert_eq!(value("NOTE= #a #b").text, "#a");
        assert!(parse_checked("NOTE= # x").comments.is_empty());
    }

    #[test]
    fn comments_after_quoted_values() {
        for (text, stmt, val, comment) in [
            ("A=\"v#1\" # c1", "A=\"v#1\"", "v#1", "# c1"),
            ("A=\"v#1\"#c2", "A=\"v#1\"", "v#1", "#c2"),
            ("A='v#1' #c3", "A='v#1'", "v#1", "#c3"),
            ("A=\"v#1#2\"\t# c4\n", "A=\"v#1#2\"", "v#1#2", "# c4"),
        ] {
            let file = parse_checked(text);
            assert!(file.errors.is_empty(), "{text:?}");
            assert_eq!(file.entries.len(), 1, "{text:?}");
            let e = &file.entries[0];
            assert_eq!(e.value.as_ref().map(|v| v.text.as_str()), Some(val));
            assert_eq!(get(text, &e.stmt_range), stmt);
            assert_eq!(file.comments, vec![Comment { range: at(text, comment), own_line: false }], "{text:?}");
        }
        // A comment on the next line is on its own line.
        let file = parse_checked("A=\"x\"\n   # own\nB=1");
        assert_eq!(file.comments.len(), 1);
        assert!(file.comments[0].own_line);
        assert_eq!(file.entries.len(), 2);
    }

    #[test]
    fn hash_inside_quotes_is_not_a_comment() {
        assert_eq!(value("A=\"x #y\"").text, "x #y");
        assert_eq!(value("A='x #y'").text, "x #y");
        let file = parse_checked("A=\"multi\n# not a comment\n\"");
        assert!(file.comments.is_empty());
        assert_eq!(file.entries[0].value.as_ref().map(|v| v.text.as_str()), Some("multi\n# not a comment\n"));
    }

    #[test]
    fn comment_ranges_exclude_crlf() {
        let text = "# one\r\nA=1 # two\r\nB=\"x\" # three\r\n";
        let file = parse_checked(text);
        let got: Vec<_> = file.comments.iter().map(|c| get(text, &c.range)).collect();
        assert_eq!(got, ["# one", "# two", "# three"]);
    }

    // ----- quoted values --------------------------------------------------------------------

    #[test]
    fn double_quoted_value() {
        let text = "GREETING=\"hello world\"\n";
        let e = one(text);
        assert_eq!(e.stmt_range, 0..text.len() - 1);
        let v = e.value.unwrap_or_else(|| unreachable!());
        assert_eq!(v.text, "hello world");
        assert_eq!(v.quote, Quote::Double);
        assert_eq!(v.raw_range, at(text, "\"hello world\""));
        assert_eq!(v.content_range, at(text, "hello world"));
        assert!(v.verbatim);
        assert!(v.interpolate);
    }

    #[test]
    fn single_quoted_value() {
        let text = "GREETING='hello $USER'";
        let v = value(text);
        assert_eq!(v.text, "hello $USER");
        assert_eq!(v.quote, Quote::Single);
        assert_eq!(v.raw_range, at(text, "'hello $USER'"));
        assert_eq!(v.content_range, at(text, "hello $USER"));
        assert!(v.verbatim);
        assert!(!v.interpolate);
    }

    #[test]
    fn empty_quotes() {
        for text in ["E=\"\"", "E=''", "E = '' # nothing"] {
            let v = value(text);
            assert_eq!(v.text, "", "{text:?}");
            assert!(v.verbatim);
            assert_eq!(v.content_range.len(), 0);
            assert_eq!(v.raw_range.len(), 2);
        }
    }

    #[test]
    fn quotes_inside_quotes() {
        assert_eq!(value(r#"Q="say \"hi\"""#).text, r#"say "hi""#);
        assert_eq!(value(r#"Q="\"all\"""#).text, r#""all""#);
        assert_eq!(value(r#"Q="it's""#).text, "it's");
        assert_eq!(value(r#"Q='say "hi"'"#).text, r#"say "hi""#);
        // (binary) `\'` is the only escape in single quotes.
        let v = value(r"Q='don\'t'");
        assert_eq!(v.text, "don't");
        assert!(!v.verbatim);
        // (binary) ...and it is kept as is in double quotes.
        assert_eq!(value(r#"Q="don\'t""#).text, r"don\'t");
    }

    #[test]
    fn single_quotes_keep_backslashes() {
        // (binary) `\\` and `\n` stay as they are between single quotes.
        let v = value(r"WIN='C:\new\\dir'");
        assert_eq!(v.text, r"C:\new\\dir");
        assert!(v.verbatim);
        assert_eq!(value(r"X='\$HOME \t'").text, r"\$HOME \t");
        // `\\'` : the backslashes pair up, the quote closes.
        assert_eq!(value(r"X='a\\'").text, r"a\\");
    }

    #[test]
    fn multi_line_quoted_values() {
        let text = "CERT=\"-----BEGIN-----\nabc\ndef\n-----END-----\"\nNEXT=1\n";
        let file = parse_checked(text);
        assert_eq!(
            file.entries
                .iter()
                .map(|e| (e.key.as_str(), e.value.as_ref().map(|v| v.text.as_str())))
                .collect::<Vec<_>>(),
            [("CERT", Some("-----BEGIN-----\nabc\ndef\n-----END-----")), ("NEXT", Some("1")),]
        );
        assert_eq!(
            pairs("POEM = 'roses\nare\nred'\nZ=\"\nx\n\""),
            kv(&[("POEM", Some("roses\nare\nred")), ("Z", Some("\nx\n"))])
        );
    }

    #[test]
    fn double_quote_escapes() {
        // (binary) every processed escape.
        let v = value(r#"E="1\a2\b3\f4\n5\r6\t7\v8\\9""#);
        assert_eq!(v.text, "1\u{7}2\u{8}3\u{c}4\n5\r6\t7\u{b}8\\9");
        assert!(!v.verbatim);
        assert!(v.interpolate);
        assert_eq!(value(r#"E="tab\there""#).text, "tab\there");
        assert_eq!(value(r#"E="end\\""#).text, "end\\");
        assert_eq!(value(r#"E="a\\\"b""#).text, "a\\\"b");
        assert_eq!(value(r#"E="a\\nb""#).text, r"a\nb");
    }

    #[test]
    fn unknown_escapes_are_kept() {
        // (binary) Go-only escapes are not processed; `\c` neither.
        for raw in [r"\x41", r"\u00e9", r"\U0001F600", r"\c", r"\q", r"\ ", r"\é", r"\'"] {
            let v = value(&format!("E=\"{raw}\""));
            assert_eq!(v.text, raw, "{raw:?}");
            assert!(v.verbatim, "{raw:?}");
        }
        // A backslash before a newline stays too.
        assert_eq!(value("E=\"a\\\nb\"").text, "a\\\nb");
    }

    #[test]
    fn octal_escapes() {
        // (binary) `\0` + exactly three octal digits up to 0377; otherwise the `0` is dropped.
        for (raw, want) in [
            (r"\0101", "A"),
            (r"\0141bc", "abc"),
            (r"\01011", "A1"),
            (r"\0377", "\u{ff}"),
            (r"\0000", "\0"),
            (r"\0", "\\"),
            (r"\0x", "\\x"),
            (r"\07", r"\7"),
            (r"\010", r"\10"),
            (r"\0777", r"\777"),
            (r"\0400", r"\400"),
            (r"\0108", r"\108"),
            (r"\0891", r"\891"),
            (r"\0\0101", r"\A"),
        ] {
            let v = value(&format!("E=\"{raw}\""));
            assert_eq!(v.text, want, "{raw:?}");
            assert!(!v.verbatim, "{raw:?}");
        }
    }

    #[test]
    fn escaped_dollar_becomes_double_dollar() {
        // (binary) `\$` is rewritten to `$$`, which interpolation turns into a literal `$`.
        let v = value(r#"PRICE="\$5 or \${X}""#);
        assert_eq!(v.text, "$$5 or $${X}");
        assert!(v.interpolate);
        assert!(!v.verbatim);
        // `$$` written as is stays `$$` (same result after interpolation).
        let v = value(r#"PRICE="$$5""#);
        assert_eq!(v.text, "$$5");
        assert!(v.verbatim);
        // (binary) an escaped backslash before `$` leaves the `$` to interpolation.
        assert_eq!(value(r#"P="\\$HOME""#).text, r"\$HOME");
        // Single quotes: no escape, no interpolation.
        let v = value(r"P='\$5'");
        assert_eq!(v.text, r"\$5");
        assert!(!v.interpolate);
    }

    #[test]
    fn interpolation_flags() {
        assert!(value("I=$HOME").interpolate);
        assert!(value("I=\"$HOME\"").interpolate);
        assert!(!value("I='$HOME'").interpolate);
        assert!(value("LAST").interpolate);
    }

    #[test]
    fn value_after_leading_white_space() {
        let text = "K =   \"x y\"   \n";
        let e = one(text);
        assert!(e.spaces_around_separator);
        assert_eq!(e.stmt_range, at(text, "K =   \"x y\""));
        // (binary) NBSP, \v, \f and \r after the separator are skipped too, U+3000 is not.
        assert_eq!(value("K=\u{a0}1").text, "1");
        assert_eq!(value("K=\u{b}\u{c}\r1").text, "1");
        assert_eq!(value("K=\u{3000}1").text, "\u{3000}1");
        // Trailing Unicode white space is trimmed.
        assert_eq!(value("K=1\u{a0}\u{3000}\u{2003}").text, "1");
        // (binary) a quote not right after the separator is just a character.
        assert_eq!(value("K=x\"y\"").text, "x\"y\"");
    }

    // ----- statements after a closing quote -------------------------------------------------

    #[test]
    fn statement_after_closing_quote() {
        // (binary) the rest of the line is parsed as a new statement.
        for text in ["A=\"1\" B=2", "A=\"1\"B=2", "A='1'\tB=2\n"] {
            let file = parse_checked(text);
            assert!(file.errors.is_empty(), "{text:?}");
            let got: Vec<_> = file.entries.iter().map(|e| get(text, &e.stmt_range)).collect();
            assert_eq!(got, ["A=\"1\"".replace('"', &text[2..3]), "B=2".to_owned()], "{text:?}");
        }
        let file = parse_checked("A='1' export B=2");
        assert!(file.entries[1].exported);
        // (binary) a lone word after the quote is an inherited variable...
        assert_eq!(pairs("A=\"1\" junk\nB=2"), kv(&[("A", Some("1")), ("junk", None), ("B", Some("2"))]));
        // ... or the empty-named variable at the end of the text.
        assert_eq!(pairs("A=\"1\" junk"), kv(&[("A", Some("1")), ("", Some("junk"))]));
    }

    #[test]
    fn quote_after_closing_quote_is_an_error() {
        // (binary)
        let text = "A='x' 'y'\n";
        assert_eq!(
            errors(text),
            vec![(find(text, "'", 2), "unexpected character \"'\" in variable name \"'y'\"".to_owned())]
        );
        let text = "A=\"x\"y\"z\"";
        assert_eq!(errors(text)[0].0, find(text, "\"", 2));
        assert_eq!(errors(text)[0].1, r#"unexpected character "\"" in variable name "y\"z\"""#);
    }

    // ----- export -----------------------------------------------------------------------------

    #[test]
    fn export_prefix() {
        let text = "export NAME=v\n";
        let e = one(text);
        assert!(e.exported);
        assert_eq!(e.key, "NAME");
        assert_eq!(e.key_range, at(text, "NAME"));
        assert_eq!(e.stmt_range, at(text, "export NAME=v"));
        for text in
            ["export\tNAME=v", "   export NAME=v", "\texport  NAME=v", "export\u{c}NAME=v", "export \u{b}NAME=v"]
        {
            let e = one(text);
            assert!(e.exported, "{text:?}");
            assert_eq!(e.key, "NAME", "{text:?}");
        }
        let v = value("export NAME=\"export this\"");
        assert_eq!(v.text, "export this");
        assert_eq!(value("export NAME='\\t'").text, "\\t");
    }

    #[test]
    fn export_needs_white_space_after_it() {
        for (text, key) in [
            ("exportNAME=1", "exportNAME"),
            ("export_NAME=1", "export_NAME"),
            ("export.NAME = 1", "export.NAME"),
            ("export-NAME: 1", "export-NAME"),
            ("exports=1", "exports"),
            // (binary) \v and NBSP are not white space for the `export` check.
            ("export\u{b}NAME=1", "export\u{b}NAME"),
            ("export\u{a0}NAME=1", "export\u{a0}NAME"),
        ] {
            let e = one(text);
            assert!(!e.exported, "{text:?}");
            assert_eq!(e.key, key, "{text:?}");
        }
    }

    #[test]
    fn export_with_bare_keys() {
        // (binary) inherited.
        let text = "export NAME\n";
        let e = one(text);
        assert!(e.exported);
        assert_eq!(e.value, None);
        assert_eq!(e.stmt_range, at(text, "export NAME"));
        // (binary) at the end of the text: the empty-named variable.
        let e = one("export NAME");
        assert!(e.exported);
        assert_eq!(e.key, "");
        assert_eq!(e.value.map(|v| v.text), Some("NAME".to_owned()));
        // (binary) `export` alone at the end is not an export: `""` = `export`.
        assert_eq!(pairs("A=1\nexport"), kv(&[("A", Some("1")), ("", Some("export"))]));
        assert!(!parse_checked("export").entries[0].exported);
        // (binary) `export =v` defines the empty name.
        let e = one("export =v");
        assert!(e.exported);
        assert_eq!((e.key.as_str(), e.value.map(|v| v.text)), ("", Some("v".to_owned())));
    }

    #[test]
    fn export_followed_by_a_newline() {
        // (binary) `export` then a newline inherits the empty name (a no-op), and the next line
        // is parsed normally.
        for text in ["export\nNAME=1\n", "export \nNAME=1\n", "export\r\nNAME=1"] {
            let file = parse_checked(text);
            assert!(file.errors.is_empty(), "{text:?}");
            assert_eq!(file.entries.len(), 2, "{text:?}");
            let e = &file.entries[0];
            assert!(e.exported && e.key.is_empty() && e.value.is_none(), "{text:?}");
            assert_eq!(get(text, &e.stmt_range), "export", "{text:?}");
            assert_eq!(file.entries[1].key, "NAME");
            assert!(!file.entries[1].exported);
        }
    }

    #[test]
    fn export_errors() {
        // (binary) `export` and white space only at the end: "zero length string".
        let file = parse_checked("A=1\nexport  ");
        assert_eq!(file.errors, vec![ParseError { range: 4..10, message: "zero length string".into() }]);
        assert_eq!(file.entries.len(), 1);
        // (binary) only one `export` is stripped.
        assert_eq!(errors("export export X=1")[0].1, "key cannot contain a space");
    }

    // ----- inherited variables and the empty-named last statement ----------------------------

    #[test]
    fn bare_keys_are_inherited() {
        let text = "FROM_ENV\n  INDENTED   \nCRLF\r\nA=1\n";
        let file = parse_checked(text);
        assert!(file.errors.is_empty());
        let got: Vec<_> = file
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.is_none(), get(text, &e.stmt_range), e.separator))
            .collect();
        assert_eq!(
            got,
            [
                ("FROM_ENV", true, "FROM_ENV".to_owned(), None),
                ("INDENTED", true, "INDENTED".to_owned(), None),
                ("CRLF", true, "CRLF".to_owned(), None),
                ("A", false, "A=1".to_owned(), Some('=')),
            ]
        );
    }

    #[test]
    fn bare_last_statement_is_an_empty_named_variable() {
        // (binary) without a final newline, compose defines "" = the statement.
        let text = "A=1\nLAST_ONE";
        let file = parse_checked(text);
        let e = &file.entries[1];
        assert_eq!(e.key, "");
        assert_eq!(e.key_range, 4..4);
        assert_eq!(e.separator, None);
        assert_eq!(e.stmt_range, 4..12);
        let v = e.value.as_ref().unwrap_or_else(|| unreachable!());
        assert_eq!(v.text, "LAST_ONE");
        assert_eq!(v.raw_range, 4..12);
        assert_eq!(v.quote, Quote::None);
        assert!(v.interpolate && v.verbatim);
        // (binary) trailing white space is trimmed; a space inside is no error here.
        assert_eq!(pairs("LAST   "), kv(&[("", Some("LAST"))]));
        assert_eq!(pairs("A B"), kv(&[("", Some("A B"))]));
        assert_eq!(pairs("A\tB \u{a0}"), kv(&[("", Some("A\tB"))]));
        // With the final newline it is an ordinary inherited variable.
        assert_eq!(pairs("LAST\n"), kv(&[("LAST", None)]));
    }

    // ----- errors and recovery ------------------------------------------------------------------

    #[test]
    fn unterminated_quotes() {
        // (binary) all of these are "unterminated quoted value" + the rest of the line.
        for (text, tail) in [
            ("V=\"", "\""),
            ("V=\"abc", "\"abc"),
            ("V=\"abc\\\"", "\"abc\\\""),
            ("V=\"abc'", "\"abc'"),
            ("V='", "'"),
            ("V='abc", "'abc"),
            ("V='abc\\'", "'abc\\'"),
            ("V='abc\"", "'abc\""),
            ("V=\"abc\\", "\"abc\\"),
            ("V = 'abc\n", "'abc"),
        ] {
            let file = parse_checked(text);
            assert!(file.entries.is_empty(), "{text:?}");
            let quote = text.find(['\'', '"']).unwrap_or(0);
            assert_eq!(
                file.errors,
                vec![ParseError { range: quote..quote + 1, message: format!("unterminated quoted value {tail}") }],
                "{text:?}"
            );
        }
    }

    #[test]
    fn recovery_after_unterminated_quote() {
        // Resumes on the line after the opening quote.
        let text = "A=\"open\nB=2\nC='x'\n";
        let file = parse_checked(text);
        assert_eq!(file.errors.len(), 1);
        assert_eq!(file.errors[0].range, 2..3);
        assert_eq!(file.entries.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(), ["B", "C"]);
        // (binary) a quote of the same kind on a later line closes the value instead.
        assert_eq!(pairs("A=\"one\nB=\"two\nC=3"), kv(&[("A", Some("one\nB=")), ("two", None), ("C", Some("3"))]));
        // A quote of the other kind does not: recovery parses it.
        let file = parse_checked("A=\"one\nB='two'\nC=3");
        assert_eq!(file.errors.len(), 1);
        assert_eq!(file.entries.len(), 2);
        // The value stops at the first line in the error: the rest is parsed again.
        let file = parse_checked("X=1\nA='one\n# two\nB=2 # three");
        assert_eq!(file.errors[0].message, "unterminated quoted value 'one");
        assert_eq!(file.comments.len(), 2);
        assert_eq!(file.entries.len(), 2);
    }

    #[test]
    fn recovery_after_bad_key() {
        let text = "GOOD=1\nb@d=2\nALSO_GOOD=3\nwo rse=4\nFINE\n";
        let file = parse_checked(text);
        assert_eq!(
            file.errors.iter().map(|e| e.range.clone()).collect::<Vec<_>>(),
            [at(text, "@"), find(text, " ", 0)]
        );
        assert_eq!(file.entries.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(), ["GOOD", "ALSO_GOOD", "FINE"]);
        // After a closing quote too.
        let file = parse_checked("A=\"1\" b!d=2\nC=3");
        assert_eq!(file.errors.len(), 1);
        assert_eq!(file.entries.len(), 2);
    }

    // ----- BOM, line endings, white space -------------------------------------------------

    #[test]
    fn byte_order_mark() {
        let text = "\u{feff}FIRST=1\nSECOND=2\n";
        let file = parse_checked(text);
        assert!(file.bom);
        assert!(file.errors.is_empty());
        assert_eq!(file.entries[0].key, "FIRST");
        assert_eq!(file.entries[0].key_range, 3..8);
        assert!(!parse_checked("FIRST=1").bom);
        let file = parse_checked("\u{feff}");
        assert!(file.bom && file.entries.is_empty() && file.errors.is_empty());
        // (binary) only one BOM, and only at the start.
        assert_eq!(
            errors("\u{feff}\u{feff}A=1")[0],
            (3..6, r#"unexpected character "\ufeff" in variable name "\ufeffA=1""#.to_owned())
        );
        assert_eq!(errors("A=1\n\u{feff}B=2")[0].0, 4..7);
    }

    #[test]
    fn crlf_line_endings() {
        // (binary)
        let text = "A=1\r\nB=\"x\"\r\nC\r\nD = two words \r\nE='l1\r\nl2'\r\n";
        let file = parse_checked(text);
        assert!(file.errors.is_empty());
        let got: Vec<_> =
            file.entries.iter().map(|e| (get(text, &e.stmt_range), e.value.as_ref().map(|v| v.text.clone()))).collect();
        assert_eq!(
            got,
            [
                ("A=1".to_owned(), Some("1".to_owned())),
                ("B=\"x\"".to_owned(), Some("x".to_owned())),
                ("C".to_owned(), None),
                ("D = two words".to_owned(), Some("two words".to_owned())),
                ("E='l1\r\nl2'".to_owned(), Some("l1\r\nl2".to_owned())),
            ]
        );
    }

    #[test]
    fn blank_texts() {
        for text in ["", "\n", "\n\n\r\n", " \t ", "\u{3000}\u{2003}\n", "#", "# only\n\n"] {
            let file = parse_checked(text);
            assert!(file.entries.is_empty() && file.errors.is_empty(), "{text:?}");
        }
    }

    #[test]
    fn unicode_white_space_before_statements() {
        // (binary) any Unicode white space is skipped before a statement.
        let text = "\u{3000}A=1\n\u{2003}\u{85}# c\n\u{a0}B=2";
        let file = parse_checked(text);
        assert_eq!(file.entries.len(), 2);
        assert_eq!(file.entries[0].key_range, at(text, "A"));
        assert_eq!(file.comments.len(), 1);
    }

    // ----- duplicates, whole files ----------------------------------------------------------

    #[test]
    fn duplicates_are_all_returned() {
        assert_eq!(
            pairs("DUP=first\nDUP=second\nDUP"),
            kv(&[("DUP", Some("first")), ("DUP", Some("second")), ("", Some("DUP"))])
        );
        // Last wins (binary: A=2).
        assert_eq!(env_map("A=1\nA=2\n").get("A").map(String::as_str), Some("2"));
    }

    #[test]
    fn a_realistic_file() {
        let text = "\
# Database settings
DB_HOST=db.internal
DB_PORT = 5432
DB_PASS='p@ss#word' # rotate monthly
export DB_URL=\"postgres://${DB_HOST}:${DB_PORT}/app\"

  # feature flags
FEATURES: a,b,c
MOTD=\"Welcome!\\nHave fun\"
EMPTY=
INHERITED
";
        let file = parse_checked(text);
        assert!(file.errors.is_empty());
        assert_eq!(
            file.entries
                .iter()
                .map(|e| (e.key.as_str(), e.value.as_ref().map(|v| v.text.as_str())))
                .collect::<Vec<_>>(),
            [
                ("DB_HOST", Some("db.internal")),
                ("DB_PORT", Some("5432")),
                ("DB_PASS", Some("p@ss#word")),
                ("DB_URL", Some("postgres://${DB_HOST}:${DB_PORT}/app")),
                ("FEATURES", Some("a,b,c")),
                ("MOTD", Some("Welcome!\nHave fun")),
                ("EMPTY", Some("")),
                ("INHERITED", None),
            ]
        );
        assert_eq!(
            file.comments.iter().map(|c| (get(text, &c.range), c.own_line)).collect::<Vec<_>>(),
            [
                ("# Database settings".to_owned(), true),
                ("# rotate monthly".to_owned(), false),
                ("# feature flags".to_owned(), true),
            ]
        );
        assert!(file.entries[3].exported);
        assert!(file.entries[1].spaces_around_separator);
    }

    // ----- robustness and performance -------------------------------------------------------

    /// Small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            let len = u64::try_from(items.len()).unwrap_or(1).max(1);
            let i = usize::try_from(self.next() % len).unwrap_or(0);
            items.get(i).copied().unwrap_or("")
        }
    }

    const PIECES: &[&str] = &[
        "A", "KEY", "é", "Ⅻ", "\u{93f}", "_", ".", "-", "[", "]", "0", " ", "  ", "\t", "\u{b}", "\r", "\u{a0}",
        "\u{85}", "\u{3000}", "=", "=", ":", "#", " #", "\"", "\"", "'", "'", "\\", "\\\"", "\\'", "\\\\", "\\n",
        "\\0", "\\0101", "\\$", "$", "\n", "\n", "\r\n", "export ", "export", "export\n", "value", "a b", "%",
        "\u{feff}", "\0", "😀",
    ];

    #[test]
    fn random_inputs_keep_invariants() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for round in 0..100_000_u32 {
            let n = rng.next() % 24;
            let text: String = if round.is_multiple_of(5) {
                // Arbitrary characters, mostly ASCII.
                (0..n)
                    .filter_map(|_| {
                        let r = rng.next();
                        let limit = if r.is_multiple_of(3) { 0x11_0000 } else { 0x80 };
                        char::from_u32(u32::try_from((r >> 8) % limit).unwrap_or(0))
                    })
                    .collect()
            } else {
                (0..n).map(|_| rng.pick(PIECES)).collect()
            };
            let file = parse_checked(&text);
            // Resumed parsing never reports more than one error per line plus space errors.
            assert!(file.errors.len() <= 2 * (text.lines().count() + 1), "{text:?}");
        }
    }

    #[test]
    fn every_prefix_of_a_tricky_text() {
        let text = "\u{feff}# c\nexport A = \"x\\\"y\\0101\" B='z\\'w' # t\r\nC\nD: e # f\n\u{3000}É=\"m\nl\"G";
        for (end, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let prefix = text.get(..end).unwrap_or_default();
            parse_checked(prefix);
        }
    }

    #[test]
    fn many_lines() {
        let text: String = (0..50_000).map(|i| format!("KEY_{i}=value_{i} # c\n")).collect();
        let file = parse_checked(&text);
        assert_eq!(file.entries.len(), 50_000);
        assert_eq!(file.comments.len(), 50_000);
        assert_eq!(file.entries.last().and_then(|e| e.value.as_ref()).map(|v| v.text.as_str()), Some("value_49999"));
    }

    #[test]
    fn pathological_inputs_stay_linear() {
        // Each of these would take quadratic time with a naive recovery.
        let start = std::time::Instant::now();
        let quotes = "K=\"open\n".repeat(50_000);
        assert_eq!(parse(&quotes).entries.len(), 50_000);
        let unterminated = format!("K='open\n{}", "K=\"x\\\"\n".repeat(50_000));
        assert!(!parse(&unterminated).errors.is_empty());
        let bad = "b@d=1\n".repeat(50_000);
        assert_eq!(parse(&bad).errors.len(), 50_000);
        let long_key = "K".repeat(1_000_000);
        assert_eq!(parse(&long_key).entries.len(), 1);
        let long_bad = format!("{}!", "K".repeat(1_000_000));
        assert!(parse(&long_bad).errors[0].message.len() < 200);
        let escapes = format!("K=\"{}\"", "\\0101\\$\\n".repeat(100_000));
        assert_eq!(parse(&escapes).entries.len(), 1);
        let comments = "#\n".repeat(200_000);
        assert_eq!(parse(&comments).comments.len(), 200_000);
        let quotes = "A=\"\"".repeat(100_000);
        assert_eq!(parse(&quotes).entries.len(), 100_000);
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    }
}
