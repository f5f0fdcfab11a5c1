//! Docker Compose v2 variable interpolation (`$VAR`, `${VAR:-default}`, ...), reproducing what
//! compose-go v2.9.1 (Docker Compose v2.40.3) does, including its quirks, without aborting on the
//! first problem so that a linter can report every one.
//!
//! # Grammar, as compose actually parses it
//!
//! * `$$` is a literal `$`; the text after it is not interpolated (`$$HOME` ⇒ `$HOME`).
//! * `$NAME` and `${NAME}` substitute a variable. A name is `[_A-Za-z][_A-Za-z0-9]*`, plus the two
//!   non-ASCII letters that case-fold to ASCII ones: `ſ` (U+017F, folds to `s`) and `K` (U+212A,
//!   KELVIN SIGN, folds to `k`). compose matches names with a case-insensitive regex, and Go's
//!   case folding admits both (checked with the real binary: `${K}` and `$ſ` are variables).
//! * `${NAME<op>text}` with `<op>` one of `:-` `-` `:?` `?` `:+` `+`, immediately after the name.
//!   The text runs to the closing brace found by compose's brace counting (see below); it is
//!   interpolated in turn (recursively) **before** the variable is tested, so errors and
//!   unset-variable uses inside an unused default still count.
//! * Any other `$` (followed by a digit, `-`, a space, a non-ASCII letter, end of input...) is
//!   literal.
//! * `${` not followed by a valid `NAME}` or `NAME<op>...}` is an "invalid interpolation format".
//!
//! ## Where a `${NAME<op>...}` ends
//!
//! compose first matches `${NAME<op>` followed by the **longest** run of characters other than a
//! newline that ends in `}` (a greedy regex, so it ends at the last `}` of the line; without any
//! such `}` the reference is invalid). Within that match it then looks for the first brace that
//! balances the opening one: each `{` opens a level **and the character right after it is
//! skipped**, each `}` closes one. If a balancing `}` exists the reference ends there and the
//! rest of the match is ordinary text; otherwise the reference extends to the last `}` of the
//! line. Consequences (all checked with the real binary):
//!
//! * `${A:-{x}}` ⇒ `{x}`, `${A:-a}b}` ⇒ `ab}`, `${A:-{}` ⇒ `{` (the match ends at the last `}`);
//! * `${A:-{}}x}` ⇒ `{}}x` (the `}` right after `{` is skipped, so the reference takes all);
//! * a default cannot contain a newline: `${A:-x` + newline + `y}` is invalid.
//!
//! When it scans a nested default, compose looks at the default text only, so "the end of the
//! line" there is the end of the default.
//!
//! # Differences from compose (deliberate)
//!
//! * compose aborts the whole load on the first error. Here every error is recorded in
//!   [`Interpolated::errors`] and interpolation goes on; [`Interpolated::value`] is then a best
//!   effort and should not be trusted:
//!   * an invalid `${` produces nothing and scanning resumes right after the `${` (this is what
//!     compose's own replacement computes before it gives up), so `${A/x/y}` yields `A/x/y}`;
//!   * a failed `${VAR:?msg}` produces the empty string (as compose's replacement does);
//!   * a reference whose default holds an error still yields its chosen branch (compose would
//!     drop the whole reference).
//! * Nesting is bounded: a reference nested more than [`MAX_NESTING`] levels deep inside other
//!   references' defaults/alternatives/messages is not evaluated; it is reported as
//!   [`ErrorKind::InvalidFormat`] (covering the whole over-deep reference) and yields an unknown
//!   empty value. compose itself has no limit.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::string_slice)]

use std::fmt;
use std::ops::Range;

/// How many levels of references nested inside another reference's default, alternative or
/// message are evaluated; a reference nested deeper is reported as [`ErrorKind::InvalidFormat`].
pub const MAX_NESTING: usize = 64;

/// What the environment knows about one variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// Not defined in any source.
    Undefined,
    /// Defined with this value (may be empty).
    Known(&'a str),
    /// Defined, but its value is not known (e.g. the env file is absent and its template stands in).
    Unknown,
}

/// [`Lookup`] without the value, as recorded in a [`VarUse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupState {
    Undefined,
    Known,
    Unknown,
}

impl From<Lookup<'_>> for LookupState {
    fn from(lookup: Lookup<'_>) -> Self {
        match lookup {
            Lookup::Undefined => LookupState::Undefined,
            Lookup::Known(_) => LookupState::Known,
            Lookup::Unknown => LookupState::Unknown,
        }
    }
}

/// The operator of a reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `$VAR` or `${VAR}`.
    Plain,
    /// `${VAR:-default}`: default if unset or empty.
    DefaultUnsetOrEmpty,
    /// `${VAR-default}`: default if unset.
    DefaultUnset,
    /// `${VAR:?message}`: error if unset or empty.
    RequiredNonEmpty,
    /// `${VAR?message}`: error if unset.
    Required,
    /// `${VAR:+alternative}`: alternative if set and non-empty, else "".
    AltSetNonEmpty,
    /// `${VAR+alternative}`: alternative if set, else "".
    AltSet,
}

/// One variable reference found in the string (nested ones included), in source order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarUse {
    pub name: String,
    /// Byte range of the whole reference (`$NAME` or `${...}` including braces) in the input.
    pub range: Range<usize>,
    /// Byte range of just the name in the input.
    pub name_range: Range<usize>,
    pub op: Op,
    /// What the lookup returned for this name.
    pub lookup: LookupState,
    /// true when this reference's own value ends up in the result (false when, e.g., a default
    /// replaced it, or it sits inside an unused default/alternative).
    ///
    /// For an [`Unknown`](Lookup::Unknown) variable the value is assumed to be non-empty when
    /// choosing: `${U:-d}` counts `U` as contributing, `${U:+a}` counts `a`'s uses. A failed
    /// `:?`/`?` contributes nothing (compose aborts).
    pub contributes: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `${` with a bad name/operator, or unclosed: compose's "invalid interpolation format".
    /// Also used for references nested deeper than [`MAX_NESTING`].
    InvalidFormat,
    /// `${VAR:?msg}` / `${VAR?msg}` whose test failed: compose aborts the load.
    /// `message` is the interpolated message (may be empty).
    RequiredMissing { name: String, message: String },
}

