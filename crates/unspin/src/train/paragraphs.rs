//! Training and cross-validating the paragraph technique model (`model::paragraphs`):
//! `unspin train paragraphs` fits the shipped model on every language's shared articles;
//! `unspin eval techniques --data …/semeval2023t3 --language xx` cross-validates the same recipe
//! by article and scores it with the official subtask-3 measure (micro-F1 over line labels) and
//! a span-level F1.
//!
//! Calibration and thresholds are always fitted on out-of-fold scores of the training articles
//! (an inner cross-validation), never on the articles a score is reported for.

use super::linear::{platt_damped, train_multilabel};
use crate::data::semeval2023;
use crate::error::{Error, Result};
use crate::model::linear::{Features, Linear, TrainConfig, sigmoid};
use crate::model::paragraphs::{
    self, FEATURE_SET, LanguageHead, ParagraphModel, ParagraphTrainInfo, Sharing, SparseLinear,
    TECHNIQUES, featurize,
};
use crate::score::folds::group_kfold;
use crate::score::lines::{self, LineScore};
use crate::score::ptc::{self, FlcScore, LabelSpan};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::Path;

/// One labelled line (paragraph) of an article.
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based line number in the file.
    pub number: usize,
    /// Byte range of the line in the text.
    pub range: Range<usize>,
    /// Bit `k` set when the line carries `TECHNIQUES[k]`.
    pub mask: u32,
}

/// An article of the SemEval-2023 subtask-3 data.
#[derive(Debug, Clone)]
pub struct Article {
    /// ISO 639-1 code.
    pub language: &'static str,
    pub id: String,
    pub text: String,
    pub lines: Vec<Line>,
    /// The gold technique spans (code points), for the span-level score.
    pub spans: Vec<LabelSpan>,
}

/// Reads one language's articles, line labels and spans; `data` is the shared data root, the
/// `semeval2023t3` folder or the language folder. Also returns the bytes hashed for the model's
/// training-data hash.
pub fn load(data: &Path, language: &str) -> Result<Vec<Article>> {
    let code = paragraphs::language_code(language).ok_or_else(|| {
        Error::Data(format!(
            "no SemEval-2023 language {language:?} (one of: {})",
            paragraphs::LANGUAGES.map(|l| l.0).join(", ")
        ))
    })?;
    let folder = paragraphs::data_folder(code).expect("every code has a folder");
    let dir = semeval2023::language_dir(data, folder)?;
    let labels_path = dir.join("labels-subtask-3.txt");
    let mut by_article: BTreeMap<String, Vec<semeval2023::LineLabels>> = BTreeMap::new();
    for l in semeval2023::line_labels(&labels_path)? {
        by_article.entry(l.article.clone()).or_default().push(l);
    }
    let mut out = Vec::with_capacity(by_article.len());
    for (id, labels) in by_article {
        let text = semeval2023::article(&dir, &id)?;
        let ranges = line_ranges(&text);
        let mut lines = Vec::with_capacity(labels.len());
        for l in labels {
            let range = ranges.get(l.line - 1).cloned().ok_or_else(|| {
                Error::Data(format!(
                    "{}: article {id} line {}: the article has {} lines",
                    labels_path.display(),
                    l.line,
                    ranges.len()
                ))
            })?;
            let mut mask = 0u32;
            for t in &l.techniques {
                let k = paragraphs::technique_index(t).ok_or_else(|| {
                    Error::Data(format!(
                        "{}: article {id} line {}: unknown technique {t:?}",
                        labels_path.display(),
                        l.line
                    ))
                })?;
                mask |= 1 << k;
            }
            lines.push(Line {
                number: l.line,
                range,
                mask,
            });
        }
        let span_file = dir
            .join("spans")
            .join(format!("article{id}-labels-subtask-3.txt"));
        let spans = if span_file.is_file() {
            ptc::read_labels(&span_file)?
        } else {
            Vec::new()
        };
        out.push(Article {
            language: code,
            id,
            text,
            lines,
            spans,
        });
    }
    if out.is_empty() {
        return Err(Error::Data(format!(
            "{}: no labelled lines",
            labels_path.display()
        )));
    }
    Ok(out)
}

