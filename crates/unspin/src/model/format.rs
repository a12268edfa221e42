//! The versioned model file. Layout, version 3:
//!
//! ```text
//! "UNSPINMD" | format version: u32 LE | kind: u8 length + UTF-8 name | feature set: u32 LE | model (postcard)
//! ```
//!
//! The header says what the file is before its body is read, so a file of another kind ("this
//! is a reliability model file, not a technique model file"), another format version or another
//! feature set is refused by name, never decoded into a silently wrong model or a panic.

use crate::error::{Error, Result};
use serde::{Serialize, de::DeserializeOwned};
use std::fmt;

const MAGIC: &[u8; 8] = b"UNSPINMD";
/// Bump when the container or a stored structure changes; old files then fail with a message
/// saying so.
pub const FORMAT_VERSION: u32 = 3;

/// What a model file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModelKind {
    Techniques,
    Sentences,
    Reliability,
    Attribution,
    Embeddings,
    Paragraphs,
}

impl ModelKind {
    pub const ALL: [ModelKind; 6] = [
        ModelKind::Techniques,
        ModelKind::Sentences,
        ModelKind::Reliability,
        ModelKind::Attribution,
        ModelKind::Embeddings,
        ModelKind::Paragraphs,
    ];

    /// The name stored in the header (and used in flags and messages).
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Techniques => "techniques",
            ModelKind::Sentences => "sentences",
            ModelKind::Reliability => "reliability",
            ModelKind::Attribution => "attribution",
            ModelKind::Embeddings => "embeddings",
            ModelKind::Paragraphs => "paragraphs",
        }
    }

    /// How a reader names it: "technique model".
    pub fn describe(self) -> &'static str {
        match self {
            ModelKind::Techniques => "technique model",
            ModelKind::Sentences => "sentence models",
            ModelKind::Reliability => "reliability model",
            ModelKind::Attribution => "attribution model",
            ModelKind::Embeddings => "word vectors",
            ModelKind::Paragraphs => "paragraph technique model",
        }
    }

    fn from_name(name: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A model that can be stored: its kind, and the feature set this build computes for it.
pub trait ModelFile: Serialize + DeserializeOwned {
    const KIND: ModelKind;
    /// The feature set this build extracts for models of this kind.
    const FEATURE_SET: u32;
    /// The feature set this model was trained with.
    fn feature_set(&self) -> u32;
}

/// What a file's header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub version: u32,
    pub kind: ModelKind,
    pub feature_set: u32,
    /// Where the model body starts.
    body: usize,
}

pub fn encode<T: ModelFile>(model: &T) -> Result<Vec<u8>> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    let kind = T::KIND.name();
    out.push(kind.len() as u8);
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(&model.feature_set().to_le_bytes());
    let body = postcard::to_stdvec(model)
        .map_err(|e| Error::Model(format!("cannot encode model: {e}")))?;
    out.extend_from_slice(&body);
    Ok(out)
}

/// Whether bytes start as a model file does (the magic alone).
pub fn has_magic(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Reads the header of a model file.
pub fn header(bytes: &[u8]) -> Result<Header> {
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        return Err(Error::Model(
            "not an unspin model file (bad magic bytes)".into(),
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(Error::Model(format!(
            "model format version {version} is not supported (this build reads version {FORMAT_VERSION}); retrain with `unspin train` or use a matching unspin"
        )));
    }
    let cut = || Error::Model("corrupted model file: the header is cut short".into());
    let n = usize::from(*bytes.get(12).ok_or_else(cut)?);
    let name = bytes.get(13..13 + n).ok_or_else(cut)?;
    let name = std::str::from_utf8(name).map_err(|_| cut())?;
    let kind = ModelKind::from_name(name).ok_or_else(|| {
        Error::Model(format!(
            "unknown model kind {name:?} (this build reads {})",
            ModelKind::ALL.map(ModelKind::name).join(", ")
        ))
    })?;
    let at = 13 + n;
    let fs = bytes.get(at..at + 4).ok_or_else(cut)?;
    Ok(Header {
        version,
        kind,
        feature_set: u32::from_le_bytes(fs.try_into().expect("4 bytes")),
        body: at + 4,
    })
}

/// Decodes a model of kind `T`, refusing a file of another kind or feature set by name.
pub fn decode<T: ModelFile>(bytes: &[u8]) -> Result<T> {
    let h = header(bytes)?;
    if h.kind != T::KIND {
        return Err(Error::Model(format!(
            "this is a {} file ({}), not a {} file ({})",
            h.kind.describe(),
            h.kind,
            T::KIND.describe(),
            T::KIND
        )));
    }
    if h.feature_set != T::FEATURE_SET {
        return Err(Error::Model(format!(
            "this {} uses feature set {}; this build computes feature set {}: retrain it with `unspin train {}`",
            T::KIND.describe(),
            h.feature_set,
            T::FEATURE_SET,
            T::KIND
        )));
    }
    let model: T = postcard::from_bytes(&bytes[h.body..])
        .map_err(|e| Error::Model(format!("corrupted model file: {e}")))?;
    if model.feature_set() != h.feature_set {
        return Err(Error::Model(
            "corrupted model file: the header and the model disagree on the feature set".into(),
        ));
    }
    Ok(model)
}

/// SHA-256 of a model file's bytes, hex: the model's identity in fingerprints and provenance.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Toy {
        feature_set: u32,
        weights: Vec<i16>,
    }

    impl ModelFile for Toy {
        const KIND: ModelKind = ModelKind::Techniques;
        const FEATURE_SET: u32 = 7;
        fn feature_set(&self) -> u32 {
            self.feature_set
        }
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Other(u32);

    impl ModelFile for Other {
        const KIND: ModelKind = ModelKind::Reliability;
        const FEATURE_SET: u32 = 1;
        fn feature_set(&self) -> u32 {
            self.0
        }
    }

    fn err<T: ModelFile + fmt::Debug>(bytes: &[u8]) -> String {
        decode::<T>(bytes).unwrap_err().to_string()
    }

    #[test]
    fn round_trip_and_clear_errors() {
        let m = Toy {
            feature_set: 7,
            weights: vec![1, -2, 3],
        };
        let bytes = encode(&m).unwrap();
        assert_eq!(decode::<Toy>(&bytes).unwrap(), m);
        let h = header(&bytes).unwrap();
        assert_eq!(
            (h.kind, h.feature_set, h.version),
            (ModelKind::Techniques, 7, 3)
        );
        assert!(err::<Toy>(b"hello").contains("bad magic"));
        let mut v2 = bytes.clone();
        v2[8] = 2;
        assert!(err::<Toy>(&v2).contains("version 2 is not supported"));
        assert!(err::<Toy>(&bytes[..bytes.len() - 2]).contains("corrupted"));
        assert!(err::<Toy>(&bytes[..14]).contains("cut short"));
        // Another kind is refused by name, both kinds in the message.
        let e = err::<Other>(&bytes);
        assert!(
            e.contains("technique model") && e.contains("not a reliability model"),
            "{e}"
        );
        // Another feature set: refused before the body is read.
        let old = encode(&Toy {
            feature_set: 6,
            weights: vec![],
        })
        .unwrap();
        let e = err::<Toy>(&old);
        assert!(e.contains("feature set 6") && e.contains("retrain"), "{e}");
    }
}
