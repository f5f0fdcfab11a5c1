//! A spanned YAML tree, built from saphyr-parser events, that reads YAML the way Docker Compose
//! (go-yaml v3) does.
//!
//! Why our own tree (see `../shared/docs/crates.md`): saphyr counts characters, not bytes; its YAML 1.2
//! scalar typing differs from go-yaml's (`0755`, `1_000`); it keeps `<<` as a plain key; and we need a
//! node budget so an alias bomb becomes a finding instead of a hang. Here:
//! - every node and key has a byte [`Span`];
//! - plain scalars resolve with go-yaml v3's rules ([`resolve_plain`]);
//! - aliases are expanded (each copy keeps the spans of the anchored definition and records the alias
//!   that brought it) under a node budget; `<<` merge keys are applied as go-yaml does (explicit keys
//!   win, earlier merge sources win over later ones) and each merged entry records the `<<` it came from;
//! - duplicate keys are errors, as in Compose;
//! - nesting depth is bounded, and building is iterative (no recursion on input depth).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};

use crate::provenance::InterpInfo;
use crate::source::{FileId, Span};

/// Bounds for hostile input. Hitting one is a `P002` finding that names the limit.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Nodes created by alias expansion, summed over the file.
    pub max_alias_nodes: usize,
    /// All nodes of the file, alias copies included.
    pub max_nodes: usize,
    /// Nesting depth of sequences and mappings.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_alias_nodes: 200_000, max_nodes: 2_000_000, max_depth: 200 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A scalar's value as go-yaml resolves it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// The text is the value.
    Str,
    /// An unquoted date or timestamp (`2024-01-02`): Compose rejects it in string fields.
    Timestamp,
}

/// A node's tag, as far as Compose cares (small and `Copy`: every node has one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    None,
    /// Compose's `!reset`.
    Reset,
    /// Compose's `!override`.
    Override,
    /// A core-schema tag (`!!str`, `!!int`, `!!merge`...).
    Core(CoreTag),
    /// Any other tag (kept as a string by go-yaml).
    Other,
    /// Internal: a mapping key waiting for its value while the tree is built.
    Pending,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoreTag {
    Str,
    Binary,
    Null,
    Bool,
    Int,
    Float,
    Timestamp,
    Merge,
    Other,
}

#[derive(Clone, Debug)]
pub struct Scalar {
    /// The scalar's text after YAML unescaping (and, for strings, after interpolation once the compose
    /// loader has run).
    pub text: String,
    pub style: Style,
    pub value: Value,
    /// Set by the compose loader when the text went through interpolation.
    pub interp: Option<Box<InterpInfo>>,
    /// Offset of the text inside the node's span when the file holds it byte for byte (plain and quoted
    /// scalars without escapes or line folding), so positions inside the value map onto the file.
    pub verbatim: Option<u32>,
}

impl Scalar {
    pub fn is_str(&self) -> bool {
        self.value == Value::Str
    }
}

#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    pub span: Span,
    /// false when YAML typed the key as something else (`1:`, `true:`, `2024-01-02:`): Compose refuses
    /// such keys ("non-string key in services.a.labels: 1").
    pub string: bool,
}

impl Key {
    pub fn new(name: impl Into<String>, span: Span) -> Key {
        Key { name: name.into(), span, string: true }
    }
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: Key,
    pub value: Node,
    /// The `<<` merge value this entry was copied from, when it did not come from this mapping itself.
    pub via_merge: Option<Span>,
}

#[derive(Clone, Debug)]
pub enum Kind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug)]
pub struct Node {
    pub span: Span,
    pub tag: Tag,
    pub kind: Kind,
    /// The alias (`*name`) this node was copied through, when it is a copy of an anchored node.
    pub via_alias: Option<Span>,
}

impl Node {
    pub fn null(span: Span) -> Node {
        Node {
            span,
            tag: Tag::None,
            kind: Kind::Scalar(Scalar {
                text: String::new(),
                style: Style::Plain,
                value: Value::Null,
                interp: None,
                verbatim: None,
            }),
            via_alias: None,
        }
    }

    pub fn string(text: impl Into<String>, span: Span) -> Node {
        Node {
            span,
            tag: Tag::None,
            kind: Kind::Scalar(Scalar {
                text: text.into(),
                style: Style::DoubleQuoted,
                value: Value::Str,
                interp: None,
                verbatim: None,
            }),
            via_alias: None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Vec<Entry>> {
        match &mut self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) if s.value == Value::Str => Some(&s.text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar(s) if s.value == Value::Null)
    }

    /// Entry of a mapping by key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|e| &e.value)
    }

