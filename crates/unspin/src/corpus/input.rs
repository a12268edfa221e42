//! Corpus inputs: JSONL, CSV/TSV and folders of files, optionally gzip- or zstd-compressed, read
//! as a stream of raw records. The reader only splits records (cheap and sequential); parsing
//! JSON, reading files and decoding happen in the workers ([`RawRecord::into_document`]).

use super::record::{self, read_line_limited};
use crate::error::{Error, Result};
use crate::ingest::{Document, Format, Limits};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// What kind of input a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Jsonl,
    Csv,
    Tsv,
    /// A folder of `.txt` / `.html` / `.htm` files, read recursively.
    Dir,
    /// A Parquet file (needs the `parquet` feature; read with `corpus::parquet::ParquetSource`).
    Parquet,
}

/// Which CSV/TSV columns hold what. Only `text` is required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub text: String,
    pub title: Option<String>,
    pub id: Option<String>,
    pub url: Option<String>,
}

impl Default for Columns {
    fn default() -> Columns {
        Columns {
            text: "text".into(),
            title: None,
            id: None,
            url: None,
        }
    }
}

/// The compression a file name announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// Splits `name.jsonl.gz` into its compression and the name under it.
pub fn compression_of(path: &Path) -> (Compression, String) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if let Some(rest) = name.strip_suffix(".gz") {
        (Compression::Gzip, rest.to_string())
    } else if let Some(rest) = name.strip_suffix(".zst") {
        (Compression::Zstd, rest.to_string())
    } else {
        (Compression::None, name)
    }
}

/// The input kind a path announces: a folder, or a file by its extension under any compression.
pub fn kind_of(path: &Path) -> Option<InputKind> {
    if path.is_dir() {
        return Some(InputKind::Dir);
    }
    let (_, name) = compression_of(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "jsonl" | "ndjson" | "json" => Some(InputKind::Jsonl),
        "csv" => Some(InputKind::Csv),
        "tsv" | "tab" => Some(InputKind::Tsv),
        "parquet" | "pq" => Some(InputKind::Parquet),
        _ => None,
    }
}

/// Wraps a byte stream in the decompressor `c` names.
pub fn decompress<'a>(
    r: Box<dyn Read + Send + 'a>,
    c: Compression,
) -> Result<Box<dyn Read + Send + 'a>> {
    Ok(match c {
        Compression::None => r,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(r)),
        Compression::Zstd => Box::new(
            ruzstd::decoding::StreamingDecoder::new(r)
                .map_err(|e| Error::Record(format!("not a zstd stream: {e}")))?,
        ),
    })
}

/// One record as the reader split it, before any parsing.
#[derive(Debug)]
pub struct RawRecord {
    /// 1-based: the input line for JSONL, the line the record starts on for CSV (the header is
    /// line 1), the file's position in path order for folders.
    pub line: u64,
    pub body: RawBody,
}

#[derive(Debug)]
pub enum RawBody {
    /// A JSONL line (cut at the size limit; `len` is its full length).
    Json { bytes: Vec<u8>, len: usize },
    /// A CSV/TSV record or a Parquet row, already split into the named columns, or why it
    /// could not be.
    Row(std::result::Result<RowFields, (Option<String>, Error)>),
    /// A file of a folder, read by the worker; `size` as listed.
    File {
        id: String,
        path: PathBuf,
        size: u64,
    },
}

impl RawRecord {
    /// The bytes this record will bring into memory (a folder's file is read by the worker):
    /// what chunks are measured in, so that a run's memory is bounded in bytes and not only in
    /// records.
    pub fn size(&self) -> usize {
        match &self.body {
            RawBody::Json { bytes, .. } => bytes.len(),
            RawBody::Row(Ok(f)) => {
                f.text.len()
                    + f.title.as_ref().map_or(0, Vec::len)
                    + f.url.as_ref().map_or(0, Vec::len)
            }
            RawBody::Row(Err(_)) => 0,
            RawBody::File { size, .. } => usize::try_from(*size).unwrap_or(usize::MAX),
        }
    }
}

#[derive(Debug)]
pub struct RowFields {
    pub id: Option<String>,
    pub title: Option<Vec<u8>>,
    pub url: Option<Vec<u8>>,
    pub text: Vec<u8>,
}

