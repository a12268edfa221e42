//! Protocols of the sentence models (clickbait, hedging, check-worthiness): cross-validation with
//! each task's community metric, and the training run that produces the shipped models.
//!
//! Every choice a model makes (learning rate, Platt scaling, threshold) is fitted inside the
//! training folds, so the cross-validated numbers are from models that never saw their test fold.

use crate::data::locate;
use crate::data::sentences::{self, Claim};
use crate::error::Result;
use crate::model::sentence::{SentenceModels, Task};
use crate::score::folds::{group_kfold, position_folds};
use crate::score::metrics::{self, Binary};
use crate::score::ranking::{self, RankingScore};
use crate::train::sentences::{SentenceData, fit_model};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Outer folds of every protocol.
pub const FOLDS: usize = 5;

/// Cross-validated metrics of one protocol.
#[derive(Debug, Clone, Serialize)]
pub struct SentenceEval {
    /// The headline's name (`clickbait.accuracy`, `checkworthy.clef2019_map`, …).
    pub key: &'static str,
    pub task: Task,
    pub protocol: String,
    pub examples: usize,
    pub positives: usize,
    /// Calibrated out-of-fold probabilities, labelled at each fold model's own threshold.
    pub metrics: Binary,
    /// CLEF 2019 ranking metrics (check-worthiness only).
    pub ranking: Option<RankingScore>,
    /// Whether the extremes are earned: held-out examples given p ≥ 0.99 and the share of them
    /// that are positive; given p ≤ 0.01 and the share that are negative.
    pub extremes: Extremes,
}

/// How the most confident held-out predictions fared.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Extremes {
    pub high: usize,
    pub high_positive: f64,
    pub low: usize,
    pub low_negative: f64,
}

/// Out-of-fold calibrated probabilities and labels (at each fold's threshold) of `test_of`
/// folds, training on the other folds plus `extra` (always training data).
fn cross_validate(
    task: Task,
    data: &[(Vec<u32>, bool)],
    fold_of: &[usize],
    extra: &[(Vec<u32>, bool)],
) -> (Vec<f64>, Vec<bool>) {
    let mut probs = vec![0.0; data.len()];
    let mut labels = vec![false; data.len()];
    for f in 0..FOLDS {
        let mut train: Vec<(Vec<u32>, bool)> = data
            .iter()
            .zip(fold_of)
            .filter(|(_, g)| **g != f)
            .map(|(d, _)| d.clone())
            .collect();
        train.extend_from_slice(extra);
        let m = fit_model(task, &train, String::new());
        for (i, d) in data.iter().enumerate() {
            if fold_of[i] == f {
                probs[i] = m.probability(&d.0);
                labels[i] = probs[i] >= m.threshold;
            }
        }
    }
    (probs, labels)
}

fn binary_eval(
    key: &'static str,
    task: Task,
    protocol: String,
    data: &[(Vec<u32>, bool)],
    probs: &[f64],
    labels: &[bool],
) -> SentenceEval {
    let gold: Vec<bool> = data.iter().map(|d| d.1).collect();
    // Each fold has its own threshold: score the labels as 0/1 "probabilities" at 0.5 for the
    // label metrics, and the probabilities for AUC, Brier and ECE.
    let as_scores: Vec<f64> = labels.iter().map(|l| f64::from(u8::from(*l))).collect();
    let mut m = metrics::binary(&gold, &as_scores, 0.5, false);
    let p = metrics::binary(&gold, probs, 0.5, true);
    let share = |keep: &dyn Fn(f64) -> bool, want: bool| {
        let (n, hit) = probs
            .iter()
            .zip(&gold)
            .filter(|(p, _)| keep(**p))
            .fold((0usize, 0usize), |(n, h), (_, g)| {
                (n + 1, h + usize::from(*g == want))
            });
        (n, hit as f64 / n.max(1) as f64)
    };
    let (high, high_positive) = share(&|p| p >= 0.99, true);
    let (low, low_negative) = share(&|p| p <= 0.01, false);
    m.roc_auc = p.roc_auc;
    m.pr_auc = p.pr_auc;
    m.brier = p.brier;
    m.ece = p.ece;
    SentenceEval {
        key,
        task,
        protocol,
        examples: data.len(),
        positives: gold.iter().filter(|g| **g).count(),
        metrics: m,
        ranking: None,
        extremes: Extremes {
            high,
            high_positive,
            low,
            low_negative,
        },
    }
}

