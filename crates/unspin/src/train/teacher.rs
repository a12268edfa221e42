//! The accurate tier as a teacher of the fast one (distillation): the accurate tier's
//! probability that each token of a text lies in a persuasion span, for the PTC training
//! articles and the unlabelled article pool. `unspin train teacher` (a build with the `accurate`
//! feature) writes them once to `crates/unspin/models/techniques-teacher.bin`; `unspin train
//! techniques` reads that file, so retraining the fast model needs neither the accurate tier nor
//! its minutes per thousand articles, and stays reproducible byte for byte.
//!
//! The file holds numbers only (one byte per token, keyed by the text's SHA-256), never a text:
//! the texts are research-only data and are read from `../shared/data` at training time. A text
//! whose hash or token count no longer matches (the data or the segmentation changed) is an
//! error naming it, not a silent mismatch.
//!
//! Layout: `"UNSPINTL"` | format version: u32 LE | body (postcard).

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

const MAGIC: &[u8; 8] = b"UNSPINTL";
/// Bump when [`TeacherLabels`] changes.
pub const FORMAT_VERSION: u32 = 1;

/// One text's labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeacherText {
    /// Where the text comes from: `ptc:<article id>` or `pool:<corpus>:<id>`.
    pub key: String,
    /// SHA-256 of the text (hex).
    pub text_sha256: String,
    /// Per token of the fast tier's segmentation: the teacher's probability, in 255ths.
    pub probs: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeacherLabels {
    /// SHA-256 of the accurate model file that labelled the texts.
    pub teacher_sha256: String,
    pub texts: Vec<TeacherText>,
}

impl TeacherText {
    /// The probabilities as numbers in [0, 1].
    pub fn targets(&self) -> Vec<f32> {
        self.probs.iter().map(|&b| f32::from(b) / 255.0).collect()
    }
}

/// A probability in 255ths (1/510 at most from the value).
pub fn quantize(p: f32) -> u8 {
    (p.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// SHA-256 of a text, hex.
pub fn text_sha256(text: &str) -> String {
    crate::model::format::sha256(text.as_bytes())
}

/// The key of a PTC training article in a teacher-labels file.
pub fn ptc_key(id: &str) -> String {
    format!("ptc:{id}")
}

/// The PTC article id of a key made by [`ptc_key`].
pub fn ptc_id(key: &str) -> Option<&str> {
    key.strip_prefix("ptc:")
}

/// The key of a pool article in a teacher-labels file.
pub fn pool_key(a: &crate::data::articles::PoolArticle) -> String {
    format!("pool:{}:{}", a.corpus.name(), a.id)
}

/// Whether a key was made by [`pool_key`].
pub fn pool_key_is(key: &str) -> bool {
    key.starts_with("pool:")
}

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::Model(format!("teacher labels: {msg}"))
}

impl TeacherLabels {
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend(postcard::to_stdvec(self).map_err(bad)?);
        Ok(out)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<TeacherLabels> {
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(bad(
                "not a teacher-labels file (`unspin train teacher` writes them)",
            ));
        }
        let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        if version != FORMAT_VERSION {
            return Err(bad(format!(
                "format version {version} is not one this build reads ({FORMAT_VERSION}); rerun `unspin train teacher`"
            )));
        }
        postcard::from_bytes(&bytes[12..]).map_err(|e| bad(format!("corrupt body ({e})")))
    }
}

/// The teacher's probability for each token of `doc`: the highest probability among the
/// accurate tier's word pieces that overlap the token (a word split into pieces is in a span
/// if any of its pieces is).
#[cfg(feature = "accurate")]
pub fn token_targets(
    teacher: &crate::model::accurate::AccurateTagger,
    doc: &crate::doc::Doc<'_>,
) -> Result<Vec<f32>> {
    let (probs, offsets) = teacher.piece_probs(doc.seg.text)?;
    let mut out = Vec::with_capacity(doc.seg.tokens.len());
    let mut k = 0;
    for t in &doc.seg.tokens {
        while k < offsets.len() && offsets[k].1 <= t.bytes.start {
            k += 1;
        }
        let mut best = 0f32;
        let mut j = k;
        while j < offsets.len() && offsets[j].0 < t.bytes.end {
            best = best.max(probs[j]);
            j += 1;
        }
        out.push(best);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_other_files_are_refused_by_name() {
        let l = TeacherLabels {
            teacher_sha256: "ab".into(),
            texts: vec![TeacherText {
                key: "ptc:1".into(),
                text_sha256: text_sha256("x"),
                probs: vec![0, quantize(0.5), quantize(1.2)],
            }],
        };
        let bytes = l.to_bytes().unwrap();
        assert_eq!(TeacherLabels::from_bytes(&bytes).unwrap(), l);
        assert_eq!(l.texts[0].targets(), vec![0.0, 128.0 / 255.0, 1.0]);
        let mut old = bytes.clone();
        old[8] = 9;
        let e = TeacherLabels::from_bytes(&old).unwrap_err().to_string();
        assert!(e.contains("format version 9"), "{e}");
        let e = TeacherLabels::from_bytes(b"UNSPINMD\x03\0\0\0")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a teacher-labels file"), "{e}");
        assert!(TeacherLabels::from_bytes(&bytes[..bytes.len() - 3]).is_err());
    }
}