impl RawRecord {
    /// The document, or the record id (when known) and the error that becomes its error record.
    pub fn into_document(
        self,
        limits: Limits,
    ) -> std::result::Result<Document, (Option<String>, Error)> {
        match self.body {
            RawBody::Json { bytes, len } => {
                if len > bytes.len() {
                    return Err((
                        None,
                        Error::TooLarge {
                            size: len as u64,
                            limit: limits.max_bytes,
                        },
                    ));
                }
                record::parse_record(&bytes, limits)
            }
            RawBody::Row(fields) => {
                let f = fields?;
                let id = f.id.clone();
                let utf8 = |name: &str, b: Vec<u8>| {
                    String::from_utf8(b).map_err(|e| {
                        (
                            id.clone(),
                            Error::Record(format!(
                                "the {name} column is not valid UTF-8 (first invalid byte at offset {})",
                                e.utf8_error().valid_up_to()
                            )),
                        )
                    })
                };
                let title = f.title.map(|t| utf8("title", t)).transpose()?;
                let url = f.url.map(|u| utf8("url", u)).transpose()?;
                let title = title.filter(|t| !t.trim().is_empty());
                let url = url.filter(|u| !u.trim().is_empty());
                let doc = Document::from_bytes(&f.text, Format::Auto, limits)
                    .map_err(|e| (id.clone(), e))?;
                let url = url.or(doc.meta.url.clone());
                Ok(doc.with_title(title).with_url(url).with_id(id))
            }
            RawBody::File { id, path, .. } => {
                let read = || -> Result<Document> {
                    let f = File::open(&path)?;
                    let size = f.metadata()?.len();
                    if size > limits.max_bytes {
                        return Err(Error::TooLarge {
                            size,
                            limit: limits.max_bytes,
                        });
                    }
                    let mut bytes = Vec::with_capacity(size as usize);
                    f.take(limits.max_bytes + 1).read_to_end(&mut bytes)?;
                    Document::from_bytes(&bytes, Format::Auto, limits)
                };
                read()
                    .map(|d| d.with_id(Some(id.clone())))
                    .map_err(|e| (Some(id), e))
            }
        }
    }
}

/// A stream of raw records. `bytes_read` lets a progress bar show how far into a file it is.
pub trait RecordSource: Send {
    fn next_record(&mut self) -> io::Result<Option<RawRecord>>;
    /// Bytes of the (compressed) input consumed so far, when that means anything.
    fn position(&self) -> u64 {
        0
    }
}

