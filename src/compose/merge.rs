//! Merging compose documents as Compose does (`-f a -f b`, override files, `extends`), on the spanned
//! tree: mappings key by key, sequences appended, per-attribute special cases (semantics.md §1.2), and the
//! `!reset` / `!override` tags. Duplicates that Compose removes afterwards ("unicity": ports, volumes by
//! target...) are removed when the typed model is built.

use crate::yaml::{Entry, Key, Kind, Node, Tag};

/// How one attribute merges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// Default: mappings by key, sequences appended, scalars replaced.
    Deep,
    /// Later value replaces (command, entrypoint, healthcheck.test).
    Replace,
    /// `KEY=VALUE` list or mapping, merged by key, later wins (environment, labels, build.args...).
    KeyValue,
    /// Lists appended (string accepted as a one-item list): dns, tmpfs, env_file...
    Sequence,
    /// List or mapping of names, merged as mappings (depends_on, service networks).
    NameMap,
    /// Appended, exact duplicates dropped.
    ExtraHosts,
    /// String (context) or mapping, merged as mappings.
    Build,
    /// Merged if the same driver (or one side names none), else replaced.
    Logging,
}

/// The merge rule for a path below `services.<name>` (given without the service name), or for top-level
/// resources.
fn rule_for(path: &[&str]) -> Rule {
    match path {
        ["services", _, "command" | "entrypoint"] => Rule::Replace,
        ["services", _, "healthcheck", "test"] => Rule::Replace,
        ["services", _, "environment" | "labels" | "annotations" | "sysctls"] => Rule::KeyValue,
        ["services", _, "build", "args" | "labels" | "additional_contexts"] => Rule::KeyValue,
        ["services", _, "deploy", "labels"] => Rule::KeyValue,
        ["services", _, "volumes", _, "volume", "labels"] => Rule::KeyValue,
        ["networks" | "volumes", _, "labels"] => Rule::KeyValue,
        ["services", _, "dns" | "dns_opt" | "dns_search" | "env_file" | "label_file" | "tmpfs"] => Rule::Sequence,
        ["services", _, "depends_on" | "networks" | "models"] => Rule::NameMap,
        ["services", _, "extra_hosts"] | ["services", _, "build", "extra_hosts"] => Rule::ExtraHosts,
        ["services", _, "build"] => Rule::Build,
        ["services", _, "logging"] => Rule::Logging,
        ["services", _, "ulimits", _] => Rule::Replace,
        _ => Rule::Deep,
    }
}

/// A merge that Compose refuses ("cannot override services.web.ports").
#[derive(Clone, Debug)]
pub struct MergeError {
    pub node: crate::source::Span,
    pub path: String,
}

/// Merges `over` onto `base` (both top-level compose documents). `base` is updated in place.
pub fn merge_documents(base: &mut Node, over: Node, errors: &mut Vec<MergeError>) {
    let mut path: Vec<String> = Vec::new();
    merge_into(base, over, &mut path, errors);
}

/// Merges a service definition onto the base it extends (Compose merges at `services.x`).
pub fn merge_service(base: &mut Node, over: Node, errors: &mut Vec<MergeError>) {
    let mut path = vec!["services".to_owned(), "x".to_owned()];
    merge_into(base, over, &mut path, errors);
}

