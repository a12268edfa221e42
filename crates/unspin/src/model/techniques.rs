//! The persuasion-technique model: a token tagger that finds propaganda spans (SI) and a span
//! classifier that names the technique (TC), both linear over hashed features, trained by
//! `unspin train techniques` on the PTC training split.
//!
//! Features, chosen for what the techniques are made of: the words of and around a span, its
//! length (the strongest single cue: slogans are short, doubt and causal oversimplification are
//! clauses), the lexicons (subjectivity, bias, VADER valence, hedges, report verbs), whether the
//! same phrase recurs in the article (repetition), question and exclamation marks, quotes and
//! capitals, report verbs before the span (appeal to authority), and small keyword families of our
//! own per technique (nation words for flag-waving, "because" for causal oversimplification, …).

use super::linear::{self, Features, Hashing, Linear, TrainConfig, tpl};
use crate::data::ptc::PtcArticle;
use crate::detect::{Detector, Finding, ModelInfo, TechniqueFinding};
use crate::error::{Error, Result};
use crate::eval::ptc::{self as scorer, LabelSpan};
use crate::lexicon::Lexicons;
use crate::technique::Technique;
use crate::text::{Analyzed, TokenKind};
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

/// Bumped when feature extraction changes, so an old model is not read with new features.
pub const FEATURE_SET: u32 = 4;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FeatureSettings {
    pub feature_set: u32,
    pub si_bits: u8,
    pub tc_bits: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainInfo {
    /// SHA-256 over the training articles and label files.
    pub data_sha256: String,
    pub articles: usize,
    pub spans: usize,
    pub si_config: TrainConfig,
    pub tc_config: TrainConfig,
    pub folds: usize,
}

/// The stored model (see `model::format` for the container).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TechniqueModel {
    pub name: String,
    pub version: String,
    pub features: FeatureSettings,
    pub si: Linear,
    /// How token probabilities become spans, chosen by cross-validation on the training split.
    pub decode: Decode,
    /// Platt scaling of a span's mean token logit to P(the span overlaps a gold span).
    pub span_platt: (f32, f32),
    pub tc: Linear,
    pub tc_classes: Vec<Technique>,
    pub tc_temperature: f32,
    pub train: TrainInfo,
    /// Cross-validation (train) and dev scores measured when the model was trained.
    pub metrics: BTreeMap<String, f64>,
}

/// Hysteresis decoding: a span is a run of tokens with probability at least `extend` (bridging
/// gaps of up to `gap` tokens) that holds at least one token at `seed` or above.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Decode {
    pub seed: f32,
    pub extend: f32,
    pub gap: usize,
}

/// Lexicon facts about one word, memoised per document (stemming is the costly part).
#[derive(Debug, Clone, Copy, Default)]
struct WordInfo {
    strong: bool,
    bias: bool,
    valence: f32,
    hedge: bool,
    report: bool,
    /// Bit `k` set when the word is in keyword family `FAMILIES[k]`.
    family: u16,
    /// `linear::hash` of the word form.
    hash: u64,
    /// At least four characters: short words do not count as repetition.
    long: bool,
}

/// Per-document context shared by the token and span features.
struct DocContext {
    info: Vec<WordInfo>,
    /// Charged words per 100 words of the whole article, bucketed: a document-level prior.
    density: usize,
    /// Index of each token within its sentence, and whether it sits inside quotation marks.
    in_quote: Vec<bool>,
    /// Hash of each token's `norm`.
    word_hash: Vec<u64>,
    /// Content-word counts over the document (by word hash), for repetition.
    counts: HashMap<u64, u32>,
    charged: Vec<u32>,
    /// Hashes of the non-punctuation tokens in order.
    words: Vec<u64>,
    /// Occurrences in the article of the first words of each span to classify, by
    /// `ngram_hash`: filled by [`DocContext::count_repetitions`] in one pass over the article,
    /// so repetition costs linear time however many spans there are, and only the n-grams that
    /// are asked about are stored.
    repeats: HashMap<u64, u32>,
}

/// Longest n-gram counted for repetition; longer spans are matched by their first `REP_N` words.
const REP_N: usize = 4;

fn ngram_hash(words: &[u64]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in words {
        h ^= *w;
        h = h.wrapping_mul(0x0100_0000_01b3).rotate_left(17);
    }
    h ^ words.len() as u64
}

impl DocContext {
    /// The first `REP_N` word hashes of a token range (its repetition key).
    fn rep_key(&self, doc: &Analyzed<'_>, toks: Range<usize>) -> ([u64; REP_N], usize) {
        let mut key = [0u64; REP_N];
        let mut n = 0;
        for i in toks {
            if n == REP_N {
                break;
            }
            if doc.tokens[i].kind != TokenKind::Punct {
                key[n] = self.word_hash[i];
                n += 1;
            }
        }
        (key, n)
    }

    /// Counts, in one pass, how often each span's repetition key occurs in the article.
    fn count_repetitions(&mut self, doc: &Analyzed<'_>, spans: impl Iterator<Item = Range<usize>>) {
        self.repeats.clear();
        let mut lengths = [false; REP_N + 1];
        for toks in spans {
            let (key, n) = self.rep_key(doc, toks);
            if n > 0 {
                self.repeats.insert(ngram_hash(&key[..n]), 0);
                lengths[n] = true;
            }
        }
        for (n, _) in lengths.iter().enumerate().filter(|(_, on)| **on) {
            for w in self.words.windows(n) {
                if let Some(c) = self.repeats.get_mut(&ngram_hash(w)) {
                    *c += 1;
                }
            }
        }
    }
}

