//! unspin reads a news article and shows, with evidence, how it tries to persuade and how far it
//! can be trusted.
//!
//! The pipeline, one module per stage, in the order data flows:
//!
//! 1. [`ingest`] — bytes (text or HTML) → [`Document`] with its canonical text;
//! 2. [`text`] — paragraphs, sentences, tokens with byte and code-point offsets;
//! 3. [`detect`] — detectors emit findings (spans + evidence);
//! 4. [`analyze`] — runs the detectors and assembles the [`Report`] (`unspin.report/1`);
//! 5. [`render`] — the report as a terminal page or a self-contained HTML page;
//!
//! and [`batch`], the JSONL contract that runs the same pipeline over many records.
//!
//! ```
//! use unspin::{Analyzer, Document};
//!
//! let analyzer = Analyzer::new();
//! let text = "Reports are coming in that the dam failed. According to the mayor, it held.";
//! let report = analyzer.analyze(&Document::from_text(text));
//! let first = &report.sentences[0].attribution;
//! assert_eq!((first.start, first.end), (Some(0), Some(21))); // "Reports are coming in"
//! assert_eq!(report.sentences[1].attribution.source.as_deref(), Some("the mayor"));
//! ```

pub mod analyze;
pub mod batch;
pub mod corpus;
pub mod data;
pub mod detect;
pub mod error;
pub mod eval;
pub mod ingest;
pub mod lexicon;
pub mod model;
pub mod render;
pub mod report;
pub mod span;
pub mod technique;
pub mod text;

pub use analyze::Analyzer;
pub use error::{Error, Result};
pub use ingest::{Document, Format, Limits};
pub use report::Report;
pub use span::Span;
pub use technique::Technique;

/// The README's code blocks, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
