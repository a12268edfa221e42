//! The report contract, `unspin.report/1` (specified in `docs/report-format.md` and
//! `docs/report.schema.json`). Adding a field is compatible; changing or removing one needs a new
//! schema version.
//!
//! A value no model computes yet is `null`, never a made-up constant: a reader must be able to tell
//! "the model says 0.5" from "nothing measured this".

pub use crate::detect::headline::HeadlineCueKind;
pub use crate::doc::{HedgeKind, ModelInfo, SourceKind};
use crate::ingest::SourceMeta;
pub use crate::model::reliability::{Expect, RateUnit};
use crate::span::Span;
use crate::technique::Technique;
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "unspin.report/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub id: Option<String>,
    pub title: Option<String>,
    /// The canonical text: every `start`/`end` in the report indexes into it in code points.
    pub text: String,
    /// ISO 639-3 code of the detected language, or null when undetermined.
    pub language: Option<String>,
    pub source: SourceMeta,
    pub headline: Option<Headline>,
    pub reliability: Reliability,
    pub techniques: Vec<TechniqueSpan>,
    /// ISO 639-1 code of the language whose word lists and models produced the figures (the
    /// detected one, or `--language`), or null when unspin has none for the text's language.
    #[serde(default)]
    pub analysed_as: Option<String>,
    /// Persuasion techniques per paragraph in the 23-technique taxonomy of SemEval-2023, by
    /// the paragraph model of `analysed_as`; null when no such model ran.
    #[serde(default)]
    pub paragraph_techniques: Option<ParagraphTechniques>,
    pub sentences: Vec<SentenceReport>,
    pub models: Vec<ModelInfo>,
    /// Conditions a reader should know about (e.g. the text is not English).
    pub warnings: Vec<String>,
}

/// The headline: the record's or HTML page's title. Its offsets index into `title`, not `text`.
/// The paragraph model's labels (`model::paragraphs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParagraphTechniques {
    /// "SemEval-2023 Task 3 (23 techniques)".
    pub taxonomy: String,
    /// ISO 639-1 code of the language model that labelled the paragraphs.
    pub language: String,
    /// Model name and version.
    pub model: String,
    /// Paragraphs (non-blank lines) with at least one technique at or above its threshold.
    pub paragraphs: Vec<ParagraphReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParagraphReport {
    pub start: usize,
    pub end: usize,
    /// ISO 639-1 code of the model that labelled this paragraph, present only when it is not
    /// the document's (`ParagraphTechniques::language`): the paragraph was detected to be in
    /// another of the six languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Most probable first.
    pub techniques: Vec<ParagraphTechnique>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParagraphTechnique {
    /// Name as in SemEval-2023 ("Loaded_Language", "Name_Calling-Labeling").
    pub technique: String,
    /// Calibrated probability that the paragraph uses it.
    pub confidence: f64,
    /// The threshold it reached (the decision taken: reported because confidence ≥ threshold).
    pub threshold: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    pub start: usize,
    pub end: usize,
    pub clickbait: Option<f64>,
    /// The clickbait model's decision, at its threshold (in the model's `thresholds`).
    #[serde(default)]
    pub is_clickbait: Option<bool>,
    /// Sensationalism the clickbait model does not see — capitals, words of alarm, stacked
    /// `!`/`?`, charged words: a word of alarm, stacked marks, or two cues make it sensational;
    /// null when the rules did not run (a text in another language).
    #[serde(default)]
    pub sensational: Option<bool>,
    /// The cues, with offsets into `title`.
    #[serde(default)]
    pub sensational_cues: Vec<HeadlineCueSpan>,
}

/// One sensationalism cue of the headline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadlineCueSpan {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub kind: HeadlineCueKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Reliable,
    Uncertain,
    Unreliable,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    /// With the source prior when it applied (see `source_prior`), from the text alone otherwise.
    pub p_unreliable: Option<f64>,
    pub label: Option<Label>,
    /// The calibrated log-odds of an article that shows none of the signals:
    /// `p_unreliable = logistic(baseline + Σ reasons[].contribution)`.
    #[serde(default)]
    pub baseline: Option<f64>,
    /// The share of unreliable articles `p_unreliable` is calibrated for: the same text reads
    /// as more likely unreliable in a feed where more articles are. Null without a model.
    #[serde(default)]
    pub base_rate: Option<BaseRateReport>,
    /// The signals the article shows, strongest contribution first in either direction. A
    /// signal it does not show contributes nothing (contributions are measured against each
    /// signal's absence) and is not listed.
    pub reasons: Vec<Reason>,
    /// Present when the record's site is on a compiled-in site list and the prior is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_prior: Option<SourcePriorReport>,
}

/// The base rate behind a reliability probability.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BaseRateReport {
    /// The share of unreliable articles the probability is read against.
    pub value: f64,
    /// Whether the user stated it (`--base-rate`); otherwise it is the training pool's.
    pub stated: bool,
    /// The training pool's share, which the model was calibrated on.
    pub training: f64,
}

