//! Training the technique model (`unspin train techniques`): the span tagger on token features,
//! the span classifier on gold spans, the decoding thresholds and both calibrations chosen by
//! cross-validation over the training articles.

use super::linear;
use crate::data::ptc::PtcArticle;
use crate::detect::{BoilerplateDetector, Detector};
use crate::doc::Doc;
use crate::error::Result;
use crate::lexicon::Lexicons;
use crate::model::linear::{Features, Hashing, Linear, TrainConfig};
use crate::model::techniques::{
    Decode, DocContext, FEATURE_SET, FeatureSettings, Featurizer, TechniqueModel, TrainInfo,
    argmax, decode, token_range,
};
use crate::score::ptc::{self as scorer, LabelSpan};
use crate::technique::Technique;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A text with labelled spans `(start, end, technique)`, in code points.
pub type ExtraText = (String, Vec<(usize, usize, Technique)>);

/// Training settings of `unspin train techniques`.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub seed: u64,
    pub folds: usize,
    pub si: TrainConfig,
    pub tc: TrainConfig,
    pub si_bits: u8,
    pub tc_bits: u8,
    /// Extra labelled spans for the technique classifier only (e.g. SemEval-2021 Task 6 texts):
    /// `(text, [(start, end, technique)])` in code points. Added to every training fold, never
    /// to the folds that are scored, so cross-validation still measures PTC.
    pub extra_tc: Vec<ExtraText>,
    /// Distillation (`train::teacher`): the accurate tier's per-token probabilities for PTC
    /// training articles, by article id; a token's training target becomes the mean of its
    /// gold label and the teacher's probability.
    pub teacher_ptc: HashMap<String, Vec<f32>>,
    /// Distillation: unlabelled texts with the teacher's per-token probabilities as their only
    /// targets, added to every training fold (never scored: cross-validation measures PTC).
    pub teacher_extra: Vec<(String, Vec<f32>)>,
}

impl Default for TrainOptions {
    fn default() -> TrainOptions {
        TrainOptions {
            seed: 13,
            folds: 3,
            si: TrainConfig {
                epochs: 12,
                learning_rate: 0.05,
                l2: 1e-6,
                seed: 13,
            },
            tc: TrainConfig {
                epochs: 30,
                learning_rate: 0.05,
                l2: 1e-6,
                seed: 13,
            },
            si_bits: 18,
            tc_bits: 17,
            extra_tc: Vec::new(),
            teacher_ptc: HashMap::new(),
            teacher_extra: Vec::new(),
        }
    }
}

struct Prepared<'a> {
    id: &'a str,
    doc: Doc<'a>,
    ctx: DocContext,
}

/// A training text as the tagger sees it: segmentation, token facts and boilerplate flags (the
/// features' document density leaves furniture out).
fn prepare<'t>(text: &'t str, lex: &Lexicons, furniture: &BoilerplateDetector) -> Doc<'t> {
    let mut doc = Doc::new(text, lex);
    furniture.detect(&mut doc);
    doc
}

/// The span tagger's examples of one text: each token's features and its target, the gold
/// label (does the token overlap a gold span?) or, where `label` says, another number.
fn si_examples(
    feat: &Featurizer,
    p: &Prepared<'_>,
    gold: &[&LabelSpan],
    bits: u8,
    label: impl Fn(usize, bool) -> f32,
) -> Vec<(Vec<u32>, f32)> {
    let mut f = Features::new(bits, false);
    let seg = &p.doc.seg;
    let mut out = Vec::with_capacity(seg.tokens.len());
    for (si, sent) in seg.sentences.iter().enumerate() {
        f.clear();
        feat.sentence_features(seg, &p.ctx, si, &mut f);
        let shared = f.idx.clone();
        for i in sent.tokens.clone() {
            let t = &seg.tokens[i];
            f.clear();
            feat.token_features(seg, &p.ctx, i, &mut f);
            let mut x = f.idx.clone();
            x.extend_from_slice(&shared);
            let y = gold
                .iter()
                .any(|g| g.start < t.span.end && t.span.start < g.end);
            out.push((x, label(i, y)));
        }
    }
    out
}

