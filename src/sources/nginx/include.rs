//! `include` resolution as nginx does it, envsubst templates, and the resolved [`Config`].
//!
//! - A relative include path is joined to the main configuration's directory (nginx's "prefix":
//!   `include snippets/ssl.conf;` in `conf.d/app.conf` is `/etc/nginx/snippets/ssl.conf`), or, when
//!   [`RelativeTo::IncludingFile`] is chosen, to the including file's directory (for layouts checked
//!   out of their real place, where the prefix is unknown).
//! - A path with `*`, `?` or `[` is a glob mask: matches are sorted in byte order (glob(3) in the C
//!   locale), names starting with `.` only match a pattern that starts with `.`, and no match is fine;
//!   a plain path that cannot be read is an error.
//! - The included text is parsed in the context of the `include` directive.
//! - Include cycles, more than [`IncludeOptions::max_files`] files and chains deeper than
//!   [`IncludeOptions::max_depth`] are errors; resolution goes on with what was read.
//! - `*.template` files are rendered like the official image's `envsubst` step before parsing, with
//!   spans mapped back onto the template text.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::source::{FileId, Span};

use super::parse::{Directive, ErrorKind, ParseError, Parsed, parse_in};
use super::table::{self, Context};

/// Which directory a relative `include` path is joined to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelativeTo {
    /// The main configuration's directory (what nginx does).
    Prefix(PathBuf),
    /// The directory of the file that holds the `include`.
    IncludingFile,
}

/// How `$VAR` / `${VAR}` in a template are replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvsubstMode {
    /// Only variables that are set (the official image: `envsubst "${A} ${B}..."` with the names of the
    /// container's variables); the rest, `$host` included, stays as written.
    OnlyDefined,
    /// Plain `envsubst < file`: every reference is replaced, unset ones by the empty string.
    All,
}

#[derive(Clone, Debug)]
pub struct IncludeOptions {
    pub relative_to: RelativeTo,
    /// At most this many files are read (the root included); globs are cut at this many matches.
    pub max_files: usize,
    /// At most this many nested includes.
    pub max_depth: usize,
    /// Variables for `*.template` files (the nginx service's environment); `None`: templates are
    /// parsed as written.
    pub template_env: Option<HashMap<String, String>>,
    pub envsubst_mode: EnvsubstMode,
}

impl IncludeOptions {
    /// nginx's own behaviour: relative paths against `prefix` (the main config's directory).
    pub fn prefix(prefix: impl Into<PathBuf>) -> Self {
        IncludeOptions { relative_to: RelativeTo::Prefix(prefix.into()), ..IncludeOptions::including_file() }
    }

    /// Relative paths against the including file's directory.
    pub fn including_file() -> Self {
        IncludeOptions {
            relative_to: RelativeTo::IncludingFile,
            max_files: 1000,
            max_depth: 16,
            template_env: None,
            envsubst_mode: EnvsubstMode::OnlyDefined,
        }
    }
}

/// How the resolver reads files: the loader implements it so that every file read is registered in
/// its file table (and gets a [`FileId`]).
pub trait IncludeFs {
    /// Reads one file. `Err` holds the reason (shown as nginx shows it: `open() "path" failed (reason)`).
    fn load(&mut self, path: &Path) -> Result<(FileId, Arc<str>), String>;

    /// Regular files matching a glob mask, sorted in byte order, at most `limit` (plus one, so that the
    /// caller can tell the limit was hit). The default walks the real file system.
    fn glob(&mut self, mask: &Path, limit: usize) -> Vec<PathBuf> {
        glob_fs(mask, limit)
    }
}

/// Any closure `FnMut(&Path) -> Result<(FileId, Arc<str>), String>` is a loader (globs on the real
/// file system).
impl<F> IncludeFs for F
where
    F: FnMut(&Path) -> Result<(FileId, Arc<str>), String>,
{
    fn load(&mut self, path: &Path) -> Result<(FileId, Arc<str>), String> {
        self(path)
    }
}

