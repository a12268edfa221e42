//! Persuasion techniques per paragraph in six languages, in the 23-technique taxonomy of
//! SemEval-2023 Task 3 (subtask 3 labels each paragraph — each line of the article — with the
//! techniques used in it; the official measure is micro-F1 over those line labels).
//!
//! The model is one-vs-rest logistic regression over hashed features of the paragraph: its words,
//! their first five letters (a stemmer that needs no language resources, which matters for Polish
//! and Russian, whose inflections multiply the word forms), word pairs, and how it is written
//! (questions, exclamations, quotation marks, capitals, length, whether it is the title). Each
//! technique's score is Platt-calibrated on out-of-fold scores, and a threshold per technique
//! and language, chosen on the same out-of-fold probabilities for micro-F1, decides which
//! techniques a paragraph carries; three models trained with different seeds are averaged.
//! Whether the languages are trained apart or pooled (each feature both as it is and tagged
//! with its language) was chosen by cross-validation by article (`unspin eval techniques
//! --language xx --sharing …`): apart, by 0.004–0.026 micro-F1 (docs/EVALUATION.md); the file
//! records which.

use crate::error::{Error, Result};
use crate::model::linear::{Features, Linear, sigmoid, tpl};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bumped when the features change, so an old model is not read with new features.
pub const FEATURE_SET: u32 = 1;

/// What the report calls the taxonomy of these labels.
pub const TAXONOMY: &str = "SemEval-2023 Task 3 (23 techniques)";

/// The 23 techniques of SemEval-2023 Task 3, spelled as in its label files, in the order of the
/// model's outputs.
pub const TECHNIQUES: [&str; 23] = [
    "Appeal_to_Authority",
    "Appeal_to_Fear-Prejudice",
    "Appeal_to_Hypocrisy",
    "Appeal_to_Popularity",
    "Appeal_to_Time",
    "Appeal_to_Values",
    "Causal_Oversimplification",
    "Consequential_Oversimplification",
    "Conversation_Killer",
    "Doubt",
    "Exaggeration-Minimisation",
    "False_Dilemma-No_Choice",
    "Flag_Waving",
    "Guilt_by_Association",
    "Loaded_Language",
    "Name_Calling-Labeling",
    "Obfuscation-Vagueness-Confusion",
    "Questioning_the_Reputation",
    "Red_Herring",
    "Repetition",
    "Slogans",
    "Straw_Man",
    "Whataboutism",
];

/// The languages with a model: ISO 639-1 code, the SemEval-2023 data folder's name for it, and
/// the ISO 639-3 code the language detector gives.
pub const LANGUAGES: [(&str, &str, &str); 6] = [
    ("en", "en", "eng"),
    ("fr", "fr", "fra"),
    ("de", "ge", "deu"),
    ("it", "it", "ita"),
    ("pl", "po", "pol"),
    ("ru", "ru", "rus"),
];

/// The ISO 639-1 code of a language given by any of its names here ("ge", "deu", "de" → "de").
pub fn language_code(name: &str) -> Option<&'static str> {
    let n = name.trim().to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(a, b, c)| *a == n || *b == n || *c == n)
        .map(|l| l.0)
}

/// The SemEval-2023 data folder of a language code.
pub fn data_folder(code: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|l| l.0 == code).map(|l| l.1)
}

/// Index of a technique name in [`TECHNIQUES`].
pub fn technique_index(name: &str) -> Option<usize> {
    TECHNIQUES.iter().position(|t| *t == name)
}

/// How the languages share the model.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Sharing {
    /// One model per language, trained on that language's articles alone.
    PerLanguage,
    /// One model over all languages: every feature once as it is and once tagged with the
    /// language, so a word shared across languages (names, numbers, punctuation habits) pools
    /// evidence while each language keeps its own weights.
    Pooled,
}

/// One language's decision layer over a linear model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LanguageHead {
    /// ISO 639-1 code.
    pub language: String,
    /// Index into [`ParagraphModel::linears`].
    pub linear: usize,
    /// Platt scaling `(a, b)` per technique: P = sigmoid(a · logit + b).
    pub platt: Vec<(f32, f32)>,
    /// A technique is reported on a paragraph when its calibrated probability reaches its
    /// threshold here (chosen for micro-F1 on out-of-fold probabilities).
    pub thresholds: Vec<f32>,
    /// Training articles and lines of the language.
    pub articles: usize,
    pub lines: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParagraphTrainInfo {
    /// SHA-256 over every language's articles and label files.
    pub data_sha256: String,
    pub seed: u64,
    pub epochs: usize,
    pub folds: usize,
}

