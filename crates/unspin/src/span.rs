//! The one span type of the report, and the conversion from the byte ranges the pipeline works in.
//!
//! Rust slices strings by byte, but the report speaks Unicode code points (the PTC convention), so
//! that a span means the same thing to a Python or JavaScript reader as to us. Every stage keeps
//! byte ranges internally and converts exactly once, at the edge, through [`CharIndex`].

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// A half-open range of Unicode code points into the canonical text: `text[start..end]` in code
/// points, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end, "span start {start} > end {end}");
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Whether the two spans share at least one code point.
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn contains(&self, other: &Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// Maps byte offsets of a text to code-point offsets.
///
/// It stores one checkpoint every `STRIDE` bytes instead of a table per byte, so a 20 MB article
/// costs about 1 MB of index rather than 160 MB, and a lookup counts at most `STRIDE` bytes.
#[derive(Debug, Clone)]
pub struct CharIndex<'t> {
    text: &'t str,
    /// `checkpoints[i]` = number of code points in `text[..i * STRIDE]` (rounded down to a char
    /// boundary, see `checkpoint_byte`).
    checkpoints: Vec<(usize, usize)>,
}

const STRIDE: usize = 256;

impl<'t> CharIndex<'t> {
    pub fn new(text: &'t str) -> CharIndex<'t> {
        let mut checkpoints = Vec::with_capacity(text.len() / STRIDE + 1);
        let mut next = 0usize;
        for (chars, (byte, _)) in text.char_indices().enumerate() {
            if byte >= next {
                checkpoints.push((byte, chars));
                next = byte + STRIDE;
            }
        }
        if checkpoints.is_empty() {
            checkpoints.push((0, 0));
        }
        CharIndex { text, checkpoints }
    }

    /// Code-point offset of a byte offset that lies on a char boundary (or at the end).
    pub fn char_at(&self, byte: usize) -> usize {
        let byte = byte.min(self.text.len());
        let i = match self.checkpoints.binary_search_by_key(&byte, |c| c.0) {
            Ok(i) => return self.checkpoints[i].1,
            Err(i) => i.saturating_sub(1),
        };
        let (cb, cc) = self.checkpoints[i];
        // A byte offset inside a char is a caller bug; count only complete chars before it.
        cc + self.text.as_bytes()[cb..byte]
            .iter()
            .filter(|b| (**b as i8) >= -0x40)
            .count()
    }

    /// Byte offset of a code-point offset (the text's length at or past its end): the inverse
    /// of [`CharIndex::char_at`], at most `STRIDE` bytes counted per lookup.
    pub fn byte_at(&self, char: usize) -> usize {
        let i = match self.checkpoints.binary_search_by_key(&char, |c| c.1) {
            Ok(i) => return self.checkpoints[i].0,
            Err(i) => i.saturating_sub(1),
        };
        let (cb, cc) = self.checkpoints[i];
        self.text[cb..]
            .char_indices()
            .nth(char.saturating_sub(cc))
            .map_or(self.text.len(), |(b, _)| cb + b)
    }

    pub fn span(&self, bytes: Range<usize>) -> Span {
        let start = self.char_at(bytes.start);
        let end = if bytes.end == bytes.start {
            start
        } else {
            self.char_at(bytes.end)
        };
        Span::new(start, end)
    }
}

/// Slice `text` by a code-point span. Returns `None` when the span does not fit the text.
pub fn slice_chars(text: &str, span: Span) -> Option<&str> {
    if span.start > span.end {
        return None;
    }
    let mut it = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()));
    let start = it.nth(span.start)?;
    let end = if span.is_empty() {
        start
    } else {
        it.nth(span.len() - 1)?
    };
    Some(&text[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_at_inverts_char_at() {
        let text = "aé“b”c".repeat(200);
        let idx = CharIndex::new(&text);
        for (chars, (byte, _)) in text.char_indices().enumerate() {
            assert_eq!(idx.byte_at(chars), byte);
            assert_eq!(idx.char_at(byte), chars);
        }
        let n = text.chars().count();
        assert_eq!(idx.byte_at(n), text.len());
        assert_eq!(idx.byte_at(n + 5), text.len());
    }

    #[test]
    fn char_index_counts_code_points_not_bytes() {
        let text = "‘accidental’ US strike — café";
        let idx = CharIndex::new(text);
        let byte = text.find("US").unwrap();
        assert_eq!(idx.char_at(byte), 13);
        let s = idx.span(byte..byte + 2);
        assert_eq!(slice_chars(text, s), Some("US"));
        assert_eq!(idx.char_at(text.len()), text.chars().count());
    }

    #[test]
    fn char_index_is_exact_across_checkpoints() {
        let text: String = "añb€😀 ".repeat(500);
        let idx = CharIndex::new(&text);
        for (n, (b, _)) in text.char_indices().enumerate() {
            assert_eq!(idx.char_at(b), n);
        }
    }

    #[test]
    fn slice_chars_rejects_out_of_range() {
        assert_eq!(slice_chars("abc", Span::new(1, 3)), Some("bc"));
        assert_eq!(slice_chars("abc", Span::new(3, 3)), Some(""));
        assert_eq!(slice_chars("abc", Span::new(2, 4)), None);
        assert_eq!(slice_chars("", Span::new(0, 0)), Some(""));
    }
}
