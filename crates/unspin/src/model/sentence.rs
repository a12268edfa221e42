//! Sentence and headline models: check-worthiness, hedging and clickbait.
//!
//! One learner serves all three: hashed logistic regression over the sentence's words, word
//! pairs, punctuation, lexicon hits and shape, each feature worth 1/√n (an L2-normalised bag, so
//! long sentences do not score high for being long), with Platt calibration and a decision
//! threshold fitted on out-of-fold predictions (by `train::sentences`). The features are cheap
//! because the document's tokens, hashes and lexicon facts already exist when the models run.

use super::linear::{Linear, Template, logistic, tpl};
use crate::assets::Words;
use crate::doc::{Doc, HedgeCue, HedgeKind, ModelInfo, SentenceFacts, SourceKind};
use crate::error::{Error, Result};
use crate::hash::{combine, hash, hash_more};
use crate::lexicon::{Lexicons, TokenFacts};
use crate::text::{Analyzed, TokenKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;

/// Bumped when a feature is added, removed or computed differently.
pub const FEATURE_SET: u32 = 3;
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
    /// SHA-256 of the word-vector file the models were trained with (`model::embeddings`): the
    /// check-worthiness model reads word clusters, so it only runs with the same table.
    pub embeddings_sha256: String,
}

impl SentenceModels {
    pub fn check(&self) -> Result<()> {
        crate::model::embeddings::check_trained_with(
            &self.embeddings_sha256,
            "the sentence models (`unspin train sentences`)",
        )?;
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
        logistic(f64::from(a * self.score(feats) + b))
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
    /// The cues of sentences as the rule detectors left them (several when a training text
    /// segments into more than one).
    pub fn of<'a>(sentences: impl IntoIterator<Item = &'a SentenceFacts>) -> RuleCues {
        let mut c = RuleCues::default();
        for s in sentences {
            for h in &s.hedges {
                match h.kind {
                    HedgeKind::Lexical => c.lexical_hedges += 1,
                    HedgeKind::Conditional => c.conditional = true,
                    HedgeKind::Distancing => c.distancing = true,
                    HedgeKind::Learned => {}
                }
            }
            if s.source() != SourceKind::None && c.source != Some(SourceKind::Vague) {
                c.source = Some(s.source());
            }
            c.report_verb |= s.attribution.as_ref().is_some_and(|a| a.verb.is_some());
            c.quote |= s.quote;
        }
        c
    }
}

/// A word whose hedging weight is at least this is marked as a learned cue (the strongest words
/// — "many", "some", "considered", "several", "generally", "widely", "believed", "most" — weigh
/// 2.5 to 7.6; below that, function words start to appear).
pub const CUE_WEIGHT: f32 = 2.5;

/// Each feature of a sentence is worth 1/√n.
pub(crate) fn value(feats: &[u32]) -> f32 {
    1.0 / (feats.len().max(1) as f32).sqrt()
}

const T_WORD: Template = tpl!("w");
const T_BIGRAM: Template = tpl!("b");
const T_SUFFIX: Template = tpl!("suf");
const T_PUNCT: Template = tpl!("p");
const T_FIRST: Template = tpl!("first");
const T_LAST: Template = tpl!("last");
const T_LEX: Template = tpl!("lex");
const T_SHAPE: Template = tpl!("shape");
const T_RULE: Template = tpl!("rule");
const H_START: u64 = hash("<s>");
/// The coarse cluster (of 256) of a word's distilled vector, for check-worthiness only: words of
/// one meaning share a weight, so a claim worded in words the training debates never used still
/// scores. Chosen on the transfer protocols (`eval checkworthy`; none / coarse / fine / both):
/// coarse raised three of the four (leave-one-debate-out MAP 0.2529 → 0.2533, with CT24
/// 0.2411 → 0.2475, CT24 → CLEF 0.2332 → 0.2399; debates → CT24 F1 0.8542 → 0.8531), fine
/// lost leave-one-debate-out MAP (0.2454); for hedging and clickbait neither helped.
const T_CLUSTER: Template = tpl!("c256");

