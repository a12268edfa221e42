//! Ports of the SemEval-2020 Task 11 scorers (span identification, technique classification) and
//! of the 2019 fragment-level scorer (span + technique), following the organisers' code rather
//! than the overview paper's equations, which swap the denominators.
//!
//! A span is the set of character positions `[start, end)`. Precision sums `|s ∩ t| / |s|` over
//! every (predicted s, gold t) pair of an article and divides by the number of predicted spans;
//! recall sums `|s ∩ t| / |t|` and divides by the number of gold spans.

use crate::error::{Error, Result};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// One labelled or unlabelled span of an article, as in the PTC label files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LabelSpan {
    pub article: String,
    /// `None` in span-only (SI) files.
    pub technique: Option<String>,
    pub start: usize,
    pub end: usize,
}

impl LabelSpan {
    fn len(&self) -> usize {
        self.end - self.start
    }

    fn overlap(&self, other: &LabelSpan) -> usize {
        self.end
            .min(other.end)
            .saturating_sub(self.start.max(other.start))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Prf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Prf {
    pub fn new(precision: f64, recall: f64) -> Prf {
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Prf {
            precision,
            recall,
            f1,
        }
    }
}

fn ratio(num: f64, den: usize) -> f64 {
    if den == 0 { 0.0 } else { num / den as f64 }
}

/// Reads a label or prediction file: `article<TAB>start<TAB>end` (SI) or
/// `article<TAB>technique<TAB>start<TAB>end` (TC). Errors name the file and line.
pub fn read_labels(path: &Path) -> Result<Vec<LabelSpan>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
    parse_labels(&text, &path.display().to_string())
}

pub fn parse_labels(text: &str, origin: &str) -> Result<Vec<LabelSpan>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| Error::Data(format!("{origin}:{}: {why}: {line:?}", n + 1));
        let cols: Vec<&str> = line.split('\t').collect();
        let (article, technique, start, end) = match cols.as_slice() {
            [a, s, e] => (*a, None, *s, *e),
            [a, t, s, e] => (*a, Some(t.to_string()), *s, *e),
            _ => return Err(bad("expected 3 or 4 tab-separated columns")),
        };
        let start: usize = start
            .trim()
            .parse()
            .map_err(|_| bad("start is not a number"))?;
        let end: usize = end.trim().parse().map_err(|_| bad("end is not a number"))?;
        if end <= start {
            return Err(bad("end must be greater than start"));
        }
        out.push(LabelSpan {
            article: article.trim().to_string(),
            technique,
            start,
            end,
        });
    }
    Ok(out)
}

/// Spans grouped by article id.
pub fn by_article(spans: &[LabelSpan]) -> BTreeMap<&str, Vec<&LabelSpan>> {
    let mut m: BTreeMap<&str, Vec<&LabelSpan>> = BTreeMap::new();
    for s in spans {
        m.entry(s.article.as_str()).or_default().push(s);
    }
    m
}

/// Merges spans of one article that share at least one position (touching spans stay apart), as
/// the scorer's merge does.
pub fn merge_overlapping(spans: &[LabelSpan]) -> Vec<LabelSpan> {
    let mut out = Vec::new();
    for (article, mut list) in by_article(spans) {
        list.sort_by_key(|s| (s.start, s.end));
        let mut cur: Option<(usize, usize)> = None;
        for s in list {
            cur = match cur {
                Some((a, b)) if s.start < b => Some((a, b.max(s.end))),
                Some((a, b)) => {
                    out.push(LabelSpan {
                        article: article.to_string(),
                        technique: None,
                        start: a,
                        end: b,
                    });
                    Some((s.start, s.end))
                }
                None => Some((s.start, s.end)),
            };
        }
        if let Some((a, b)) = cur {
            out.push(LabelSpan {
                article: article.to_string(),
                technique: None,
                start: a,
                end: b,
            });
        }
    }
    out
}