/// Counts the bytes read through it, shared with the source for progress.
pub struct Counting<R> {
    inner: R,
    pub count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R> Counting<R> {
    pub fn new(inner: R) -> Counting<R> {
        Counting {
            inner,
            count: Default::default(),
        }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// JSONL: one record per line.
pub struct JsonlSource<R> {
    reader: R,
    line: u64,
    cap: usize,
}

impl<R: BufRead + Send> JsonlSource<R> {
    pub fn new(reader: R, limits: Limits) -> JsonlSource<R> {
        JsonlSource {
            reader,
            line: 0,
            cap: usize::try_from(limits.max_bytes).unwrap_or(usize::MAX),
        }
    }
}

impl<R: BufRead + Send> RecordSource for JsonlSource<R> {
    fn next_record(&mut self) -> io::Result<Option<RawRecord>> {
        let mut bytes = Vec::new();
        let Some(len) = read_line_limited(&mut self.reader, &mut bytes, self.cap)? else {
            return Ok(None);
        };
        self.line += 1;
        Ok(Some(RawRecord {
            line: self.line,
            body: RawBody::Json { bytes, len },
        }))
    }
}

/// CSV/TSV with a header row, read with real quoting semantics: a record ends at a newline
/// outside quoted fields, however many lines and bytes its quoted fields span, so a valid
/// record is never split (an HTML page in a column can run to tens of thousands of lines, and
/// reading its inner lines as rows would forge records). Memory stays bounded: a record's bytes
/// are kept only up to the size limit; past it the record is scanned to its end and becomes
/// one error record. The one departure from a plain CSV reader is recovery: a record that
/// cannot be CSV (a quote that closes where no field can end, `"abc"def`, or leaves the row
/// with the wrong width; a quote still open at the end of the input) costs one error record,
/// the row it opens on, and reading resumes on the next line instead of swallowing the file.
pub struct CsvSource<R> {
    reader: R,
    delimiter: u8,
    /// Lines read but not yet consumed (after a resync), with their line numbers.
    pending: VecDeque<Line>,
    next_line: u64,
    max_bytes: usize,
    /// Column index of text, title, id, url.
    cols: [Option<usize>; 4],
    width: usize,
}

/// One physical line: its number, the bytes kept, and its full length (without its newline).
struct Line {
    n: u64,
    bytes: Vec<u8>,
    len: usize,
}

impl Line {
    fn complete(&self) -> bool {
        self.bytes.len() == self.len
    }
}

/// A record as cut from the input, before it is split into fields.
enum Raw {
    Record(Vec<u8>),
    /// Over the size limit: its full size and the head that was kept (for the id).
    TooLarge {
        size: usize,
        head: Vec<u8>,
    },
    Unbalanced(String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    FieldStart,
    Unquoted,
    Quoted,
    AfterClose,
}

/// Runs the quote state over bytes of one physical line. `bad` is set when a quote closes a
/// field and something other than a delimiter follows (`"abc"def`), the sign that the quote
/// was not meant to open a field (a `\r` before the newline is allowed there).
fn scan(bytes: &[u8], delimiter: u8, state: &mut Quote, bad: &mut bool) {
    for &b in bytes {
        *state = match (*state, b) {
            (Quote::FieldStart, b'"') => Quote::Quoted,
            (Quote::FieldStart | Quote::Unquoted | Quote::AfterClose, d) if d == delimiter => {
                Quote::FieldStart
            }
            (Quote::FieldStart | Quote::Unquoted, _) => Quote::Unquoted,
            (Quote::Quoted, b'"') => Quote::AfterClose,
            (Quote::Quoted, _) => Quote::Quoted,
            (Quote::AfterClose, b'"') => Quote::Quoted,
            (Quote::AfterClose, b'\r') => Quote::AfterClose,
            (Quote::AfterClose, _) => {
                *bad = true;
                Quote::Unquoted
            }
        };
    }
}

/// At a line's end: whether the record is still inside a quoted field (else the next line
/// starts a new field).
fn line_end(state: &mut Quote) -> bool {
    if *state == Quote::Quoted {
        true
    } else {
        *state = Quote::FieldStart;
        false
    }
}

impl<R: BufRead + Send> CsvSource<R> {
    /// Reads the header and finds the columns; a missing text column (or a named column that is
    /// not there) is an error before any record.
    pub fn new(
        reader: R,
        delimiter: u8,
        columns: &Columns,
        limits: Limits,
    ) -> Result<CsvSource<R>> {
        let mut s = CsvSource {
            reader,
            delimiter,
            pending: VecDeque::new(),
            next_line: 1,
            max_bytes: usize::try_from(limits.max_bytes).unwrap_or(usize::MAX),
            cols: [None; 4],
            width: 0,
        };
        let header = match s.next_raw()? {
            None => {
                return Err(Error::Record(
                    "the CSV input is empty (no header row)".into(),
                ));
            }
            Some((_, Raw::Unbalanced(e))) => {
                return Err(Error::Record(format!("the CSV header: {e}")));
            }
            Some((_, Raw::TooLarge { size, .. })) => {
                return Err(Error::Record(format!(
                    "the CSV header is {size} bytes, over the limit of {}",
                    s.max_bytes
                )));
            }
            Some((_, Raw::Record(bytes))) => s.split(&bytes)?,
        };
        let names: Vec<String> = header
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_string()
            })
            .collect();
        let find = |want: &str| -> Result<usize> {
            names.iter().position(|n| n == want).ok_or_else(|| {
                Error::Record(format!(
                    "the CSV header has no column {want:?} (it has: {})",
                    names.join(", ")
                ))
            })
        };
        s.cols[0] = Some(find(&columns.text)?);
        for (slot, name) in [(1, &columns.title), (2, &columns.id), (3, &columns.url)] {
            if let Some(n) = name {
                s.cols[slot] = Some(find(n)?);
            }
        }
        s.width = names.len();
        Ok(s)
    }

    /// The next physical line, scanned for quotes in full, keeping at most `keep` of its bytes;
    /// returns it and whether a quoted field is still open at its end.
    fn read_line(
        &mut self,
        keep: usize,
        state: &mut Quote,
        bad: &mut bool,
    ) -> io::Result<Option<(Line, bool)>> {
        if let Some(l) = self.pending.pop_front() {
            scan(&l.bytes, self.delimiter, state, bad);
            let open = line_end(state);
            return Ok(Some((l, open)));
        }
        let mut bytes = Vec::new();
        let mut len = 0usize;
        let mut any = false;
        let mut last = None;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                if !any {
                    return Ok(None);
                }
                break;
            }
            any = true;
            let (part, done) = match chunk.iter().position(|c| *c == b'\n') {
                Some(i) => (&chunk[..i], Some(i + 1)),
                None => (chunk, None),
            };
            scan(part, self.delimiter, state, bad);
            last = part.last().copied().or(last);
            let room = keep.saturating_sub(bytes.len());
            bytes.extend_from_slice(&part[..part.len().min(room)]);
            len += part.len();
            let used = done.unwrap_or(chunk.len());
            self.reader.consume(used);
            if done.is_some() {
                break;
            }
        }
        let open = line_end(state);
        // A CRLF line: the `\r` is the line ending's, not the field's — unless a quoted field
        // goes on past it, where it is the field's own.
        if !open && last == Some(b'\r') {
            if bytes.len() == len {
                bytes.pop();
            }
            len -= 1;
        }
        let n = self.next_line;
        self.next_line += 1;
        Ok(Some((Line { n, bytes, len }, open)))
    }