/// `linear::hash` of the sentence-boundary pseudo-words.
const H_SENT_START: u64 = linear::hash("<s>");
const H_SENT_END: u64 = linear::hash("</s>");

const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// A small count as a feature value, without allocating.
fn d(n: impl TryInto<usize>) -> &'static str {
    DIGITS[n.try_into().unwrap_or(9).min(9)]
}

fn bucket(n: usize, edges: &[usize]) -> usize {
    edges.iter().take_while(|e| n >= **e).count()
}

const FLAG: &[&str] = &[
    "nation",
    "national",
    "nations",
    "country",
    "patriot",
    "patriots",
    "patriotic",
    "america",
    "american",
    "americans",
    "homeland",
    "flag",
    "sovereignty",
    "sovereign",
    "our",
    "we",
    "us",
    "citizens",
    "freedom",
    "liberty",
    "greatness",
];
const FEAR: &[&str] = &[
    "threat",
    "threaten",
    "threatens",
    "danger",
    "dangerous",
    "destroy",
    "destruction",
    "fear",
    "terror",
    "invasion",
    "invade",
    "crisis",
    "catastrophe",
    "catastrophic",
    "disaster",
    "collapse",
    "risk",
    "deadly",
    "chaos",
    "warn",
];
const CAUSE: &[&str] = &[
    "because",
    "cause",
    "caused",
    "causes",
    "due",
    "therefore",
    "thus",
    "result",
    "responsible",
    "blame",
    "led",
    "leads",
    "reason",
    "since",
    "so",
];
const BLACK_WHITE: &[&str] = &[
    "either",
    "only",
    "choice",
    "no",
    "never",
    "always",
    "nothing",
    "everything",
    "must",
    "or",
];
const WHATABOUT: &[&str] = &[
    "what",
    "about",
    "hypocrisy",
    "hypocrite",
    "hypocritical",
    "double",
    "standard",
    "yet",
];
const HITLER: &[&str] = &[
    "hitler",
    "nazi",
    "nazis",
    "fascist",
    "fascism",
    "fascists",
    "communist",
    "communism",
    "stalin",
    "soviet",
    "gestapo",
    "kkk",
    "racist",
    "marxist",
];
const BANDWAGON: &[&str] = &[
    "everyone",
    "everybody",
    "majority",
    "millions",
    "most",
    "popular",
    "nobody",
    "all",
];
const DOUBT: &[&str] = &[
    "really",
    "so-called",
    "alleged",
    "allegedly",
    "supposedly",
    "questionable",
    "doubt",
    "claim",
    "claims",
    "whether",
    "truth",
    "credibility",
    "lie",
    "lies",
    "lied",
    "why",
    "how",
];
const EXAGGERATION: &[&str] = &[
    "never",
    "ever",
    "always",
    "every",
    "entire",
    "total",
    "totally",
    "completely",
    "absolutely",
    "massive",
    "huge",
    "biggest",
    "worst",
    "best",
    "greatest",
    "least",
    "hardly",
    "merely",
    "tiny",
    "enormous",
    "unprecedented",
];
const FAMILIES: &[(&str, &[&str])] = &[
    ("flag", FLAG),
    ("fear", FEAR),
    ("cause", CAUSE),
    ("bw", BLACK_WHITE),
    ("what", WHATABOUT),
    ("hitler", HITLER),
    ("band", BANDWAGON),
    ("doubt", DOUBT),
    ("exag", EXAGGERATION),
];

fn shape(s: &str) -> &'static str {
    let mut chars = s.chars();
    let first = chars.next();
    match first {
        Some(c) if c.is_numeric() => "d",
        Some(c) if c.is_uppercase() => {
            if s.chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase)
                && s.chars().count() > 1
            {
                "XX"
            } else {
                "Xx"
            }
        }
        Some(c) if c.is_alphabetic() => "x",
        _ => "p",
    }
}

/// Feature extraction shared by training and prediction.
pub struct Featurizer {
    lex: Arc<Lexicons>,
    families: HashMap<&'static str, u16>,
    settings: FeatureSettings,
}

impl Featurizer {
    pub fn new(lex: Arc<Lexicons>, settings: FeatureSettings) -> Featurizer {
        Featurizer {
            lex,
            families: {
                let mut m: HashMap<&'static str, u16> = HashMap::default();
                for (k, (_, list)) in FAMILIES.iter().enumerate() {
                    for w in *list {
                        *m.entry(w).or_default() |= 1 << k;
                    }
                }
                m
            },
            settings,
        }
    }

    /// Lexicon facts and hash of one word form, through a per-thread cache: news vocabulary
    /// repeats across articles, and stemming plus five table lookups per word dominated.
    /// The facts depend only on the embedded lexicons, so one cache serves every featurizer.
    fn word_info(&self, norm: &str) -> WordInfo {
        thread_local! {
            static CACHE: RefCell<HashMap<Box<str>, WordInfo>> = RefCell::new(HashMap::default());
        }
        CACHE.with(|c| {
            if let Some(v) = c.borrow().get(norm) {
                return *v;
            }
            let (strong, bias) = self.lex.subjectivity(norm);
            let v = WordInfo {
                strong,
                bias,
                valence: self.lex.valence(norm).unwrap_or(0.0),
                hedge: self.lex.is_hedge_word(norm),
                report: self.lex.is_report_verb(norm),
                family: self.families.get(norm).copied().unwrap_or(0),
                hash: linear::hash(norm),
                long: norm.chars().count() >= 4,
            };
            let mut c = c.borrow_mut();
            if c.len() > 200_000 {
                c.clear();
            }
            c.insert(norm.into(), v);
            v
        })
    }

