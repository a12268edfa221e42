//! A BERT encoder (the architecture of all-MiniLM-L6-v2) over candle tensors: embeddings,
//! then self-attention and feed-forward blocks with post-layer-norm, exact (erf) GELU. Written
//! out here rather than taken from `candle-transformers` because that crate builds every model it
//! knows (about 14 minutes on two cores) for the one we need; this is the same computation as
//! the `transformers` BertModel the tier is fine-tuned with (a parity test pins it).

use candle_core::{D, DType, Device, Module, Tensor};
use candle_nn::{Embedding, LayerNorm, Linear, VarBuilder};

/// Shape of the encoder, read from the weights themselves.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub hidden: usize,
    pub heads: usize,
    pub layers: usize,
    pub intermediate: usize,
    pub max_positions: usize,
}

struct Layer {
    /// Query, key and value projections fused into one matrix: one product instead of three.
    qkv: Linear,
    out: Linear,
    norm1: LayerNorm,
    up: Linear,
    down: Linear,
    norm2: LayerNorm,
}

pub struct Encoder {
    words: Embedding,
    positions: Embedding,
    /// The type-0 row of the token-type embeddings (single-segment input), added to every token.
    segment: Tensor,
    norm: LayerNorm,
    layers: Vec<Layer>,
    pub shape: Shape,
}

const EPS: f64 = 1e-12;

fn linear(vb: &VarBuilder, name: &str, inp: usize, out: usize) -> candle_core::Result<Linear> {
    candle_nn::linear(inp, out, vb.pp(name))
}

impl Encoder {
    /// Loads the encoder under `vb` (`embeddings.*`, `encoder.layer.N.*`).
    pub fn load(vb: VarBuilder, shape: Shape) -> candle_core::Result<Encoder> {
        let h = shape.hidden;
        let e = vb.pp("embeddings");
        let words = e.get_unchecked("word_embeddings.weight")?;
        let words = Embedding::new(words, h);
        let positions = candle_nn::embedding(shape.max_positions, h, e.pp("position_embeddings"))?;
        let segment = e
            .get((2, h), "token_type_embeddings.weight")?
            .get(0)?
            .reshape((1, h))?;
        let norm = candle_nn::layer_norm(h, EPS, e.pp("LayerNorm"))?;
        let mut layers = Vec::with_capacity(shape.layers);
        for i in 0..shape.layers {
            let l = vb.pp(format!("encoder.layer.{i}"));
            let a = l.pp("attention");
            let s = a.pp("self");
            let q = s.get((h, h), "query.weight")?;
            let k = s.get((h, h), "key.weight")?;
            let v = s.get((h, h), "value.weight")?;
            let qb = s.get(h, "query.bias")?;
            let kb = s.get(h, "key.bias")?;
            let vbias = s.get(h, "value.bias")?;
            let qkv = Linear::new(
                Tensor::cat(&[q, k, v], 0)?,
                Some(Tensor::cat(&[qb, kb, vbias], 0)?),
            );
            layers.push(Layer {
                qkv,
                out: linear(&a, "output.dense", h, h)?,
                norm1: candle_nn::layer_norm(h, EPS, a.pp("output.LayerNorm"))?,
                up: linear(&l, "intermediate.dense", h, shape.intermediate)?,
                down: linear(&l, "output.dense", shape.intermediate, h)?,
                norm2: candle_nn::layer_norm(h, EPS, l.pp("output.LayerNorm"))?,
            });
        }
        Ok(Encoder {
            words,
            positions,
            segment,
            norm,
            layers,
            shape,
        })
    }

    /// Number of rows of the word-embedding table (the largest valid token id + 1).
    pub fn vocab(&self) -> usize {
        self.words.embeddings().dim(0).unwrap_or(0)
    }

    /// Hidden states (`[n, hidden]`) of one window of token ids (`[CLS] … [SEP]`, at most
    /// `max_positions` long). One window, no padding, so no attention mask.
    pub fn forward(&self, ids: &[u32]) -> candle_core::Result<Tensor> {
        let n = ids.len();
        let dev = Device::Cpu;
        let ids = Tensor::from_slice(ids, n, &dev)?;
        let pos = Tensor::arange(0u32, n as u32, &dev)?;
        let x = self
            .words
            .forward(&ids)?
            .add(&self.positions.forward(&pos)?)?
            .broadcast_add(&self.segment)?;
        let mut x = self.norm.forward(&x)?;
        let heads = self.shape.heads;
        let d = self.shape.hidden / heads;
        let scale = 1.0 / (d as f64).sqrt();
        for l in &self.layers {
            let qkv = l.qkv.forward(&x)?; // [n, 3h]
            let qkv = qkv.reshape((n, 3, heads, d))?.permute((1, 2, 0, 3))?; // [3, heads, n, d]
            // Scaled before the product: n·d multiplications instead of n·n per head.
            let q = (qkv.get(0)? * scale)?;
            let k = qkv.get(1)?.contiguous()?;
            let v = qkv.get(2)?.contiguous()?;
            let att = q.matmul(&k.t()?)?;
            let att = candle_nn::ops::softmax_last_dim(&att)?;
            let ctx = att.matmul(&v)?; // [heads, n, d]
            let ctx = ctx.transpose(0, 1)?.contiguous()?.reshape((n, heads * d))?;
            let a = l.out.forward(&ctx)?;
            x = l.norm1.forward(&(a + &x)?)?;
            let f = l.up.forward(&x)?.gelu_erf()?;
            let f = l.down.forward(&f)?;
            x = l.norm2.forward(&(f + &x)?)?;
        }
        x.to_dtype(DType::F32)
    }
}

/// Mean and max over the rows of `states` (`[n, hidden]`): a span's representation.
pub fn pool(states: &Tensor) -> candle_core::Result<Tensor> {
    Tensor::cat(&[states.mean(0)?, states.max(0)?], D::Minus1)
}