/// The stored model (see `model::format` for the container).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ParagraphModel {
    pub name: String,
    pub version: String,
    pub feature_set: u32,
    pub bits: u8,
    pub sharing: Sharing,
    pub techniques: Vec<String>,
    pub linears: Vec<SparseLinear>,
    pub heads: Vec<LanguageHead>,
    pub train: ParagraphTrainInfo,
    /// Cross-validated scores measured when the model was trained (`lines.micro_f1.<lang>`).
    pub metrics: BTreeMap<String, f64>,
}

/// A linear model stored by its non-zero rows, 8 bits a weight: a paragraph model over 2^18
/// hashed features and 23 outputs is 12 MB dense at 16 bits, six of them 72 MB, but each
/// language's training lines touch a fraction of the buckets (fewer hashed features cost 0.015
/// micro-F1 in cross-validation). Rows are sorted by feature, found by binary search.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SparseLinear {
    pub bits: u8,
    pub classes: usize,
    /// Weights are `q * scale`.
    pub scale: f32,
    /// The features with a non-zero row, ascending.
    pub features: Vec<u32>,
    /// `classes` weights per feature, in the order of `features` (8 bits: the trainer rounds
    /// to this grid before it scores, so cross-validation measures the stored form).
    pub weights: Vec<i8>,
    pub bias: Vec<f32>,
    /// Row of each hashed feature plus one (0: no row), built on first use: one lookup per
    /// feature instead of a binary search over 10^5 rows (which made the English report 2.5×
    /// slower). 1 MB per language, only for the languages a process reads.
    #[serde(skip)]
    index: std::sync::OnceLock<Vec<u32>>,
}

impl SparseLinear {
    /// The non-zero rows of a dense model (the same scores, bit for bit).
    pub fn from_dense(m: &Linear) -> SparseLinear {
        let k = m.classes;
        let max = m
            .weights
            .iter()
            .map(|w| w.unsigned_abs())
            .max()
            .unwrap_or(0);
        let scale = (f32::from(max) * m.scale).max(1e-6) / f32::from(i8::MAX);
        let mut features = Vec::new();
        let mut weights = Vec::new();
        for (f, row) in m.weights.chunks(k).enumerate() {
            let q: Vec<i8> = row
                .iter()
                .map(|w| {
                    (f32::from(*w) * m.scale / scale)
                        .round()
                        .clamp(-127.0, 127.0) as i8
                })
                .collect();
            if q.iter().any(|w| *w != 0) {
                features.push(f as u32);
                weights.extend_from_slice(&q);
            }
        }
        SparseLinear {
            bits: m.bits,
            classes: k,
            scale,
            features,
            weights,
            bias: m.bias.clone(),
            index: Default::default(),
        }
    }

    /// Refuses a model whose shape does not fit the features it is indexed by.
    pub fn check(&self, bits: u8, classes: usize) -> Result<()> {
        let ok = self.bits == bits
            && self.classes == classes
            && self.bias.len() == classes
            && self.weights.len() == self.features.len() * classes
            && self.features.windows(2).all(|w| w[0] < w[1])
            && self
                .features
                .last()
                .is_none_or(|f| u64::from(*f) < 1u64 << bits)
            && self.scale.is_finite()
            && self.bias.iter().all(|b| b.is_finite());
        if ok {
            Ok(())
        } else {
            Err(Error::Model(format!(
                "corrupted paragraph technique model: {} rows of {} weights at {} bits, expected {classes} outputs at {bits} bits",
                self.features.len(),
                self.weights.len(),
                self.bits
            )))
        }
    }

