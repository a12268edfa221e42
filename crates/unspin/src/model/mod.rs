//! Trained models: the linear learner, the versioned file format, and the models unspin ships.
//! The shipped model files are embedded in the binary, so analysis needs no data at hand.

pub mod format;
pub mod linear;
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