/// Byte ranges of the lines of a text split on `\n` (line `n` is index `n - 1`).
fn line_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            out.push(start..i);
            start = i + 1;
        }
    }
    out.push(start..text.len());
    out
}

/// Settings of the paragraph model's training.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub bits: u8,
    pub cfg: TrainConfig,
    pub weight_pos: f32,
    /// Inner folds for calibration and thresholds.
    pub folds: usize,
    /// Models averaged, each trained with its own seed.
    pub bags: usize,
    pub sharing: Sharing,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            bits: 18,
            cfg: TrainConfig {
                epochs: 4,
                learning_rate: 0.1,
                l2: 1e-6,
                seed: 23,
            },
            weight_pos: 2.0,
            folds: 3,
            bags: 3,
            sharing: Sharing::PerLanguage,
        }
    }
}

/// The hashed features and label mask of every line of `articles`.
fn examples(articles: &[&Article], o: &Options) -> Vec<(Vec<u32>, u32)> {
    let mut f = Features::new(o.bits, false);
    let mut out = Vec::new();
    for a in articles {
        for l in &a.lines {
            f.clear();
            featurize(
                &a.text[l.range.clone()],
                l.number == 1,
                (o.sharing == Sharing::Pooled).then_some(a.language),
                &mut f,
            );
            out.push((f.idx.clone(), l.mask));
        }
    }
    out
}

/// Per-class logits of examples under a model.
fn logits(m: &Linear, xs: &[(Vec<u32>, u32)]) -> Vec<Vec<f32>> {
    let mut s = Vec::new();
    xs.iter()
        .map(|(x, _)| {
            m.scores(x, &mut s);
            s.clone()
        })
        .collect()
}

/// A fitted decision layer: the linear model, Platt scaling per class and the threshold.
struct Fitted {
    linear: Linear,
    platt: Vec<(f32, f32)>,
    thresholds: Vec<f32>,
}

/// Platt per class and the micro-F1 threshold from out-of-fold logits.
fn calibrate(oof: &[Vec<f32>], masks: &[u32]) -> (Vec<(f32, f32)>, Vec<f32>) {
    let k = TECHNIQUES.len();
    let platts: Vec<(f32, f32)> = (0..k)
        .map(|c| {
            let s: Vec<f32> = oof.iter().map(|v| v[c]).collect();
            let y: Vec<bool> = masks.iter().map(|m| m >> c & 1 == 1).collect();
            if y.iter().any(|b| *b) {
                platt_damped(&s, &y)
            } else {
                // A technique never seen in this language's training lines: never reported.
                (0.0, -20.0)
            }
        })
        .collect();
    let probs: Vec<Vec<f32>> = oof
        .iter()
        .map(|v| {
            v.iter()
                .zip(&platts)
                .map(|(z, (a, b))| sigmoid(a * z + b))
                .collect()
        })
        .collect();
    let mut best = (f64::MIN, 0.5f32);
    for step in 2..=36 {
        let t = step as f32 * 0.025;
        let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
        for (p, m) in probs.iter().zip(masks) {
            for (c, pc) in p.iter().enumerate() {
                match (*pc >= t, m >> c & 1 == 1) {
                    (true, true) => tp += 1,
                    (true, false) => fp += 1,
                    (false, true) => fn_ += 1,
                    _ => {}
                }
            }
        }
        let f1 = 2.0 * tp as f64 / (2 * tp + fp + fn_).max(1) as f64;
        if f1 > best.0 {
            best = (f1, t);
        }
    }
    // Then one threshold per technique, by coordinate ascent on micro-F1 from the global one,
    // one technique at a time with the others held (two passes).
    let mut th = vec![best.1; k];
    {
        let (mut tp, mut fp, mut fn_) = (0i64, 0i64, 0i64);
        let count = |c: usize, t: f32| -> (i64, i64, i64) {
            let (mut a, mut b, mut d) = (0, 0, 0);
            for (p, m) in probs.iter().zip(masks) {
                match (p[c] >= t, m >> c & 1 == 1) {
                    (true, true) => a += 1,
                    (true, false) => b += 1,
                    (false, true) => d += 1,
                    _ => {}
                }
            }
            (a, b, d)
        };
        let per: Vec<(i64, i64, i64)> = (0..k).map(|c| count(c, th[c])).collect();
        for x in &per {
            tp += x.0;
            fp += x.1;
            fn_ += x.2;
        }
        let mut per = per;
        for _ in 0..2 {
            for c in 0..k {
                let (a0, b0, d0) = per[c];
                let base = (tp - a0, fp - b0, fn_ - d0);
                let mut best_c = (f64::MIN, th[c], per[c]);
                for step in 2..=38 {
                    let t = step as f32 * 0.025;
                    let x = count(c, t);
                    let (a, b, d) = (base.0 + x.0, base.1 + x.1, base.2 + x.2);
                    let f1 = 2.0 * a as f64 / (2 * a + b + d).max(1) as f64;
                    if f1 > best_c.0 + 1e-9 {
                        best_c = (f1, t, x);
                    }
                }
                th[c] = best_c.1;
                per[c] = best_c.2;
                tp = base.0 + per[c].0;
                fp = base.1 + per[c].1;
                fn_ = base.2 + per[c].2;
            }
        }
    }
    (platts, th)
}

