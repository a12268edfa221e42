//! Applying a technique model to a document: token logits of the span tagger, hysteresis
//! decoding into spans, and the span classifier's calibrated technique probabilities.

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
        let mut ctx = self.feat.context(doc);
        let seg = &doc.seg;
        ctx.count_repetitions(seg, spans.iter().map(|(s, e)| token_range(seg, *s, *e)));
        spans
            .iter()
            .map(|(s, e)| {
                let (p, _) = self.classify(seg, &ctx, token_range(seg, *s, *e), false);
                self.model.tc_classes[argmax(&p)]
            })
            .collect()
    }

    /// The features with the largest positive weight toward `class`, by name.
    fn evidence(&self, f: &Features, class: usize) -> Vec<String> {
        let mut contrib: Vec<(f32, &str)> = f
            .idx
            .iter()
            .enumerate()
            .filter_map(|(k, i)| Some((self.model.tc.weight(*i, class), f.name(k)?)))
            .filter(|(w, n)| *w > 0.0 && *n != "bias")
            .collect();
        contrib.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        contrib.dedup_by(|a, b| a.1 == b.1);
        contrib
            .iter()
            .take(4)
            .map(|(w, n)| format!("{} ({w:+.2})", describe_feature(n)))
            .collect()
    }
}

pub(crate) fn argmax(p: &[f32]) -> usize {
    p.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
        .map_or(0, |x| x.0)
}

/// Feature names as a reader would say them.
fn describe_feature(name: &str) -> String {
    let (k, v) = name.split_once('=').unwrap_or((name, ""));
    match k {
        "u" => format!("word “{v}”"),
        "bg" => format!("phrase “{}”", v.replace('|', " ")),
        "first" => format!("starts with “{v}”"),
        "last" => format!("ends with “{v}”"),
        "c-1" | "c-2" => format!("preceded by “{v}”"),
        "c+1" | "c+2" => format!("followed by “{v}”"),
        "len" => "span length".to_string(),
        "nstrong" => format!("{v} strong-subjective words"),
        "nbias" => format!("{v} bias-lexicon words"),
        "maxv" => format!("sentiment intensity {v}"),
        "rep" => format!("phrase occurs {v}× in the article"),
        "scharged" => format!("{v} charged words in the sentence"),
        _ if name.starts_with("kw:") || name.starts_with("kw2:") => {
            format!("{} words", name.split(':').nth(1).unwrap_or(""))
        }
        "auth" => "after a report verb".to_string(),
        "q" => "question".to_string(),
        "!" => "exclamation".to_string(),
        "caps" => "capitals".to_string(),
        "quoted" => "in quotes".to_string(),
        "whole" => "whole sentence".to_string(),
        "sloganish" => "short, slogan-like".to_string(),
        _ => name.to_string(),
    }
}

impl TechniqueTagger {
    /// What the tagger is, for the report's `models` list.
    pub fn info(&self) -> ModelInfo {
        ModelInfo {
            name: self.model.name.clone(),
            version: self.model.version.clone(),
            kind: "trained".into(),
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
            let mut evidence = vec![format!("span score {:.2} (P propaganda span)", p_span)];
            evidence.extend(self.evidence(&f, c));
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
