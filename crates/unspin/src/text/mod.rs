//! Segmentation of the canonical text into paragraphs, sentences and tokens, each with byte and
//! code-point offsets.
//!
//! The text is never rewritten: segments are ranges into it, so every later stage can point back
//! at the exact words. Sentence splitting is rule-based (news text is punctuated carefully, and a
//! statistical splitter would need a model and training data of its own); its hard cases are
//! pinned by the table in `tests/suite/sentences.rs`. [`language`] says which language a text is in.

pub mod language;

use crate::assets::{self, Words};
use crate::span::{CharIndex, Span};
use compact_str::CompactString;
use std::ops::Range;
use std::sync::LazyLock;
use unicode_segmentation::UnicodeSegmentation;

/// A paragraph: a run of non-blank lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    pub bytes: Range<usize>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub bytes: Range<usize>,
    pub span: Span,
    pub paragraph: usize,
    /// Indices into [`Analyzed::tokens`].
    pub tokens: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    Number,
    Punct,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub bytes: Range<usize>,
    pub span: Span,
    pub kind: TokenKind,
    pub sentence: usize,
    /// Lower-cased form with typographic apostrophes folded to `'`, for lexicon lookups.
    /// Inline up to 24 bytes, so most words cost no allocation.
    pub norm: CompactString,
}

/// The canonical text with its segmentation.
#[derive(Debug, Clone)]
pub struct Analyzed<'t> {
    pub text: &'t str,
    pub paragraphs: Vec<Paragraph>,
    pub sentences: Vec<Sentence>,
    pub tokens: Vec<Token>,
    pub index: CharIndex<'t>,
}

impl<'t> Analyzed<'t> {
    pub fn new(text: &'t str) -> Analyzed<'t> {
        let index = CharIndex::new(text);
        let mut paragraphs = Vec::new();
        let mut sentences = Vec::new();
        let mut tokens = Vec::new();
        // Sentences and tokens come in text order, so one forward cursor converts their offsets
        // to code points in a single pass.
        let mut cursor = Cursor::default();
        for para in paragraph_ranges(text) {
            let p = paragraphs.len();
            paragraphs.push(Paragraph {
                span: index.span(para.clone()),
                bytes: para.clone(),
            });
            for unit in line_units(text, para) {
                for sent in split_unit(text, unit) {
                    let s = sentences.len();
                    let first = tokens.len();
                    let start = cursor.to(text, sent.start);
                    tokenize(text, sent.clone(), s, &mut cursor, &mut tokens);
                    let end = cursor.to(text, sent.end);
                    sentences.push(Sentence {
                        span: Span::new(start, end),
                        bytes: sent,
                        paragraph: p,
                        tokens: first..tokens.len(),
                    });
                }
            }
        }
        Analyzed {
            text,
            paragraphs,
            sentences,
            tokens,
            index,
        }
    }

    pub fn sentence_text(&self, i: usize) -> &'t str {
        &self.text[self.sentences[i].bytes.clone()]
    }

    pub fn sentence_tokens(&self, i: usize) -> &[Token] {
        &self.tokens[self.sentences[i].tokens.clone()]
    }

    pub fn span(&self, bytes: Range<usize>) -> Span {
        self.index.span(bytes)
    }
}

/// Splits into paragraphs at blank lines; each range is trimmed of surrounding whitespace.
fn paragraph_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let blank = line.trim().is_empty();
        if blank {
            if let Some(s) = start.take() {
                out.push(s..end);
            }
        } else {
            let lead = line.len() - line.trim_start().len();
            if start.is_none() {
                start = Some(pos + lead);
            }
            end = pos + line.trim_end().len();
        }
        pos += line.len();
    }
    if let Some(s) = start {
        out.push(s..end);
    }
    out
}

/// Splits a paragraph into lines that can hold sentences. A line break ends a sentence (headlines,
/// list items, datelines have no final punctuation) unless the next line continues in lower case,
/// which is what hard-wrapped prose looks like.
fn line_units(text: &str, para: Range<usize>) -> Vec<Range<usize>> {
    let mut units: Vec<Range<usize>> = Vec::new();
    let mut pos = para.start;
    for line in text[para.clone()].split_inclusive('\n') {
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            let lead = line.len() - line.trim_start().len();
            let range = pos + lead..pos + lead + trimmed.len();
            let continues = trimmed.chars().next().is_some_and(char::is_lowercase);
            match units.last_mut() {
                Some(prev) if continues && !ends_terminal(&text[prev.clone()]) => {
                    prev.end = range.end
                }
                _ => units.push(range),
            }
        }
        pos += line.len();
    }
    units
}

fn ends_terminal(s: &str) -> bool {
    s.trim_end_matches(is_closer)
        .ends_with(['.', '!', '?', '…', ':'])
}

fn is_terminal(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…' | '‽')
}

fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | '»' | '›' | ')' | ']' | '}' | '*' | '_'
    )
}