/// Substitutions made in a template, to map spans back onto its text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// (start in `text`, end in `text`, the reference's range in the template), in order.
    pub substitutions: Vec<(usize, usize, std::ops::Range<usize>)>,
}

impl Rendered {
    /// The template offset of a rendered offset (a substituted value maps onto its whole reference).
    pub fn map(&self, offset: usize, is_end: bool) -> usize {
        let i = self.substitutions.partition_point(|s| s.0 <= offset);
        let Some(i) = i.checked_sub(1) else { return offset };
        let (out_start, out_end, src) = &self.substitutions[i];
        if offset == *out_start {
            src.start
        } else if offset < *out_end {
            if is_end { src.end } else { src.start }
        } else {
            src.end + (offset - out_end)
        }
    }
}

/// Renders a template as `envsubst` does: `$NAME` and `${NAME}` (NAME: letters, digits, `_`, not
/// starting with a digit) are replaced by `lookup(NAME)`; see [`EnvsubstMode`] for unset variables.
pub fn envsubst(text: &str, lookup: &dyn Fn(&str) -> Option<String>, mode: EnvsubstMode) -> Rendered {
    let b = text.as_bytes();
    let mut out = Rendered { text: String::with_capacity(text.len()), substitutions: Vec::new() };
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        let (name_start, braced) = if b.get(i + 1) == Some(&b'{') { (i + 2, true) } else { (i + 1, false) };
        let mut j = name_start;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        let valid = j > name_start && !b[name_start].is_ascii_digit() && (!braced || b.get(j) == Some(&b'}'));
        if !valid {
            i += 1;
            continue;
        }
        let name = &text[name_start..j];
        let end = if braced { j + 1 } else { j };
        let value = match (lookup(name), mode) {
            (Some(v), _) => v,
            (None, EnvsubstMode::All) => String::new(),
            (None, EnvsubstMode::OnlyDefined) => {
                i = end;
                continue;
            }
        };
        out.text.push_str(&text[copied..i]);
        let out_start = out.text.len();
        out.text.push_str(&value);
        out.substitutions.push((out_start, out.text.len(), i..end));
        copied = end;
        i = end;
    }
    out.text.push_str(&text[copied..]);
    out
}

/// One file of a resolved configuration.
#[derive(Clone, Debug)]
pub struct ConfFile {
    pub path: PathBuf,
    /// The context its top level was parsed in.
    pub context: Context,
    pub parsed: Parsed,
    /// Set when the file was rendered as an envsubst template (spans point into the template).
    pub rendered: Option<Rendered>,
}

/// A configuration with its includes resolved: `files[0]` is the root; each `include` directive lists
/// the files it pulled in ([`Directive::includes`], indices into `files`).
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub files: Vec<ConfFile>,
    /// Include problems (missing file, cycle, limits). Syntax errors are in each file's `parsed.errors`.
    pub errors: Vec<ParseError>,
}

impl Config {
    /// The root file's top-level directives.
    pub fn root(&self) -> &[Directive] {
        self.files.first().map_or(&[], |f| &f.parsed.directives)
    }

    /// The directives an `include` pulled in, file after file.
    pub fn included<'a>(&'a self, include: &'a Directive) -> impl Iterator<Item = &'a Directive> + 'a {
        include.includes.iter().filter_map(|&i| self.files.get(i)).flat_map(|f| f.parsed.directives.iter())
    }

    /// Every error: syntax errors of every file, then include errors.
    pub fn all_errors(&self) -> impl Iterator<Item = &ParseError> {
        self.files.iter().flat_map(|f| f.parsed.errors.iter()).chain(self.errors.iter())
    }
}

/// Reads `path` (top level in `ctx`) and every file it includes.
pub fn resolve(fs: &mut dyn IncludeFs, path: &Path, ctx: Context, opts: &IncludeOptions) -> Config {
    let mut r = Resolver { fs, opts, config: Config::default(), cache: HashMap::new(), chain: Vec::new(), loads: 0 };
    match r.fs.load(path) {
        Ok((id, text)) => {
            r.loads = 1;
            r.file(path, id, &text, ctx);
        }
        Err(reason) => r.config.errors.push(ParseError {
            kind: ErrorKind::Include,
            span: Span::default(),
            message: format!("open() \"{}\" failed ({reason})", path.display()),
            hint: None,
        }),
    }
    r.config
}