    fn context(&self, doc: &Analyzed<'_>) -> DocContext {
        let n = doc.tokens.len();
        let mut info = Vec::with_capacity(n);
        let mut word_hash = Vec::with_capacity(n);
        let mut words = Vec::with_capacity(n);
        let mut counts: HashMap<u64, u32> = HashMap::default();
        counts.reserve(n / 2);
        for t in &doc.tokens {
            let wi = self.word_info(&t.norm);
            word_hash.push(wi.hash);
            if t.kind != TokenKind::Punct {
                words.push(wi.hash);
            }
            if t.kind != TokenKind::Word {
                info.push(WordInfo::default());
                continue;
            }
            info.push(wi);
            if wi.long {
                *counts.entry(wi.hash).or_default() += 1;
            }
        }
        // The reliability signals need the same facts: publish them rather than look up again.
        doc.token_facts.get_or_init(|| {
            doc.tokens
                .iter()
                .zip(&info)
                .zip(&word_hash)
                .map(|((t, w), h)| crate::lexicon::TokenFacts {
                    hash: *h,
                    strong: w.strong,
                    bias: w.bias,
                    valence: if t.kind == TokenKind::Word {
                        w.valence
                    } else {
                        0.0
                    },
                })
                .collect()
        });
        let mut in_quote = vec![false; n];
        let mut charged = Vec::with_capacity(doc.sentences.len());
        for s in &doc.sentences {
            let mut open = false;
            let mut c = 0;
            for i in s.tokens.clone() {
                let n = doc.tokens[i].norm.as_str();
                if matches!(n, "\"" | "“" | "”") {
                    open = n == "“" || (n == "\"" && !open);
                }
                in_quote[i] = open;
                let w = info[i];
                if w.strong || w.valence.abs() >= 2.0 {
                    c += 1;
                }
            }
            charged.push(c);
        }
        // The article's density leaves out publisher furniture (bylines, share tails), so
        // the same article reads the same on any site.
        let furniture = super::reliability::boilerplate_sentences(doc);
        let (mut nwords, mut total) = (0usize, 0u32);
        for (k, s) in doc.sentences.iter().enumerate() {
            if !furniture[k] {
                nwords += doc.tokens[s.tokens.clone()]
                    .iter()
                    .filter(|t| t.kind == TokenKind::Word)
                    .count();
                total += charged[k];
            }
        }
        let density = bucket((100 * total as usize) / nwords.max(1), &[2, 4, 6, 9, 13]);
        DocContext {
            info,
            density,
            in_quote,
            word_hash,
            counts,
            charged,
            words,
            repeats: HashMap::default(),
        }
    }

    fn token_features(&self, doc: &Analyzed<'_>, ctx: &DocContext, i: usize, f: &mut Features) {
        let t = &doc.tokens[i];
        let sent = &doc.sentences[t.sentence];
        let (first, last) = (sent.tokens.start, sent.tokens.end);
        let word = |j: isize| -> (&str, u64) {
            if j < first as isize {
                ("<s>", H_SENT_START)
            } else if j >= last as isize {
                ("</s>", H_SENT_END)
            } else {
                (
                    doc.tokens[j as usize].norm.as_str(),
                    ctx.word_hash[j as usize],
                )
            }
        };
        let ii = i as isize;
        let (w0, wm1, wp1) = (word(ii), word(ii - 1), word(ii + 1));
        f.flag(tpl!("bias"));
        f.add_h(tpl!("w="), w0.0, w0.1);
        f.add_h(tpl!("w-1="), wm1.0, wm1.1);
        f.add_h(tpl!("w+1="), wp1.0, wp1.1);
        let (wm2, wp2) = (word(ii - 2), word(ii + 2));
        f.add_h(tpl!("w-2="), wm2.0, wm2.1);
        f.add_h(tpl!("w+2="), wp2.0, wp2.1);
        f.add_pair_h(tpl!("b-="), wm1, w0);
        f.add_pair_h(tpl!("b+="), w0, wp1);
        let sh = shape(&doc.text[t.bytes.clone()]);
        f.add(tpl!("sh="), sh);
        if t.norm.len() >= 5 {
            // The last three characters, last first, on the stack.
            let mut buf = [0u8; 12];
            let mut len = 0;
            for c in t.norm.chars().rev().take(3) {
                len += c.encode_utf8(&mut buf[len..]).len();
            }
            let suf = std::str::from_utf8(&buf[..len]).unwrap_or_default();
            f.add(tpl!("suf="), suf);
        }
        let w = ctx.info[i];
        if w.strong {
            f.flag(tpl!("strong"));
        }
        if w.bias {
            f.flag(tpl!("biaslex"));
        }
        if w.valence.abs() >= 2.0 {
            f.flag(if w.valence > 0.0 {
                tpl!("v2+")
            } else {
                tpl!("v2-")
            });
        } else if w.valence.abs() >= 1.0 {
            f.flag(if w.valence > 0.0 {
                tpl!("v1+")
            } else {
                tpl!("v1-")
            });
        }
        if w.hedge {
            f.flag(tpl!("hedge"));
        }
        if w.report {
            f.flag(tpl!("report"));
        }
        for (d, name) in [
            (-1isize, tpl!("strong-1")),
            (1, tpl!("strong+1")),
            (-2, tpl!("strong-2")),
            (2, tpl!("strong+2")),
        ] {
            let j = ii + d;
            if j >= first as isize && j < last as isize && ctx.info[j as usize].strong {
                f.flag(name);
            }
        }
        // A charged word within four tokens either side pulls its neighbours into the span.
        let near = ((ii - 4).max(first as isize)..(ii + 5).min(last as isize))
            .filter(|j| *j != ii)
            .map(|j| ctx.info[j as usize])
            .filter(|w| w.strong || w.valence.abs() >= 2.0)
            .count();
        f.add(tpl!("near="), d(near.min(3)));
        let n = last - first;
        let slen = bucket(n, &[6, 11, 21, 41]);
        let pos = (i - first) * 3 / n.max(1);
        f.add(tpl!("spos="), d(pos));
        f.add_pair(tpl!("spos_len="), DIGITS[pos.min(9)], DIGITS[slen.min(9)]);
        if ctx.in_quote[i] {
            f.flag(tpl!("inq"));
        }
        if w.long && ctx.counts.get(&ctx.word_hash[i]).copied().unwrap_or(0) >= 3 {
            f.flag(tpl!("rep"));
        }
        if sh == "XX" && t.norm.chars().count() >= 3 {
            f.flag(tpl!("caps"));
        }
    }

