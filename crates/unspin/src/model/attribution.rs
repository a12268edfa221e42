//! The attribution tagger, learned from PolNeAR (`unspin train attribution`): which words of a
//! sentence are an attribution's source ("Mr. Trump", "officials", "he"), its cue ("said",
//! "according to", "believes") and its content (what is attributed).
//!
//! Each token gets one of seven tags (outside, or the beginning or inside of a source, cue or
//! content) from a softmax over hashed features, and each sentence's tags are decoded jointly
//! (Viterbi under the begin/inside constraints). Two passes: the first sees the words around a
//! token; the second also sees the first pass's tags around it and where its nearest cue lies
//! ("the cue is two words to the right": a source; "after the cue, in the same clause": content),
//! which a word window cannot see. The second pass is trained on out-of-fold first-pass tags, so
//! it learns how far to trust them.
//!
//! What kind of source a span is (named, vague) is decided by the attribution detector's rules
//! (`detect::attribution`), which the report and the evaluation share.

use super::format::ModelFile;
use super::linear::{Features, Linear, Template, softmax, tpl};
use crate::detect::AttributionDetector;
use crate::doc::{Attribution, AttributionParts, Doc, ModelInfo, SourceKind};
use crate::error::Result;
use crate::hash::hash;
use crate::lexicon::Lexicons;
use crate::text::TokenKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

/// Bumped when a feature is added, removed or computed differently.
pub const FEATURE_SET: u32 = 2;
/// Hash bits of each pass.
pub const BITS: u8 = 18;
/// Outside, then begin/inside of source, cue and content.
pub const TAGS: usize = 7;
/// At most this many tokens of a sentence are tagged: a "sentence" longer than this is a run of
/// text the segmenter could not split (a list, a table), and its tail is left untagged so work
/// stays linear in the input.
const MAX_SENTENCE_TOKENS: usize = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Source,
    Cue,
    Content,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Source, Role::Cue, Role::Content];

    pub fn name(self) -> &'static str {
        match self {
            Role::Source => "source",
            Role::Cue => "cue",
            Role::Content => "content",
        }
    }

    /// The tag of the role's first token; the next tag is its inside tag.
    pub fn begin_tag(self) -> u8 {
        match self {
            Role::Source => 1,
            Role::Cue => 3,
            Role::Content => 5,
        }
    }

    fn of_tag(t: u8) -> Option<Role> {
        match t {
            1 | 2 => Some(Role::Source),
            3 | 4 => Some(Role::Cue),
            5 | 6 => Some(Role::Content),
            _ => None,
        }
    }
}

/// A run of tokens with one role, in document token indices.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleSpan {
    pub role: Role,
    pub sentence: usize,
    pub tokens: Range<usize>,
    /// The mean over its tokens of the second pass's probability of the decoded tag.
    pub confidence: f32,
}

/// Training facts stored with the model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AttributionTrainInfo {
    pub data_sha256: String,
    pub articles: usize,
    pub tokens: usize,
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    pub folds: usize,
    /// SHA-256 of the word vectors whose groups the features read (`model::embeddings`).
    pub embeddings_sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AttributionModel {
    pub name: String,
    pub version: String,
    pub feature_set: u32,
    /// Pass 1: the words around each token.
    pub first: Linear,
    /// Pass 2: pass 1's features and its decoded tags around the token.
    pub second: Linear,
    pub train: AttributionTrainInfo,
    /// Figures measured in training (PolNeAR dev), shown by `unspin models`.
    pub metrics: BTreeMap<String, f64>,
}

impl ModelFile for AttributionModel {
    const KIND: super::format::ModelKind = super::format::ModelKind::Attribution;
    const FEATURE_SET: u32 = FEATURE_SET;
    fn feature_set(&self) -> u32 {
        self.feature_set
    }
}