    pub fn get_entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key.name == key)
    }

    /// What kind of YAML value this is, for messages ("a mapping", "a string").
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Map(_) => "a mapping",
            Kind::Seq(_) => "a sequence",
            Kind::Scalar(s) => match s.value {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Int(_) => "an integer",
                Value::Float(_) => "a number",
                Value::Str => "a string",
                Value::Timestamp => "a timestamp",
            },
        }
    }

    /// Number of nodes in this subtree (itself included).
    pub fn size(&self) -> usize {
        let mut n = 0;
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            n += 1;
            match &node.kind {
                Kind::Scalar(_) => {}
                Kind::Seq(items) => stack.extend(items.iter()),
                Kind::Map(entries) => stack.extend(entries.iter().map(|e| &e.value)),
            }
        }
        n
    }
}

/// A problem that stops the YAML load of a file (Compose would refuse it too).
#[derive(Clone, Debug)]
pub struct YamlError {
    pub span: Span,
    pub message: String,
    pub related: Option<(Span, String)>,
}

/// Converts saphyr's character indices into byte offsets.
struct CharMap {
    /// Byte offset of each character index; empty for ASCII text (identity).
    offsets: Vec<u32>,
    len: usize,
}

impl CharMap {
    fn new(text: &str) -> CharMap {
        if text.is_ascii() {
            return CharMap { offsets: Vec::new(), len: text.len() };
        }
        let mut offsets: Vec<u32> = text.char_indices().map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX)).collect();
        offsets.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
        CharMap { offsets, len: text.len() }
    }

    /// A map for text that was re-indented: `inserted` lists (byte offset in the original text, number of
    /// spaces inserted there); offsets are mapped back onto the original text.
    fn with_insertions(modified: &str, inserted: &[(usize, usize)], original_len: usize) -> CharMap {
        // Where each insertion sits in the modified text: (start, count, original offset).
        let mut runs = Vec::with_capacity(inserted.len());
        let mut before = 0usize;
        for &(at, count) in inserted {
            runs.push((at + before, count, at));
            before += count;
        }
        let mut offsets = Vec::with_capacity(modified.len() + 1);
        let mut run = 0usize;
        let mut shift = 0usize;
        for (m, _) in modified.char_indices().chain(std::iter::once((modified.len(), ' '))) {
            while let Some(&(start, count, _)) = runs.get(run) {
                if m >= start + count {
                    shift += count;
                    run += 1;
                } else {
                    break;
                }
            }
            let orig = match runs.get(run) {
                Some(&(start, _, at)) if m >= start => at,
                _ => m.saturating_sub(shift),
            };
            offsets.push(u32::try_from(orig.min(original_len)).unwrap_or(u32::MAX));
        }
        CharMap { offsets, len: original_len }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.offsets.is_empty() {
            char_index.min(self.len)
        } else {
            self.offsets.get(char_index).map_or(self.len, |&b| b as usize)
        }
    }
}

enum Frame {
    Seq { start: usize, anchor: usize, tag: Tag, items: Vec<Node> },
    Map { start: usize, anchor: usize, tag: Tag, entries: Vec<(Node, Node)> },
}

struct Builder<'a> {
    file: FileId,
    text: &'a str,
    chars: CharMap,
    limits: &'a Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    alias_nodes: usize,
    docs: Vec<Node>,
    /// Whether the current document produced a root node.
    root_seen: bool,
    doc_start: usize,
}

/// Parses every document of a YAML file. An empty file (or one with only comments) gives no document.
pub fn parse(file: FileId, text: &str, limits: &Limits) -> Result<Vec<Node>, YamlError> {
    match parse_with(file, text, None, limits) {
        // go-yaml (libyaml) ignores indentation inside flow collections (`command: [` ... `]` back at the
        // key's column); saphyr does not. Re-indent those lines and try again, mapping spans back.
        Err(e) if e.message.contains("indentation") => match relax_flow_indentation(text) {
            Some((modified, inserted)) => {
                let map = CharMap::with_insertions(&modified, &inserted, text.len());
                parse_with(file, &modified, Some((map, text)), limits).map_err(|_| e)
            }
            None => Err(e),
        },
        other => other,
    }
}