    /// Features of a whole sentence, shared by all its tokens: a sentence-level prior learned
    /// jointly with the token features (computed once per sentence at prediction time).
    fn sentence_features(&self, doc: &Analyzed<'_>, ctx: &DocContext, s: usize, f: &mut Features) {
        let sent = &doc.sentences[s];
        let n = sent.tokens.len();
        f.add(tpl!("slen="), d(bucket(n, &[6, 11, 21, 41])));
        let stext = doc.sentence_text(s);
        if stext.contains('!') {
            f.flag(tpl!("s!"));
        }
        if stext.contains('?') {
            f.flag(tpl!("s?"));
        }
        if stext.contains(['"', '“', '”']) {
            f.flag(tpl!("s\""));
        }
        f.add(tpl!("scharged="), d(ctx.charged[s].min(3)));
        f.add(tpl!("ddens="), d(ctx.density));
        f.add_pair(
            tpl!("ddens_sch="),
            d(ctx.density),
            d(ctx.charged[s].min(3) as usize),
        );
        if s == 0 {
            f.flag(tpl!("title"));
        }
        for i in sent.tokens.clone() {
            let t = &doc.tokens[i];
            if t.kind == TokenKind::Word && t.norm.chars().count() >= 3 {
                f.add_h(tpl!("sw="), &t.norm, ctx.word_hash[i]);
            }
        }
    }

    fn span_features(
        &self,
        doc: &Analyzed<'_>,
        ctx: &DocContext,
        toks: Range<usize>,
        f: &mut Features,
    ) {
        f.flag(tpl!("bias"));
        if toks.is_empty() {
            return;
        }
        let words: Vec<usize> = toks
            .clone()
            .filter(|i| doc.tokens[*i].kind != TokenKind::Punct)
            .collect();
        let n = toks.len();
        f.add(tpl!("len="), d(bucket(n, &[2, 3, 4, 6, 9, 13, 21, 36])));
        for &i in words.iter().take(40) {
            let w = &doc.tokens[i].norm;
            f.add_h(tpl!("u="), w, ctx.word_hash[i]);
            if w.chars().count() >= 6 {
                let cut = w.char_indices().rev().nth(3).map_or(0, |(k, _)| k);
                f.add(tpl!("s4="), &w[cut..]);
            }
        }
        let wh = |i: usize| (doc.tokens[i].norm.as_str(), ctx.word_hash[i]);
        for w in words.windows(2).take(30) {
            f.add_pair_h(tpl!("bg="), wh(w[0]), wh(w[1]));
        }
        let (first_w, last_w) = (wh(toks.start), wh(toks.end - 1));
        f.add_h(tpl!("first="), first_w.0, first_w.1);
        f.add_pair(
            tpl!("len_first="),
            d(bucket(n, &[2, 4, 9, 21])),
            &doc.tokens[toks.start].norm,
        );
        f.add_h(tpl!("last="), last_w.0, last_w.1);
        let norm_at = |j: isize| -> &str {
            if j < 0 || j >= doc.tokens.len() as isize {
                "<d>"
            } else {
                doc.tokens[j as usize].norm.as_str()
            }
        };
        let (a, b) = (toks.start as isize, toks.end as isize);
        f.add(tpl!("c-1="), norm_at(a - 1));
        f.add(tpl!("c-2="), norm_at(a - 2));
        f.add(tpl!("c+1="), norm_at(b));
        f.add(tpl!("c+2="), norm_at(b + 1));
        let (mut strong, mut biasn, mut maxv, mut sumv) = (0usize, 0usize, 0f32, 0f32);
        let mut fam = [0usize; FAMILIES.len()];
        for &i in &words {
            let w = ctx.info[i];
            strong += usize::from(w.strong);
            biasn += usize::from(w.bias);
            maxv = maxv.max(w.valence.abs());
            sumv += w.valence;
            if w.report {
                f.flag(tpl!("report_in"));
            }
            for (k, n) in fam.iter_mut().enumerate() {
                *n += usize::from(w.family >> k & 1 == 1);
            }
        }
        f.add(tpl!("nstrong="), d(strong.min(3)));
        f.add(tpl!("nbias="), d(biasn.min(3)));
        f.add(tpl!("maxv="), d((maxv as usize).min(3)));
        if sumv < -1.0 {
            f.flag(tpl!("neg"));
        } else if sumv > 1.0 {
            f.flag(tpl!("pos"));
        }
        for ((name, _), count) in FAMILIES.iter().zip(fam) {
            if count > 0 {
                f.add(tpl!("kw:"), name);
            }
            if count > 1 {
                f.add(tpl!("kw2:"), name);
            }
        }
        let first = &doc.tokens[toks.start];
        let last = &doc.tokens[toks.end - 1];
        let sent = &doc.sentences[first.sentence];
        if first.sentence != last.sentence {
            f.flag(tpl!("multi"));
        } else if n * 10 >= sent.tokens.len() * 9 {
            f.flag(tpl!("whole"));
        }
        let text = &doc.text[first.bytes.start..last.bytes.end];
        if text.contains('?') {
            f.flag(tpl!("q"));
        }
        if text.contains('!') {
            f.flag(tpl!("!"));
        }
        if text
            .split_whitespace()
            .any(|w| w.chars().count() >= 3 && shape(w) == "XX")
        {
            f.flag(tpl!("caps"));
        }
        let before = doc.text[..first.bytes.start].chars().next_back();
        if matches!(before, Some('"' | '“' | '\'' | '‘')) || text.starts_with(['"', '“']) {
            f.flag(tpl!("quoted"));
        }
        for j in (a - 6).max(0)..a {
            let t = &doc.tokens[j as usize];
            if ctx.info[j as usize].report || t.norm == "according" {
                f.flag(tpl!("auth"));
            }
        }
        let (key, nk) = ctx.rep_key(doc, toks.clone());
        if nk > 0 {
            let reps = ctx.repeats.get(&ngram_hash(&key[..nk])).copied();
            debug_assert!(
                reps.is_some(),
                "count_repetitions was not called for this span"
            );
            f.add(tpl!("rep="), d(reps.unwrap_or(0).min(3)));
        }
        if n <= 6 && (text.contains('!') || text.split_whitespace().all(|w| shape(w) != "x")) {
            f.flag(tpl!("sloganish"));
        }
        f.add(tpl!("scharged="), d(ctx.charged[first.sentence].min(3)));
    }
}