impl AttributionModel {
    pub fn check(&self) -> Result<()> {
        crate::model::embeddings::check_trained_with(
            &self.train.embeddings_sha256,
            "the attribution tagger (`unspin train attribution`)",
        )?;
        self.first.check(BITS, TAGS, "attribution (first pass)")?;
        self.second.check(BITS, TAGS, "attribution (second pass)")
    }

    /// Source, cue and content runs of every sentence, in text order.
    pub fn tag(&self, doc: &Doc<'_>) -> Vec<RoleSpan> {
        let ctx = Context::new(doc);
        let mut f = Features::new(BITS, false);
        let mut out = Vec::new();
        let mut scores = Vec::new();
        let mut first_tags = Vec::new();
        let mut probs: Vec<[f32; TAGS]> = Vec::new();
        // The first pass's features of the sentence's tokens, back to back, for the second.
        let mut cached: Vec<u32> = Vec::new();
        let mut ends: Vec<usize> = Vec::new();
        for s in 0..doc.seg.sentences.len() {
            let toks = sentence_range(doc, s);
            if toks.is_empty() {
                continue;
            }
            probs.clear();
            cached.clear();
            ends.clear();
            for i in toks.clone() {
                token_features(doc, &ctx, i, &toks, &mut f);
                probs.push(self.probs(&self.first, &f.idx, &mut scores));
                cached.extend_from_slice(&f.idx);
                ends.push(cached.len());
            }
            first_tags.clear();
            first_tags.extend(viterbi(&probs));
            probs.clear();
            for k in 0..toks.len() {
                f.clear();
                f.idx
                    .extend_from_slice(&cached[if k == 0 { 0 } else { ends[k - 1] }..ends[k]]);
                stacked_features(&first_tags, k, &mut f);
                probs.push(self.probs(&self.second, &f.idx, &mut scores));
            }
            let tags = viterbi(&probs);
            out.extend(runs(&tags, &probs, s, toks.start));
        }
        out
    }

    fn probs(&self, m: &Linear, idx: &[u32], scores: &mut Vec<f32>) -> [f32; TAGS] {
        m.scores(idx, scores);
        softmax(scores, 1.0);
        let mut p = [0f32; TAGS];
        p.copy_from_slice(&scores[..TAGS]);
        p
    }
}

/// The tagged tokens of sentence `s` (at most [`MAX_SENTENCE_TOKENS`]).
pub(crate) fn sentence_range(doc: &Doc<'_>, s: usize) -> Range<usize> {
    let r = doc.seg.sentences[s].tokens.clone();
    r.start..r.end.min(r.start + MAX_SENTENCE_TOKENS)
}

/// Document facts the features read: whether each token lies inside quotation marks, and
/// where the report verbs are.
pub(crate) struct Context {
    in_quote: Vec<bool>,
    report: Vec<bool>,
}

impl Context {
    pub(crate) fn new(doc: &Doc<'_>) -> Context {
        let seg = &doc.seg;
        let mut in_quote = vec![false; seg.tokens.len()];
        let mut open = false;
        let mut para = usize::MAX;
        for (i, t) in seg.tokens.iter().enumerate() {
            let p = seg.sentences[t.sentence].paragraph;
            if p != para {
                // A quotation does not run past its paragraph, whatever the marks say.
                para = p;
                open = false;
            }
            match t.norm.as_str() {
                "“" => open = true,
                "”" => open = false,
                "\"" => open = !open,
                _ => in_quote[i] = open,
            }
        }
        let report = doc.facts.iter().map(|f| f.report).collect();
        Context { in_quote, report }
    }
}

const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

fn bucket(n: usize) -> &'static str {
    match n {
        0..=3 => DIGITS[n],
        4..=6 => "4",
        7..=10 => "5",
        _ => "6",
    }
}