pub(crate) fn index(t: Template, h: u64) -> u32 {
    (combine(t.hash, h) & ((1u64 << BITS) - 1)) as u32
}

fn bucket(n: usize, edges: &[usize]) -> u64 {
    edges.iter().position(|e| n <= *e).unwrap_or(edges.len()) as u64
}

/// The last three letters of a word of at least six, for the hedging task only: the endings of
/// adverbs and participles ("-dly" of reportedly and allegedly, "-ved" of believed, "-ely" of
/// widely) generalise to words the training data never had. Chosen by the hedging CV (F1 of the
/// uncertain class, each fold's own threshold): none 0.597, 3 letters 0.603, 2 and 3 0.602, 3
/// and 4 0.598, 2 to 4 0.595; for all three tasks it cost clickbait accuracy and CLEF MAP.
fn suffix(norm: &str, f: &mut Vec<u32>) {
    if norm.chars().count() >= 6 {
        let cut = norm.char_indices().rev().nth(2).map_or(0, |(k, _)| k);
        f.push(index(T_SUFFIX, hash(&norm[cut..])));
    }
}

/// The features of the tokens `range` of `a` (a sentence, or a whole headline), given the
/// document's token facts. Sorted and unique.
pub fn features(
    task: Task,
    a: &Analyzed<'_>,
    range: Range<usize>,
    facts: &[TokenFacts],
    cues: &RuleCues,
) -> Vec<u32> {
    let mut f: Vec<u32> = Vec::with_capacity(range.len() * 3 + 8);
    let rule = |name: &str| index(T_RULE, hash(name));
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
                let fa = facts[i];
                hedges += usize::from(fa.hedge);
                reports += usize::from(fa.report);
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
        f.push(index(T_BIGRAM, combine(prev, h)));
        if task == Task::Hedging && t.kind == TokenKind::Word {
            suffix(&t.norm, &mut f);
        }
        if task == Task::Checkworthy
            && t.kind == TokenKind::Word
            && let Some(c) =
                crate::model::embeddings::embedded().and_then(|e| e.group_of(h, &t.norm))
        {
            f.push(index(T_CLUSTER, u64::from(c)));
        }
        prev = h;
    }
    if let Some((h, kind)) = first {
        f.push(index(T_FIRST, h));
        if kind == TokenKind::Number {
            f.push(index(T_SHAPE, hash("starts-with-number")));
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
            hash_more(hash(name), &bucket(n, &edges).to_string()),
        ));
    }
    f.push(index(
        T_SHAPE,
        combine(hash("words"), bucket(words, &[3, 6, 10, 15, 25, 40])),
    ));
    if task == Task::Clickbait && words > 0 {
        f.push(index(T_SHAPE, hash("headline")));
    }
    f.sort_unstable();
    f.dedup();
    f
}

pub(crate) fn raw_score(m: &Linear, feats: &[u32]) -> f32 {
    let mut s = Vec::with_capacity(1);
    m.scores(feats, &mut s);
    let b = m.bias[0];
    b + (s[0] - b) * value(feats)
}

/// The sentence models applied to documents, with the words they never mark as cues.
pub struct SentenceScorer {
    models: SentenceModels,
    /// Function words the hedging model weighs up only through the constructions they sit in
    /// ("have been described", "that is believed"): never a cue by themselves.
    not_cues: Words,
}

impl SentenceScorer {
    pub fn new(models: SentenceModels, lex: &Lexicons) -> Result<SentenceScorer> {
        models.check()?;
        Ok(SentenceScorer {
            models,
            not_cues: lex.lang().words("sentences/not_cues.txt"),
        })
    }

    pub fn models(&self) -> &SentenceModels {
        &self.models
    }

