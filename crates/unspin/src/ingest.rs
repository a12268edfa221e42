//! Ingestion: bytes in, a [`Document`] with its canonical text out.
//!
//! The canonical text is the input text exactly (for HTML: the text the readability extractor
//! returns), and every offset the report gives indexes into it. Nothing here trims, normalises
//! or re-encodes a plain-text input: it is either valid text, or a clear error.

use crate::error::{Error, Result};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// How to read the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// HTML when the bytes look like markup, plain text otherwise.
    #[default]
    Auto,
    Text,
    Html,
}

/// Limits applied before any analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 32 * 1024 * 1024,
        }
    }
}

/// Where the text came from, and what the HTML said about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceMeta {
    /// `text` or `html`.
    pub format: String,
    pub byline: Option<String>,
    pub published: Option<String>,
    pub site: Option<String>,
    pub url: Option<String>,
    /// The charset the HTML was decoded with.
    pub charset: Option<String>,
}

/// One article ready for analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    pub id: Option<String>,
    pub title: Option<String>,
    pub text: String,
    pub meta: SourceMeta,
}

impl Document {
    /// A plain-text document, as is.
    pub fn from_text(text: impl Into<String>) -> Document {
        Document {
            text: text.into(),
            meta: SourceMeta {
                format: "text".into(),
                ..SourceMeta::default()
            },
            ..Document::default()
        }
    }

    pub fn with_title(mut self, title: Option<String>) -> Document {
        if title.is_some() {
            self.title = title;
        }
        self
    }

    /// Sets the page's URL (kept when `None`, e.g. the canonical link an HTML page gave).
    pub fn with_url(mut self, url: Option<String>) -> Document {
        if url.is_some() {
            self.meta.url = url;
        }
        self
    }

    pub fn with_id(mut self, id: Option<String>) -> Document {
        self.id = id;
        self
    }

    /// Reads raw bytes (a file, stdin) as text or HTML.
    pub fn from_bytes(bytes: &[u8], format: Format, limits: Limits) -> Result<Document> {
        if bytes.is_empty() {
            return Err(Error::Empty);
        }
        if bytes.len() as u64 > limits.max_bytes {
            return Err(Error::TooLarge {
                size: bytes.len() as u64,
                limit: limits.max_bytes,
            });
        }
        if let Some(what) = binary_signature(bytes) {
            return Err(Error::Binary { what });
        }
        let html = match format {
            Format::Html => true,
            Format::Text => false,
            Format::Auto => looks_like_html(bytes),
        };
        if html {
            let (decoded, charset) = decode_html(bytes);
            let mut doc = Document::from_html(&decoded, None)?;
            doc.meta.charset = Some(charset.to_string());
            Ok(doc)
        } else {
            Ok(Document::from_text(decode_text(bytes)?))
        }
    }

    /// Extracts the article from an HTML string with a readability-style extractor.
    pub fn from_html(html: &str, url: Option<&str>) -> Result<Document> {
        let shape = tag_shape(html);
        if shape.nesting > MAX_NESTING || shape.attributes > MAX_ATTRIBUTES {
            return flat_html(html, url);
        }
        let cfg = dom_smoothie::Config {
            text_mode: dom_smoothie::TextMode::Formatted,
            ..dom_smoothie::Config::default()
        };
        let mut reader =
            dom_smoothie::Readability::new(html, url, Some(cfg)).map_err(|_| Error::NoArticle)?;
        let article = reader.parse().map_err(|_| Error::NoArticle)?;
        let text = article.text_content.to_string();
        if !has_prose(&text) {
            return Err(Error::NoArticle);
        }
        let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        Ok(Document {
            id: None,
            title: nonempty(Some(article.title)),
            text,
            meta: SourceMeta {
                format: "html".into(),
                byline: nonempty(article.byline),
                published: nonempty(article.published_time),
                site: nonempty(article.site_name),
                url: url.map(str::to_string).or_else(|| canonical_url(html)),
                charset: None,
            },
        })
    }
}

/// Deeper element nesting than this skips the readability extractor: its tree walks recurse,
/// and 100,000 nested `<div>`s overflow a 2 MiB worker stack (and take minutes). Real pages
/// nest a few dozen deep.
pub const MAX_NESTING: usize = 1_000;