fn tc_examples(
    feat: &Featurizer,
    p: &mut Prepared<'_>,
    gold: &[&LabelSpan],
    classes: &[Technique],
    bits: u8,
) -> Vec<(Vec<u32>, usize)> {
    let mut f = Features::with_hashing(bits, false, Hashing::Concat);
    let seg = &p.doc.seg;
    p.ctx
        .count_repetitions(seg, gold.iter().map(|g| token_range(seg, g.start, g.end)));
    gold.iter()
        .filter_map(|g| {
            let t: Technique = g.technique.as_deref()?.parse().ok()?;
            let y = classes.iter().position(|c| *c == t)?;
            f.clear();
            feat.span_features(seg, &p.ctx, token_range(seg, g.start, g.end), &mut f);
            Some((f.idx.clone(), y))
        })
        .collect()
}

/// Teacher labels fit the text they were made for only if they number its tokens.
fn check_tokens(t: &[f32], doc: &Doc<'_>, what: &str) -> Result<()> {
    if t.len() == doc.seg.tokens.len() {
        return Ok(());
    }
    Err(crate::error::Error::Data(format!(
        "{what}: the teacher labelled {} tokens, the segmentation has {}; rerun `unspin train teacher`",
        t.len(),
        doc.seg.tokens.len()
    )))
}

/// What training measured, for the `train` command to print.
#[derive(Debug, Clone, Serialize)]
pub struct TrainSummary {
    pub cv_si_f1: f64,
    pub cv_tc_micro_f1: f64,
    pub decode: Decode,
    pub tc_temperature: f32,
    pub span_platt: (f32, f32),
}