/// Indents every line that starts inside a flow collection (`[`/`{` still open) by as many spaces as
/// saphyr needs (one more than the column where the line that opened the collection starts its content),
/// outside quoted scalars and comments. Leading spaces of such lines never change a YAML value (flow
/// scalars fold them away). Returns the new text and the insertions, or None when nothing changes.
fn relax_flow_indentation(text: &str) -> Option<(String, Vec<(usize, usize)>)> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut inserted = Vec::new();
    let mut depth = 0usize;
    let mut need = 0usize;
    let mut quote: Option<char> = None;
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        if (depth > 0 || quote.is_some()) && indent < need && !content.trim().is_empty() {
            let add = need - indent;
            inserted.push((offset, add));
            out.extend(std::iter::repeat_n(' ', add));
        }
        if depth == 0 && quote.is_none() {
            // Content column of this line: after any `- ` sequence indicators.
            let mut col = indent;
            let mut rest = content;
            while let Some(r) = rest.strip_prefix("- ") {
                let r2 = r.trim_start_matches(' ');
                col += rest.len() - r2.len();
                rest = r2;
            }
            need = col + 1;
        }
        // Track flow depth and quotes through the line.
        let mut prev: char = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match quote {
                Some('\'') => {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            quote = None;
                        }
                    }
                }
                Some(_) => {
                    if c == '\\' {
                        chars.next();
                    } else if c == '"' {
                        quote = None;
                    }
                }
                None => {
                    let token_start = prev.is_whitespace() || matches!(prev, '[' | '{' | ',' | ':');
                    match c {
                        '#' if prev.is_whitespace() => break,
                        '\'' | '"' if token_start || depth > 0 && matches!(prev, '[' | '{' | ',' | ' ') => {
                            quote = Some(c)
                        }
                        '[' | '{' if depth > 0 || token_start => depth += 1,
                        ']' | '}' if depth > 0 => depth -= 1,
                        _ => {}
                    }
                }
            }
            prev = c;
        }
        out.push_str(line);
        offset += line.len();
    }
    (!inserted.is_empty()).then_some((out, inserted))
}

fn parse_with(
    file: FileId,
    text: &str,
    remap: Option<(CharMap, &str)>,
    limits: &Limits,
) -> Result<Vec<Node>, YamlError> {
    let (chars, original) = match remap {
        Some((map, original)) => (map, original),
        None => (CharMap::new(text), text),
    };
    let mut b = Builder {
        file,
        text: original,
        chars,
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        alias_nodes: 0,
        docs: Vec::new(),
        root_seen: false,
        doc_start: 0,
    };
    let parser = Parser::new_from_str(text);
    for item in parser {
        match item {
            Ok((event, span)) => b.event(event, span)?,
            Err(e) => {
                let at = b.chars.byte(e.marker().index());
                return Err(YamlError { span: Span::new(file, at, at), message: e.info().to_owned(), related: None });
            }
        }
    }
    Ok(b.docs)
}

