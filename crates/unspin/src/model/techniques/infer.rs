//! Applying a technique model to a document: token logits of the span tagger, hysteresis
//! decoding into spans, and the span classifier's calibrated technique probabilities.

use super::features::FAMILIES;
use super::{Decode, DocContext, FEATURE_SET, Featurizer, TechniqueModel, token_range};
use crate::doc::{Doc, ModelInfo, TechniqueFinding};
use crate::error::{Error, Result};
use crate::lexicon::Lexicons;
use crate::model::linear::{self, Features, Hashing};
use crate::technique::Technique;
use crate::text::{Analyzed, TokenKind};
use std::ops::Range;

/// A loaded model, ready to tag.
pub struct TechniqueTagger {
    model: TechniqueModel,
    feat: Featurizer,
}

/// A predicted span before it becomes a report finding.
#[derive(Debug, Clone)]
pub struct PredictedSpan {
    pub tokens: Range<usize>,
    pub bytes: Range<usize>,
    /// Mean token logit of the tagger.
    pub score: f32,
}

impl TechniqueTagger {
    pub fn new(model: TechniqueModel, lex: &Lexicons) -> Result<TechniqueTagger> {
        if model.features.feature_set != FEATURE_SET {
            return Err(Error::Model(format!(
                "technique model uses feature set {} but this build extracts feature set {FEATURE_SET}; retrain it",
                model.features.feature_set
            )));
        }
        model
            .si
            .check(model.features.si_bits, 1, "technique span")?;
        model.tc.check(
            model.features.tc_bits,
            model.tc_classes.len(),
            "technique class",
        )?;
        if !model.tc_temperature.is_finite() || model.tc_temperature <= 0.0 {
            return Err(Error::Model(
                "corrupted technique model: bad temperature".into(),
            ));
        }
        let feat = Featurizer::new(lex, model.features.clone());
        Ok(TechniqueTagger { model, feat })
    }

    pub fn model(&self) -> &TechniqueModel {
        &self.model
    }

    /// Token logits of the span tagger: token features plus the sentence's shared part.
    pub(crate) fn token_logits(&self, doc: &Analyzed<'_>, ctx: &DocContext) -> Vec<f32> {
        let mut f = Features::new(self.feat.settings.si_bits, false);
        let mut out = Vec::with_capacity(doc.tokens.len());
        let mut s = Vec::new();
        for (si, sent) in doc.sentences.iter().enumerate() {
            f.clear();
            self.feat.sentence_features(doc, ctx, si, &mut f);
            let shared: f32 = f.idx.iter().map(|i| self.model.si.weight(*i, 0)).sum();
            for i in sent.tokens.clone() {
                f.clear();
                self.feat.token_features(doc, ctx, i, &mut f);
                self.model.si.scores(&f.idx, &mut s);
                out.push(s[0] + shared);
            }
        }
        out
    }

    /// Calibrated technique probabilities for a token range, and the features that fired.
    fn classify(
        &self,
        doc: &Analyzed<'_>,
        ctx: &DocContext,
        toks: Range<usize>,
        names: bool,
    ) -> (Vec<f32>, Features) {
        let mut f = Features::with_hashing(self.feat.settings.tc_bits, names, Hashing::Concat);
        self.feat.span_features(doc, ctx, toks, &mut f);
        let mut s = Vec::new();
        self.model.tc.scores(&f.idx, &mut s);
        linear::softmax(&mut s, self.model.tc_temperature);
        (s, f)
    }

    /// The technique of gold spans (for the TC task), by code-point offsets.
    pub fn classify_spans(&self, doc: &Doc<'_>, spans: &[(usize, usize)]) -> Vec<Technique> {
        self.span_probs(doc, spans)
            .iter()
            .map(|p| self.model.tc_classes[argmax(p)])
            .collect()
    }

    /// Calibrated probabilities of each of `model().tc_classes` for given spans (code-point
    /// offsets).
    pub fn span_probs(&self, doc: &Doc<'_>, spans: &[(usize, usize)]) -> Vec<Vec<f32>> {
        let mut ctx = self.feat.context(doc);
        let seg = &doc.seg;
        ctx.count_repetitions(seg, spans.iter().map(|(s, e)| token_range(seg, *s, *e)));
        spans
            .iter()
            .map(|(s, e)| self.classify(seg, &ctx, token_range(seg, *s, *e), false).0)
            .collect()
    }

