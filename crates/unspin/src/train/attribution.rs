//! Trains the attribution tagger (`model::attribution`) on PolNeAR's training articles.
//!
//! Every token's gold tag comes from the attribution roles it overlaps. The first pass is trained
//! on all articles; the second pass needs the first pass's tags as a new article would get them,
//! so those come out of fold: the articles are split in `folds` by position, and each fold is
//! tagged by a first pass trained on the others.

use crate::data::polnear::Article;
use crate::doc::Doc;
use crate::lexicon::Lexicons;
use crate::model::attribution::{
    AttributionModel, AttributionTrainInfo, BITS, Context, FEATURE_SET, Role, TAGS, sentence_range,
    stacked_features, token_features, viterbi,
};
use crate::model::linear::{Features, Linear, TrainConfig, softmax};
use crate::score::folds::position_folds;
use crate::train::linear::train_multiclass;
use std::collections::BTreeMap;
use std::ops::Range;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub cfg: TrainConfig,
    pub folds: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            cfg: TrainConfig {
                epochs: 5,
                learning_rate: 0.1,
                l2: 1e-6,
                seed: 17,
            },
            folds: 3,
        }
    }
}

/// The gold tag of every token of a document, from the attributions' role ranges (bytes).
pub fn gold_tags(doc: &Doc<'_>, a: &Article) -> Vec<u8> {
    let mut tags = vec![0u8; doc.seg.tokens.len()];
    for g in &a.attributions {
        for (role, ranges) in [
            (Role::Source, &g.source),
            (Role::Cue, &g.cue),
            (Role::Content, &g.content),
        ] {
            for r in ranges {
                mark(doc, r, role, &mut tags);
            }
        }
    }
    tags
}

fn mark(doc: &Doc<'_>, r: &Range<usize>, role: Role, tags: &mut [u8]) {
    let mut first = true;
    for (i, t) in doc.seg.tokens.iter().enumerate() {
        if t.bytes.start < r.end && r.start < t.bytes.end {
            tags[i] = if first {
                role.begin_tag()
            } else {
                role.begin_tag() + 1
            };
            first = false;
        }
    }
}

/// One sentence's examples: first-pass features of each token and the gold tags.
struct Sentence {
    article: usize,
    x: Vec<Vec<u32>>,
    y: Vec<u8>,
}

fn sentences(articles: &[Article], lex: &Lexicons) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut f = Features::new(BITS, false);
    for (ai, a) in articles.iter().enumerate() {
        let doc = Doc::new(&a.text, lex);
        let ctx = Context::new(&doc);
        let tags = gold_tags(&doc, a);
        for s in 0..doc.seg.sentences.len() {
            let toks = sentence_range(&doc, s);
            if toks.is_empty() {
                continue;
            }
            let mut x = Vec::with_capacity(toks.len());
            for i in toks.clone() {
                token_features(&doc, &ctx, i, &toks, &mut f);
                x.push(f.idx.clone());
            }
            // A sentence's gold tags as a sequence: an inside tag whose role begins in the previous
            // sentence opens the role here.
            let mut y: Vec<u8> = tags[toks.clone()].to_vec();
            if let Some(t) = y.first_mut()
                && matches!(*t, 2 | 4 | 6)
            {
                *t -= 1;
            }
            out.push(Sentence { article: ai, x, y });
        }
    }
    out
}

fn decode(m: &Linear, x: &[Vec<u32>], scores: &mut Vec<f32>) -> Vec<u8> {
    let probs: Vec<[f32; TAGS]> = x
        .iter()
        .map(|idx| {
            m.scores(idx, scores);
            softmax(scores, 1.0);
            let mut p = [0f32; TAGS];
            p.copy_from_slice(&scores[..TAGS]);
            p
        })
        .collect();
    viterbi(&probs)
}

fn fit(data: impl Iterator<Item = (Vec<u32>, u8)>, cfg: TrainConfig) -> Linear {
    let d: Vec<(Vec<u32>, usize)> = data.map(|(x, y)| (x, usize::from(y))).collect();
    train_multiclass(BITS, TAGS, &d, cfg)
}

/// Trains both passes on `articles`. `data_sha256` identifies the training data in the file.
pub fn train(
    articles: &[Article],
    lex: &Lexicons,
    s: Settings,
    data_sha256: String,
) -> AttributionModel {
    let sents = sentences(articles, lex);
    let fold_of = position_folds(articles.len(), s.folds);
    let mut stacked: Vec<Vec<Vec<u32>>> = sents.iter().map(|st| st.x.clone()).collect();
    let mut scores = Vec::new();
    let mut f = Features::new(BITS, false);
    for k in 0..s.folds {
        let m = fit(
            sents
                .iter()
                .filter(|st| fold_of[st.article] != k)
                .flat_map(|st| st.x.iter().cloned().zip(st.y.iter().copied())),
            s.cfg,
        );
        for (st, out) in sents.iter().zip(stacked.iter_mut()) {
            if fold_of[st.article] != k {
                continue;
            }
            let tags = decode(&m, &st.x, &mut scores);
            for (j, x) in out.iter_mut().enumerate() {
                f.clear();
                stacked_features(&tags, j, &mut f);
                x.extend_from_slice(&f.idx);
            }
        }
    }
    let first = fit(
        sents
            .iter()
            .flat_map(|st| st.x.iter().cloned().zip(st.y.iter().copied())),
        s.cfg,
    );
    let second = fit(
        stacked
            .into_iter()
            .zip(&sents)
            .flat_map(|(x, st)| x.into_iter().zip(st.y.iter().copied())),
        s.cfg,
    );
    AttributionModel {
        name: "attribution-polnear".into(),
        version: "1".into(),
        feature_set: FEATURE_SET,
        first,
        second,
        train: AttributionTrainInfo {
            data_sha256,
            articles: articles.len(),
            tokens: sents.iter().map(|st| st.y.len()).sum(),
            epochs: s.cfg.epochs,
            learning_rate: s.cfg.learning_rate,
            l2: s.cfg.l2,
            folds: s.folds,
            embeddings_sha256: crate::model::embeddings::embedded_sha256().to_string(),
        },
        metrics: BTreeMap::new(),
    }
}
