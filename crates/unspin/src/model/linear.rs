//! Linear models over hashed sparse features, as stored and applied: feature templates and
//! indices, the compact stored form (weights quantised to `i16`), scores, sigmoid and softmax.
//! The learners that produce them are in `train::linear`.
//!
//! Hashing keeps the model a fixed-size array, so a feature the training data never saw costs
//! nothing at prediction time and the file does not carry a vocabulary.

use crate::hash::{EMPTY_HASH, combine, hash, hash_more};
use serde::{Deserialize, Serialize};

/// A feature template: its name and hash, computed at compile time by [`tpl!`], so the per-token
/// cost of a feature is one mix of two known hashes.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    pub name: &'static str,
    pub hash: u64,
}

impl Template {
    pub const fn new(name: &'static str) -> Template {
        Template {
            name,
            hash: hash(name),
        }
    }
}

/// `tpl!("w=")`: the [`Template`] of a literal name, hashed at compile time.
macro_rules! tpl {
    ($name:literal) => {
        const { $crate::model::linear::Template::new($name) }
    };
}
pub(crate) use tpl;

/// Collects the hashed feature indices of one example, with their names when asked (for evidence).
#[derive(Debug, Clone, Default)]
pub struct Features {
    pub bits: u8,
    pub idx: Vec<u32>,
    pub hashing: Hashing,
    /// Feature names back to back, and where each ends (kept only when asked): one buffer,
    /// not a `String` per feature.
    names: Option<(String, Vec<usize>)>,
}

/// How a feature's name becomes its index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Hashing {
    /// `combine(hash(template), hash(value))`: a token's word is hashed once per document and
    /// reused by every template (the span tagger, which runs on every token).
    #[default]
    Combine,
    /// `hash(template + value)` over the whole name string (the span classifier, which runs on
    /// a few spans per article and keeps the hashing it was first trained with).
    Concat,
}

impl Features {
    pub fn new(bits: u8, keep_names: bool) -> Features {
        Features::with_hashing(bits, keep_names, Hashing::Combine)
    }

    pub fn with_hashing(bits: u8, keep_names: bool, hashing: Hashing) -> Features {
        Features {
            bits,
            idx: Vec::new(),
            hashing,
            names: keep_names.then(|| (String::new(), Vec::new())),
        }
    }

    pub fn clear(&mut self) {
        self.idx.clear();
        if let Some((text, ends)) = &mut self.names {
            text.clear();
            ends.clear();
        }
    }

    /// Adds the feature `prefix` + `value`.
    #[inline]
    pub fn add(&mut self, t: Template, value: &str) {
        self.add_h(t, value, hash(value));
    }

    /// Adds the feature `prefix` + `value` where `value_hash` is `hash(value)`, already known
    /// (a token's word is hashed once per document, not once per template that uses it).
    #[inline]
    pub fn add_h(&mut self, t: Template, value: &str, value_hash: u64) {
        let h = match self.hashing {
            Hashing::Combine => combine(t.hash, value_hash),
            Hashing::Concat => hash_more(t.hash, value),
        };
        self.push(h, |buf| {
            buf.push_str(t.name);
            buf.push_str(value);
        });
    }

    /// Adds the feature `prefix` + `a` + `|` + `b`.
    #[inline]
    pub fn add_pair(&mut self, t: Template, a: &str, b: &str) {
        self.add_pair_h(t, (a, hash(a)), (b, hash(b)));
    }

    /// [`Features::add_pair`] with the values' hashes already known.
    #[inline]
    pub fn add_pair_h(&mut self, t: Template, a: (&str, u64), b: (&str, u64)) {
        let h = match self.hashing {
            Hashing::Combine => combine(combine(t.hash, a.1), b.1),
            Hashing::Concat => hash_more(hash_more(hash_more(t.hash, a.0), "|"), b.0),
        };
        self.push(h, |buf| {
            buf.push_str(t.name);
            buf.push_str(a.0);
            buf.push('|');
            buf.push_str(b.0);
        });
    }

    #[inline]
    pub fn flag(&mut self, t: Template) {
        self.add_h(t, "", EMPTY_HASH);
    }

    /// Pushes the index of hash `h`; writes the feature's name only when names are kept.
    #[inline]
    fn push(&mut self, h: u64, name: impl FnOnce(&mut String)) {
        let mask = (1u64 << self.bits) - 1;
        self.idx.push((h & mask) as u32);
        if let Some((text, ends)) = &mut self.names {
            name(text);
            ends.push(text.len());
        }
    }

    /// The name of feature `k` (in the order added), when names are kept.
    pub fn name(&self, k: usize) -> Option<&str> {
        let (text, ends) = self.names.as_ref()?;
        let end = *ends.get(k)?;
        let start = if k == 0 { 0 } else { ends[k - 1] };
        Some(&text[start..end])
    }
}

/// Training settings.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct TrainConfig {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    pub seed: u64,
}

/// A trained linear model, `classes` outputs (1 for a binary logit).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Linear {
    pub bits: u8,
    pub classes: usize,
    /// Weights are `q * scale`.
    pub scale: f32,
    pub weights: Vec<i16>,
    pub bias: Vec<f32>,
}

impl Linear {
    /// Checks the stored shape against what the features index: a weight for every hashed
    /// feature and class and a bias per class. `scores` and `weight` rely on it, so a model
    /// file that decodes but is cut or altered is refused here, not a panic later.
    pub fn check(&self, bits: u8, classes: usize, what: &str) -> crate::error::Result<()> {
        let want = (bits <= 30)
            .then(|| (1usize << bits).checked_mul(classes))
            .flatten();
        if self.bits != bits
            || self.classes != classes
            || classes == 0
            || self.bias.len() != classes
            || Some(self.weights.len()) != want
            || !self.scale.is_finite()
            || self.bias.iter().any(|b| !b.is_finite())
        {
            return Err(crate::error::Error::Model(format!(
                "corrupted {what} model: {} weights and {} biases at {} bits for {} classes, expected {} bits and {classes} classes",
                self.weights.len(),
                self.bias.len(),
                self.bits,
                self.classes,
                bits
            )));
        }
        Ok(())
    }

    /// Scores (logits) of the example, one per class.
    pub fn scores(&self, idx: &[u32], out: &mut Vec<f32>) {
        out.clear();
        out.extend_from_slice(&self.bias);
        let k = self.classes;
        for &i in idx {
            let row = &self.weights[i as usize * k..(i as usize + 1) * k];
            for (o, w) in out.iter_mut().zip(row) {
                *o += f32::from(*w) * self.scale;
            }
        }
    }

    pub fn weight(&self, feature: u32, class: usize) -> f32 {
        f32::from(self.weights[feature as usize * self.classes + class]) * self.scale
    }

    /// The stored form of trained float weights (the learners' last step).
    pub(crate) fn quantize(bits: u8, classes: usize, w: &[f32], bias: Vec<f32>) -> Linear {
        let max = w.iter().fold(0f32, |m, x| m.max(x.abs())).max(1e-6);
        let scale = max / f32::from(i16::MAX);
        let weights = w.iter().map(|x| (x / scale).round() as i16).collect();
        Linear {
            bits,
            classes,
            scale,
            weights,
            bias,
        }
    }
}

pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Softmax in place, with temperature.
pub fn softmax(v: &mut [f32], temperature: f32) {
    let t = temperature.max(1e-3);
    let m = v.iter().fold(f32::NEG_INFINITY, |a, b| a.max(*b));
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = ((*x - m) / t).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}

/// The logistic function in `f64` (document and sentence probabilities).
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
