//! Loaded language: runs of emotionally charged words ("purveyors of death, horror and
//! barbarism"). A word scores by its VADER valence and its membership in the strong-subjectivity
//! and bias lexicons; neighbouring charged words join into one span, and a span fires when its
//! summed score is high enough. A lone strong word in neutral reporting ("the death toll") does
//! not fire; the same word in a charged sentence or a charged list does.

use super::Detector;
use crate::assets::Words;
use crate::doc::{Doc, ModelInfo, TechniqueFinding};
use crate::lexicon::{Lexicons, TokenFacts};
use crate::technique::Technique;
use crate::text::TokenKind;
use std::sync::Arc;
use vader_parity::SentimentIntensityAnalyzer;

/// Score a run needs to fire.
const THRESHOLD: f32 = 0.9;
/// A strongly emotional sentence (|VADER compound| at least this) lowers the bar.
const CHARGED_SENTENCE: f64 = 0.6;
const CHARGED_THRESHOLD: f32 = 0.75;
/// At least one word of a run must carry this much VADER valence.
const MIN_VALENCE: f32 = 1.5;

/// Capitalised mid-sentence words are names ("United Nations", "Peace Action"); all-caps words
/// are kept, since shouting is itself a signal.
fn is_capitalised(text: &str, t: &crate::text::Token) -> bool {
    let w = &text[t.bytes.clone()];
    w.chars().next().is_some_and(char::is_uppercase) && w.chars().any(char::is_lowercase)
}

pub struct LoadedLanguageDetector {
    lex: Arc<Lexicons>,
    vader: SentimentIntensityAnalyzer,
    /// Words a run may pass over between two charged words ("death, horror and barbarism").
    glue: Words,
    /// Words of plain event reporting: charged in the lexicons, neutral in a news report of
    /// the event.
    event_words: Words,
}

struct Scored {
    token: usize,
    score: f32,
    valence: f32,
}

impl LoadedLanguageDetector {
    pub fn new(lex: Arc<Lexicons>) -> LoadedLanguageDetector {
        let lang = lex.lang();
        LoadedLanguageDetector {
            glue: lang.words("loaded/glue.txt"),
            event_words: lang.words("loaded/event_words.txt"),
            lex,
            vader: SentimentIntensityAnalyzer::new(),
        }
    }

    fn score(&self, norm: &str, facts: TokenFacts) -> Option<(f32, f32)> {
        if norm.chars().count() < 3 {
            return None;
        }
        let valence = self.lex.valence(norm);
        let (strong, bias) = (facts.strong, facts.bias);
        let mut score = valence.map_or(0.0, |v| ((v.abs() - 1.0) / 3.0).max(0.0));
        if strong {
            score += 0.3;
        }
        if bias {
            score += 0.15;
        }
        if self.event_words.contains(norm) {
            score *= 0.4;
        }
        if score < 0.3 {
            return None;
        }
        Some((score, valence.unwrap_or(0.0).abs()))
    }
}

impl Detector for LoadedLanguageDetector {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "loaded-language-lexicon".into(),
            version: "1".into(),
            kind: "rules".into(),
            thresholds: Default::default(),
        }
    }

    fn detect(&self, doc: &mut Doc<'_>) {
        let seg = &doc.seg;
        for (s, sent) in seg.sentences.iter().enumerate() {
            let toks = &seg.tokens[sent.tokens.clone()];
            let facts = &doc.facts[sent.tokens.clone()];
            let scored: Vec<Scored> = toks
                .iter()
                .enumerate()
                .filter(|(i, t)| {
                    t.kind == TokenKind::Word && !(*i > 0 && is_capitalised(seg.text, t))
                })
                .filter_map(|(i, t)| {
                    self.score(&t.norm, facts[i])
                        .map(|(score, valence)| Scored {
                            token: i,
                            score,
                            valence,
                        })
                })
                .collect();
            if scored.is_empty() {
                continue;
            }
            // Group into runs joined only by glue words.
            let mut runs: Vec<Vec<&Scored>> = Vec::new();
            for sc in &scored {
                let joins = runs.last().and_then(|r| r.last()).is_some_and(|prev| {
                    toks[prev.token + 1..sc.token]
                        .iter()
                        .all(|t| self.glue.contains(&t.norm))
                        && sc.token - prev.token <= 4
                });
                if joins {
                    runs.last_mut().expect("a run exists").push(sc);
                } else {
                    runs.push(vec![sc]);
                }
            }
            let mut compound: Option<f64> = None;
            for run in runs {
                let total: f32 = run.iter().map(|r| r.score).sum();
                // Lexicon membership alone (no valence) cannot reach the bar: the subjectivity lists
                // hold plenty of neutral words ("facts", "beliefs", "closely").
                if total < CHARGED_THRESHOLD || run.iter().all(|r| r.valence < MIN_VALENCE) {
                    continue;
                }
                // The charged words themselves, as the article writes them.
                let mut evidence: Vec<String> = Vec::new();
                for r in &run {
                    let w = &seg.text[toks[r.token].bytes.clone()];
                    if !evidence.iter().any(|e| e == w) {
                        evidence.push(w.to_string());
                    }
                }
                if total < THRESHOLD {
                    let c: f64 = *compound.get_or_insert_with(|| {
                        self.vader.polarity_scores(seg.sentence_text(s)).compound
                    });
                    if c.abs() < CHARGED_SENTENCE {
                        continue;
                    }
                }
                let first = &toks[run[0].token];
                let last = &toks[run[run.len() - 1].token];
                doc.techniques.push(TechniqueFinding {
                    technique: Technique::LoadedLanguage,
                    sentence: s,
                    bytes: first.bytes.start..last.bytes.end,
                    confidence: None,
                    evidence,
                });
            }
        }
    }
}