fn shape(s: &str) -> &'static str {
    let mut c = s.chars();
    match c.next() {
        Some(x) if x.is_numeric() => "d",
        Some(x) if x.is_uppercase() => {
            if s.chars().count() > 1
                && s.chars()
                    .filter(|c| c.is_alphabetic())
                    .all(char::is_uppercase)
            {
                "XX"
            } else {
                "Xx"
            }
        }
        Some(x) if x.is_alphabetic() => "x",
        _ => "p",
    }
}

const W: [Template; 7] = [
    tpl!("w-3="),
    tpl!("w-2="),
    tpl!("w-1="),
    tpl!("w0="),
    tpl!("w+1="),
    tpl!("w+2="),
    tpl!("w+3="),
];
const SH: [Template; 3] = [tpl!("sh-1="), tpl!("sh0="), tpl!("sh+1=")];
const G: [Template; 3] = [tpl!("g-1="), tpl!("g0="), tpl!("g+1=")];
static GROUP_NAMES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    (0..crate::model::embeddings::CLUSTERS[0])
        .map(|g| &*Box::leak(g.to_string().into_boxed_str()))
        .collect()
});
const H_START: u64 = hash("<s>");
const H_END: u64 = hash("</s>");

/// The first pass's features of token `i` of the sentence spanning tokens `toks`.
pub(crate) fn token_features(
    doc: &Doc<'_>,
    ctx: &Context,
    i: usize,
    toks: &Range<usize>,
    f: &mut Features,
) {
    f.clear();
    let seg = &doc.seg;
    let word = |j: isize| -> (&str, u64) {
        let k = i as isize + j;
        if k < toks.start as isize {
            ("<s>", H_START)
        } else if k >= toks.end as isize {
            ("</s>", H_END)
        } else {
            let k = k as usize;
            (seg.tokens[k].norm.as_str(), doc.facts[k].hash)
        }
    };
    f.flag(tpl!("bias"));
    for (j, t) in (-3isize..=3).zip(W) {
        let (w, h) = word(j);
        f.add_h(t, w, h);
    }
    f.add_pair_h(tpl!("w-1w0="), word(-1), word(0));
    f.add_pair_h(tpl!("w0w+1="), word(0), word(1));
    f.add_pair_h(tpl!("w-2w-1="), word(-2), word(-1));
    f.add_pair_h(tpl!("w+1w+2="), word(1), word(2));
    // The word groups (coarse clusters of the distilled word vectors) of the token and its
    // neighbours: report verbs, titles and organisation words the training articles never had
    // share a group with ones they had. PolNeAR dev: source overlap F1 0.747 → 0.755, exact
    // 0.627 → 0.640, cue 0.736 → 0.739, content 0.792 → 0.793, kind accuracy 0.747 → 0.751.
    let table = crate::model::embeddings::embedded();
    for (j, t) in (-1isize..=1).zip(G) {
        let k = i as isize + j;
        if k >= toks.start as isize && k < toks.end as isize {
            let k = k as usize;
            if seg.tokens[k].kind == TokenKind::Word
                && let Some(g) =
                    table.and_then(|e| e.group_of(doc.facts[k].hash, &seg.tokens[k].norm))
            {
                f.add(t, GROUP_NAMES[usize::from(g)]);
            }
        }
    }
    for (j, t) in (-1isize..=1).zip(SH) {
        let k = i as isize + j;
        let s = if k < toks.start as isize || k >= toks.end as isize {
            "|"
        } else {
            shape(&seg.text[seg.tokens[k as usize].bytes.clone()])
        };
        f.add(t, s);
    }
    let norm = seg.tokens[i].norm.as_str();
    let suffix: String = {
        let n = norm.chars().count();
        norm.chars().skip(n.saturating_sub(3)).collect()
    };
    f.add(tpl!("suf3="), &suffix);
    if i == toks.start {
        f.flag(tpl!("first"));
    }
    let pos = (i - toks.start) * 4 / (toks.end - toks.start).max(1);
    f.add(tpl!("quarter="), DIGITS[pos.min(3)]);
    if ctx.in_quote[i] {
        f.flag(tpl!("inquote"));
    }
    if i > toks.start && ctx.in_quote[i - 1] != ctx.in_quote[i] {
        f.flag(tpl!("quote-edge-left"));
    }
    if ctx.report[i] {
        f.flag(tpl!("report"));
    }
    // The nearest report verb on each side within the sentence, by distance.
    let left = (toks.start..i)
        .rev()
        .find(|&k| ctx.report[k])
        .map(|k| i - k);
    let right = (i + 1..toks.end).find(|&k| ctx.report[k]).map(|k| k - i);
    match left {
        Some(d) => f.add(tpl!("rep-left="), bucket(d)),
        None => f.flag(tpl!("rep-left-none")),
    }
    match right {
        Some(d) => f.add(tpl!("rep-right="), bucket(d)),
        None => f.flag(tpl!("rep-right-none")),
    }
    // Punctuation between the token and the verb to its right: "Smith, a nurse, said" vs
    // "Smith said".
    if let Some(d) = right {
        let comma = (i + 1..i + d).any(|k| seg.tokens[k].kind == TokenKind::Punct);
        f.add_pair(
            tpl!("rep-right-punct="),
            bucket(d),
            if comma { "p" } else { "-" },
        );
    }
}

