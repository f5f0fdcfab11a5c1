//! Traefik router rule expressions: ``Host(`a.com`) && (PathPrefix(`/api`) || !Method(`GET`))``.
//!
//! Traefik hands the rule to a Go-expression parser: matchers are calls, values are Go string literals
//! (backticks: raw; double quotes: with escapes; single quotes are rune literals and rejected), joined by
//! `&&`, `||`, `!` and parentheses. A matcher name is accepted as registered (`PathPrefix`), lower-case
//! (`pathprefix`), upper-case (`PATHPREFIX`) or capitalised (`Pathprefix`). The set of matchers and their
//! arity depend on the syntax: v3 (the default of Traefik v3) takes one value per matcher (`Header` and
//! `Query` two), v2 takes several (``Host(`a`, `b`)``) and has `Headers`, `HeadersRegexp`, `HostHeader`.
//! Offsets are byte offsets into the rule text; the caller maps them into the file.

/// Which rule grammar applies (Traefik v3 default, or v2 / `ruleSyntax=v2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    V2,
    V3,
}

/// A byte range inside the rule text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: u32,
    pub end: u32,
}

/// One value of a matcher: the string after unquoting, and where its literal is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    pub value: String,
    pub range: Range,
}

/// A matcher call, its name normalised to the registered spelling (`Host`, `PathPrefix`...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matcher {
    pub name: &'static str,
    pub name_range: Range,
    pub args: Vec<Arg>,
    /// The call's whole range, name to closing parenthesis.
    pub range: Range,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Matcher(Matcher),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

/// Why a rule does not parse (Traefik drops the router and logs an error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    pub message: String,
    pub range: Range,
}

/// HTTP matchers per syntax: (name, min args, max args; `usize::MAX` = any number).
const V3: &[(&str, usize, usize)] = &[
    ("ClientIP", 1, 1),
    ("Method", 1, 1),
    ("Host", 1, 1),
    ("HostRegexp", 1, 1),
    ("Path", 1, 1),
    ("PathRegexp", 1, 1),
    ("PathPrefix", 1, 1),
    ("Header", 2, 2),
    ("HeaderRegexp", 2, 2),
    ("Query", 1, 2),
    ("QueryRegexp", 1, 2),
];

const V2: &[(&str, usize, usize)] = &[
    ("ClientIP", 1, usize::MAX),
    ("Method", 1, usize::MAX),
    ("Host", 1, usize::MAX),
    ("HostHeader", 1, usize::MAX),
    ("HostRegexp", 1, usize::MAX),
    ("Path", 1, usize::MAX),
    ("PathPrefix", 1, usize::MAX),
    ("Headers", 2, 2),
    ("HeadersRegexp", 2, 2),
    ("Query", 1, usize::MAX),
];

/// Nesting limit: a hostile rule of a million `(` must not overflow the stack.
const MAX_DEPTH: usize = 64;

/// Parses a rule with the given syntax.
pub fn parse(text: &str, syntax: Syntax) -> Result<Expr, RuleError> {
    let mut p = Parser { s: text.as_bytes(), text, pos: 0, syntax, depth: 0 };
    p.skip_ws();
    if p.pos >= p.s.len() {
        return Err(p.error_at(0, text.len(), "the rule is empty".to_owned()));
    }
    let expr = p.or()?;
    p.skip_ws();
    if p.pos < p.s.len() {
        let end = p.token_end(p.pos);
        return Err(p.error_at(p.pos, end, format!("unexpected `{}` after the expression", &text[p.pos..end])));
    }
    Ok(expr)
}

impl Expr {
    /// Every matcher, in source order, with whether it sits under an odd number of `!`.
    pub fn matchers(&self) -> Vec<(&Matcher, bool)> {
        let mut out = Vec::new();
        self.walk(false, &mut out);
        out
    }

    fn walk<'a>(&'a self, negated: bool, out: &mut Vec<(&'a Matcher, bool)>) {
        match self {
            Expr::Matcher(m) => out.push((m, negated)),
            Expr::Not(e) => e.walk(!negated, out),
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.walk(negated, out);
                b.walk(negated, out);
            }
        }
    }

    /// The hosts the rule can match literally: values of non-negated `Host` (and v2 `HostHeader`)
    /// matchers, lower-cased. Regexp hosts are not listed.
    pub fn hosts(&self) -> Vec<(&str, Range)> {
        self.matchers()
            .into_iter()
            .filter(|(m, neg)| !neg && matches!(m.name, "Host" | "HostHeader"))
            .flat_map(|(m, _)| m.args.iter().map(|a| (a.value.as_str(), a.range)))
            .collect()
    }
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    syntax: Syntax,
    depth: usize,
}

