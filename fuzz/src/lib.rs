//! The checks the fuzz targets run, one function per target, each taking the raw fuzz input.
//!
//! They live here, not in `fuzz_targets/`, so that the very same checks replay the saved crash inputs
//! (`fuzz/regressions/<target>/`) under a plain stable `cargo test` (see `tests/regressions.rs` and
//! `regressions/README.md`) as well as under libFuzzer. This file depends on `std`, `stackcheck` and
//! `serde_json` only, so the main crate's tests can also include it with `#[path]`.
//!
//! A failed check panics; libFuzzer turns the panic into a crash report with the input that caused it.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::ops::Range;
use std::path::{Path, PathBuf};

use stackcheck::interp::Lookup;
use stackcheck::source::{FileId, Span};
use stackcheck::yaml::{self, Kind, Limits, Node};

/// The targets, in the order `scripts/fuzz` runs them.
pub const TARGETS: [&str; 9] =
    ["yaml", "envfile", "interp", "compose_load", "caddy", "nginx", "traefik_rule", "dns", "traefik_toml"];

/// Runs one target's check on one input (used by the regression replay).
pub fn run(target: &str, data: &[u8]) {
    match target {
        "yaml" => fuzz_yaml(data),
        "envfile" => fuzz_envfile(data),
        "interp" => fuzz_interp(data),
        "nginx" => fuzz_nginx(data),
        "compose_load" => {
            // A directory of its own, so that replays may run in parallel.
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let dir = std::env::temp_dir().join(format!("stackcheck-fuzz-replay-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("create the replay directory");
            // Removed even when the check panics.
            struct Cleanup(PathBuf);
            impl Drop for Cleanup {
                fn drop(&mut self) {
                    let _ = std::fs::remove_dir_all(&self.0);
                }
            }
            let _cleanup = Cleanup(dir.clone());
            compose_load_in(&dir, data);
        }
        "caddy" => fuzz_caddy(data),
        "traefik_rule" => fuzz_traefik_rule(data),
        "dns" => fuzz_dns(data),
        "traefik_toml" => fuzz_traefik_toml(data),
        other => panic!("unknown fuzz target `{other}`"),
    }
}

// ------------------------------------------------------------------------------------------ helpers

/// `range` is a valid byte range of `text`: ordered, in bounds, both ends on char boundaries.
#[track_caller]
fn assert_range(text: &str, range: &Range<usize>, what: &str) {
    assert!(
        text.get(range.clone()).is_some(),
        "{what}: range {range:?} is not a char-boundary range of the {}-byte input",
        text.len()
    );
}

#[track_caller]
fn assert_span(text: &str, file: FileId, span: Span, what: &str) {
    assert_eq!(span.file, file, "{what}: span {span:?} points at another file");
    assert_range(text, &span.range(), what);
}

// --------------------------------------------------------------------------------------------- yaml

/// `stackcheck::yaml::parse` on arbitrary UTF-8; every span of the tree (and of the error) must be a
/// valid char-boundary range of the text, and a verbatim scalar must be found in the text at its span.
pub fn fuzz_yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = FileId(0);
    match yaml::parse(file, text, &Limits::default()) {
        Ok(docs) => {
            for doc in &docs {
                check_tree(text, file, doc);
            }
        }
        Err(e) => {
            assert_span(text, file, e.span, "YamlError.span");
            if let Some((related, _)) = &e.related {
                assert_span(text, file, *related, "YamlError.related");
            }
        }
    }
}

/// Walks a tree iteratively (no recursion on input depth) checking every span.
pub fn check_tree(text: &str, file: FileId, root: &Node) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        assert_span(text, file, node.span, "Node.span");
        if let Some(alias) = node.via_alias {
            assert_span(text, file, alias, "Node.via_alias");
        }
        match &node.kind {
            Kind::Scalar(s) => {
                if let Some(off) = s.verbatim {
                    let start = node.span.start as usize + off as usize;
                    let range = start..start + s.text.len();
                    assert!(
                        range.end <= node.span.end as usize && text.get(range.clone()) == Some(s.text.as_str()),
                        "Scalar.verbatim: {:?} at offset {off} of span {:?} is not the file text {:?}",
                        s.text,
                        node.span,
                        text.get(range),
                    );
                }
            }
            Kind::Seq(items) => stack.extend(items.iter()),
            Kind::Map(entries) => {
                for e in entries {
                    assert_span(text, file, e.key.span, "Key.span");
                    if let Some(merge) = e.via_merge {
                        assert_span(text, file, merge, "Entry.via_merge");
                    }
                    stack.push(&e.value);
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------------------ envfile

/// `stackcheck::envfile::parse` ("never panics; all ranges are byte ranges into `text` that fall on
/// character boundaries").
pub fn fuzz_envfile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let env = stackcheck::envfile::parse(text);
    for e in &env.entries {
        assert_range(text, &e.key_range, "Entry.key_range");
        assert_range(text, &e.stmt_range, "Entry.stmt_range");
        if let Some(v) = &e.value {
            assert_range(text, &v.raw_range, "Value.raw_range");
            assert_range(text, &v.content_range, "Value.content_range");
            assert!(
                v.raw_range.start <= v.content_range.start && v.content_range.end <= v.raw_range.end,
                "Value.content_range {:?} is not inside raw_range {:?}",
                v.content_range,
                v.raw_range
            );
            if v.verbatim {
                assert_eq!(
                    text.get(v.content_range.clone()),
                    Some(v.text.as_str()),
                    "Value.verbatim but the text at content_range {:?} differs",
                    v.content_range
                );
            }
        }
    }
    for c in &env.comments {
        assert_range(text, &c.range, "Comment.range");
        assert!(
            text.get(c.range.clone()).is_some_and(|s| s.starts_with('#')),
            "Comment.range {:?} does not start at `#`",
            c.range
        );
    }
    for err in &env.errors {
        assert_range(text, &err.range, "ParseError.range");
    }
    assert_eq!(env.bom, text.starts_with('\u{feff}'), "EnvFile.bom");
}

// ------------------------------------------------------------------------------------------- interp

/// The fixed environment of the `interp` target: some Known values (empty, with `$`, non-ASCII), some
/// Unknown, the rest Undefined. Names include the two non-ASCII letters compose accepts (`ſ`, `K`).
pub fn interp_lookup(name: &str) -> Lookup<'static> {
    match name {
        "A" => Lookup::Known("a"),
        "B" => Lookup::Known("bee"),
        "HOME" => Lookup::Known("/root"),
        "EMPTY" => Lookup::Known(""),
        "DOLLAR" => Lookup::Known("${A}$$B"),
        "UTF" => Lookup::Known("é€😀"),
        "ſ" => Lookup::Known("long s"),
        "K" => Lookup::Known("kelvin"),
        "U" | "SECRET" | "Unknown" | "_" => Lookup::Unknown,
        _ => Lookup::Undefined,
    }
}

/// `stackcheck::interp::interpolate` with [`interp_lookup`]: every range is a char-boundary range of the
/// input, a name range holds exactly the name and sits inside its reference.
pub fn fuzz_interp(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let r = stackcheck::interp::interpolate(text, &interp_lookup);
    for u in &r.uses {
        assert_range(text, &u.range, "VarUse.range");
        assert_range(text, &u.name_range, "VarUse.name_range");
        assert_eq!(text.get(u.name_range.clone()), Some(u.name.as_str()), "VarUse.name_range does not hold the name");
        assert!(
            u.range.start <= u.name_range.start && u.name_range.end <= u.range.end,
            "VarUse.name_range {:?} is not inside range {:?}",
            u.name_range,
            u.range
        );
    }
    for e in &r.errors {
        assert_range(text, &e.range, "Error.range");
        let _ = e.to_string();
    }
    if !stackcheck::interp::needs_interpolation(text) {
        assert_eq!(r.value, text, "a string without `$` must come back unchanged");
    }
}

// ------------------------------------------------------------------------------------- compose_load

/// A scratch directory for this process (one stack: `compose.yaml` and maybe `.env`).
fn scratch_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::var_os("STACKCHECK_FUZZ_TMP").map_or_else(std::env::temp_dir, PathBuf::from);
        let dir = base.join(format!("stackcheck-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        dir
    })
}

/// The whole pipeline: the input (split at the first NUL byte) becomes `compose.yaml` and `.env` of a
/// directory, `stackcheck::check` loads it (discovery, YAML, interpolation, merge, rules, suppressions)
/// and the report is rendered in every format, plus `inspect::to_json`.
///
/// Checked: every finding's spans and fix edits are char-boundary ranges of their file, the JSON
/// outputs are valid JSON.
pub fn fuzz_compose_load(data: &[u8]) {
    compose_load_in(scratch_dir().join("stack").as_path(), data);
}

/// [`fuzz_compose_load`] in a given directory.
pub fn compose_load_in(dir: &Path, data: &[u8]) {
    std::fs::create_dir_all(dir).expect("create the stack directory");
    let (compose, env) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (&data[..nul], Some(&data[nul + 1..])),
        None => (data, None),
    };
    std::fs::write(dir.join("compose.yaml"), compose).expect("write compose.yaml");
    let env_path = dir.join(".env");
    match env {
        Some(env) => std::fs::write(&env_path, env).expect("write .env"),
        None => {
            let _ = std::fs::remove_file(&env_path);
        }
    }
    check_dir(dir);
}

