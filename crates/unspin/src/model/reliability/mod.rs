//! Document reliability: named signals of how an article is written, a logistic model over
//! them, and Platt calibration on out-of-fold predictions.
//!
//! Every feature is a rate of something a reader can point at (technique spans, hedges, vague
//! sources, charged words, capitals, ...), never a word identity: a bag of words learns
//! publishers, datelines and topics, which is why published fake-news classifiers collapse on
//! sources they have not seen. Each feature's contribution to the log-odds is reported as a
//! reason, with the spans behind it, so the probability can be checked against the text.
//!
//! `signals.rs` measures the signals on a document; this module holds the model and applies it.
//! The learner is `train::reliability`.

pub mod prior;
mod signals;

pub use signals::{Signal, signals, word_features, word_signal};

use crate::error::{Error, Result};
use crate::model::linear::{Linear, logistic};
use crate::model::sources::SourcePrior;
use crate::technique::Technique;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped when a signal is added, removed or computed differently.
pub const FEATURE_SET: u32 = 7;

/// The direction a reader expects a signal to push: persuasion techniques, vague sources,
/// conditional framing, distancing, charged words, unsupported claims … toward "unreliable";
/// named sources and direct quotes toward "reliable"; where no direction is obvious (hedge
/// words, first-person words, long sentences), either. Training honours it: a signal's weight
/// can be zero but never of the other sign (`train::reliability::fit_bounded`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    Unreliable,
    Reliable,
    Either,
}

/// The signals, in model order: name, what a reader is told, the direction a reader expects.
pub const SIGNALS: &[(&str, &str, Expect)] = &[
    (
        "appeal_to_authority",
        "claims leaning on an authority rather than evidence",
        Expect::Unreliable,
    ),
    (
        "appeal_to_fear",
        "appeals to fear or prejudice",
        Expect::Unreliable,
    ),
    (
        "bandwagon",
        "bandwagon or reductio ad Hitlerum",
        Expect::Unreliable,
    ),
    (
        "black_and_white",
        "black-and-white fallacy",
        Expect::Unreliable,
    ),
    (
        "causal_oversimplification",
        "causal oversimplification",
        Expect::Unreliable,
    ),
    (
        "doubt",
        "doubt cast on a person or institution",
        Expect::Unreliable,
    ),
    (
        "exaggeration",
        "exaggeration or minimisation",
        Expect::Unreliable,
    ),
    ("flag_waving", "flag-waving", Expect::Unreliable),
    ("loaded_language", "loaded language", Expect::Unreliable),
    (
        "name_calling",
        "name calling or labelling",
        Expect::Unreliable,
    ),
    ("repetition", "repetition", Expect::Unreliable),
    ("slogans", "slogans", Expect::Unreliable),
    (
        "thought_terminating_cliche",
        "thought-terminating clichés",
        Expect::Unreliable,
    ),
    (
        "whataboutism",
        "whataboutism, straw men or red herrings",
        Expect::Unreliable,
    ),
    (
        "hedging",
        "hedge words that soften or qualify claims",
        Expect::Either,
    ),
    (
        "conditional_framing",
        "claims made conditional on their own truth",
        Expect::Unreliable,
    ),
    (
        "distancing",
        "the writer distances themself from a claim they still make",
        Expect::Unreliable,
    ),
    (
        "vague_attribution",
        "claims credited to unnamed or vague sources",
        Expect::Unreliable,
    ),
    (
        "named_attribution",
        "claims credited to a named source",
        Expect::Reliable,
    ),
    ("direct_quotes", "direct quotations", Expect::Reliable),
    (
        "strong_subjective",
        "strongly subjective words",
        Expect::Unreliable,
    ),
    (
        "bias_words",
        "words from the bias lexicon",
        Expect::Unreliable,
    ),
    (
        "charged_words",
        "words with strong sentiment",
        Expect::Unreliable,
    ),
    ("exclamations", "exclamation marks", Expect::Unreliable),
    ("questions", "questions", Expect::Unreliable),
    ("all_caps", "words in capitals", Expect::Unreliable),
    (
        "first_person",
        "first-person words (I, we, our)",
        Expect::Either,
    ),
    (
        "second_person",
        "second-person words (you, your)",
        Expect::Unreliable,
    ),
    (
        "long_sentences",
        "long sentences (over 35 words)",
        Expect::Either,
    ),
    (
        "unsupported_claims",
        "check-worthy claims with no source (the check-worthiness model's decision, no attribution)",
        Expect::Unreliable,
    ),
    (
        "headline_punctuation",
        "a headline with ! or ?",
        Expect::Unreliable,
    ),
    (
        "headline_caps",
        "capitalised words in the headline",
        Expect::Unreliable,
    ),
];

