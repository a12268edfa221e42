//! One record of a batch: its fields (however they arrived — a JSONL line, an HTTP body, a
//! Python dict or keyword arguments), their validation into a [`Document`], and the error record
//! that stands in the output for a record that could not be analysed. Every route into a batch
//! parses records here, so they accept and refuse the same things with the same messages.

use crate::error::Error;
use crate::ingest::{Document, Limits};
use serde::Serialize;
use serde_json::Value;
use std::io::{self, BufRead};

/// An error record, the output line for an input line that could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorRecord {
    pub id: Option<String>,
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorDetail {
    pub kind: String,
    pub message: String,
    /// 1-based line number in the input.
    pub line: u64,
}

impl ErrorRecord {
    pub fn new(id: Option<String>, line: u64, err: &Error) -> ErrorRecord {
        ErrorRecord {
            id,
            error: ErrorDetail {
                kind: err.kind().to_string(),
                message: err.to_string(),
                line,
            },
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an error record always serialises")
    }
}

/// The fields of one record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub id: Option<String>,
    pub title: Option<String>,
    /// Where the article was published (for the source prior).
    pub url: Option<String>,
    /// The article as plain text, taken as is.
    pub text: Option<String>,
    /// The article as an HTML page, reduced to its text by the extractor.
    pub html: Option<String>,
}

/// A record that could not be made a document: the id when one could be read, and why.
pub type RecordError = (Option<String>, Error);

impl Record {
    /// Validates the record into a document: exactly one of `text` and `html`, within the size
    /// limit. An HTML page's canonical link stands in for a missing URL.
    pub fn into_document(self, limits: Limits) -> Result<Document, RecordError> {
        let id = self.id;
        let fail = |e: Error| (id.clone(), e);
        let fits = |len: usize| {
            if len as u64 > limits.max_bytes {
                Err(fail(Error::TooLarge {
                    size: len as u64,
                    limit: limits.max_bytes,
                }))
            } else {
                Ok(())
            }
        };
        let mut doc = match (self.text, self.html) {
            (Some(_), Some(_)) => {
                return Err(fail(Error::Record(
                    "give either \"text\" or \"html\", not both".into(),
                )));
            }
            (Some(t), None) => {
                fits(t.len())?;
                Document::from_text(t)
            }
            (None, Some(h)) => {
                fits(h.len())?;
                Document::from_html(&h, self.url.as_deref()).map_err(fail)?
            }
            (None, None) => {
                return Err(fail(Error::Record("missing \"text\" (or \"html\")".into())));
            }
        };
        if let Some(u) = self.url {
            doc.meta.url = Some(u);
        }
        Ok(doc.with_title(self.title).with_id(id))
    }
}

/// Parses one JSONL line (or JSON body) into a document. On failure returns the record's id if
/// one could be read, so the error line can still be matched to its input.
pub fn parse_record(line: &[u8], limits: Limits) -> Result<Document, RecordError> {
    parse_fields(line, limits)?.into_document(limits)
}

/// The fields of one JSONL line, each checked for its type.
pub fn parse_fields(line: &[u8], limits: Limits) -> Result<Record, RecordError> {
    if line.len() as u64 > limits.max_bytes {
        return Err((
            None,
            Error::TooLarge {
                size: line.len() as u64,
                limit: limits.max_bytes,
            },
        ));
    }
    let text = std::str::from_utf8(line).map_err(|e| {
        (
            None,
            Error::InvalidUtf8 {
                offset: e.valid_up_to(),
            },
        )
    })?;
    if text.trim().is_empty() {
        return Err((None, Error::Record("empty line".into())));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| (None, Error::Record(format!("not valid JSON: {e}"))))?;
    let Value::Object(obj) = value else {
        return Err((None, Error::Record("a record must be a JSON object".into())));
    };
    let id = match obj.get("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err((
                None,
                Error::Record(format!(
                    "\"id\" must be a string or number, got {}",
                    type_name(other)
                )),
            ));
        }
    };
    let string_field = |name: &str| -> Result<Option<String>, RecordError> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err((
                id.clone(),
                Error::Record(format!(
                    "\"{name}\" must be a string, got {}",
                    type_name(other)
                )),
            )),
        }
    };
    Ok(Record {
        title: string_field("title")?,
        url: string_field("url")?,
        text: string_field("text")?,
        html: string_field("html")?,
        id,
    })
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads one line (without its `\n`) into `buf`, keeping at most `limit + 1` bytes so that a
/// giant line cannot exhaust memory; returns the line's full length, or `None` at end of input.
pub fn read_line_limited<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Option<usize>> {
    buf.clear();
    let mut total = 0usize;
    let mut any = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(any.then_some(total));
        }
        any = true;
        let (part, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        let room = (limit + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&part[..part.len().min(room)]);
        total += part.len();
        let used = done.unwrap_or(chunk.len());
        r.consume(used);
        if done.is_some() {
            if buf.last() == Some(&b'\r') {
                buf.pop();
                total -= 1;
            }
            return Ok(Some(total));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_validated_field_by_field() {
        let l = Limits::default();
        let ok = parse_record(br#"{"id": 7, "title": "T", "text": "Body."}"#, l).unwrap();
        assert_eq!(
            (ok.id.as_deref(), ok.title.as_deref(), ok.text.as_str()),
            (Some("7"), Some("T"), "Body.")
        );
        let cases: &[(&[u8], &str)] = &[
            (b"not json", "not valid JSON"),
            (b"[1,2]", "must be a JSON object"),
            (
                br#"{"id":"a","text":5}"#,
                "\"text\" must be a string, got a number",
            ),
            (br#"{"id":"a"}"#, "missing \"text\""),
            (br#"{"id":"a","text":"x","html":"<p>x</p>"}"#, "not both"),
            (
                br#"{"id":[1],"text":"x"}"#,
                "\"id\" must be a string or number",
            ),
            (b"   ", "empty line"),
        ];
        for (line, want) in cases {
            let (_, err) = parse_record(line, l).unwrap_err();
            assert!(err.to_string().contains(want), "{err} lacks {want}");
        }
        let (id, _) = parse_record(br#"{"id":"keep","text":false}"#, l).unwrap_err();
        assert_eq!(id.as_deref(), Some("keep"));
    }

    #[test]
    fn long_lines_are_cut_without_buffering_them() {
        let data = format!("{}\nshort\r\nlast", "x".repeat(10_000));
        let mut r = io::BufReader::with_capacity(64, data.as_bytes());
        let mut buf = Vec::new();
        assert_eq!(
            read_line_limited(&mut r, &mut buf, 100).unwrap(),
            Some(10_000)
        );
        assert_eq!(buf.len(), 101);
        assert_eq!(read_line_limited(&mut r, &mut buf, 100).unwrap(), Some(5));
        assert_eq!(buf, b"short");
        assert_eq!(read_line_limited(&mut r, &mut buf, 100).unwrap(), Some(4));
        assert_eq!(read_line_limited(&mut r, &mut buf, 100).unwrap(), None);
    }
}