/// The multi-label model, averaged over `o.bags` seeds (averaging linear models averages their
/// logits: less variance from the order of the examples, which matters on a hundred articles).
fn bagged(data: &[(Vec<u32>, u32)], o: &Options) -> Linear {
    let bags = o.bags.max(1) as u64;
    let k = TECHNIQUES.len();
    let models: Vec<Linear> = (0..bags)
        .map(|i| {
            let mut cfg = o.cfg;
            cfg.seed = o.cfg.seed.wrapping_add(i);
            train_multilabel(o.bits, k, data, cfg, o.weight_pos)
        })
        .collect();
    let n = models[0].weights.len();
    let w: Vec<f32> = (0..n)
        .map(|j| {
            models
                .iter()
                .map(|m| f32::from(m.weights[j]) * m.scale)
                .sum::<f32>()
                / bags as f32
        })
        .collect();
    let b: Vec<f32> = (0..k)
        .map(|c| models.iter().map(|m| m.bias[c]).sum::<f32>() / bags as f32)
        .collect();
    // On the grid of the stored form (`SparseLinear`, 8 bits a weight), so that what
    // cross-validation scores is what ships.
    let step = w.iter().fold(0f32, |m, x| m.max(x.abs())).max(1e-6) / f32::from(i8::MAX);
    let w: Vec<f32> = w.into_iter().map(|x| (x / step).round() * step).collect();
    Linear::quantize(o.bits, k, &w, b)
}

/// Fits one language's decision layer: `own` are the language's training articles (scored out
/// of fold for calibration), `shared` articles of other languages always trained on (pooled).
fn fit(own: &[&Article], shared: &[&Article], o: &Options) -> Fitted {
    let groups: Vec<String> = own.iter().map(|a| a.id.clone()).collect();
    let fold = group_kfold(&groups, o.folds);
    let shared_x = examples(shared, o);
    let mut oof: Vec<Option<Vec<f32>>> = Vec::new();
    let per_article: Vec<Vec<(Vec<u32>, u32)>> = own.iter().map(|a| examples(&[*a], o)).collect();
    let total: usize = per_article.iter().map(Vec::len).sum();
    oof.resize(total, None);
    for k in 0..o.folds {
        let mut train = shared_x.clone();
        for (a, xs) in per_article.iter().enumerate() {
            if fold[a] != k {
                train.extend(xs.iter().cloned());
            }
        }
        let m = bagged(&train, o);
        let mut at = 0;
        for (a, xs) in per_article.iter().enumerate() {
            if fold[a] == k {
                for (i, s) in logits(&m, xs).into_iter().enumerate() {
                    oof[at + i] = Some(s);
                }
            }
            at += xs.len();
        }
    }
    let oof: Vec<Vec<f32>> = oof
        .into_iter()
        .map(|s| s.expect("every line is held out once"))
        .collect();
    let masks: Vec<u32> = per_article.iter().flatten().map(|x| x.1).collect();
    let (platt, thresholds) = calibrate(&oof, &masks);
    let mut all = shared_x;
    all.extend(per_article.into_iter().flatten());
    Fitted {
        linear: bagged(&all, o),
        platt,
        thresholds,
    }
}

