//! The learners of the linear models (`model::linear`): AdaGrad on logistic or softmax loss with
//! L2, deterministic for a seed (SplitMix64 shuffles), and the calibrations fitted on
//! out-of-fold scores (Platt scaling, softmax temperature).

use crate::hash::SplitMix;
use crate::model::linear::{Linear, TrainConfig, sigmoid, softmax};

/// Trains a binary logistic model; `weight_pos` up-weights the positive class.
pub fn train_binary(
    bits: u8,
    data: &[(Vec<u32>, bool)],
    cfg: TrainConfig,
    weight_pos: f32,
) -> Linear {
    train_binary_scaled(bits, data, cfg, weight_pos, |_| 1.0)
}

/// [`train_binary`] with every feature of an example worth `value(features)` instead of 1.
pub fn train_binary_scaled(
    bits: u8,
    data: &[(Vec<u32>, bool)],
    cfg: TrainConfig,
    weight_pos: f32,
    value: impl Fn(&[u32]) -> f32,
) -> Linear {
    train_logistic(
        bits,
        data.len(),
        |i| (&data[i].0, f32::from(u8::from(data[i].1))),
        cfg,
        weight_pos,
        value,
    )
}

/// [`train_binary`] on soft targets in [0, 1] (a teacher's probabilities, or a mixture of a
/// teacher's and the gold): the loss is the cross-entropy to the target, its positive part
/// weighted by `weight_pos`, so a target of 0 or 1 trains exactly as the hard label would.
pub fn train_binary_soft(
    bits: u8,
    data: &[(Vec<u32>, f32)],
    cfg: TrainConfig,
    weight_pos: f32,
) -> Linear {
    train_logistic(
        bits,
        data.len(),
        |i| (&data[i].0, data[i].1),
        cfg,
        weight_pos,
        |_| 1.0,
    )
}

fn train_logistic<'a>(
    bits: u8,
    len: usize,
    example: impl Fn(usize) -> (&'a Vec<u32>, f32),
    cfg: TrainConfig,
    weight_pos: f32,
    value: impl Fn(&[u32]) -> f32,
) -> Linear {
    let n = 1usize << bits;
    let mut w = vec![0f32; n];
    let mut g2 = vec![1e-6f32; n];
    let (mut b, mut gb) = (0f32, 1e-6f32);
    let mut order: Vec<usize> = (0..len).collect();
    let mut rng = SplitMix::new(cfg.seed);
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let (x, y) = example(i);
            let v = value(x);
            let z = b + v * x.iter().map(|j| w[*j as usize]).sum::<f32>();
            let p = sigmoid(z);
            // d/dz of −wp·y·ln p − (1−y)·ln(1−p); hard targets by the shorter formula, so a
            // model trained on hard labels is bit for bit what it was before soft ones existed.
            let g = if y == 1.0 {
                (p - 1.0) * weight_pos
            } else if y == 0.0 {
                p
            } else {
                weight_pos * y * (p - 1.0) + (1.0 - y) * p
            };
            for &j in x {
                let j = j as usize;
                let gj = g * v + cfg.l2 * w[j];
                g2[j] += gj * gj;
                w[j] -= cfg.learning_rate * gj / g2[j].sqrt();
            }
            gb += g * g;
            b -= cfg.learning_rate * g / gb.sqrt();
        }
    }
    Linear::quantize(bits, 1, &w, vec![b])
}

/// AdaGrad over the hashed weights of a model with `classes` outputs per feature, the state
/// both many-output learners share: they differ only in how a logit becomes a gradient.
struct AdaGrad {
    classes: usize,
    w: Vec<f32>,
    g2: Vec<f32>,
    b: Vec<f32>,
    gb: Vec<f32>,
}

impl AdaGrad {
    fn new(bits: u8, classes: usize) -> AdaGrad {
        let n = (1usize << bits) * classes;
        AdaGrad {
            classes,
            w: vec![0f32; n],
            g2: vec![1e-6f32; n],
            b: vec![0f32; classes],
            gb: vec![1e-6f32; classes],
        }
    }

    /// The logits of an example, one per class, into `z`.
    fn logits(&self, x: &[u32], z: &mut [f32]) {
        let k = self.classes;
        z.copy_from_slice(&self.b);
        for &j in x {
            for (zc, wc) in z
                .iter_mut()
                .zip(&self.w[j as usize * k..(j as usize + 1) * k])
            {
                *zc += wc;
            }
        }
    }

