//! Document reliability: named signals of how an article is written, a logistic model over
//! them, and Platt calibration on out-of-fold predictions.
//!
//! Every feature is a rate of something a reader can point at (technique spans, hedges, vague
//! sources, charged words, capitals, ...), never a word identity: a bag of words learns
//! publishers, datelines and topics, which is why published fake-news classifiers collapse on
//! sources they have not seen. Each feature's contribution to the log-odds is reported as a
//! reason, with the spans behind it, so the probability can be checked against the text.

use crate::error::{Error, Result};
use crate::lexicon::Lexicons;
use crate::report::{RateUnit, Report};
use crate::technique::Technique;
use crate::text::{Analyzed, TokenKind};
use regex::RegexSet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Bumped when a signal is added, removed or computed differently.
pub const FEATURE_SET: u32 = 5;

/// The signals, in model order: name and what a reader is told.
pub const SIGNALS: &[(&str, &str)] = &[
    (
        "appeal_to_authority",
        "claims leaning on an authority rather than evidence",
    ),
    ("appeal_to_fear", "appeals to fear or prejudice"),
    ("bandwagon", "bandwagon or reductio ad Hitlerum"),
    ("black_and_white", "black-and-white fallacy"),
    ("causal_oversimplification", "causal oversimplification"),
    ("doubt", "doubt cast on a person or institution"),
    ("exaggeration", "exaggeration or minimisation"),
    ("flag_waving", "flag-waving"),
    ("loaded_language", "loaded language"),
    ("name_calling", "name calling or labelling"),
    ("repetition", "repetition"),
    ("slogans", "slogans"),
    ("thought_terminating_cliche", "thought-terminating clichés"),
    ("whataboutism", "whataboutism, straw men or red herrings"),
    ("hedging", "hedge words that soften or qualify claims"),
    (
        "conditional_framing",
        "claims made conditional on their own truth",
    ),
    (
        "distancing",
        "the writer distances themself from a claim they still make",
    ),
    (
        "vague_attribution",
        "claims credited to unnamed or vague sources",
    ),
    ("named_attribution", "claims credited to a named source"),
    ("direct_quotes", "direct quotations"),
    ("strong_subjective", "strongly subjective words"),
    ("bias_words", "words from the bias lexicon"),
    ("charged_words", "words with strong sentiment"),
    ("exclamations", "exclamation marks"),
    ("questions", "questions"),
    ("all_caps", "words in capitals"),
    ("first_person", "first-person words (I, we, our)"),
    ("second_person", "second-person words (you, your)"),
    ("long_sentences", "long sentences (over 35 words)"),
    (
        "unsupported_claims",
        "check-worthy claims with no source (check-worthiness ≥ 0.25, no attribution)",
    ),
    ("headline_punctuation", "a headline with ! or ?"),
    ("headline_caps", "capitalised words in the headline"),
];

/// What a reader is told about the word profile.
const WORD_PROFILE_DESCRIPTION: &str =
    "wording typical of unreliable articles in training (words and word pairs; its log-odds)";

/// Index of a signal in [`SIGNALS`] (a test pins the constants below to the table).
fn slot(name: &str) -> usize {
    SIGNALS
        .iter()
        .position(|(n, _)| *n == name)
        .expect("a signal of the table")
}

const S_STRONG_SUBJECTIVE: usize = 20;
const S_BIAS_WORDS: usize = 21;
const S_CHARGED_WORDS: usize = 22;
const S_EXCLAMATIONS: usize = 23;
const S_QUESTIONS: usize = 24;
const S_ALL_CAPS: usize = 25;
const S_FIRST_PERSON: usize = 26;
const S_SECOND_PERSON: usize = 27;

/// The technique signal names, in `Technique::ALL` order.
pub fn technique_signal(t: Technique) -> &'static str {
    match t {
        Technique::AppealToAuthority => "appeal_to_authority",
        Technique::AppealToFearPrejudice => "appeal_to_fear",
        Technique::BandwagonReductioAdHitlerum => "bandwagon",
        Technique::BlackAndWhiteFallacy => "black_and_white",
        Technique::CausalOversimplification => "causal_oversimplification",
        Technique::Doubt => "doubt",
        Technique::ExaggerationMinimisation => "exaggeration",
        Technique::FlagWaving => "flag_waving",
        Technique::LoadedLanguage => "loaded_language",
        Technique::NameCallingLabeling => "name_calling",
        Technique::Repetition => "repetition",
        Technique::Slogans => "slogans",
        Technique::ThoughtTerminatingCliches => "thought_terminating_cliche",
        Technique::WhataboutismStrawMenRedHerring => "whataboutism",
    }
}