/// More attributes than this on one element skips the extractor too: the HTML tokenizer checks
/// each new attribute against the element's others, so one `<div a0 a1 …>` of 200,000
/// attributes took 25 s. Real elements carry a few dozen.
pub const MAX_ATTRIBUTES: usize = 1_000;

/// What the guard learns of a page's tags in one linear pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TagShape {
    /// The deepest element nesting.
    pub nesting: usize,
    /// The most attributes on one element (an estimate from its tokens, never an
    /// underestimate of names).
    pub attributes: usize,
}

/// The shape of a page's tags, from the tags alone (void elements, self-closing tags,
/// comments and declarations do not nest). One pass: each tag is read to its `>` and the scan
/// goes on from there, so no input makes it quadratic (`<a<a<a…` included).
pub fn tag_shape(html: &str) -> TagShape {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr",
    ];
    let b = html.as_bytes();
    let mut shape = TagShape::default();
    let (mut depth, mut i) = (0usize, 0usize);
    while let Some(off) = &b[i..].iter().position(|c| *c == b'<') {
        i += off + 1;
        if b[i..].starts_with(b"!--") {
            match html[i..].find("-->") {
                Some(end) => i += end + 3,
                None => break,
            }
            continue;
        }
        match b.get(i) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() => {
                let end = b[i..]
                    .iter()
                    .position(|c| !c.is_ascii_alphanumeric())
                    .map_or(b.len(), |p| i + p);
                let name = &html[i..end];
                let (stop, attributes) = tag_end(b, end);
                let closed = b.get(stop) == Some(&b'>');
                let self_closing = closed && stop > 0 && b[stop - 1] == b'/';
                let void = VOID.iter().any(|v| v.eq_ignore_ascii_case(name));
                if !void && !self_closing {
                    depth += 1;
                    shape.nesting = shape.nesting.max(depth);
                }
                shape.attributes = shape.attributes.max(attributes);
                i = stop;
            }
            _ => {}
        }
    }
    shape
}

/// Reads a start tag's attributes from `from` (just after its name) as the HTML tokenizer
/// does — a `>` inside a quoted value does not end the tag, a `<` is just a character — and
/// returns where the tag ends (its `>`, or the end of the input) and how many attribute names
/// it holds.
fn tag_end(b: &[u8], from: usize) -> (usize, usize) {
    #[derive(Clone, Copy, PartialEq)]
    enum At {
        Between,
        Name,
        AfterName,
        BeforeValue,
        Quoted(u8),
        Unquoted,
    }
    let mut at = At::Between;
    let mut names = 0usize;
    for (k, &c) in b[from..].iter().enumerate() {
        let space = c.is_ascii_whitespace();
        at = match (at, c) {
            (At::Quoted(q), c) if c == q => At::Between,
            (At::Quoted(q), _) => At::Quoted(q),
            (_, b'>') => return (from + k, names),
            (At::Name | At::AfterName, b'=') => At::BeforeValue,
            (At::BeforeValue, b'"' | b'\'') => At::Quoted(c),
            (At::BeforeValue, _) if space => At::BeforeValue,
            (At::BeforeValue, _) => At::Unquoted,
            (At::Unquoted, _) if space => At::Between,
            (At::Unquoted, _) => At::Unquoted,
            (At::Name, _) if space => At::AfterName,
            (At::Name, _) => At::Name,
            (At::Between | At::AfterName, _) if space || c == b'/' => at,
            (At::Between | At::AfterName, _) => {
                names += 1;
                At::Name
            }
        };
    }
    (b.len(), names)
}

/// The deepest element nesting in a page (see [`tag_shape`]).
pub fn max_nesting(html: &str) -> usize {
    tag_shape(html).nesting
}

/// A page too deeply nested, or with too many attributes on one element, for the extractor:
/// its text with the tags taken out.
fn flat_html(html: &str, url: Option<&str>) -> Result<Document> {
    static TAGS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->|<[^>]*>").expect("valid pattern"));
    let stripped = TAGS.replace_all(html, " ");
    let text = html_escape::decode_html_entities(&stripped)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if !has_prose(&text) {
        return Err(Error::NoArticle);
    }
    Ok(Document {
        id: None,
        title: None,
        text,
        meta: SourceMeta {
            format: "html".into(),
            byline: None,
            published: None,
            site: None,
            url: url.map(str::to_string).or_else(|| canonical_url(html)),
            charset: None,
        },
    })
}