/// A problem compose would abort the load for.
///
/// `range` is a byte range in the input: for a failed `:?`/`?` and an over-deep reference, the
/// whole reference; for a bad name or operator, the `${`, the name if any and the offending
/// character if any (`${A/x}` ⇒ `${A/`); for a `${NAME<op>` with no closing `}` on its line, from
/// `$` to the end of the line (or of the enclosing default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// byte range in the input
    pub range: Range<usize>,
}

impl fmt::Display for Error {
    /// The message compose prints (without its location prefix).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::InvalidFormat => f.write_str("invalid interpolation format"),
            ErrorKind::RequiredMissing { name, message } if message.is_empty() => {
                write!(f, "required variable {name} is missing a value")
            }
            ErrorKind::RequiredMissing { name, message } => {
                write!(f, "required variable {name} is missing a value: {message}")
            }
        }
    }
}

impl std::error::Error for Error {}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpolated {
    /// The substituted string (unknown values contribute ""). Best effort when `errors` is not
    /// empty.
    pub value: String,
    /// false when the result depends on an Unknown value (e.g. a contributing use had an
    /// Unknown value); the result is then not trustworthy.
    pub known: bool,
    pub uses: Vec<VarUse>,
    /// In the order compose meets them (an error inside a default comes before the error of the
    /// reference holding it); compose would report only the first.
    pub errors: Vec<Error>,
}

/// Fast path: true if the string contains a `$` at all.
pub fn needs_interpolation(s: &str) -> bool {
    s.as_bytes().contains(&b'$')
}

/// Interpolates `input` as compose does.
pub fn interpolate<'a>(input: &str, lookup: &dyn Fn(&str) -> Lookup<'a>) -> Interpolated {
    if !needs_interpolation(input) {
        return Interpolated { value: input.to_owned(), known: true, uses: Vec::new(), errors: Vec::new() };
    }
    let mut cx = Ctx { lookup, uses: Vec::new(), errors: Vec::new() };
    let mut value = String::with_capacity(input.len());
    let known = cx.scan(input, 0, 0, &mut value);
    Interpolated { value, known, uses: cx.uses, errors: cx.errors }
}

struct Ctx<'l, 'a> {
    lookup: &'l dyn Fn(&str) -> Lookup<'a>,
    uses: Vec<VarUse>,
    errors: Vec<Error>,
}

/// Which value a `${NAME<op>...}` yields.
enum Pick {
    /// The variable's own value.
    Var,
    /// The interpolated default/alternative.
    Inner,
    /// A `:?`/`?` test failed.
    Fail,
}

impl Ctx<'_, '_> {
    /// Interpolates `seg` (which starts at byte `base` of the input) into `out`; returns whether
    /// what it appended is known. `depth` counts the enclosing references.
    fn scan(&mut self, seg: &str, base: usize, depth: usize, out: &mut String) -> bool {
        let bytes = seg.as_bytes();
        let mut known = true;
        let mut i = 0;
        // A region `from..line_end` of the current line known to hold no `}`: lets each line be
        // searched for a closing brace at most once when references in it are invalid.
        let mut no_close: Range<usize> = 0..0;
        while let Some(off) = seg.get(i..).and_then(|rest| rest.find('$')) {
            let p = i + off;
            out.push_str(seg.get(i..p).unwrap_or_default());
            let after = bytes.get(p + 1..).unwrap_or_default();
            match after.first() {
                Some(b'$') => {
                    out.push('$');
                    i = p + 2;
                }
                Some(b'{') => {
                    i = self.braced(seg, base, depth, p, &mut no_close, &mut known, out);
                }
                _ => {
                    let n = name_len(after);
                    if n == 0 {
                        out.push('$');
                        i = p + 1;
                    } else {
                        let end = p + 1 + n;
                        let name = seg.get(p + 1..end).unwrap_or_default();
                        let looked = (self.lookup)(name);
                        known &= self.plain(name, base + p..base + end, base + p + 1, looked, out);
                        i = end;
                    }
                }
            }
        }
        out.push_str(seg.get(i..).unwrap_or_default());
        known
    }

    /// Records a plain use and appends its value; returns whether the value is known.
    fn plain(
        &mut self,
        name: &str,
        range: Range<usize>,
        name_start: usize,
        looked: Lookup<'_>,
        out: &mut String,
    ) -> bool {
        self.uses.push(VarUse {
            name: name.to_owned(),
            name_range: name_start..name_start + name.len(),
            range,
            op: Op::Plain,
            lookup: looked.into(),
            contributes: true,
        });
        match looked {
            Lookup::Known(v) => {
                out.push_str(v);
                true
            }
            Lookup::Undefined => true,
            Lookup::Unknown => false,
        }
    }

