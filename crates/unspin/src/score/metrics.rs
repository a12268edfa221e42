//! Binary classification metrics, computed the way scikit-learn does so numbers compare with
//! published ones: ROC-AUC with tied scores averaged, PR-AUC as average precision, expected
//! calibration error over 10 equal-width bins.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ClassPrf {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Binary {
    pub n: usize,
    pub accuracy: f64,
    /// Index 0 = negative class, 1 = positive class.
    pub per_class: [ClassPrf; 2],
    pub macro_f1: f64,
    /// `[[tn, fp], [fn, tp]]`
    pub confusion: [[usize; 2]; 2],
    pub roc_auc: Option<f64>,
    pub pr_auc: Option<f64>,
    pub brier: Option<f64>,
    pub ece: Option<f64>,
}

fn div(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// Metrics for gold labels and predicted probabilities of the positive class, thresholded at
/// `threshold` for the label metrics. `calibrated` says whether the scores are probabilities
/// (Brier and ECE mean nothing for a raw score).
pub fn binary(gold: &[bool], scores: &[f64], threshold: f64, calibrated: bool) -> Binary {
    assert_eq!(gold.len(), scores.len(), "one score per gold label");
    let mut c = [[0usize; 2]; 2];
    for (g, s) in gold.iter().zip(scores) {
        c[*g as usize][(*s >= threshold) as usize] += 1;
    }
    let prf = |k: usize| {
        let tp = c[k][k] as f64;
        let pred = (c[0][k] + c[1][k]) as f64;
        let sup = c[k][0] + c[k][1];
        let p = div(tp, pred);
        let r = div(tp, sup as f64);
        ClassPrf {
            precision: p,
            recall: r,
            f1: div(2.0 * p * r, p + r),
            support: sup,
        }
    };
    let per_class = [prf(0), prf(1)];
    let n = gold.len();
    Binary {
        n,
        accuracy: div((c[0][0] + c[1][1]) as f64, n as f64),
        macro_f1: (per_class[0].f1 + per_class[1].f1) / 2.0,
        per_class,
        confusion: c,
        roc_auc: roc_auc(gold, scores),
        pr_auc: average_precision(gold, scores),
        brier: (calibrated && n > 0).then(|| {
            gold.iter()
                .zip(scores)
                .map(|(g, s)| (s - *g as u8 as f64).powi(2))
                .sum::<f64>()
                / n as f64
        }),
        ece: (calibrated && n > 0).then(|| ece(gold, scores, 10)),
    }
}

/// ROC-AUC as the Mann–Whitney statistic with average ranks for ties; `None` without both classes.
pub fn roc_auc(gold: &[bool], scores: &[f64]) -> Option<f64> {
    let pos = gold.iter().filter(|g| **g).count();
    let neg = gold.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|a, b| scores[*a].total_cmp(&scores[*b]));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        for k in &idx[i..=j] {
            if gold[*k] {
                rank_sum_pos += avg_rank;
            }
        }
        i = j + 1;
    }
    Some((rank_sum_pos - (pos * (pos + 1)) as f64 / 2.0) / (pos * neg) as f64)
}

/// Average precision (scikit-learn's `average_precision_score`): Σ (Rₙ − Rₙ₋₁) Pₙ over distinct
/// score thresholds, highest first.
pub fn average_precision(gold: &[bool], scores: &[f64]) -> Option<f64> {
    let pos = gold.iter().filter(|g| **g).count();
    if pos == 0 {
        return None;
    }
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    let (mut tp, mut seen, mut prev_recall, mut ap) = (0usize, 0usize, 0.0, 0.0);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        for k in &idx[i..=j] {
            seen += 1;
            tp += gold[*k] as usize;
        }
        let recall = tp as f64 / pos as f64;
        ap += (recall - prev_recall) * (tp as f64 / seen as f64);
        prev_recall = recall;
        i = j + 1;
    }
    Some(ap)
}

/// Expected calibration error over `bins` equal-width bins of the predicted probability.
pub fn ece(gold: &[bool], probs: &[f64], bins: usize) -> f64 {
    let mut count = vec![0usize; bins];
    let mut conf = vec![0.0; bins];
    let mut acc = vec![0.0; bins];
    for (g, p) in gold.iter().zip(probs) {
        let b = ((p.clamp(0.0, 1.0) * bins as f64) as usize).min(bins - 1);
        count[b] += 1;
        conf[b] += p;
        acc[b] += *g as u8 as f64;
    }
    let n = gold.len() as f64;
    (0..bins)
        .filter(|b| count[*b] > 0)
        .map(|b| count[b] as f64 / n * (acc[b] / count[b] as f64 - conf[b] / count[b] as f64).abs())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn auc_and_ap_match_hand_computation() {
        // sklearn: roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) = 0.75
        let g = [false, false, true, true];
        let s = [0.1, 0.4, 0.35, 0.8];
        assert!(close(roc_auc(&g, &s).unwrap(), 0.75));
        // sklearn: average_precision_score(...) = 0.8333…
        assert!(close(average_precision(&g, &s).unwrap(), 5.0 / 6.0));
        // Ties: all scores equal gives AUC 0.5 and AP = prevalence.
        assert!(close(roc_auc(&g, &[0.5; 4]).unwrap(), 0.5));
        assert!(close(average_precision(&g, &[0.5; 4]).unwrap(), 0.5));
        assert_eq!(roc_auc(&[true, true], &[0.1, 0.2]), None);
    }

    #[test]
    fn label_metrics_brier_and_ece() {
        let g = [false, false, true, true];
        let s = [0.1, 0.6, 0.35, 0.8];
        let m = binary(&g, &s, 0.5, true);
        assert_eq!(m.confusion, [[1, 1], [1, 1]]);
        assert!(close(m.accuracy, 0.5) && close(m.macro_f1, 0.5));
        assert!(close(m.brier.unwrap(), (0.01 + 0.36 + 0.4225 + 0.04) / 4.0));
        // Bins: 0.1→b1 (acc 0), 0.35→b3 (acc 1), 0.6→b6 (acc 0), 0.8→b8 (acc 1).
        assert!(close(m.ece.unwrap(), (0.1 + 0.65 + 0.6 + 0.2) / 4.0));
        assert_eq!(binary(&g, &s, 0.5, false).ece, None);
    }
}