/// The signal of the word-profile model (after the [`SIGNALS`]).
pub const WORD_PROFILE: &str = "word_profile";

/// The word-profile signal of an article: the word model's logit, with the occurrences of the
/// five words present that push hardest toward "unreliable" as its spans.
pub fn word_signal(m: &super::linear::Linear, a: &Analyzed<'_>, skip: &[bool]) -> Signal {
    let mask = (1u64 << WORD_BITS) - 1;
    let (feats, tokens) = word_tokens(a, skip);
    let z = word_logit(m, &feats);
    // The five distinct words with the largest positive weight (ties by hash), kept in a small
    // sorted list rather than sorting every candidate.
    let mut best: Vec<(f32, u64)> = Vec::with_capacity(6);
    let better = |x: &(f32, u64), y: &(f32, u64)| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1));
    for (_, h) in &tokens {
        let w = m.weight((h & mask) as u32, 0);
        if w <= 0.0 || best.iter().any(|b| b.1 == *h) {
            continue;
        }
        let c = (w, *h);
        if best.len() < 5 || better(&c, &best[best.len() - 1]).is_lt() {
            let at = best.partition_point(|b| better(b, &c).is_lt());
            best.insert(at, c);
            best.truncate(5);
        }
    }
    let top: Vec<u64> = best.iter().map(|c| c.1).collect();
    let spans = tokens
        .iter()
        .filter(|(_, h)| top.contains(h))
        .map(|(i, _)| [a.tokens[*i].span.start, a.tokens[*i].span.end])
        .collect();
    Signal {
        name: WORD_PROFILE,
        rate: z,
        x: z,
        spans,
    }
}

/// What a signal's rate counts per.
pub fn unit(signal: &str) -> RateUnit {
    match signal {
        "vague_attribution" | "named_attribution" | "direct_quotes" | "long_sentences"
        | "unsupported_claims" | "exclamations" | "questions" => RateUnit::PerSentence,
        "headline_punctuation" | "headline_caps" => RateUnit::Headline,
        WORD_PROFILE => RateUnit::Score,
        _ => RateUnit::Per100Words,
    }
}

/// What a reader is told about a signal.
pub fn describe(signal: &str) -> &'static str {
    if signal == WORD_PROFILE {
        return WORD_PROFILE_DESCRIPTION;
    }
    SIGNALS
        .iter()
        .find(|(n, _)| *n == signal)
        .map_or("signal", |(_, d)| d)
}

/// One signal measured on one article: its rate, the model input derived from it, and the
/// spans behind it (code points into the text; headline signals have none, the headline being
/// outside the text).
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub name: &'static str,
    /// The rate (per 100 words, per sentence, or a share), as a reader would quote it.
    pub rate: f64,
    /// `ln(1 + rate)`: rates are skewed, and a few extreme articles should not decide the fit.
    pub x: f64,
    pub spans: Vec<[usize; 2]>,
}

/// Sentences that are publisher furniture rather than the article: bylines, datelines,
/// "Read more", share/subscribe/follow tails, copyright and photo credits. Left out of every
/// rate, so the score does not learn which site an article came from.
static BOILERPLATE: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new([
        r"^(?:By|BY|Written by|Posted by|Author:)\s+\p{Lu}[^.!?]{0,60}$",
        r"^(?:By|BY)\s+\p{Lu}\S*\s+\p{Lu}\S*(?:\s+and\s+\p{Lu}\S*\s+\p{Lu}\S*)?\s*[,|]",
        r"(?i)^\W*(?:read more|read the full|click here|share this|share on|share:|subscribe|sign up|follow us|follow @|like us on|related:|related articles|advertisement|image:|photo:|image credit|photo credit|featured image|getty images|copyright|©|all rights reserved|continue reading|the post |this article (?:was|originally)|source:|h/t|via:)",
        r"^\p{Lu}[\p{Lu} .,'-]{2,40}(?:\([^)]{1,40}\))?\s*[-—–]\s*$",
        // Two share-button words in a row ("Facebook Twitter", "Tweet | Email").
        r"(?i)(?-u:\b)(?:facebook|twitter|tweet|whatsapp|pinterest|linkedin|reddit|email)(?-u:\b)[\s,|/]+(?:facebook|twitter|tweet|whatsapp|pinterest|linkedin|reddit|email|print|share)(?-u:\b)",
    ])
    .expect("boilerplate patterns compile")
});