/// Trains both models on the given articles and labels, choosing the span threshold, gap and
/// calibration by `folds`-fold cross-validation over articles.
pub fn train(
    lex: &Lexicons,
    articles: &[PtcArticle],
    si_gold: &[LabelSpan],
    tc_gold: &[LabelSpan],
    data_sha256: String,
    opts: &TrainOptions,
) -> Result<(TechniqueModel, TrainSummary)> {
    let settings = FeatureSettings {
        feature_set: FEATURE_SET,
        si_bits: opts.si_bits,
        tc_bits: opts.tc_bits,
    };
    let feat = Featurizer::new(lex, settings.clone());
    let furniture = BoilerplateDetector::new(lex);
    let classes: Vec<Technique> = Technique::ALL.to_vec();
    let mut prepared: Vec<Prepared<'_>> = articles
        .iter()
        .map(|a| {
            let doc = prepare(&a.text, lex, &furniture);
            let ctx = feat.context(&doc);
            Prepared {
                id: &a.id,
                doc,
                ctx,
            }
        })
        .collect();
    let si_merged = scorer::merge_overlapping(si_gold);
    let si_by = scorer::by_article(&si_merged);
    let tc_by = scorer::by_article(tc_gold);
    let none = Vec::new();
    let hard = |_: usize, y: bool| f32::from(u8::from(y));
    let mut si_ex: Vec<Vec<(Vec<u32>, f32)>> = Vec::with_capacity(prepared.len());
    for p in &prepared {
        let gold = si_by.get(p.id).unwrap_or(&none);
        si_ex.push(match opts.teacher_ptc.get(p.id) {
            None => si_examples(&feat, p, gold, opts.si_bits, hard),
            Some(t) => {
                check_tokens(t, &p.doc, &format!("PTC article {}", p.id))?;
                si_examples(&feat, p, gold, opts.si_bits, |i, y| {
                    0.5 * (f32::from(u8::from(y)) + t[i])
                })
            }
        });
    }
    let tc_ex: Vec<Vec<(Vec<u32>, usize)>> = prepared
        .iter_mut()
        .map(|p| {
            tc_examples(
                &feat,
                p,
                tc_by.get(p.id).unwrap_or(&none),
                &classes,
                opts.tc_bits,
            )
        })
        .collect();
    // The positive weight of the gold labels alone (a teacher does not change the base rate
    // the tagger is corrected for).
    let positives = si_ex.iter().flatten().filter(|e| e.1 >= 0.5).count();
    let positives = if opts.teacher_ptc.is_empty() {
        positives
    } else {
        (prepared.iter())
            .map(|p| {
                let gold = si_by.get(p.id).unwrap_or(&none);
                (p.doc.seg.tokens.iter())
                    .filter(|t| {
                        gold.iter()
                            .any(|g| g.start < t.span.end && t.span.start < g.end)
                    })
                    .count()
            })
            .sum()
    };
    let mut teacher_ex: Vec<(Vec<u32>, f32)> = Vec::new();
    for (n, (text, t)) in opts.teacher_extra.iter().enumerate() {
        let doc = prepare(text, lex, &furniture);
        check_tokens(t, &doc, &format!("teacher text {n}"))?;
        let ctx = feat.context(&doc);
        let p = Prepared { id: "", doc, ctx };
        teacher_ex.extend(si_examples(&feat, &p, &[], opts.si_bits, |i, _| t[i]));
    }
    let total = si_ex.iter().map(Vec::len).sum::<usize>();
    let weight_pos = ((total - positives) as f32 / positives.max(1) as f32).sqrt();

    let extra: Vec<(Vec<u32>, usize)> = opts
        .extra_tc
        .iter()
        .flat_map(|(text, spans)| {
            let doc = prepare(text, lex, &furniture);
            let mut ctx = feat.context(&doc);
            let seg = &doc.seg;
            ctx.count_repetitions(seg, spans.iter().map(|(a, b, _)| token_range(seg, *a, *b)));
            let mut f = Features::with_hashing(opts.tc_bits, false, Hashing::Concat);
            spans
                .iter()
                .filter_map(|(a, b, t)| {
                    let y = classes.iter().position(|c| c == t)?;
                    f.clear();
                    feat.span_features(seg, &ctx, token_range(seg, *a, *b), &mut f);
                    Some((f.idx.clone(), y))
                })
                .collect::<Vec<_>>()
        })
        .collect();

    // Out-of-fold predictions: token logits per article and TC logits per gold span.
    let k = opts.folds.max(2);
    let fold_of = |i: usize| i % k;
    let mut oof_logits: Vec<Vec<f32>> = vec![Vec::new(); prepared.len()];
    let mut oof_tc: Vec<(Vec<f32>, usize)> = Vec::new();
    for fold in 0..k {
        let mut si_train: Vec<(Vec<u32>, f32)> = (0..prepared.len())
            .filter(|i| fold_of(*i) != fold)
            .flat_map(|i| si_ex[i].clone())
            .collect();
        si_train.extend(teacher_ex.iter().cloned());
        let mut tc_train: Vec<(Vec<u32>, usize)> = (0..prepared.len())
            .filter(|i| fold_of(*i) != fold)
            .flat_map(|i| tc_ex[i].clone())
            .collect();
        tc_train.extend(extra.iter().cloned());
        let si_m = linear::train_binary_soft(opts.si_bits, &si_train, opts.si, weight_pos);
        let tc_m = linear::train_multiclass(opts.tc_bits, classes.len(), &tc_train, opts.tc);
        let mut s = Vec::new();
        for i in (0..prepared.len()).filter(|i| fold_of(*i) == fold) {
            oof_logits[i] = si_ex[i]
                .iter()
                .map(|(x, _)| {
                    si_m.scores(x, &mut s);
                    s[0]
                })
                .collect();
            for (x, y) in &tc_ex[i] {
                tc_m.scores(x, &mut s);
                oof_tc.push((s.clone(), *y));
            }
        }
    }

    // Threshold and gap by out-of-fold SI F1 (the official scorer, merged predictions).
    let tagger_stub = |si: Linear, tc: Linear| TechniqueModel {
        name: "techniques".into(),
        version: String::new(),
        features: settings.clone(),
        si,
        decode: Decode {
            seed: 0.5,
            extend: 0.5,
            gap: 0,
        },
        span_platt: (1.0, 0.0),
        tc,
        tc_classes: classes.clone(),
        tc_temperature: 1.0,
        train: TrainInfo {
            data_sha256: data_sha256.clone(),
            articles: articles.len(),
            spans: tc_gold.len(),
            si_config: opts.si,
            tc_config: opts.tc,
            folds: k,
        },
        metrics: BTreeMap::new(),
    };
    let mut best = (
        Decode {
            seed: 0.5,
            extend: 0.5,
            gap: 0,
        },
        -1.0f64,
    );
    for gap in [0usize, 1, 2, 4, 6] {
        for seed_step in 3..=16 {
            let seed = seed_step as f32 * 0.05;
            for extend_step in 2..=seed_step {
                let d = Decode {
                    seed,
                    extend: extend_step as f32 * 0.05,
                    gap,
                };
                let mut pred = Vec::new();
                for (i, p) in prepared.iter().enumerate() {
                    for sp in decode(&p.doc.seg, &oof_logits[i], d) {
                        let s = p.doc.seg.span(sp.bytes.clone());
                        pred.push(LabelSpan {
                            article: p.id.to_string(),
                            technique: None,
                            start: s.start,
                            end: s.end,
                        });
                    }
                }
                let f1 = scorer::score_si(&pred, si_gold, true)?.f1;
                if f1 > best.1 {
                    best = (d, f1);
                }
            }
        }
    }
    let (chosen, cv_si_f1) = best;

    // Span calibration: P(overlaps gold) from the mean token logit, on out-of-fold spans.
    let (mut scores, mut labels) = (Vec::new(), Vec::new());
    for (i, p) in prepared.iter().enumerate() {
        let gold = si_by.get(p.id).unwrap_or(&none);
        for sp in decode(&p.doc.seg, &oof_logits[i], chosen) {
            let s = p.doc.seg.span(sp.bytes.clone());
            scores.push(sp.score);
            labels.push(gold.iter().any(|g| g.start < s.end && s.start < g.end));
        }
    }
    let span_platt = linear::platt(&scores, &labels);
    let (tc_logits, tc_labels): (Vec<Vec<f32>>, Vec<usize>) = oof_tc.iter().cloned().unzip();
    let tc_temperature = linear::fit_temperature(&tc_logits, &tc_labels);
    let correct = tc_logits
        .iter()
        .zip(&tc_labels)
        .filter(|(l, y)| argmax(l) == **y)
        .count();
    let cv_tc_micro_f1 = correct as f64 / tc_labels.len().max(1) as f64;

    // Final models on all training articles.
    let mut si_all: Vec<(Vec<u32>, f32)> = si_ex.into_iter().flatten().collect();
    si_all.extend(teacher_ex);
    let mut tc_all: Vec<(Vec<u32>, usize)> = tc_ex.into_iter().flatten().collect();
    tc_all.extend(extra);
    let si = linear::train_binary_soft(opts.si_bits, &si_all, opts.si, weight_pos);
    let tc = linear::train_multiclass(opts.tc_bits, classes.len(), &tc_all, opts.tc);
    let mut model = tagger_stub(si, tc);
    model.version = "1".into();
    model.decode = chosen;
    model.span_platt = span_platt;
    model.tc_temperature = tc_temperature;
    model.metrics.insert("cv.si.f1".into(), cv_si_f1);
    model
        .metrics
        .insert("cv.tc.micro_f1".into(), cv_tc_micro_f1);
    Ok((
        model,
        TrainSummary {
            cv_si_f1,
            cv_tc_micro_f1,
            decode: chosen,
            tc_temperature,
            span_platt,
        },
    ))
}
