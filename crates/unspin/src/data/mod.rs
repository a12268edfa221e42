//! Loaders for the labelled data in `../shared/data` (see its `DATA.md`). Line-based formats are
//! read as streams; every error names the file and the line. Nothing here is needed to analyse an
//! article: the loaders serve `train` and `eval`.

pub mod articles;
pub mod polnear;
pub mod ptc;
pub mod semeval2023;
pub mod sentences;

use crate::error::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Finds a dataset folder whether `data` is the shared data root or the dataset folder itself.
pub fn locate(data: &Path, sub: &str, marker: &str) -> Result<PathBuf> {
    for candidate in [data.join(sub), data.to_path_buf()] {
        if candidate.join(marker).exists() {
            return Ok(candidate);
        }
    }
    Err(Error::Data(format!(
        "{}: cannot find {sub}/{marker} (give the shared data root or the {sub} folder)",
        data.display()
    )))
}

/// A dataset file and its SHA-256, recorded next to the numbers.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetVersion {
    pub path: String,
    pub sha256: String,
}

/// SHA-256 of a file, or of the sorted list of `name sha256` lines of a folder's files.
pub fn dataset_version(root: &Path, rel: &str) -> Result<DatasetVersion> {
    use sha2::{Digest, Sha256};
    let path = root.join(rel);
    let sha256 = if path.is_dir() {
        let mut files = Vec::new();
        collect_files(&path, &mut files)?;
        files.sort();
        let mut h = Sha256::new();
        for f in files {
            let rel = f
                .strip_prefix(&path)
                .unwrap_or(&f)
                .to_string_lossy()
                .into_owned();
            h.update(format!("{rel} {}\n", file_sha256(&f)?).as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    } else {
        file_sha256(&path)?
    };
    Ok(DatasetVersion {
        path: rel.to_string(),
        sha256,
    })
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for e in std::fs::read_dir(dir).map_err(|e| Error::Data(format!("{}: {e}", dir.display())))? {
        let p = e?.path();
        if p.is_dir() {
            collect_files(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads a file as text: UTF-8, or windows-1252 when it is not valid UTF-8 (some corpora were
/// exported that way).
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => encoding_rs::WINDOWS_1252
            .decode(e.as_bytes())
            .0
            .into_owned(),
    })
}

/// Decodes one field: UTF-8, or windows-1252 when it is not valid UTF-8.
pub(crate) fn decode_field(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// Streams the rows of a delimited file with a header row: `(line number, fields by header
/// name)`. Fields are decoded one by one, so a file with a few windows-1252 bytes still loads.
pub(crate) struct Rows {
    path: std::path::PathBuf,
    reader: csv::Reader<std::io::BufReader<std::fs::File>>,
    pub headers: Vec<String>,
    record: csv::ByteRecord,
}

impl Rows {
    pub fn open(path: &Path, delimiter: u8, quoting: bool, has_headers: bool) -> Result<Rows> {
        let file = std::fs::File::open(path)
            .map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .quoting(quoting)
            .has_headers(has_headers)
            .flexible(true)
            .from_reader(std::io::BufReader::new(file));
        let headers = if has_headers {
            reader
                .byte_headers()
                .map_err(|e| csv_error(path, &e))?
                .iter()
                .map(|h| {
                    decode_field(h)
                        .trim()
                        .trim_start_matches('\u{feff}')
                        .to_string()
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Rows {
            path: path.to_path_buf(),
            reader,
            headers,
            record: csv::ByteRecord::new(),
        })
    }

    /// Index of a header, or an error naming the file and the headers it has.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            Error::Data(format!(
                "{}: no column {name:?} (columns: {:?})",
                self.path.display(),
                self.headers
            ))
        })
    }

    /// The next row as `(line, fields)`, or `None` at the end.
    pub fn next_row(&mut self) -> Option<Result<(u64, Vec<String>)>> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let line = self.record.position().map_or(0, |p| p.line());
                Some(Ok((line, self.record.iter().map(decode_field).collect())))
            }
            Err(e) => Some(Err(csv_error(&self.path, &e))),
        }
    }

    pub fn bad(&self, line: u64, why: impl std::fmt::Display) -> Error {
        Error::Data(format!("{}:{line}: {why}", self.path.display()))
    }
}

pub(crate) fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let line = e
        .position()
        .map_or(String::new(), |p| format!(":{}", p.line()));
    Error::Data(format!("{}{line}: {e}", path.display()))
}

/// SHA-256 of a file, hex, for recording dataset versions next to the numbers.
pub fn file_sha256(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
