//! Detectors: hand-written rules over the segmented text. Each reads the document record
//! ([`Doc`]) and adds what it finds to it — byte ranges into the canonical text, with the
//! evidence that made it fire — before the trained models run; the report stage turns them
//! into code-point spans.
//!
//! A new rule detector implements [`Detector`] and joins the analyzer's list
//! (`analyze::Analyzer`); its word lists and patterns go under `assets/lang/<code>/`.

mod attribution;
pub mod boilerplate;
pub mod cues;
pub mod headline;
mod hedging;
mod loaded;

pub use attribution::{AttributionDetector, has_direct_quote};
pub use boilerplate::BoilerplateDetector;
pub use headline::HeadlineDetector;
pub use hedging::HedgingDetector;
pub use loaded::LoadedLanguageDetector;

use crate::doc::{Doc, ModelInfo};
use std::ops::Range;

pub trait Detector: Send + Sync {
    /// What the detector is, for the report's `models` list.
    fn info(&self) -> ModelInfo;
    /// Adds the detector's findings to the document.
    fn detect(&self, doc: &mut Doc<'_>);
}

/// Whether `bytes` is delimited by non-word characters in `text` (or the text's ends).
pub(crate) fn at_word_bounds(text: &str, bytes: &Range<usize>) -> bool {
    let before = text[..bytes.start].chars().next_back();
    let after = text[bytes.end..].chars().next();
    !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Compiles one regular expression per entry of a pattern file. The patterns are embedded and
/// pinned by the detector tables, so a pattern that does not compile is a build defect.
fn patterns(lang: &crate::assets::Lang, path: &str) -> Vec<regex::Regex> {
    lang.entries(path)
        .map(|p| regex::Regex::new(p).unwrap_or_else(|e| panic!("{}/{path}: {e}", lang.code)))
        .collect()
}