struct Resolver<'a> {
    fs: &'a mut dyn IncludeFs,
    opts: &'a IncludeOptions,
    config: Config,
    /// (path, context) → index in `config.files`.
    cache: HashMap<(PathBuf, Context), usize>,
    /// The files being resolved, outermost first.
    chain: Vec<PathBuf>,
    loads: usize,
}

impl Resolver<'_> {
    fn error(&mut self, span: Span, message: String) {
        self.config.errors.push(ParseError { kind: ErrorKind::Include, span, message, hint: None });
    }

    /// Parses a file read as `id` and resolves its includes; returns its index.
    fn file(&mut self, path: &Path, id: FileId, text: &str, ctx: Context) -> usize {
        let idx = self.config.files.len();
        let is_template = path.extension().is_some_and(|e| e == "template");
        let rendered = match (&self.opts.template_env, is_template) {
            (Some(env), true) => Some(envsubst(text, &|n| env.get(n).cloned(), self.opts.envsubst_mode)),
            _ => None,
        };
        let mut parsed = match &rendered {
            Some(r) => {
                let mut p = parse_in(id, &r.text, ctx);
                remap(&mut p, r);
                p
            }
            None => parse_in(id, text, ctx),
        };
        self.config.files.push(ConfFile {
            path: path.to_path_buf(),
            context: ctx,
            parsed: Parsed::default(),
            rendered,
        });
        self.cache.insert((path.to_path_buf(), ctx), idx);
        self.chain.push(path.to_path_buf());
        self.walk(&mut parsed.directives, ctx, path, 0);
        self.chain.pop();
        if let Some(f) = self.config.files.get_mut(idx) {
            f.parsed = parsed;
        }
        idx
    }

    fn walk(&mut self, dirs: &mut [Directive], ctx: Context, path: &Path, depth: usize) {
        for d in dirs.iter_mut() {
            if d.is("include") && d.block.is_none() {
                self.include(d, ctx, path);
            } else if d.block.is_some() && depth < super::parse::MAX_DEPTH {
                let child = match table::spec_in(&d.name.value, ctx) {
                    Some(spec) if ctx.is_checked() => table::child_context(spec, &d.name.value, ctx),
                    _ if ctx == Context::Data => Context::Data,
                    _ => Context::Unknown,
                };
                if let Some(b) = d.block.as_mut() {
                    self.walk(&mut b.children, child, path, depth + 1);
                }
            }
        }
    }

    fn include(&mut self, d: &mut Directive, ctx: Context, from: &Path) {
        let Some(arg) = d.args.first() else { return };
        let span = arg.span;
        let value = arg.value.clone();
        if value.is_empty() {
            return;
        }
        if self.chain.len() > self.opts.max_depth {
            return self.error(span, format!("includes nested deeper than {} files", self.opts.max_depth));
        }
        let base = match &self.opts.relative_to {
            RelativeTo::Prefix(p) => p.clone(),
            RelativeTo::IncludingFile => from.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let full = normalize(&base.join(&value));
        let paths = if value.contains(['*', '?', '[']) {
            let left = self.opts.max_files.saturating_sub(self.loads);
            let mut found = self.fs.glob(&full, left);
            if found.len() > left {
                self.error(span, format!("\"{value}\" matches more files than the limit of {}", self.opts.max_files));
                found.truncate(left);
            }
            found
        } else {
            vec![full]
        };
        for p in paths {
            if self.chain.contains(&p) {
                self.error(span, format!("include cycle: \"{}\" includes itself", p.display()));
                continue;
            }
            if let Some(&idx) = self.cache.get(&(p.clone(), ctx)) {
                d.includes.push(idx);
                continue;
            }
            if self.loads >= self.opts.max_files {
                return self.error(span, format!("more than {} files included", self.opts.max_files));
            }
            self.loads += 1;
            match self.fs.load(&p) {
                Ok((id, text)) => {
                    let idx = self.file(&p, id, &text, ctx);
                    d.includes.push(idx);
                }
                Err(reason) => self.error(span, format!("open() \"{}\" failed ({reason})", p.display())),
            }
        }
    }
}