/// Checks and renders the stacks of one directory (also used by the seed replay in the tests).
pub fn check_dir(dir: &Path) {
    use stackcheck::report::{Format, RenderOptions};

    let opts = stackcheck::CheckOptions {
        load: stackcheck::load::LoadOptions { paths: vec![dir.to_path_buf()], ..Default::default() },
        ..Default::default()
    };
    let r = stackcheck::check(&opts);
    let db = &r.model.db;

    for f in &r.findings {
        for (label, what) in std::iter::once((&f.primary, "primary")).chain(f.related.iter().map(|l| (l, "related"))) {
            let text = db.get(label.span.file).map(|s| &*s.text);
            let text = text.unwrap_or_else(|| panic!("{} {what} label points at no file: {:?}", f.code, label.span));
            assert_range(text, &label.span.range(), &format!("{} {what} label span", f.code));
        }
        if let Some(fix) = &f.fix {
            for e in &fix.edits {
                let text = db.get(e.file).map(|s| &*s.text);
                let text = text.unwrap_or_else(|| panic!("{} fix edit points at no file: {:?}", f.code, e.file));
                assert_range(text, &(e.start as usize..e.end as usize), &format!("{} fix edit", f.code));
            }
        }
    }

    for (format, color) in
        [(Format::Human, false), (Format::Human, true), (Format::Compact, false), (Format::Json, false)]
    {
        let ropts = RenderOptions {
            format,
            color,
            width: 100,
            suppressed: r.suppressed,
            stacks: r.model.stacks.len(),
            files: db.len(),
        };
        let out = stackcheck::report::render(&r.findings, db, &r.secrets, &ropts);
        if format == Format::Json
            && let Err(e) = serde_json::from_str::<serde_json::Value>(&out)
        {
            panic!("--format json is not valid JSON ({e}): {out}");
        }
        let _ = stackcheck::report::summary(&r.findings, &ropts);
    }
    let inspect = stackcheck::inspect::to_json(&r.model, &r.secrets);
    let s = serde_json::to_string_pretty(&inspect).expect("inspect JSON serializes");
    assert!(serde_json::from_str::<serde_json::Value>(&s).is_ok());
    let _ = r.failing(stackcheck::finding::Severity::Info);
}