/// Task SI: gold spans are merged; predicted spans are merged when `merge_predictions` (the
/// scorer's `-m`). Callers check that predicted articles belong to the split.
pub fn score_si(pred: &[LabelSpan], gold: &[LabelSpan], merge_predictions: bool) -> Result<Prf> {
    let gold = merge_overlapping(gold);
    let pred = if merge_predictions {
        merge_overlapping(pred)
    } else {
        pred.to_vec()
    };
    let gold_by = by_article(&gold);
    let (mut p_sum, mut r_sum) = (0.0, 0.0);
    let none = Vec::new();
    for (article, spans) in by_article(&pred) {
        // An article without gold spans (some have no propaganda) makes every prediction in it
        // a false positive: it counts in the precision denominator and adds nothing.
        let g = gold_by.get(article).unwrap_or(&none);
        for s in &spans {
            for t in g {
                let i = s.overlap(t) as f64;
                p_sum += i / s.len() as f64;
                r_sum += i / t.len() as f64;
            }
        }
    }
    Ok(Prf::new(ratio(p_sum, pred.len()), ratio(r_sum, gold.len())))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TcScore {
    pub micro_f1: f64,
    pub macro_f1: f64,
    pub per_technique: BTreeMap<String, f64>,
    pub spans: usize,
}

type SpanKey<'a> = (&'a str, usize, usize);

fn group_labels(spans: &[LabelSpan]) -> Result<BTreeMap<SpanKey<'_>, Vec<String>>> {
    let mut m: BTreeMap<SpanKey<'_>, Vec<String>> = BTreeMap::new();
    for s in spans {
        let t = s.technique.clone().ok_or_else(|| {
            Error::Data(format!(
                "span {}:{}-{} has no technique",
                s.article, s.start, s.end
            ))
        })?;
        m.entry((s.article.as_str(), s.start, s.end))
            .or_default()
            .push(t);
    }
    Ok(m)
}