/// Tokens overlapping a code-point span, as a token range.
fn token_range(doc: &Analyzed<'_>, start: usize, end: usize) -> Range<usize> {
    let a = doc.tokens.partition_point(|t| t.span.end <= start);
    let b = doc.tokens.partition_point(|t| t.span.start < end);
    a..b.max(a)
}

/// A loaded model, ready to tag.
pub struct TechniqueTagger {
    model: TechniqueModel,
    feat: Featurizer,
}

/// A predicted span before it becomes a report finding.
#[derive(Debug, Clone)]
pub struct PredictedSpan {
    pub tokens: Range<usize>,
    pub bytes: Range<usize>,
    /// Mean token logit of the tagger.
    pub score: f32,
}

impl TechniqueTagger {
    pub fn new(model: TechniqueModel, lex: Arc<Lexicons>) -> Result<TechniqueTagger> {
        if model.features.feature_set != FEATURE_SET {
            return Err(Error::Model(format!(
                "technique model uses feature set {} but this build extracts feature set {FEATURE_SET}; retrain it",
                model.features.feature_set
            )));
        }
        model
            .si
            .check(model.features.si_bits, 1, "technique span")?;
        model.tc.check(
            model.features.tc_bits,
            model.tc_classes.len(),
            "technique class",
        )?;
        if !model.tc_temperature.is_finite() || model.tc_temperature <= 0.0 {
            return Err(Error::Model(
                "corrupted technique model: bad temperature".into(),
            ));
        }
        let feat = Featurizer::new(lex, model.features.clone());
        Ok(TechniqueTagger { model, feat })
    }

    pub fn model(&self) -> &TechniqueModel {
        &self.model
    }

    /// Token logits of the span tagger: token features plus the sentence's shared part.
    fn token_logits(&self, doc: &Analyzed<'_>, ctx: &DocContext) -> Vec<f32> {
        let mut f = Features::new(self.feat.settings.si_bits, false);
        let mut out = Vec::with_capacity(doc.tokens.len());
        let mut s = Vec::new();
        for (si, sent) in doc.sentences.iter().enumerate() {
            f.clear();
            self.feat.sentence_features(doc, ctx, si, &mut f);
            let shared: f32 = f.idx.iter().map(|i| self.model.si.weight(*i, 0)).sum();
            for i in sent.tokens.clone() {
                f.clear();
                self.feat.token_features(doc, ctx, i, &mut f);
                self.model.si.scores(&f.idx, &mut s);
                out.push(s[0] + shared);
            }
        }
        out
    }

    /// Spans by hysteresis decoding (see [`Decode`]), trimmed of punctuation at the edges.
    fn spans(&self, doc: &Analyzed<'_>, logits: &[f32], d: Decode) -> Vec<PredictedSpan> {
        let logit = |p: f32| (p / (1.0 - p)).ln();
        let (seed, extend) = (logit(d.seed), logit(d.extend.min(d.seed)));
        let mut out = Vec::new();
        let flush = |r: (usize, usize, f32), out: &mut Vec<PredictedSpan>| {
            let (mut a, mut b, top) = r;
            if top < seed {
                return;
            }
            while a < b
                && doc.tokens[a].kind == TokenKind::Punct
                && !matches!(doc.tokens[a].norm.as_str(), "\"" | "“")
            {
                a += 1;
            }
            while b > a
                && doc.tokens[b - 1].kind == TokenKind::Punct
                && !matches!(doc.tokens[b - 1].norm.as_str(), "\"" | "”" | "!" | "?")
            {
                b -= 1;
            }
            if a < b && (a..b).any(|i| doc.tokens[i].kind != TokenKind::Punct) {
                let score = logits[a..b].iter().sum::<f32>() / (b - a) as f32;
                out.push(PredictedSpan {
                    tokens: a..b,
                    bytes: doc.tokens[a].bytes.start..doc.tokens[b - 1].bytes.end,
                    score,
                });
            }
        };
        for s in &doc.sentences {
            let mut run: Option<(usize, usize, f32)> = None;
            for i in s.tokens.clone() {
                if logits[i] >= extend {
                    run = Some(match run {
                        Some((a, b, top)) if i - b <= d.gap => (a, i + 1, top.max(logits[i])),
                        Some(r) => {
                            flush(r, &mut out);
                            (i, i + 1, logits[i])
                        }
                        None => (i, i + 1, logits[i]),
                    });
                }
            }
            if let Some(r) = run {
                flush(r, &mut out);
            }
        }
        out
    }