    /// The words of the article behind the decision: for the features that pushed hardest
    /// toward `class`, the span's or its context's tokens they were made of (a word, a word
    /// pair, the word before, the charged or report word that counted). Evidence is always text
    /// of the article, never a feature's name; a feature made of no words (the span's length,
    /// its shape) gives none.
    fn evidence(
        &self,
        doc: &Analyzed<'_>,
        ctx: &DocContext,
        toks: Range<usize>,
        f: &Features,
        class: usize,
    ) -> Vec<String> {
        let mut contrib: Vec<(f32, &str)> = f
            .idx
            .iter()
            .enumerate()
            .filter_map(|(k, i)| Some((self.model.tc.weight(*i, class), f.name(k)?)))
            .filter(|(w, n)| *w > 0.0 && *n != "bias")
            .collect();
        contrib.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut out: Vec<String> = Vec::new();
        for (_, name) in contrib {
            if let Some(r) = feature_tokens(doc, ctx, toks.clone(), name) {
                let text =
                    &doc.text[doc.tokens[r.start].bytes.start..doc.tokens[r.end - 1].bytes.end];
                if !out.iter().any(|o| o == text) {
                    out.push(text.to_string());
                }
            }
            if out.len() == 4 {
                break;
            }
        }
        out
    }
}

/// The tokens of the article a span feature was made of, when it was made of any.
fn feature_tokens(
    doc: &Analyzed<'_>,
    ctx: &DocContext,
    toks: Range<usize>,
    name: &str,
) -> Option<Range<usize>> {
    let one = |i: usize| (i < doc.tokens.len()).then_some(i..i + 1);
    let words = || {
        toks.clone()
            .filter(|&i| doc.tokens[i].kind != TokenKind::Punct)
    };
    let find = |pred: &dyn Fn(usize) -> bool| words().find(|&i| pred(i)).map(|i| i..i + 1);
    if let Some(family) = name
        .strip_prefix("kw:")
        .or_else(|| name.strip_prefix("kw2:"))
    {
        let k = FAMILIES.iter().position(|f| *f == family)?;
        return find(&|i| ctx.info[i].family >> k & 1 == 1);
    }
    let (template, value) = name.split_once('=').unwrap_or((name, ""));
    match template {
        "u" => find(&|i| doc.tokens[i].norm == value),
        "s4" => find(&|i| {
            doc.tokens[i].norm.ends_with(value) && doc.tokens[i].norm.chars().count() >= 6
        }),
        "bg" => {
            let (a, b) = value.split_once('|')?;
            let w: Vec<usize> = words().collect();
            w.windows(2)
                .find(|p| doc.tokens[p[0]].norm == a && doc.tokens[p[1]].norm == b)
                .map(|p| p[0]..p[1] + 1)
        }
        "first" => one(toks.start),
        "last" => toks.end.checked_sub(1).and_then(one),
        "len_first" => one(toks.start),
        "c-1" => toks.start.checked_sub(1).and_then(one),
        "c-2" => toks.start.checked_sub(2).and_then(one),
        "c+1" => one(toks.end),
        "c+2" => one(toks.end + 1),
        "nstrong" => find(&|i| ctx.info[i].strong),
        "nbias" => find(&|i| ctx.info[i].bias),
        "maxv" => words()
            .filter(|&i| ctx.info[i].valence != 0.0)
            .max_by(|&a, &b| {
                ctx.info[a]
                    .valence
                    .abs()
                    .total_cmp(&ctx.info[b].valence.abs())
                    .then(b.cmp(&a))
            })
            .map(|i| i..i + 1),
        "auth" => (toks.start.saturating_sub(6)..toks.start)
            .find(|&j| ctx.info[j].report || doc.tokens[j].norm == "according")
            .map(|j| j..j + 1),
        "caps" => find(&|i| {
            let w = &doc.text[doc.tokens[i].bytes.clone()];
            w.chars().filter(|c| c.is_alphabetic()).count() >= 3
                && w.chars().all(|c| !c.is_lowercase())
        }),
        "rep" => {
            let w: Vec<usize> = words().take(4).collect();
            Some(*w.first()?..*w.last()? + 1)
        }
        "scharged" => {
            let sent = &doc.sentences[doc.tokens.get(toks.start)?.sentence];
            sent.tokens
                .clone()
                .find(|&i| ctx.info[i].strong || ctx.info[i].valence.abs() >= 2.0)
                .map(|i| i..i + 1)
        }
        _ => None,
    }
}

