//! Base rates. A probability calibrated on the training pool is calibrated for the pool's share
//! of unreliable articles; a corpus with another share (a feed of mostly mainstream news, a
//! collection of known hoaxes) needs the same evidence read against its own base rate. Bayes'
//! rule moves it: the likelihood ratio the text gives is kept, the prior odds are replaced.

/// Keeps probabilities off 0 and 1, where odds are undefined.
const EPS: f64 = 1e-6;

fn odds(p: f64) -> f64 {
    let p = p.clamp(EPS, 1.0 - EPS);
    p / (1.0 - p)
}

/// The log-odds of `p` (kept finite).
pub fn logit(p: f64) -> f64 {
    odds(p).ln()
}

/// `p`, calibrated for a base rate `from`, read for a base rate `to`.
pub fn shift_prior(p: f64, from: f64, to: f64) -> f64 {
    if !(p.is_finite() && from.is_finite() && to.is_finite()) {
        return p;
    }
    let o = odds(p) * odds(to) / odds(from);
    o / (1.0 + o)
}

/// The base rate of an unlabelled set of articles, estimated from their probabilities
/// (calibrated for `from`) by expectation-maximisation (Saerens, Latinne & Decaestecker 2002,
/// "Adjusting the outputs of a classifier to new a priori probabilities"): shift every
/// probability to the current estimate, take their mean as the next estimate, until it settles.
/// Returns `from` for an empty set.
pub fn estimate_prior(probs: &[f64], from: f64) -> f64 {
    let ps: Vec<f64> = probs.iter().copied().filter(|p| p.is_finite()).collect();
    if ps.is_empty() {
        return from;
    }
    let mut prior = from.clamp(EPS, 1.0 - EPS);
    for _ in 0..200 {
        let next = ps.iter().map(|p| shift_prior(*p, from, prior)).sum::<f64>() / ps.len() as f64;
        let next = next.clamp(0.001, 0.999);
        if (next - prior).abs() < 1e-7 {
            return next;
        }
        prior = next;
    }
    prior
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifting_keeps_the_likelihood_ratio() {
        // Same prior: unchanged.
        assert!((shift_prior(0.3, 0.4, 0.4) - 0.3).abs() < 1e-12);
        // p = 0.5 at a 50 % base rate is no evidence: it becomes the new base rate.
        assert!((shift_prior(0.5, 0.5, 0.1) - 0.1).abs() < 1e-9);
        // Evidence 4:1 for, at a 20 % base rate: odds 0.25 × 4 = 1 → 0.5.
        assert!((shift_prior(0.8, 0.5, 0.2) - 0.5).abs() < 1e-9);
        // And back.
        assert!((shift_prior(0.5, 0.2, 0.5) - 0.8).abs() < 1e-9);
    }

    #[test]
    fn em_recovers_the_base_rate_of_calibrated_scores() {
        // Two kinds of article, each with the probability a calibrated model would give it at a
        // 50 % base rate: likelihood ratio 4 for one, 1/4 for the other. A set whose true share
        // is 80 % (so 0.8·(4/5)+0.2·(1/5) = 68 % score high) must come out near 0.8.
        let mut ps = vec![0.8; 68];
        ps.extend(vec![0.2; 32]);
        let est = estimate_prior(&ps, 0.5);
        assert!((est - 0.8).abs() < 0.01, "{est}");
        assert_eq!(estimate_prior(&[], 0.3), 0.3);
    }
}
