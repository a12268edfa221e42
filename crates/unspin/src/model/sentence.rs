//! Sentence and headline models: check-worthiness, hedging and clickbait.
//!
//! One learner serves all three: hashed logistic regression over the sentence's words, word
//! pairs, punctuation, lexicon hits and shape, each feature worth 1/√n (an L2-normalised bag, so
//! long sentences do not score high for being long), with Platt calibration and a decision
//! threshold fitted on out-of-fold predictions. The features are cheap because the document's
//! tokens, hashes and lexicon facts already exist when the models run.

use super::linear::{self, Linear, SplitMix, Template, TrainConfig, tpl};
use crate::detect::{HedgeKind, SourceKind};
use crate::error::{Error, Result};
use crate::lexicon::{Lexicons, TokenFacts};
use crate::report::SentenceReport;
use crate::text::{Analyzed, TokenKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;

/// Bumped when a feature is added, removed or computed differently.
pub const FEATURE_SET: u32 = 1;
/// Hash bits of each sentence model.
pub const BITS: u8 = 18;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Clickbait,
    Hedging,
    Checkworthy,
}

impl Task {
    pub const ALL: [Task; 3] = [Task::Clickbait, Task::Hedging, Task::Checkworthy];

    pub fn name(self) -> &'static str {
        match self {
            Task::Clickbait => "clickbait",
            Task::Hedging => "hedging",
            Task::Checkworthy => "checkworthy",
        }
    }
}

/// Training facts stored with a model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SentenceTrainInfo {
    pub data_sha256: String,
    pub examples: usize,
    pub positives: usize,
    pub epochs: usize,
    pub learning_rate: f32,
}

/// One trained sentence model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SentenceModel {
    pub task: Task,
    pub feature_set: u32,
    pub linear: Linear,
    /// `p = sigmoid(a · score + b)`, fitted on out-of-fold scores.
    pub platt: (f32, f32),
    /// Calibrated probability at or above which the sentence is labelled positive (chosen on
    /// out-of-fold predictions: accuracy for clickbait, F1 of the positive class otherwise).
    pub threshold: f64,
    pub train: SentenceTrainInfo,
    pub metrics: BTreeMap<String, f64>,
}

/// The three models, shipped in one file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SentenceModels {
    pub name: String,
    pub version: String,
    pub clickbait: SentenceModel,
    pub hedging: SentenceModel,
    pub checkworthy: SentenceModel,
}

impl SentenceModels {
    pub fn check(&self) -> Result<()> {
        for (m, want) in [
            (&self.clickbait, Task::Clickbait),
            (&self.hedging, Task::Hedging),
            (&self.checkworthy, Task::Checkworthy),
        ] {
            if m.feature_set != FEATURE_SET || m.task != want || m.linear.bits != BITS {
                return Err(Error::Model(format!(
                    "sentence model {} uses feature set {}; this build computes feature set {FEATURE_SET}: retrain it",
                    want.name(),
                    m.feature_set
                )));
            }
            m.linear.check(BITS, 1, want.name())?;
        }
        Ok(())
    }
}

impl SentenceModel {
    /// The raw score of a feature list.
    pub fn score(&self, feats: &[u32]) -> f32 {
        raw_score(&self.linear, feats)
    }

    pub fn probability(&self, feats: &[u32]) -> f64 {
        let (a, b) = self.platt;
        super::reliability::sigmoid(f64::from(a * self.score(feats) + b))
    }

    /// The weight of a single word (its unigram feature), for naming cue words.
    pub fn word_weight(&self, word_hash: u64) -> f32 {
        self.linear.weight(index(T_WORD, word_hash), 0)
    }
}

/// What the rule detectors found in a sentence: the cue lexicons and source patterns enter the
/// models as features, so their weights are learned rather than fixed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleCues {
    pub lexical_hedges: usize,
    pub conditional: bool,
    pub distancing: bool,
    pub source: Option<SourceKind>,
    pub report_verb: bool,
    pub quote: bool,
}

