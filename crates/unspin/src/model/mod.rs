//! Trained models as they are applied: the linear model form, the versioned file format, and the
//! models unspin ships — the technique tagger, the sentence models (check-worthiness, hedging,
//! clickbait), the attribution tagger, the document reliability model and the source prior. Each reads the document
//! record (`doc::Doc`) and adds to it; none reads a report. Their learners are in `train`.
//!
//! The shipped model files are embedded in the binary, so analysis needs no data at hand.

#[cfg(feature = "accurate")]
pub mod accurate;
pub mod attribution;
pub mod embeddings;
pub mod format;
pub mod linear;
pub mod paragraphs;
pub mod reliability;
pub mod sentence;
pub mod sources;
pub mod techniques;

pub use format::{ModelFile, ModelKind};

use crate::error::Result;

impl ModelFile for techniques::TechniqueModel {
    const KIND: ModelKind = ModelKind::Techniques;
    const FEATURE_SET: u32 = techniques::FEATURE_SET;
    fn feature_set(&self) -> u32 {
        self.features.feature_set
    }
}

impl ModelFile for sentence::SentenceModels {
    const KIND: ModelKind = ModelKind::Sentences;
    const FEATURE_SET: u32 = sentence::FEATURE_SET;
    fn feature_set(&self) -> u32 {
        self.clickbait.feature_set
    }
}

impl ModelFile for embeddings::WordVectors {
    const KIND: ModelKind = ModelKind::Embeddings;
    const FEATURE_SET: u32 = embeddings::FEATURE_SET;
    fn feature_set(&self) -> u32 {
        self.feature_set
    }
}

impl ModelFile for paragraphs::ParagraphModel {
    const KIND: ModelKind = ModelKind::Paragraphs;
    const FEATURE_SET: u32 = paragraphs::FEATURE_SET;
    fn feature_set(&self) -> u32 {
        self.feature_set
    }
}

impl ModelFile for reliability::ReliabilityModel {
    const KIND: ModelKind = ModelKind::Reliability;
    const FEATURE_SET: u32 = reliability::FEATURE_SET;
    fn feature_set(&self) -> u32 {
        self.feature_set
    }
}

/// The model files trained by `unspin train …`, embedded at build time. Empty only while
/// bootstrapping a fresh checkout's first training run; a test guards that they ship.
const TECHNIQUES: &[u8] = include_bytes!("../../models/techniques.bin");
/// The accurate tier's model (`scripts/train_accurate.sh`; provenance in its metadata and in
/// `models/techniques-accurate.md`).
#[cfg(feature = "accurate")]
pub(crate) const ACCURATE: &[u8] = include_bytes!("../../models/techniques-accurate.safetensors");
const SENTENCES: &[u8] = include_bytes!("../../models/sentences.bin");
const RELIABILITY: &[u8] = include_bytes!("../../models/reliability.bin");
const ATTRIBUTION: &[u8] = include_bytes!("../../models/attribution.bin");
/// The paragraph technique model of six languages (`unspin train paragraphs`).
const PARAGRAPHS: &[u8] = include_bytes!("../../models/paragraphs.bin");

/// SHA-256 (hex) of the embedded accurate model: what teacher labels record as their teacher.
#[cfg(feature = "accurate")]
pub fn accurate_sha256() -> String {
    format::sha256(ACCURATE)
}

/// The embedded file of a kind (empty when the build carries none).
pub fn embedded_bytes(kind: ModelKind) -> &'static [u8] {
    match kind {
        ModelKind::Techniques => TECHNIQUES,
        ModelKind::Sentences => SENTENCES,
        ModelKind::Reliability => RELIABILITY,
        ModelKind::Attribution => ATTRIBUTION,
        ModelKind::Embeddings => embeddings::embedded_bytes(),
        ModelKind::Paragraphs => PARAGRAPHS,
    }
}

fn embedded<T: ModelFile>() -> Result<Option<T>> {
    let bytes = embedded_bytes(T::KIND);
    if bytes.is_empty() {
        return Ok(None);
    }
    format::decode(bytes).map(Some)
}

/// The embedded technique model, or `None` when the build carries none.
pub fn embedded_techniques() -> Result<Option<techniques::TechniqueModel>> {
    embedded()
}

/// The embedded reliability model, or `None` when the build carries none.
pub fn embedded_reliability() -> Result<Option<reliability::ReliabilityModel>> {
    let m: Option<reliability::ReliabilityModel> = embedded()?;
    if let Some(m) = &m {
        m.check()?;
    }
    Ok(m)
}

/// The embedded sentence models, or `None` when the build carries none.
pub fn embedded_sentences() -> Result<Option<sentence::SentenceModels>> {
    let m: Option<sentence::SentenceModels> = embedded()?;
    if let Some(m) = &m {
        m.check()?;
    }
    Ok(m)
}

/// The embedded attribution tagger, or `None` when the build carries none.
pub fn embedded_attribution() -> Result<Option<attribution::AttributionModel>> {
    let m: Option<attribution::AttributionModel> = embedded()?;
    if let Some(m) = &m {
        m.check()?;
    }
    Ok(m)
}

/// The embedded paragraph technique model (six languages), or `None` when the build carries none.
pub fn embedded_paragraphs() -> Result<Option<paragraphs::ParagraphModel>> {
    let m: Option<paragraphs::ParagraphModel> = embedded()?;
    if let Some(m) = &m {
        m.check()?;
    }
    Ok(m)
}
