//! The evaluation protocols: which data, which split or folds, which scorer, for each task. The
//! CLI's `eval` command prints what these return; `eval all` writes them to `docs/EVALUATION.md`.

use crate::analyze::Analyzer;
use crate::corpus::summary::SummaryRow;
use crate::data::{self, locate};
use crate::doc::HedgeKind;
use crate::error::{Error, Result};
use crate::ingest::Document;
use crate::report::Report;
use crate::score::metrics::{self, Binary};
use crate::score::ptc::{self, FlcScore, LabelSpan, Prf, TcScore};
use crate::technique::Technique;
use crate::train::reliability::{ReliabilityData, article_document};
use serde::Serialize;
use std::path::Path;

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
    /// Which tier's spans were scored (`fast` or `accurate`).
    pub tier: String,
    /// The SemEval-2023 line-level measure on the same articles (their 2023 text), when the
    /// shared data has the English SemEval-2023 set.
    pub lines: Option<LinesEval>,
}

/// Line-level scores of technique spans: SemEval-2023 subtask 3's micro-F1 over line labels,
/// the 23 gold techniques mapped onto the 14 of PTC-2020 (`data::semeval2023::to_ptc`).
#[derive(Debug, Clone, Serialize)]
pub struct LinesEval {
    pub data: String,
    pub articles: usize,
    pub score: crate::score::lines::LineScore,
    /// The same measure for "Loaded_Language on every line": the floor a system must clear.
    pub every_line_loaded_language: f64,
}