/// The page's own URL: `<link rel="canonical">` or `<meta property="og:url">`, from the head.
fn canonical_url(html: &str) -> Option<String> {
    static TAG: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)<(?:link|meta)\b[^>]*\b(?:rel\s*=\s*["']?canonical|property\s*=\s*["']?og:url)[^>]*>"#)
            .expect("valid pattern")
    });
    static VALUE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?i)\b(?:href|content)\s*=\s*["']([^"'\s]+)["']"#).expect("valid pattern")
    });
    let head = &html[..html.floor_char_boundary(html.len().min(64 * 1024))];
    let tag = TAG.find(head)?;
    let url = VALUE.captures(tag.as_str())?.get(1)?.as_str();
    url.starts_with("http").then(|| url.to_string())
}

/// Readability falls back to the whole body when a page has no article, which turns a menu into
/// "text". Prose has at least one line that is a sentence or longer than a menu label.
fn has_prose(text: &str) -> bool {
    text.lines().map(str::trim).any(|l| {
        l.split_whitespace().count() > 4 || (l.ends_with(['.', '!', '?', '"', '”']) && l.len() > 3)
    })
}

/// Names a known binary format from its magic bytes, or any NUL-heavy prefix.
fn binary_signature(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"\x1f\x8b", "gzip archive"),
        (b"%PDF-", "PDF document"),
        (b"PK\x03\x04", "zip archive"),
        (b"\xff\xd8\xff", "JPEG image"),
        (b"GIF8", "GIF image"),
        (b"\x28\xb5\x2f\xfd", "zstd archive"),
        (b"\x7fELF", "ELF executable"),
    ];
    for (magic, what) in MAGIC {
        if bytes.starts_with(magic) {
            return Some(what);
        }
    }
    // UTF-16 text has NULs too, but announces itself with a BOM, which we decode.
    if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") {
        return None;
    }
    let head = &bytes[..bytes.len().min(8192)];
    let nuls = head.iter().filter(|b| **b == 0).count();
    (nuls * 10 > head.len() && nuls > 0).then_some("NUL bytes")
}

fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let t = head.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('<')
        && [
            "<html",
            "<!doctype html",
            "<body",
            "<head",
            "<article",
            "<p>",
            "<p ",
            "<div",
        ]
        .iter()
        .any(|m| t.contains(m))
}

/// Plain text: UTF-8 (a BOM is kept, it is part of the input), or UTF-16 with a BOM. Anything
/// else is an error rather than a guess, because a wrong guess would shift every offset.
fn decode_text(bytes: &[u8]) -> Result<String> {
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes)
        && enc != encoding_rs::UTF_8
    {
        let (text, _, had_errors) = enc.decode(bytes);
        if had_errors {
            return Err(Error::InvalidUtf8 { offset: 0 });
        }
        return Ok(text.into_owned());
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(Error::InvalidUtf8 {
            offset: e.valid_up_to(),
        }),
    }
}

/// HTML charset: the BOM, else a `<meta charset>` or `http-equiv` declaration in the first
/// kilobytes (the HTML prescan), else UTF-8 if it decodes cleanly, else windows-1252 as browsers do.
fn decode_html(bytes: &[u8]) -> (String, &'static str) {
    let enc = encoding_rs::Encoding::for_bom(bytes)
        .map(|(e, _)| e)
        .or_else(|| meta_charset(bytes))
        .unwrap_or_else(|| {
            if std::str::from_utf8(bytes).is_ok() {
                encoding_rs::UTF_8
            } else {
                encoding_rs::WINDOWS_1252
            }
        });
    let (text, used, _) = enc.decode(bytes);
    (text.into_owned(), used.name())
}

fn meta_charset(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(i) = rest.find("charset") {
        rest = &rest[i + "charset".len()..];
        let value = rest.trim_start().strip_prefix('=')?.trim_start();
        let value = value.trim_start_matches(['"', '\'']);
        let end = value
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == ':' || c == '.')
            })
            .unwrap_or(value.len());
        if let Some(enc) = encoding_rs::Encoding::for_label(&value.as_bytes()[..end]) {
            // A page declaring UTF-16 in ASCII is not UTF-16 (the HTML standard says so).
            if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                return Some(encoding_rs::UTF_8);
            }
            return Some(enc);
        }
    }
    None
}

