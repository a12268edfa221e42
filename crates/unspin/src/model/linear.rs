//! Linear models over hashed sparse features: the trainer (AdaGrad on logistic or softmax loss,
//! L2, deterministic for a seed) and the compact stored form (weights quantised to `i16`).
//!
//! Hashing keeps the model a fixed-size array, so a feature the training data never saw costs
//! nothing at prediction time and the file does not carry a vocabulary.

use serde::{Deserialize, Serialize};

/// FNV-1a, 64-bit: stable across platforms and Rust versions, unlike `std`'s hasher.
/// A `const fn`, so fixed strings hash at compile time.
#[inline]
pub const fn hash(s: &str) -> u64 {
    hash_more(0xcbf2_9ce4_8422_2325, s)
}

/// FNV-1a continued from state `h`: `hash_more(hash(a), b) == hash(a + b)`.
#[inline]
pub const fn hash_more(mut h: u64, s: &str) -> u64 {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        h ^= b[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

/// `hash("")`.
pub const EMPTY_HASH: u64 = hash("");

/// The index hash of a feature from its template's and its value's hashes: a multiply-xorshift
/// mix, so nearby inputs spread over the whole table.
#[inline]
pub fn combine(a: u64, b: u64) -> u64 {
    let x = (a ^ b.rotate_left(23)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^ (x >> 29)
}

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

/// A small deterministic generator (SplitMix64) for shuffling: its stream is fixed forever,
/// which a crate's generator does not promise across versions.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

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

    fn quantize(bits: u8, classes: usize, w: &[f32], bias: Vec<f32>) -> Linear {
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

/// Trains a binary logistic model; `weight_pos` up-weights the positive class.
pub fn train_binary(
    bits: u8,
    data: &[(Vec<u32>, bool)],
    cfg: TrainConfig,
    weight_pos: f32,
) -> Linear {
    train_binary_scaled(bits, data, cfg, weight_pos, |_| 1.0)
}

/// [`train_binary`] with every feature of an example worth `value(features)` instead of 1.
pub fn train_binary_scaled(
    bits: u8,
    data: &[(Vec<u32>, bool)],
    cfg: TrainConfig,
    weight_pos: f32,
    value: impl Fn(&[u32]) -> f32,
) -> Linear {
    let n = 1usize << bits;
    let mut w = vec![0f32; n];
    let mut g2 = vec![1e-6f32; n];
    let (mut b, mut gb) = (0f32, 1e-6f32);
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = SplitMix::new(cfg.seed);
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let (x, y) = &data[i];
            let v = value(x);
            let z = b + v * x.iter().map(|j| w[*j as usize]).sum::<f32>();
            let p = sigmoid(z);
            let yw = if *y { weight_pos } else { 1.0 };
            let g = (p - f32::from(u8::from(*y))) * yw;
            for &j in x {
                let j = j as usize;
                let gj = g * v + cfg.l2 * w[j];
                g2[j] += gj * gj;
                w[j] -= cfg.learning_rate * gj / g2[j].sqrt();
            }
            gb += g * g;
            b -= cfg.learning_rate * g / gb.sqrt();
        }
    }
    Linear::quantize(bits, 1, &w, vec![b])
}

/// Trains a multinomial (softmax) model over `classes` labels.
pub fn train_multiclass(
    bits: u8,
    classes: usize,
    data: &[(Vec<u32>, usize)],
    cfg: TrainConfig,
) -> Linear {
    let n = (1usize << bits) * classes;
    let mut w = vec![0f32; n];
    let mut g2 = vec![1e-6f32; n];
    let mut b = vec![0f32; classes];
    let mut gb = vec![1e-6f32; classes];
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = SplitMix::new(cfg.seed);
    let mut p = vec![0f32; classes];
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let (x, y) = &data[i];
            p.copy_from_slice(&b);
            for &j in x {
                let row = &w[j as usize * classes..(j as usize + 1) * classes];
                for (pc, wc) in p.iter_mut().zip(row) {
                    *pc += wc;
                }
            }
            softmax(&mut p, 1.0);
            for c in 0..classes {
                let g = p[c] - if c == *y { 1.0 } else { 0.0 };
                for &j in x {
                    let k = j as usize * classes + c;
                    let gj = g + cfg.l2 * w[k];
                    g2[k] += gj * gj;
                    w[k] -= cfg.learning_rate * gj / g2[k].sqrt();
                }
                gb[c] += g * g;
                b[c] -= cfg.learning_rate * g / gb[c].sqrt();
            }
        }
    }
    Linear::quantize(bits, classes, &w, b)
}

