//! Ranking metrics of the CLEF CheckThat! 2019 task 1 scorer: sentences of each debate ranked by
//! score (ties keep file order, as Python's stable sort does), average precision per debate, and
//! the mean over debates.

use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankingScore {
    pub map: f64,
    pub r_precision: f64,
    /// P@k averaged over debates, for k in 1, 3, 5, 10, 20, 50.
    pub precision_at: BTreeMap<usize, f64>,
    pub debates: usize,
}

/// One debate: gold labels and scores in file order.
pub fn average_precision(gold: &[bool], scores: &[f64]) -> f64 {
    let order = rank(scores);
    let positives = gold.iter().filter(|g| **g).count();
    let mut correct = 0;
    let mut sum = 0.0;
    for (i, k) in order.iter().enumerate() {
        if gold[*k] {
            correct += 1;
            sum += correct as f64 / (i + 1) as f64;
        }
    }
    if correct == 0 {
        0.0
    } else {
        sum / positives as f64
    }
}

fn rank(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    order
}

fn precision_at(gold: &[bool], order: &[usize], k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    order.iter().take(k).filter(|i| gold[**i]).count() as f64 / k as f64
}

/// Scores a set of debates: `(debate id → (gold, scores))`.
pub fn score(debates: &BTreeMap<String, (Vec<bool>, Vec<f64>)>) -> RankingScore {
    let ks = [1usize, 3, 5, 10, 20, 50];
    let n = debates.len().max(1) as f64;
    let mut map = 0.0;
    let mut rprec = 0.0;
    let mut pat: BTreeMap<usize, f64> = ks.iter().map(|k| (*k, 0.0)).collect();
    for (gold, scores) in debates.values() {
        map += average_precision(gold, scores);
        let order = rank(scores);
        let r = gold.iter().filter(|g| **g).count();
        rprec += precision_at(gold, &order, r);
        for k in ks {
            *pat.get_mut(&k).expect("k listed") += precision_at(gold, &order, k);
        }
    }
    RankingScore {
        map: map / n,
        r_precision: rprec / n,
        precision_at: pat.into_iter().map(|(k, v)| (k, v / n)).collect(),
        debates: debates.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clef_average_precision_by_hand() {
        // Ranked: 0.9 (rel), 0.8 (not), 0.7 (rel), 0.1 (rel): AP = (1 + 2/3 + 3/4) / 3.
        let g = [true, false, true, true];
        let s = [0.9, 0.8, 0.7, 0.1];
        assert!((average_precision(&g, &s) - (1.0 + 2.0 / 3.0 + 0.75) / 3.0).abs() < 1e-12);
        // Ties keep file order: the relevant line listed second ranks second.
        assert!((average_precision(&[false, true], &[0.5, 0.5]) - 0.5).abs() < 1e-12);
        assert_eq!(average_precision(&[false, false], &[0.1, 0.2]), 0.0);
        let mut d = BTreeMap::new();
        d.insert("a".to_string(), (g.to_vec(), s.to_vec()));
        d.insert("b".to_string(), (vec![false, true], vec![0.9, 0.1]));
        let r = score(&d);
        assert!((r.map - ((1.0 + 2.0 / 3.0 + 0.75) / 3.0 + 0.5) / 2.0).abs() < 1e-12);
        assert!((r.precision_at[&1] - 0.5).abs() < 1e-12);
        assert!((r.r_precision - (2.0 / 3.0 + 0.0) / 2.0).abs() < 1e-12);
    }
}