impl Builder<'_> {
    fn span(&self, s: YSpan) -> Span {
        Span::new(self.file, self.chars.byte(s.start.index()), self.chars.byte(s.end.index()))
    }

    fn err(&self, span: Span, message: impl Into<String>) -> YamlError {
        YamlError { span, message: message.into(), related: None }
    }

    fn count(&mut self, n: usize, span: Span) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > self.limits.max_nodes {
            return Err(self.err(span, format!("file has more than {} YAML nodes (limit)", self.limits.max_nodes)));
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, ys: YSpan) -> Result<(), YamlError> {
        let span = self.span(ys);
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(_) => {
                self.root_seen = false;
                self.doc_start = span.start as usize;
                // Anchors are scoped to their document.
                self.anchors.clear();
            }
            Event::DocumentEnd => {
                if !self.root_seen {
                    // An explicit empty document (`---` alone) is a null document.
                    let _ = self.doc_start;
                }
            }
            Event::Alias(id) => {
                let Some(size) = self.anchors.get(&id).map(|(_, size)| *size) else {
                    return Err(self.err(span, "unknown anchor"));
                };
                self.alias_nodes += size;
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(self.err(
                        span,
                        format!(
                            "alias expansion exceeds {} nodes (limit): the file expands exponentially (an alias bomb?)",
                            self.limits.max_alias_nodes
                        ),
                    ));
                }
                self.count(size, span)?;
                let Some(mut copy) = self.anchors.get(&id).map(|(node, _)| node.clone()) else {
                    return Err(self.err(span, "unknown anchor"));
                };
                copy.via_alias = Some(span);
                self.push(copy, 0)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, span)?;
                let tag = convert_tag(tag.as_deref());
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let value = resolve(&tag, style, &text);
                let verbatim = self.verbatim(span, style, &text);
                let node = Node {
                    span,
                    tag,
                    kind: Kind::Scalar(Scalar { text: text.into_owned(), style, value, interp: None, verbatim }),
                    via_alias: None,
                };
                self.push(node, anchor)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.count(1, span)?;
                self.enter(span)?;
                self.stack.push(Frame::Seq {
                    start: span.start as usize,
                    anchor,
                    tag: convert_tag(tag.as_deref()),
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, tag) => {
                self.count(1, span)?;
                self.enter(span)?;
                self.stack.push(Frame::Map {
                    start: span.start as usize,
                    anchor,
                    tag: convert_tag(tag.as_deref()),
                    entries: Vec::new(),
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq { start, anchor, tag, items }) = self.stack.pop() {
                    let node = Node {
                        span: Span::new(self.file, start, span.end as usize),
                        tag,
                        kind: Kind::Seq(items),
                        via_alias: None,
                    };
                    self.push(node, anchor)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map { start, anchor, tag, entries }) = self.stack.pop() {
                    let node_span = Span::new(self.file, start, span.end as usize);
                    let entries = self.finish_map(entries)?;
                    let node = Node { span: node_span, tag, kind: Kind::Map(entries), via_alias: None };
                    self.push(node, anchor)?;
                }
            }
        }
        Ok(())
    }

    fn verbatim(&self, span: Span, style: Style, text: &str) -> Option<u32> {
        let raw = self.text.get(span.range())?;
        let (off, inner) = match style {
            Style::Plain => (0, raw),
            Style::SingleQuoted | Style::DoubleQuoted => (1, raw.get(1..raw.len().checked_sub(1)?)?),
            Style::Literal | Style::Folded => return None,
        };
        (inner == text).then_some(off)
    }

    fn enter(&self, span: Span) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.err(span, format!("nesting deeper than {} levels (limit)", self.limits.max_depth)));
        }
        Ok(())
    }

    fn push(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            let size = node.size();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, .. }) => {
                // Keys and values alternate; a key is stored with a placeholder value until its value arrives.
                match entries.last_mut() {
                    Some((_, value)) if is_placeholder(value) => *value = node,
                    _ => {
                        let placeholder = placeholder(node.span);
                        entries.push((node, placeholder));
                    }
                }
            }
            None => {
                self.root_seen = true;
                self.docs.push(node);
            }
        }
        Ok(())
    }

    /// Checks keys, applies `<<` merges and converts keys to strings.
    fn finish_map(&self, raw: Vec<(Node, Node)>) -> Result<Vec<Entry>, YamlError> {
        let mut entries: Vec<Entry> = Vec::with_capacity(raw.len());
        let mut merges: Vec<(Span, Node)> = Vec::new();
        // Duplicates compare the key text as written (go-yaml / compose-go), merge keys included; checked
        // on borrowed text first (small maps: pairwise, large ones: a set), so no key is copied for it.
        fn key_text(n: &Node) -> Option<&str> {
            n.as_scalar().map(|s| s.text.as_str())
        }
        let duplicate = if raw.len() <= 16 {
            raw.iter().enumerate().find_map(|(i, (k, _))| {
                let t = key_text(k)?;
                raw.iter().take(i).find(|(p, _)| key_text(p) == Some(t)).map(|(p, _)| (p.span, k.span, t))
            })
        } else {
            let mut seen: HashMap<&str, Span> = HashMap::with_capacity(raw.len());
            raw.iter().find_map(|(k, _)| {
                let t = key_text(k)?;
                seen.insert(t, k.span).map(|first| (first, k.span, t))
            })
        };
        if let Some((first, again, text)) = duplicate {
            return Err(YamlError {
                span: again,
                message: format!("mapping key \"{text}\" already defined"),
                related: Some((first, "first defined here".to_owned())),
            });
        }
        for (key, value) in raw {
            let value = if is_placeholder(&value) {
                Node::null(Span::new(self.file, key.span.end as usize, key.span.end as usize))
            } else {
                value
            };
            let Kind::Scalar(ks) = &key.kind else {
                return Err(self.err(key.span, format!("mapping keys must be strings, found {}", key.type_name())));
            };
            let merge_tag = match &key.tag {
                Tag::None => ks.style == Style::Plain,
                Tag::Core(t) => *t == CoreTag::Merge,
                _ => false,
            };
            if ks.text == "<<" && merge_tag {
                merges.push((key.span, value));
                continue;
            }
            let string = ks.value == Value::Str;
            entries.push(Entry { key: Key { name: key_string(ks), span: key.span, string }, value, via_merge: None });
        }
        for (merge_span, value) in merges {
            let sources: Vec<Node> = match value.kind {
                Kind::Map(_) => vec![value],
                Kind::Seq(items) => items,
                _ => {
                    return Err(self.err(value.span, "map merge requires a map or a sequence of maps as the value"));
                }
            };
            for source in sources {
                let via = source.via_alias.unwrap_or(merge_span);
                let Kind::Map(src_entries) = source.kind else {
                    return Err(self.err(source.span, "map merge requires a map or a sequence of maps as the value"));
                };
                for e in src_entries {
                    if entries.iter().any(|x| x.key.name == e.key.name) {
                        continue;
                    }
                    entries.push(Entry { key: e.key, value: e.value, via_merge: Some(e.via_merge.unwrap_or(via)) });
                }
            }
        }
        Ok(entries)
    }
}