// ------------------------------------------------------------------------------------- traefik_rule

/// `stackcheck::sources::traefik::rule::parse` in both syntaxes: every range of the tree or the error is a
/// char-boundary range of the input, a matcher's value ranges sit inside the matcher's range, and a
/// backtick value holds exactly the text between its backticks.
pub fn fuzz_traefik_rule(data: &[u8]) {
    use stackcheck::sources::traefik::rule::{Range, Syntax, parse};
    let Ok(text) = std::str::from_utf8(data) else { return };
    let check = |r: Range, what: &str| {
        let range = r.start as usize..r.end as usize;
        assert_range(text, &range, what);
    };
    for syntax in [Syntax::V2, Syntax::V3] {
        match parse(text, syntax) {
            Ok(expr) => {
                for (m, _) in expr.matchers() {
                    check(m.range, "Matcher.range");
                    check(m.name_range, "Matcher.name_range");
                    for a in &m.args {
                        check(a.range, "Arg.range");
                        assert!(
                            m.range.start <= a.range.start && a.range.end <= m.range.end,
                            "Arg outside its matcher"
                        );
                        let written = &text[a.range.start as usize..a.range.end as usize];
                        if let Some(inner) = written.strip_prefix('`').and_then(|w| w.strip_suffix('`')) {
                            assert_eq!(inner.replace('\r', ""), a.value, "raw value differs from its text");
                        }
                    }
                }
                let _ = expr.hosts();
            }
            Err(e) => check(e.range, "RuleError.range"),
        }
    }
}