    /// Logits of the example, one per class.
    ///
    /// Memory-bound: a paragraph's few hundred features each read a random entry of a 1 MB
    /// index and a random row of weights. So the rows are gathered first (the loads do not
    /// wait on each other) and the rows' 8-bit weights summed as integers, scaled once at the
    /// end (exact sums, and less work per row while the next rows' loads are in flight).
    pub fn scores(&self, idx: &[u32], out: &mut Vec<f32>) {
        let k = self.classes;
        let index = self.index.get_or_init(|| {
            let mut v = vec![0u32; 1usize << self.bits];
            for (r, f) in self.features.iter().enumerate() {
                v[*f as usize] = r as u32 + 1;
            }
            v
        });
        let rows: Vec<usize> = idx
            .iter()
            .filter_map(|i| match index.get(*i as usize) {
                Some(&r) if r > 0 => Some(r as usize - 1),
                _ => None,
            })
            .collect();
        let mut sums = vec![0i32; k];
        for r in rows {
            for (s, w) in sums.iter_mut().zip(&self.weights[r * k..(r + 1) * k]) {
                *s += i32::from(*w);
            }
        }
        out.clear();
        out.extend(
            self.bias
                .iter()
                .zip(&sums)
                .map(|(b, s)| b + *s as f32 * self.scale),
        );
    }
}

/// One technique found on a paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct ParagraphLabel {
    /// Index into [`TECHNIQUES`].
    pub technique: usize,
    /// Calibrated probability that the paragraph uses the technique.
    pub probability: f32,
}

impl ParagraphModel {
    /// Checks what a decoded file must satisfy before it is applied.
    pub fn check(&self) -> Result<()> {
        let bad =
            |what: String| Error::Model(format!("corrupted paragraph technique model: {what}"));
        if self.techniques.len() != TECHNIQUES.len()
            || self.techniques.iter().zip(TECHNIQUES).any(|(a, b)| a != b)
        {
            return Err(bad(
                "its technique list is not the 23 of SemEval-2023".into()
            ));
        }
        for l in &self.linears {
            l.check(self.bits, TECHNIQUES.len())?;
        }
        for h in &self.heads {
            if h.linear >= self.linears.len()
                || h.platt.len() != TECHNIQUES.len()
                || h.thresholds.len() != TECHNIQUES.len()
            {
                return Err(bad(format!(
                    "the {} head does not fit its model",
                    h.language
                )));
            }
            if language_code(&h.language).is_none() {
                return Err(bad(format!("unknown language {:?}", h.language)));
            }
        }
        Ok(())
    }

    /// The head of a language (ISO 639-1), when the model has one.
    pub fn head(&self, language: &str) -> Option<&LanguageHead> {
        self.heads.iter().find(|h| h.language == language)
    }

    /// Calibrated probability of every technique on one paragraph.
    pub fn probabilities(
        &self,
        head: &LanguageHead,
        paragraph: &str,
        is_title: bool,
        feats: &mut Features,
        scores: &mut Vec<f32>,
    ) -> Vec<f32> {
        feats.clear();
        featurize(
            paragraph,
            is_title,
            (self.sharing == Sharing::Pooled).then_some(head.language.as_str()),
            feats,
        );
        self.linears[head.linear].scores(&feats.idx, scores);
        scores
            .iter()
            .zip(&head.platt)
            .map(|(z, (a, b))| sigmoid(a * z + b))
            .collect()
    }

    /// The techniques of a paragraph at or above the language's threshold, most probable first.
    pub fn label(
        &self,
        head: &LanguageHead,
        paragraph: &str,
        is_title: bool,
        feats: &mut Features,
        scores: &mut Vec<f32>,
    ) -> Vec<ParagraphLabel> {
        let p = self.probabilities(head, paragraph, is_title, feats, scores);
        let mut out: Vec<ParagraphLabel> = p
            .into_iter()
            .enumerate()
            .filter(|(c, p)| *p >= head.thresholds[*c])
            .map(|(technique, probability)| ParagraphLabel {
                technique,
                probability,
            })
            .collect();
        out.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        out
    }
}

/// The paragraphs of a text as the SemEval-2023 data has them: its lines, as byte ranges, with
/// the blank ones left out (they carry no label).
pub fn paragraphs(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            if !text[start..i].trim().is_empty() {
                out.push(start..i);
            }
            start = i + 1;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(start..text.len());
    }
    out
}

/// Longest paragraph read, in bytes: a paragraph's features are bounded, however long a hostile
/// "line" is (the rest of it adds nothing the first 8 KB did not say).
const MAX_PARAGRAPH: usize = 8 * 1024;