    /// Handles the `${` at `p` of `seg`; returns where scanning resumes.
    #[allow(clippy::too_many_arguments)]
    fn braced(
        &mut self,
        seg: &str,
        base: usize,
        depth: usize,
        p: usize,
        no_close: &mut Range<usize>,
        known: &mut bool,
        out: &mut String,
    ) -> usize {
        let bytes = seg.as_bytes();
        let name_start = p + 2;
        let tail = bytes.get(name_start..).unwrap_or_default();
        let n = name_len(tail);
        let name_end = name_start + n;
        let after_name = tail.get(n..).unwrap_or_default();
        let op = if n == 0 {
            None
        } else {
            match after_name {
                [b'}', ..] => {
                    let name = seg.get(name_start..name_end).unwrap_or_default();
                    let looked = (self.lookup)(name);
                    *known &= self.plain(name, base + p..base + name_end + 1, base + name_start, looked, out);
                    return name_end + 1;
                }
                [b':', b'-', ..] => Some((Op::DefaultUnsetOrEmpty, 2)),
                [b':', b'?', ..] => Some((Op::RequiredNonEmpty, 2)),
                [b':', b'+', ..] => Some((Op::AltSetNonEmpty, 2)),
                [b'-', ..] => Some((Op::DefaultUnset, 1)),
                [b'?', ..] => Some((Op::Required, 1)),
                [b'+', ..] => Some((Op::AltSet, 1)),
                _ => None,
            }
        };
        let Some((op, op_len)) = op else {
            // Bad name or operator: cover `${`, the name and the offending character.
            let bad = seg.get(name_end..).and_then(|rest| rest.chars().next()).map_or(0, char::len_utf8);
            self.invalid(base + p..base + name_end + bad);
            return name_start;
        };
        let op_end = name_end + op_len;

        // Where the reference ends: compose's greedy match plus brace counting.
        let found = if no_close.contains(&p) {
            FindClose::Unbalanced { last: None, line_end: no_close.end }
        } else {
            find_close(bytes, p)
        };
        let close = match found {
            FindClose::Balanced(c) => c,
            FindClose::Unbalanced { last: Some(last), line_end } => {
                *no_close = last + 1..line_end;
                last
            }
            FindClose::Unbalanced { last: None, line_end } => {
                // No `}` after the operator on this line: compose's regex does not match.
                *no_close = p..line_end;
                self.invalid(base + p..base + line_end);
                return name_start;
            }
        };

        let range = base + p..base + close + 1;
        let name = seg.get(name_start..name_end).unwrap_or_default();
        let index = self.uses.len();
        self.uses.push(VarUse {
            name: name.to_owned(),
            range: range.clone(),
            name_range: base + name_start..base + name_end,
            op,
            lookup: LookupState::Undefined,
            contributes: false,
        });

        // compose interpolates the default/alternative/message first, whatever the test gives.
        let mark = out.len();
        let inner_known = if depth > MAX_NESTING {
            self.invalid(range.clone());
            false
        } else {
            let inner = seg.get(op_end..close).unwrap_or_default();
            self.scan(inner, base + op_end, depth + 1, out)
        };

        let looked = (self.lookup)(name);
        let pick = pick(op, looked);
        if let Some(var_use) = self.uses.get_mut(index) {
            var_use.lookup = looked.into();
            var_use.contributes = matches!(pick, Pick::Var);
        }
        match pick {
            Pick::Inner => {
                // `${U:+alt}` with U unknown: "" if U is empty, alt otherwise.
                let both_same = out.len() == mark;
                *known &= match (op, looked) {
                    (Op::AltSetNonEmpty, Lookup::Unknown) => inner_known && both_same,
                    _ => inner_known,
                };
            }
            Pick::Var => {
                self.silence_inner(index);
                out.truncate(mark);
                match looked {
                    Lookup::Known(v) => out.push_str(v),
                    Lookup::Undefined => {}
                    Lookup::Unknown => *known = false,
                }
            }
            Pick::Fail => {
                self.silence_inner(index);
                let message = out.get(mark..).unwrap_or_default().to_owned();
                out.truncate(mark);
                self.errors.push(Error { kind: ErrorKind::RequiredMissing { name: name.to_owned(), message }, range });
            }
        }
        close + 1
    }

    /// Marks the uses nested in the reference recorded at `index` as not contributing.
    fn silence_inner(&mut self, index: usize) {
        for var_use in self.uses.iter_mut().skip(index + 1) {
            var_use.contributes = false;
        }
    }

    fn invalid(&mut self, range: Range<usize>) {
        self.errors.push(Error { kind: ErrorKind::InvalidFormat, range });
    }
}

/// Chooses the branch of `${NAME<op>...}`. An Unknown variable is defined; where emptiness
/// matters it is assumed non-empty.
fn pick(op: Op, looked: Lookup<'_>) -> Pick {
    let set = !matches!(looked, Lookup::Undefined);
    let non_empty = match looked {
        Lookup::Known(v) => !v.is_empty(),
        Lookup::Unknown => true,
        Lookup::Undefined => false,
    };
    match op {
        Op::Plain => Pick::Var,
        Op::DefaultUnsetOrEmpty if non_empty => Pick::Var,
        Op::DefaultUnset if set => Pick::Var,
        Op::DefaultUnsetOrEmpty | Op::DefaultUnset => Pick::Inner,
        Op::RequiredNonEmpty if non_empty => Pick::Var,
        Op::Required if set => Pick::Var,
        Op::RequiredNonEmpty | Op::Required => Pick::Fail,
        Op::AltSetNonEmpty if non_empty => Pick::Inner,
        Op::AltSet if set => Pick::Inner,
        Op::AltSetNonEmpty | Op::AltSet => Pick::Var,
    }
}

enum FindClose {
    /// The `}` balancing the `{` after `$`.
    Balanced(usize),
    /// No balancing `}` before the end of the line; `last` is the line's last `}` if any.
    Unbalanced { last: Option<usize>, line_end: usize },
}

/// compose's brace counting from the `$` of `${` at `p`: `{` opens a level and skips the next
/// character, `}` closes one; a newline (or the end of `bytes`) ends the search.
fn find_close(bytes: &[u8], p: usize) -> FindClose {
    let mut level: isize = 0;
    let mut last = None;
    let mut j = p;
    loop {
        match bytes.get(j) {
            None | Some(b'\n') => return FindClose::Unbalanced { last, line_end: j },
            Some(b'}') => {
                last = Some(j);
                level -= 1;
                if level == 0 {
                    return FindClose::Balanced(j);
                }
            }
            Some(b'{') => {
                level += 1;
                j += 1;
                match bytes.get(j) {
                    None | Some(b'\n') => return FindClose::Unbalanced { last, line_end: j },
                    Some(b'}') => last = Some(j),
                    Some(_) => {}
                }
            }
            Some(_) => {}
        }
        j += 1;
    }
}

/// Byte length of the variable name at the start of `s` (0 if there is none).
fn name_len(s: &[u8]) -> usize {
    let mut len = 0;
    while let Some(rest) = s.get(len..) {
        let step = match rest {
            [b'_' | b'a'..=b'z' | b'A'..=b'Z', ..] => 1,
            [b'0'..=b'9', ..] if len > 0 => 1,
            // U+017F LATIN SMALL LETTER LONG S and U+212A KELVIN SIGN: Go's case-insensitive
            // `[a-z]` matches them.
            [0xC5, 0xBF, ..] => 2,
            [0xE2, 0x84, 0xAA, ..] => 3,
            _ => 0,
        };
        if step == 0 {
            break;
        }
        len += step;
    }
    len
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::string_slice)]
mod tests {
    use super::*;