/// The expected direction of the word profile: its input is a log-odds of "unreliable".
pub const WORD_PROFILE_EXPECT: Expect = Expect::Unreliable;

/// The expected direction of each input of a model with the given feature names.
pub fn expectations(features: &[String]) -> Vec<Expect> {
    features
        .iter()
        .map(|f| {
            SIGNALS
                .iter()
                .find(|(n, _, _)| n == f)
                .map_or(WORD_PROFILE_EXPECT, |s| s.2)
        })
        .collect()
}

/// What a reader is told about the word profile.
const WORD_PROFILE_DESCRIPTION: &str = "resemblance of the wording to that of the unreliable articles in training (statistics of words, word pairs and groups of words of like meaning, not a judgment of the claims; the words that weighed most are shown)";

/// Index of a signal in [`SIGNALS`] (a test pins the constants below to the table).
pub(crate) fn slot(name: &str) -> usize {
    SIGNALS
        .iter()
        .position(|(n, _, _)| *n == name)
        .expect("a signal of the table")
}

pub(crate) const S_STRONG_SUBJECTIVE: usize = 20;
pub(crate) const S_BIAS_WORDS: usize = 21;
pub(crate) const S_CHARGED_WORDS: usize = 22;
pub(crate) const S_EXCLAMATIONS: usize = 23;
pub(crate) const S_QUESTIONS: usize = 24;
pub(crate) const S_ALL_CAPS: usize = 25;
pub(crate) const S_FIRST_PERSON: usize = 26;
pub(crate) const S_SECOND_PERSON: usize = 27;

/// The technique signal names, in `Technique::ALL` order.
pub fn technique_signal(t: Technique) -> &'static str {
    match t {
        Technique::AppealToAuthority => "appeal_to_authority",
        Technique::AppealToFearPrejudice => "appeal_to_fear",
        Technique::BandwagonReductioAdHitlerum => "bandwagon",
        Technique::BlackAndWhiteFallacy => "black_and_white",
        Technique::CausalOversimplification => "causal_oversimplification",
        Technique::Doubt => "doubt",
        Technique::ExaggerationMinimisation => "exaggeration",
        Technique::FlagWaving => "flag_waving",
        Technique::LoadedLanguage => "loaded_language",
        Technique::NameCallingLabeling => "name_calling",
        Technique::Repetition => "repetition",
        Technique::Slogans => "slogans",
        Technique::ThoughtTerminatingCliches => "thought_terminating_cliche",
        Technique::WhataboutismStrawMenRedHerring => "whataboutism",
    }
}

/// The signal of the word-profile model (after the [`SIGNALS`]).
pub const WORD_PROFILE: &str = "word_profile";

/// What a signal's rate counts per.
pub fn unit(signal: &str) -> RateUnit {
    match signal {
        "vague_attribution" | "named_attribution" | "direct_quotes" | "long_sentences"
        | "unsupported_claims" | "exclamations" | "questions" => RateUnit::PerSentence,
        "headline_punctuation" | "headline_caps" => RateUnit::Headline,
        WORD_PROFILE => RateUnit::Score,
        _ => RateUnit::Per100Words,
    }
}