    /// The next record's bytes (lines joined by `\n`) and its first line number.
    fn next_raw(&mut self) -> io::Result<Option<(u64, Raw)>> {
        let mut state = Quote::FieldStart;
        let mut bad = false;
        let cap = self.max_bytes.saturating_add(1);
        let Some((first, mut open)) = self.read_line(cap, &mut state, &mut bad)? else {
            return Ok(None);
        };
        let start = first.n;
        let mut size = first.len;
        // Lines are kept while the record fits the limit; past it only its end is looked for.
        let mut kept = first.complete() && size <= self.max_bytes;
        let mut lines = vec![first];
        while open {
            let room = if kept { cap - size - 1 } else { 0 };
            let Some((l, still_open)) = self.read_line(room, &mut state, &mut bad)? else {
                if kept {
                    // The quote opened on `start` never closes: give the later lines back.
                    self.give_back(&mut lines);
                    return Ok(Some((
                        start,
                        Raw::Unbalanced(format!(
                            "a quoted field opened on line {start} never closes: unbalanced quote"
                        )),
                    )));
                }
                return Ok(Some((
                    start,
                    Raw::Unbalanced(format!(
                        "a quoted field opened on line {start} never closes ({size} bytes to the end of the input): unbalanced quote"
                    )),
                )));
            };
            open = still_open;
            size = size.saturating_add(l.len + 1);
            // The line that crosses the limit still goes in, for the head; later ones do not.
            if kept {
                kept = l.complete() && size <= self.max_bytes;
                lines.push(l);
            }
        }
        let joined = |lines: &[Line]| {
            let mut out = Vec::with_capacity(lines.iter().map(|l| l.bytes.len() + 1).sum());
            for (i, l) in lines.iter().enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                out.extend_from_slice(&l.bytes);
            }
            out
        };
        if !kept {
            let mut head = joined(&lines);
            head.truncate(cap);
            return Ok(Some((start, Raw::TooLarge { size, head })));
        }
        let out = joined(&lines);
        if lines.len() > 1 {
            // A record spanning lines must close its quote cleanly and have the header's width;
            // otherwise the quote on `start` was stray, and the lines it swallowed are records
            // of their own.
            let width_ok = self.width == 0 || self.split(&out).is_ok_and(|f| f.len() == self.width);
            if bad || !width_ok {
                self.give_back(&mut lines);
                return Ok(Some((
                    start,
                    Raw::Unbalanced(format!(
                        "a quoted field opened on line {start} does not close where a field can end: unbalanced quote"
                    )),
                )));
            }
        }
        Ok(Some((start, Raw::Record(out))))
    }

    /// Puts every line but the first back, to be read again as records of their own.
    fn give_back(&mut self, lines: &mut Vec<Line>) {
        for l in lines.drain(1..).rev() {
            self.pending.push_front(l);
        }
    }

    fn split(&self, bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
        // The `csv` reader drops a byte-order mark at the start of its input, which is right
        // for a file and wrong for a record in the middle of one (a cell starting with U+FEFF
        // lost it; found by the `csv_corpus` fuzz target): behind a blank line, which the
        // reader skips, the mark is the cell's.
        let behind_blank;
        let bytes = if bytes.starts_with(b"\xEF\xBB\xBF") {
            behind_blank = [b"\n", bytes].concat();
            &behind_blank[..]
        } else {
            bytes
        };
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(self.delimiter)
            .flexible(true)
            .from_reader(bytes);
        let mut rec = csv::ByteRecord::new();
        let fields = match r.read_byte_record(&mut rec) {
            Ok(true) => rec.iter().map(<[u8]>::to_vec).collect(),
            Ok(false) => vec![Vec::new()],
            Err(e) => return Err(Error::Record(format!("not a CSV row: {e}"))),
        };
        // The record was cut on newlines outside quotes; a bare carriage return outside quotes
        // would end a row inside it, and what follows must not be dropped unseen.
        if r.read_byte_record(&mut rec).unwrap_or(true) {
            return Err(Error::Record(
                "a carriage return outside quotes splits this line into two rows".into(),
            ));
        }
        Ok(fields)
    }

    /// The id of a record from its fields (complete ones only when the record was cut).
    fn id_of(&self, fields: &[Vec<u8>], complete: bool) -> Option<String> {
        let i = self.cols[2]?;
        let usable = if complete {
            fields.len()
        } else {
            fields.len().saturating_sub(1)
        };
        (i < usable).then(|| String::from_utf8_lossy(&fields[i]).into_owned())
    }
}

