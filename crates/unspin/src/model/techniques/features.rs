//! The features of the technique model, shared by the tagger (`infer.rs`) and its trainer
//! (`train::techniques`): per token (words around it, shape, suffix, lexicon facts, charged
//! neighbours, position, quotes, repetition), per sentence (a prior shared by its tokens) and per
//! span (its words, length, lexicon counts, keyword families, context, repetition).

use super::FeatureSettings;
use crate::doc::Doc;
use crate::hash::hash;
use crate::lexicon::Lexicons;
use crate::model::linear::{Features, tpl};
use crate::text::{Analyzed, TokenKind};
use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;

/// The keyword families of our own, per technique: each is a word list
/// `assets/lang/<code>/techniques/<name>.txt`, and the name is part of the feature (`kw:flag`).
pub(crate) const FAMILIES: [&str; 9] = [
    "flag", "fear", "cause", "bw", "what", "hitler", "band", "doubt", "exag",
];

/// What the features need to know about one token: its lexicon facts, its keyword families and
/// whether it is long enough to count as repetition.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WordInfo {
    pub(crate) strong: bool,
    pub(crate) bias: bool,
    pub(crate) valence: f32,
    hedge: bool,
    pub(crate) report: bool,
    /// Bit `k` set when the word is in keyword family `FAMILIES[k]` (a file under
    /// `assets/lang/<code>/techniques/`).
    pub(crate) family: u16,
    /// `hash::hash` of the word form.
    hash: u64,
    /// At least four characters: short words do not count as repetition.
    long: bool,
}

/// Per-document context shared by the token and span features.
pub(crate) struct DocContext {
    pub(crate) info: Vec<WordInfo>,
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
    pub(crate) fn count_repetitions(
        &mut self,
        doc: &Analyzed<'_>,
        spans: impl Iterator<Item = Range<usize>>,
    ) {
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

/// `hash::hash` of the sentence-boundary pseudo-words.
const H_SENT_START: u64 = hash("<s>");
const H_SENT_END: u64 = hash("</s>");

const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// A small count as a feature value, without allocating.
fn d(n: impl TryInto<usize>) -> &'static str {
    DIGITS[n.try_into().unwrap_or(9).min(9)]
}

fn bucket(n: usize, edges: &[usize]) -> usize {
    edges.iter().take_while(|e| n >= **e).count()
}

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
pub(crate) struct Featurizer {
    /// Keyword families of each word (bit `k`: family `FAMILIES[k]`).
    families: HashMap<&'static str, u16>,
    pub(crate) settings: FeatureSettings,
}

impl Featurizer {
    pub(crate) fn new(lex: &Lexicons, settings: FeatureSettings) -> Featurizer {
        let lang = lex.lang();
        let mut families: HashMap<&'static str, u16> = HashMap::default();
        for (k, name) in FAMILIES.iter().enumerate() {
            for w in lang.entries(&format!("techniques/{name}.txt")) {
                *families.entry(w).or_default() |= 1 << k;
            }
        }
        Featurizer { families, settings }
    }

    /// The per-document context of the features, from the document's token facts.
    pub(crate) fn context(&self, doc: &Doc<'_>) -> DocContext {
        let seg = &doc.seg;
        let n = seg.tokens.len();
        let mut info = Vec::with_capacity(n);
        let mut word_hash = Vec::with_capacity(n);
        let mut words = Vec::with_capacity(n);
        let mut counts: HashMap<u64, u32> = HashMap::default();
        counts.reserve(n / 2);
        for (t, f) in seg.tokens.iter().zip(&doc.facts) {
            word_hash.push(f.hash);
            if t.kind != TokenKind::Punct {
                words.push(f.hash);
            }
            if t.kind != TokenKind::Word {
                info.push(WordInfo::default());
                continue;
            }
            let wi = WordInfo {
                strong: f.strong,
                bias: f.bias,
                valence: f.valence,
                hedge: f.hedge,
                report: f.report,
                family: self.families.get(t.norm.as_str()).copied().unwrap_or(0),
                hash: f.hash,
                long: t.norm.chars().count() >= 4,
            };
            info.push(wi);
            if wi.long {
                *counts.entry(wi.hash).or_default() += 1;
            }
        }
        let mut in_quote = vec![false; n];
        let mut charged = Vec::with_capacity(seg.sentences.len());
        for s in &seg.sentences {
            let mut open = false;
            let mut c = 0;
            for i in s.tokens.clone() {
                let n = seg.tokens[i].norm.as_str();
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
        let (mut nwords, mut total) = (0usize, 0u32);
        for (k, s) in seg.sentences.iter().enumerate() {
            if !doc.sentences[k].boilerplate {
                nwords += seg.tokens[s.tokens.clone()]
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

    pub(crate) fn token_features(
        &self,
        doc: &Analyzed<'_>,
        ctx: &DocContext,
        i: usize,
        f: &mut Features,
    ) {
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
    pub(crate) fn sentence_features(
        &self,
        doc: &Analyzed<'_>,
        ctx: &DocContext,
        s: usize,
        f: &mut Features,
    ) {
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

    pub(crate) fn span_features(
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
        for (name, count) in FAMILIES.iter().zip(fam) {
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
pub(crate) fn token_range(doc: &Analyzed<'_>, start: usize, end: usize) -> Range<usize> {
    let a = doc.tokens.partition_point(|t| t.span.end <= start);
    let b = doc.tokens.partition_point(|t| t.span.start < end);
    a..b.max(a)
}