/// The predicted techniques (as bit masks) of each line of `articles` under a fitted layer,
/// with their probabilities.
fn predict(f: &Fitted, articles: &[&Article], o: &Options) -> Vec<Vec<(usize, f32)>> {
    let xs = examples(articles, o);
    logits(&f.linear, &xs)
        .into_iter()
        .map(|z| {
            z.iter()
                .zip(&f.platt)
                .map(|(z, (a, b))| sigmoid(a * z + b))
                .enumerate()
                .filter(|(c, p)| *p >= f.thresholds[*c])
                .collect()
        })
        .collect()
}

fn names() -> Vec<String> {
    TECHNIQUES.iter().map(|t| t.to_string()).collect()
}

/// Cross-validated scores of one language.
#[derive(Debug, Clone, Serialize)]
pub struct LanguageEval {
    pub language: String,
    pub sharing: Sharing,
    pub articles: usize,
    pub folds: usize,
    /// The official subtask-3 measure, by article folds.
    pub lines: LineScore,
    /// Technique-aware partial-overlap span F1 (the SemEval-2020 full-task scorer) of the
    /// predicted paragraphs taken as spans, against the gold spans.
    pub spans: FlcScore,
    /// Micro-F1 of labelling every line with the language's most frequent technique: the
    /// floor any system must clear.
    pub majority: f64,
    pub majority_technique: String,
}

/// Cross-validates the recipe on one language, `folds` folds by article. With pooled sharing
/// the other languages' articles (`others`) join every training fold.
pub fn cross_validate(
    own: &[Article],
    others: &[Article],
    folds: usize,
    o: &Options,
) -> Result<LanguageEval> {
    let language = own.first().map(|a| a.language).unwrap_or("?");
    let groups: Vec<String> = own.iter().map(|a| a.id.clone()).collect();
    let fold = group_kfold(&groups, folds);
    let shared: Vec<&Article> = match o.sharing {
        Sharing::Pooled => others.iter().collect(),
        Sharing::PerLanguage => Vec::new(),
    };
    let mut pred: HashMap<(String, usize), BTreeSet<String>> = HashMap::new();
    let mut span_pred: Vec<LabelSpan> = Vec::new();
    for k in 0..folds {
        let train: Vec<&Article> = own
            .iter()
            .zip(&fold)
            .filter(|(_, f)| **f != k)
            .map(|(a, _)| a)
            .collect();
        let test: Vec<&Article> = own
            .iter()
            .zip(&fold)
            .filter(|(_, f)| **f == k)
            .map(|(a, _)| a)
            .collect();
        let fitted = fit(&train, &shared, o);
        let mut labels = predict(&fitted, &test, o).into_iter();
        for a in &test {
            for l in &a.lines {
                let got = labels.next().expect("one prediction per line");
                let span = char_span(&a.text, l.range.clone());
                for (t, _) in &got {
                    span_pred.push(LabelSpan {
                        article: a.id.clone(),
                        technique: Some(TECHNIQUES[*t].to_string()),
                        start: span.0,
                        end: span.1,
                    });
                }
                pred.insert(
                    (a.id.clone(), l.number),
                    got.iter()
                        .map(|(t, _)| TECHNIQUES[*t].to_string())
                        .collect(),
                );
            }
        }
    }
    let gold = gold_lines(own);
    let names = names();
    let mut counts = [0usize; 23];
    for a in own {
        for l in &a.lines {
            for (c, n) in counts.iter_mut().enumerate() {
                *n += (l.mask >> c & 1) as usize;
            }
        }
    }
    let top = (0..TECHNIQUES.len())
        .max_by_key(|c| (counts[*c], std::cmp::Reverse(*c)))
        .unwrap_or(0);
    let majority: HashMap<(String, usize), BTreeSet<String>> = gold
        .iter()
        .map(|(a, n, _)| ((a.clone(), *n), [TECHNIQUES[top].to_string()].into()))
        .collect();
    let gold_spans: Vec<LabelSpan> = own.iter().flat_map(|a| a.spans.clone()).collect();
    Ok(LanguageEval {
        language: language.to_string(),
        sharing: o.sharing,
        articles: own.len(),
        folds,
        lines: lines::score(&gold, &pred, &names),
        spans: ptc::score_flc(&span_pred, &gold_spans, &names)?,
        majority: lines::score(&gold, &majority, &names).micro_f1,
        majority_technique: TECHNIQUES[top].to_string(),
    })
}

