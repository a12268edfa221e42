//! The signals of one document: rates of what a reader can point at, each with its spans, read
//! from the document record after every detector and the technique and sentence models ran.

use super::{
    RateUnit, S_ALL_CAPS, S_BIAS_WORDS, S_CHARGED_WORDS, S_EXCLAMATIONS, S_FIRST_PERSON,
    S_QUESTIONS, S_SECOND_PERSON, S_STRONG_SUBJECTIVE, SIGNALS, WORD_BITS, WORD_PROFILE, slot,
    technique_signal, unit, word_logit,
};
use crate::assets::{self, Words};
use crate::doc::{Doc, HedgeKind, SourceKind};
use crate::hash::{combine, hash};
use crate::model::linear::Linear;
use crate::technique::Technique;
use crate::text::TokenKind;
use std::sync::LazyLock;

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

/// The pronouns of the person signals.
struct Persons {
    first: Words,
    second: Words,
}

static PERSONS: LazyLock<Persons> = LazyLock::new(|| Persons {
    first: assets::EN.words("reliability/first_person.txt"),
    second: assets::EN.words("reliability/second_person.txt"),
});

/// The signals of an analysed article, in [`SIGNALS`] order (the first 14 are the techniques,
/// in `Technique::ALL` order), from the document's findings and tokens. Boilerplate sentences
/// and a leading dateline are left out. `title` is the headline, when there is one.
pub fn signals(doc: &Doc<'_>, title: Option<&str>) -> Vec<Signal> {
    let a = &doc.seg;
    let pair = |bytes: &std::ops::Range<usize>| {
        let sp = a.span(bytes.clone());
        [sp.start, sp.end]
    };
    // One span list per signal, in `SIGNALS` order.
    let mut spans: Vec<Vec<[usize; 2]>> = vec![Vec::new(); SIGNALS.len()];
    // Technique spans count by their confidence: a marginal span the tagger barely believes
    // should barely move the score.
    let mut weight = vec![0.0f64; SIGNALS.len()];
    for t in &doc.techniques {
        if !doc.sentences[t.sentence].boilerplate {
            let k = slot(technique_signal(t.technique));
            spans[k].push(pair(&t.bytes));
            weight[k] += t.confidence.unwrap_or(1.0);
        }
    }
    let facts = &doc.facts;
    let persons = &*PERSONS;
    let (mut words, mut sentences, mut long_words) = (0usize, 0usize, Vec::new());
    let (mut vague, mut named, mut quotes) = (Vec::new(), Vec::new(), Vec::new());
    let mut unsupported = Vec::new();
    for (i, s) in doc.sentences.iter().enumerate() {
        if s.boilerplate {
            continue;
        }
        sentences += 1;
        for c in &s.hedges {
            let name = match c.kind {
                HedgeKind::Conditional => "conditional_framing",
                HedgeKind::Distancing => "distancing",
                HedgeKind::Lexical => "hedging",
                // The signal is defined over the lexicon cues the model was trained with.
                HedgeKind::Learned => continue,
            };
            spans[slot(name)].push(pair(&c.bytes));
        }
        if let Some(at) = &s.attribution {
            match at.kind {
                SourceKind::Vague => vague.push(pair(&at.bytes)),
                SourceKind::Named => named.push(pair(&at.bytes)),
                SourceKind::None => {}
            }
        }
        let sent = &a.sentences[i];
        let whole = [sent.span.start, sent.span.end];
        if s.quote {
            quotes.push(whole);
        }
        if s.unsupported_claim() {
            unsupported.push(whole);
        }
        // Skip a dateline's capitals ("WASHINGTON (Reuters) —") at the start of the sentence.
        let dateline_end = s.dateline_end.unwrap_or(0);
        let n_words = sent
            .tokens
            .clone()
            .filter(|&k| a.tokens[k].kind == TokenKind::Word)
            .count();
        if n_words > 35 {
            long_words.push(whole);
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
                    if short && persons.first.contains(norm) && raw != "US" {
                        spans[S_FIRST_PERSON].push(sp);
                    } else if short && persons.second.contains(norm) {
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
    let title = title.unwrap_or("");
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
        .map(|(k, ((name, _, _), sp))| {
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

/// The word-profile signal of an article: the word model's logit, with the words and word
/// pairs that weighed most in the direction the profile points (toward "unreliable" when the
/// logit is positive, "reliable" otherwise) as its spans — the n-grams that contributed most
/// in this article, not the most frequent ones; at most three occurrences of each of five.
pub fn word_signal(m: &Linear, doc: &Doc<'_>) -> Signal {
    let a = &doc.seg;
    let mask = (1u64 << WORD_BITS) - 1;
    let (feats, tokens) = word_tokens(doc);
    let z = word_logit(m, &feats);
    let dir = if z >= 0.0 { 1.0 } else { -1.0 };
    // Every unigram and adjacent bigram: (feature, first token, last token).
    let bigrams = tokens.windows(2).filter_map(|w| {
        let ((i, hi), (j, hj)) = (w[0], w[1]);
        (j == i + 1 && a.tokens[i].sentence == a.tokens[j].sentence)
            .then(|| ((combine(hi, hj) & mask) as u32, i, j))
    });
    let grams = || {
        tokens
            .iter()
            .map(|&(i, h)| ((h & mask) as u32, i, i))
            .chain(bigrams.clone())
    };
    // The five distinct features that push hardest the profile's way (ties by index), kept in
    // a small sorted list rather than sorting every candidate.
    let mut best: Vec<(f32, u32)> = Vec::with_capacity(6);
    let better = |x: &(f32, u32), y: &(f32, u32)| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1));
    for (f, _, _) in grams() {
        let c = (m.weight(f, 0) * dir, f);
        if c.0 <= 0.0 || best.iter().any(|b| b.1 == f) {
            continue;
        }
        if best.len() < 5 || better(&c, &best[best.len() - 1]).is_lt() {
            let at = best.partition_point(|b| better(b, &c).is_lt());
            best.insert(at, c);
            best.truncate(5);
        }
    }
    let mut shown = [0u8; 5];
    let mut spans: Vec<[usize; 2]> = Vec::new();
    for (f, i, j) in grams() {
        if let Some(k) = best.iter().position(|b| b.1 == f)
            && shown[k] < 3
        {
            shown[k] += 1;
            spans.push([a.tokens[i].span.start, a.tokens[j].span.end]);
        }
    }
    spans.sort_unstable();
    spans.dedup();
    Signal {
        name: WORD_PROFILE,
        rate: z,
        x: z,
        spans,
    }
}

/// Words (lower-cased) and their bigrams outside boilerplate, hashed and unique. Bylines,
/// datelines and share tails are boilerplate and never reach the profile. Leaving out every
/// capitalised word (to keep names out) cost grouped-CV AUC (0.815 against 0.823 with the
/// same settings): sites are whole folds there, so the names that help are topics, not outlets.
pub fn word_features(doc: &Doc<'_>) -> Vec<u32> {
    word_tokens(doc).0
}

/// Namespace of the word-group features: each word's coarse cluster (of 256) in the distilled
/// word vectors (`model::embeddings`). Leave-one-corpus-out AUC, shipped training set: words and
/// pairs alone 0.806 (mean over four corpora), with coarse groups 0.808 (no corpus lower; the
/// two least like the training data gain most, FakeNewsCorpus 0.776 → 0.779, hyperpartisan
/// 0.643 → 0.648), with fine groups (of 1,024) 0.807.
const H_CLUSTER: u64 = hash("c256");

/// The word-profile features of an article, each once in order of first occurrence (a bitset,
/// cheaper than sorting), and the eligible tokens with their word hashes.
fn word_tokens(doc: &Doc<'_>) -> (Vec<u32>, Vec<(usize, u64)>) {
    let a = &doc.seg;
    let mask = (1u64 << WORD_BITS) - 1;
    let mut feats = Vec::new();
    let mut tokens = Vec::new();
    let groups = crate::model::embeddings::embedded();
    for (k, s) in a.sentences.iter().enumerate() {
        if doc.sentences[k].boilerplate {
            continue;
        }
        let mut prev: Option<u64> = None;
        for i in s.tokens.clone() {
            let t = &a.tokens[i];
            if t.kind != TokenKind::Word {
                prev = None;
                continue;
            }
            let h = doc.facts[i].hash;
            feats.push((h & mask) as u32);
            if let Some(c) = groups.and_then(|e| e.group_of(h, &t.norm)) {
                feats.push((combine(H_CLUSTER, u64::from(c)) & mask) as u32);
            }
            if let Some(p) = prev {
                feats.push((combine(p, h) & mask) as u32);
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