impl RuleCues {
    /// The cues of report sentences (several when a training text segments into more than one).
    pub fn of<'a>(sentences: impl IntoIterator<Item = &'a SentenceReport>) -> RuleCues {
        let mut c = RuleCues::default();
        for s in sentences {
            for h in &s.hedge_cues {
                match h.kind {
                    HedgeKind::Lexical => c.lexical_hedges += 1,
                    HedgeKind::Conditional => c.conditional = true,
                    HedgeKind::Distancing => c.distancing = true,
                    HedgeKind::Learned => {}
                }
            }
            if s.attribution.kind != SourceKind::None && c.source != Some(SourceKind::Vague) {
                c.source = Some(s.attribution.kind);
            }
            c.report_verb |= s.attribution.verb.is_some();
            c.quote |= s.attribution.quote;
        }
        c
    }
}

/// Check-worthiness at or above which a sentence counts as a claim to check (in the report's
/// list, and as an unsupported claim when it has no source): about the F1-optimal threshold of
/// the check-worthiness model on out-of-fold predictions.
pub const CLAIM_THRESHOLD: f64 = 0.25;

/// A word whose hedging weight is at least this is marked as a learned cue (the strongest words
/// — "many", "some", "considered", "several", "generally", "widely", "believed", "most" — weigh
/// 2.5 to 7.6; below that, function words start to appear).
pub const CUE_WEIGHT: f32 = 2.5;

/// Function words the model weighs up only through the constructions they sit in ("have been
/// described", "that is believed"): never a cue by themselves.
const NOT_CUES: &[&str] = &[
    "a", "an", "the", "of", "to", "in", "on", "and", "or", "that", "this", "which", "who", "it",
    "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "as", "by", "for",
];

/// Whether a word (lower case, with its hash) is one the hedging model marks as a cue.
pub fn is_learned_cue(m: &SentenceModel, norm: &str, hash: u64) -> bool {
    m.word_weight(hash) >= CUE_WEIGHT && !NOT_CUES.contains(&norm)
}

/// Each feature of a sentence is worth 1/√n.
fn value(feats: &[u32]) -> f32 {
    1.0 / (feats.len().max(1) as f32).sqrt()
}

const T_WORD: Template = tpl!("w");
const T_BIGRAM: Template = tpl!("b");
const T_PUNCT: Template = tpl!("p");
const T_FIRST: Template = tpl!("first");
const T_LAST: Template = tpl!("last");
const T_LEX: Template = tpl!("lex");
const T_SHAPE: Template = tpl!("shape");
const T_RULE: Template = tpl!("rule");
const H_START: u64 = linear::hash("<s>");

fn index(t: Template, h: u64) -> u32 {
    (linear::combine(t.hash, h) & ((1u64 << BITS) - 1)) as u32
}

fn bucket(n: usize, edges: &[usize]) -> u64 {
    edges.iter().position(|e| n <= *e).unwrap_or(edges.len()) as u64
}

