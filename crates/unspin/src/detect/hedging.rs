//! Hedging and conditional framing: words and constructions by which a writer avoids standing
//! behind a claim while still putting it in front of the reader.

use super::{Detector, Finding, HedgeCue, HedgeKind, ModelInfo, at_word_bounds};
use crate::lexicon::Lexicons;
use crate::text::Analyzed;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use std::ops::Range;
use std::sync::Arc;

/// Approximators in Hyland's list that hedge only before a quantity ("about 40 people"); before
/// anything else they are prepositions ("a story about Syria").
const APPROXIMATORS: &[&str] = &["about", "around", "approximately", "roughly", "almost"];

pub struct HedgingDetector {
    lexical: AhoCorasick,
    /// The patterns as one automaton, to skip the sentences none of them matches.
    pattern_set: regex::RegexSet,
    patterns: Vec<(HedgeKind, Regex)>,
    _lex: Arc<Lexicons>,
}

impl HedgingDetector {
    pub fn new(lex: Arc<Lexicons>) -> HedgingDetector {
        let lexical = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&lex.hedges)
            .expect("hedge lexicon builds an automaton");
        let re = |s: &str| Regex::new(s).expect("hedge pattern compiles");
        let patterns = vec![
            // "If the following accusations are true", "if these reports are confirmed"
            (
                HedgeKind::Conditional,
                re(
                    r"(?i)(?-u:\b)(?:if|assuming|supposing|provided that|in case)(?-u:\b)[^.;:!?]{0,100}?(?-u:\b)(?:(?:is|are|was|were|be|prove|proves|turn out to be|turns out to be)\s+(?:true|accurate|correct|genuine|real|confirmed|verified|the case)|(?:is|are|was|were|be|gets?)\s+confirmed)(?-u:\b)",
                ),
            ),
            // Inverted conditionals: "Should this audio recording be the real deal"
            (
                HedgeKind::Conditional,
                re(
                    r"(?i)(?:^|[.;:!?]\s+|,\s*)(?-u:\b)(?:should|were|had)\s+(?:this|that|these|those|the|it|they|he|she|such)(?-u:\b)[^.;:!?,]{0,80}?(?-u:\b)(?:be|prove|turn out)(?-u:\b)",
                ),
            ),
            (
                HedgeKind::Distancing,
                re(
                    r"(?i)(?-u:\b)(?:allegedly|reportedly|purportedly|supposedly|ostensibly|seemingly|rumou?red(?:ly)?|unconfirmed|unverified|alleged)(?-u:\b)",
                ),
            ),
            (
                HedgeKind::Distancing,
                re(
                    r"(?i)(?-u:\b)it\s+(?:appears|appeared|seems|seemed|is\s+(?:said|believed|rumou?red|alleged|thought|claimed)|was\s+(?:said|believed|rumou?red|alleged|thought|claimed))(?-u:\b)",
                ),
            ),
        ];
        HedgingDetector {
            pattern_set: regex::RegexSet::new(patterns.iter().map(|(_, r)| r.as_str()))
                .expect("patterns compile as a set"),
            lexical,
            patterns,
            _lex: lex,
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
                strong.push(HedgeCue {
                    sentence: s,
                    bytes,
                    kind: *kind,
                });
            }
        }
        for m in self.lexical.find_iter(text) {
            let bytes: Range<usize> = base + m.start()..base + m.end();
            if !at_word_bounds(doc.text, &bytes) {
                continue;
            }
            let word = doc.text[bytes.clone()].to_ascii_lowercase();
            if APPROXIMATORS.contains(&word.as_str()) && !before_quantity(doc.text, bytes.end) {
                continue;
            }
            if strong
                .iter()
                .any(|c| c.bytes.start <= bytes.start && bytes.end <= c.bytes.end)
            {
                continue;
            }
            out.push(HedgeCue {
                sentence: s,
                bytes,
                kind: HedgeKind::Lexical,
            });
        }
        out.extend(strong);
    }
}

/// Whether a number (or a number word) follows `at`, skipping spaces and a currency sign.
fn before_quantity(text: &str, at: usize) -> bool {
    let rest = text[at..].trim_start().trim_start_matches(['$', '€', '£']);
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return true;
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphabetic())
        .collect::<String>()
        .to_lowercase();
    matches!(
        word.as_str(),
        "one"
            | "two"
            | "three"
            | "four"
            | "five"
            | "six"
            | "seven"
            | "eight"
            | "nine"
            | "ten"
            | "a"
            | "half"
            | "twice"
            | "dozen"
            | "dozens"
            | "hundred"
            | "hundreds"
            | "thousand"
            | "thousands"
            | "million"
            | "millions"
            | "billion"
    )
}

impl Detector for HedgingDetector {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "hedging-rules".into(),
            version: "1".into(),
            kind: "rules".into(),
        }
    }

    fn detect(&self, doc: &Analyzed<'_>, out: &mut Vec<Finding>) {
        let mut cues = Vec::new();
        for s in 0..doc.sentences.len() {
            self.sentence_cues(doc, s, &mut cues);
        }
        cues.sort_by_key(|c| (c.bytes.start, c.bytes.end));
        out.extend(cues.into_iter().map(Finding::Hedge));
    }
}