    /// One AdaGrad step on the example's features and the biases, `g[c]` being the loss's
    /// derivative by logit `c`. Each weight's update reads only its own state and `g`, so the
    /// order of the loops does not change the result.
    fn step(&mut self, x: &[u32], g: &[f32], cfg: &TrainConfig) {
        let k = self.classes;
        for &j in x {
            let base = j as usize * k;
            for (c, gc) in g.iter().enumerate() {
                let i = base + c;
                let gj = gc + cfg.l2 * self.w[i];
                self.g2[i] += gj * gj;
                self.w[i] -= cfg.learning_rate * gj / self.g2[i].sqrt();
            }
        }
        for (c, gc) in g.iter().enumerate() {
            self.gb[c] += gc * gc;
            self.b[c] -= cfg.learning_rate * gc / self.gb[c].sqrt();
        }
    }

    fn finish(self, bits: u8) -> Linear {
        Linear::quantize(bits, self.classes, &self.w, self.b)
    }
}

/// Trains `classes` independent logistic models at once (one-vs-rest multi-label): example `i`
/// is positive for class `c` when bit `c` of its mask is set. One pass over the features serves
/// every class, and the weights are stored as one [`Linear`] with a logit per class.
pub fn train_multilabel(
    bits: u8,
    classes: usize,
    data: &[(Vec<u32>, u32)],
    cfg: TrainConfig,
    weight_pos: f32,
) -> Linear {
    assert!(classes <= 32, "a mask holds at most 32 classes");
    let mut m = AdaGrad::new(bits, classes);
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = SplitMix::new(cfg.seed);
    let mut z = vec![0f32; classes];
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let (x, mask) = &data[i];
            m.logits(x, &mut z);
            for (c, zc) in z.iter_mut().enumerate() {
                let p = sigmoid(*zc);
                *zc = if mask >> c & 1 == 1 {
                    (p - 1.0) * weight_pos
                } else {
                    p
                };
            }
            m.step(x, &z, &cfg);
        }
    }
    m.finish(bits)
}

/// Trains a multinomial (softmax) model over `classes` labels.
pub fn train_multiclass(
    bits: u8,
    classes: usize,
    data: &[(Vec<u32>, usize)],
    cfg: TrainConfig,
) -> Linear {
    let mut m = AdaGrad::new(bits, classes);
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = SplitMix::new(cfg.seed);
    let mut p = vec![0f32; classes];
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let (x, y) = &data[i];
            m.logits(x, &mut p);
            softmax(&mut p, 1.0);
            p[*y] -= 1.0;
            m.step(x, &p, &cfg);
        }
    }
    m.finish(bits)
}

/// Platt scaling: fits `p = sigmoid(a·s + b)` to scores and labels by Newton's method.
pub fn platt(scores: &[f32], labels: &[bool]) -> (f32, f32) {
    let (mut a, mut b) = (1f64, 0f64);
    for _ in 0..100 {
        let Some((da, db)) = newton_step(scores, labels, a, b) else {
            break;
        };
        a -= da;
        b -= db;
        if da.abs() + db.abs() < 1e-9 {
            break;
        }
    }
    (a as f32, b as f32)
}

/// [`platt`] with step halving: out-of-fold logits far from calibrated (±20, a rare class of a
/// multi-label model) make plain Newton steps overshoot and diverge; a step is taken only as far
/// as it lowers the log-loss.
pub fn platt_damped(scores: &[f32], labels: &[bool]) -> (f32, f32) {
    let loss = |a: f64, b: f64| -> f64 {
        scores
            .iter()
            .zip(labels)
            .map(|(s, y)| {
                let z = a * f64::from(*s) + b;
                // log(1 + e^z) − y·z without overflow
                let softplus = if z > 0.0 {
                    z + (-z).exp().ln_1p()
                } else {
                    z.exp().ln_1p()
                };
                softplus - if *y { z } else { 0.0 }
            })
            .sum()
    };
    let (mut a, mut b) = (1f64, 0f64);
    let mut current = loss(a, b);
    for _ in 0..100 {
        let Some((da, db)) = newton_step(scores, labels, a, b) else {
            break;
        };
        let mut step = 1.0;
        let mut moved = false;
        while step > 1e-6 {
            let next = loss(a - step * da, b - step * db);
            if next <= current {
                a -= step * da;
                b -= step * db;
                moved = current - next > 1e-10;
                current = next;
                break;
            }
            step /= 2.0;
        }
        if !moved {
            break;
        }
    }
    (a as f32, b as f32)
}

/// The Newton step `(da, db)` of the Platt log-loss at `(a, b)`, or `None` where the Hessian is
/// singular.
fn newton_step(scores: &[f32], labels: &[bool], a: f64, b: f64) -> Option<(f64, f64)> {
    let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0f64, 0f64, 1e-9, 0f64, 1e-9);
    for (s, y) in scores.iter().zip(labels) {
        let s = f64::from(*s);
        let p = 1.0 / (1.0 + (-(a * s + b)).exp());
        let d = p - f64::from(u8::from(*y));
        ga += d * s;
        gb += d;
        let h = p * (1.0 - p);
        haa += h * s * s;
        hab += h * s;
        hbb += h;
    }
    let det = haa * hbb - hab * hab;
    if det.abs() < 1e-12 {
        return None;
    }
    Some(((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det))
}