// -------------------------------------------------------------------------------------------- caddy

/// Serves the fuzz input itself for every import (file 1 for a path, files 1 and 2 for a glob), so
/// that imports, cycles and the expansion limits are exercised.
struct SelfImports<'a>(&'a str);

impl stackcheck::sources::caddy::ImportResolver for SelfImports<'_> {
    fn resolve(
        &mut self,
        _from: FileId,
        pattern: &str,
    ) -> Result<Vec<stackcheck::sources::caddy::ImportedFile>, String> {
        use stackcheck::sources::caddy::{ImportedFile, is_glob};
        let text: std::sync::Arc<str> = self.0.into();
        if pattern.starts_with("missing") {
            return Err("file to import not found".into());
        }
        let mut out = vec![ImportedFile { file: FileId(1), text: text.clone() }];
        if is_glob(pattern) {
            out.push(ImportedFile { file: FileId(2), text });
        }
        Ok(out)
    }
}

/// `sources::caddy::parse` (both dialects) and `build_model` on arbitrary UTF-8, with a fixed set of
/// variables and every import resolving to the input itself: every span (tokens, directives, blocks,
/// errors, comments, `{$VAR}` uses) is a char-boundary range of the text, and every `{$VAR}` name
/// range holds the name.
pub fn fuzz_caddy(data: &[u8]) {
    use stackcheck::sources::caddy::{self, Dialect, Directive, Limits, Options};
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lookup = |k: &str| match k {
        "A" => Some("a.example.com b:80".to_string()),
        "B" => Some(String::new()),
        "C" => Some("{$A}".to_string()),
        "D" => Some("}\n{".to_string()),
        "E" => Some("\"".to_string()),
        _ => None,
    };
    let check = |span: Span, what: &str| {
        assert!(span.file.0 <= 2, "{what}: unknown file {:?}", span.file);
        assert_range(text, &span.range(), what);
    };
    fn walk(ds: &[Directive], check: &dyn Fn(Span, &str)) {
        for d in ds {
            check(d.span, "Directive.span");
            check(d.name.span, "name token");
            d.args.iter().for_each(|a| check(a.span, "arg token"));
            walk(d.children(), check);
        }
    }
    for dialect in [Dialect::Current, Dialect::V2_6] {
        let opts =
            Options { dialect, limits: Limits { max_tokens: 20_000, max_imports: 200, max_files: 3, max_depth: 64 } };
        let cf = caddy::parse(FileId(0), text, &lookup, &mut SelfImports(text), &opts);
        for b in &cf.blocks {
            check(b.span, "ServerBlock.span");
            b.keys.iter().for_each(|k| check(k.span, "key token"));
            walk(&b.directives, &check);
        }
        for e in cf.errors.iter().chain(&cf.warnings) {
            check(e.span, "ParseError.span");
            if let Some((s, _)) = &e.related {
                check(*s, "ParseError.related");
            }
        }
        cf.comments.iter().for_each(|c| check(*c, "comment"));
        for (_, u) in &cf.env_uses {
            assert_eq!(text.get(u.name_range.clone()), Some(u.name.as_str()), "EnvUse.name_range");
            assert_range(text, &u.range, "EnvUse.range");
        }
        let m = caddy::build_model(&cf);
        for s in &m.sites {
            check(s.span, "Site.span");
            s.addresses.iter().for_each(|a| check(a.text.span, "Address"));
            for u in &s.upstreams {
                check(u.text.span, "Upstream");
                let _ = u.dial();
            }
        }
        m.errors.iter().for_each(|e| check(e.span, "model error"));
    }
}

// -------------------------------------------------------------------------------------------- nginx