/// Host of a URL without `www.`, lower case.
pub fn domain(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://").map_or(url.trim(), |(_, r)| r);
    let host = rest
        .split(['/', '?', '#'])
        .next()?
        .split('@')
        .next_back()?
        .split(':')
        .next()?;
    let host = host.to_ascii_lowercase();
    let host = host.trim_start_matches("www.").to_string();
    (!host.is_empty() && host.contains('.')).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_url_from_link_or_og_meta_and_never_relative() {
        for (html, want) in [
            (
                r#"<head><link rel="canonical" href="https://a.com/x"></head>"#,
                Some("https://a.com/x"),
            ),
            (
                r#"<head><link href='https://b.com/y' rel='canonical'/></head>"#,
                Some("https://b.com/y"),
            ),
            (
                r#"<meta property="og:url" content="http://c.org/z">"#,
                Some("http://c.org/z"),
            ),
            (r#"<link rel="canonical" href="/relative/path">"#, None),
            (
                r#"<link rel="stylesheet" href="https://d.com/s.css">"#,
                None,
            ),
            ("<p>no head at all</p>", None),
        ] {
            assert_eq!(canonical_url(html).as_deref(), want, "{html}");
        }
    }

    #[test]
    fn text_is_kept_byte_for_byte() {
        let input = "  Leading space.\r\nWindows line — ‘quotes’.\n";
        let doc = Document::from_bytes(input.as_bytes(), Format::Auto, Limits::default()).unwrap();
        assert_eq!(doc.text, input);
        assert_eq!(doc.meta.format, "text");
    }

    #[test]
    fn bad_inputs_are_named_errors() {
        let l = Limits::default();
        assert!(matches!(
            Document::from_bytes(b"", Format::Auto, l),
            Err(Error::Empty)
        ));
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(matches!(
            Document::from_bytes(png, Format::Auto, l),
            Err(Error::Binary { what: "PNG image" })
        ));
        let bad = b"caf\xe9 au lait";
        assert!(matches!(
            Document::from_bytes(bad, Format::Text, l),
            Err(Error::InvalidUtf8 { offset: 3 })
        ));
        let tiny = Limits { max_bytes: 4 };
        assert!(matches!(
            Document::from_bytes(b"hello", Format::Auto, tiny),
            Err(Error::TooLarge { size: 5, limit: 4 })
        ));
    }

    #[test]
    fn html_charset_comes_from_the_document() {
        let body = "<p>Le café était fermé depuis des années, mais personne ne savait pourquoi. Les habitants du quartier racontaient des histoires différentes chaque semaine.</p>";
        let page = format!(
            "<html><head><meta charset=\"iso-8859-1\"><title>Café</title></head><body><article>{body}{body}</article></body></html>"
        );
        let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(&page);
        let doc = Document::from_bytes(&latin1, Format::Auto, Limits::default()).unwrap();
        assert_eq!(doc.meta.format, "html");
        assert_eq!(doc.meta.charset.as_deref(), Some("windows-1252"));
        assert!(doc.text.contains("Le café était fermé"), "{:?}", doc.text);
        assert_eq!(doc.title.as_deref(), Some("Café"));
    }

    #[test]
    fn html_without_article_is_an_error() {
        let pages: &[&[u8]] = &[
            b"<html><head><title>x</title></head><body></body></html>",
            b"<html><body><nav><a href=\"/\">Home</a> <a href=\"/a\">About us</a></nav></body></html>",
            b"<html><body><script>var x = 1;</script></body></html>",
        ];
        for page in pages {
            assert!(matches!(
                Document::from_bytes(page, Format::Auto, Limits::default()),
                Err(Error::NoArticle)
            ));
        }
        let short = b"<html><body><p>The vote passed.</p></body></html>";
        let doc = Document::from_bytes(short, Format::Auto, Limits::default()).unwrap();
        assert_eq!(doc.text.trim(), "The vote passed.");
    }
}