/// What a site list says about the record's site, and how far it moved the probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcePriorReport {
    pub domain: String,
    /// The list, e.g. `OpenSources`.
    pub list: String,
    /// The site's categories on the list, the primary one (which the shift is keyed on) first.
    pub categories: Vec<String>,
    /// Log-odds added to the text model's; 0 when the model carries no fitted prior.
    pub shift: f64,
    /// Training articles from sites of the primary category that the shift was fitted on.
    pub training_articles: usize,
    /// The probability from the text alone.
    pub p_unreliable_text: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable signal name, e.g. `vague_attribution`.
    pub signal: String,
    /// Human description of the signal.
    pub description: String,
    /// Contribution to the log-odds of `p_unreliable`, against the signal's absence; null until
    /// a reliability model weighs it.
    pub contribution: Option<f64>,
    /// Which way the contribution pushes; null without a model (or when it is exactly zero).
    #[serde(default)]
    pub direction: Option<Direction>,
    /// Which way a reader expects this signal to push; the model is trained to honour it (a
    /// weight of the other sign is not allowed), `either` where no direction is obvious.
    #[serde(default = "either")]
    pub expected: Expect,
    /// How many times the signal occurs in the text.
    pub count: usize,
    pub spans: Vec<[usize; 2]>,
    /// The signal's rate in this article, in `unit`.
    #[serde(default)]
    pub rate: f64,
    #[serde(default)]
    pub unit: RateUnit,
    /// The rate of an average article the model was trained on; null without a model.
    #[serde(default)]
    pub typical: Option<f64>,
}

fn either() -> Expect {
    Expect::Either
}

/// Which way a reason pushes the probability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    TowardUnreliable,
    TowardReliable,
}

impl Direction {
    /// The direction of a log-odds contribution (none for zero).
    pub fn of(contribution: f64) -> Option<Direction> {
        if contribution > 0.0 {
            Some(Direction::TowardUnreliable)
        } else if contribution < 0.0 {
            Some(Direction::TowardReliable)
        } else {
            None
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Direction::TowardUnreliable => "toward unreliable",
            Direction::TowardReliable => "toward reliable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TechniqueSpan {
    pub technique: Technique,
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub confidence: Option<f64>,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceReport {
    pub start: usize,
    pub end: usize,
    pub checkworthiness: Option<f64>,
    /// The check-worthiness model's decision, at its threshold (in the model's `thresholds`).
    #[serde(default)]
    pub check_worthy: Option<bool>,
    pub hedging: Option<f64>,
    /// The hedging model's decision, at its threshold.
    #[serde(default)]
    pub hedged: Option<bool>,
    pub hedge_cues: Vec<HedgeCueSpan>,
    pub attribution: AttributionReport,
    /// Publisher furniture (byline, dateline line, share/subscribe tail, copyright, photo
    /// credit): left out of the reliability signals and of the unsupported claims.
    #[serde(default)]
    pub boilerplate: bool,
    /// A check-worthy sentence of the article (check-worthiness at or above the claim
    /// threshold, not boilerplate) that gives no source: what the `unsupported_claims` signal
    /// and the corpus summaries count.
    #[serde(default)]
    pub unsupported_claim: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HedgeCueSpan {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub kind: HedgeKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionReport {
    pub kind: SourceKind,
    pub source: Option<String>,
    /// The attribution phrase ("According to TruthFeed"); null when `kind` is `none`.
    pub start: Option<usize>,
    pub end: Option<usize>,
    pub verb: Option<String>,
    /// Whether the sentence carries a direct quotation.
    pub quote: bool,
    /// The attribution tagger's parts (absent when the rules found the attribution): where the
    /// source's words, the cue and what is attributed lie. A long quotation's speaker is named
    /// once, so these may lie in a neighbouring sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_span: Option<TextSpan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cue: Option<TextSpan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content: Vec<TextSpan>,
    /// For a pronoun source ("he"), the named source before it that it most likely stands for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<String>,
    /// The tagger's confidence in the attribution: the lowest of its parts' mean tag
    /// probabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
}

/// A span of the text with its words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextSpan {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

impl AttributionReport {
    pub fn none(quote: bool) -> AttributionReport {
        AttributionReport {
            kind: SourceKind::None,
            source: None,
            start: None,
            end: None,
            verb: None,
            quote,
            source_span: None,
            cue: None,
            content: Vec::new(),
            resolved: None,
            confidence: None,
        }
    }

    pub fn span(&self) -> Option<Span> {
        Some(Span::new(self.start?, self.end?))
    }
}

impl Reliability {
    /// The reason of a signal, when the report lists it.
    pub fn reason(&self, signal: &str) -> Option<&Reason> {
        self.reasons.iter().find(|r| r.signal == signal)
    }
}

impl Report {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report always serialises")
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }
}
