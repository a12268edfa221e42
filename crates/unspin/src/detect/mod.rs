//! Detectors: each reads the segmented text and emits findings that point at exact byte ranges,
//! with the evidence that made it fire. The report stage turns them into code-point spans.
//!
//! These first detectors are rules over lexicons; trained models replace or join them later
//! behind the same trait, so the report contract does not move.

mod attribution;
mod hedging;
mod loaded;

pub use attribution::AttributionDetector;
pub use hedging::HedgingDetector;
pub use loaded::LoadedLanguageDetector;

use crate::technique::Technique;
use crate::text::Analyzed;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// What a detector is, for the `models` list of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub name: String,
    pub version: String,
    /// `rules` for hand-written detectors, `trained` for models learned from data.
    pub kind: String,
}

pub trait Detector: Send + Sync {
    fn info(&self) -> ModelInfo;
    fn detect(&self, doc: &Analyzed<'_>, out: &mut Vec<Finding>);
}

#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    Hedge(HedgeCue),
    Attribution(Attribution),
    Technique(TechniqueFinding),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HedgeKind {
    /// A hedge word from Hyland's list ("might", "suggests", "probably").
    Lexical,
    /// A claim made conditional on its own truth ("If the accusations are true", "Should this be").
    Conditional,
    /// A marker that distances the writer from a claim ("allegedly", "reportedly", "it appears").
    Distancing,
    /// A word the hedging model weighs as a hedge ("some", "considered"), marked only in a
    /// sentence it calls hedged; the reliability signals count the lexicon cues only.
    Learned,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HedgeCue {
    pub sentence: usize,
    pub bytes: Range<usize>,
    pub kind: HedgeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Named,
    Vague,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    pub sentence: usize,
    pub kind: SourceKind,
    /// The source as written ("TruthFeed", "Reports", "the minister").
    pub source: Option<String>,
    /// The whole attribution phrase ("According to TruthFeed", "Reports are fast coming in").
    pub bytes: Range<usize>,
    pub verb: Option<String>,
    /// Which rule fired, for the evidence line.
    pub rule: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TechniqueFinding {
    pub technique: Technique,
    pub bytes: Range<usize>,
    /// Calibrated probability; `None` for rule detectors, which have no calibration.
    pub confidence: Option<f64>,
    pub evidence: Vec<String>,
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