fn merge_into(base: &mut Node, over: Node, path: &mut Vec<String>, errors: &mut Vec<MergeError>) {
    let rule = {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        rule_for(&p)
    };
    if over.tag == Tag::Override {
        *base = strip_tags(over);
        return;
    }
    match rule {
        Rule::Replace => *base = strip_tags(over),
        Rule::KeyValue => {
            let mut entries = key_value_entries(base);
            // `KEY: !reset` in the override removes KEY (key_value_entries drops reset entries, so read
            // the override's mapping directly for those).
            if let Kind::Map(over_entries) = &over.kind {
                for e in over_entries.iter().filter(|e| e.value.tag == Tag::Reset) {
                    entries.retain(|x| x.key.name != e.key.name);
                }
            }
            for e in key_value_entries(&over) {
                upsert(&mut entries, e);
            }
            base.kind = Kind::Map(entries);
            base.span = over.span;
        }
        Rule::Sequence => {
            let mut items = as_sequence(base);
            items.extend(as_sequence(&strip_tags(over)));
            base.kind = Kind::Seq(items);
        }
        Rule::ExtraHosts => {
            let mut items = as_sequence(base);
            for item in as_sequence(&strip_tags(over)) {
                let dup = items.iter().any(|x| same_scalar(x, &item));
                if !dup {
                    items.push(item);
                }
            }
            base.kind = Kind::Seq(items);
        }
        Rule::NameMap => {
            base.kind = Kind::Map(name_map_entries(base));
            merge_entries(base, name_map_entries(&over), path, errors);
        }
        Rule::Build => {
            to_build_map(base);
            let mut over = strip_tags(over);
            to_build_map(&mut over);
            if let Kind::Map(entries) = over.kind {
                merge_entries(base, entries, path, errors);
            }
        }
        Rule::Logging => {
            let driver = |n: &Node| n.get("driver").and_then(Node::as_str).map(str::to_owned);
            let (a, b) = (driver(base), driver(&over));
            if a.is_none() || b.is_none() || a == b {
                deep(base, over, path, errors);
            } else {
                *base = strip_tags(over);
            }
        }
        Rule::Deep => deep(base, over, path, errors),
    }
}

fn deep(base: &mut Node, over: Node, path: &mut Vec<String>, errors: &mut Vec<MergeError>) {
    match (&mut base.kind, over.kind) {
        (Kind::Map(_), Kind::Map(over_entries)) => merge_entries(base, over_entries, path, errors),
        (Kind::Seq(items), Kind::Seq(over_items)) => {
            items.extend(over_items.into_iter().filter(|n| n.tag != Tag::Reset).map(strip_tags));
        }
        (Kind::Map(_) | Kind::Seq(_), kind) => {
            // A null override leaves the base as it is (Compose: `o == nil` keeps `e`).
            let over = Node { span: over.span, tag: over.tag, kind, via_alias: over.via_alias };
            if over.is_null() {
                return;
            }
            errors.push(MergeError { node: over.span, path: path.join(".") });
        }
        (Kind::Scalar(_), kind) => {
            *base = strip_tags(Node { span: over.span, tag: over.tag, kind, via_alias: over.via_alias });
        }
    }
}

fn merge_entries(base: &mut Node, over_entries: Vec<Entry>, path: &mut Vec<String>, errors: &mut Vec<MergeError>) {
    let Kind::Map(entries) = &mut base.kind else { return };
    for e in over_entries {
        if e.value.tag == Tag::Reset {
            entries.retain(|x| x.key.name != e.key.name);
            continue;
        }
        match entries.iter_mut().find(|x| x.key.name == e.key.name) {
            Some(existing) => {
                path.push(e.key.name.clone());
                existing.key = e.key;
                merge_into(&mut existing.value, e.value, path, errors);
                path.pop();
            }
            None => entries.push(Entry { key: e.key, value: strip_tags(e.value), via_merge: e.via_merge }),
        }
    }
}

/// Removes `!reset` nodes and `!override` tags inside a value that has nothing to merge with.
pub fn strip_tags(mut node: Node) -> Node {
    if node.tag == Tag::Override {
        node.tag = Tag::None;
    }
    match &mut node.kind {
        Kind::Map(entries) => {
            entries.retain(|e| e.value.tag != Tag::Reset);
            for e in entries.iter_mut() {
                let span = e.value.span;
                let v = std::mem::replace(&mut e.value, Node::null(span));
                e.value = strip_tags(v);
            }
        }
        Kind::Seq(items) => {
            items.retain(|n| n.tag != Tag::Reset);
            for n in items.iter_mut() {
                let span = n.span;
                let v = std::mem::replace(n, Node::null(span));
                *n = strip_tags(v);
            }
        }
        Kind::Scalar(_) => {}
    }
    node
}

fn same_scalar(a: &Node, b: &Node) -> bool {
    match (a.as_scalar(), b.as_scalar()) {
        (Some(x), Some(y)) => x.text == y.text,
        _ => false,
    }
}

fn as_sequence(node: &Node) -> Vec<Node> {
    match &node.kind {
        Kind::Seq(items) => items.iter().filter(|n| n.tag != Tag::Reset).cloned().collect(),
        Kind::Scalar(s) if s.value == crate::yaml::Value::Null => Vec::new(),
        Kind::Scalar(_) => vec![node.clone()],
        // A mapping (e.g. a long-form env_file written as one mapping) stays one item.
        Kind::Map(_) => vec![node.clone()],
    }
}

