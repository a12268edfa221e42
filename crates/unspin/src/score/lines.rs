//! The SemEval-2023 Task 3 subtask-3 measure: micro-F1 over (line, technique) pairs, the
//! organisers' ranking metric (their scorer binarises the line labels and takes scikit-learn's
//! micro F1; macro F1 is reported beside it). Spans are projected onto lines the way the gold
//! line labels were made: a line carries every technique of a span that overlaps it.
//!
//! Lines are the article file's lines, numbered from 1, split on `\n`; offsets are code points.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The techniques on each line of `text` (index 0 = line 1) of spans `(start, end, technique)`
/// in code points, end exclusive.
pub fn project(text: &str, spans: &[(usize, usize, String)]) -> Vec<BTreeSet<String>> {
    // Code-point range of each line.
    let mut lines = Vec::new();
    let mut start = 0;
    let mut n = 0;
    for c in text.chars() {
        n += 1;
        if c == '\n' {
            lines.push((start, n - 1));
            start = n;
        }
    }
    lines.push((start, n));
    let mut out = vec![BTreeSet::new(); lines.len()];
    for (s, e, t) in spans {
        let first = lines.partition_point(|l| l.1 <= *s && l.0 < *s);
        for (i, l) in lines.iter().enumerate().skip(first) {
            if l.0 >= *e {
                break;
            }
            // A line overlaps the span if they share a code point (an empty line shares none).
            if l.0.max(*s) < l.1.min(*e) {
                out[i].insert(t.clone());
            }
        }
    }
    out
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct LineScore {
    /// Lines scored (every line of the gold file).
    pub lines: usize,
    pub micro_precision: f64,
    pub micro_recall: f64,
    /// The official ranking metric.
    pub micro_f1: f64,
    /// Mean F1 over the label set (a technique absent from gold and prediction counts 0, as
    /// scikit-learn's `zero_division=0`).
    pub macro_f1: f64,
    pub per_technique: BTreeMap<String, f64>,
}

/// Scores predicted line labels against gold ones; `labels` is the label set of the macro
/// average. A gold line without a prediction counts as predicted empty; predictions for lines
/// not in the gold file are ignored (the official scorer refuses such files; ours come from
/// projecting spans, so they cover every line).
pub fn score(
    gold: &[(String, usize, BTreeSet<String>)],
    pred: &HashMap<(String, usize), BTreeSet<String>>,
    labels: &[String],
) -> LineScore {
    let empty = BTreeSet::new();
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut per: BTreeMap<&str, (usize, usize, usize)> =
        labels.iter().map(|l| (l.as_str(), (0, 0, 0))).collect();
    for (article, line, g) in gold {
        let p = pred.get(&(article.clone(), *line)).unwrap_or(&empty);
        for t in g.union(p) {
            let (a, b) = (g.contains(t), p.contains(t));
            let c = per.entry(t.as_str()).or_default();
            match (a, b) {
                (true, true) => {
                    tp += 1;
                    c.0 += 1;
                }
                (false, true) => {
                    fp += 1;
                    c.1 += 1;
                }
                (true, false) => {
                    fn_ += 1;
                    c.2 += 1;
                }
                (false, false) => {}
            }
        }
    }
    let f1 = |tp: usize, fp: usize, fn_: usize| {
        if tp == 0 {
            0.0
        } else {
            2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
        }
    };
    let per_technique: BTreeMap<String, f64> = per
        .iter()
        .map(|(k, &(a, b, c))| (k.to_string(), f1(a, b, c)))
        .collect();
    let macro_f1 = if per_technique.is_empty() {
        0.0
    } else {
        per_technique.values().sum::<f64>() / per_technique.len() as f64
    };
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    LineScore {
        lines: gold.len(),
        micro_precision: ratio(tp, tp + fp),
        micro_recall: ratio(tp, tp + fn_),
        micro_f1: f1(tp, fp, fn_),
        macro_f1,
        per_technique,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(xs: &[&str]) -> BTreeSet<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn spans_land_on_the_lines_they_touch() {
        // Lines: "ab" (0..2), "" (3..3), "cdé" (4..7), "f" (8..9).
        let text = "ab\n\ncdé\nf";
        let spans = vec![
            (1, 5, "X".to_string()), // b \n \n c: lines 1 and 3, not the empty line 2
            (6, 7, "Y".to_string()), // é (a code point, not a byte)
            (2, 3, "Z".to_string()), // only the newline after "ab": no line
            (8, 9, "W".to_string()), // the last line, no trailing newline
        ];
        let l = project(text, &spans);
        assert_eq!(l.len(), 4);
        assert_eq!(l[0], set(&["X"]));
        assert_eq!(l[1], set(&[]));
        assert_eq!(l[2], set(&["X", "Y"]));
        assert_eq!(l[3], set(&["W"]));
    }

    /// Golden: computed by hand as scikit-learn's micro and macro F1 over the binarised labels.
    #[test]
    fn micro_and_macro_f1_as_the_official_scorer() {
        let gold = vec![
            ("1".to_string(), 1, set(&["A", "B"])),
            ("1".to_string(), 3, set(&[])),
            ("2".to_string(), 1, set(&["A"])),
            ("2".to_string(), 2, set(&["C"])),
        ];
        let mut pred = HashMap::new();
        pred.insert(("1".to_string(), 1), set(&["A"]));
        pred.insert(("1".to_string(), 3), set(&["C"]));
        pred.insert(("2".to_string(), 1), set(&["A", "B"]));
        // ("2", 2) not predicted: empty. A line not in gold is ignored.
        pred.insert(("9".to_string(), 1), set(&["A"]));
        let labels: Vec<String> = ["A", "B", "C", "D"].iter().map(|s| s.to_string()).collect();
        let s = score(&gold, &pred, &labels);
        // tp: A@1:1, A@2:1 = 2; fp: C@1:3, B@2:1 = 2; fn: B@1:1, C@2:2 = 2.
        assert_eq!(s.lines, 4);
        assert!((s.micro_precision - 0.5).abs() < 1e-12);
        assert!((s.micro_recall - 0.5).abs() < 1e-12);
        assert!((s.micro_f1 - 0.5).abs() < 1e-12);
        // Per class: A 2/(2*2+0+0)=1, B 0, C 0, D 0 (absent everywhere): macro 0.25.
        assert!((s.macro_f1 - 0.25).abs() < 1e-12, "{}", s.macro_f1);
        assert_eq!(s.per_technique["A"], 1.0);
    }
}