/// Every protocol: clickbait and hedging by 5 position folds; check-worthiness by CLEF 2019
/// debates (5 folds grouped by debate, ClaimBuster always in training; MAP over the test
/// debates) and by ClaimBuster (5 position folds, CLEF always in training; F1 of the
/// check-worthy class).
pub fn evaluate(d: &SentenceData) -> Vec<SentenceEval> {
    let mut out = Vec::new();
    for (key, task, data) in [
        ("clickbait.accuracy", Task::Clickbait, &d.clickbait),
        ("hedging.f1_uncertain", Task::Hedging, &d.hedging),
    ] {
        let folds = position_folds(data.len(), FOLDS);
        let (p, l) = cross_validate(task, data, &folds, &[]);
        out.push(binary_eval(
            key,
            task,
            format!("{FOLDS}-fold cross-validation (folds by position after a fixed shuffle)"),
            data,
            &p,
            &l,
        ));
    }
    let pairs = |rows: &[(Claim, Vec<u32>)]| -> Vec<(Vec<u32>, bool)> {
        rows.iter()
            .map(|(c, f)| (f.clone(), c.checkworthy))
            .collect()
    };
    let (clef, cb) = (pairs(&d.clef), pairs(&d.claimbuster));
    let debates: Vec<String> = d
        .clef
        .iter()
        .map(|(c, _)| c.debate.clone().unwrap_or_default())
        .collect();
    let folds = group_kfold(&debates, FOLDS);
    let (p, l) = cross_validate(Task::Checkworthy, &clef, &folds, &cb);
    let mut by_debate: BTreeMap<String, (Vec<bool>, Vec<f64>)> = BTreeMap::new();
    for (((c, _), prob), debate) in d.clef.iter().zip(&p).zip(&debates) {
        let e = by_debate.entry(debate.clone()).or_default();
        e.0.push(c.checkworthy);
        e.1.push(*prob);
    }
    let mut e = binary_eval(
        "checkworthy.clef2019_map",
        Task::Checkworthy,
        format!(
            "CLEF CheckThat! 2019 task 1: {FOLDS} folds grouped by debate ({} debates), ClaimBuster always in training; MAP over the held-out debates",
            by_debate.len()
        ),
        &clef,
        &p,
        &l,
    );
    e.ranking = Some(ranking::score(&by_debate));
    out.push(e);
    let folds = position_folds(cb.len(), FOLDS);
    let (p, l) = cross_validate(Task::Checkworthy, &cb, &folds, &clef);
    out.push(binary_eval(
        "checkworthy.claimbuster_f1",
        Task::Checkworthy,
        format!(
            "ClaimBuster ground truth: {FOLDS}-fold cross-validation, CLEF 2019 always in training; F1 of the check-worthy class"
        ),
        &cb,
        &p,
        &l,
    ));
    out
}

/// One row of the folds export: a text with its label and outer fold, so a peer system
/// (`scripts/sentence_peers.py`) runs exactly the protocols of [`evaluate`].
#[derive(Debug, Clone, Serialize)]
pub struct FoldRow {
    /// `clickbait`, `hedging`, `clef2019` (folds by debate, ClaimBuster always in training) or
    /// `claimbuster` (folds by position, CLEF always in training).
    pub protocol: &'static str,
    pub text: String,
    pub label: bool,
    pub fold: usize,
    pub debate: Option<String>,
}

/// The texts of every protocol with the outer folds [`evaluate`] uses. They hold the data's
/// texts: written under `target/`, never into the repository.
pub fn export_folds(data_root: &Path) -> Result<Vec<FoldRow>> {
    let cb_dir = locate(data_root, "clickbait", "clickbait.txt")?;
    let hedge_dir = locate(data_root, "hedging", "wiki_weasel_train.csv")?;
    let cw_dir = locate(data_root, "checkworthy", "clef2019_train.csv")?;
    let mut out = Vec::new();
    for (protocol, rows) in [
        ("clickbait", sentences::clickbait(&cb_dir)?),
        (
            "hedging",
            sentences::weasel(&hedge_dir.join("wiki_weasel_train.csv"))?,
        ),
    ] {
        let folds = position_folds(rows.len(), FOLDS);
        out.extend(rows.into_iter().zip(folds).map(|(r, fold)| FoldRow {
            protocol,
            text: r.text,
            label: r.label,
            fold,
            debate: None,
        }));
    }
    let clef = sentences::clef2019(&cw_dir.join("clef2019_train.csv"))?;
    let debates: Vec<String> = clef
        .iter()
        .map(|c| c.debate.clone().unwrap_or_default())
        .collect();
    let folds = group_kfold(&debates, FOLDS);
    out.extend(clef.into_iter().zip(folds).map(|(c, fold)| FoldRow {
        protocol: "clef2019",
        text: c.text,
        label: c.checkworthy,
        fold,
        debate: c.debate,
    }));
    let cb = sentences::claimbuster(&cw_dir.join("claimbuster_kfold_25ncs.csv"))?;
    let folds = position_folds(cb.len(), FOLDS);
    out.extend(cb.into_iter().zip(folds).map(|(c, fold)| FoldRow {
        protocol: "claimbuster",
        text: c.text,
        label: c.checkworthy,
        fold,
        debate: None,
    }));
    Ok(out)
}

