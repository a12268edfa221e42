//! The evaluation protocols: which data, which split or folds, which scorer, for each task. The
//! CLI's `eval` command prints what these return; `eval all` writes them to `docs/EVALUATION.md`.

use super::metrics::{self, Binary};
use super::ptc::{self, FlcScore, LabelSpan, Prf, TcScore};
use crate::analyze::Analyzer;
use crate::data;
use crate::data::articles::{Corpus, DedupStats, PoolArticle};
use crate::error::{Error, Result};
use crate::ingest::Document;
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
}

#[derive(Debug, Clone, Serialize)]
pub struct ReliabilityEval {
    pub system: String,
    pub calibrated: bool,
    pub dedup: DedupStats,
    pub include_fakes: bool,
    pub pooled: Binary,
    /// Grouped-by-site folds: mean and per-fold ROC-AUC.
    pub grouped_cv_auc_mean: Option<f64>,
    pub grouped_cv_auc: Vec<Option<f64>>,
    pub folds: usize,
    pub sites: usize,
    /// One row per corpus: the score on that corpus when it is held out.
    pub leave_one_corpus_out: Vec<CorpusScore>,
}

/// The zero-parameter score the first detectors allow: reason spans per 100 words. It has no
/// fitted weights, so held-out and in-domain numbers are the same thing measured on different
/// slices; a trained model replaces it in the reliability issue.
pub fn signal_density(r: &Report) -> f64 {
    let words = r.text.split_whitespace().count().max(1) as f64;
    let spans: usize = r.reliability.reasons.iter().map(|x| x.count).sum();
    100.0 * spans as f64 / words
}

fn article_document(a: &PoolArticle) -> Document {
    let mut d = Document::from_text(a.text.clone())
        .with_title((!a.title.is_empty()).then(|| a.title.clone()));
    d.meta.url = a.url.clone();
    d
}

/// `eval reliability`: the article pool, deduplicated, scored per corpus (leave-one-corpus-out
/// rows), in grouped-by-site folds, and pooled.
pub fn reliability(
    analyzer: &Analyzer,
    data_root: &Path,
    folds: usize,
    include_fakes: bool,
) -> Result<ReliabilityEval> {
    let root = locate(data_root, "articles", "buzzfeed-webis-2016")?;
    let (pool, dedup) = data::articles::pool(&root, include_fakes)?;
    let gold: Vec<bool> = pool.iter().map(|a| a.unreliable == Some(true)).collect();
    let scores: Vec<f64> = pool
        .iter()
        .map(|a| signal_density(&analyzer.analyze(&article_document(a))))
        .collect();
    let groups: Vec<String> = pool
        .iter()
        .map(|a| format!("{}:{}", a.corpus.name(), a.site))
        .collect();
    let fold_of = group_kfold(&groups, folds);
    let grouped_cv_auc: Vec<Option<f64>> = (0..folds)
        .map(|f| {
            let (g, s): (Vec<bool>, Vec<f64>) = fold_of
                .iter()
                .enumerate()
                .filter(|(_, ff)| **ff == f)
                .map(|(i, _)| (gold[i], scores[i]))
                .unzip();
            metrics::roc_auc(&g, &s)
        })
        .collect();
    let defined: Vec<f64> = grouped_cv_auc.iter().flatten().copied().collect();
    let leave_one_corpus_out = Corpus::ALL
        .iter()
        .filter(|c| include_fakes || **c != Corpus::FaKes)
        .map(|c| {
            let (g, s): (Vec<bool>, Vec<f64>) = pool
                .iter()
                .enumerate()
                .filter(|(_, a)| a.corpus == *c)
                .map(|(i, _)| (gold[i], scores[i]))
                .unzip();
            CorpusScore {
                corpus: c.name().to_string(),
                articles: g.len(),
                unreliable: g.iter().filter(|x| **x).count(),
                roc_auc: metrics::roc_auc(&g, &s),
                pr_auc: metrics::average_precision(&g, &s),
            }
        })
        .collect();
    let mut sites: Vec<&String> = groups.iter().collect();
    sites.sort();
    sites.dedup();
    // A density is not a probability; threshold at the pooled median for the label metrics.
    let mut sorted = scores.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    Ok(ReliabilityEval {
        system: "signal density of the rule detectors (reason spans per 100 words; no trained model yet)".into(),
        calibrated: false,
        dedup,
        include_fakes,
        pooled: metrics::binary(&gold, &scores, median, false),
        grouped_cv_auc_mean: (!defined.is_empty()).then(|| defined.iter().sum::<f64>() / defined.len() as f64),
        grouped_cv_auc,
        folds,
        sites: sites.len(),
        leave_one_corpus_out,
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
            let cues = rep.sentences.iter().any(|s| !s.hedge_cues.is_empty());
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