fn placeholder(span: Span) -> Node {
    Node { span, tag: Tag::Pending, kind: Kind::Seq(Vec::new()), via_alias: None }
}

fn is_placeholder(node: &Node) -> bool {
    node.tag == Tag::Pending
}

fn convert_tag(tag: Option<&saphyr_parser::Tag>) -> Tag {
    let Some(tag) = tag else { return Tag::None };
    if tag.is_yaml_core_schema() || tag.handle == "!!" {
        return Tag::Core(match tag.suffix.as_str() {
            "str" => CoreTag::Str,
            "binary" => CoreTag::Binary,
            "null" => CoreTag::Null,
            "bool" => CoreTag::Bool,
            "int" => CoreTag::Int,
            "float" => CoreTag::Float,
            "timestamp" => CoreTag::Timestamp,
            "merge" => CoreTag::Merge,
            _ => CoreTag::Other,
        });
    }
    if tag.handle == "!" {
        match tag.suffix.as_str() {
            "reset" => return Tag::Reset,
            "override" => return Tag::Override,
            "" => return Tag::None,
            _ => {}
        }
    }
    Tag::Other
}

/// Resolves a scalar as go-yaml v3 does when decoding into an untyped value.
fn resolve(tag: &Tag, style: Style, text: &str) -> Value {
    match tag {
        Tag::Core(core) => match core {
            CoreTag::Str | CoreTag::Binary | CoreTag::Merge | CoreTag::Other => Value::Str,
            CoreTag::Null => Value::Null,
            CoreTag::Bool => match resolve_plain(text) {
                v @ Value::Bool(_) => v,
                _ => Value::Str,
            },
            CoreTag::Int => match resolve_plain(text) {
                v @ Value::Int(_) => v,
                _ => Value::Str,
            },
            CoreTag::Float => match resolve_plain(text) {
                Value::Int(i) => Value::Float(i as f64),
                v @ Value::Float(_) => v,
                _ => Value::Str,
            },
            CoreTag::Timestamp => Value::Timestamp,
        },
        Tag::None if style == Style::Plain => resolve_plain(text),
        // Quoted and block scalars are strings; so are scalars with custom tags (go-yaml does not resolve them).
        _ => Value::Str,
    }
}

/// go-yaml v3's resolution of an untagged plain scalar (YAML 1.2 core schema plus its extras:
/// base prefixes, `_` separators, 1.1-style octal `0755`, timestamps).
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let first = text.as_bytes().first().copied().unwrap_or(b' ');
    match first {
        b'0'..=b'9' | b'+' | b'-' => {
            if first.is_ascii_digit() && is_timestamp(text) {
                return Value::Timestamp;
            }
            let plain: String = text.chars().filter(|&c| c != '_').collect();
            if let Some(i) = go_parse_int(&plain) {
                return Value::Int(i);
            }
            if is_yaml_float(&plain)
                && let Ok(f) = plain.parse::<f64>()
            {
                return Value::Float(f);
            }
            let (neg, rest) = match plain.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, plain.as_str()),
            };
            let radix = if let Some(d) = rest.strip_prefix("0b") {
                Some((d, 2))
            } else {
                rest.strip_prefix("0o").map(|d| (d, 8))
            };
            if let Some((digits, radix)) = radix
                && let Ok(v) = i64::from_str_radix(digits, radix)
            {
                return Value::Int(if neg { -v } else { v });
            }
            Value::Str
        }
        b'.' => match text.parse::<f64>() {
            Ok(f) if is_yaml_float(text) || text.len() > 1 => {
                if text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
                    Value::Float(f)
                } else {
                    Value::Str
                }
            }
            _ => Value::Str,
        },
        _ => Value::Str,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, then `0x`/`0o`/`0b` prefixes or a leading `0` for