    /// Calibrated technique probabilities for a token range, and the features that fired.
    fn classify(
        &self,
        doc: &Analyzed<'_>,
        ctx: &DocContext,
        toks: Range<usize>,
        names: bool,
    ) -> (Vec<f32>, Features) {
        let mut f = Features::with_hashing(self.feat.settings.tc_bits, names, Hashing::Concat);
        self.feat.span_features(doc, ctx, toks, &mut f);
        let mut s = Vec::new();
        self.model.tc.scores(&f.idx, &mut s);
        linear::softmax(&mut s, self.model.tc_temperature);
        (s, f)
    }

    /// The technique of gold spans (for the TC task), by code-point offsets.
    pub fn classify_spans(&self, doc: &Analyzed<'_>, spans: &[(usize, usize)]) -> Vec<Technique> {
        let mut ctx = self.feat.context(doc);
        ctx.count_repetitions(doc, spans.iter().map(|(s, e)| token_range(doc, *s, *e)));
        spans
            .iter()
            .map(|(s, e)| {
                let (p, _) = self.classify(doc, &ctx, token_range(doc, *s, *e), false);
                self.model.tc_classes[argmax(&p)]
            })
            .collect()
    }

    /// The features with the largest positive weight toward `class`, by name.
    fn evidence(&self, f: &Features, class: usize) -> Vec<String> {
        let mut contrib: Vec<(f32, &str)> = f
            .idx
            .iter()
            .enumerate()
            .filter_map(|(k, i)| Some((self.model.tc.weight(*i, class), f.name(k)?)))
            .filter(|(w, n)| *w > 0.0 && *n != "bias")
            .collect();
        contrib.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        contrib.dedup_by(|a, b| a.1 == b.1);
        contrib
            .iter()
            .take(4)
            .map(|(w, n)| format!("{} ({w:+.2})", describe_feature(n)))
            .collect()
    }
}

fn argmax(p: &[f32]) -> usize {
    p.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
        .map_or(0, |x| x.0)
}

/// Feature names as a reader would say them.
fn describe_feature(name: &str) -> String {
    let (k, v) = name.split_once('=').unwrap_or((name, ""));
    match k {
        "u" => format!("word “{v}”"),
        "bg" => format!("phrase “{}”", v.replace('|', " ")),
        "first" => format!("starts with “{v}”"),
        "last" => format!("ends with “{v}”"),
        "c-1" | "c-2" => format!("preceded by “{v}”"),
        "c+1" | "c+2" => format!("followed by “{v}”"),
        "len" => "span length".to_string(),
        "nstrong" => format!("{v} strong-subjective words"),
        "nbias" => format!("{v} bias-lexicon words"),
        "maxv" => format!("sentiment intensity {v}"),
        "rep" => format!("phrase occurs {v}× in the article"),
        "scharged" => format!("{v} charged words in the sentence"),
        _ if name.starts_with("kw:") || name.starts_with("kw2:") => {
            format!("{} words", name.split(':').nth(1).unwrap_or(""))
        }
        "auth" => "after a report verb".to_string(),
        "q" => "question".to_string(),
        "!" => "exclamation".to_string(),
        "caps" => "capitals".to_string(),
        "quoted" => "in quotes".to_string(),
        "whole" => "whole sentence".to_string(),
        "sloganish" => "short, slogan-like".to_string(),
        _ => name.to_string(),
    }
}

impl Detector for TechniqueTagger {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: self.model.name.clone(),
            version: self.model.version.clone(),
            kind: "trained".into(),
        }
    }

    fn detect(&self, doc: &Analyzed<'_>, out: &mut Vec<Finding>) {
        if doc.tokens.is_empty() {
            return;
        }
        let mut ctx = self.feat.context(doc);
        let logits = self.token_logits(doc, &ctx);
        let (pa, pb) = self.model.span_platt;
        let spans = self.spans(doc, &logits, self.model.decode);
        ctx.count_repetitions(doc, spans.iter().map(|s| s.tokens.clone()));
        for sp in spans {
            let (p, f) = self.classify(doc, &ctx, sp.tokens.clone(), true);
            let c = argmax(&p);
            let p_span = linear::sigmoid(pa * sp.score + pb);
            let mut evidence = vec![format!("span score {:.2} (P propaganda span)", p_span)];
            evidence.extend(self.evidence(&f, c));
            out.push(Finding::Technique(TechniqueFinding {
                technique: self.model.tc_classes[c],
                bytes: sp.bytes.clone(),
                confidence: Some(f64::from(p_span * p[c])),
                evidence,
            }));
        }
    }
}

// Training

/// A text with labelled spans `(start, end, technique)`, in code points.
pub type ExtraText = (String, Vec<(usize, usize, Technique)>);

/// Training settings of `unspin train techniques`.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub seed: u64,
    pub folds: usize,
    pub si: TrainConfig,
    pub tc: TrainConfig,
    pub si_bits: u8,
    pub tc_bits: u8,
    /// Extra labelled spans for the technique classifier only (e.g. SemEval-2021 Task 6 texts):
    /// `(text, [(start, end, technique)])` in code points. Added to every training fold, never
    /// to the folds that are scored, so cross-validation still measures PTC.
    pub extra_tc: Vec<ExtraText>,
}