fn range(start: usize, end: usize) -> Range {
    Range { start: u32::try_from(start).unwrap_or(u32::MAX), end: u32::try_from(end).unwrap_or(u32::MAX) }
}

impl Parser<'_> {
    /// An error over `start..end`, clamped to the text and widened to char boundaries.
    fn error_at(&self, start: usize, end: usize, message: String) -> RuleError {
        let len = self.text.len();
        let mut start = start.min(len);
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = end.max(start).min(len);
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        RuleError { message, range: range(start, end) }
    }

    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    /// The end of the token starting at `start` (for error ranges), on a char boundary.
    fn token_end(&self, start: usize) -> usize {
        let rest = &self.text[start..];
        let first = rest.chars().next().map_or(0, char::len_utf8);
        let word = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
        start + word.max(first)
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.text[self.pos..].starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn nest(&mut self) -> Result<(), RuleError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(self.pos, self.pos + 1, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, RuleError> {
        let mut left = self.and()?;
        while self.eat("||") {
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, RuleError> {
        let mut left = self.unary()?;
        while self.eat("&&") {
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, RuleError> {
        self.skip_ws();
        if self.pos >= self.s.len() {
            return Err(self.error_at(self.pos, self.pos, "the rule ends where a matcher is expected".to_owned()));
        }
        if self.text[self.pos..].starts_with("!=") {
            return Err(self.error_at(self.pos, self.pos + 2, "`!=` is not a rule operator".to_owned()));
        }
        if self.eat("!") {
            self.nest()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        if self.eat("(") {
            let open = self.pos - 1;
            self.nest()?;
            let inner = self.or()?;
            self.depth -= 1;
            if !self.eat(")") {
                return Err(self.error_at(open, open + 1, "this parenthesis is never closed".to_owned()));
            }
            return Ok(inner);
        }
        self.matcher().map(Expr::Matcher)
    }

    fn matcher(&mut self) -> Result<Matcher, RuleError> {
        let start = self.pos;
        let len = self.s[start..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
        if len == 0 {
            let end = self.token_end(start);
            return Err(self.error_at(start, end, format!("expected a matcher, found `{}`", &self.text[start..end])));
        }
        let written = &self.text[start..start + len];
        self.pos += len;
        let table = match self.syntax {
            Syntax::V3 => V3,
            Syntax::V2 => V2,
        };
        let found = table.iter().find(|(name, _, _)| spellings(name, written));
        let Some(&(name, min, max)) = found else {
            let hint = match (self.syntax, written.to_ascii_lowercase().as_str()) {
                (Syntax::V3, "headers") => " (v3 spells it `Header`)",
                (Syntax::V3, "headersregexp") => " (v3 spells it `HeaderRegexp`)",
                (Syntax::V3, "hostheader") => " (removed in v3: use `Host`)",
                (Syntax::V2, "header" | "headerregexp" | "pathregexp" | "queryregexp") => " (a v3 matcher)",
                _ => "",
            };
            return Err(self.error_at(start, start + len, format!("unknown matcher `{written}`{hint}")));
        };
        let name_range = range(start, start + len);
        if !self.eat("(") {
            return Err(self.error_at(start, start + len, format!("`{written}` must be followed by `(`")));
        }
        let mut args = Vec::new();
        self.skip_ws();
        if !self.eat(")") {
            loop {
                args.push(self.string()?);
                if self.eat(",") {
                    continue;
                }
                if self.eat(")") {
                    break;
                }
                self.skip_ws();
                let end = self.token_end(self.pos.min(self.s.len()));
                return Err(if self.pos >= self.s.len() {
                    self.error_at(start, self.pos, format!("`{written}(` is never closed"))
                } else {
                    self.error_at(self.pos, end, "expected `,` or `)` between matcher values".to_owned())
                });
            }
        }
        let call = range(start, self.pos);
        if args.len() < min || args.len() > max {
            let want = match (min, max) {
                (a, b) if a == b => format!("{a}"),
                (a, usize::MAX) => format!("at least {a}"),
                (a, b) => format!("{a} or {b}"),
            };
            let syntax = match self.syntax {
                Syntax::V3 => "v3",
                Syntax::V2 => "v2",
            };
            let hint = if self.syntax == Syntax::V3 && max == 1 && args.len() > 1 {
                format!(" (v3 takes one value per matcher: join them with `||`, e.g. `{name}(`a`) || {name}(`b`)`)")
            } else {
                String::new()
            };
            return Err(RuleError {
                message: format!("`{name}` takes {want} value(s) in {syntax} syntax, got {}{hint}", args.len()),
                range: call,
            });
        }
        Ok(Matcher { name, name_range, args, range: call })
    }

    /// A Go string literal: raw (backticks) or interpreted (double quotes, with escapes).
    fn string(&mut self) -> Result<Arg, RuleError> {
        self.skip_ws();
        let start = self.pos;
        match self.s.get(start) {
            Some(b'`') => {
                let Some(len) = self.text[start + 1..].find('`') else {
                    return Err(self.error_at(start, self.s.len(), "unterminated `` ` `` string".to_owned()));
                };
                self.pos = start + 1 + len + 1;
                // Go drops carriage returns from raw strings.
                let value = self.text[start + 1..start + 1 + len].replace('\r', "");
                Ok(Arg { value, range: range(start, self.pos) })
            }
            Some(b'"') => {
                let mut value = String::new();
                let mut chars = self.text[start + 1..].char_indices();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '"' => {
                            self.pos = start + 1 + i + 1;
                            return Ok(Arg { value, range: range(start, self.pos) });
                        }
                        '\n' => break,
                        '\\' => {
                            let Some((_, e)) = chars.next() else { break };
                            match e {
                                'n' => value.push('\n'),
                                't' => value.push('\t'),
                                'r' => value.push('\r'),
                                'a' => value.push('\u{7}'),
                                'b' => value.push('\u{8}'),
                                'f' => value.push('\u{c}'),
                                'v' => value.push('\u{b}'),
                                '\\' => value.push('\\'),
                                '"' => value.push('"'),
                                'x' | 'u' | 'U' | '0'..='7' => {
                                    let digits = match e {
                                        'x' => 2,
                                        'u' => 4,
                                        'U' => 8,
                                        _ => 2,
                                    };
                                    let radix = if matches!(e, '0'..='7') { 8 } else { 16 };
                                    let mut code = if radix == 8 { e.to_digit(8).unwrap_or(0) } else { 0 };
                                    for _ in 0..digits {
                                        let Some((_, d)) = chars.next() else { break };
                                        let Some(v) = d.to_digit(radix) else {
                                            return Err(self.bad_escape(start, i));
                                        };
                                        code = code.saturating_mul(radix).saturating_add(v);
                                    }
                                    match char::from_u32(code) {
                                        Some(ch) => value.push(ch),
                                        None => return Err(self.bad_escape(start, i)),
                                    }
                                }
                                _ => return Err(self.bad_escape(start, i)),
                            }
                        }
                        c => value.push(c),
                    }
                }
                Err(self.error_at(start, self.s.len(), "unterminated `\"` string".to_owned()))
            }
            Some(b'\'') => {
                let end = self.text[start + 1..].find('\'').map_or(self.s.len(), |i| start + i + 2);
                Err(self.error_at(
                    start,
                    end,
                    "single quotes are not allowed in rules: use backticks (`` `a.com` ``) or escaped double quotes"
                        .to_owned(),
                ))
            }
            _ => {
                let end = self.token_end(start.min(self.s.len()));
                Err(self.error_at(start, end, "expected a value in backticks or double quotes".to_owned()))
            }
        }
    }

    fn bad_escape(&self, start: usize, i: usize) -> RuleError {
        let at = start + 1 + i;
        self.error_at(at, at + 2, "invalid escape in a double-quoted value".to_owned())
    }
}

/// The spellings Traefik registers for a matcher: as declared, lower, UPPER and Capitalised.
fn spellings(name: &str, written: &str) -> bool {
    if written == name || written == name.to_ascii_lowercase() || written == name.to_ascii_uppercase() {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    let mut title = String::with_capacity(lower.len());
    let mut chars = lower.chars();
    if let Some(c) = chars.next() {
        title.push(c.to_ascii_uppercase());
    }
    title.extend(chars);
    written == title
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn hosts(rule: &str, syntax: Syntax) -> Vec<String> {
        parse(rule, syntax).unwrap().hosts().into_iter().map(|(h, _)| h.to_owned()).collect()
    }

    #[test]
    fn parses_hosts_and_operators() {
        assert_eq!(hosts("Host(`a.com`)", Syntax::V3), ["a.com"]);
        assert_eq!(hosts("Host(`a.com`) || Host(\"b.com\")", Syntax::V3), ["a.com", "b.com"]);
        assert_eq!(hosts("Host(`a.com`, `b.com`) && PathPrefix(`/api`)", Syntax::V2), ["a.com", "b.com"]);
        assert_eq!(hosts("!Host(`a.com`) && Host(`b.com`)", Syntax::V3), ["b.com"]);
        assert_eq!(hosts("( host(`a.com`) ) && (PATHPREFIX(`/x`) || Pathprefix(`/y`))", Syntax::V3), ["a.com"]);
        let e = parse("Host(`a.com`) && !(Method(`GET`) || Path(`/x`))", Syntax::V3).unwrap();
        let negated: Vec<bool> = e.matchers().iter().map(|(_, n)| *n).collect();
        assert_eq!(negated, [false, true, true]);
    }

    #[test]
    fn spans_point_into_the_text() {
        let rule = "Host(`a.com`) && PathPrefix(`/api`)";
        let e = parse(rule, Syntax::V3).unwrap();
        let ms = e.matchers();
        let r = ms[1].0.args[0].range;
        assert_eq!(&rule[r.start as usize..r.end as usize], "`/api`");
        assert_eq!(&rule[ms[1].0.name_range.start as usize..ms[1].0.name_range.end as usize], "PathPrefix");
    }

    #[test]
    fn double_quoted_escapes() {
        let e = parse(r#"Path("/a\"b\x41\u00e9")"#, Syntax::V3).unwrap();
        assert_eq!(e.matchers()[0].0.args[0].value, "/a\"bAé");
    }

    #[test]
    fn v3_rejects_v2_forms_and_the_reverse() {
        let err = parse("Host(`a.com`, `b.com`)", Syntax::V3).unwrap_err();
        assert!(err.message.contains("takes 1 value"), "{}", err.message);
        assert!(parse("Headers(`X`, `y`)", Syntax::V3).unwrap_err().message.contains("Header`"));
        assert!(parse("HostHeader(`a.com`)", Syntax::V3).is_err());
        assert!(parse("HostHeader(`a.com`)", Syntax::V2).is_ok());
        assert!(parse("PathRegexp(`^/a`)", Syntax::V2).unwrap_err().message.contains("v3 matcher"));
        assert!(parse("Header(`X`, `y`)", Syntax::V3).is_ok());
        assert!(parse("Header(`X`)", Syntax::V3).is_err());
        assert!(parse("Query(`k`)", Syntax::V3).is_ok());
        assert!(parse("Query(`k`, `v`)", Syntax::V3).is_ok());
    }

    #[test]
    fn syntax_errors() {
        for (rule, at) in [
            ("Host('a.com')", 5),
            ("Host(`a.com`", 0),
            ("Host(`a.com)", 5),
            ("(Host(`a.com`)", 0),
            ("Host(`a.com`) &&", 16),
            ("Host(`a.com`) & Path(`/`)", 14),
            ("Hots(`a.com`)", 0),
            ("Host(a.com)", 5),
            ("", 0),
            ("Host(`a`) Path(`/`)", 10),
            ("Host(\"a\\qb\")", 7),
        ] {
            let err = parse(rule, Syntax::V3).unwrap_err();
            assert_eq!(err.range.start as usize, at, "{rule}: {}", err.message);
        }
    }

    #[test]
    fn hostile_input_never_panics() {
        let deep = "(".repeat(100_000);
        assert!(parse(&deep, Syntax::V3).is_err());
        let nots = "!".repeat(100_000);
        assert!(parse(&nots, Syntax::V3).is_err());
        let deep_not = format!("{}Host(`a`)", "!".repeat(70));
        for s in [
            "é",
            "Host(`é",
            "Host(\"\\u",
            "Host(\"\\x4",
            "\u{0}",
            "Host(`a`)é",
            "!é",
            "Host(\"\\é\")",
            &deep_not,
            "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((",
        ] {
            for syntax in [Syntax::V3, Syntax::V2] {
                if let Err(e) = parse(s, syntax) {
                    assert!(s.get(e.range.start as usize..e.range.end as usize).is_some(), "{s:?}: {:?}", e.range);
                }
            }
        }
    }
}