/// Temperature for softmax calibration: the grid value minimising the negative log-likelihood of
/// held-out logits.
pub fn fit_temperature(logits: &[Vec<f32>], labels: &[usize]) -> f32 {
    let nll = |t: f32| -> f64 {
        logits
            .iter()
            .zip(labels)
            .map(|(l, y)| {
                let mut p = l.clone();
                softmax(&mut p, t);
                -f64::from(p[*y].max(1e-12)).ln()
            })
            .sum()
    };
    let mut best = (1.0f32, f64::INFINITY);
    let mut t = 0.25f32;
    while t <= 5.0 {
        let v = nll(t);
        if v < best.1 {
            best = (t, v);
        }
        t += 0.05;
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_problem_deterministically() {
        let cfg = TrainConfig {
            epochs: 5,
            learning_rate: 0.5,
            l2: 0.0,
            seed: 7,
        };
        let data: Vec<(Vec<u32>, bool)> = (0..200)
            .map(|i| (vec![(i % 2) as u32, 10], i % 2 == 1))
            .collect();
        let m = train_binary(4, &data, cfg, 1.0);
        let mut s = Vec::new();
        m.scores(&[1, 10], &mut s);
        assert!(sigmoid(s[0]) > 0.9);
        m.scores(&[0, 10], &mut s);
        assert!(sigmoid(s[0]) < 0.1);
        assert_eq!(m, train_binary(4, &data, cfg, 1.0));

        let data: Vec<(Vec<u32>, usize)> =
            (0..300).map(|i| (vec![(i % 3) as u32], i % 3)).collect();
        let m = train_multiclass(4, 3, &data, cfg);
        for c in 0..3 {
            m.scores(&[c as u32], &mut s);
            softmax(&mut s, 1.0);
            assert!(s[c] > 0.8, "{s:?}");
        }
    }

    #[test]
    fn soft_targets_are_learned_and_hard_ones_train_as_hard_labels() {
        let cfg = TrainConfig {
            epochs: 30,
            learning_rate: 0.2,
            l2: 0.0,
            seed: 3,
        };
        // Feature 1 is in a span 30 % of the time by the teacher's account, feature 2 90 %.
        let soft: Vec<(Vec<u32>, f32)> = (0..400)
            .map(|i| {
                if i % 2 == 0 {
                    (vec![1], 0.3)
                } else {
                    (vec![2], 0.9)
                }
            })
            .collect();
        let m = train_binary_soft(4, &soft, cfg, 1.0);
        let mut s = Vec::new();
        m.scores(&[1], &mut s);
        assert!((sigmoid(s[0]) - 0.3).abs() < 0.05, "{}", sigmoid(s[0]));
        m.scores(&[2], &mut s);
        assert!((sigmoid(s[0]) - 0.9).abs() < 0.05, "{}", sigmoid(s[0]));
        // Targets of exactly 0 and 1 give the model the hard labels give, bit for bit.
        let hard: Vec<(Vec<u32>, bool)> = (0..200)
            .map(|i| (vec![(i % 3) as u32, 9], i % 3 == 1))
            .collect();
        let as_soft: Vec<(Vec<u32>, f32)> = (hard.iter())
            .map(|(x, y)| (x.clone(), f32::from(u8::from(*y))))
            .collect();
        assert_eq!(
            train_binary(4, &hard, cfg, 2.5),
            train_binary_soft(4, &as_soft, cfg, 2.5)
        );
    }

    #[test]
    fn calibration_fits() {
        // Scores whose sigmoid is already calibrated give a ≈ 1, b ≈ 0.
        let mut rng = SplitMix::new(1);
        let (mut s, mut y) = (Vec::new(), Vec::new());
        for _ in 0..4000 {
            let x = (rng.next_u64() % 1000) as f32 / 100.0 - 5.0;
            let u = (rng.next_u64() % 10_000) as f32 / 10_000.0;
            s.push(x);
            y.push(u < sigmoid(x));
        }
        let (a, b) = platt(&s, &y);
        assert!((a - 1.0).abs() < 0.15 && b.abs() < 0.15, "{a} {b}");
        let t = fit_temperature(
            &[
                vec![4.0, 0.0],
                vec![4.0, 0.0],
                vec![4.0, 0.0],
                vec![0.0, 4.0],
            ],
            &[0, 1, 0, 1],
        );
        assert!(
            t > 1.0,
            "overconfident logits need a temperature above 1, got {t}"
        );
    }
}