impl Default for TrainOptions {
    fn default() -> TrainOptions {
        TrainOptions {
            seed: 13,
            folds: 3,
            si: TrainConfig {
                epochs: 12,
                learning_rate: 0.05,
                l2: 1e-6,
                seed: 13,
            },
            tc: TrainConfig {
                epochs: 30,
                learning_rate: 0.05,
                l2: 1e-6,
                seed: 13,
            },
            si_bits: 18,
            tc_bits: 17,
            extra_tc: Vec::new(),
        }
    }
}

struct Prepared<'a> {
    id: &'a str,
    doc: Analyzed<'a>,
    ctx: DocContext,
}

fn si_examples(
    feat: &Featurizer,
    p: &Prepared<'_>,
    gold: &[&LabelSpan],
    bits: u8,
) -> Vec<(Vec<u32>, bool)> {
    let mut f = Features::new(bits, false);
    let mut out = Vec::with_capacity(p.doc.tokens.len());
    for (si, sent) in p.doc.sentences.iter().enumerate() {
        f.clear();
        feat.sentence_features(&p.doc, &p.ctx, si, &mut f);
        let shared = f.idx.clone();
        for i in sent.tokens.clone() {
            let t = &p.doc.tokens[i];
            f.clear();
            feat.token_features(&p.doc, &p.ctx, i, &mut f);
            let mut x = f.idx.clone();
            x.extend_from_slice(&shared);
            let y = gold
                .iter()
                .any(|g| g.start < t.span.end && t.span.start < g.end);
            out.push((x, y));
        }
    }
    out
}

fn tc_examples(
    feat: &Featurizer,
    p: &mut Prepared<'_>,
    gold: &[&LabelSpan],
    classes: &[Technique],
    bits: u8,
) -> Vec<(Vec<u32>, usize)> {
    let mut f = Features::with_hashing(bits, false, Hashing::Concat);
    p.ctx.count_repetitions(
        &p.doc,
        gold.iter().map(|g| token_range(&p.doc, g.start, g.end)),
    );
    gold.iter()
        .filter_map(|g| {
            let t: Technique = g.technique.as_deref()?.parse().ok()?;
            let y = classes.iter().position(|c| *c == t)?;
            f.clear();
            feat.span_features(&p.doc, &p.ctx, token_range(&p.doc, g.start, g.end), &mut f);
            Some((f.idx.clone(), y))
        })
        .collect()
}

/// What training measured, for the `train` command to print.
#[derive(Debug, Clone, Serialize)]
pub struct TrainSummary {
    pub cv_si_f1: f64,
    pub cv_tc_micro_f1: f64,
    pub decode: Decode,
    pub tc_temperature: f32,
    pub span_platt: (f32, f32),
}