fn gold_lines(articles: &[Article]) -> Vec<(String, usize, BTreeSet<String>)> {
    articles
        .iter()
        .flat_map(|a| {
            a.lines.iter().map(|l| {
                let set = (0..TECHNIQUES.len())
                    .filter(|c| l.mask >> c & 1 == 1)
                    .map(|c| TECHNIQUES[c].to_string())
                    .collect();
                (a.id.clone(), l.number, set)
            })
        })
        .collect()
}

/// Code-point span of a line's text without its surrounding white space.
fn char_span(text: &str, r: Range<usize>) -> (usize, usize) {
    let line = &text[r.clone()];
    let lead = line.len() - line.trim_start().len();
    let trimmed = line.trim();
    let start = text[..r.start + lead].chars().count();
    (start, start + trimmed.chars().count())
}

/// Trains the shipped model on every language of `data` (the shared data root or the
/// `semeval2023t3` folder).
pub fn train(data: &Path, o: &Options) -> Result<ParagraphModel> {
    let mut by_language = Vec::new();
    let mut hasher = Sha256::new();
    for (code, _, _) in paragraphs::LANGUAGES {
        let arts = load(data, code)?;
        for a in &arts {
            hasher.update(a.language.as_bytes());
            hasher.update(a.id.as_bytes());
            hasher.update(a.text.as_bytes());
            for l in &a.lines {
                hasher.update(l.number.to_le_bytes());
                hasher.update(l.mask.to_le_bytes());
            }
        }
        by_language.push(arts);
    }
    let mut linears = Vec::new();
    let mut heads = Vec::new();
    let metrics = BTreeMap::new();
    for (i, arts) in by_language.iter().enumerate() {
        let own: Vec<&Article> = arts.iter().collect();
        let shared: Vec<&Article> = match o.sharing {
            Sharing::Pooled => by_language
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, a)| a.iter())
                .collect(),
            Sharing::PerLanguage => Vec::new(),
        };
        let f = fit(&own, &shared, o);
        let language = arts[0].language;
        heads.push(LanguageHead {
            language: language.to_string(),
            linear: linears.len(),
            platt: f.platt.clone(),
            thresholds: f.thresholds.clone(),
            articles: arts.len(),
            lines: arts.iter().map(|a| a.lines.len()).sum(),
        });
        linears.push(SparseLinear::from_dense(&f.linear));
    }
    Ok(ParagraphModel {
        name: "paragraph-techniques".into(),
        version: "1".into(),
        feature_set: FEATURE_SET,
        bits: o.bits,
        sharing: o.sharing,
        techniques: names(),
        linears,
        heads,
        train: ParagraphTrainInfo {
            data_sha256: hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            seed: o.cfg.seed,
            epochs: o.cfg.epochs,
            folds: o.folds,
        },
        metrics,
    })
}