const P: [Template; 5] = [
    tpl!("t-2="),
    tpl!("t-1="),
    tpl!("t0="),
    tpl!("t+1="),
    tpl!("t+2="),
];

/// The second pass's extra features: the first pass's tags around token `k` of the sentence
/// (`tags` are the sentence's), and where its nearest cue lies.
pub(crate) fn stacked_features(tags: &[u8], k: usize, f: &mut Features) {
    for (j, t) in (-2isize..=2).zip(P) {
        let q = k as isize + j;
        let v = if q < 0 || q >= tags.len() as isize {
            "|"
        } else {
            DIGITS[tags[q as usize] as usize]
        };
        f.add(t, v);
    }
    let is_cue = |t: u8| Role::of_tag(t) == Some(Role::Cue);
    let left = (0..k).rev().find(|&q| is_cue(tags[q])).map(|q| k - q);
    let right = (k + 1..tags.len())
        .find(|&q| is_cue(tags[q]))
        .map(|q| q - k);
    match (left, right) {
        (None, None) => f.flag(tpl!("cue-none")),
        (l, r) => {
            if let Some(d) = l {
                f.add(tpl!("cue-left="), bucket(d));
            }
            if let Some(d) = r {
                f.add(tpl!("cue-right="), bucket(d));
            }
        }
    }
    if tags.iter().any(|&t| Role::of_tag(t) == Some(Role::Source)) {
        f.flag(tpl!("has-source"));
    }
}

/// Whether tag `b` may follow tag `a` (an inside tag continues its own role only).
fn allowed(a: Option<u8>, b: u8) -> bool {
    match b {
        2 | 4 | 6 => a.is_some_and(|a| a == b || a == b - 1),
        _ => true,
    }
}

/// The most probable tag sequence under the begin/inside constraints.
pub(crate) fn viterbi(probs: &[[f32; TAGS]]) -> Vec<u8> {
    let n = probs.len();
    if n == 0 {
        return Vec::new();
    }
    let lp = |p: f32| p.max(1e-9).ln();
    let mut score = [f32::NEG_INFINITY; TAGS];
    let mut back = vec![[0u8; TAGS]; n];
    for t in 0..TAGS {
        if allowed(None, t as u8) {
            score[t] = lp(probs[0][t]);
        }
    }
    for i in 1..n {
        let mut next = [f32::NEG_INFINITY; TAGS];
        for b in 0..TAGS {
            for (a, &sa) in score.iter().enumerate() {
                if sa.is_finite() && allowed(Some(a as u8), b as u8) {
                    let s = sa + lp(probs[i][b]);
                    if s > next[b] {
                        next[b] = s;
                        back[i][b] = a as u8;
                    }
                }
            }
        }
        score = next;
    }
    let mut t = (0..TAGS)
        .max_by(|&a, &b| score[a].total_cmp(&score[b]))
        .unwrap_or(0) as u8;
    let mut out = vec![0u8; n];
    for i in (0..n).rev() {
        out[i] = t;
        t = back[i][t as usize];
    }
    out
}

