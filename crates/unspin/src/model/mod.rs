//! Trained models: the linear learner, the versioned file format, and the models unspin ships.
//! The shipped model files are embedded in the binary, so analysis needs no data at hand.

pub mod format;
pub mod linear;
pub mod reliability;
pub mod sentence;
pub mod sources;
pub mod techniques;

use crate::error::Result;

/// The technique model trained by `unspin train techniques`, embedded at build time. Empty only
/// while bootstrapping a fresh checkout's first training run; a test guards that it ships.
const TECHNIQUES: &[u8] = include_bytes!("../../models/techniques.bin");

/// The embedded technique model, or `None` when the build carries none.
pub fn embedded_techniques() -> Result<Option<techniques::TechniqueModel>> {
    if TECHNIQUES.is_empty() {
        return Ok(None);
    }
    format::decode(TECHNIQUES).map(Some)
}

/// The reliability model trained by `unspin train reliability`, embedded at build time (empty
/// while bootstrapping; a test guards that it ships).
const RELIABILITY: &[u8] = include_bytes!("../../models/reliability.bin");

/// The embedded reliability model, or `None` when the build carries none.
pub fn embedded_reliability() -> Result<Option<reliability::ReliabilityModel>> {
    if RELIABILITY.is_empty() {
        return Ok(None);
    }
    let m: reliability::ReliabilityModel = format::decode(RELIABILITY)?;
    m.check()?;
    Ok(Some(m))
}

/// The sentence models trained by `unspin train sentences`, embedded at build time (empty while
/// bootstrapping; a test guards that they ship).
const SENTENCES: &[u8] = include_bytes!("../../models/sentences.bin");

/// The embedded sentence models, or `None` when the build carries none.
pub fn embedded_sentences() -> Result<Option<sentence::SentenceModels>> {
    if SENTENCES.is_empty() {
        return Ok(None);
    }
    let m: sentence::SentenceModels = format::decode(SENTENCES)?;
    m.check()?;
    Ok(Some(m))
}