/// Scores the analyzer's spans on the lines of the SemEval-2023 English texts of `ids`.
pub fn lines_eval(analyzer: &Analyzer, data: &Path, ids: &[String]) -> Result<Option<LinesEval>> {
    use crate::data::semeval2023;
    use crate::score::lines;
    use std::collections::{BTreeSet, HashMap};
    let Ok(dir) = semeval2023::language_dir(data, "en") else {
        return Ok(None);
    };
    let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let all = semeval2023::line_labels(&dir.join("labels-subtask-3.txt"))?;
    let gold: Vec<(String, usize, BTreeSet<String>)> = all
        .into_iter()
        .filter(|l| wanted.contains(l.article.as_str()))
        .map(|l| {
            let t = l
                .techniques
                .iter()
                .filter_map(|n| semeval2023::to_ptc(n))
                .map(|t| t.as_str().to_string())
                .collect();
            (l.article, l.line, t)
        })
        .collect();
    let articles: BTreeSet<&str> = gold.iter().map(|g| g.0.as_str()).collect();
    let mut pred = HashMap::new();
    let mut baseline = HashMap::new();
    for id in &articles {
        let text = semeval2023::article(&dir, id)?;
        let r = analyzer.analyze(&Document::from_text(text.clone()));
        let spans: Vec<(usize, usize, String)> = r
            .techniques
            .iter()
            .map(|t| (t.start, t.end, t.technique.as_str().to_string()))
            .collect();
        for (i, set) in lines::project(&text, &spans).into_iter().enumerate() {
            pred.insert((id.to_string(), i + 1), set);
            baseline.insert(
                (id.to_string(), i + 1),
                [Technique::LoadedLanguage.as_str().to_string()].into(),
            );
        }
    }
    let names = technique_names();
    Ok(Some(LinesEval {
        data: dir.display().to_string(),
        articles: articles.len(),
        score: lines::score(&gold, &pred, &names),
        every_line_loaded_language: lines::score(&gold, &baseline, &names).micro_f1,
    }))
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
    let (tc_pred, tc_system) = match (accurate_classifier(analyzer), analyzer.technique_tagger()) {
        (Some(classify), _) => (
            label_gold(&s, classify)?,
            "techniques-accurate span head and the fast span classifier, log-probabilities averaged".to_string(),
        ),
        (None, Some(tagger)) => {
            let m = tagger.model();
            (
                label_gold(&s, |a, offsets| {
                    Ok(tagger.classify_spans(&analyzer.prepare(&a.text), offsets))
                })?,
                format!("{} {} span classifier", m.name, m.version),
            )
        }
        (None, None) => (
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
    let ids: Vec<String> = s.articles.iter().map(|a| a.id.clone()).collect();
    let lines = lines_eval(analyzer, ptc_root.parent().unwrap_or(ptc_root), &ids)?;
    Ok(TechniquesEval {
        tier: analyzer.tier().to_string(),
        lines,
        split: split.to_string(),
        articles: s.articles.len(),
        gold_spans: s.tc.len(),
        predicted_spans: pred.len(),
        system: analyzer
            .models()
            .iter()
            .filter(|m| match analyzer.tier() {
                crate::analyze::Tier::Accurate => m.name == "techniques-accurate",
                // (no accurate model is loaded in the fast tier)
                crate::analyze::Tier::Fast => {
                    m.name.contains("loaded") || m.name.contains("technique")
                }
            })
            .map(|m| format!("{} {} ({})", m.name, m.version, m.kind))
            .collect::<Vec<_>>()
            .join(", "),
        si,
        tc,
        tc_system,
        full,
    })
}

/// A gold-span classifier: the article and its gold spans' code-point offsets → a technique
/// for each span.
type Classify<'a> =
    Box<dyn Fn(&data::ptc::PtcArticle, &[(usize, usize)]) -> Result<Vec<Technique>> + 'a>;

/// The accurate tier's span head, when the analyzer runs that tier.
fn accurate_classifier(analyzer: &Analyzer) -> Option<Classify<'_>> {
    #[cfg(feature = "accurate")]
    if let Some(t) = analyzer.accurate_tagger() {
        let fast = analyzer.technique_tagger();
        return Some(Box::new(move |a, offsets| {
            let opinion = fast.map(|f| crate::model::accurate::FastOpinion {
                classes: &f.model().tc_classes,
                probs: f.span_probs(&analyzer.prepare(&a.text), offsets),
            });
            t.classify_spans(&a.text, offsets, opinion)
        }));
    }
    let _ = analyzer;
    None
}

/// The split's gold TC spans, each labelled by `classify` (called once per article).
fn label_gold(
    s: &data::ptc::PtcSplit,
    classify: impl Fn(&data::ptc::PtcArticle, &[(usize, usize)]) -> Result<Vec<Technique>>,
) -> Result<Vec<LabelSpan>> {
    let mut out = Vec::with_capacity(s.tc.len());
    for a in &s.articles {
        let gold: Vec<&LabelSpan> = s.tc.iter().filter(|g| g.article == a.id).collect();
        if gold.is_empty() {
            continue;
        }
        let offsets: Vec<(usize, usize)> = gold.iter().map(|g| (g.start, g.end)).collect();
        for (g, t) in gold.iter().zip(classify(a, &offsets)?) {
            out.push(LabelSpan {
                technique: Some(t.as_str().to_string()),
                ..(*g).clone()
            });
        }
    }
    Ok(out)
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
            let cues = rep
                .sentences
                .iter()
                .any(|s| s.hedge_cues.iter().any(|c| c.kind != HedgeKind::Learned));
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

/// Whether the summaries count what the reasons count: on every pool article, the corpus
/// summary's unsupported claims (the CSV and Parquet column) against the count of the
/// `unsupported_claims` reason. Both read the one definition (`doc::SentenceFacts`); this
/// holds them to it on real articles.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryConsistency {
    pub articles: usize,
    /// Articles whose two counts are equal.
    pub equal: usize,
    pub share: f64,
    /// The first few articles where they differ: pool index, summary count, reason count.
    pub differ: Vec<(usize, u32, usize)>,
}

pub fn summary_consistency(analyzer: &Analyzer, data: &ReliabilityData) -> SummaryConsistency {
    let mut equal = 0usize;
    let mut differ = Vec::new();
    for (i, a) in data.pool.iter().enumerate() {
        let r = analyzer.analyze(&article_document(a));
        let row = SummaryRow::of_report(&r, i as u64 + 1);
        let reason = r
            .reliability
            .reason("unsupported_claims")
            .map_or(0, |x| x.count);
        if row.unsupported_claims as usize == reason {
            equal += 1;
        } else if differ.len() < 10 {
            differ.push((i, row.unsupported_claims, reason));
        }
    }
    let articles = data.pool.len();
    SummaryConsistency {
        articles,
        equal,
        share: equal as f64 / articles.max(1) as f64,
        differ,
    }
}

/// Whether technique evidence is the article's words: on every article of a PTC split, each
/// evidence string of each technique span is text of the article (so never a feature's name
/// or a model internal).
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceCheck {
    pub articles: usize,
    pub spans: usize,
    /// Spans with at least one evidence string.
    pub with_evidence: usize,
    pub strings: usize,
    /// Evidence strings found verbatim in their article.
    pub in_text: usize,
    pub share: f64,
    /// The first few strings that are not.
    pub not_in_text: Vec<String>,
}

pub fn evidence_check(analyzer: &Analyzer, ptc_root: &Path, split: &str) -> Result<EvidenceCheck> {
    let s = data::ptc::split(ptc_root, split)?;
    let (mut spans, mut with_evidence, mut strings, mut in_text) = (0, 0, 0, 0);
    let mut not_in_text = Vec::new();
    for a in &s.articles {
        let r = analyzer.analyze(&Document::from_text(a.text.clone()));
        for t in &r.techniques {
            spans += 1;
            with_evidence += usize::from(!t.evidence.is_empty());
            for e in &t.evidence {
                strings += 1;
                if !e.is_empty() && r.text.contains(e.as_str()) {
                    in_text += 1;
                } else if not_in_text.len() < 10 {
                    not_in_text.push(e.clone());
                }
            }
        }
    }
    Ok(EvidenceCheck {
        articles: s.articles.len(),
        spans,
        with_evidence,
        strings,
        in_text,
        share: in_text as f64 / strings.max(1) as f64,
        not_in_text,
    })
}