/// The features of the tokens `range` of `a` (a sentence, or a whole headline), given the
/// document's token facts. Sorted and unique.
pub fn features(
    task: Task,
    a: &Analyzed<'_>,
    range: Range<usize>,
    facts: &[TokenFacts],
    lex: &Lexicons,
    cues: &RuleCues,
) -> Vec<u32> {
    let mut f: Vec<u32> = Vec::with_capacity(range.len() * 3 + 8);
    let rule = |name: &str| index(T_RULE, linear::hash(name));
    f.push(rule(match cues.lexical_hedges {
        0 => "hedges=0",
        1 => "hedges=1",
        _ => "hedges=2+",
    }));
    for (on, name) in [
        (cues.conditional, "conditional"),
        (cues.distancing, "distancing"),
        (cues.report_verb, "report-verb"),
        (cues.quote, "quote"),
        (cues.source == Some(SourceKind::Vague), "source=vague"),
        (cues.source == Some(SourceKind::Named), "source=named"),
        (cues.source.is_none(), "source=none"),
    ] {
        if on {
            f.push(rule(name));
        }
    }
    let mut prev = H_START;
    let (mut words, mut hedges, mut reports, mut strong, mut charged) = (0, 0, 0, 0, 0);
    let (mut numbers, mut caps_inside, mut first) = (0, 0, None);
    for i in range.clone() {
        let t = &a.tokens[i];
        let h = facts[i].hash;
        match t.kind {
            TokenKind::Punct => {
                f.push(index(T_PUNCT, h));
                continue;
            }
            TokenKind::Number => numbers += 1,
            TokenKind::Word => {
                let norm = t.norm.as_str();
                let fa = facts[i];
                hedges += usize::from(lex.is_hedge_word(norm));
                reports += usize::from(lex.is_report_verb(norm));
                strong += usize::from(fa.strong);
                charged += usize::from(fa.valence.abs() >= 2.0);
                if words > 0
                    && a.text[t.bytes.clone()]
                        .chars()
                        .next()
                        .is_some_and(char::is_uppercase)
                {
                    caps_inside += 1;
                }
            }
        }
        words += 1;
        if first.is_none() {
            first = Some((h, t.kind));
        }
        f.push(index(T_WORD, h));
        f.push(index(T_BIGRAM, linear::combine(prev, h)));
        prev = h;
    }
    if let Some((h, kind)) = first {
        f.push(index(T_FIRST, h));
        if kind == TokenKind::Number {
            f.push(index(T_SHAPE, linear::hash("starts-with-number")));
        }
    }
    if let Some(last) = range.clone().next_back() {
        f.push(index(T_LAST, facts[last].hash));
    }
    let edges = [0, 1, 2];
    for (name, n) in [
        ("hedge", hedges),
        ("report", reports),
        ("strong", strong),
        ("charged", charged),
        ("number", numbers),
        ("caps-inside", caps_inside),
    ] {
        f.push(index(
            T_LEX,
            linear::hash_more(linear::hash(name), &bucket(n, &edges).to_string()),
        ));
    }
    f.push(index(
        T_SHAPE,
        linear::combine(
            linear::hash("words"),
            bucket(words, &[3, 6, 10, 15, 25, 40]),
        ),
    ));
    if task == Task::Clickbait && words > 0 {
        f.push(index(T_SHAPE, linear::hash("headline")));
    }
    f.sort_unstable();
    f.dedup();
    f
}

/// The features of a standalone text (a training sentence or a headline), with the cues the
/// rule detectors found in it.
pub fn text_features(task: Task, text: &str, lex: &Lexicons, cues: &RuleCues) -> Vec<u32> {
    let a = Analyzed::new(text);
    let facts = lex.token_facts(&a);
    features(task, &a, 0..a.tokens.len(), facts, lex, cues)
}

/// Trains the weights of one model.
pub fn train_linear(data: &[(Vec<u32>, bool)], epochs: usize, learning_rate: f32) -> Linear {
    linear::train_binary_scaled(
        BITS,
        data,
        TrainConfig {
            epochs,
            learning_rate,
            l2: 1e-6,
            seed: 29,
        },
        1.0,
        value,
    )
}

fn raw_score(m: &Linear, feats: &[u32]) -> f32 {
    let mut s = Vec::with_capacity(1);
    m.scores(feats, &mut s);
    let b = m.bias[0];
    b + (s[0] - b) * value(feats)
}

