//! [`Word`]: the value of a directive name or argument. Most words of a configuration are short
//! (`proxy_set_header`, `$host`, `on`, `443`): up to [`INLINE`] bytes are kept in the word itself, longer
//! ones in one heap string. A 5 MB configuration holds some 350,000 words: allocating (and later
//! freeing) one string each was the largest single cost of parsing it.

use std::fmt;
use std::ops::Deref;

/// The longest word kept inline (the enum stays the size of a `String`: 24 bytes).
pub const INLINE: usize = 22;

#[derive(Clone)]
pub struct Word(Repr);

#[derive(Clone)]
enum Repr {
    /// `bytes[..len]` is the text: always valid UTF-8, a copy of a `&str` cut at char boundaries.
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    Heap(Box<str>),
}

impl Word {
    pub fn new(s: &str) -> Self {
        if s.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Word(Repr::Inline { len: s.len() as u8, bytes })
        } else {
            Word(Repr::Heap(s.into()))
        }
    }

    /// The length in bytes (without the UTF-8 check of [`Word::as_str`]).
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Inline { len, .. } => *len as usize,
            Repr::Heap(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Always valid (see `Repr::Inline`): the fallback is never taken.
            Repr::Inline { len, bytes } => std::str::from_utf8(&bytes[..*len as usize]).unwrap_or_default(),
            Repr::Heap(s) => s,
        }
    }
}

impl Default for Word {
    fn default() -> Self {
        Word(Repr::Inline { len: 0, bytes: [0; INLINE] })
    }
}

impl From<&str> for Word {
    fn from(s: &str) -> Self {
        Word::new(s)
    }
}

impl From<String> for Word {
    fn from(s: String) -> Self {
        if s.len() <= INLINE { Word::new(&s) } else { Word(Repr::Heap(s.into_boxed_str())) }
    }
}

impl From<Word> for String {
    fn from(w: Word) -> Self {
        match w.0 {
            Repr::Heap(s) => s.into_string(),
            Repr::Inline { .. } => w.as_str().to_owned(),
        }
    }
}

impl Deref for Word {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Word {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<std::path::Path> for Word {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(self.as_str())
    }
}

impl std::borrow::Borrow<str> for Word {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Word {
    fn eq(&self, other: &Word) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Word {}

impl std::hash::Hash for Word {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for Word {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Word {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Word {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Word> for str {
    fn eq(&self, other: &Word) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Word> for &str {
    fn eq(&self, other: &Word) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Word> for String {
    fn eq(&self, other: &Word) -> bool {
        self == other.as_str()
    }
}

impl fmt::Debug for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_words_read_back_as_written() {
        for s in ["", "a", "proxy_set_header", "é€😀 multi-byte", &"x".repeat(INLINE), &"y".repeat(INLINE + 1)] {
            let w = Word::new(s);
            assert_eq!(w.as_str(), s);
            assert_eq!(w, s);
            assert_eq!(Word::from(s.to_owned()), w);
            assert_eq!(String::from(w.clone()), s);
            assert_eq!(format!("{w:?}"), format!("{s:?}"));
            assert_eq!(w.to_string(), s);
            assert_eq!(w.len(), s.len());
        }
        assert!(matches!(Word::new(&"x".repeat(INLINE)).0, Repr::Inline { .. }));
        assert!(matches!(Word::new(&"x".repeat(INLINE + 1)).0, Repr::Heap(_)));
        assert_eq!(std::mem::size_of::<Word>(), std::mem::size_of::<String>());
    }
}