impl<R: BufRead + Send> RecordSource for CsvSource<R> {
    fn next_record(&mut self) -> io::Result<Option<RawRecord>> {
        let Some((line, raw)) = self.next_raw()? else {
            return Ok(None);
        };
        let body = match raw {
            Raw::Unbalanced(why) => Err((None, Error::Record(why))),
            Raw::TooLarge { size, head } => {
                let id = self.split(&head).ok().and_then(|f| self.id_of(&f, false));
                Err((
                    id,
                    Error::TooLarge {
                        size: size as u64,
                        limit: self.max_bytes as u64,
                    },
                ))
            }
            Raw::Record(bytes) => match self.split(&bytes) {
                Err(e) => Err((None, e)),
                Ok(fields) => {
                    let take = |i: Option<usize>| i.and_then(|i| fields.get(i).cloned());
                    let id = self.id_of(&fields, true);
                    if fields.len() != self.width {
                        Err((
                            id,
                            Error::Record(format!(
                                "{} fields where the header has {}",
                                fields.len(),
                                self.width
                            )),
                        ))
                    } else {
                        Ok(RowFields {
                            id,
                            title: take(self.cols[1]),
                            url: take(self.cols[3]),
                            text: take(self.cols[0]).unwrap_or_default(),
                        })
                    }
                }
            },
        };
        Ok(Some(RawRecord {
            line,
            body: RawBody::Row(body),
        }))
    }
}

/// A listed file (its path and size), or why its entry could not be read.
type Listed = std::result::Result<(PathBuf, u64), String>;

/// A folder: every `.txt`, `.text`, `.html`, `.htm` file under it, in path order; the id is the
/// path relative to the folder, with `/` separators.
pub struct DirSource {
    files: std::vec::IntoIter<(String, Listed)>,
    n: u64,
    identity: String,
}

