//! The persuasion-technique model: a token tagger that finds propaganda spans (SI) and a span
//! classifier that names the technique (TC), both linear over hashed features, trained by
//! `unspin train techniques` on the PTC training split.
//!
//! Features, chosen for what the techniques are made of: the words of and around a span, its
//! length (the strongest single cue: slogans are short, doubt and causal oversimplification are
//! clauses), the lexicons (subjectivity, bias, VADER valence, hedges, report verbs), whether the
//! same phrase recurs in the article (repetition), question and exclamation marks, quotes and
//! capitals, report verbs before the span (appeal to authority), and small keyword families of our
//! own per technique (nation words for flag-waving, "because" for causal oversimplification, …).

//!
//! `features.rs` turns a document into hashed features (shared with training, `train::techniques`),
//! `infer.rs` applies a model: token logits → spans → technique and calibrated confidence.

mod features;
mod infer;

pub(crate) use features::{DocContext, Featurizer, token_range};
pub use infer::{PredictedSpan, TechniqueTagger};
pub(crate) use infer::{argmax, decode};

use crate::model::linear::{Linear, TrainConfig};
use crate::technique::Technique;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped when feature extraction changes, so an old model is not read with new features.
pub const FEATURE_SET: u32 = 4;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeatureSettings {
    pub feature_set: u32,
    pub si_bits: u8,
    pub tc_bits: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainInfo {
    /// SHA-256 over the training articles and label files.
    pub data_sha256: String,
    pub articles: usize,
    pub spans: usize,
    pub si_config: TrainConfig,
    pub tc_config: TrainConfig,
    pub folds: usize,
}

/// The stored model (see `model::format` for the container).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TechniqueModel {
    pub name: String,
    pub version: String,
    pub features: FeatureSettings,
    pub si: Linear,
    /// How token probabilities become spans, chosen by cross-validation on the training split.
    pub decode: Decode,
    /// Platt scaling of a span's mean token logit to P(the span overlaps a gold span).
    pub span_platt: (f32, f32),
    pub tc: Linear,
    pub tc_classes: Vec<Technique>,
    pub tc_temperature: f32,
    pub train: TrainInfo,
    /// Cross-validation (train) and dev scores measured when the model was trained.
    pub metrics: BTreeMap<String, f64>,
}

/// Hysteresis decoding: a span is a run of tokens with probability at least `extend` (bridging
/// gaps of up to `gap` tokens) that holds at least one token at `seed` or above.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Decode {
    pub seed: f32,
    pub extend: f32,
    pub gap: usize,
}