/// `stackcheck::sources::nginx`: the parser in every top-level context, envsubst templates and the model
/// never panic; every span (directives, names, arguments, blocks, raw Lua bodies, comments, errors and
/// their hints, model items) is a char-boundary range of the input; an unquoted argument without
/// escapes is the file text at its span.
pub fn fuzz_nginx(data: &[u8]) {
    use stackcheck::sources::nginx::{self, Context, Directive, Quote};
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = FileId(0);
    let check = |text: &str, parsed: &nginx::Parsed, verbatim: bool| {
        for c in &parsed.comments {
            assert_span(text, file, *c, "comment");
        }
        for e in &parsed.errors {
            assert_span(text, file, e.span, "ParseError.span");
            if let Some((h, _)) = &e.hint {
                assert_span(text, file, *h, "ParseError.hint");
            }
        }
        let mut stack: Vec<&Directive> = parsed.directives.iter().collect();
        while let Some(d) = stack.pop() {
            assert_span(text, file, d.span, "Directive.span");
            for a in std::iter::once(&d.name).chain(d.args.iter()) {
                assert_span(text, file, a.span, "Arg.span");
                let raw = &text[a.span.range()];
                if verbatim && a.quote == Quote::None && !raw.contains('\\') {
                    assert_eq!(raw, a.value, "unquoted argument without escapes differs from its text");
                }
            }
            if let Some(b) = &d.block {
                assert_span(text, file, b.span, "Block.span");
                if let Some(raw) = b.raw {
                    assert_span(text, file, raw, "Block.raw");
                }
                stack.extend(b.children.iter());
            }
        }
    };
    let whole = nginx::parse(file, text);
    check(text, &whole, true);
    for ctx in [Context::Main, Context::Http, Context::Server, Context::Location] {
        let parsed = nginx::parse_in(file, text, ctx);
        check(text, &parsed, true);
        let config = nginx::Config {
            files: vec![nginx::include::ConfFile { path: "f.conf".into(), context: ctx, parsed, rendered: None }],
            errors: vec![],
        };
        let model = nginx::extract(&config);
        for s in &model.servers {
            assert_span(text, file, s.span, "Server.span");
            for l in &s.listens {
                assert_span(text, file, l.address.span, "Listen.address");
            }
            for n in &s.names {
                assert_span(text, file, n.name.span, "ServerName");
            }
            let mut locs: Vec<_> = s.locations.iter().collect();
            while let Some(l) = locs.pop() {
                assert_span(text, file, l.path.span, "Location.path");
                locs.extend(l.locations.iter());
            }
        }
    }
    // As an envsubst template: spans are mapped back onto the template text.
    let mut fs = |_: &Path| Ok((file, std::sync::Arc::<str>::from(text)));
    let env: std::collections::HashMap<String, String> = [("A", "a"), ("PORT", "8080"), ("EMPTY", ""), ("BR", "}{;\"")]
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    let opts =
        nginx::IncludeOptions { template_env: Some(env), max_files: 4, ..nginx::IncludeOptions::including_file() };
    let config = nginx::resolve(&mut fs, Path::new("/t/x.conf.template"), Context::Http, &opts);
    for f in &config.files {
        // Rendered values differ from the template text.
        check(text, &f.parsed, f.rendered.is_none());
    }
}

// --------------------------------------------------------------------------------------------- dns

/// `stackcheck::sources::dns::parse`: every record, name and error span is a char-boundary range of the
/// text; resolving every owner name terminates and only points at existing records.
pub fn fuzz_dns(data: &[u8]) {
    use stackcheck::sources::dns;
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = FileId(0);
    for origin in [None, Some("example.org")] {
        let zone = dns::parse(file, text, origin);
        for r in &zone.records {
            // A parsed record always has its spans (only live answers have none).
            let (Some(span), Some(name_span)) = (r.span, r.name_span) else { panic!("a parsed record without a span") };
            assert_span(text, file, span, "Record.span");
            assert_span(text, file, name_span, "Record.name_span");
        }
        for e in &zone.errors {
            assert_span(text, file, e.span, "ZoneError.span");
        }
        for r in zone.records.iter().take(200) {
            let res = zone.resolve(&r.name);
            for i in res.chain.iter().chain(&res.a).chain(&res.aaaa) {
                assert!(*i < zone.records.len(), "resolution points past the records");
            }
        }
    }
}

// ------------------------------------------------------------------------------------- traefik_toml