/// The word lists sentence splitting reads (`assets/lang/<code>/segmentation/`).
struct Lists {
    /// Titles before a name: a period after them never ends a sentence.
    titles: Words,
    /// Abbreviations normally followed by a number ("Jan. 5", "No. 10", "p. 34").
    before_number: Words,
    /// Abbreviations that end a sentence only when a typical sentence opener follows.
    ambiguous: Words,
    /// Words that typically open a sentence; after an ambiguous abbreviation they decide.
    openers: Words,
}

/// English segmentation, parsed once.
static ENGLISH: LazyLock<Lists> = LazyLock::new(|| {
    let l = &assets::EN;
    Lists {
        titles: l.words("segmentation/titles.txt"),
        before_number: l.words("segmentation/before_number.txt"),
        ambiguous: l.words("segmentation/ambiguous_abbreviations.txt"),
        openers: l.words("segmentation/sentence_openers.txt"),
    }
});

/// Splits one line unit into sentence ranges, trimmed.
fn split_unit(text: &str, unit: Range<usize>) -> Vec<Range<usize>> {
    let s = &text[unit.clone()];
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !is_terminal(c) {
            continue;
        }
        // The run of terminal marks, then closing quotes and brackets, belong to this sentence.
        let mut j = i + c.len_utf8();
        while let Some(&(k, d)) = chars.peek() {
            if is_terminal(d) || is_closer(d) {
                j = k + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let rest = &s[j..];
        let after_ws = rest.trim_start();
        if after_ws.len() == rest.len() || after_ws.is_empty() {
            // No whitespace after the mark ("3.14", "U.S.-led", "example.com") or end of unit.
            continue;
        }
        let next_start = s.len() - after_ws.len();
        if ends_sentence(s, start, i, &s[i..j], after_ws) {
            push_trimmed(&mut out, unit.start, s, start..j);
            start = next_start;
        }
    }
    push_trimmed(&mut out, unit.start, s, start..s.len());
    out
}

fn push_trimmed(out: &mut Vec<Range<usize>>, base: usize, s: &str, r: Range<usize>) {
    let piece = &s[r.clone()];
    let trimmed = piece.trim();
    if trimmed.is_empty() {
        return;
    }
    let lead = piece.len() - piece.trim_start().len();
    let start = base + r.start + lead;
    out.push(start..start + trimmed.len());
}

/// Decides whether the terminal marks at `mark_at` (the run `marks`) end the sentence that began
/// at `sent_start`, given the text after the following whitespace.
fn ends_sentence(s: &str, sent_start: usize, mark_at: usize, marks: &str, next: &str) -> bool {
    let Some(nc) = next.chars().next() else {
        return true;
    };
    if nc.is_lowercase() {
        return false;
    }
    let next_word: String = next
        .chars()
        .skip_while(|c| !c.is_alphanumeric())
        .take_while(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    let lists = &*ENGLISH;
    let opener = lists.openers.contains(&next_word);
    if !marks.starts_with('.') || marks.starts_with("..") {
        // '!', '?', ellipses: a capitalised continuation starts a new sentence.
        return true;
    }
    // A single period: look at the word it closes.
    let before = &s[sent_start..mark_at];
    let word_start = before
        .rfind(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '"' | '“' | '‘' | '\''))
        .map_or(0, |p| {
            p + before[p..].chars().next().map_or(1, char::len_utf8)
        });
    let word = &before[word_start..];
    if word.is_empty() {
        return true;
    }
    let lower = word.to_lowercase();
    if lists.titles.contains(&lower) {
        return false;
    }
    if lists.before_number.contains(&lower) {
        return !nc.is_ascii_digit();
    }
    if lower == "e.g" || lower == "i.e" || lower == "viz" {
        return false;
    }
    let mut wchars = word.chars();
    let single_initial =
        matches!((wchars.next(), wchars.next()), (Some(c), None) if c.is_uppercase());
    let dotted = word.contains('.') && word.chars().any(char::is_alphabetic);
    if single_initial || dotted || lists.ambiguous.contains(&lower) {
        return opener;
    }
    // "1. First item" at the start of a line is a list marker, not a sentence.
    if word_start == 0 && sent_start == 0 && word.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    true
}

/// Byte → code-point conversion for offsets visited in increasing order.
#[derive(Debug, Default)]
struct Cursor {
    byte: usize,
    char: usize,
}

impl Cursor {
    fn to(&mut self, text: &str, byte: usize) -> usize {
        debug_assert!(byte >= self.byte, "cursor moves forward only");
        self.char += text.as_bytes()[self.byte..byte]
            .iter()
            .filter(|b| (**b as i8) >= -0x40)
            .count();
        self.byte = byte;
        self.char
    }
}

fn tokenize(
    text: &str,
    sent: Range<usize>,
    sentence: usize,
    cursor: &mut Cursor,
    out: &mut Vec<Token>,
) {
    let sentence_text = &text[sent.clone()];
    let pieces: Box<dyn Iterator<Item = (usize, &str)>> = if is_simple(sentence_text) {
        Box::new(simple_word_bounds(sentence_text))
    } else {
        Box::new(sentence_text.split_word_bound_indices())
    };
    for (off, piece) in pieces {
        if piece.chars().all(char::is_whitespace) {
            continue;
        }
        let kind = if piece.chars().next().is_some_and(|c| c.is_numeric()) {
            TokenKind::Number
        } else if piece.chars().any(char::is_alphanumeric) {
            TokenKind::Word
        } else {
            TokenKind::Punct
        };
        let bytes = sent.start + off..sent.start + off + piece.len();
        let norm = if piece.is_ascii() {
            let mut n = CompactString::new(piece);
            n.make_ascii_lowercase();
            n
        } else {
            CompactString::from(piece.to_lowercase().replace(['’', '‘'], "'"))
        };
        let span = Span::new(cursor.to(text, bytes.start), cursor.to(text, bytes.end));
        out.push(Token {
            span,
            bytes,
            kind,
            sentence,
            norm,
        });
    }
}

/// Typographic punctuation common in news text that the fast path below segments itself:
/// curly quotes, dashes and the ellipsis. In UAX #29 the single curly quotes are MidNumLet (like
/// `.`) and the rest are Other (each stands alone).
const TYPOGRAPHIC: [char; 7] = ['‘', '’', '“', '”', '–', '—', '…'];

/// Whether [`simple_word_bounds`] segments `s` exactly as UAX #29 does.
pub fn is_simple(s: &str) -> bool {
    s.is_ascii() || s.chars().all(|c| c.is_ascii() || TYPOGRAPHIC.contains(&c))
}

/// UAX #29 word boundaries for ASCII text with typographic quotes and dashes, which is most
/// news text: the same segments as `split_word_bound_indices` (a property test holds them
/// equal) without its per-character table lookups. Letters and digits join, with `_` between
/// them; `.`, `'`, `‘`, `’` and `:` join letters on both sides; `.`, `'`, `‘`, `’`, `,` and `;`
/// join digits on both sides; spaces run together; every other character stands alone.
/// Only for text where [`is_simple`] holds.
pub fn simple_word_bounds(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= b.len() {
            return None;
        }
        let start = i;
        let c = b[i];
        let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        if word(c) {
            i += 1;
            loop {
                if i < b.len() && word(b[i]) {
                    i += 1;
                    continue;
                }
                // A middle character: one ASCII byte, or a curly single quote (3 bytes).
                let (mid, width) = match b.get(i) {
                    Some(&m) if m.is_ascii() => (m, 1),
                    Some(0xE2) if matches!(b.get(i + 1..i + 3), Some([0x80, 0x98 | 0x99])) => {
                        (b'.', 3)
                    }
                    _ => break,
                };
                if let Some(&next) = b.get(i + width) {
                    let prev = b[i - 1];
                    let letters = prev.is_ascii_alphabetic()
                        && next.is_ascii_alphabetic()
                        && matches!(mid, b'.' | b'\'' | b':');
                    let digits = prev.is_ascii_digit()
                        && next.is_ascii_digit()
                        && matches!(mid, b'.' | b'\'' | b',' | b';');
                    if letters || digits {
                        i += width + 1;
                        continue;
                    }
                }
                break;
            }
        } else if c == b' ' {
            while i < b.len() && b[i] == b' ' {
                i += 1;
            }
        } else if c == b'\r' && b.get(i + 1) == Some(&b'\n') {
            i += 2;
        } else {
            i += s[i..].chars().next().map_or(1, char::len_utf8);
        }
        Some((start, &s[start..i]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::slice_chars;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn simple_bounds_equal_uax29(s in "[a-zA-Z0-9 .,;:'_\\-!?\"()\\r\\n\\t$%‘’“”–—…]{0,60}") {
            prop_assert!(is_simple(&s));
            let ours: Vec<(usize, &str)> = simple_word_bounds(&s).collect();
            let uax: Vec<(usize, &str)> = s.split_word_bound_indices().collect();
            prop_assert_eq!(ours, uax);
        }
    }

    #[test]
    fn offsets_slice_back_to_segments() {
        let text = "Héllo “world”. It’s 3.5 km!\n\nSecond paragraph — here";
        let a = Analyzed::new(text);
        assert_eq!(a.paragraphs.len(), 2);
        assert_eq!(a.sentences.len(), 3);
        for s in &a.sentences {
            assert_eq!(slice_chars(text, s.span), Some(&text[s.bytes.clone()]));
        }
        for t in &a.tokens {
            assert_eq!(slice_chars(text, t.span), Some(&text[t.bytes.clone()]));
        }
        let words: Vec<&str> = a
            .sentence_tokens(1)
            .iter()
            .map(|t| &text[t.bytes.clone()])
            .collect();
        assert_eq!(words, ["It’s", "3.5", "km", "!"]);
        assert_eq!(a.tokens[a.sentences[1].tokens.start].norm, "it's");
    }

    #[test]
    fn empty_and_blank_texts_have_no_segments() {
        for t in ["", "   ", "\n\n\t\n"] {
            let a = Analyzed::new(t);
            assert!(a.paragraphs.is_empty() && a.sentences.is_empty() && a.tokens.is_empty());
        }
    }
}