    pub fn info(&self) -> ModelInfo {
        let m = &self.models;
        ModelInfo {
            name: m.name.clone(),
            version: m.version.clone(),
            kind: "trained".into(),
            thresholds: [
                ("check_worthy", m.checkworthy.threshold),
                ("hedged", m.hedging.threshold),
                ("is_clickbait", m.clickbait.threshold),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        }
    }

    /// Whether a word (lower case, with its hash) is one the hedging model marks as a cue.
    pub fn is_learned_cue(&self, norm: &str, hash: u64) -> bool {
        self.models.hedging.word_weight(hash) >= CUE_WEIGHT && !self.not_cues.contains(norm)
    }

    /// Check-worthiness and hedging of every sentence, with the hedging model's own cue words
    /// in the sentences it calls hedged. Reads the rule detectors' cues, so it runs after them.
    pub fn score(&self, doc: &mut Doc<'_>) {
        let m = &self.models;
        let seg = &doc.seg;
        for (i, s) in doc.sentences.iter_mut().enumerate() {
            let cues = RuleCues::of([&*s]);
            let range = seg.sentences[i].tokens.clone();
            // Both sentence tasks read the same features (hedging adds word endings, a headline
            // a flag), so one pass.
            let mut f = features(Task::Checkworthy, seg, range.clone(), &doc.facts, &cues);
            let c = m.checkworthy.probability(&f);
            s.checkworthiness = Some(c);
            s.check_worthy = Some(c >= m.checkworthy.threshold);
            // The hedging features are the same plus the words' endings.
            for k in range.clone() {
                if seg.tokens[k].kind == TokenKind::Word {
                    suffix(&seg.tokens[k].norm, &mut f);
                }
            }
            f.sort_unstable();
            f.dedup();
            let p = m.hedging.probability(&f);
            s.hedging = Some(p);
            s.hedged = Some(p >= m.hedging.threshold);
            if p >= m.hedging.threshold {
                // Words the model weighs as hedges that no lexicon cue covers yet. Tokens come
                // in order, so the rule cues are swept once by start (with the furthest end
                // seen): checking every token against every cue was quadratic on one giant
                // sentence.
                let mut rule: Vec<(usize, usize)> = s
                    .hedges
                    .iter()
                    .map(|c| (c.bytes.start, c.bytes.end))
                    .collect();
                rule.sort_unstable();
                let (mut next, mut reach) = (0usize, 0usize);
                for k in range {
                    let t = &seg.tokens[k];
                    while next < rule.len() && rule[next].0 <= t.bytes.start {
                        reach = reach.max(rule[next].1);
                        next += 1;
                    }
                    let covered = next > 0 && t.bytes.end <= reach;
                    if t.kind == TokenKind::Word
                        && !covered
                        && self.is_learned_cue(&t.norm, doc.facts[k].hash)
                    {
                        s.hedges.push(HedgeCue {
                            bytes: t.bytes.clone(),
                            kind: HedgeKind::Learned,
                        });
                    }
                }
                s.hedges.sort_by_key(|c| (c.bytes.start, c.bytes.end));
            }
        }
    }

    /// The clickbait probability of a headline (a document of its own: segmentation and facts,
    /// no rule cues), and the model's decision at its threshold.
    pub fn clickbait(&self, headline: &Doc<'_>) -> (f64, bool) {
        let f = features(
            Task::Clickbait,
            &headline.seg,
            0..headline.seg.tokens.len(),
            &headline.facts,
            &RuleCues::default(),
        );
        let p = self.models.clickbait.probability(&f);
        (p, p >= self.models.clickbait.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_features(task: Task, text: &str, lex: &Lexicons, cues: &RuleCues) -> Vec<u32> {
        let d = Doc::new(text, lex);
        features(task, &d.seg, 0..d.seg.tokens.len(), &d.facts, cues)
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
        let hedge0 = index(T_LEX, hash_more(hash("hedge"), "0"));
        assert!(!a.contains(&hedge0) && b.contains(&hedge0));
        let n = text_features(
            Task::Clickbait,
            "17 Things You Never Knew",
            &lex,
            &RuleCues::default(),
        );
        assert!(n.contains(&index(T_SHAPE, hash("starts-with-number"))));
        assert!(text_features(Task::Clickbait, "", &lex, &RuleCues::default()).len() < 10);
    }
}