/// A dateline opening a sentence: "WASHINGTON (Reuters) —", "LONDON, Jan. 5 -".
static DATELINE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^\p{Lu}[\p{Lu} .,'-]{2,40}(?:\([^)]{1,40}\))?\s*[-—–]{1,2}\s")
        .expect("dateline pattern compiles")
});

/// Which sentences are boilerplate (see [`BOILERPLATE`]), computed once per article.
pub fn boilerplate_sentences<'a>(a: &'a Analyzed<'_>) -> &'a [bool] {
    a.boilerplate.get_or_init(|| find_boilerplate(a))
}

fn find_boilerplate(a: &Analyzed<'_>) -> Vec<bool> {
    (0..a.sentences.len())
        .map(|i| {
            let sent = &a.sentences[i];
            // Cheap gate before the patterns: furniture is short, or opens with one of a few
            // words; a long sentence is content whatever it starts with.
            let first = a.tokens[sent.tokens.clone()]
                .iter()
                .find(|t| t.kind != TokenKind::Punct)
                .map_or("", |t| t.norm.as_str());
            let candidate = sent.tokens.len() <= 12
                || (sent.tokens.len() <= 60 && FURNITURE_OPENERS.contains(&first));
            candidate && BOILERPLATE.is_match(a.sentence_text(i).trim())
        })
        .collect()
}

/// First words of the longer furniture sentences the patterns know.
const FURNITURE_OPENERS: &[&str] = &[
    "by",
    "written",
    "posted",
    "author",
    "read",
    "click",
    "share",
    "subscribe",
    "sign",
    "follow",
    "like",
    "related",
    "advertisement",
    "image",
    "photo",
    "featured",
    "getty",
    "copyright",
    "all",
    "continue",
    "the",
    "this",
    "source",
    "h",
    "via",
];

/// Whether a sentence may open with a dateline (two capitals first), before trying the pattern.
fn dateline_end(s: &str) -> Option<usize> {
    let mut c = s.chars();
    let two_caps =
        c.next().is_some_and(char::is_uppercase) && c.next().is_some_and(char::is_uppercase);
    two_caps
        .then(|| DATELINE.find(s).map(|m| m.end()))
        .flatten()
}

const FIRST_PERSON: &[&str] = &["i", "me", "my", "mine", "we", "us", "our", "ours"];
const SECOND_PERSON: &[&str] = &["you", "your", "yours", "ya"];