/// Trains both models on the given articles and labels, choosing the span threshold, gap and
/// calibration by `folds`-fold cross-validation over articles.
pub fn train(
    lex: Arc<Lexicons>,
    articles: &[PtcArticle],
    si_gold: &[LabelSpan],
    tc_gold: &[LabelSpan],
    data_sha256: String,
    opts: &TrainOptions,
) -> Result<(TechniqueModel, TrainSummary)> {
    let settings = FeatureSettings {
        feature_set: FEATURE_SET,
        si_bits: opts.si_bits,
        tc_bits: opts.tc_bits,
    };
    let feat = Featurizer::new(lex.clone(), settings.clone());
    let classes: Vec<Technique> = Technique::ALL.to_vec();
    let mut prepared: Vec<Prepared<'_>> = articles
        .iter()
        .map(|a| {
            let doc = Analyzed::new(&a.text);
            let ctx = feat.context(&doc);
            Prepared {
                id: &a.id,
                doc,
                ctx,
            }
        })
        .collect();
    let si_merged = scorer::merge_overlapping(si_gold);
    let si_by = scorer::by_article(&si_merged);
    let tc_by = scorer::by_article(tc_gold);
    let none = Vec::new();
    let si_ex: Vec<Vec<(Vec<u32>, bool)>> = prepared
        .iter()
        .map(|p| si_examples(&feat, p, si_by.get(p.id).unwrap_or(&none), opts.si_bits))
        .collect();
    let tc_ex: Vec<Vec<(Vec<u32>, usize)>> = prepared
        .iter_mut()
        .map(|p| {
            tc_examples(
                &feat,
                p,
                tc_by.get(p.id).unwrap_or(&none),
                &classes,
                opts.tc_bits,
            )
        })
        .collect();
    let positives = si_ex.iter().flatten().filter(|e| e.1).count();
    let total = si_ex.iter().map(Vec::len).sum::<usize>();
    let weight_pos = ((total - positives) as f32 / positives.max(1) as f32).sqrt();

    let extra: Vec<(Vec<u32>, usize)> = opts
        .extra_tc
        .iter()
        .flat_map(|(text, spans)| {
            let doc = Analyzed::new(text);
            let mut ctx = feat.context(&doc);
            ctx.count_repetitions(
                &doc,
                spans.iter().map(|(a, b, _)| token_range(&doc, *a, *b)),
            );
            let mut f = Features::with_hashing(opts.tc_bits, false, Hashing::Concat);
            spans
                .iter()
                .filter_map(|(a, b, t)| {
                    let y = classes.iter().position(|c| c == t)?;
                    f.clear();
                    feat.span_features(&doc, &ctx, token_range(&doc, *a, *b), &mut f);
                    Some((f.idx.clone(), y))
                })
                .collect::<Vec<_>>()
        })
        .collect();

    // Out-of-fold predictions: token logits per article and TC logits per gold span.
    let k = opts.folds.max(2);
    let fold_of = |i: usize| i % k;
    let mut oof_logits: Vec<Vec<f32>> = vec![Vec::new(); prepared.len()];
    let mut oof_tc: Vec<(Vec<f32>, usize)> = Vec::new();
    for fold in 0..k {
        let si_train: Vec<(Vec<u32>, bool)> = (0..prepared.len())
            .filter(|i| fold_of(*i) != fold)
            .flat_map(|i| si_ex[i].clone())
            .collect();
        let mut tc_train: Vec<(Vec<u32>, usize)> = (0..prepared.len())
            .filter(|i| fold_of(*i) != fold)
            .flat_map(|i| tc_ex[i].clone())
            .collect();
        tc_train.extend(extra.iter().cloned());
        let si_m = linear::train_binary(opts.si_bits, &si_train, opts.si, weight_pos);
        let tc_m = linear::train_multiclass(opts.tc_bits, classes.len(), &tc_train, opts.tc);
        let mut s = Vec::new();
        for i in (0..prepared.len()).filter(|i| fold_of(*i) == fold) {
            oof_logits[i] = si_ex[i]
                .iter()
                .map(|(x, _)| {
                    si_m.scores(x, &mut s);
                    s[0]
                })
                .collect();
            for (x, y) in &tc_ex[i] {
                tc_m.scores(x, &mut s);
                oof_tc.push((s.clone(), *y));
            }
        }
    }

    // Threshold and gap by out-of-fold SI F1 (the official scorer, merged predictions).
    let tagger_stub = |si: Linear, tc: Linear| TechniqueModel {
        name: "techniques".into(),
        version: String::new(),
        features: settings.clone(),
        si,
        decode: Decode {
            seed: 0.5,
            extend: 0.5,
            gap: 0,
        },
        span_platt: (1.0, 0.0),
        tc,
        tc_classes: classes.clone(),
        tc_temperature: 1.0,
        train: TrainInfo {
            data_sha256: data_sha256.clone(),
            articles: articles.len(),
            spans: tc_gold.len(),
            si_config: opts.si,
            tc_config: opts.tc,
            folds: k,
        },
        metrics: BTreeMap::new(),
    };
    let empty = Linear {
        bits: 0,
        classes: 1,
        scale: 1.0,
        weights: vec![0],
        bias: vec![0.0],
    };
    let stub = TechniqueTagger {
        model: tagger_stub(empty.clone(), empty.clone()),
        feat: Featurizer::new(lex.clone(), settings.clone()),
    };
    let mut best = (
        Decode {
            seed: 0.5,
            extend: 0.5,
            gap: 0,
        },
        -1.0f64,
    );
    for gap in [0usize, 1, 2, 4, 6] {
        for seed_step in 3..=16 {
            let seed = seed_step as f32 * 0.05;
            for extend_step in 2..=seed_step {
                let d = Decode {
                    seed,
                    extend: extend_step as f32 * 0.05,
                    gap,
                };
                let mut pred = Vec::new();
                for (i, p) in prepared.iter().enumerate() {
                    for sp in stub.spans(&p.doc, &oof_logits[i], d) {
                        let s = p.doc.span(sp.bytes.clone());
                        pred.push(LabelSpan {
                            article: p.id.to_string(),
                            technique: None,
                            start: s.start,
                            end: s.end,
                        });
                    }
                }
                let f1 = scorer::score_si(&pred, si_gold, true)?.f1;
                if f1 > best.1 {
                    best = (d, f1);
                }
            }
        }
    }
    let (decode, cv_si_f1) = best;

    // Span calibration: P(overlaps gold) from the mean token logit, on out-of-fold spans.
    let (mut scores, mut labels) = (Vec::new(), Vec::new());
    for (i, p) in prepared.iter().enumerate() {
        let gold = si_by.get(p.id).unwrap_or(&none);
        for sp in stub.spans(&p.doc, &oof_logits[i], decode) {
            let s = p.doc.span(sp.bytes.clone());
            scores.push(sp.score);
            labels.push(gold.iter().any(|g| g.start < s.end && s.start < g.end));
        }
    }
    let span_platt = linear::platt(&scores, &labels);
    let (tc_logits, tc_labels): (Vec<Vec<f32>>, Vec<usize>) = oof_tc.iter().cloned().unzip();
    let tc_temperature = linear::fit_temperature(&tc_logits, &tc_labels);
    let correct = tc_logits
        .iter()
        .zip(&tc_labels)
        .filter(|(l, y)| argmax(l) == **y)
        .count();
    let cv_tc_micro_f1 = correct as f64 / tc_labels.len().max(1) as f64;

    // Final models on all training articles.
    let si_all: Vec<(Vec<u32>, bool)> = si_ex.into_iter().flatten().collect();
    let mut tc_all: Vec<(Vec<u32>, usize)> = tc_ex.into_iter().flatten().collect();
    tc_all.extend(extra);
    let si = linear::train_binary(opts.si_bits, &si_all, opts.si, weight_pos);
    let tc = linear::train_multiclass(opts.tc_bits, classes.len(), &tc_all, opts.tc);
    let mut model = tagger_stub(si, tc);
    model.version = "1".into();
    model.decode = decode;
    model.span_platt = span_platt;
    model.tc_temperature = tc_temperature;
    model.metrics.insert("cv.si.f1".into(), cv_si_f1);
    model
        .metrics
        .insert("cv.tc.micro_f1".into(), cv_tc_micro_f1);
    Ok((
        model,
        TrainSummary {
            cv_si_f1,
            cv_tc_micro_f1,
            decode,
            tc_temperature,
            span_platt,
        },
    ))
}