impl DirSource {
    /// Lists the folder's text and HTML files in name order. An entry that cannot be read (a
    /// subfolder without permission, a loop) becomes an error record in its place rather than
    /// ending the run: one bad folder must not lose the rest.
    pub fn new(root: &Path) -> Result<DirSource> {
        let meta = std::fs::metadata(root)?;
        if !meta.is_dir() {
            return Err(Error::Io(io::Error::other("not a folder")));
        }
        let id_of = |p: &Path| {
            let rel = p.strip_prefix(root).unwrap_or(p);
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        };
        let mut files = Vec::new();
        // The listing's identity: every listed name with its size and modification time, so a
        // resumed run can tell that the folder changed under it.
        let mut identity = crate::hash::EMPTY_HASH;
        for entry in walkdir::WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
        {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let id = e.path().map(id_of).unwrap_or_default();
                    let why = e
                        .io_error()
                        .map_or_else(|| e.to_string(), |io| io.to_string());
                    identity = crate::hash::hash_more(identity, &format!("{id}\0!{why}\0"));
                    files.push((id, Err(format!("cannot read: {why}"))));
                    continue;
                }
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let p = entry.path();
            let ext = p
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if !matches!(ext.as_str(), "txt" | "text" | "html" | "htm") {
                continue;
            }
            let id = id_of(p);
            let (size, mtime) = entry
                .metadata()
                .ok()
                .map(|m| (m.len(), mtime_nanos(&m)))
                .unwrap_or_default();
            identity = crate::hash::hash_more(identity, &format!("{id}\0{size}\0{mtime}\0"));
            files.push((id, Ok((p.to_path_buf(), size))));
        }
        Ok(DirSource {
            identity: format!("folder of {} entries, listing {identity:016x}", files.len()),
            files: files.into_iter(),
            n: 0,
        })
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.len() == 0
    }

    /// What the folder held when listed (names, sizes, modification times), for `--resume`.
    pub fn identity(&self) -> &str {
        &self.identity
    }
}

/// Modification time in nanoseconds since the epoch (0 where the platform has none).
fn mtime_nanos(m: &std::fs::Metadata) -> u128 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

/// The identity of an input file for `--resume`: its size, modification time and the SHA-256
/// of its first MiB. A resumed run whose input has changed (a line inserted at the top, the
/// file rewritten) is refused instead of producing duplicates and gaps.
pub fn file_identity(path: &Path) -> Result<String> {
    let f = File::open(path)?;
    let m = f.metadata()?;
    let mut head = Vec::with_capacity(1 << 20);
    f.take(1 << 20).read_to_end(&mut head)?;
    Ok(format!(
        "size {} · modified {} · head sha256 {}",
        m.len(),
        mtime_nanos(&m),
        crate::model::format::sha256(&head)
    ))
}

impl RecordSource for DirSource {
    fn next_record(&mut self) -> io::Result<Option<RawRecord>> {
        Ok(self.files.next().map(|(id, path)| {
            self.n += 1;
            let body = match path {
                Ok((path, size)) => RawBody::File { id, path, size },
                Err(why) => RawBody::Row(Err((Some(id), Error::Io(io::Error::other(why))))),
            };
            RawRecord { line: self.n, body }
        }))
    }

    fn position(&self) -> u64 {
        self.n
    }
}