fn upsert(entries: &mut Vec<Entry>, e: Entry) {
    if e.value.tag == Tag::Reset {
        entries.retain(|x| x.key.name != e.key.name);
        return;
    }
    match entries.iter_mut().find(|x| x.key.name == e.key.name) {
        Some(existing) => *existing = e,
        None => entries.push(e),
    }
}

/// The entries of a `KEY=VALUE` list or a mapping, as mapping entries. A list item `KEY=VALUE` becomes
/// key `KEY` (span: its part of the item) and a string value (span: the rest); `KEY` alone becomes a
/// null value (inherit). Values keep their interpolation record.
pub fn key_value_entries(node: &Node) -> Vec<Entry> {
    match &node.kind {
        Kind::Map(entries) => entries.iter().filter(|e| e.value.tag != Tag::Reset).cloned().collect(),
        Kind::Seq(items) => items.iter().filter(|n| n.tag != Tag::Reset).filter_map(split_key_value).collect(),
        Kind::Scalar(_) => Vec::new(),
    }
}

fn split_key_value(item: &Node) -> Option<Entry> {
    let s = item.as_scalar()?;
    let text = crate::yaml::scalar_to_string(s)?;
    // Map offsets in the text onto the file only when the scalar is written verbatim.
    let verbatim = crate::compose::interpolate::verbatim_offset(item);
    let sub = |a: usize, b: usize| match verbatim {
        Some(off) if s.interp.is_none() => item.span.sub(off + a, off + b),
        _ => item.span,
    };
    match text.split_once('=') {
        Some((k, v)) => {
            let key = Key::new(k.to_owned(), sub(0, k.len()));
            let mut value = Node::string(v, sub(k.len() + 1, text.len()));
            if let (Kind::Scalar(dst), Some(info)) = (&mut value.kind, &s.interp) {
                dst.interp = Some(info.clone());
            }
            if s.interp.is_some() {
                value.span = item.span;
            }
            Some(Entry { key, value, via_merge: None })
        }
        None => Some(Entry {
            key: Key::new(text.clone(), sub(0, text.len())),
            value: Node::null(item.span),
            via_merge: None,
        }),
    }
}

/// A list of names (`[a, b]`) or a mapping of names to options, as mapping entries (null options).
fn name_map_entries(node: &Node) -> Vec<Entry> {
    match &node.kind {
        Kind::Map(entries) => entries.iter().filter(|e| e.value.tag != Tag::Reset).cloned().collect(),
        Kind::Seq(items) => items
            .iter()
            .filter(|n| n.tag != Tag::Reset)
            .filter_map(|n| {
                let name = crate::yaml::scalar_to_string(n.as_scalar()?)?;
                Some(Entry { key: Key::new(name, n.span), value: Node::null(n.span), via_merge: None })
            })
            .collect(),
        Kind::Scalar(_) => Vec::new(),
    }
}

/// Normalizes a list of names into a mapping in place (used on single documents too, so that later
/// merges and the typed model see one form).
pub fn normalize_name_map(node: &mut Node) {
    if matches!(node.kind, Kind::Seq(_)) {
        node.kind = Kind::Map(name_map_entries(node));
    }
}

fn to_build_map(node: &mut Node) {
    if let Kind::Scalar(_) = node.kind {
        if node.is_null() {
            node.kind = Kind::Map(Vec::new());
            return;
        }
        let ctx = node.clone();
        node.kind =
            Kind::Map(vec![Entry { key: Key::new("context".to_owned(), ctx.span), value: ctx, via_merge: None }]);
    }
}