/// The signals of an analysed article, in [`SIGNALS`] order (the first 14 are the techniques,
/// in `Technique::ALL` order), from the report's spans and the
/// article's tokens. Boilerplate sentences and a leading dateline are left out.
pub fn signals(report: &Report, a: &Analyzed<'_>, lex: &Lexicons, skip: &[bool]) -> Vec<Signal> {
    let kept = |start: usize| -> bool {
        let i = a.sentences.partition_point(|s| s.span.end <= start);
        i < a.sentences.len() && !skip[i]
    };
    // One span list per signal, in `SIGNALS` order.
    let mut spans: Vec<Vec<[usize; 2]>> = vec![Vec::new(); SIGNALS.len()];
    // Technique spans count by their confidence: a marginal span the tagger barely believes
    // should barely move the score.
    let mut weight = vec![0.0f64; SIGNALS.len()];
    for t in &report.techniques {
        if kept(t.start) {
            let k = slot(technique_signal(t.technique));
            spans[k].push([t.start, t.end]);
            weight[k] += t.confidence.unwrap_or(1.0);
        }
    }
    let facts = lex.token_facts(a);
    let (mut words, mut sentences, mut long_words) = (0usize, 0usize, Vec::new());
    let (mut vague, mut named, mut quotes) = (Vec::new(), Vec::new(), Vec::new());
    let mut unsupported = Vec::new();
    for (i, s) in report.sentences.iter().enumerate() {
        if skip.get(i).copied().unwrap_or(true) {
            continue;
        }
        sentences += 1;
        for c in &s.hedge_cues {
            let name = match c.kind {
                crate::detect::HedgeKind::Conditional => "conditional_framing",
                crate::detect::HedgeKind::Distancing => "distancing",
                crate::detect::HedgeKind::Lexical => "hedging",
                // The signal is defined over the lexicon cues the model was trained with.
                crate::detect::HedgeKind::Learned => continue,
            };
            spans[slot(name)].push([c.start, c.end]);
        }
        let at = &s.attribution;
        if let Some(sp) = at.span() {
            match at.kind {
                crate::detect::SourceKind::Vague => vague.push([sp.start, sp.end]),
                crate::detect::SourceKind::Named => named.push([sp.start, sp.end]),
                crate::detect::SourceKind::None => {}
            }
        }
        if at.quote {
            quotes.push([s.start, s.end]);
        }
        if at.kind == crate::detect::SourceKind::None
            && s.checkworthiness
                .is_some_and(|p| p >= super::sentence::CLAIM_THRESHOLD)
        {
            unsupported.push([s.start, s.end]);
        }
        let sent = &a.sentences[i];
        // Skip a dateline's capitals ("WASHINGTON (Reuters) —") at the start of the sentence.
        let dateline_end = dateline_end(a.sentence_text(i)).map_or(0, |end| sent.bytes.start + end);
        let n_words = sent
            .tokens
            .clone()
            .filter(|&k| a.tokens[k].kind == TokenKind::Word)
            .count();
        if n_words > 35 {
            long_words.push([s.start, s.end]);
        }
        for k in sent.tokens.clone() {
            let t = &a.tokens[k];
            let sp = [t.span.start, t.span.end];
            match t.kind {
                TokenKind::Word => {
                    words += 1;
                    let norm = t.norm.as_str();
                    let f = facts[k];
                    if f.strong {
                        spans[S_STRONG_SUBJECTIVE].push(sp);
                    }
                    if f.bias {
                        spans[S_BIAS_WORDS].push(sp);
                    }
                    if f.valence.abs() >= 2.0 {
                        spans[S_CHARGED_WORDS].push(sp);
                    }
                    let raw = &a.text[t.bytes.clone()];
                    if t.bytes.start >= dateline_end
                        && raw.chars().next().is_some_and(|c| !c.is_lowercase())
                        && raw.chars().all(|c| !c.is_lowercase())
                        && raw.chars().filter(|c| c.is_alphabetic()).count() >= 3
                    {
                        spans[S_ALL_CAPS].push(sp);
                    }
                    // "US" in capitals is the country, not the pronoun.
                    // Pronouns are short: skip the list lookups for longer words.
                    let short = norm.len() <= 5;
                    if short && FIRST_PERSON.contains(&norm) && raw != "US" {
                        spans[S_FIRST_PERSON].push(sp);
                    } else if short && SECOND_PERSON.contains(&norm) {
                        spans[S_SECOND_PERSON].push(sp);
                    }
                }
                TokenKind::Punct if t.norm.contains('!') => {
                    spans[S_EXCLAMATIONS].push(sp);
                }
                TokenKind::Punct if t.norm.contains('?') => {
                    spans[S_QUESTIONS].push(sp);
                }
                _ => {}
            }
        }
    }
    spans[slot("vague_attribution")] = vague;
    spans[slot("named_attribution")] = named;
    spans[slot("direct_quotes")] = quotes;
    spans[slot("long_sentences")] = long_words;
    spans[slot("unsupported_claims")] = unsupported;

    let per_100_words = 100.0 / words.max(1) as f64;
    let per_sentence = 1.0 / sentences.max(1) as f64;
    let title = report.title.as_deref().unwrap_or("");
    let title_words: Vec<&str> = title.split_whitespace().collect();
    let title_caps = title_words
        .iter()
        .filter(|w| {
            w.chars().filter(|c| c.is_alphabetic()).count() >= 3
                && w.chars().all(|c| !c.is_lowercase())
        })
        .count();
    SIGNALS
        .iter()
        .zip(spans)
        .enumerate()
        .map(|(k, ((name, _), sp))| {
            let rate = match unit(name) {
                RateUnit::PerSentence => sp.len() as f64 * per_sentence,
                RateUnit::Headline if *name == "headline_caps" => title_caps as f64,
                RateUnit::Headline => f64::from(u8::from(title.contains(['!', '?']))),
                RateUnit::Per100Words if k < Technique::ALL.len() => weight[k] * per_100_words,
                RateUnit::Per100Words => sp.len() as f64 * per_100_words,
                RateUnit::Score | RateUnit::Listing => 0.0,
            };
            Signal {
                name,
                rate,
                x: rate.ln_1p(),
                spans: sp,
            }
        })
        .collect()
}