/// Task TC: predictions label exactly the gold spans. Where one span carries several labels, gold
/// and predicted labels are aligned to maximise matches before scoring. Micro-F1 and per-technique
/// F1 follow scikit-learn's `f1_score` over `techniques`.
pub fn score_tc(pred: &[LabelSpan], gold: &[LabelSpan], techniques: &[String]) -> Result<TcScore> {
    let g = group_labels(gold)?;
    let p = group_labels(pred)?;
    if pred.len() != gold.len() {
        return Err(Error::Data(format!(
            "TC predictions must label exactly the gold spans: {} predictions for {} gold spans",
            pred.len(),
            gold.len()
        )));
    }
    let (mut y_true, mut y_pred) = (Vec::new(), Vec::new());
    for (key, gold_labels) in &g {
        let Some(pred_labels) = p.get(key) else {
            return Err(Error::Data(format!(
                "no prediction for gold span {}:{}-{}",
                key.0, key.1, key.2
            )));
        };
        if pred_labels.len() != gold_labels.len() {
            return Err(Error::Data(format!(
                "span {}:{}-{} has {} gold labels but {} predictions",
                key.0,
                key.1,
                key.2,
                gold_labels.len(),
                pred_labels.len()
            )));
        }
        let mut left_pred = pred_labels.clone();
        let mut left_gold = Vec::new();
        for gl in gold_labels {
            if let Some(i) = left_pred.iter().position(|x| x == gl) {
                left_pred.remove(i);
                y_true.push(gl.clone());
                y_pred.push(gl.clone());
            } else {
                left_gold.push(gl.clone());
            }
        }
        y_true.extend(left_gold);
        y_pred.extend(left_pred);
    }
    let known: HashMap<&str, usize> = techniques
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    for label in y_true.iter().chain(&y_pred) {
        if !known.contains_key(label.as_str()) {
            return Err(Error::Data(format!("unknown technique {label:?}")));
        }
    }
    let n = techniques.len();
    let (mut tp, mut fp, mut fneg) = (vec![0usize; n], vec![0usize; n], vec![0usize; n]);
    for (t, pr) in y_true.iter().zip(&y_pred) {
        let (ti, pi) = (known[t.as_str()], known[pr.as_str()]);
        if ti == pi {
            tp[ti] += 1;
        } else {
            fp[pi] += 1;
            fneg[ti] += 1;
        }
    }
    let f1 = |tp: usize, fp: usize, fnn: usize| {
        let d = 2 * tp + fp + fnn;
        if d == 0 {
            0.0
        } else {
            2.0 * tp as f64 / d as f64
        }
    };
    let per: BTreeMap<String, f64> = (0..n)
        .map(|i| (techniques[i].clone(), f1(tp[i], fp[i], fneg[i])))
        .collect();
    let micro = f1(tp.iter().sum(), fp.iter().sum(), fneg.iter().sum());
    let macro_f1 = if n == 0 {
        0.0
    } else {
        per.values().sum::<f64>() / n as f64
    };
    Ok(TcScore {
        micro_f1: micro,
        macro_f1,
        per_technique: per,
        spans: y_true.len(),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlcScore {
    #[serde(flatten)]
    pub overall: Prf,
    pub per_technique: BTreeMap<String, Prf>,
}

/// The full task (2019 FLC scorer): SI-style partial overlap, counted only between spans of the
/// same technique.
pub fn score_flc(
    pred: &[LabelSpan],
    gold: &[LabelSpan],
    techniques: &[String],
) -> Result<FlcScore> {
    let gold_by = by_article(gold);
    let (mut p_sum, mut r_sum) = (0.0, 0.0);
    let mut tp_prec: BTreeMap<&str, f64> = BTreeMap::new();
    let mut tp_rec: BTreeMap<&str, f64> = BTreeMap::new();
    let none = Vec::new();
    for (article, spans) in by_article(pred) {
        // An article without gold spans (some have no propaganda) makes every prediction in it
        // a false positive: it counts in the precision denominator and adds nothing.
        let g = gold_by.get(article).unwrap_or(&none);
        for s in &spans {
            for t in g.iter().filter(|t| t.technique == s.technique) {
                let i = s.overlap(t) as f64;
                let tech = t.technique.as_deref().unwrap_or("");
                *tp_prec.entry(tech).or_default() += i / s.len() as f64;
                *tp_rec.entry(tech).or_default() += i / t.len() as f64;
                p_sum += i / s.len() as f64;
                r_sum += i / t.len() as f64;
            }
        }
    }
    let count = |spans: &[LabelSpan], t: &str| {
        spans
            .iter()
            .filter(|s| s.technique.as_deref() == Some(t))
            .count()
    };
    let per_technique = techniques
        .iter()
        .map(|t| {
            let p = ratio(
                tp_prec.get(t.as_str()).copied().unwrap_or(0.0),
                count(pred, t),
            );
            let r = ratio(
                tp_rec.get(t.as_str()).copied().unwrap_or(0.0),
                count(gold, t),
            );
            (t.clone(), Prf::new(p, r))
        })
        .collect();
    Ok(FlcScore {
        overall: Prf::new(ratio(p_sum, pred.len()), ratio(r_sum, gold.len())),
        per_technique,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn si(spans: &[(&str, usize, usize)]) -> Vec<LabelSpan> {
        spans
            .iter()
            .map(|(a, s, e)| LabelSpan {
                article: a.to_string(),
                technique: None,
                start: *s,
                end: *e,
            })
            .collect()
    }

    fn tc(spans: &[(&str, &str, usize, usize)]) -> Vec<LabelSpan> {
        spans
            .iter()
            .map(|(a, t, s, e)| LabelSpan {
                article: a.to_string(),
                technique: Some(t.to_string()),
                start: *s,
                end: *e,
            })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn si_hand_computed_cases() {
        let gold = si(&[("1", 0, 10)]);
        // Empty predictions: precision 0 by convention, recall 0.
        assert_eq!(score_si(&[], &gold, true).unwrap(), Prf::new(0.0, 0.0));
        // Exact match.
        assert!(close(
            score_si(&si(&[("1", 0, 10)]), &gold, true).unwrap().f1,
            1.0
        ));
        // Half: predicted [0,5) is all inside gold (P=1), covers half of it (R=0.5).
        let r = score_si(&si(&[("1", 0, 5)]), &gold, true).unwrap();
        assert!(close(r.precision, 1.0) && close(r.recall, 0.5) && close(r.f1, 2.0 / 3.0));
        // Nested predictions without merging count twice; merged they are one span.
        let nested = si(&[("1", 0, 10), ("1", 2, 4)]);
        let unmerged = score_si(&nested, &gold, false).unwrap();
        assert!(close(unmerged.precision, 1.0) && close(unmerged.recall, 1.2));
        let merged = score_si(&nested, &gold, true).unwrap();
        assert!(close(merged.f1, 1.0));
        // Overlapping gold spans are merged before scoring.
        let gold2 = si(&[("1", 0, 6), ("1", 4, 10)]);
        assert!(close(
            score_si(&si(&[("1", 0, 10)]), &gold2, true).unwrap().f1,
            1.0
        ));
        // Touching spans are not merged: [0,2) and [2,10) stay two gold spans (merged, recall
        // would be 2/10).
        let touching = si(&[("1", 0, 2), ("1", 2, 10)]);
        let r = score_si(&si(&[("1", 0, 2)]), &touching, true).unwrap();
        assert!(close(r.precision, 1.0) && close(r.recall, 0.5));
        // A gold article without predictions still counts in recall.
        let two = si(&[("1", 0, 10), ("2", 0, 10)]);
        let r = score_si(&si(&[("1", 0, 10)]), &two, true).unwrap();
        assert!(close(r.recall, 0.5));
        // A span crossing a line break is just positions.
        let r = score_si(&si(&[("1", 8, 20)]), &si(&[("1", 10, 20)]), true).unwrap();
        assert!(close(r.precision, 10.0 / 12.0) && close(r.recall, 1.0));
        // Predictions in an article without gold spans are all false positives.
        let r = score_si(&si(&[("1", 0, 10), ("9", 0, 10)]), &gold, true).unwrap();
        assert!(close(r.precision, 0.5) && close(r.recall, 1.0));
    }

    #[test]
    fn tc_aligns_two_labels_on_one_span() {
        let techniques: Vec<String> = ["Doubt", "Loaded_Language", "Slogans"]
            .map(String::from)
            .to_vec();
        let gold = tc(&[
            ("1", "Doubt", 0, 5),
            ("1", "Loaded_Language", 0, 5),
            ("1", "Slogans", 6, 9),
        ]);
        // Predicted in the other order on the shared span: both still match.
        let pred = tc(&[
            ("1", "Loaded_Language", 0, 5),
            ("1", "Doubt", 0, 5),
            ("1", "Doubt", 6, 9),
        ]);
        let s = score_tc(&pred, &gold, &techniques).unwrap();
        assert!(close(s.micro_f1, 2.0 / 3.0));
        assert!(close(s.per_technique["Loaded_Language"], 1.0));
        assert!(close(s.per_technique["Doubt"], 2.0 / 3.0));
        assert!(close(s.per_technique["Slogans"], 0.0));
        assert!(close(s.macro_f1, (1.0 + 2.0 / 3.0) / 3.0));
        // Missing a span is an error, not a silent zero.
        assert!(score_tc(&pred[..2], &gold, &techniques).is_err());
    }

    #[test]
    fn flc_counts_overlap_only_within_a_technique() {
        let techniques: Vec<String> = ["Doubt", "Loaded_Language"].map(String::from).to_vec();
        let gold = tc(&[("1", "Doubt", 0, 10), ("1", "Loaded_Language", 20, 30)]);
        let pred = tc(&[("1", "Doubt", 0, 5), ("1", "Doubt", 20, 30)]);
        let s = score_flc(&pred, &gold, &techniques).unwrap();
        assert!(close(s.overall.precision, 0.5) && close(s.overall.recall, 0.25));
        assert!(close(s.per_technique["Doubt"].precision, 0.5));
        assert!(close(s.per_technique["Doubt"].recall, 0.5));
        assert!(close(s.per_technique["Loaded_Language"].recall, 0.0));
    }

    #[test]
    fn label_files_report_file_and_line() {
        let err = parse_labels("1\t0\t5\n1\tx\t5\n", "gold.tsv")
            .unwrap_err()
            .to_string();
        assert!(err.contains("gold.tsv:2"), "{err}");
        let err = parse_labels("1\t5\t5\n", "g").unwrap_err().to_string();
        assert!(err.contains("end must be greater"), "{err}");
    }
}