/// Opens a JSONL/CSV/TSV source over a (possibly compressed) byte stream.
pub fn stream_source<'a>(
    reader: Box<dyn Read + Send + 'a>,
    kind: InputKind,
    columns: &Columns,
    limits: Limits,
) -> Result<Box<dyn RecordSource + 'a>> {
    let buf = BufReader::with_capacity(1 << 16, reader);
    Ok(match kind {
        InputKind::Jsonl => Box::new(JsonlSource::new(buf, limits)),
        InputKind::Csv => Box::new(CsvSource::new(buf, b',', columns, limits)?),
        InputKind::Tsv => Box::new(CsvSource::new(buf, b'\t', columns, limits)?),
        InputKind::Dir => {
            return Err(Error::Record(
                "a folder is not a stream: open it with DirSource".into(),
            ));
        }
        InputKind::Parquet => {
            return Err(Error::Record(
                "Parquet needs a file it can seek in, not a stream".into(),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_records(data: &str) -> Vec<(u64, std::result::Result<String, String>)> {
        let cols = Columns {
            id: Some("id".into()),
            ..Columns::default()
        };
        let mut s = CsvSource::new(data.as_bytes(), b',', &cols, Limits::default()).unwrap();
        let mut out = Vec::new();
        while let Some(r) = s.next_record().unwrap() {
            let RawBody::Row(f) = r.body else { panic!() };
            out.push((
                r.line,
                f.map(|f| String::from_utf8(f.text).unwrap())
                    .map_err(|(_, e)| e.to_string()),
            ));
        }
        out
    }

    #[test]
    fn csv_quoted_newlines_join_and_a_stray_quote_costs_one_row() {
        let data =
            "id,text\n1,\"two\nlines\"\n2,\"never closed\n3,plain\n4,\"a \"\"quoted\"\" word\"\n";
        let got = csv_records(data);
        assert_eq!(got[0], (2, Ok("two\nlines".into())));
        assert_eq!(got[1].0, 4);
        assert!(got[1].1.as_ref().unwrap_err().contains("unbalanced quote"));
        assert_eq!(got[2], (5, Ok("plain".into())));
        assert_eq!(got[3], (6, Ok("a \"quoted\" word".into())));
        assert_eq!(got.len(), 4);
        // A quote still open at the end of the input.
        let got = csv_records("id,text\n1,ok\n2,\"open\n3,fine\n");
        assert_eq!(got[0], (2, Ok("ok".into())));
        assert!(got[1].1.as_ref().unwrap_err().contains("never closes"));
        assert_eq!(got[2], (4, Ok("fine".into())));
    }

    #[test]
    fn a_long_valid_quoted_field_is_never_split_into_rows() {
        // The case: a valid 3-row CSV whose first text spans 20,001 lines, one of them
        // shaped like a row (`666,...`). It is three records, and 666 is text.
        let mut data = String::from("id,text\n1,\"");
        for i in 0..20_001 {
            if i == 10_000 {
                data.push_str("666,a fabricated record\n");
            } else {
                data.push_str("x\n");
            }
        }
        data.push_str("end\"\n2,two\n3,three\n");
        let got = csv_records(&data);
        assert_eq!(got.len(), 3, "{:?}", &got[..got.len().min(5)]);
        let first = got[0].1.as_ref().unwrap();
        assert_eq!(first.lines().count(), 20_002);
        assert!(first.contains("666,a fabricated record"));
        assert_eq!(got[1], (20_004, Ok("two".into())));
        assert_eq!(got[2], (20_005, Ok("three".into())));
    }

    #[test]
    fn an_over_limit_record_is_one_error_and_keeps_its_id() {
        let cols = Columns {
            id: Some("id".into()),
            ..Columns::default()
        };
        let limits = Limits { max_bytes: 1000 };
        let long_quoted = format!("a1,\"{}\"", "line of text\n".repeat(500));
        let long_line = format!("a2,\"{}\"", "word ".repeat(1000));
        let data = format!("id,text\n{long_quoted}\n{long_line}\r\na3,fine\n");
        let mut s = CsvSource::new(data.as_bytes(), b',', &cols, limits).unwrap();
        let mut got = Vec::new();
        while let Some(r) = s.next_record().unwrap() {
            let RawBody::Row(f) = r.body else { panic!() };
            got.push((r.line, f));
        }
        assert_eq!(got.len(), 3);
        let (line, Err((id, e))) = &got[0] else {
            panic!("{:?}", got[0])
        };
        assert_eq!((*line, id.as_deref()), (2, Some("a1")));
        assert!(
            matches!(e, Error::TooLarge { size, limit: 1000 } if *size as usize == long_quoted.len())
        );
        let (line, Err((id, e))) = &got[1] else {
            panic!()
        };
        assert_eq!((*line, id.as_deref()), (503, Some("a2")));
        assert!(matches!(e, Error::TooLarge { size, .. } if *size as usize == long_line.len()));
        let (line, Ok(f)) = &got[2] else { panic!() };
        assert_eq!((*line, f.text.as_slice()), (504, &b"fine"[..]));
    }

    #[test]
    fn a_byte_order_mark_opens_the_file_once_and_is_a_cell_s_own_after() {
        let got = csv_records("\u{feff}id,text\n1,one\n\u{feff}2,two\n3,\u{feff}three\n");
        assert_eq!(got.len(), 3);
        assert_eq!(got[2], (4, Ok("\u{feff}three".into())));
        let cols = Columns {
            id: Some("id".into()),
            ..Columns::default()
        };
        let data = "\u{feff}id,text\n\u{feff}2,two\n";
        let mut s = CsvSource::new(data.as_bytes(), b',', &cols, Limits::default()).unwrap();
        let RawBody::Row(Ok(f)) = s.next_record().unwrap().unwrap().body else {
            panic!()
        };
        assert_eq!(
            f.id.as_deref(),
            Some("\u{feff}2"),
            "as the csv crate reads it"
        );
    }

    #[test]
    fn crlf_ends_rows_but_stays_inside_quoted_fields() {
        let got = csv_records("id,text\r\n1,\"a\r\nb\"\r\n2,plain\r\n3,x\ry\n");
        assert_eq!(got[0], (2, Ok("a\r\nb".into())));
        assert_eq!(got[1], (4, Ok("plain".into())));
        assert!(got[2].1.as_ref().unwrap_err().contains("carriage return"));
        assert_eq!(got.len(), 3);
    }

    proptest::proptest! {
        /// On any CSV a standard writer produces, the records are exactly the reference
        /// reader's (the `csv` crate's), whatever quotes, delimiters and line breaks they hold.
        #[test]
        fn records_match_the_reference_reader(
            rows in proptest::collection::vec(
                proptest::collection::vec("[a-c\"',\t\r\n \u{feff}]{0,12}", 3),
                0..12,
            ),
            tab in proptest::bool::ANY,
        ) {
            let delimiter = if tab { b'\t' } else { b',' };
            let mut w = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
            w.write_record(["id", "title", "text"]).unwrap();
            for r in &rows {
                w.write_record(r).unwrap();
            }
            let data = w.into_inner().unwrap();
            let cols = Columns {
                id: Some("id".into()),
                title: Some("title".into()),
                ..Columns::default()
            };
            let mut ours = Vec::new();
            let mut s = CsvSource::new(&data[..], delimiter, &cols, Limits::default()).unwrap();
            while let Some(r) = s.next_record().unwrap() {
                let RawBody::Row(f) = r.body else { panic!() };
                let f = f.map_err(|(_, e)| e.to_string()).unwrap();
                ours.push(vec![
                    f.id.unwrap(),
                    String::from_utf8(f.title.unwrap()).unwrap(),
                    String::from_utf8(f.text).unwrap(),
                ]);
            }
            let mut reference = Vec::new();
            let mut r = csv::ReaderBuilder::new().delimiter(delimiter).from_reader(&data[..]);
            for rec in r.records() {
                reference.push(rec.unwrap().iter().map(str::to_string).collect::<Vec<_>>());
            }
            proptest::prop_assert_eq!(ours, reference);
        }
    }

    #[test]
    fn csv_wrong_width_and_inner_quotes_are_handled() {
        let got = csv_records("id,text\n1,a 5\" screen\n2,x,extra\n");
        assert_eq!(got[0], (2, Ok("a 5\" screen".into())));
        assert!(
            got[1]
                .1
                .as_ref()
                .unwrap_err()
                .contains("3 fields where the header has 2")
        );
    }

    #[test]
    fn csv_header_must_have_the_columns() {
        let e = CsvSource::new(
            "a,b\n1,2\n".as_bytes(),
            b',',
            &Columns::default(),
            Limits::default(),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("no column \"text\""), "{e}");
    }

    #[test]
    fn kinds_and_compression_come_from_the_name() {
        assert_eq!(
            kind_of(Path::new("x/corpus.jsonl.gz")),
            Some(InputKind::Jsonl)
        );
        assert_eq!(kind_of(Path::new("c.TSV.zst")), Some(InputKind::Tsv));
        assert_eq!(kind_of(Path::new("c.parquet")), Some(InputKind::Parquet));
        assert_eq!(kind_of(Path::new("c.xlsx")), None);
        assert_eq!(compression_of(Path::new("a.csv.zst")).0, Compression::Zstd);
    }
}