/// A text as the overlap checks compare it: lower case, whitespace collapsed.
fn text_key(t: &str) -> String {
    t.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Training pairs of `rows` without any whose text is in `held_out`: the debate corpora share
/// sentences (893 CLEF 2019 lines are ClaimBuster sentences, 707 of CT24's 1,032 dev sentences
/// are too), and a test sentence seen in training says nothing about transfer.
fn without_texts(
    rows: &[(Claim, Vec<u32>)],
    held_out: &std::collections::HashSet<String>,
) -> Vec<(Vec<u32>, bool)> {
    rows.iter()
        .filter(|(c, _)| !held_out.contains(&text_key(&c.text)))
        .map(|(c, f)| (f.clone(), c.checkworthy))
        .collect()
}

/// MAP over CLEF 2019 debates of `probs` (one per line of `clef`).
fn by_debate(clef: &[(Claim, Vec<u32>)], probs: &[f64]) -> BTreeMap<String, (Vec<bool>, Vec<f64>)> {
    let mut out: BTreeMap<String, (Vec<bool>, Vec<f64>)> = BTreeMap::new();
    for ((c, _), p) in clef.iter().zip(probs) {
        let e = out.entry(c.debate.clone().unwrap_or_default()).or_default();
        e.0.push(c.checkworthy);
        e.1.push(*p);
    }
    out
}

/// CLEF 2019 leave-one-debate-out MAP, `extra` always in training less the held-out debate's
/// sentences.
fn leave_one_debate_out(
    key: &'static str,
    clef_rows: &[(Claim, Vec<u32>)],
    extra_name: &str,
    extra: &[(Claim, Vec<u32>)],
) -> SentenceEval {
    use std::collections::HashSet;
    let clef: Vec<(Vec<u32>, bool)> = clef_rows
        .iter()
        .map(|(c, f)| (f.clone(), c.checkworthy))
        .collect();
    let debates: Vec<String> = clef_rows
        .iter()
        .map(|(c, _)| c.debate.clone().unwrap_or_default())
        .collect();
    let names: std::collections::BTreeSet<&String> = debates.iter().collect();
    let mut probs = vec![0.0; clef.len()];
    let mut labels = vec![false; clef.len()];
    for name in &names {
        let held: HashSet<String> = clef_rows
            .iter()
            .zip(&debates)
            .filter(|(_, g)| g == name)
            .map(|((c, _), _)| text_key(&c.text))
            .collect();
        let mut train: Vec<(Vec<u32>, bool)> = clef
            .iter()
            .zip(&debates)
            .filter(|(_, g)| g != name)
            .map(|(x, _)| x.clone())
            .collect();
        train.extend(without_texts(extra, &held));
        let m = fit_model(Task::Checkworthy, &train, String::new());
        for (i, g) in debates.iter().enumerate() {
            if g == *name {
                probs[i] = m.probability(&clef[i].0);
                labels[i] = probs[i] >= m.threshold;
            }
        }
    }
    let mut e = binary_eval(
        key,
        Task::Checkworthy,
        format!(
            "CLEF CheckThat! 2019 task 1, leave one debate out ({} debates), {extra_name} in training less the held-out debate's sentences; MAP over the debates",
            names.len()
        ),
        &clef,
        &probs,
        &labels,
    );
    e.ranking = Some(ranking::score(&by_debate(clef_rows, &probs)));
    e
}

/// The transfer protocols of check-worthiness: CLEF 2019 leave-one-debate-out (ClaimBuster in
/// training, less the held-out debate's sentences), trained on the debates (CLEF 2019 and
/// ClaimBuster, less CT24 dev's sentences) and tested on CheckThat! 2024 dev, and trained on
/// CheckThat! 2024 train (less CLEF 2019's sentences) and tested on the CLEF 2019 debates.
/// They measure the shipped method; the shipped model is not trained on CT24.
pub fn transfer(d: &SentenceData, data_root: &Path) -> Result<Vec<SentenceEval>> {
    use std::collections::HashSet;
    let cw_dir = locate(data_root, "checkworthy", "ct24_english_dev.tsv")?;
    let rules = &crate::analyze::Analyzer::rules_only();
    let featured = |rows: Vec<Claim>| -> Vec<(Claim, Vec<u32>)> {
        rows.into_iter()
            .map(|c| {
                let f = crate::train::sentences::text_features(Task::Checkworthy, &c.text, rules);
                (c, f)
            })
            .collect()
    };
    let ct24_train = featured(sentences::ct24(&cw_dir.join("ct24_english_train.tsv"))?);
    let ct24_dev = featured(sentences::ct24(&cw_dir.join("ct24_english_dev.tsv"))?);
    let pairs = |rows: &[(Claim, Vec<u32>)]| -> Vec<(Vec<u32>, bool)> {
        rows.iter()
            .map(|(c, f)| (f.clone(), c.checkworthy))
            .collect()
    };
    let clef = pairs(&d.clef);
    let mut out = Vec::new();

    // Leave one debate out, with each second corpus in training.
    for (key, extra_name, extra) in [
        (
            "checkworthy.clef2019_lodo_map",
            "ClaimBuster",
            &d.claimbuster,
        ),
        (
            "checkworthy.clef2019_lodo_ct24_map",
            "CheckThat! 2024 train",
            &ct24_train,
        ),
    ] {
        out.push(leave_one_debate_out(key, &d.clef, extra_name, extra));
    }

    // Debates → CT24 dev.
    let dev_texts: HashSet<String> = ct24_dev.iter().map(|(c, _)| text_key(&c.text)).collect();
    let mut train = without_texts(&d.clef, &dev_texts);
    train.extend(without_texts(&d.claimbuster, &dev_texts));
    let m = fit_model(Task::Checkworthy, &train, String::new());
    let dev = pairs(&ct24_dev);
    let probs: Vec<f64> = dev.iter().map(|x| m.probability(&x.0)).collect();
    let labels: Vec<bool> = probs.iter().map(|p| *p >= m.threshold).collect();
    out.push(binary_eval(
        "checkworthy.debates_to_ct24_f1",
        Task::Checkworthy,
        format!(
            "trained on CLEF 2019 and ClaimBuster ({} sentences, less CT24 dev's), tested on CheckThat! 2024 English dev; F1 of the check-worthy class at the threshold chosen in training",
            train.len()
        ),
        &dev,
        &probs,
        &labels,
    ));

    // CT24 train → CLEF 2019 debates.
    let clef_texts: HashSet<String> = d.clef.iter().map(|(c, _)| text_key(&c.text)).collect();
    let train = without_texts(&ct24_train, &clef_texts);
    let m = fit_model(Task::Checkworthy, &train, String::new());
    let probs: Vec<f64> = clef.iter().map(|x| m.probability(&x.0)).collect();
    let labels: Vec<bool> = probs.iter().map(|p| *p >= m.threshold).collect();
    let mut e = binary_eval(
        "checkworthy.ct24_to_clef2019_map",
        Task::Checkworthy,
        format!(
            "trained on CheckThat! 2024 English train ({} sentences, less CLEF 2019's), tested on the CLEF 2019 debates; MAP over the debates",
            train.len()
        ),
        &clef,
        &probs,
        &labels,
    );
    e.ranking = Some(ranking::score(&by_debate(&d.clef, &probs)));
    out.push(e);
    Ok(out)
}

impl SentenceEval {
    /// The protocol's headline number and its name (`clickbait.accuracy`, …), as gated in CI
    /// and stored in the model.
    pub fn headline(&self) -> (&'static str, f64) {
        let m = &self.metrics;
        let v = match (self.task, &self.ranking) {
            (_, Some(r)) => r.map,
            (Task::Clickbait, None) => m.accuracy,
            (_, None) => m.per_class[1].f1,
        };
        (self.key, v)
    }
}

/// Stores each protocol's headline number in the model it describes (`cv.<name>`).
pub fn record_metrics(models: &mut SentenceModels, evals: &[SentenceEval]) {
    for e in evals {
        let (name, v) = e.headline();
        let model = match e.task {
            Task::Clickbait => &mut models.clickbait,
            Task::Hedging => &mut models.hedging,
            Task::Checkworthy => &mut models.checkworthy,
        };
        let short = name.split_once('.').map_or(name, |(_, s)| s);
        model.metrics.insert(format!("cv.{short}"), v);
    }
}