/// The hashed features of one paragraph; `language` tags a second copy of each feature (pooled
/// models).
pub(crate) fn featurize(paragraph: &str, is_title: bool, language: Option<&str>, f: &mut Features) {
    let mut end = paragraph.len().min(MAX_PARAGRAPH);
    while !paragraph.is_char_boundary(end) {
        end -= 1;
    }
    let text = &paragraph[..end];
    let mut add = |t: crate::model::linear::Template, v: &str| {
        f.add(t, v);
        if let Some(l) = language {
            f.add_pair(t, l, v);
        }
    };
    // Three buffers for the whole paragraph, not a `String` per word, stem and pair: this runs
    // on every paragraph of every report (it doubled the English report's time when it
    // allocated). The features, and so their hashes, are the same as `to_lowercase` and
    // `format!` gave.
    let mut lower = String::new();
    let mut prev = String::new();
    let mut pair = String::new();
    let mut has_prev = false;
    let mut words = 0usize;
    let mut caps = 0usize;
    for w in text
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
    {
        words += 1;
        let upper = w.chars().filter(|c| c.is_uppercase()).count();
        if upper >= 2 && upper == w.chars().filter(|c| c.is_alphabetic()).count() {
            caps += 1;
        }
        lower_into(w, &mut lower);
        if lower.chars().any(|c| c.is_ascii_digit()) {
            add(tpl!("num"), "");
        } else {
            add(tpl!("w="), &lower);
            if let Some((five, _)) = lower.char_indices().nth(5) {
                add(tpl!("p="), &lower[..five]);
            }
        }
        if has_prev {
            pair.clear();
            pair.push_str(&prev);
            pair.push(' ');
            pair.push_str(&lower);
            add(tpl!("b="), &pair);
        }
        std::mem::swap(&mut prev, &mut lower);
        has_prev = true;
    }
    let bucket = match words {
        0..=5 => "1",
        6..=15 => "2",
        16..=30 => "3",
        31..=60 => "4",
        _ => "5",
    };
    add(tpl!("len="), bucket);
    if is_title {
        add(tpl!("title"), "");
    }
    if caps > 0 {
        add(tpl!("caps"), "");
    }
    for (c, name) in [
        ('?', "?"),
        ('!', "!"),
        ('"', "quote"),
        ('«', "quote"),
        ('„', "quote"),
        ('“', "quote"),
        (':', ":"),
        ('(', "("),
    ] {
        if text.contains(c) {
            add(tpl!("punct="), name);
        }
    }
    add(tpl!("bias"), "");
}

/// `w.to_lowercase()` written into `out` (reused). Per character it is the same mapping; the one
/// context-dependent rule of `str::to_lowercase` (a word-final capital sigma) is left to it.
fn lower_into(w: &str, out: &mut String) {
    out.clear();
    if w.contains('Σ') {
        out.push_str(&w.to_lowercase());
    } else if w.is_ascii() {
        out.push_str(w);
        out.make_ascii_lowercase();
    } else {
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_are_the_non_blank_lines() {
        let t = "Title\n\nFirst para.\n  \nSecond";
        let p: Vec<&str> = paragraphs(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(p, ["Title", "First para.", "Second"]);
    }

    #[test]
    fn language_names_map_to_one_code() {
        assert_eq!(language_code("ge"), Some("de"));
        assert_eq!(language_code("deu"), Some("de"));
        assert_eq!(language_code("PO"), Some("pl"));
        assert_eq!(language_code("es"), None);
        assert_eq!(data_folder("pl"), Some("po"));
    }

    #[test]
    fn features_are_bounded_and_pooled_ones_doubled() {
        let mut a = Features::new(16, false);
        featurize("Il a dit : « non ! »", false, None, &mut a);
        let mut b = Features::new(16, false);
        featurize("Il a dit : « non ! »", false, Some("fr"), &mut b);
        assert_eq!(b.idx.len(), 2 * a.idx.len());
        let long = "mot ".repeat(100_000);
        let mut c = Features::new(16, false);
        featurize(&long, false, None, &mut c);
        assert!(c.idx.len() < 5_000, "{}", c.idx.len());
    }

    #[test]
    fn words_lower_as_to_lowercase_does() {
        // The features the shipped model was trained on came from `str::to_lowercase`.
        let mut out = String::new();
        for w in [
            "Hello",
            "ÉTAT",
            "Straße",
            "İstanbul",
            "ОДИССЕЯ",
            "ΟΔΥΣΣΕΥΣ",
            "ΣΑΣ",
            "Ǆemal",
            "ﬁnal",
            "Zürich’s",
            "x",
        ] {
            lower_into(w, &mut out);
            assert_eq!(out, w.to_lowercase(), "{w}");
        }
    }
}