/// Lexical `.`/`..` removal (no file system access; symlinks are not followed).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Maps every span of a parsed template back onto the template text.
fn remap(p: &mut Parsed, r: &Rendered) {
    if r.substitutions.is_empty() {
        return;
    }
    let m = |s: &mut Span| {
        let start = r.map(s.start as usize, false);
        let end = r.map(s.end as usize, true).max(start);
        *s = Span::new(s.file, start, end);
    };
    for c in &mut p.comments {
        m(c);
    }
    for e in &mut p.errors {
        m(&mut e.span);
        if let Some((h, _)) = e.hint.as_mut() {
            m(h);
        }
    }
    let mut stack: Vec<&mut Directive> = p.directives.iter_mut().collect();
    while let Some(d) = stack.pop() {
        m(&mut d.span);
        m(&mut d.name.span);
        for a in &mut d.args {
            m(&mut a.span);
        }
        if let Some(b) = d.block.as_mut() {
            m(&mut b.span);
            if let Some(raw) = b.raw.as_mut() {
                m(raw);
            }
            stack.extend(b.children.iter_mut());
        }
    }
}

/// glob(3) on the real file system, one path component at a time.
pub fn glob_fs(mask: &Path, limit: usize) -> Vec<PathBuf> {
    let mut current: Vec<PathBuf> = vec![PathBuf::new()];
    let comps: Vec<Component> = mask.components().collect();
    for (i, c) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        let part = c.as_os_str().to_string_lossy();
        let is_pattern = matches!(c, Component::Normal(_)) && part.contains(['*', '?', '[']);
        let mut next = Vec::new();
        for dir in &current {
            if !is_pattern {
                next.push(dir.join(c.as_os_str()));
                continue;
            }
            let Ok(matcher) = globset::GlobBuilder::new(&part).literal_separator(true).backslash_escape(true).build()
            else {
                continue;
            };
            let matcher = matcher.compile_matcher();
            let read_from = if dir.as_os_str().is_empty() { Path::new(".") } else { dir.as_path() };
            let Ok(rd) = std::fs::read_dir(read_from) else { continue };
            for entry in rd.filter_map(Result::ok) {
                let name = entry.file_name();
                let n = name.to_string_lossy();
                if n.starts_with('.') && !part.starts_with('.') {
                    continue;
                }
                if matcher.is_match(n.as_ref()) {
                    next.push(dir.join(&name));
                }
                if next.len() > limit.saturating_mul(4).max(4096) {
                    break;
                }
            }
        }
        if last {
            next.retain(|p| p.is_file());
        } else if is_pattern {
            next.retain(|p| p.is_dir());
        }
        current = next;
        if current.is_empty() {
            break;
        }
    }
    current.sort_by(|a, b| a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes()));
    current.truncate(limit.saturating_add(1));
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envsubst_only_defined_keeps_nginx_variables() {
        let env = |n: &str| (n == "PORT").then(|| "8080".to_owned());
        let r = envsubst("listen ${PORT}; return 200 $host$PORT ${DOMIAN};", &env, EnvsubstMode::OnlyDefined);
        assert_eq!(r.text, "listen 8080; return 200 $host8080 ${DOMIAN};");
        // `8080` (7..11) maps onto `${PORT}` (7..14)
        assert_eq!(r.map(7, false), 7);
        assert_eq!(r.map(11, true), 14);
        assert_eq!(r.map(12, false), 15);
        let all = envsubst("a $X b", &|_| None, EnvsubstMode::All);
        assert_eq!(all.text, "a  b");
    }

    #[test]
    fn normalize_paths() {
        assert_eq!(
            normalize(Path::new("/etc/nginx/conf.d/../snippets/./a.conf")),
            PathBuf::from("/etc/nginx/snippets/a.conf")
        );
    }
}