/// Training facts stored with the model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReliabilityTrainInfo {
    pub data_sha256: String,
    pub articles: usize,
    pub unreliable: usize,
    pub include_fakes: bool,
    pub l2: f64,
    pub folds: usize,
}

/// The shipped reliability model: standardised logistic regression plus Platt scaling.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReliabilityModel {
    pub name: String,
    pub version: String,
    pub feature_set: u32,
    /// Signal names in input order (checked against [`SIGNALS`] when loading).
    pub features: Vec<String>,
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
    pub weights: Vec<f64>,
    pub bias: f64,
    /// `p = sigmoid(a · logit + b)`, fitted on out-of-fold logits.
    pub platt: (f64, f64),
    /// The word-profile model whose logit is the last input (`word_profile`), when trained.
    pub words: Option<super::linear::Linear>,
    /// Log-odds shifts by site-list category (see [`super::sources`]), applied only when the
    /// record's site is listed and the prior is on.
    pub source_prior: Option<super::sources::SourcePrior>,
    pub train: ReliabilityTrainInfo,
    pub metrics: BTreeMap<String, f64>,
}

/// One scored article: the calibrated probability and each signal's log-odds contribution
/// (relative to an average training article).
#[derive(Debug, Clone)]
pub struct Scored {
    pub p_unreliable: f64,
    pub contributions: Vec<f64>,
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl ReliabilityModel {
    /// Checks that the model reads the signals this build computes.
    pub fn check(&self) -> Result<()> {
        let mut ours: Vec<&str> = SIGNALS.iter().map(|(n, _)| *n).collect();
        if self.words.is_some() {
            ours.push(WORD_PROFILE);
        }
        if self.feature_set != FEATURE_SET
            || self
                .features
                .iter()
                .map(String::as_str)
                .ne(ours.iter().copied())
            || [self.mean.len(), self.std.len(), self.weights.len()] != [ours.len(); 3]
        {
            return Err(Error::Model(format!(
                "reliability model uses feature set {} with {} signals; this build computes feature set {FEATURE_SET} with {} signals: retrain it",
                self.feature_set,
                self.features.len(),
                ours.len()
            )));
        }
        if let Some(w) = &self.words {
            w.check(WORD_BITS, 1, "word-profile")?;
        }
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        if !finite(&self.mean) || !finite(&self.std) || !finite(&self.weights) {
            return Err(Error::Model(
                "corrupted reliability model: a weight or scale is not a finite number".into(),
            ));
        }
        Ok(())
    }

    pub fn score(&self, signals: &[Signal]) -> Scored {
        let x: Vec<f64> = signals.iter().map(|s| s.x).collect();
        let (a, b) = self.platt;
        let terms = standardised_terms(&x, &self.mean, &self.std, &self.weights);
        let logit = self.bias + terms.iter().sum::<f64>();
        Scored {
            p_unreliable: sigmoid(a * logit + b),
            contributions: terms.iter().map(|t| a * t).collect(),
        }
    }
}

/// A fitted standardised logistic regression.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
    pub weights: Vec<f64>,
    pub bias: f64,
}

impl Fitted {
    pub fn logit(&self, x: &[f64]) -> f64 {
        self.bias
            + standardised_terms(x, &self.mean, &self.std, &self.weights)
                .iter()
                .sum::<f64>()
    }
}

/// Each input's term of the logit, `w · (x − mean) / std`: its contribution relative to an
/// average training article.
fn standardised_terms(x: &[f64], mean: &[f64], std: &[f64], weights: &[f64]) -> Vec<f64> {
    x.iter()
        .zip(mean)
        .zip(std)
        .zip(weights)
        .map(|(((x, m), s), w)| w * (x - m) / s)
        .collect()
}