/// Out-of-fold raw scores of `data` under `folds` (fold index per example).
pub fn out_of_fold(
    data: &[(Vec<u32>, bool)],
    fold_of: &[usize],
    k: usize,
    epochs: usize,
    learning_rate: f32,
) -> Vec<f32> {
    let mut oof = vec![0f32; data.len()];
    for f in 0..k {
        let train: Vec<(Vec<u32>, bool)> = data
            .iter()
            .zip(fold_of)
            .filter(|(_, g)| **g != f)
            .map(|(d, _)| d.clone())
            .collect();
        if train.is_empty() {
            continue;
        }
        let m = train_linear(&train, epochs, learning_rate);
        for (i, d) in data.iter().enumerate() {
            if fold_of[i] == f {
                oof[i] = raw_score(&m, &d.0);
            }
        }
    }
    oof
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

/// The threshold on calibrated probabilities that maximises accuracy (clickbait) or the
/// positive class's F1 (the others) over `probs`.
pub fn best_threshold(task: Task, probs: &[f64], gold: &[bool]) -> f64 {
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|a, b| probs[*b].total_cmp(&probs[*a]));
    let pos = gold.iter().filter(|g| **g).count();
    let (mut tp, mut fp) = (0usize, 0usize);
    let (mut best, mut best_t) = (f64::MIN, 0.5);
    for (k, &i) in order.iter().enumerate() {
        if gold[i] {
            tp += 1;
        } else {
            fp += 1;
        }
        // Only cut between distinct probabilities.
        if order.get(k + 1).is_some_and(|&j| probs[j] == probs[i]) {
            continue;
        }
        let score = match task {
            Task::Clickbait => {
                let tn = (gold.len() - pos) - fp;
                (tp + tn) as f64 / gold.len().max(1) as f64
            }
            _ => 2.0 * tp as f64 / (tp + fp + pos).max(1) as f64,
        };
        if score > best {
            best = score;
            best_t = probs[i];
        }
    }
    best_t
}

/// Fits a calibrated model: out-of-fold scores (3 folds by position) fit Platt and the
/// threshold, then the weights are refit on everything.
pub fn fit(
    task: Task,
    data: &[(Vec<u32>, bool)],
    epochs: usize,
    learning_rate: f32,
    data_sha256: String,
) -> SentenceModel {
    let folds = position_folds(data.len(), 3);
    let oof = out_of_fold(data, &folds, 3, epochs, learning_rate);
    let gold: Vec<bool> = data.iter().map(|d| d.1).collect();
    let (a, b) = linear::platt(&oof, &gold);
    let probs: Vec<f64> = oof
        .iter()
        .map(|s| super::reliability::sigmoid(f64::from(a * s + b)))
        .collect();
    let threshold = best_threshold(task, &probs, &gold);
    SentenceModel {
        task,
        feature_set: FEATURE_SET,
        linear: train_linear(data, epochs, learning_rate),
        platt: (a, b),
        threshold,
        train: SentenceTrainInfo {
            data_sha256,
            examples: data.len(),
            positives: gold.iter().filter(|g| **g).count(),
            epochs,
            learning_rate,
        },
        metrics: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_folds_are_balanced_and_fixed() {
        let f = position_folds(103, 5);
        for k in 0..5 {
            let n = f.iter().filter(|x| **x == k).count();
            assert!(n == 20 || n == 21, "fold {k}: {n}");
        }
        assert_eq!(f, position_folds(103, 5));
    }

    #[test]
    fn best_threshold_finds_the_separating_cut() {
        let probs = [0.9, 0.8, 0.7, 0.4, 0.3, 0.2];
        let gold = [true, true, true, false, false, true];
        assert_eq!(best_threshold(Task::Clickbait, &probs, &gold), 0.7);
        // F1: taking all six (4 TP, 2 FP) gives 0.8, the top three 0.857.
        assert_eq!(best_threshold(Task::Hedging, &probs, &gold), 0.7);
    }

    #[test]
    fn features_are_sorted_unique_and_see_lexicon_and_shape() {
        let lex = Lexicons::load();
        let a = text_features(
            Task::Hedging,
            "Some experts suggest it may perhaps rain.",
            &lex,
            &RuleCues::default(),
        );
        let b = text_features(
            Task::Hedging,
            "The council voted on Tuesday.",
            &lex,
            &RuleCues::default(),
        );
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_ne!(a, b);
        let hedge0 = index(T_LEX, linear::hash_more(linear::hash("hedge"), "0"));
        assert!(!a.contains(&hedge0) && b.contains(&hedge0));
        let n = text_features(
            Task::Clickbait,
            "17 Things You Never Knew",
            &lex,
            &RuleCues::default(),
        );
        assert!(n.contains(&index(T_SHAPE, linear::hash("starts-with-number"))));
        assert!(text_features(Task::Clickbait, "", &lex, &RuleCues::default()).len() < 10);
    }
}