/// The Traefik static and dynamic file readers on arbitrary UTF-8: the TOML reader
/// (`sources::traefik::toml_tree::parse`) and the YAML parser feed the static-configuration interpreter
/// and the dynamic-configuration reader; the same text, split into words and lines, feeds the
/// command-line flag and `TRAEFIK_*` variable readers. Every span must be a char-boundary range of the
/// text, a verbatim scalar must be found at its span, and the API must answer without panicking.
pub fn fuzz_traefik_toml(data: &[u8]) {
    use stackcheck::model::ProxyRole;
    use stackcheck::source::{FileKind, SourceDb};
    use stackcheck::sources::traefik::file::{self, Value};
    use stackcheck::sources::traefik::static_config::{self as sc, StaticSource};
    use stackcheck::sources::traefik::toml_tree;

    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut db = SourceDb::default();
    let file = db.add(PathBuf::from("traefik.toml"), std::sync::Arc::from(text), FileKind::Traefik);
    let check_config = |c: &sc::StaticConfig| {
        for e in &c.entry_points {
            assert_span(text, file, e.name_span, "EntryPoint.name_span");
            for v in
                [&e.address, &e.as_default, &e.redirect_to, &e.redirect_scheme, &e.cert_resolver].into_iter().flatten()
            {
                assert_span(text, file, v.span, "EntryPoint value");
            }
        }
        for r in &c.resolvers {
            assert_span(text, file, r.name_span, "Resolver.name_span");
        }
        if let Some(d) = &c.docker {
            assert_span(text, file, d.span, "DockerProvider.span");
            for v in
                [&d.network, &d.exposed_by_default, &d.endpoint, &d.default_rule, &d.constraints].into_iter().flatten()
            {
                assert_span(text, file, v.span, "DockerProvider value");
            }
        }
        let _ = (c.watched_network(), c.exposed_by_default(), c.default_entry_points(), c.entry_point("web"));
    };
    let check_doc = |doc: &Node| {
        let settings = sc::settings_from_node(doc);
        for s in &settings {
            for seg in &s.path {
                assert_span(text, file, seg.span, "Setting segment");
            }
        }
        let _ = sc::is_static(doc, true);
        check_config(&sc::interpret(&settings, StaticSource::File, ProxyRole::Host, Span::file_start(file)));
        if file::is_dynamic(doc) {
            let d = file::read(doc);
            for r in &d.routers {
                assert_span(text, file, r.name_span, "FileRouter.name_span");
                for v in r.rule.iter().chain(&r.service).chain(&r.entrypoints).chain(&r.middlewares) {
                    assert_span(text, file, v.span, "FileRouter value");
                }
            }
            for s in &d.services {
                for u in &s.urls {
                    assert_span(text, file, u.span, "FileService url");
                }
            }
        }
    };
    match toml_tree::parse(file, text) {
        Ok(doc) => {
            check_tree(text, file, &doc);
            check_doc(&doc);
        }
        Err(e) => assert_span(text, file, e.span, "TOML error span"),
    }
    if let Ok(docs) = yaml::parse(file, text, &Limits::default()) {
        for doc in docs.iter().take(4) {
            check_doc(doc);
        }
    }
    // Flags: the text's whitespace-separated words; variables: its `KEY=value` lines.
    let mut words = Vec::new();
    let mut pos = 0;
    for w in text.split(|c: char| c.is_ascii_whitespace()) {
        if !w.is_empty() {
            words.push(Value { value: w.to_owned(), span: Span::new(file, pos, pos + w.len()) });
        }
        pos += w.len() + 1;
    }
    let (settings, config_file) = sc::settings_from_flags(&db, &words);
    if let Some(v) = config_file {
        assert_span(text, file, v.span, "configFile span");
    }
    check_config(&sc::interpret(&settings, StaticSource::Flags, ProxyRole::Host, Span::file_start(file)));
    let mut vars = Vec::new();
    let mut pos = 0;
    for line in text.split('\n') {
        if let Some((k, v)) = line.split_once('=') {
            let ks = Span::new(file, pos, pos + k.len());
            let vs = Span::new(file, pos + k.len() + 1, pos + line.len());
            vars.push((k, ks, Some(Value { value: v.to_owned(), span: vs })));
        }
        pos += line.len() + 1;
    }
    let settings = sc::settings_from_env(&db, &vars);
    for s in &settings {
        for seg in &s.path {
            assert_span(text, file, seg.span, "env Setting segment");
        }
    }
    check_config(&sc::interpret(&settings, StaticSource::Env, ProxyRole::Host, Span::file_start(file)));
}