/// Platt scaling: fits `p = sigmoid(a·s + b)` to scores and labels by Newton's method.
pub fn platt(scores: &[f32], labels: &[bool]) -> (f32, f32) {
    let (mut a, mut b) = (1f64, 0f64);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0f64, 0f64, 1e-9, 0f64, 1e-9);
        for (s, y) in scores.iter().zip(labels) {
            let s = f64::from(*s);
            let p = 1.0 / (1.0 + (-(a * s + b)).exp());
            let d = p - f64::from(u8::from(*y));
            ga += d * s;
            gb += d;
            let h = p * (1.0 - p);
            haa += h * s * s;
            hab += h * s;
            hbb += h;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        a -= da;
        b -= db;
        if da.abs() + db.abs() < 1e-9 {
            break;
        }
    }
    (a as f32, b as f32)
}

/// Temperature for softmax calibration: the grid value minimising the negative log-likelihood of
/// held-out logits.
pub fn fit_temperature(logits: &[Vec<f32>], labels: &[usize]) -> f32 {
    let nll = |t: f32| -> f64 {
        logits
            .iter()
            .zip(labels)
            .map(|(l, y)| {
                let mut p = l.clone();
                softmax(&mut p, t);
                -f64::from(p[*y].max(1e-12)).ln()
            })
            .sum()
    };
    let mut best = (1.0f32, f64::INFINITY);
    let mut t = 0.25f32;
    while t <= 5.0 {
        let v = nll(t);
        if v < best.1 {
            best = (t, v);
        }
        t += 0.05;
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable() {
        // Pinned: changing the hash silently breaks every shipped model.
        assert_eq!(hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn learns_a_separable_problem_deterministically() {
        let cfg = TrainConfig {
            epochs: 5,
            learning_rate: 0.5,
            l2: 0.0,
            seed: 7,
        };
        let data: Vec<(Vec<u32>, bool)> = (0..200)
            .map(|i| (vec![(i % 2) as u32, 10], i % 2 == 1))
            .collect();
        let m = train_binary(4, &data, cfg, 1.0);
        let mut s = Vec::new();
        m.scores(&[1, 10], &mut s);
        assert!(sigmoid(s[0]) > 0.9);
        m.scores(&[0, 10], &mut s);
        assert!(sigmoid(s[0]) < 0.1);
        assert_eq!(m, train_binary(4, &data, cfg, 1.0));

        let data: Vec<(Vec<u32>, usize)> =
            (0..300).map(|i| (vec![(i % 3) as u32], i % 3)).collect();
        let m = train_multiclass(4, 3, &data, cfg);
        for c in 0..3 {
            m.scores(&[c as u32], &mut s);
            softmax(&mut s, 1.0);
            assert!(s[c] > 0.8, "{s:?}");
        }
    }

    #[test]
    fn calibration_fits() {
        // Scores whose sigmoid is already calibrated give a ≈ 1, b ≈ 0.
        let mut rng = SplitMix::new(1);
        let (mut s, mut y) = (Vec::new(), Vec::new());
        for _ in 0..4000 {
            let x = (rng.next_u64() % 1000) as f32 / 100.0 - 5.0;
            let u = (rng.next_u64() % 10_000) as f32 / 10_000.0;
            s.push(x);
            y.push(u < sigmoid(x));
        }
        let (a, b) = platt(&s, &y);
        assert!((a - 1.0).abs() < 0.15 && b.abs() < 0.15, "{a} {b}");
        let t = fit_temperature(
            &[
                vec![4.0, 0.0],
                vec![4.0, 0.0],
                vec![4.0, 0.0],
                vec![0.0, 4.0],
            ],
            &[0, 1, 0, 1],
        );
        assert!(
            t > 1.0,
            "overconfident logits need a temperature above 1, got {t}"
        );
    }
}