/// Standardisation, then L2-regularised logistic regression by Newton's method: ~30 dense
/// features and a few thousand articles, so the exact optimum is cheap and deterministic.
pub fn fit(x: &[Vec<f64>], y: &[bool], l2: f64) -> Fitted {
    let d = x.first().map_or(0, Vec::len);
    let n = x.len().max(1) as f64;
    let mean: Vec<f64> = (0..d)
        .map(|j| x.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    let std: Vec<f64> = (0..d)
        .map(|j| {
            let v = x.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n;
            if v > 1e-12 { v.sqrt() } else { 1.0 }
        })
        .collect();
    let z: Vec<Vec<f64>> = x
        .iter()
        .map(|r| {
            let mut v: Vec<f64> = (0..d).map(|j| (r[j] - mean[j]) / std[j]).collect();
            v.push(1.0);
            v
        })
        .collect();
    let mut w = vec![0.0; d + 1];
    for _ in 0..25 {
        let mut g = vec![0.0; d + 1];
        let mut h = vec![vec![0.0; d + 1]; d + 1];
        for (zi, yi) in z.iter().zip(y) {
            let p = sigmoid(zi.iter().zip(&w).map(|(a, b)| a * b).sum());
            let r = p - f64::from(u8::from(*yi));
            let s = (p * (1.0 - p)).max(1e-9);
            for j in 0..=d {
                g[j] += r * zi[j];
                for k in j..=d {
                    h[j][k] += s * zi[j] * zi[k];
                }
            }
        }
        for j in 0..=d {
            let upper: Vec<f64> = (0..j).map(|k| h[k][j]).collect();
            h[j][..j].copy_from_slice(&upper);
            if j < d {
                g[j] += l2 * w[j];
                h[j][j] += l2;
            } else {
                h[j][j] += 1e-6;
            }
        }
        let step = solve(h, g);
        let mut moved = 0.0f64;
        for (wj, sj) in w.iter_mut().zip(&step) {
            *wj -= sj;
            moved = moved.max(sj.abs());
        }
        if moved < 1e-8 {
            break;
        }
    }
    let bias = w.pop().unwrap_or(0.0);
    Fitted {
        mean,
        std,
        weights: w,
        bias,
    }
}

/// Solves `a · x = b` by Gaussian elimination with partial pivoting (`a` is small and positive
/// definite here).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n)
            .max_by(|i, j| a[*i][c].abs().total_cmp(&a[*j][c].abs()))
            .unwrap_or(c);
        a.swap(c, p);
        b.swap(c, p);
        let d = if a[c][c].abs() < 1e-12 {
            1e-12
        } else {
            a[c][c]
        };
        for r in c + 1..n {
            let f = a[r][c] / d;
            if f != 0.0 {
                let pivot = a[c].clone();
                for (x, p) in a[r][c..].iter_mut().zip(&pivot[c..]) {
                    *x -= f * p;
                }
                b[r] -= f * b[c];
            }
        }
    }
    let mut x = vec![0.0; n];
    for c in (0..n).rev() {
        let s: f64 = (c + 1..n).map(|k| a[c][k] * x[k]).sum();
        let d = if a[c][c].abs() < 1e-12 {
            1e-12
        } else {
            a[c][c]
        };
        x[c] = (b[c] - s) / d;
    }
    x
}

/// One training article.
#[derive(Debug, Clone)]
pub struct Example {
    pub x: Vec<f64>,
    /// Hashed words and bigrams (see [`word_features`]).
    pub words: Vec<u32>,
    pub y: bool,
    /// The group of grouped folds (corpus and site).
    pub group: String,
}

