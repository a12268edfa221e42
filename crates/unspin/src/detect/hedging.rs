//! Hedging and conditional framing: words and constructions by which a writer avoids standing
//! behind a claim while still putting it in front of the reader.

use super::{Detector, at_word_bounds};
use crate::assets::Words;
use crate::doc::{Doc, HedgeCue, HedgeKind, ModelInfo};
use crate::lexicon::Lexicons;
use crate::text::Analyzed;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use std::ops::Range;

pub struct HedgingDetector {
    lexical: AhoCorasick,
    /// Approximators in Hyland's list that hedge only before a quantity ("about 40 people");
    /// before anything else they are prepositions ("a story about Syria").
    approximators: Words,
    /// Number words ("two", "dozens", "half") that make an approximator a hedge.
    quantity_words: Words,
    /// The patterns as one automaton, to skip the sentences none of them matches.
    pattern_set: regex::RegexSet,
    /// Conditional-framing and distancing patterns (`hedging/patterns.txt`: kind, tab, regex).
    patterns: Vec<(HedgeKind, Regex)>,
}

impl HedgingDetector {
    pub fn new(lex: &Lexicons) -> HedgingDetector {
        let lexical = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&lex.hedges)
            .expect("hedge lexicon builds an automaton");
        let lang = lex.lang();
        let patterns: Vec<(HedgeKind, Regex)> = lang
            .entries("hedging/patterns.txt")
            .map(|line| {
                let (kind, re) = line.split_once('\t').expect("kind<TAB>pattern");
                let kind = match kind {
                    "conditional" => HedgeKind::Conditional,
                    "distancing" => HedgeKind::Distancing,
                    other => panic!("hedging/patterns.txt: unknown kind {other:?}"),
                };
                (kind, Regex::new(re).expect("hedge pattern compiles"))
            })
            .collect();
        HedgingDetector {
            pattern_set: regex::RegexSet::new(patterns.iter().map(|(_, r)| r.as_str()))
                .expect("patterns compile as a set"),
            lexical,
            approximators: lang.words("hedging/approximators.txt"),
            quantity_words: lang.words("hedging/quantity_words.txt"),
            patterns,
        }
    }

    fn sentence_cues(&self, doc: &Analyzed<'_>, s: usize, out: &mut Vec<HedgeCue>) {
        let sent = &doc.sentences[s];
        let text = doc.sentence_text(s);
        let base = sent.bytes.start;
        let mut strong: Vec<HedgeCue> = Vec::new();
        let hits = self.pattern_set.matches(text);
        for (kind, re) in hits.iter().map(|i| &self.patterns[i]) {
            for m in re.find_iter(text) {
                // Patterns may begin with the punctuation that precedes an inversion; trim it.
                let matched = m.as_str();
                let lead = matched.len()
                    - matched
                        .trim_start_matches(|c: char| !c.is_alphanumeric())
                        .len();
                let bytes = base + m.start() + lead..base + m.end();
                if bytes.is_empty() {
                    continue;
                }
                strong.push(HedgeCue { bytes, kind: *kind });
            }
        }
        let mut strong_at: Vec<(usize, usize)> = strong
            .iter()
            .map(|c| (c.bytes.start, c.bytes.end))
            .collect();
        strong_at.sort_unstable();
        let (mut next, mut reach) = (0usize, 0usize);
        for m in self.lexical.find_iter(text) {
            let bytes: Range<usize> = base + m.start()..base + m.end();
            if !at_word_bounds(doc.text, &bytes) {
                continue;
            }
            let word = doc.text[bytes.clone()].to_ascii_lowercase();
            if self.approximators.contains(&word)
                && !before_quantity(doc.text, bytes.end, &self.quantity_words)
            {
                continue;
            }
            // Inside a conditional or distancing cue: that cue says it already. The matches come
            // in order, so the cues are swept once by start with the furthest end seen (testing
            // every match against every cue was quadratic on one giant hedge-heavy sentence).
            while next < strong_at.len() && strong_at[next].0 <= bytes.start {
                reach = reach.max(strong_at[next].1);
                next += 1;
            }
            if next > 0 && bytes.end <= reach {
                continue;
            }
            out.push(HedgeCue {
                bytes,
                kind: HedgeKind::Lexical,
            });
        }
        out.extend(strong);
    }
}

/// Whether a number (or a number word) follows `at`, skipping spaces and a currency sign.
fn before_quantity(text: &str, at: usize, number_words: &Words) -> bool {
    let rest = text[at..].trim_start().trim_start_matches(['$', '€', '£']);
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return true;
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphabetic())
        .collect::<String>()
        .to_lowercase();
    number_words.contains(&word)
}

impl Detector for HedgingDetector {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "hedging-rules".into(),
            version: "1".into(),
            kind: "rules".into(),
            thresholds: Default::default(),
        }
    }

    fn detect(&self, doc: &mut Doc<'_>) {
        let mut cues = Vec::new();
        for (s, facts) in doc.sentences.iter_mut().enumerate() {
            cues.clear();
            self.sentence_cues(&doc.seg, s, &mut cues);
            cues.sort_by_key(|c| (c.bytes.start, c.bytes.end));
            facts.hedges.append(&mut cues);
        }
    }
}