/// The role runs of one sentence's decoded tags.
fn runs(tags: &[u8], probs: &[[f32; TAGS]], sentence: usize, offset: usize) -> Vec<RoleSpan> {
    let mut out: Vec<RoleSpan> = Vec::new();
    let mut i = 0;
    while i < tags.len() {
        let Some(role) = Role::of_tag(tags[i]) else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < tags.len() && tags[j] == role.begin_tag() + 1 {
            j += 1;
        }
        let confidence = (i..j).map(|k| probs[k][tags[k] as usize]).sum::<f32>() / (j - i) as f32;
        out.push(RoleSpan {
            role,
            sentence,
            tokens: offset + i..offset + j,
            confidence,
        });
        i = j;
    }
    out
}

/// The tagger as the analyzer runs it, after the rule detectors: where it finds an attribution
/// with a source and a cue, the sentence's attribution is its (with the source, cue and content
/// spans); elsewhere the rules' stays. The rules also decide two things the tagger does not
/// know: a vague-source pattern ("sources said", "they say") makes the attribution vague, and a
/// cue whose source the tagger missed takes the subject the rules find for it.
pub struct AttributionTagger {
    model: Arc<AttributionModel>,
    rules: AttributionDetector,
}

/// An attribution the tagger found, in byte ranges of the text: its source (none when the
/// writer names none: "it was reported"), cue and content, and the kind of its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The sentence of its cue (of its source when it has none).
    pub sentence: usize,
    pub source: Option<Range<usize>>,
    pub cue: Option<Range<usize>>,
    pub content: Vec<Range<usize>>,
    pub kind: SourceKind,
    /// The lowest confidence of its parts.
    pub confidence: f32,
    /// For a pronoun source, the nearest named source before it.
    pub resolved: Option<String>,
}

/// How far back in its paragraph a content run without a cue of its own looks for the
/// attribution it belongs to (a transcript's "PENCE:" opens a paragraph of his words).
const CONTENT_REACH: usize = 12;

impl AttributionTagger {
    pub fn new(model: Arc<AttributionModel>, lex: Arc<Lexicons>) -> AttributionTagger {
        AttributionTagger {
            model,
            rules: AttributionDetector::new(lex),
        }
    }

    pub fn model(&self) -> &AttributionModel {
        &self.model
    }

    /// The rule detector the tagger consults (and the evaluation compares it with).
    pub fn rules(&self) -> &AttributionDetector {
        &self.rules
    }

    pub fn info(&self) -> ModelInfo {
        ModelInfo {
            name: self.model.name.clone(),
            version: self.model.version.clone(),
            kind: "trained".into(),
            thresholds: Default::default(),
        }
    }

    /// Every attribution the tagger finds: each cue with the nearest source of its sentence and
    /// the content near it.
    pub fn found(&self, doc: &Doc<'_>) -> Vec<Found> {
        group(&self.rules, doc, &self.model.tag(doc))
    }

    /// The attributions the report shows: those with a source and a cue (see [`reportable`]).
    pub fn reported(&self, doc: &Doc<'_>) -> Vec<Found> {
        let text = doc.seg.text;
        self.found(doc)
            .into_iter()
            .filter(|f| reportable(f, text))
            .collect()
    }

    /// Sets each sentence's attribution (after the rule detectors ran).
    pub fn apply(&self, doc: &mut Doc<'_>) {
        let found = self.reported(doc);
        self.apply_found(doc, &found);
    }