/// Fits a calibrated model: logits out of `folds` grouped folds fit the Platt scaling, then the
/// weights are refit on everything. Returns the model pieces and the out-of-fold logits.
pub fn fit_calibrated(
    examples: &[Example],
    l2: f64,
    folds: usize,
) -> (Fitted, (f64, f64), Vec<f64>) {
    let groups: Vec<String> = examples.iter().map(|e| e.group.clone()).collect();
    let fold_of = crate::eval::protocols::group_kfold(&groups, folds);
    let mut oof = vec![0.0; examples.len()];
    for f in 0..folds {
        let (x, y): (Vec<Vec<f64>>, Vec<bool>) = examples
            .iter()
            .zip(&fold_of)
            .filter(|(_, g)| **g != f)
            .map(|(e, _)| (e.x.clone(), e.y))
            .unzip();
        if x.is_empty() {
            continue;
        }
        let m = fit(&x, &y, l2);
        for (i, e) in examples.iter().enumerate() {
            if fold_of[i] == f {
                oof[i] = m.logit(&e.x);
            }
        }
    }
    let labels: Vec<bool> = examples.iter().map(|e| e.y).collect();
    let scores: Vec<f32> = oof.iter().map(|s| *s as f32).collect();
    let (a, b) = super::linear::platt(&scores, &labels);
    let (x, y): (Vec<Vec<f64>>, Vec<bool>) = examples.iter().map(|e| (e.x.clone(), e.y)).unzip();
    (fit(&x, &y, l2), (f64::from(a), f64::from(b)), oof)
}

/// Hash bits of the word-profile model.
pub const WORD_BITS: u8 = 18;

/// Words (lower-cased) and their bigrams outside boilerplate, hashed and unique. Bylines,
/// datelines and share tails are boilerplate and never reach the profile. Leaving out every
/// capitalised word (to keep names out) cost grouped-CV AUC (0.815 against 0.823 with the
/// same settings): sites are whole folds there, so the names that help are topics, not outlets.
pub fn word_features(a: &Analyzed<'_>, skip: &[bool]) -> Vec<u32> {
    word_tokens(a, skip).0
}

/// The word-profile features of an article, each once in order of first occurrence (a bitset,
/// cheaper than sorting), and the eligible tokens with their word hashes.
fn word_tokens(a: &Analyzed<'_>, skip: &[bool]) -> (Vec<u32>, Vec<(usize, u64)>) {
    let mask = (1u64 << WORD_BITS) - 1;
    let mut feats = Vec::new();
    let mut tokens = Vec::new();
    // Hashes the tagger already computed, when it ran (`linear::hash` of the norm either way).
    let known = a.token_facts.get();
    for (k, s) in a.sentences.iter().enumerate() {
        if skip[k] {
            continue;
        }
        let mut prev: Option<u64> = None;
        for i in s.tokens.clone() {
            let t = &a.tokens[i];
            if t.kind != TokenKind::Word {
                prev = None;
                continue;
            }
            let h = known.map_or_else(|| super::linear::hash(&t.norm), |f| f[i].hash);
            feats.push((h & mask) as u32);
            if let Some(p) = prev {
                feats.push((super::linear::combine(p, h) & mask) as u32);
            }
            prev = Some(h);
            tokens.push((i, h));
        }
    }
    // A per-thread bitset, cleared word by word afterwards: no 32 KB memset per article.
    thread_local! {
        static SEEN: std::cell::RefCell<Vec<u64>> =
            std::cell::RefCell::new(vec![0u64; 1 << (WORD_BITS - 6)]);
    }
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        feats.retain(|f| {
            let (w, b) = ((*f >> 6) as usize, 1u64 << (*f & 63));
            let new = seen[w] & b == 0;
            seen[w] |= b;
            new
        });
        for f in &feats {
            seen[(*f >> 6) as usize] = 0;
        }
    });
    (feats, tokens)
}

/// The word-profile model: logistic regression over [`word_features`].
pub fn train_words(data: &[(Vec<u32>, bool)]) -> super::linear::Linear {
    super::linear::train_binary_scaled(
        WORD_BITS,
        data,
        // Learning rate chosen on grouped-by-site CV fold-mean AUC of the whole method (with
        // 1/√n values: 0.75: 0.822, 1: 0.826, 1.5: 0.825, 2: 0.822, 3: 0.823, 4: 0.820),
        // never on leave-one-corpus-out.
        super::linear::TrainConfig {
            epochs: 5,
            learning_rate: 1.0,
            l2: 1e-5,
            seed: 13,
        },
        1.0,
        word_value,
    )
}

/// Each feature of an article is worth 1/√n (n distinct features), as in an L2-normalised
/// binary bag: without it long articles get large logits whatever they say, and grouped-CV
/// AUC was 0.794 instead of 0.826.
fn word_value(x: &[u32]) -> f32 {
    1.0 / (x.len().max(1) as f32).sqrt()
}

