//! The record of one document on its way through the pipeline: its segmentation, the lexicon
//! facts of every token, and what each stage found, by sentence. Detectors and models read it
//! and add to it; the report is built from it once, at the end, and nothing reads a report
//! back.
//!
//! Derived notions that several outputs share — a boilerplate sentence, an unsupported claim —
//! are defined here, once, so the report, the reliability signals, the corpus columns and the
//! summaries cannot disagree.

use crate::lexicon::{Lexicons, TokenFacts};
use crate::technique::Technique;
use crate::text::{Analyzed, TokenKind};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// One document: the text's segmentation and every stage's findings.
#[derive(Debug, Clone)]
pub struct Doc<'t> {
    pub seg: Analyzed<'t>,
    /// Lexicon facts of every token, in token order.
    pub facts: Vec<TokenFacts>,
    /// What the stages found in each sentence, in sentence order.
    pub sentences: Vec<SentenceFacts>,
    /// Technique spans, in the order the stage found them.
    pub techniques: Vec<TechniqueFinding>,
}

impl<'t> Doc<'t> {
    /// Segments the text and looks up every token's facts; no stage has run yet.
    pub fn new(text: &'t str, lex: &Lexicons) -> Doc<'t> {
        let seg = Analyzed::new(text);
        let facts = seg
            .tokens
            .iter()
            .map(|t| lex.facts(&t.norm, t.kind == TokenKind::Word))
            .collect();
        let sentences = vec![SentenceFacts::default(); seg.sentences.len()];
        Doc {
            seg,
            facts,
            sentences,
            techniques: Vec::new(),
        }
    }

    pub fn text(&self) -> &'t str {
        self.seg.text
    }
}

/// What the stages found in one sentence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SentenceFacts {
    /// Publisher furniture (byline, dateline line, share/subscribe tail, copyright, photo
    /// credit): left out of every rate and of the unsupported claims.
    pub boilerplate: bool,
    /// Byte offset where a dateline opening the sentence ends ("WASHINGTON (Reuters) —").
    pub dateline_end: Option<usize>,
    /// Hedge cues: the rule detector's, then (in a sentence the hedging model calls hedged) the
    /// model's learned ones, in text order.
    pub hedges: Vec<HedgeCue>,
    /// Who stands behind the sentence, when someone is named or alluded to.
    pub attribution: Option<Attribution>,
    /// Whether the sentence carries a direct quotation.
    pub quote: bool,
    pub checkworthiness: Option<f64>,
    /// The check-worthiness model's decision, at the threshold it chose in training.
    pub check_worthy: Option<bool>,
    pub hedging: Option<f64>,
    /// The hedging model's decision, at the threshold it chose in training.
    pub hedged: Option<bool>,
}

impl SentenceFacts {
    /// The kind of source the sentence gives.
    pub fn source(&self) -> SourceKind {
        self.attribution
            .as_ref()
            .map_or(SourceKind::None, |a| a.kind)
    }

    /// A claim to check: the check-worthiness model decided so (at its own threshold).
    pub fn claim(&self) -> bool {
        self.check_worthy == Some(true)
    }

    /// The one definition of an unsupported claim: a check-worthy sentence of the article (not
    /// publisher furniture) that gives no source.
    pub fn unsupported_claim(&self) -> bool {
        !self.boilerplate && self.claim() && self.source() == SourceKind::None
    }
}

/// What produced a part of the report, for its `models` list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub name: String,
    pub version: String,
    /// `rules` for hand-written detectors, `trained` for models learned from data.
    pub kind: String,
    /// The thresholds at which the model's decisions are taken (`hedged`, `check_worthy`,
    /// `is_clickbait`, the reliability labels), so a reader can see where each one lies.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub thresholds: std::collections::BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HedgeKind {
    /// A hedge word from Hyland's list ("might", "suggests", "probably").
    Lexical,
    /// A claim made conditional on its own truth ("If the accusations are true", "Should this be").
    Conditional,
    /// A marker that distances the writer from a claim ("allegedly", "reportedly", "it appears").
    Distancing,
    /// A word the hedging model weighs as a hedge ("some", "considered"), marked only in a
    /// sentence it calls hedged; the reliability signals count the lexicon cues only.
    Learned,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HedgeCue {
    pub bytes: Range<usize>,
    pub kind: HedgeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Named,
    Vague,
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    pub kind: SourceKind,
    /// The source as written ("TruthFeed", "Reports", "the minister").
    pub source: Option<String>,
    /// The whole attribution phrase ("According to TruthFeed", "Reports are fast coming in").
    pub bytes: Range<usize>,
    pub verb: Option<String>,
    /// Which rule fired, for the evidence line.
    pub rule: &'static str,
    /// The learned tagger's parts (`model::attribution`): the source's words, the cue and what
    /// is attributed, as byte ranges (possibly in a neighbouring sentence: a long quotation's
    /// speaker is named once). Empty for the rules, which find the phrase only.
    pub parts: Option<AttributionParts>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AttributionParts {
    pub source: Option<Range<usize>>,
    pub cue: Option<Range<usize>>,
    pub content: Vec<Range<usize>>,
    /// For a pronoun source ("he"), the named source it most likely stands for: the nearest
    /// named source before it in the article.
    pub resolved: Option<String>,
    /// The tagger's confidence: the lowest of its parts' mean tag probabilities.
    pub confidence: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TechniqueFinding {
    pub technique: Technique,
    /// The sentence the span starts in.
    pub sentence: usize,
    pub bytes: Range<usize>,
    /// Calibrated probability; `None` for rule detectors, which have no calibration.
    pub confidence: Option<f64>,
    pub evidence: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_claims_are_check_worthy_unsourced_article_sentences() {
        let claim = SentenceFacts {
            checkworthiness: Some(0.6),
            check_worthy: Some(true),
            ..SentenceFacts::default()
        };
        assert!(claim.unsupported_claim());
        let furniture = SentenceFacts {
            boilerplate: true,
            ..claim.clone()
        };
        assert!(furniture.claim() && !furniture.unsupported_claim());
        let sourced = SentenceFacts {
            attribution: Some(Attribution {
                parts: None,
                kind: SourceKind::Vague,
                source: Some("Sources".into()),
                bytes: 0..7,
                verb: None,
                rule: "test",
            }),
            ..claim.clone()
        };
        assert!(!sourced.unsupported_claim());
        let unscored = SentenceFacts::default();
        assert!(!unscored.claim() && !unscored.unsupported_claim());
    }

    #[test]
    fn facts_are_the_lexicons_for_every_token() {
        let lex = Lexicons::load();
        let doc = Doc::new("Critics claim the horror was staged! It was 5 pm.", &lex);
        assert_eq!(doc.facts.len(), doc.seg.tokens.len());
        assert_eq!(doc.sentences.len(), 2);
        for (t, f) in doc.seg.tokens.iter().zip(&doc.facts) {
            assert_eq!(*f, lex.facts(&t.norm, t.kind == TokenKind::Word));
        }
    }
}