/// The direction a reader expects of a signal.
pub fn expected(signal: &str) -> Expect {
    SIGNALS
        .iter()
        .find(|(n, _, _)| *n == signal)
        .map_or(WORD_PROFILE_EXPECT, |s| s.2)
}

/// What a reader is told about a signal.
pub fn describe(signal: &str) -> &'static str {
    if signal == WORD_PROFILE {
        return WORD_PROFILE_DESCRIPTION;
    }
    SIGNALS
        .iter()
        .find(|(n, _, _)| *n == signal)
        .map_or("signal", |(_, d, _)| d)
}

/// What a signal's rate is counted per.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateUnit {
    #[default]
    #[serde(rename = "per_100_words")]
    Per100Words,
    PerSentence,
    /// A count or flag in the headline.
    Headline,
    /// A model score (the word profile's log-odds).
    Score,
    /// A site-list entry: not a property of the text.
    Listing,
}

impl RateUnit {
    pub fn describe(self) -> &'static str {
        match self {
            RateUnit::Per100Words => "per 100 words",
            RateUnit::PerSentence => "per sentence",
            RateUnit::Headline => "in the headline",
            RateUnit::Score => "log-odds",
            RateUnit::Listing => "site listing",
        }
    }
}

/// Training facts stored with the model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReliabilityTrainInfo {
    pub data_sha256: String,
    pub articles: usize,
    pub unreliable: usize,
    pub include_fakes: bool,
    /// Every corpus in the training data (`Corpus::name`).
    pub corpora: Vec<String>,
    pub l2: f64,
    pub folds: usize,
    /// The models whose output the signals were computed from when it was trained: kind and
    /// SHA-256 of the model file (`techniques`, `sentences`). An analyzer that feeds it the
    /// output of other models says so in every report (`analyze::Analyzer`).
    pub inputs: Vec<(String, String)>,
}

/// The shipped reliability model: standardised logistic regression plus Platt scaling.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReliabilityModel {
    pub name: String,
    pub version: String,
    pub feature_set: u32,
    /// Signal names in input order (checked against [`SIGNALS`] when loading).
    pub features: Vec<String>,
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
    pub weights: Vec<f64>,
    pub bias: f64,
    /// `p = sigmoid(a · logit + b)`, fitted on out-of-fold logits.
    pub platt: (f64, f64),
    /// The word-profile model whose logit is the last input (`word_profile`), when trained.
    pub words: Option<Linear>,
    /// Log-odds shifts by site-list category (see [`crate::model::sources`]), applied only when the
    /// record's site is listed and the prior is on.
    pub source_prior: Option<SourcePrior>,
    pub train: ReliabilityTrainInfo,
    pub metrics: BTreeMap<String, f64>,
}

/// One scored article: the calibrated probability as `logistic(baseline + Σ contributions)`.
/// Each signal's contribution is measured against its absence (an input of zero), so a signal
/// the article does not show contributes nothing and one it shows pushes the way its weight
/// does; `baseline` is the calibrated log-odds of an article with none of the signals.
#[derive(Debug, Clone)]
pub struct Scored {
    pub p_unreliable: f64,
    pub baseline: f64,
    pub contributions: Vec<f64>,
}