/// The word-profile logit of an article.
pub fn word_logit(m: &super::linear::Linear, words: &[u32]) -> f64 {
    let mut s = Vec::new();
    m.scores(words, &mut s);
    let b = m.bias[0];
    f64::from(b + (s[0] - b) * word_value(words))
}

/// Adds the word-profile logit as an extra input: out-of-fold (grouped) for the training
/// articles, from a model on all of them for the test articles, so the signal model learns
/// how far to trust words on articles the word model has not seen.
pub fn stack_words(
    train: &[Example],
    test: &[&Example],
    folds: usize,
) -> (Vec<Example>, Vec<Example>) {
    let groups: Vec<String> = train.iter().map(|e| e.group.clone()).collect();
    let fold_of = crate::eval::protocols::group_kfold(&groups, folds);
    let mut tr: Vec<Example> = train.to_vec();
    for f in 0..folds {
        let data: Vec<(Vec<u32>, bool)> = train
            .iter()
            .zip(&fold_of)
            .filter(|(_, g)| **g != f)
            .map(|(e, _)| (e.words.clone(), e.y))
            .collect();
        let m = train_words(&data);
        for (i, e) in tr.iter_mut().enumerate() {
            if fold_of[i] == f {
                let z = word_logit(&m, &e.words);
                e.x.push(z);
            }
        }
    }
    let all: Vec<(Vec<u32>, bool)> = train.iter().map(|e| (e.words.clone(), e.y)).collect();
    let m = train_words(&all);
    let te = test
        .iter()
        .map(|e| {
            let mut e = (*e).clone();
            let z = word_logit(&m, &e.words);
            e.x.push(z);
            e
        })
        .collect();
    (tr, te)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newton_fit_separates_a_clear_signal_and_ignores_noise() {
        // y depends on the first feature only.
        let x: Vec<Vec<f64>> = (0..200)
            .map(|i| vec![(i % 10) as f64, ((i * 7) % 13) as f64])
            .collect();
        let y: Vec<bool> = x.iter().map(|r| r[0] >= 5.0).collect();
        let m = fit(&x, &y, 1.0);
        assert!(m.weights[0] > 2.0, "weight of the signal {}", m.weights[0]);
        assert!(
            m.weights[1].abs() < 0.5,
            "weight of the noise {}",
            m.weights[1]
        );
        assert!(m.logit(&[9.0, 3.0]) > 0.0 && m.logit(&[0.0, 3.0]) < 0.0);
    }

    #[test]
    fn solve_matches_a_hand_solved_system() {
        let x = solve(vec![vec![4.0, 1.0], vec![1.0, 3.0]], vec![1.0, 2.0]);
        assert!((x[0] - 1.0 / 11.0).abs() < 1e-12 && (x[1] - 7.0 / 11.0).abs() < 1e-12);
    }

    #[test]
    fn signal_slots_match_the_table() {
        for (k, n) in [
            (S_STRONG_SUBJECTIVE, "strong_subjective"),
            (S_BIAS_WORDS, "bias_words"),
            (S_CHARGED_WORDS, "charged_words"),
            (S_EXCLAMATIONS, "exclamations"),
            (S_QUESTIONS, "questions"),
            (S_ALL_CAPS, "all_caps"),
            (S_FIRST_PERSON, "first_person"),
            (S_SECOND_PERSON, "second_person"),
        ] {
            assert_eq!(SIGNALS[k].0, n);
        }
    }

    #[test]
    fn boilerplate_patterns() {
        for s in [
            "By John Smith",
            "Read More Here",
            "Share this: Facebook Twitter",
            "Copyright 2016 TruthFeed. All rights reserved.",
            "Featured image via Getty Images",
            "Subscribe to our newsletter!",
            "The post Senator lies again appeared first on TruthFeed.",
            "Facebook Twitter Email",
        ] {
            assert!(BOILERPLATE.is_match(s), "should be boilerplate: {s}");
        }
        for s in [
            "By the time the vote came, the bill was dead.",
            "Share prices fell by 4 percent on Monday.",
            "The senator said the report was wrong.",
            "Read the report yourself, he told reporters, and decide.",
        ] {
            assert!(!BOILERPLATE.is_match(s), "should be content: {s}");
        }
    }
}