/// Structural equality, ignoring spans and provenance (for `include` conflicts).
pub fn same_tree(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Scalar(x), Kind::Scalar(y)) => x.text == y.text && x.value == y.value,
        (Kind::Seq(x), Kind::Seq(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_tree(p, q)),
        (Kind::Map(x), Kind::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|e| y.iter().any(|f| f.key.name == e.key.name && same_tree(&e.value, &f.value)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::yaml::{Limits, parse};

    fn doc(text: &str, file: u32) -> Node {
        parse(FileId(file), text, &Limits::default()).expect("yaml").into_iter().next().expect("doc")
    }

    fn merged(a: &str, b: &str) -> Node {
        let mut base = doc(a, 0);
        let mut errors = Vec::new();
        merge_documents(&mut base, doc(b, 1), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        base
    }

    fn svc<'a>(n: &'a Node, name: &str) -> &'a Node {
        n.get("services").and_then(|s| s.get(name)).expect("service")
    }

    #[test]
    fn scalars_replace_sequences_append() {
        let m = merged(
            "services:\n  web:\n    image: a\n    ports: ['8080:80']\n",
            "services:\n  web:\n    image: b\n    ports: ['9090:80']\n",
        );
        let web = svc(&m, "web");
        assert_eq!(web.get("image").and_then(Node::as_str), Some("b"));
        assert_eq!(web.get("ports").and_then(Node::as_seq).map(<[Node]>::len), Some(2));
    }

    #[test]
    fn command_is_replaced_not_appended() {
        let m = merged("services:\n  web:\n    command: [a, b]\n", "services:\n  web:\n    command: [c]\n");
        assert_eq!(svc(&m, "web").get("command").and_then(Node::as_seq).map(<[Node]>::len), Some(1));
    }

    #[test]
    fn environment_list_and_map_merge_by_key() {
        let m = merged(
            "services:\n  web:\n    environment:\n      - A=1\n      - B=2\n",
            "services:\n  web:\n    environment:\n      B: 3\n      C:\n",
        );
        let env = svc(&m, "web").get("environment").expect("env");
        let entries = env.as_map().expect("map");
        let names: Vec<&str> = entries.iter().map(|e| e.key.name.as_str()).collect();
        assert_eq!(names, ["A", "B", "C"]);
        assert!(env.get("C").is_some_and(Node::is_null));
    }

    #[test]
    fn reset_and_override_tags() {
        let m = merged(
            "services:\n  web:\n    ports: ['80:80']\n    environment: {A: 1, B: 2}\n  old: {image: x}\n",
            "services:\n  web:\n    ports: !reset []\n    environment: !override {C: 3}\n  old: !reset\n",
        );
        let web = svc(&m, "web");
        assert!(web.get("ports").is_none());
        let env = web.get("environment").and_then(Node::as_map).expect("env");
        assert_eq!(env.len(), 1);
        assert!(m.get("services").and_then(|s| s.get("old")).is_none());
    }

    #[test]
    fn reset_one_key_of_a_key_value_mapping() {
        let m = merged(
            "services:\n  web:\n    environment: {KEEP: '1', DROP: '2'}\n",
            "services:\n  web:\n    environment: {DROP: !reset null}\n",
        );
        let env = svc(&m, "web").get("environment").and_then(Node::as_map).expect("env");
        assert_eq!(env.iter().map(|e| e.key.name.as_str()).collect::<Vec<_>>(), ["KEEP"]);
    }

    #[test]
    fn depends_on_short_and_long_forms_mix() {
        let m = merged(
            "services:\n  web:\n    depends_on: [db]\n",
            "services:\n  web:\n    depends_on:\n      cache: {condition: service_healthy}\n",
        );
        let deps = svc(&m, "web").get("depends_on").and_then(Node::as_map).expect("deps");
        assert_eq!(deps.len(), 2);
    }

    #[test]
    fn build_string_merges_with_mapping() {
        let m = merged("services:\n  web:\n    build: ./app\n", "services:\n  web:\n    build:\n      target: prod\n");
        let b = svc(&m, "web").get("build").expect("build");
        assert_eq!(b.get("context").and_then(Node::as_str), Some("./app"));
        assert_eq!(b.get("target").and_then(Node::as_str), Some("prod"));
    }

    #[test]
    fn type_mismatch_is_an_error() {
        let mut base = doc("services:\n  web:\n    ports: ['80:80']\n", 0);
        let mut errors = Vec::new();
        merge_documents(&mut base, doc("services:\n  web:\n    ports: {a: 1}\n", 1), &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "services.web.ports");
    }

    #[test]
    fn extra_hosts_drop_exact_duplicates_only() {
        let m = merged(
            "services:\n  web:\n    extra_hosts: ['h=1.2.3.4']\n",
            "services:\n  web:\n    extra_hosts: ['h=1.2.3.4', 'h=5.6.7.8']\n",
        );
        assert_eq!(svc(&m, "web").get("extra_hosts").and_then(Node::as_seq).map(<[Node]>::len), Some(2));
    }
}