    /// [`AttributionTagger::apply`] with the attributions already found (`reported`), so a
    /// caller that also needs them (the evaluation) tags the document once.
    pub fn apply_found(&self, doc: &mut Doc<'_>, found: &[Found]) {
        let seg = &doc.seg;
        let starts: Vec<usize> = seg.sentences.iter().map(|s| s.bytes.start).collect();
        let sentence_of = |b: usize| starts.partition_point(|&x| x <= b).saturating_sub(1);
        // Which attributions touch each sentence, so the work stays linear in the text.
        let mut near: Vec<Vec<usize>> = vec![Vec::new(); seg.sentences.len()];
        for (i, f) in found.iter().enumerate() {
            for r in f.content.iter().chain(&f.cue).filter(|r| !r.is_empty()) {
                for list in &mut near[sentence_of(r.start)..=sentence_of(r.end - 1)] {
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
        }
        for (s, facts) in doc.sentences.iter_mut().enumerate() {
            let cands = &near[s];
            let bytes = &seg.sentences[s].bytes;
            let Some(k) = covering(
                bytes,
                cands
                    .iter()
                    .map(|&i| (found[i].content.as_slice(), found[i].cue.as_ref())),
            ) else {
                continue;
            };
            let f = &found[cands[k]];
            let mut at = f.attribution(seg.text);
            // The phrase lies in another sentence (this one holds only attributed words of a
            // speaker named nearby): the sentence's own attributed words stand for it, so every
            // span of the sentence stays inside it.
            if at.bytes.start < bytes.start || at.bytes.end > bytes.end {
                at.bytes = f
                    .content
                    .iter()
                    .map(|r| r.start.max(bytes.start)..r.end.min(bytes.end))
                    .filter(|r| r.start < r.end)
                    .max_by_key(|r| r.len())
                    .unwrap_or(bytes.clone());
            }
            if let Some(r) = facts.attribution.take()
                && r.kind == SourceKind::Vague
                && (self.rules.vague_pattern(seg.sentence_text(s))
                    || (r.bytes.start < at.bytes.end && at.bytes.start < r.bytes.end))
            {
                // The rules' vague phrase ("Reports are fast coming in") with the tagger's parts.
                at = Attribution {
                    parts: at.parts,
                    ..r
                };
            }
            facts.attribution = Some(at);
        }
    }
}

fn group(rules: &AttributionDetector, doc: &Doc<'_>, spans: &[RoleSpan]) -> Vec<Found> {
    let seg = &doc.seg;
    // A source or cue ends on a word ("the health ministry", not "the health ministry,");
    // content keeps its quotation marks.
    let bytes = |t: &Range<usize>| {
        let word = |i: &usize| seg.tokens[*i].kind != TokenKind::Punct;
        let first = t.clone().find(word).unwrap_or(t.start);
        let last = t.clone().rev().find(word).unwrap_or(t.end - 1);
        seg.tokens[first].bytes.start..seg.tokens[last].bytes.end
    };
    let whole = |t: &Range<usize>| seg.tokens[t.start].bytes.start..seg.tokens[t.end - 1].bytes.end;
    let gap = |a: &Range<usize>, b: &Range<usize>| {
        if a.end <= b.start {
            b.start - a.end
        } else {
            a.start.saturating_sub(b.end)
        }
    };
    let new = |sentence, source, cue, confidence| Found {
        sentence,
        source,
        cue,
        content: Vec::new(),
        kind: SourceKind::Vague,
        confidence,
        resolved: None,
    };
    // The attributions, with the tokens they span, and those of each sentence.
    let mut out: Vec<(Found, Range<usize>)> = Vec::new();
    let mut by_sentence: Vec<Vec<usize>> = vec![Vec::new(); seg.sentences.len()];
    for c in spans.iter().filter(|r| r.role == Role::Cue) {
        by_sentence[c.sentence].push(out.len());
        out.push((
            new(c.sentence, None, Some(bytes(&c.tokens)), c.confidence),
            c.tokens.clone(),
        ));
    }
    for s in spans.iter().filter(|r| r.role == Role::Source) {
        let near = by_sentence[s.sentence]
            .iter()
            .copied()
            .filter(|&i| out[i].0.source.is_none())
            .min_by_key(|&i| gap(&out[i].1, &s.tokens));
        match near {
            Some(i) => {
                let (f, t) = &mut out[i];
                f.source = Some(bytes(&s.tokens));
                f.confidence = f.confidence.min(s.confidence);
                *t = t.start.min(s.tokens.start)..t.end.max(s.tokens.end);
            }
            None => {
                by_sentence[s.sentence].push(out.len());
                out.push((
                    new(s.sentence, Some(bytes(&s.tokens)), None, s.confidence),
                    s.tokens.clone(),
                ));
            }
        }
    }
    // A cue left without a source shares the nearest one before it in its sentence ("Trump
    // criticized the deal, saying…": one speaker, two cues); else the subject the rules find.
    for list in &by_sentence {
        for (n, &i) in list.iter().enumerate() {
            if out[i].0.source.is_some() || out[i].0.cue.is_none() {
                continue;
            }
            let at = out[i].1.start;
            let prev = list[..n]
                .iter()
                .chain(&list[n + 1..])
                .filter(|&&j| out[j].1.start < at && out[j].0.source.is_some())
                .max_by_key(|&&j| out[j].1.start)
                .and_then(|&j| out[j].0.source.clone());
            out[i].0.source = prev.or_else(|| {
                let at = rules.sentence(seg, out[i].0.sentence)?;
                let name = at.source.as_deref()?;
                let k = seg.text[at.bytes.clone()].find(name)?;
                Some(at.bytes.start + k..at.bytes.start + k + name.len())
            });
        }
    }
    let para = |s: usize| seg.sentences[s].paragraph;
    for c in spans.iter().filter(|r| r.role == Role::Content) {
        // Its own sentence first, then up to two sentences away, then earlier in its paragraph.
        let s = c.sentence;
        let order = [s, s.wrapping_sub(1), s + 1, s.wrapping_sub(2), s + 2]
            .into_iter()
            .chain((3..=CONTENT_REACH).map(|d| s.wrapping_sub(d)))
            .filter(|&t| t < seg.sentences.len())
            .filter(|&t| t.abs_diff(s) <= 2 || para(t) == para(s));
        let pick = order
            .filter_map(|t| {
                by_sentence[t]
                    .iter()
                    .copied()
                    .min_by_key(|&i| gap(&out[i].1, &c.tokens))
            })
            .next();
        if let Some(i) = pick {
            out[i].0.content.push(whole(&c.tokens));
        }
    }
    let mut out: Vec<Found> = out
        .into_iter()
        .map(|(mut f, _)| {
            f.kind = rules.source_kind(seg, f.source.as_ref());
            f
        })
        .collect();
    out.sort_by_key(|f| f.source.as_ref().or(f.cue.as_ref()).map_or(0, |r| r.start));
    // A pronoun stands for the nearest named source before it that is not itself a pronoun.
    let mut last_named: Option<String> = None;
    for f in &mut out {
        let Some(src) = f.source.clone() else {
            continue;
        };
        let words = &seg.text[src];
        if AttributionDetector::is_pronoun(words) {
            f.resolved = last_named.clone();
        } else if f.kind == SourceKind::Named && words.chars().any(char::is_uppercase) {
            last_named = Some(words.to_string());
        }
    }
    out
}

/// Whether the report shows a tagger's attribution: it needs a source and a cue (a source
/// alone is often a subject the tagger guessed at), a source that stands for someone (generic
/// "you" and "one" do not), and a cue that reports something ("she said nothing" does not).
fn reportable(f: &Found, text: &str) -> bool {
    let (Some(src), Some(cue)) = (&f.source, &f.cue) else {
        return false;
    };
    let generic = matches!(
        text[src.clone()].to_lowercase().as_str(),
        "you" | "one" | "you all"
    );
    let next = text[cue.end..]
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())
        .unwrap_or("");
    !generic && !matches!(next.to_lowercase().as_str(), "nothing" | "little")
}

/// Which of the attributions (their content ranges and cue, in bytes) a sentence belongs to:
/// the one whose content covers most of it (PolNeAR's unit: the attributed words), else the
/// first whose cue lies in it. Used for the report and, on the gold side, by the evaluation.
pub fn covering<'a>(
    sentence: &Range<usize>,
    atts: impl Iterator<Item = (&'a [Range<usize>], Option<&'a Range<usize>>)> + Clone,
) -> Option<usize> {
    let cover = |rs: &[Range<usize>]| -> usize {
        rs.iter()
            .map(|r| {
                r.end
                    .min(sentence.end)
                    .saturating_sub(r.start.max(sentence.start))
            })
            .sum()
    };
    atts.clone()
        .enumerate()
        .map(|(i, (c, _))| (cover(c), i))
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, i)| (*n, std::cmp::Reverse(*i)))
        .map(|(_, i)| i)
        .or_else(|| {
            atts.enumerate()
                .find(|(_, (_, cue))| {
                    cue.is_some_and(|c| c.start < sentence.end && sentence.start < c.end)
                })
                .map(|(i, _)| i)
        })
}

