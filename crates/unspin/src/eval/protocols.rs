//! The evaluation protocols: which data, which split or folds, which scorer, for each task. The
//! CLI's `eval` command prints what these return; `eval all` writes them to `docs/EVALUATION.md`.

use super::metrics::{self, Binary};
use super::ptc::{self, FlcScore, LabelSpan, Prf, TcScore};
use crate::analyze::Analyzer;
use crate::data;
use crate::data::articles::{Corpus, DedupStats, PoolArticle};
use crate::error::{Error, Result};
use crate::ingest::Document;
use crate::model::reliability::{self, Example, ReliabilityModel, ReliabilityTrainInfo};
use crate::model::sources::{self, SourcePrior};
use crate::report::Report;
use crate::technique::Technique;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Finds a dataset folder whether `data` is the shared data root or the dataset folder itself.
pub fn locate(data: &Path, sub: &str, marker: &str) -> Result<PathBuf> {
    for candidate in [data.join(sub), data.to_path_buf()] {
        if candidate.join(marker).exists() {
            return Ok(candidate);
        }
    }
    Err(Error::Data(format!(
        "{}: cannot find {sub}/{marker} (give the shared data root or the {sub} folder)",
        data.display()
    )))
}

fn technique_names() -> Vec<String> {
    Technique::ALL
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

/// Technique spans of a report as PTC prediction rows.
pub fn report_spans(article: &str, r: &Report) -> Vec<LabelSpan> {
    r.techniques
        .iter()
        .map(|t| LabelSpan {
            article: article.to_string(),
            technique: Some(t.technique.as_str().to_string()),
            start: t.start,
            end: t.end,
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct TechniquesEval {
    pub split: String,
    pub articles: usize,
    pub gold_spans: usize,
    pub predicted_spans: usize,
    /// What produced the spans and labels.
    pub system: String,
    pub si: Prf,
    pub tc: TcScore,
    /// Which labeller produced the TC numbers.
    pub tc_system: String,
    pub full: FlcScore,
}

/// `eval techniques`: runs the analyzer on every article of the split and scores SI (merged
/// predictions, as the official `-m`), TC on the gold spans, and the full task.
pub fn techniques(analyzer: &Analyzer, ptc_root: &Path, split: &str) -> Result<TechniquesEval> {
    let s = data::ptc::split(ptc_root, split)?;
    let mut pred = Vec::new();
    for a in &s.articles {
        let r = analyzer.analyze(&Document::from_text(a.text.clone()));
        pred.extend(report_spans(&a.id, &r));
    }
    let names = technique_names();
    let si_pred: Vec<LabelSpan> = pred
        .iter()
        .map(|p| LabelSpan {
            technique: None,
            ..p.clone()
        })
        .collect();
    let si = ptc::score_si(&si_pred, &s.si, true)?;
    let full = ptc::score_flc(&pred, &s.tc, &names)?;
    // TC on the gold spans: the model's classifier when one is loaded, else the most frequent
    // technique of the training data, the honest floor any classifier must beat.
    let (tc_pred, tc_system) = match analyzer.technique_tagger() {
        Some(tagger) => {
            let mut out = Vec::with_capacity(s.tc.len());
            for a in &s.articles {
                let gold: Vec<&LabelSpan> = s.tc.iter().filter(|g| g.article == a.id).collect();
                if gold.is_empty() {
                    continue;
                }
                let doc = crate::text::Analyzed::new(&a.text);
                let offsets: Vec<(usize, usize)> = gold.iter().map(|g| (g.start, g.end)).collect();
                for (g, t) in gold.iter().zip(tagger.classify_spans(&doc, &offsets)) {
                    out.push(LabelSpan {
                        technique: Some(t.as_str().to_string()),
                        ..(*g).clone()
                    });
                }
            }
            let m = tagger.model();
            (out, format!("{} {} span classifier", m.name, m.version))
        }
        None => (
            s.tc.iter()
                .map(|g| LabelSpan {
                    technique: Some(Technique::LoadedLanguage.as_str().to_string()),
                    ..g.clone()
                })
                .collect(),
            "majority class (Loaded_Language) — no technique classifier loaded".to_string(),
        ),
    };
    let tc = ptc::score_tc(&tc_pred, &s.tc, &names)?;
    Ok(TechniquesEval {
        split: split.to_string(),
        articles: s.articles.len(),
        gold_spans: s.tc.len(),
        predicted_spans: pred.len(),
        system: analyzer
            .models()
            .iter()
            .filter(|m| m.name.contains("loaded") || m.name.contains("technique"))
            .map(|m| format!("{} {} ({})", m.name, m.version, m.kind))
            .collect::<Vec<_>>()
            .join(", "),
        si,
        tc,
        tc_system,
        full,
    })
}

/// Which task an external prediction file is scored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredictionTask {
    Si,
    Tc,
    Full,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PredictionScore {
    Si(Prf),
    Tc(TcScore),
    Full(FlcScore),
}

/// Scores a prediction file in the official format against a PTC split's gold labels.
pub fn score_predictions(
    ptc_root: &Path,
    split: &str,
    file: &Path,
    task: PredictionTask,
) -> Result<PredictionScore> {
    let gold_si = ptc::read_labels(&ptc_root.join(format!("{split}-task-si.labels")))?;
    let gold_tc = ptc::read_labels(&ptc_root.join(format!("{split}-task-flc-tc.labels")))?;
    let pred = ptc::read_labels(file)?;
    let known: std::collections::BTreeSet<String> =
        data::ptc::articles(&ptc_root.join(format!("{split}-articles")))?
            .into_iter()
            .map(|a| a.id)
            .collect();
    if let Some(p) = pred.iter().find(|p| !known.contains(&p.article)) {
        return Err(Error::Data(format!(
            "{}: article {} is not in the {split} split",
            file.display(),
            p.article
        )));
    }
    let names = technique_names();
    Ok(match task {
        PredictionTask::Si => PredictionScore::Si(ptc::score_si(&pred, &gold_si, true)?),
        PredictionTask::Tc => PredictionScore::Tc(ptc::score_tc(&pred, &gold_tc, &names)?),
        PredictionTask::Full => PredictionScore::Full(ptc::score_flc(&pred, &gold_tc, &names)?),
    })
}

/// Splits indices into `k` folds so that no group is in two folds: groups are sorted by size and
/// each goes to the currently smallest fold (scikit-learn's `GroupKFold` strategy), so the
/// assignment is deterministic.
pub fn group_kfold(groups: &[String], k: usize) -> Vec<usize> {
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for g in groups {
        *sizes.entry(g.as_str()).or_default() += 1;
    }
    let mut order: Vec<(&str, usize)> = sizes.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut fold_size = vec![0usize; k.max(1)];
    let mut fold_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (g, n) in order {
        let f = (0..fold_size.len())
            .min_by_key(|f| (fold_size[*f], *f))
            .expect("k >= 1");
        fold_size[f] += n;
        fold_of.insert(g, f);
    }
    groups.iter().map(|g| fold_of[g.as_str()]).collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct CorpusScore {
    pub corpus: String,
    pub articles: usize,
    pub unreliable: usize,
    pub roc_auc: Option<f64>,
    pub pr_auc: Option<f64>,
    pub macro_f1: f64,
    pub brier: Option<f64>,
    pub ece: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReliabilityEval {
    pub system: String,
    /// Whether FA-KES articles are in the training data (they are always scored as a held-out
    /// corpus of their own).
    pub train_with_fakes: bool,
    pub dedup: DedupStats,
    /// Out-of-fold calibrated probabilities of the grouped folds, thresholded at 0.5.
    pub pooled: Binary,
    /// Grouped-by-site folds: mean and per-fold ROC-AUC.
    pub grouped_cv_auc_mean: Option<f64>,
    pub grouped_cv_auc: Vec<Option<f64>>,
    pub folds: usize,
    pub sites: usize,
    /// One row per corpus: trained on the others, scored on it.
    pub leave_one_corpus_out: Vec<CorpusScore>,
    /// Mean leave-one-corpus-out ROC-AUC over the corpora other than FA-KES (whose labels do not
    /// follow from the text, see DATA.md).
    pub loco_mean_auc_without_fakes: Option<f64>,
}

fn article_document(a: &PoolArticle) -> Document {
    let mut d = Document::from_text(a.text.clone())
        .with_title((!a.title.is_empty()).then(|| a.title.clone()));
    d.meta.url = a.url.clone();
    d
}

/// The article pool with each article's document signals.
pub struct ReliabilityData {
    pub pool: Vec<PoolArticle>,
    pub examples: Vec<Example>,
    pub dedup: DedupStats,
}

/// Loads and deduplicates the pool (FA-KES included; each protocol decides whether to train on
/// it) and computes every article's signals with `analyzer`.
pub fn reliability_data(analyzer: &Analyzer, data_root: &Path) -> Result<ReliabilityData> {
    let root = locate(data_root, "articles", "buzzfeed-webis-2016")?;
    let (pool, dedup) = data::articles::pool(&root, true)?;
    let examples = pool
        .iter()
        .map(|a| {
            let (_, mut x) = analyzer.analyze_with_signals(&article_document(a));
            // The document signals only: a word-profile signal from a shipped model was
            // trained on these very articles; the protocol stacks its own, out of fold.
            x.truncate(reliability::SIGNALS.len());
            Example {
                x,
                words: {
                    let doc = crate::text::Analyzed::new(&a.text);
                    reliability::word_features(&doc, reliability::boilerplate_sentences(&doc))
                },
                y: a.unreliable == Some(true),
                group: format!("{}:{}", a.corpus.name(), a.site),
            }
        })
        .collect();
    Ok(ReliabilityData {
        pool,
        examples,
        dedup,
    })
}

/// L2 penalty of the reliability model (on standardised signals).
pub const RELIABILITY_L2: f64 = 10.0;

fn calibrated_probabilities(train: &[Example], test: &[&Example], folds: usize) -> Vec<f64> {
    let (tr, te) = reliability::stack_words(train, test, folds);
    let (m, (a, b), _) = reliability::fit_calibrated(&tr, RELIABILITY_L2, folds);
    te.iter()
        .map(|e| reliability::sigmoid(a * m.logit(&e.x) + b))
        .collect()
}

/// `eval reliability`: the training method of the shipped model, measured in grouped-by-site
/// folds and leave-one-corpus-out. Every probability is from a model that did not see the
/// article's site (folds) or corpus (LOCO), calibrated on out-of-fold logits of its own
/// training data.
pub fn reliability(
    data: &ReliabilityData,
    folds: usize,
    train_with_fakes: bool,
) -> Result<ReliabilityEval> {
    let used: Vec<usize> = (0..data.pool.len())
        .filter(|i| train_with_fakes || data.pool[*i].corpus != Corpus::FaKes)
        .collect();
    let examples: Vec<Example> = used.iter().map(|i| data.examples[*i].clone()).collect();
    let groups: Vec<String> = examples.iter().map(|e| e.group.clone()).collect();
    let fold_of = group_kfold(&groups, folds);
    let mut oof = vec![0.0; examples.len()];
    for f in 0..folds {
        let train: Vec<Example> = examples
            .iter()
            .zip(&fold_of)
            .filter(|(_, g)| **g != f)
            .map(|(e, _)| e.clone())
            .collect();
        let test_idx: Vec<usize> = (0..examples.len()).filter(|i| fold_of[*i] == f).collect();
        let test: Vec<&Example> = test_idx.iter().map(|i| &examples[*i]).collect();
        for (i, p) in test_idx
            .iter()
            .zip(calibrated_probabilities(&train, &test, folds))
        {
            oof[*i] = p;
        }
    }
    let gold: Vec<bool> = examples.iter().map(|e| e.y).collect();
    let grouped_cv_auc: Vec<Option<f64>> = (0..folds)
        .map(|f| {
            let (g, s): (Vec<bool>, Vec<f64>) = (0..examples.len())
                .filter(|i| fold_of[*i] == f)
                .map(|i| (gold[i], oof[i]))
                .unzip();
            metrics::roc_auc(&g, &s)
        })
        .collect();
    let defined: Vec<f64> = grouped_cv_auc.iter().flatten().copied().collect();
    let leave_one_corpus_out: Vec<CorpusScore> = Corpus::ALL
        .iter()
        .map(|c| {
            let train: Vec<Example> = (0..data.pool.len())
                .filter(|i| {
                    let k = data.pool[*i].corpus;
                    k != *c && (train_with_fakes || k != Corpus::FaKes)
                })
                .map(|i| data.examples[i].clone())
                .collect();
            let test: Vec<&Example> = (0..data.pool.len())
                .filter(|i| data.pool[*i].corpus == *c)
                .map(|i| &data.examples[i])
                .collect();
            let p = calibrated_probabilities(&train, &test, folds);
            let g: Vec<bool> = test.iter().map(|e| e.y).collect();
            let b = metrics::binary(&g, &p, 0.5, true);
            CorpusScore {
                corpus: c.name().to_string(),
                articles: g.len(),
                unreliable: g.iter().filter(|x| **x).count(),
                roc_auc: b.roc_auc,
                pr_auc: b.pr_auc,
                macro_f1: b.macro_f1,
                brier: b.brier,
                ece: b.ece,
            }
        })
        .collect();
    let loco: Vec<f64> = leave_one_corpus_out
        .iter()
        .filter(|r| r.corpus != Corpus::FaKes.name())
        .filter_map(|r| r.roc_auc)
        .collect();
    let mut sites: Vec<&String> = groups.iter().collect();
    sites.sort();
    sites.dedup();
    Ok(ReliabilityEval {
        system: format!(
            "logistic regression over {} document signals (L2 {RELIABILITY_L2} on standardised ln(1+rate)) and a word-profile logit (hashed words and bigrams, 1/√n per feature, stacked out of fold), Platt-calibrated on out-of-fold logits",
            reliability::SIGNALS.len()
        ),
        train_with_fakes,
        dedup: data.dedup.clone(),
        pooled: metrics::binary(&gold, &oof, 0.5, true),
        grouped_cv_auc_mean: (!defined.is_empty())
            .then(|| defined.iter().sum::<f64>() / defined.len() as f64),
        grouped_cv_auc,
        folds,
        sites: sites.len(),
        loco_mean_auc_without_fakes: (loco.len() == 3)
            .then(|| loco.iter().sum::<f64>() / loco.len() as f64),
        leave_one_corpus_out,
    })
}

/// `train reliability`: measures the method with and without FA-KES in the training data,
/// keeps the one with the higher leave-one-corpus-out mean (over the other corpora), and fits
/// the shipped model on that pool. Returns the model and both evaluations.
pub fn train_reliability(
    data: &ReliabilityData,
    folds: usize,
    data_sha256: String,
) -> Result<(ReliabilityModel, ReliabilityEval, ReliabilityEval)> {
    let with = reliability(data, folds, true)?;
    let without = reliability(data, folds, false)?;
    let chosen = if with.loco_mean_auc_without_fakes.unwrap_or(0.0)
        > without.loco_mean_auc_without_fakes.unwrap_or(0.0)
    {
        &with
    } else {
        &without
    };
    let (articles, examples): (Vec<&PoolArticle>, Vec<Example>) = data
        .pool
        .iter()
        .zip(&data.examples)
        .filter(|(a, _)| chosen.train_with_fakes || a.corpus != Corpus::FaKes)
        .map(|(a, e)| (a, e.clone()))
        .unzip();
    let (stacked, _) = reliability::stack_words(&examples, &[], folds);
    let (fitted, platt, oof) = reliability::fit_calibrated(&stacked, RELIABILITY_L2, folds);
    let source_prior = fit_source_prior(&articles, &examples, &oof, platt);
    let all: Vec<(Vec<u32>, bool)> = examples.iter().map(|e| (e.words.clone(), e.y)).collect();
    let words = reliability::train_words(&all);
    let reliability::Fitted {
        mean,
        std,
        weights,
        bias,
    } = fitted;
    let mut metrics = BTreeMap::new();
    if let Some(m) = chosen.loco_mean_auc_without_fakes {
        metrics.insert("loco.mean_auc_without_fakes".to_string(), m);
    }
    if let Some(m) = chosen.grouped_cv_auc_mean {
        metrics.insert("grouped_cv.auc".to_string(), m);
    }
    if let Some(e) = chosen.pooled.ece {
        metrics.insert("grouped_cv.ece".to_string(), e);
    }
    let model = ReliabilityModel {
        name: "reliability".into(),
        version: "1".into(),
        feature_set: reliability::FEATURE_SET,
        features: reliability::SIGNALS
            .iter()
            .map(|(n, _)| n.to_string())
            .chain([reliability::WORD_PROFILE.to_string()])
            .collect(),
        mean,
        std,
        weights,
        bias,
        platt,
        words: Some(words),
        source_prior: Some(source_prior),
        train: ReliabilityTrainInfo {
            data_sha256,
            articles: examples.len(),
            unreliable: examples.iter().filter(|e| e.y).count(),
            include_fakes: chosen.train_with_fakes,
            l2: RELIABILITY_L2,
            folds,
        },
        metrics,
    };
    Ok((model, with, without))
}

/// Fits the source prior on the articles of listed sites from the corpora labelled article by
/// article (BuzzFeed-Webis, FakeNewsNet), with the text model's calibrated out-of-fold
/// log-odds as the offset. FakeNewsCorpus is left out: its labels are the list's categories.
fn fit_source_prior(
    articles: &[&PoolArticle],
    examples: &[Example],
    oof: &[f64],
    (a, b): (f64, f64),
) -> SourcePrior {
    let corpora = [Corpus::BuzzFeedWebis, Corpus::FakeNewsNet];
    let list = sources::opensources();
    let rows: Vec<(String, f64, bool)> = articles
        .iter()
        .zip(examples)
        .zip(oof)
        .filter(|((art, _), _)| corpora.contains(&art.corpus))
        .filter_map(|((art, e), z)| {
            let listing = list.lookup(art.url.as_deref()?)?;
            Some((listing.primary().to_string(), a * z + b, e.y))
        })
        .collect();
    sources::fit_prior(
        &rows,
        corpora.iter().map(|c| c.name().to_string()).collect(),
    )
}

/// The deletion test of the reasons' faithfulness.
#[derive(Debug, Clone, Serialize)]
pub struct Faithfulness {
    /// Articles the model calls unreliable (p ≥ 0.5) that have reasons with spans and can be
    /// scored again after the deletion.
    pub articles: usize,
    /// Articles left with too few words to score (under the model's minimum) once the spans
    /// were deleted: their evidence was nearly the whole text. Not in `articles`.
    pub unscorable: usize,
    /// How many of them score lower once the spans of their top three reasons are deleted.
    pub fell: usize,
    pub share: f64,
    pub mean_drop: f64,
    /// For the articles that did not fall: how often each signal was among the deleted reasons.
    pub unfaithful_signals: std::collections::BTreeMap<String, usize>,
}

/// For each pool article the analyzer's model calls unreliable, deletes from the text the spans
/// behind its three strongest reasons whose spans are evidence (positive weight and
/// contribution) and scores it again; `None` without a reliability model.
pub fn deletion_test(analyzer: &Analyzer, data: &ReliabilityData) -> Option<Faithfulness> {
    let model = analyzer.reliability_model()?;
    let (mut articles, mut fell, mut drop, mut unscorable) = (0usize, 0usize, 0.0f64, 0usize);
    let mut unfaithful_signals = std::collections::BTreeMap::new();
    for a in &data.pool {
        let doc = article_document(a);
        let r = analyzer.analyze(&doc);
        let Some(p) = r.reliability.p_unreliable.filter(|p| *p >= 0.5) else {
            continue;
        };
        let chosen: Vec<_> = r
            .reliability
            .reasons
            .iter()
            .filter(|x| {
                // Only reasons whose spans are the evidence: a signal the model counts against
                // unreliability ("few named sources") lists counter-examples, not evidence.
                let w = model
                    .features
                    .iter()
                    .position(|f| *f == x.signal)
                    .map_or(0.0, |i| model.weights[i]);
                w > 0.0 && x.contribution.is_some_and(|c| c > 0.0) && !x.spans.is_empty()
            })
            .take(3)
            .collect();
        let mut cut: Vec<[usize; 2]> = chosen
            .iter()
            .flat_map(|x| x.spans.iter().copied())
            .collect();
        if cut.is_empty() {
            continue;
        }
        cut.sort();
        let mut text = String::with_capacity(doc.text.len());
        let mut next = 0usize;
        for (i, c) in doc.text.chars().enumerate() {
            while next < cut.len() && cut[next][1] <= i {
                next += 1;
            }
            if next < cut.len() && cut[next][0] <= i {
                continue;
            }
            text.push(c);
        }
        let mut d2 = doc.clone();
        d2.text = text;
        // With the evidence gone an article can fall under the model's minimum length and get
        // no probability at all; "did it fall" has no answer there, so it is counted apart.
        let Some(p2) = analyzer.analyze(&d2).reliability.p_unreliable else {
            unscorable += 1;
            continue;
        };
        articles += 1;
        fell += usize::from(p2 < p);
        if p2 >= p {
            for x in &chosen {
                *unfaithful_signals.entry(x.signal.clone()).or_insert(0) += 1;
            }
        }
        drop += p - p2;
    }
    Some(Faithfulness {
        articles,
        fell,
        share: fell as f64 / articles.max(1) as f64,
        mean_drop: drop / articles.max(1) as f64,
        unfaithful_signals,
        unscorable,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct HedgingEval {
    pub system: String,
    pub sentences: usize,
    pub uncertain: usize,
    pub metrics: Binary,
}

/// `eval hedging`: a sentence counts as uncertain when the hedging detector marks any cue in it.
/// The rules are not fitted to this data, so the whole file is a fair test set for them.
pub fn hedging(analyzer: &Analyzer, data_root: &Path) -> Result<HedgingEval> {
    let dir = locate(data_root, "hedging", "wiki_weasel_train.csv")?;
    let rows = data::sentences::weasel(&dir.join("wiki_weasel_train.csv"))?;
    let gold: Vec<bool> = rows.iter().map(|r| r.label).collect();
    let scores: Vec<f64> = rows
        .iter()
        .map(|r| {
            let rep = analyzer.analyze(&Document::from_text(r.text.clone()));
            // The rules only: learned cues come from the hedging model, trained on this file
            // (its cross-validated numbers are in `eval sentences`).
            let cues = rep.sentences.iter().any(|s| {
                s.hedge_cues
                    .iter()
                    .any(|c| c.kind != crate::detect::HedgeKind::Learned)
            });
            f64::from(u8::from(cues))
        })
        .collect();
    Ok(HedgingEval {
        system: "hedging-rules 1 (any cue ⇒ uncertain)".into(),
        sentences: rows.len(),
        uncertain: gold.iter().filter(|g| **g).count(),
        metrics: metrics::binary(&gold, &scores, 0.5, false),
    })
}

/// A dataset file and its SHA-256, recorded next to the numbers.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetVersion {
    pub path: String,
    pub sha256: String,
}

/// SHA-256 of a file, or of the sorted list of `name sha256` lines of a folder's files.
pub fn dataset_version(root: &Path, rel: &str) -> Result<DatasetVersion> {
    use sha2::{Digest, Sha256};
    let path = root.join(rel);
    let sha256 = if path.is_dir() {
        let mut files = Vec::new();
        collect_files(&path, &mut files)?;
        files.sort();
        let mut h = Sha256::new();
        for f in files {
            let rel = f
                .strip_prefix(&path)
                .unwrap_or(&f)
                .to_string_lossy()
                .into_owned();
            h.update(format!("{rel} {}\n", data::file_sha256(&f)?).as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    } else {
        data::file_sha256(&path)?
    };
    Ok(DatasetVersion {
        path: rel.to_string(),
        sha256,
    })
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for e in std::fs::read_dir(dir).map_err(|e| Error::Data(format!("{}: {e}", dir.display())))? {
        let p = e?.path();
        if p.is_dir() {
            collect_files(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_kfold_never_splits_a_group_and_balances() {
        let groups: Vec<String> = ["a", "a", "a", "b", "b", "c", "d", "d", "e", "f"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let folds = group_kfold(&groups, 3);
        for (i, g) in groups.iter().enumerate() {
            for (j, h) in groups.iter().enumerate() {
                if g == h {
                    assert_eq!(folds[i], folds[j]);
                }
            }
        }
        let mut sizes = [0; 3];
        for f in &folds {
            sizes[*f] += 1;
        }
        assert!(sizes.iter().all(|s| (3..=4).contains(s)), "{sizes:?}");
        assert_eq!(folds, group_kfold(&groups, 3), "deterministic");
    }
}
