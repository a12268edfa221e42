//! unspin reads a news article and shows, with evidence, how it tries to persuade and how far it
//! can be trusted.
//!
//! The pipeline, one module per stage, in the order data flows:
//!
//! 1. [`ingest`] — bytes (text or HTML) → [`Document`] with its canonical text;
//! 2. [`text`] — paragraphs, sentences, tokens with byte and code-point offsets; [`lexicon`] —
//!    the facts of every word form; together they start the document record, [`doc::Doc`];
//! 3. [`detect`] — rule detectors add their findings (spans + evidence) to the record;
//! 4. [`model`] — the trained models (techniques, sentences, reliability) read it and add theirs;
//! 5. [`analyze`] — runs the stages ([`Analyzer::builder`], [`Config`]) and builds the
//!    [`Report`] (`unspin.report/1`) from the record, once;
//! 6. [`render`] — the report as a terminal page or a self-contained HTML page; [`corpus`] —
//!    the same pipeline over many records, in parallel, one output line per record.
//!
//! Beside the pipeline: [`train`] (the learners of every shipped model), [`eval`] (the
//! protocols behind every number unspin reports about itself), [`score`] (official scorers and
//! folds) and [`data`] (loaders for the shared data). The layering rule — which module may
//! import which — is in `ARCHITECTURE.md` and held by a test.
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
pub mod assets;
pub mod corpus;
pub mod data;
pub mod detect;
pub mod doc;
pub mod error;
pub mod eval;
pub mod hash;
pub mod ingest;
pub mod lexicon;
pub mod model;
pub mod render;
pub mod report;
pub mod score;
pub mod span;
pub mod technique;
pub mod text;
pub mod train;

pub use analyze::{Analyzer, Config, LanguagePolicy, ModelChoice, Tier};
pub use error::{Error, Result};
pub use ingest::{Document, Format, Limits};
pub use report::Report;
pub use span::Span;
pub use technique::Technique;

/// The README's code blocks, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
