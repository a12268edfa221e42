//! The versioned model file: `UNSPINMD`, a little-endian `u32` format version, then the model as
//! postcard. A file of another version, or not a model at all, is a clear error, never a panic or
//! a silently wrong model.

use crate::error::{Error, Result};
use serde::{Serialize, de::DeserializeOwned};

const MAGIC: &[u8; 8] = b"UNSPINMD";
/// Bump when the stored structure changes; old files then fail with a message saying so.
pub const FORMAT_VERSION: u32 = 2;

pub fn encode<T: Serialize>(model: &T) -> Result<Vec<u8>> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    let body = postcard::to_stdvec(model)
        .map_err(|e| Error::Model(format!("cannot encode model: {e}")))?;
    out.extend_from_slice(&body);
    Ok(out)
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
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
    postcard::from_bytes(&bytes[12..])
        .map_err(|e| Error::Model(format!("corrupted model file: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_clear_errors() {
        let m = (String::from("techniques"), vec![1i16, -2, 3]);
        let bytes = encode(&m).unwrap();
        assert_eq!(decode::<(String, Vec<i16>)>(&bytes).unwrap(), m);
        assert!(
            decode::<(String, Vec<i16>)>(b"hello")
                .unwrap_err()
                .to_string()
                .contains("bad magic")
        );
        let mut v1 = bytes.clone();
        v1[8] = 1;
        assert!(
            decode::<(String, Vec<i16>)>(&v1)
                .unwrap_err()
                .to_string()
                .contains("version 1 is not supported")
        );
        let cut = &bytes[..bytes.len() - 2];
        assert!(
            decode::<(String, Vec<i16>)>(cut)
                .unwrap_err()
                .to_string()
                .contains("corrupted")
        );
    }
}
