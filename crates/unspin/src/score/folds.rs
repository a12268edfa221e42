//! Fold assignments, deterministic so that a peer system reading the same files gets the same
//! folds: grouped (no group in two folds) and by position after a fixed shuffle.

use crate::hash::SplitMix;
use std::collections::BTreeMap;

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

/// Folds by position, `i mod k` after a fixed shuffle: the same assignment in any language
/// that reads the files in the same order (the peer script does).
pub fn position_folds(n: usize, k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    SplitMix::new(7).shuffle(&mut order);
    let mut fold = vec![0; n];
    for (pos, i) in order.into_iter().enumerate() {
        fold[i] = pos % k;
    }
    fold
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

    #[test]
    fn position_folds_are_balanced_and_fixed() {
        let f = position_folds(103, 5);
        for k in 0..5 {
            let n = f.iter().filter(|x| **x == k).count();
            assert!(n == 20 || n == 21, "fold {k}: {n}");
        }
        assert_eq!(f, position_folds(103, 5));
    }
}
