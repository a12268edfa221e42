//! Sensationalism in a headline: capitals, words of alarm and scandal ("BREAKING", "Exposes",
//! "Caught Red-Handed"), stacked exclamation or question marks, strongly charged words. The
//! clickbait model knows the curiosity gap of one dataset ("You Won't Believe…"); this says,
//! with the words, what it does not see. The alarm words are
//! `assets/lang/<code>/headline/alarm_words.txt`.

use crate::assets::Words;
use crate::doc::{Doc, ModelInfo};
use crate::lexicon::Lexicons;
use crate::text::TokenKind;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// What made a headline cue fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadlineCueKind {
    /// A word in capitals ("BREAKING", "SHOCKING"): five letters or more, or any when the
    /// headline shouts more than one.
    Capitals,
    /// A word of alarm or scandal.
    AlarmWord,
    /// Two or more `!`/`?` in a row.
    StackedPunctuation,
    /// A strongly charged word (VADER valence of 2.5 or more either way).
    ChargedWord,
}

/// One cue, as a byte range of the headline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadlineCue {
    pub bytes: Range<usize>,
    pub kind: HeadlineCueKind,
}

pub struct HeadlineDetector {
    alarm: Words,
}

impl HeadlineDetector {
    pub fn new(lex: &Lexicons) -> HeadlineDetector {
        HeadlineDetector {
            alarm: lex.lang().words("headline/alarm_words.txt"),
        }
    }

    /// What the rules are, for the report's `models` list.
    pub fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "headline-rules".into(),
            version: "1".into(),
            kind: "rules".into(),
            thresholds: Default::default(),
        }
    }

    /// The cues of a headline (a document of its own), in order.
    pub fn cues(&self, headline: &Doc<'_>) -> Vec<HeadlineCue> {
        let seg = &headline.seg;
        let caps = |k: usize| {
            let w = &seg.text[seg.tokens[k].bytes.clone()];
            seg.tokens[k].kind == TokenKind::Word
                && w.chars().filter(|c| c.is_alphabetic()).count() >= 3
                && w.chars().all(|c| !c.is_lowercase())
        };
        let shouted = (0..seg.tokens.len()).filter(|&k| caps(k)).count();
        let mut out = Vec::new();
        let mut k = 0;
        while k < seg.tokens.len() {
            let t = &seg.tokens[k];
            let w = &seg.text[t.bytes.clone()];
            if t.kind == TokenKind::Punct && w.contains(['!', '?']) {
                // A run of marks: one token each, or one token of several.
                let mut end = k + 1;
                while end < seg.tokens.len()
                    && seg.tokens[end].bytes.start == seg.tokens[end - 1].bytes.end
                    && seg.text[seg.tokens[end].bytes.clone()].contains(['!', '?'])
                {
                    end += 1;
                }
                let bytes = t.bytes.start..seg.tokens[end - 1].bytes.end;
                if seg.text[bytes.clone()]
                    .chars()
                    .filter(|c| matches!(c, '!' | '?'))
                    .count()
                    >= 2
                {
                    out.push(HeadlineCue {
                        bytes,
                        kind: HeadlineCueKind::StackedPunctuation,
                    });
                }
                k = end;
                continue;
            }
            if t.kind == TokenKind::Word {
                let letters = w.chars().filter(|c| c.is_alphabetic()).count();
                if caps(k) && (letters >= 5 || shouted >= 2) {
                    out.push(HeadlineCue {
                        bytes: t.bytes.clone(),
                        kind: HeadlineCueKind::Capitals,
                    });
                } else if self.alarm.contains(&t.norm) {
                    out.push(HeadlineCue {
                        bytes: t.bytes.clone(),
                        kind: HeadlineCueKind::AlarmWord,
                    });
                } else if headline.facts[k].valence.abs() >= 2.5 {
                    out.push(HeadlineCue {
                        bytes: t.bytes.clone(),
                        kind: HeadlineCueKind::ChargedWord,
                    });
                }
            }
            k += 1;
        }
        out
    }

    /// A headline is sensational with a word of alarm, stacked marks, or two cues of any kind.
    pub fn sensational(cues: &[HeadlineCue]) -> bool {
        cues.len() >= 2
            || cues.iter().any(|c| {
                matches!(
                    c.kind,
                    HeadlineCueKind::AlarmWord | HeadlineCueKind::StackedPunctuation
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cues(title: &str) -> (bool, Vec<(String, HeadlineCueKind)>) {
        let lex = Lexicons::load();
        let d = HeadlineDetector::new(&lex);
        let doc = Doc::new(title, &lex);
        let c = d.cues(&doc);
        (
            HeadlineDetector::sensational(&c),
            c.iter()
                .map(|c| (title[c.bytes.clone()].to_string(), c.kind))
                .collect(),
        )
    }

    #[test]
    fn sensational_headlines_and_their_words() {
        use HeadlineCueKind::*;
        let (s, c) = cues("BREAKING: Obama Caught Red-Handed!!!");
        assert!(s);
        assert_eq!(
            c,
            [
                ("BREAKING".to_string(), Capitals),
                ("Caught".to_string(), AlarmWord),
                ("!!!".to_string(), StackedPunctuation)
            ]
        );
        let (s, c) = cues("Secret Report Exposes the Harbor Bridge Cover-Up");
        assert!(s, "{c:?}");
        assert!(c.iter().any(|x| x.0 == "Exposes"));
        for calm in [
            "Council approves budget for road repairs",
            "You Won't Believe What This Mayor Did Next",
            "NASA launches new weather satellite",
            "Why the vote matters?",
        ] {
            let (s, c) = cues(calm);
            assert!(!s, "{calm}: {c:?}");
        }
    }
}