/// octal, else decimal. (Underscores were removed by the caller.)
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (digits, radix) = if let Some(d) = lower.strip_prefix("0x") {
        (d.to_owned(), 16)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (d.to_owned(), 8)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (d.to_owned(), 2)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (lower.get(1..)?.to_owned(), 8)
    } else {
        (lower, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(&digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 { Some((magnitude as i128).wrapping_neg() as i64) } else { None }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// go-yaml's timestamp formats: `YYYY-M-D`, optionally followed by `T`/`t`/space and `H:M:S[.frac][zone]`,
/// and only when Go's `time.Parse` accepts the date (month 1-12, a day that exists in that month,
/// hour < 24, minute and second < 60): `2024-02-30` stays a string.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0usize;
    let number = |i: &mut usize, min: usize, max: usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && *i - start < max && b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        if *i - start < min {
            return None;
        }
        s.get(start..*i)?.parse().ok()
    };
    let expect = |i: &mut usize, c: u8| -> bool {
        if b.get(*i) == Some(&c) {
            *i += 1;
            true
        } else {
            false
        }
    };
    let Some(year) = number(&mut i, 4, 4) else { return false };
    if !expect(&mut i, b'-') {
        return false;
    }
    let Some(month) = number(&mut i, 1, 2) else { return false };
    if !expect(&mut i, b'-') {
        return false;
    }
    let Some(day) = number(&mut i, 1, 2) else { return false };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days {
        return false;
    }
    if i == b.len() {
        return true;
    }
    if !matches!(b.get(i), Some(b'T' | b't' | b' ')) {
        return false;
    }
    i += 1;
    let Some(h) = number(&mut i, 1, 2) else { return false };
    if !expect(&mut i, b':') {
        return false;
    }
    let Some(m) = number(&mut i, 1, 2) else { return false };
    if !expect(&mut i, b':') {
        return false;
    }
    let Some(sec) = number(&mut i, 1, 2) else { return false };
    if h > 23 || m > 59 || sec > 59 {
        return false;
    }
    if expect(&mut i, b'.') && number(&mut i, 1, 9).is_none() {
        return false;
    }
    match b.get(i) {
        None => true,
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i += 1;
            let (Some(zh), true, Some(zm)) = (number(&mut i, 2, 2), expect(&mut i, b':'), number(&mut i, 2, 2)) else {
                return false;
            };
            zh < 24 && zm < 60 && i == b.len()
        }
        _ => false,
    }
}

/// Compose turns every mapping key into a string (`true:` ⇒ "true", `0755:` ⇒ "493").
fn key_string(s: &Scalar) -> String {
    match s.value {
        Value::Str | Value::Timestamp | Value::Null => s.text.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => big_uint(&s.text).unwrap_or_else(|| go_format_float(f)),
    }
}

/// Go's `fmt.Sprint` of a float64 (`%v`, i.e. `%g` with the shortest precision): exponent form when the
/// decimal exponent is < -4 or >= 6 (`1e+06`, `1.234567e+06`, `100000`), as Compose prints them.
pub fn go_format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".to_owned() } else { "-Inf".to_owned() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".to_owned() } else { "0".to_owned() };
    }
    let sci = format!("{f:e}");
    let exp: i32 = sci.split_once('e').and_then(|(_, e)| e.parse().ok()).unwrap_or(0);
    if (-4..6).contains(&exp) {
        format!("{f}")
    } else {
        // Rust: 1e21 / 1.5e-7; Go: 1e+21 / 1.5e-07
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((mant, e)) => {
                let (sign, digits) = match e.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', e),
                };
                let digits = if digits.len() < 2 { format!("0{digits}") } else { digits.to_owned() };
                format!("{mant}e{sign}{digits}")
            }
            None => s,
        }
    }
}