impl Found {
    /// As the report's per-sentence attribution.
    fn attribution(&self, text: &str) -> Attribution {
        // The phrase: source and cue when they are close, else the cue.
        let phrase = match (&self.source, &self.cue) {
            (Some(s), Some(c)) if s.end.max(c.end) - s.start.min(c.start) <= 200 => {
                Some(s.start.min(c.start)..s.end.max(c.end))
            }
            (s, c) => c.clone().or(s.clone()),
        };
        Attribution {
            kind: self.kind,
            source: self.source.clone().map(|r| text[r].to_string()),
            bytes: phrase.unwrap_or(0..0),
            verb: self.cue.clone().map(|r| text[r].to_string()),
            rule: "attribution model",
            parts: Some(AttributionParts {
                source: self.source.clone(),
                cue: self.cue.clone(),
                content: self.content.clone(),
                resolved: self.resolved.clone(),
                confidence: self.confidence,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(tag: usize, conf: f32) -> [f32; TAGS] {
        let mut v = [(1.0 - conf) / (TAGS - 1) as f32; TAGS];
        v[tag] = conf;
        v
    }

    #[test]
    fn viterbi_never_starts_a_role_inside() {
        // The locally best tags would be I-Source, I-Source, B-Cue: the sequence may not open on
        // an inside tag, so the first token becomes B-Source.
        let probs = [p(2, 0.5), p(2, 0.9), p(3, 0.9)];
        assert_eq!(viterbi(&probs), vec![1, 2, 3]);
        // An inside cue after a source is not allowed either.
        let probs = [p(1, 0.9), p(4, 0.6)];
        let t = viterbi(&probs);
        assert_eq!(t[0], 1);
        assert_ne!(t[1], 4);
        assert!(viterbi(&[]).is_empty());
    }

    #[test]
    fn runs_are_roles_with_their_mean_confidence() {
        let tags = [1, 2, 3, 0, 5, 6, 6];
        let probs = [
            p(1, 0.8),
            p(2, 0.6),
            p(3, 0.9),
            p(0, 0.9),
            p(5, 0.5),
            p(6, 0.5),
            p(6, 0.8),
        ];
        let r = runs(&tags, &probs, 4, 10);
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].role, r[0].tokens.clone()), (Role::Source, 10..12));
        assert!((r[0].confidence - 0.7).abs() < 1e-6);
        assert_eq!((r[1].role, r[1].tokens.clone()), (Role::Cue, 12..13));
        assert_eq!(
            (r[2].role, r[2].tokens.clone(), r[2].sentence),
            (Role::Content, 14..17, 4)
        );
    }
}