    /// The test environment: `A=1`, `B=` (empty), `D=d{}$`, `E=${A}`, `K=kelvin` (K being U+212A
    /// KELVIN SIGN), `U` and `V` defined with unknown values; everything else (`C`, `ſ`, ...)
    /// undefined.
    fn env(name: &str) -> Lookup<'static> {
        match name {
            "A" => Lookup::Known("1"),
            "B" => Lookup::Known(""),
            "D" => Lookup::Known("d{}$"),
            "E" => Lookup::Known("${A}"),
            "\u{212a}" => Lookup::Known("kelvin"),
            "U" | "V" => Lookup::Unknown,
            _ => Lookup::Undefined,
        }
    }

    fn run(input: &str) -> Interpolated {
        interpolate(input, &env)
    }

    fn value(input: &str) -> String {
        let r = run(input);
        assert!(r.errors.is_empty(), "{input:?}: unexpected errors {:?}", r.errors);
        r.value
    }

    fn use_of(
        name: &str,
        range: Range<usize>,
        name_range: Range<usize>,
        op: Op,
        lookup: LookupState,
        contributes: bool,
    ) -> VarUse {
        VarUse { name: name.to_owned(), range, name_range, op, lookup, contributes }
    }

    fn required(name: &str, message: &str, range: Range<usize>) -> Error {
        Error { kind: ErrorKind::RequiredMissing { name: name.to_owned(), message: message.to_owned() }, range }
    }

    fn invalid(range: Range<usize>) -> Error {
        Error { kind: ErrorKind::InvalidFormat, range }
    }

    /// Expected outcomes confirmed with the real binary (Docker Compose v2.40.3, compose-go
    /// v2.9.1): each template was put in `services.a.environment.V` and loaded with
    /// `env -i PATH=/usr/bin:/bin A=1 B= D='d{}$' K=kelvin docker-compose config --format json`
    /// (`K` being U+212A; `C` unset). `Ok` is the resulting value (after undoing the `$` ⇒ `$$`
    /// escaping that `config` applies to its output), `Err` the message compose aborted with.
    /// The same binary also agreed with this module on 12,000 generated templates.
    #[test]
    fn confirmed_with_real_compose() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("$A", Ok("1")),
            ("${A}x", Ok("1x")),
            ("${C}", Ok("")),
            ("${B:-def}", Ok("def")),
            ("${B-def}", Ok("")),
            ("${C-def}", Ok("def")),
            ("${A:-def}", Ok("1")),
            ("${B:+alt}", Ok("")),
            ("${B+alt}", Ok("alt")),
            ("${C+alt}", Ok("")),
            ("${A:+alt}", Ok("alt")),
            ("${B?msg}", Ok("")),
            ("${B:?msg}", Err("required variable B is missing a value: msg")),
            ("${C?no $A here}", Err("required variable C is missing a value: no 1 here")),
            ("${C:?}", Err("required variable C is missing a value")),
            ("$$A", Ok("$A")),
            ("$$$A", Ok("$1")),
            ("${A:-$$}", Ok("1")),
            ("${C:-$$}", Ok("$")),
            ("${C:-${B:-${A}}}", Ok("1")),
            ("${C:-{x}}", Ok("{x}")),
            ("${C:-a}b}", Ok("ab}")),
            ("${C:-{}}x}", Ok("{}}x")),
            ("${C:-{}", Ok("{")),
            ("${A:-${C:?inner}}", Err("required variable C is missing a value: inner")),
            ("${A:0:1}", Err("invalid interpolation format")),
            ("${A:=x}", Err("invalid interpolation format")),
            ("${1}", Err("invalid interpolation format")),
            ("${A", Err("invalid interpolation format")),
            ("${C:-x\ny}", Err("invalid interpolation format")),
            ("é${A}ü$", Ok("é1ü$")),
            ("${\u{212a}}", Ok("kelvin")),
            ("$\u{212a}-", Ok("kelvin-")),
            ("$A\u{212a}", Ok("")),
            ("${\u{17f}:-long s}", Ok("long s")),
            ("${D}", Ok("d{}$")),
            ("${C:-b?c}", Ok("b?c")),
            ("${C?b:-c}", Err("required variable C is missing a value: b:-c")),
            ("5$ $1 $-", Ok("5$ $1 $-")),
            ("${C:-${C:-{}y}z}", Ok("{}yz")),
            ("${C:-a}\n}", Ok("a\n}")),
            ("${C:+${C:?m}}", Err("required variable C is missing a value: m")),
            ("${C-}", Ok("")),
            ("$A$A", Ok("11")),
            ("${A}}", Ok("1}")),
            ("${A:-x}}", Ok("1}")),
            ("x${C:-${A}y}z", Ok("x1yz")),
            ("${A:-${C}}", Ok("1")),
            ("${ A}", Err("invalid interpolation format")),
            ("${}", Err("invalid interpolation format")),
            ("$", Ok("$")),
            ("${C:-x\ry}", Ok("x\ry")),
            ("${A-$B-x}", Ok("1")),
            ("${B:-$$$A}", Ok("$1")),
            ("${C:-${A:+{y}}}", Ok("{y}")),
            ("${C:-x}${", Err("invalid interpolation format")),
        ];
        for (input, expected) in cases {
            let r = run(input);
            let got = match r.errors.first() {
                None => Ok(r.value.as_str()),
                Some(_) => Err(r.errors.first().map(ToString::to_string).unwrap()),
            };
            match (expected, &got) {
                (Ok(want), Ok(have)) => assert_eq!(want, have, "{input:?}"),
                (Err(want), Err(have)) => assert_eq!(want, have, "{input:?}"),
                _ => panic!("{input:?}: expected {expected:?}, got {got:?}"),
            }
            assert!(r.known, "{input:?}");
        }
    }

    #[test]
    fn fast_path_without_dollar() {
        assert!(!needs_interpolation(""));
        assert!(!needs_interpolation("plain {text} with ünïcode"));
        assert!(needs_interpolation("a$"));
        assert!(needs_interpolation("$$"));
        for s in ["", "plain", "{A:-x}", "ü€𝄞", "a\nb"] {
            let r = run(s);
            assert_eq!(r, Interpolated { value: s.to_owned(), known: true, uses: vec![], errors: vec![] });
        }
    }

    #[test]
    fn plain_references() {
        assert_eq!(value("$A"), "1");
        assert_eq!(value("${A}"), "1");
        assert_eq!(value("x$A.y"), "x1.y");
        assert_eq!(value("$B|${B}"), "|");
        assert_eq!(value("[$C]"), "[]");
        assert_eq!(value("[${C}]"), "[]");
        // Names are greedy and case-sensitive.
        assert_eq!(value("$AB"), "");
        assert_eq!(value("$a"), "");
        assert_eq!(value("$A-$A"), "1-1");
        assert_eq!(value("$A:-x"), "1:-x");
        // Values are not interpolated again.
        assert_eq!(value("$E"), "${A}");
        assert_eq!(value("$D$D"), "d{}$d{}$");

        let r = run("a $C b");
        assert_eq!(r.uses, vec![use_of("C", 2..4, 3..4, Op::Plain, LookupState::Undefined, true)]);
        let r = run("${A}${B}");
        assert_eq!(
            r.uses,
            vec![
                use_of("A", 0..4, 2..3, Op::Plain, LookupState::Known, true),
                use_of("B", 4..8, 6..7, Op::Plain, LookupState::Known, true),
            ]
        );
    }

    #[test]
    fn names() {
        let lookup = |n: &str| Lookup::Known(if n.len() < 40 { "v" } else { "long" });
        let names = |s: &str| -> Vec<String> { interpolate(s, &lookup).uses.into_iter().map(|u| u.name).collect() };
        assert_eq!(names("$_ $_1 $a_B9 ${x_y} $Z"), ["_", "_1", "a_B9", "x_y", "Z"]);
        // A name cannot start with a digit, so `$1` is literal text.
        assert_eq!(interpolate("$1$9a", &lookup).value, "$1$9a");
        assert!(names("$1$9a").is_empty());
        // Non-ASCII letters are not name characters ...
        assert_eq!(interpolate("$é ${Aé}", &lookup).value, "$é Aé}");
        assert_eq!(names("$é $Aé"), ["A"]);
        // ... except U+017F and U+212A, which Go's case-insensitive `[a-z]` accepts.
        assert_eq!(names("$\u{17f} $x\u{212a}y ${\u{212a}}"), ["\u{17f}", "x\u{212a}y", "\u{212a}"]);
        let r = run("<$\u{212a}>");
        assert_eq!(r.value, "<kelvin>");
        assert_eq!(r.uses[0].range, 1..5);
        assert_eq!(r.uses[0].name_range, 2..5);
        let long = "N".repeat(100);
        assert_eq!(interpolate(&format!("${{{long}}}"), &lookup).value, "long");
    }

    #[test]
    fn escapes_and_literal_dollars() {
        assert_eq!(value("$$"), "$");
        assert_eq!(value("$$A"), "$A");
        assert_eq!(value("$${A}"), "${A}");
        assert_eq!(value("$$$A"), "$1");
        assert_eq!(value("$$$$A"), "$$A");
        assert_eq!(value("$$$"), "$$");
        assert_eq!(value("a$"), "a$");
        assert_eq!(value("$"), "$");
        assert_eq!(value("5$"), "5$");
        assert_eq!(value("$1"), "$1");
        assert_eq!(value("$-"), "$-");
        assert_eq!(value("$ $\n$}"), "$ $\n$}");
        assert_eq!(value("€$€"), "€$€");
        assert!(run("$$A $1").uses.is_empty());
    }

    #[test]
    fn default_unset_or_empty() {
        assert_eq!(value("${C:-d}"), "d");
        assert_eq!(value("${B:-d}"), "d");
        assert_eq!(value("${A:-d}"), "1");
        assert_eq!(value("${C:-}"), "");
        assert_eq!(value("${C:-a b:c-d?e+f}"), "a b:c-d?e+f");
        let r = run("${A:-d}");
        assert_eq!(r.uses, vec![use_of("A", 0..7, 2..3, Op::DefaultUnsetOrEmpty, LookupState::Known, true)]);
        let r = run("${B:-d}");
        assert_eq!(r.uses, vec![use_of("B", 0..7, 2..3, Op::DefaultUnsetOrEmpty, LookupState::Known, false)]);
    }

    #[test]
    fn default_unset() {
        assert_eq!(value("${C-d}"), "d");
        assert_eq!(value("${B-d}"), "");
        assert_eq!(value("${A-d}"), "1");
        assert_eq!(value("${C-}"), "");
        let r = run("${C-d}");
        assert_eq!(r.uses, vec![use_of("C", 0..6, 2..3, Op::DefaultUnset, LookupState::Undefined, false)]);
        let r = run("${B-d}");
        assert_eq!(r.uses, vec![use_of("B", 0..6, 2..3, Op::DefaultUnset, LookupState::Known, true)]);
    }

    #[test]
    fn required_non_empty() {
        assert_eq!(value("${A:?m}"), "1");
        assert_eq!(run("${C:?need C}").errors, vec![required("C", "need C", 0..12)]);
        assert_eq!(run("${B:?m}").errors, vec![required("B", "m", 0..7)]);
        let r = run("x ${B:?} y");
        assert_eq!(r.errors, vec![required("B", "", 2..8)]);
        assert_eq!(r.value, "x  y");
        assert_eq!(r.uses, vec![use_of("B", 2..8, 4..5, Op::RequiredNonEmpty, LookupState::Known, false)]);
        let r = run("${A:?m}");
        assert_eq!(r.uses, vec![use_of("A", 0..7, 2..3, Op::RequiredNonEmpty, LookupState::Known, true)]);
    }

    #[test]
    fn required_set() {
        assert_eq!(value("${A?m}"), "1");
        assert_eq!(value("${B?m}"), "");
        assert_eq!(run("${C?m}").errors, vec![required("C", "m", 0..6)]);
        assert_eq!(run("${C?}").errors, vec![required("C", "", 0..5)]);
        let r = run("${B?m}");
        assert_eq!(r.uses, vec![use_of("B", 0..6, 2..3, Op::Required, LookupState::Known, true)]);
    }

    #[test]
    fn alternative_set_non_empty() {
        assert_eq!(value("${A:+alt}"), "alt");
        assert_eq!(value("${B:+alt}"), "");
        assert_eq!(value("${C:+alt}"), "");
        assert_eq!(value("${A:+}"), "");
        let r = run("${A:+alt}");
        assert_eq!(r.uses, vec![use_of("A", 0..9, 2..3, Op::AltSetNonEmpty, LookupState::Known, false)]);
        let r = run("${C:+alt}");
        assert_eq!(r.uses, vec![use_of("C", 0..9, 2..3, Op::AltSetNonEmpty, LookupState::Undefined, true)]);
    }

    #[test]
    fn alternative_set() {
        assert_eq!(value("${A+alt}"), "alt");
        assert_eq!(value("${B+alt}"), "alt");
        assert_eq!(value("${C+alt}"), "");
        let r = run("${B+alt}");
        assert_eq!(r.uses, vec![use_of("B", 0..8, 2..3, Op::AltSet, LookupState::Known, false)]);
    }

    #[test]
    fn first_operator_wins() {
        assert_eq!(value("${C:-b?c}"), "b?c");
        assert_eq!(value("${C-b:-c}"), "b:-c");
        assert_eq!(value("${C-:-c}"), ":-c");
        assert_eq!(value("${C:--x}"), "-x");
        assert_eq!(value("${A+:+x}"), ":+x");
        assert_eq!(value("${C:---}"), "--");
        assert_eq!(run("${C?b:-c}").errors, vec![required("C", "b:-c", 0..9)]);
        assert_eq!(run("${C??}").errors, vec![required("C", "?", 0..6)]);
        assert_eq!(run("${C:?:?}").errors, vec![required("C", ":?", 0..8)]);
        assert_eq!(run("${C:?}").uses[0].op, Op::RequiredNonEmpty);
        assert_eq!(run("${C?:}").uses[0].op, Op::Required);
    }

    #[test]
    fn nested_defaults_are_interpolated() {
        assert_eq!(value("${C:-$A}"), "1");
        assert_eq!(value("${C:-${A}}"), "1");
        assert_eq!(value("${C:-<$A|${A}>}"), "<1|1>");
        assert_eq!(value("${C:-${B:-${A}}}"), "1");
        assert_eq!(value("${C:-${B:-${C:-deep}}}"), "deep");
        assert_eq!(value("${A+[${A:+x}]}"), "[x]");
        assert_eq!(value("${C:-$$}"), "$");
        assert_eq!(value("${C:-$$A}"), "$A");
        assert_eq!(value("${C:-$}"), "$");
        assert_eq!(value("${C:-${C:-$$}}"), "$");
        assert_eq!(value("${A:-$$}"), "1");
        // The message of a failed test is interpolated.
        assert_eq!(run("${C?$A and ${B:-b} and $$A}").errors, vec![required("C", "1 and b and $A", 0..27)]);
    }

    #[test]
    fn nested_uses_and_contributions() {
        // x0 $1 {2 C3 :4 -5 $6 {7 A8 }9 y10 }11 z12
        let r = run("x${C:-${A}y}z");
        assert_eq!(r.value, "x1yz");
        assert_eq!(
            r.uses,
            vec![
                use_of("C", 1..12, 3..4, Op::DefaultUnsetOrEmpty, LookupState::Undefined, false),
                use_of("A", 6..10, 8..9, Op::Plain, LookupState::Known, true),
            ]
        );
        // The default is interpolated although A is set: C is looked up but contributes nothing.
        let r = run("${A:-${C}}");
        assert_eq!(r.value, "1");
        assert_eq!(
            r.uses,
            vec![
                use_of("A", 0..10, 2..3, Op::DefaultUnsetOrEmpty, LookupState::Known, true),
                use_of("C", 5..9, 7..8, Op::Plain, LookupState::Undefined, false),
            ]
        );
        // Deeper levels inherit the unused branch.
        let r = run("${A:-${C:-$B}}");
        let flags: Vec<(&str, bool)> = r.uses.iter().map(|u| (u.name.as_str(), u.contributes)).collect();
        assert_eq!(flags, [("A", true), ("C", false), ("B", false)]);
        let r = run("${C:-${C:-$B}}");
        let flags: Vec<(&str, bool)> = r.uses.iter().map(|u| (u.name.as_str(), u.contributes)).collect();
        assert_eq!(flags, [("C", false), ("C", false), ("B", true)]);
        // Uses in a message never contribute.
        let r = run("${A?$B}");
        let flags: Vec<(&str, bool)> = r.uses.iter().map(|u| (u.name.as_str(), u.contributes)).collect();
        assert_eq!(flags, [("A", true), ("B", false)]);
        // Uses after a reference are not affected by it.
        let r = run("${A:-$C}$B");
        let flags: Vec<(&str, bool)> = r.uses.iter().map(|u| (u.name.as_str(), u.contributes)).collect();
        assert_eq!(flags, [("A", true), ("C", false), ("B", true)]);
    }

    #[test]
    fn errors_in_unused_branches_still_count() {
        // compose interpolates defaults/alternatives/messages before testing the variable.
        // $0 {1 A2 :3 -4 $5 {6 C7 :8 ?9 m10 }11 }12
        let r = run("${A:-${C:?m}}");
        assert_eq!(r.errors, vec![required("C", "m", 5..12)]);
        assert_eq!(r.value, "1");
        assert_eq!(run("${C:+${C?m}}").errors, vec![required("C", "m", 5..11)]);
        assert_eq!(run("${A:?${C?m}}").errors, vec![required("C", "m", 5..11)]);
        assert_eq!(run("${A-${1}}").errors, vec![invalid(4..7)]);
    }

    #[test]
    fn error_order_and_messages() {
        // $0 {1 C2 ?3 $4 {5 C6 ?7 i8 n9 n10 e11 r12 }13 }14 ' '15 $16 {17 C18 :19 ?20 }21 ' '22 $23 {24
        let r = run("${C?${C?inner}} ${C:?} ${");
        assert_eq!(
            r.errors,
            vec![required("C", "inner", 4..14), required("C", "", 0..15), required("C", "", 16..22), invalid(23..25),]
        );
        let messages: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "required variable C is missing a value: inner",
                "required variable C is missing a value",
                "required variable C is missing a value",
                "invalid interpolation format",
            ]
        );
        assert_eq!(r.value, "  ");
    }

    #[test]
    fn invalid_formats() {
        // Range: `${`, the name if any, and the offending character if any; the `${` yields
        // nothing and the rest is scanned again as text.
        let cases: &[(&str, Range<usize>, &str)] = &[
            ("${", 0..2, ""),
            ("${}", 0..3, "}"),
            ("${1}", 0..3, "1}"),
            ("${ A}", 0..3, " A}"),
            ("${A }", 0..4, "A }"),
            ("${A", 0..3, "A"),
            ("${A/x/y}", 0..4, "A/x/y}"),
            ("${A:0:3}", 0..4, "A:0:3}"),
            ("${A:=x}", 0..4, "A:=x}"),
            ("${A#x}", 0..4, "A#x}"),
            ("${é}", 0..4, "é}"),
            ("${Aé}", 0..5, "Aé}"),
            ("${A\n}", 0..4, "A\n}"),
            ("${A:}", 0..4, "A:}"),
            ("${$A}", 0..3, "1}"),
            ("${${A}}", 0..3, "1}"),
            ("a${A!}$A", 1..5, "aA!}1"),
        ];
        for (input, range, val) in cases {
            let r = run(input);
            assert_eq!(r.errors, vec![invalid(range.clone())], "{input:?}");
            assert_eq!(r.value, *val, "{input:?}");
        }
    }

    #[test]
    fn unclosed_references() {
        // No `}` after the operator on the same line: the error runs to the end of the line.
        let r = run("${A:-x");
        assert_eq!(r.errors, vec![invalid(0..6)]);
        assert_eq!(r.value, "A:-x");
        let r = run("${A:-x\ny} $A");
        assert_eq!(r.errors, vec![invalid(0..6)]);
        assert_eq!(r.value, "A:-x\ny} 1");
        // Several on one line: each reported.
        let r = run("${C:-a ${C:-b $A");
        assert_eq!(r.errors, vec![invalid(0..16), invalid(7..16)]);
        assert_eq!(r.value, "C:-a C:-b 1");
        // A `}` on the line closes the reference even if it is not balanced; the nested `${B`
        // is then unclosed within the default.
        let r = run("${C:-${B}");
        assert_eq!(r.errors, vec![invalid(5..8)]);
        assert_eq!(r.value, "B");
        assert_eq!(run("${C:-x}${").errors, vec![invalid(7..9)]);
    }

    #[test]
    fn brace_matching_quirks() {
        assert_eq!(value("${C:-{x}}"), "{x}");
        assert_eq!(value("${C:-a}b}"), "ab}");
        assert_eq!(value("${C:-a}b}c}"), "ab}c}");
        assert_eq!(value("${A:?a}b}"), "1b}");
        assert_eq!(value("${C:-{}"), "{");
        assert_eq!(value("${C:-x{y}"), "x{y");
        assert_eq!(value("${C:-{}}"), "{}");
        assert_eq!(value("${C:-{}}x}"), "{}}x");
        assert_eq!(value("${C:-{}y}z}"), "{}y}z");
        assert_eq!(value("${C:-a}${A}}"), "a1}");
        assert_eq!(value("${C:-${C:-{}y}z}"), "{}yz");
        assert_eq!(value("${C:-a}\n}"), "a\n}");
        assert_eq!(value("${C:-x\ry}"), "x\ry");
        // The reference's range covers what compose treats as the reference.
        let r = run("${C:-{}}x}-");
        assert_eq!(r.uses[0].range, 0..10);
        let r = run("${C:-a}b}");
        assert_eq!(r.uses[0].range, 0..7);
        let r = run("${C:-{}\n}");
        assert_eq!(r.uses[0].range, 0..7);
        assert_eq!(r.value, "{\n}");
    }

    #[test]
    fn unknown_values() {
        let check = |input: &str, val: &str, known: bool, errors: usize| {
            let r = run(input);
            assert_eq!(r.value, val, "{input:?}");
            assert_eq!(r.known, known, "{input:?}");
            assert_eq!(r.errors.len(), errors, "{input:?}");
        };
        check("$U", "", false, 0);
        check("x${U}y", "xy", false, 0);
        check("${U:-d}", "", false, 0);
        check("${U-d}", "", false, 0);
        check("${U:?m}", "", false, 0);
        check("${U?m}", "", false, 0);
        // `:+`: either "" (U empty) or the alternative.
        check("${U:+alt}", "alt", false, 0);
        check("${U:+}", "", true, 0);
        check("${U:+${C}}", "", true, 0);
        check("${U:+${V}}", "", false, 0);
        // `+`: U is defined, so the alternative is chosen for sure.
        check("${U+alt}", "alt", true, 0);
        check("${U+$V}", "", false, 0);
        // Unknown values in unused branches do not matter.
        check("${A:-$U}", "1", true, 0);
        check("${C:-$U}", "", false, 0);
        check("${C:+$U}", "", true, 0);
        check("${A?$U}", "1", true, 0);
        check("${C?$U}", "", true, 1);
        check("${A:+${U:+}}", "", true, 0);
        check("$A", "1", true, 0);

        let r = run("${U:-d}");
        assert_eq!(r.uses, vec![use_of("U", 0..7, 2..3, Op::DefaultUnsetOrEmpty, LookupState::Unknown, true)]);
        let r = run("${U+$A}");
        assert_eq!(
            r.uses,
            vec![
                use_of("U", 0..7, 2..3, Op::AltSet, LookupState::Unknown, false),
                use_of("A", 4..6, 5..6, Op::Plain, LookupState::Known, true),
            ]
        );
        let r = run("${U:+$A}");
        assert!(!r.uses[0].contributes);
        assert!(r.uses[1].contributes);
    }

    #[test]
    fn unicode_around_variables() {
        // é is 2 bytes, € 3, 𝄞 4.
        let r = run("é${A}€$B𝄞${C:-ü}");
        assert_eq!(r.value, "é1€𝄞ü");
        assert_eq!(
            r.uses,
            vec![
                use_of("A", 2..6, 4..5, Op::Plain, LookupState::Known, true),
                use_of("B", 9..11, 10..11, Op::Plain, LookupState::Known, true),
                use_of("C", 15..23, 17..18, Op::DefaultUnsetOrEmpty, LookupState::Undefined, false),
            ]
        );
        assert_eq!(value("${C:-€{𝄞}}"), "€{𝄞}");
        // A multi-byte character right after `{` is skipped whole by the brace counting.
        assert_eq!(value("${C:-{é}}"), "{é}");
        assert_eq!(run("x${€}").errors, vec![invalid(1..6)]);
        assert_eq!(run("x${€}").value, "x€}");
    }

    #[test]
    fn ranges_slice_the_input() {
        let input = "pre ${A:-${C:-ü$B}} mid $A ${C+${U}} ${C:?${A}!} post";
        let r = run(input);
        let got: Vec<(&str, &str)> =
            r.uses.iter().map(|u| (&input[u.range.clone()], &input[u.name_range.clone()])).collect();
        assert_eq!(
            got,
            [
                ("${A:-${C:-ü$B}}", "A"),
                ("${C:-ü$B}", "C"),
                ("$B", "B"),
                ("$A", "A"),
                ("${C+${U}}", "C"),
                ("${U}", "U"),
                ("${C:?${A}!}", "C"),
                ("${A}", "A"),
            ]
        );
        assert_eq!(r.errors.len(), 1);
        assert_eq!(&input[r.errors[0].range.clone()], "${C:?${A}!}");
        assert_eq!(r.errors[0].to_string(), "required variable C is missing a value: 1!");
        assert_eq!(r.value, "pre 1 mid 1   post");
        assert!(r.known);
    }

    fn nested(levels: usize, innermost: &str) -> String {
        format!("{}{innermost}{}", "${C:-".repeat(levels), "}".repeat(levels))
    }

    #[test]
    fn nesting_bound() {
        // MAX_NESTING references nested inside the outermost one are evaluated ...
        let r = run(&nested(MAX_NESTING + 1, "x"));
        assert!(r.errors.is_empty());
        assert_eq!(r.value, "x");
        assert_eq!(r.uses.len(), MAX_NESTING + 1);
        // ... one more is reported and yields an unknown empty value.
        let input = nested(MAX_NESTING + 2, "x");
        let r = run(&input);
        let start = 5 * (MAX_NESTING + 1);
        assert_eq!(r.errors, vec![invalid(start..start + 7)]);
        assert_eq!(&input[start..start + 7], "${C:-x}");
        assert_eq!(r.value, "");
        assert!(!r.known);
        // An over-deep reference in an unused branch does not make the result unknown.
        let r = run(&format!("${{A:-{}}}", nested(MAX_NESTING + 1, "x")));
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.value, "1");
        assert!(r.known);
    }

    #[test]
    fn very_deep_nesting_is_fast_and_safe() {
        let input = nested(10_000, "x");
        let r = run(&input);
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.uses.len(), MAX_NESTING + 2);
        // Unbalanced and unclosed variants.
        let r = run(&format!("{}}}", "${C:-{".repeat(10_000)));
        assert!(!r.errors.is_empty());
        let r = run(&"${C:-{".repeat(20_000));
        assert_eq!(r.errors.len(), 20_000);
        let r = run(&"${C:-".repeat(20_000));
        assert_eq!(r.errors.len(), 20_000);
        let r = run(&"${A:-".repeat(20_000).replace("${A:-", "${A:-\n"));
        assert_eq!(r.errors.len(), 20_000);
    }

    #[test]
    fn long_inputs_are_linear() {
        // Would take far too long if any step were quadratic in the line length.
        let n = 50_000;
        let r = run(&"${C:-x}".repeat(n));
        assert_eq!(r.value.len(), n);
        let r = run(&format!("{}}}", "${C:-{".repeat(n)));
        assert!(!r.errors.is_empty());
        let r = run(&"$A$$".repeat(n));
        assert_eq!(r.value, "1$".repeat(n));
        // The first reference takes the whole line; inside it no `}` is left, so every nested
        // one is unclosed.
        let r = run(&format!("{}{}", "${A:-x ".repeat(n), "}"));
        assert_eq!(r.errors.len(), n - 1);
        assert_eq!(r.value, "1");
        let r = run(&format!("${{A:-{}}}", "{".repeat(n)));
        assert!(r.errors.is_empty());
        let r = run(&"${1".repeat(n));
        assert_eq!(r.errors.len(), n);
    }

    #[test]
    fn lookup_sees_exact_names() {
        let seen = std::cell::RefCell::new(Vec::new());
        let lookup = |n: &str| {
            seen.borrow_mut().push(n.to_owned());
            Lookup::Undefined
        };
        let r = interpolate("$X_1-${Y:-${Z}} $$W ${é}", &lookup);
        assert_eq!(r.value, "- $W é}");
        // The default is interpolated before its variable is looked up, as compose does.
        assert_eq!(*seen.borrow(), ["X_1", "Z", "Y"]);
    }

    #[test]
    fn lookup_state_from_lookup() {
        assert_eq!(LookupState::from(Lookup::Known("")), LookupState::Known);
        assert_eq!(LookupState::from(Lookup::Undefined), LookupState::Undefined);
        assert_eq!(LookupState::from(Lookup::Unknown), LookupState::Unknown);
    }

    /// Arbitrary strings built from the characters that matter: never panics, ranges are valid.
    #[test]
    fn fuzz_invariants() {
        const PIECES: &[&str] = &[
            "$", "$", "{", "}", ":", "-", "+", "?", "A", "B", "C", "U", "_", "1", " ", "\n", "é", "𝄞", "\u{212a}",
            "\u{17f}", "${", "${C:-", "${A:+", "${U?", "$$", "{}", "\r",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = next() % 24;
            let input: String = (0..len).map(|_| PIECES[(next() % PIECES.len() as u64) as usize]).collect();
            let r = run(&input);
            if !input.contains('$') {
                assert_eq!(r.value, input);
            }
            let mut last_start = None;
            for u in &r.uses {
                assert!(u.range.start < u.range.end && u.range.end <= input.len(), "{input:?}");
                assert!(input.is_char_boundary(u.range.start) && input.is_char_boundary(u.range.end));
                assert!(u.range.start < u.name_range.start && u.name_range.end < u.range.end + 1);
                assert_eq!(input.get(u.name_range.clone()), Some(u.name.as_str()), "{input:?}");
                assert_eq!(input.get(u.range.start..u.range.start + 1), Some("$"));
                assert!(last_start < Some(u.range.start), "{input:?}");
                last_start = Some(u.range.start);
            }
            for e in &r.errors {
                assert!(e.range.start < e.range.end && e.range.end <= input.len(), "{input:?}");
                assert!(input.is_char_boundary(e.range.start) && input.is_char_boundary(e.range.end));
                assert_eq!(input.get(e.range.start..e.range.start + 2), Some("${"));
            }
        }
    }
}