impl ReliabilityModel {
    /// The share of unreliable articles in the training data: the base rate the calibrated
    /// probabilities are for.
    pub fn train_base_rate(&self) -> f64 {
        if self.train.articles == 0 {
            return 0.5;
        }
        (self.train.unreliable as f64 / self.train.articles as f64).clamp(0.001, 0.999)
    }
    /// Checks that the model reads the signals this build computes.
    pub fn check(&self) -> Result<()> {
        let mut ours: Vec<&str> = SIGNALS.iter().map(|(n, _, _)| *n).collect();
        if self.words.is_some() {
            ours.push(WORD_PROFILE);
        }
        if self.feature_set != FEATURE_SET
            || self
                .features
                .iter()
                .map(String::as_str)
                .ne(ours.iter().copied())
            || [self.mean.len(), self.std.len(), self.weights.len()] != [ours.len(); 3]
        {
            return Err(Error::Model(format!(
                "reliability model uses feature set {} with {} signals; this build computes feature set {FEATURE_SET} with {} signals: retrain it",
                self.feature_set,
                self.features.len(),
                ours.len()
            )));
        }
        if let Some(w) = &self.words {
            w.check(WORD_BITS, 1, "word-profile")?;
            // The word profile reads word groups of the word vectors it was trained with.
            if let Some((_, sha)) = self.train.inputs.iter().find(|(k, _)| k == "embeddings") {
                crate::model::embeddings::check_trained_with(
                    sha,
                    "the reliability model's word profile (`unspin train reliability`)",
                )?;
            }
        }
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        if !finite(&self.mean) || !finite(&self.std) || !finite(&self.weights) {
            return Err(Error::Model(
                "corrupted reliability model: a weight or scale is not a finite number".into(),
            ));
        }
        Ok(())
    }

    pub fn score(&self, signals: &[Signal]) -> Scored {
        let x: Vec<f64> = signals.iter().map(|s| s.x).collect();
        let (a, b) = self.platt;
        let terms = standardised_terms(&x, &self.mean, &self.std, &self.weights);
        let logit = self.bias + terms.iter().sum::<f64>();
        // The same logit, split at zero inputs instead of at the training mean.
        let zero = vec![0.0; x.len()];
        let at_zero = self.bias
            + standardised_terms(&zero, &self.mean, &self.std, &self.weights)
                .iter()
                .sum::<f64>();
        Scored {
            p_unreliable: logistic(a * logit + b),
            baseline: a * at_zero + b,
            contributions: x
                .iter()
                .zip(&self.std)
                .zip(&self.weights)
                .map(|((x, s), w)| a * w * x / s)
                .collect(),
        }
    }
}

/// Each input's term of the logit, `w · (x − mean) / std`: its contribution relative to an
/// average training article.
pub(crate) fn standardised_terms(
    x: &[f64],
    mean: &[f64],
    std: &[f64],
    weights: &[f64],
) -> Vec<f64> {
    x.iter()
        .zip(mean)
        .zip(std)
        .zip(weights)
        .map(|(((x, m), s), w)| w * (x - m) / s)
        .collect()
}

/// Hash bits of the word-profile model.
pub const WORD_BITS: u8 = 18;

/// Each feature of an article is worth 1/√n (n distinct features), as in an L2-normalised
/// binary bag: without it long articles get large logits whatever they say, and grouped-CV
/// AUC was 0.794 instead of 0.826.
pub(crate) fn word_value(x: &[u32]) -> f32 {
    1.0 / (x.len().max(1) as f32).sqrt()
}

/// The word-profile logit of an article.
pub fn word_logit(m: &Linear, words: &[u32]) -> f64 {
    let mut s = Vec::new();
    m.scores(words, &mut s);
    let b = m.bias[0];
    f64::from(b + (s[0] - b) * word_value(words))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_slots_match_the_table() {
        for (k, n) in [
            (S_STRONG_SUBJECTIVE, "strong_subjective"),
            (S_BIAS_WORDS, "bias_words"),
            (S_CHARGED_WORDS, "charged_words"),
            (S_EXCLAMATIONS, "exclamations"),
            (S_QUESTIONS, "questions"),
            (S_ALL_CAPS, "all_caps"),
            (S_FIRST_PERSON, "first_person"),
            (S_SECOND_PERSON, "second_person"),
        ] {
            assert_eq!(SIGNALS[k].0, n);
        }
        for t in Technique::ALL {
            assert_eq!(SIGNALS[slot(technique_signal(t))].0, technique_signal(t));
        }
    }
}
