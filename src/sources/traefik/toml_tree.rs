//! TOML Traefik files (static and file-provider dynamic configuration) read into the project's spanned
//! tree ([`crate::yaml::Node`]), so one reader serves YAML and TOML files alike.
//!
//! Parsing uses the `toml` crate's spanned document API (`toml::de::DeTable::parse`): every key and value
//! keeps its byte range in the file. Tables become mappings (keys in the crate's order: sorted by name),
//! arrays sequences, and scalars take the YAML value kinds (string, integer, float, boolean; a datetime is
//! a timestamp).

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::source::{FileId, Span};
use crate::yaml::{Entry, Key, Kind, Node, Scalar, Style, Tag, Value, YamlError};

/// Nesting deeper than this is refused (a P006 naming the limit), as YAML's depth limit does.
pub const MAX_DEPTH: usize = 64;

/// Parses a TOML document into a mapping node. The error has the parser's message and position.
pub fn parse(file: FileId, text: &str) -> Result<Node, YamlError> {
    let table = DeTable::parse(text).map_err(|e| YamlError {
        span: e.span().map_or_else(|| Span::file_start(file), |r| clamp(file, text, r)),
        message: e.message().trim().to_owned(),
        related: None,
    })?;
    let span = Span::new(file, 0, text.len());
    table_node(file, text, table.get_ref(), span, 0)
}

fn clamp(file: FileId, text: &str, r: std::ops::Range<usize>) -> Span {
    let end = r.end.min(text.len());
    Span::new(file, r.start.min(end), end)
}

fn too_deep(span: Span) -> YamlError {
    YamlError {
        span,
        message: format!("tables and arrays nested deeper than {MAX_DEPTH} levels (stackcheck's limit)"),
        related: None,
    }
}

fn table_node(file: FileId, text: &str, table: &DeTable<'_>, span: Span, depth: usize) -> Result<Node, YamlError> {
    if depth > MAX_DEPTH {
        return Err(too_deep(span));
    }
    let mut entries = Vec::with_capacity(table.len());
    for (k, v) in table.iter() {
        let key = Key::new(k.get_ref().as_ref(), clamp(file, text, k.span()));
        let value = value_node(file, text, v, depth + 1)?;
        entries.push(Entry { key, value, via_merge: None });
    }
    Ok(Node { span, tag: Tag::None, kind: Kind::Map(entries), via_alias: None })
}

fn value_node(file: FileId, text: &str, v: &Spanned<DeValue<'_>>, depth: usize) -> Result<Node, YamlError> {
    let span = clamp(file, text, v.span());
    let scalar = |t: String, value: Value| {
        let verbatim = verbatim(text, span, &t);
        let style = if value == Value::Str { Style::DoubleQuoted } else { Style::Plain };
        Node {
            span,
            tag: Tag::None,
            kind: Kind::Scalar(Scalar { text: t, style, value, interp: None, verbatim }),
            via_alias: None,
        }
    };
    Ok(match v.get_ref() {
        DeValue::String(s) => scalar(s.as_ref().to_owned(), Value::Str),
        DeValue::Integer(i) => {
            let n = i64::from_str_radix(i.as_str(), i.radix()).ok();
            let t = n.map_or_else(|| i.as_str().to_owned(), |n| n.to_string());
            scalar(t, n.map_or(Value::Str, Value::Int))
        }
        DeValue::Float(f) => {
            let t = f.as_str().to_owned();
            match t.replace('_', "").parse::<f64>() {
                Ok(x) => scalar(t, Value::Float(x)),
                Err(_) => scalar(t, Value::Str),
            }
        }
        DeValue::Boolean(b) => scalar(b.to_string(), Value::Bool(*b)),
        DeValue::Datetime(d) => scalar(d.to_string(), Value::Timestamp),
        DeValue::Array(items) => {
            if depth > MAX_DEPTH {
                return Err(too_deep(span));
            }
            let items = items.iter().map(|i| value_node(file, text, i, depth + 1)).collect::<Result<_, _>>()?;
            Node { span, tag: Tag::None, kind: Kind::Seq(items), via_alias: None }
        }
        DeValue::Table(t) => table_node(file, text, t, span, depth)?,
    })
}

/// Where the value's text starts inside its span, when the file holds it byte for byte (a basic string
/// without escapes, a literal string, a bare number or boolean).
fn verbatim(text: &str, span: Span, value: &str) -> Option<u32> {
    let written = text.get(span.range())?;
    if written == value {
        return Some(0);
    }
    for q in ['"', '\''] {
        // An escape always changes the text, so equal text means none was used.
        if written.strip_prefix(q).and_then(|w| w.strip_suffix(q)) == Some(value) {
            return Some(1);
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tables_keys_and_values_keep_their_spans() {
        let text =
            "[http.routers.app]\nrule = \"Host(`a.example.org`)\"\nentryPoints = [\"websecure\"]\npriority = 10\n";
        let doc = parse(FileId(0), text).unwrap();
        let app = doc.get("http").and_then(|h| h.get("routers")).and_then(|r| r.get("app")).unwrap();
        let rule = app.get("rule").unwrap();
        assert_eq!(rule.as_str(), Some("Host(`a.example.org`)"));
        assert_eq!(&text[rule.span.range()], "\"Host(`a.example.org`)\"");
        assert_eq!(rule.as_scalar().unwrap().verbatim, Some(1));
        let key = &doc.get("http").unwrap().get("routers").unwrap().as_map().unwrap()[0].key;
        assert_eq!(&text[key.span.range()], "app");
        let eps = app.get("entryPoints").unwrap().as_seq().unwrap();
        assert_eq!(eps[0].as_str(), Some("websecure"));
        assert!(matches!(app.get("priority").unwrap().as_scalar().unwrap().value, Value::Int(10)));
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let text = "[http.routers.app]\nrule = \"Host(`a`)\nservice = \"x\"\n";
        let e = parse(FileId(0), text).unwrap_err();
        assert!(!e.message.is_empty());
        assert!(e.span.start as usize <= text.len());
        assert!(parse(FileId(0), "[a]\nx = 1\n[a]\nx = 2\n").is_err(), "a table defined twice is an error");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = format!("x = {}1{}", "[".repeat(70), "]".repeat(70));
        assert!(parse(FileId(0), &text).is_err());
        let dotted = format!("{} = 1", vec!["a"; 200].join("."));
        assert!(parse(FileId(0), &dotted).is_err());
    }
}
