//! The library's one error type. Every variant says what was wrong with the input in words a user
//! can act on; `kind()` gives a stable machine name for error records in batch output.

/// Errors from ingesting and analysing input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("input is empty (0 bytes)")]
    Empty,
    #[error("input is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("input looks like binary data ({what}), not text or HTML")]
    Binary { what: &'static str },
    #[error(
        "input is not valid UTF-8 (first invalid byte at offset {offset}); convert it to UTF-8, or pass it as HTML that declares its charset"
    )]
    InvalidUtf8 { offset: usize },
    #[error("no article text could be extracted from the HTML")]
    NoArticle,
    #[error("invalid record: {0}")]
    Record(String),
    #[error("unknown technique label {0:?}")]
    UnknownTechnique(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("model: {0}")]
    Model(String),
    /// A setting outside its range (a base rate of 0 or 1, …).
    #[error("invalid setting: {0}")]
    Setting(String),
    /// Work not done because its deadline passed (a server batch past its time).
    #[error("not analysed: {0}")]
    Deadline(String),
    /// A dataset, label or prediction file that does not parse; the message names file and line.
    #[error("{0}")]
    Data(String),
}

impl Error {
    /// A stable identifier for the error class, used in batch error records.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Empty => "empty",
            Error::TooLarge { .. } => "oversized",
            Error::Binary { .. } => "binary",
            Error::InvalidUtf8 { .. } => "invalid_utf8",
            Error::NoArticle => "no_article",
            Error::Record(_) => "invalid_record",
            Error::UnknownTechnique(_) => "unknown_technique",
            Error::Io(_) => "io",
            Error::Data(_) => "data",
            Error::Model(_) => "model",
            Error::Setting(_) => "setting",
            Error::Deadline(_) => "timeout",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