/// The string Compose makes of a scalar placed where a string is expected (environment values, labels):
/// `true` ⇒ "true", `1.10` ⇒ "1.1", `0755` ⇒ "493", null ⇒ None.
pub fn scalar_to_string(s: &Scalar) -> Option<String> {
    match s.value {
        Value::Null => None,
        Value::Str | Value::Timestamp => Some(s.text.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(big_uint(&s.text).unwrap_or_else(|| go_format_float(f))),
    }
}

/// go-yaml decodes an integer above `i64::MAX` as a `uint64` (printed in full), which our `Value` keeps as
/// a float: give back its digits.
fn big_uint(text: &str) -> Option<String> {
    let digits: String = text.trim_start_matches('+').chars().filter(|&c| c != '_').collect();
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && digits.parse::<u64>().is_ok())
        .then(|| digits.trim_start_matches('0').to_owned())
        .map(|d| if d.is_empty() { "0".to_owned() } else { d })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse1(text: &str) -> Node {
        let mut docs = parse(FileId(0), text, &Limits::default()).expect("parses");
        assert_eq!(docs.len(), 1);
        docs.remove(0)
    }

    #[test]
    fn scalars_resolve_like_go_yaml() {
        for (text, want) in [
            ("yes", Value::Str),
            ("on", Value::Str),
            ("no", Value::Str),
            ("true", Value::Bool(true)),
            ("False", Value::Bool(false)),
            ("0755", Value::Int(493)),
            ("0o755", Value::Int(493)),
            ("1_000", Value::Int(1000)),
            ("0x1F", Value::Int(31)),
            ("0b101", Value::Int(5)),
            ("-12", Value::Int(-12)),
            ("+3", Value::Int(3)),
            ("08", Value::Float(8.0)),
            ("1.10", Value::Float(1.1)),
            ("1e3", Value::Float(1000.0)),
            (".5", Value::Float(0.5)),
            ("22:22", Value::Str),
            ("8080:80", Value::Str),
            ("127.0.0.1", Value::Str),
            ("1.2.3", Value::Str),
            ("~", Value::Null),
            ("", Value::Null),
            ("2024-01-02", Value::Timestamp),
            ("2024-1-2T10:00:00Z", Value::Timestamp),
            ("2024-01-02x", Value::Str),
            ("2024-02-30", Value::Str),
            ("2024-13-45", Value::Str),
            ("2024-02-29", Value::Timestamp),
            ("2023-02-29", Value::Str),
            ("2024-01-02 10:30:00", Value::Timestamp),
            ("2024-01-02T25:00:00Z", Value::Str),
            ("2024-01-02T10:00:00+02:00", Value::Timestamp),
            ("3.10-slim", Value::Str),
            ("-", Value::Str),
            ("1-2", Value::Str),
        ] {
            let got = resolve_plain(text);
            match (got, want) {
                (Value::Float(a), Value::Float(b)) => assert!((a - b).abs() < 1e-9, "{text}: {a} vs {b}"),
                _ => assert_eq!(got, want, "{text}"),
            }
        }
    }

    #[test]
    fn quoted_scalars_are_strings() {
        let n = parse1("a: '0755'\nb: \"true\"\nc: !!str 12\nd: !!int '12'\n");
        assert_eq!(n.get("a").and_then(Node::as_str), Some("0755"));
        assert_eq!(n.get("b").and_then(Node::as_str), Some("true"));
        assert_eq!(n.get("c").and_then(Node::as_str), Some("12"));
        assert!(matches!(n.get("d").and_then(Node::as_scalar).map(|s| s.value), Some(Value::Int(12))));
    }

    #[test]
    fn spans_are_bytes() {
        let text = "x-café: 1\nimage: \"nginx:1.27\"\n";
        let n = parse1(text);
        let img = n.get("image").expect("image");
        assert_eq!(&text[img.span.range()], "\"nginx:1.27\"");
        assert_eq!(img.as_scalar().and_then(|s| s.verbatim), Some(1));
        let escaped = parse1("a: \"x\\ty\"\nb: |\n  z\n");
        assert_eq!(escaped.get("a").and_then(Node::as_scalar).and_then(|s| s.verbatim), None);
        assert_eq!(escaped.get("b").and_then(Node::as_scalar).and_then(|s| s.verbatim), None);
        let key = &n.get_entry("image").expect("entry").key;
        assert_eq!(&text[key.span.range()], "image");
    }

    #[test]
    fn merge_keys_explicit_wins_and_first_source_wins() {
        let text = "x-a: &a {p: 1, q: 1}\nx-b: &b {q: 2, r: 2}\ns:\n  <<: [*a, *b]\n  p: 0\n";
        let n = parse1(text);
        let s = n.get("s").expect("s");
        let get = |k: &str| s.get(k).and_then(Node::as_scalar).map(|x| x.value);
        assert_eq!(get("p"), Some(Value::Int(0)));
        assert_eq!(get("q"), Some(Value::Int(1)));
        assert_eq!(get("r"), Some(Value::Int(2)));
        let q = s.get_entry("q").expect("q");
        assert!(q.via_merge.is_some());
        // The merged value keeps the span of its definition in the anchor.
        assert_eq!(&text[q.value.span.range()], "1");
        assert!(s.get_entry("p").expect("p").via_merge.is_none());
    }

    #[test]
    fn tagged_merge_key_merges_and_non_string_keys_are_marked() {
        let n = parse1("x-a: &a {image: x}\ns:\n  !!merge <<: *a\n  1: one\n  true: yes\n");
        let s = n.get("s").expect("s");
        assert_eq!(s.get("image").and_then(Node::as_str), Some("x"));
        let keys: Vec<(&str, bool)> =
            s.as_map().expect("map").iter().map(|e| (e.key.name.as_str(), e.key.string)).collect();
        assert_eq!(keys, [("1", false), ("true", false), ("image", true)]);
    }

    #[test]
    fn quoted_merge_key_is_an_ordinary_key() {
        let n = parse1("a: &a {x: 1}\nb:\n  \"<<\": *a\n");
        assert!(n.get("b").and_then(|b| b.get("<<")).is_some());
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse(FileId(0), "services:\n  a:\n    image: x\n    image: y\n", &Limits::default())
            .expect_err("duplicate");
        assert!(err.message.contains("already defined"), "{}", err.message);
        assert!(err.related.is_some());
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let started = std::time::Instant::now();
        let err = parse(FileId(0), &text, &Limits::default()).expect_err("bomb");
        assert!(err.message.contains("alias expansion"), "{}", err.message);
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let err = parse(FileId(0), &text, &Limits::default()).expect_err("deep");
        // saphyr-parser has its own recursion bound ("recursion limit exceeded"); ours is lower for maps.
        assert!(err.message.contains("nesting") || err.message.contains("recursion"), "{}", err.message);
        let mut block = String::new();
        for depth in 0..5_000 {
            block.push_str(&" ".repeat(depth));
            block.push_str("k:\n");
        }
        let err = parse(FileId(0), &block, &Limits::default()).expect_err("deep block");
        assert!(err.message.contains("nesting") || err.message.contains("recursion"), "{}", err.message);
    }

    #[test]
    fn tags_are_kept() {
        let n = parse1("ports: !reset []\nimage: !override x\n");
        assert_eq!(n.get("ports").map(|p| p.tag), Some(Tag::Reset));
        assert_eq!(n.get("image").map(|p| p.tag), Some(Tag::Override));
    }

    #[test]
    fn several_documents() {
        let docs = parse(FileId(0), "---\na: 1\n...\n---\nb: 2\n", &Limits::default()).expect("parses");
        assert_eq!(docs.len(), 2);
        assert!(parse(FileId(0), "# only a comment\n", &Limits::default()).expect("parses").is_empty());
    }

    #[test]
    fn flow_collections_may_be_less_indented_like_go_yaml() {
        let text = "services:\n  a:\n    image: x\n    command: [\n      \"tunnel\",\n\n      # comment\n      \"run\"\n    ]\n    environment: {\n  A: \"1\"}\n    user: \"1000\"\n";
        let n = parse1(text);
        let a = n.get("services").and_then(|s| s.get("a")).expect("a");
        let cmd = a.get("command").and_then(Node::as_seq).expect("command");
        assert_eq!(cmd.len(), 2);
        assert_eq!(&text[cmd[1].span.range()], "\"run\"");
        let env = a.get("environment").expect("env");
        assert_eq!(env.get("A").and_then(Node::as_str), Some("1"));
        let user = a.get("user").expect("user");
        assert_eq!(&text[user.span.range()], "\"1000\"");
        let top = parse1("command: [\n  \"x\",\n]\nb: \"it's [not] flow\"\n");
        assert_eq!(top.get("command").and_then(Node::as_seq).map(<[Node]>::len), Some(1));
    }

    #[test]
    fn syntax_error_has_position() {
        let err = parse(FileId(0), "a: [1, 2\nb: 3\n", &Limits::default()).expect_err("error");
        assert!(!err.message.is_empty());
    }

    #[test]
    fn go_float_format() {
        assert_eq!(go_format_float(1.1), "1.1");
        assert_eq!(go_format_float(1e21), "1e+21");
        assert_eq!(go_format_float(1_000_000.0), "1e+06");
        assert_eq!(go_format_float(1_234_567.0), "1.234567e+06");
        assert_eq!(go_format_float(100_000.0), "100000");
        assert_eq!(go_format_float(0.0001), "0.0001");
        assert_eq!(go_format_float(-0.0), "-0");
        assert_eq!(go_format_float(f64::INFINITY), "+Inf");
        assert_eq!(go_format_float(0.00001), "1e-05");
        assert_eq!(go_format_float(8.0), "8");
        let n = parse1("a: 12345678901234567890\nb: 1.5\n");
        let a = n.get("a").and_then(Node::as_scalar).expect("a");
        assert_eq!(scalar_to_string(a).as_deref(), Some("12345678901234567890"));
        assert_eq!(n.get("b").and_then(Node::as_scalar).and_then(scalar_to_string).as_deref(), Some("1.5"));
    }

    #[test]
    fn empty_value_is_null() {
        let n = parse1("a:\nb: x\n");
        assert!(n.get("a").is_some_and(Node::is_null));
    }
}