pub(crate) fn argmax(p: &[f32]) -> usize {
    p.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
        .map_or(0, |x| x.0)
}

impl TechniqueTagger {
    /// What the tagger is, for the report's `models` list.
    pub fn info(&self) -> ModelInfo {
        ModelInfo {
            name: self.model.name.clone(),
            version: self.model.version.clone(),
            kind: "trained".into(),
            thresholds: Default::default(),
        }
    }

    /// Finds the technique spans of a document and adds them to it, each with the sentence it
    /// is in, its calibrated confidence and the evidence that decided its technique.
    pub fn tag(&self, doc: &mut Doc<'_>) {
        if doc.seg.tokens.is_empty() {
            return;
        }
        let mut ctx = self.feat.context(doc);
        let seg = &doc.seg;
        let logits = self.token_logits(seg, &ctx);
        let (pa, pb) = self.model.span_platt;
        let spans = decode(seg, &logits, self.model.decode);
        ctx.count_repetitions(seg, spans.iter().map(|s| s.tokens.clone()));
        for sp in spans {
            let (p, f) = self.classify(seg, &ctx, sp.tokens.clone(), true);
            let c = argmax(&p);
            let p_span = linear::sigmoid(pa * sp.score + pb);
            let evidence = self.evidence(seg, &ctx, sp.tokens.clone(), &f, c);
            doc.techniques.push(TechniqueFinding {
                technique: self.model.tc_classes[c],
                sentence: seg.tokens[sp.tokens.start].sentence,
                bytes: sp.bytes.clone(),
                confidence: Some(f64::from(p_span * p[c])),
                evidence,
            });
        }
    }
}

/// Spans by hysteresis decoding (see [`Decode`]), trimmed of punctuation at the edges.
pub(crate) fn decode(doc: &Analyzed<'_>, logits: &[f32], d: Decode) -> Vec<PredictedSpan> {
    let logit = |p: f32| (p / (1.0 - p)).ln();
    let (seed, extend) = (logit(d.seed), logit(d.extend.min(d.seed)));
    let mut out = Vec::new();
    let flush = |r: (usize, usize, f32), out: &mut Vec<PredictedSpan>| {
        let (mut a, mut b, top) = r;
        if top < seed {
            return;
        }
        while a < b
            && doc.tokens[a].kind == TokenKind::Punct
            && !matches!(doc.tokens[a].norm.as_str(), "\"" | "“")
        {
            a += 1;
        }
        while b > a
            && doc.tokens[b - 1].kind == TokenKind::Punct
            && !matches!(doc.tokens[b - 1].norm.as_str(), "\"" | "”" | "!" | "?")
        {
            b -= 1;
        }
        if a < b && (a..b).any(|i| doc.tokens[i].kind != TokenKind::Punct) {
            let score = logits[a..b].iter().sum::<f32>() / (b - a) as f32;
            out.push(PredictedSpan {
                tokens: a..b,
                bytes: doc.tokens[a].bytes.start..doc.tokens[b - 1].bytes.end,
                score,
            });
        }
    };
    for s in &doc.sentences {
        let mut run: Option<(usize, usize, f32)> = None;
        for i in s.tokens.clone() {
            if logits[i] >= extend {
                run = Some(match run {
                    Some((a, b, top)) if i - b <= d.gap => (a, i + 1, top.max(logits[i])),
                    Some(r) => {
                        flush(r, &mut out);
                        (i, i + 1, logits[i])
                    }
                    None => (i, i + 1, logits[i]),
                });
            }
        }
        if let Some(r) = run {
            flush(r, &mut out);
        }
    }
    out
}
