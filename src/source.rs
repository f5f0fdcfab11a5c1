//! The file table: every file stackcheck read, addressed by [`FileId`], and byte spans into it.
//!
//! Byte offsets are the truth everywhere; line and column are computed on demand from a
//! [`LineIndex`] that is built once per file, and only when output needs it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Index into the [`SourceDb`] file table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct FileId(pub u32);

/// A byte range `start..end` in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span { file, start: clamp_u32(start), end: clamp_u32(end.max(start)) }
    }

    /// An empty span at the start of a file: used for findings about a whole file.
    pub fn file_start(file: FileId) -> Self {
        Span { file, start: 0, end: 0 }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// A sub-span `rel` (relative to this span's start), clamped to this span.
    pub fn sub(&self, rel_start: usize, rel_end: usize) -> Span {
        let start = (self.start as usize + rel_start).min(self.end as usize);
        let end = (self.start as usize + rel_end).min(self.end as usize).max(start);
        Span::new(self.file, start, end)
    }

    /// The smallest span covering both (same file assumed; otherwise `self`).
    pub fn cover(&self, other: Span) -> Span {
        if other.file != self.file {
            return *self;
        }
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

fn clamp_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// A value with the span it was written at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// Start offsets of every line, for offset → (line, column) conversion.
#[derive(Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0u32];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| clamp_u32(i + 1)));
        LineIndex { starts }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, text: &str, offset: u32) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0) as usize;
        let end = (offset as usize).min(text.len());
        let col = text.get(start..end).map_or(end.saturating_sub(start), |s| s.chars().count());
        (clamp_u32(line + 1), clamp_u32(col + 1))
    }

    /// 0-based line number of a byte offset.
    pub fn line_of(&self, offset: u32) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    /// Byte range of a 0-based line, without its line terminator.
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.starts.get(line).map_or(text.len(), |&s| s as usize);
        let mut end = self.starts.get(line + 1).map_or(text.len(), |&s| s as usize);
        let bytes = text.as_bytes();
        while end > start && matches!(bytes.get(end - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        start..end
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// What kind of file this is, as discovery or a reference decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Compose,
    Env,
    EnvTemplate,
    Nginx,
    Caddyfile,
    Traefik,
    Dockerfile,
    /// DNS records (zone file, or the config's inline records): `;` comments.
    Zone,
    Other,
}

/// One file as read from disk. `text` is empty when the file could not be read.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as given or discovered (relative to the working directory when possible).
    pub path: PathBuf,
    pub text: Arc<str>,
    pub kind: FileKind,
    line_index: OnceLock<LineIndex>,
}

impl SourceFile {
    pub fn line_index(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }

    pub fn display_path(&self) -> String {
        self.path.to_string_lossy().replace('\\', "/")
    }
}

/// The table of every file loaded in one run.
#[derive(Debug, Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
}

impl SourceDb {
    pub fn add(&mut self, path: PathBuf, text: Arc<str>, kind: FileKind) -> FileId {
        let id = FileId(clamp_u32(self.files.len()));
        self.files.push(SourceFile { path, text, kind, line_index: OnceLock::new() });
        id
    }

    /// Replaces the text of a file added earlier (files are registered first, read in parallel, then filled).
    pub fn set_text(&mut self, id: FileId, text: Arc<str>) {
        if let Some(f) = self.files.get_mut(id.0 as usize) {
            f.text = text;
            f.line_index = OnceLock::new();
        }
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn path(&self, id: FileId) -> &Path {
        self.get(id).map_or(Path::new("<unknown>"), |f| f.path.as_path())
    }

    pub fn text(&self, id: FileId) -> &str {
        self.get(id).map_or("", |f| &f.text)
    }

    /// The text a span covers ("" when out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.text(span.file).get(span.range()).unwrap_or("")
    }

    /// A file by path (linear: used for error reporting only).
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files.iter().position(|f| f.path == path).map(|i| FileId(clamp_u32(i)))
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(clamp_u32(i)), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// 1-based (line, column) of a byte offset.
    pub fn line_col(&self, file: FileId, offset: u32) -> (u32, u32) {
        self.get(file).map_or((1, 1), |f| f.line_index().line_col(&f.text, offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "a: 1\ncafé: x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), (1, 1));
        assert_eq!(idx.line_col(text, 5), (2, 1));
        // byte offset of `x`: "café: " is 7 bytes (é is 2), so x is at 5 + 7 = 12
        assert_eq!(&text[12..13], "x");
        assert_eq!(idx.line_col(text, 12), (2, 7));
        assert_eq!(idx.line_range(text, 1), 5..13);
        assert_eq!(&text[5..13], "café: x");
    }

    #[test]
    fn span_sub_is_clamped() {
        let s = Span::new(FileId(0), 10, 20);
        assert_eq!(s.sub(2, 5), Span::new(FileId(0), 12, 15));
        assert_eq!(s.sub(8, 50), Span::new(FileId(0), 18, 20));
    }
}
