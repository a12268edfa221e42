//! Publisher furniture: bylines, datelines, "Read more", share/subscribe/follow tails,
//! copyright and photo credits. Such sentences are not the article: they are left out of every
//! rate, of the word profile and of the unsupported claims, so a score does not learn which site
//! an article came from. The patterns are `assets/lang/<code>/boilerplate/`.

use super::{Detector, patterns};
use crate::assets::Words;
use crate::doc::{Doc, ModelInfo};
use crate::lexicon::Lexicons;
use crate::text::TokenKind;
use regex::{Regex, RegexSet};

pub struct BoilerplateDetector {
    patterns: RegexSet,
    /// First words of the longer furniture sentences the patterns know.
    openers: Words,
    /// A dateline opening a sentence: "WASHINGTON (Reuters) —", "LONDON, Jan. 5 -".
    dateline: Regex,
}

impl BoilerplateDetector {
    pub fn new(lex: &Lexicons) -> BoilerplateDetector {
        let lang = lex.lang();
        let list: Vec<String> = lang
            .entries("boilerplate/patterns.txt")
            .map(str::to_string)
            .collect();
        BoilerplateDetector {
            patterns: RegexSet::new(&list).expect("boilerplate patterns compile"),
            openers: lang.words("boilerplate/openers.txt"),
            dateline: patterns(lang, "boilerplate/dateline.txt")
                .pop()
                .expect("a dateline pattern"),
        }
    }

    /// Whether one sentence (trimmed) is furniture by the patterns alone.
    pub fn is_boilerplate(&self, sentence: &str) -> bool {
        self.patterns.is_match(sentence)
    }

    /// Where a dateline opening `s` ends (a byte offset into `s`).
    fn dateline_end(&self, s: &str) -> Option<usize> {
        let mut c = s.chars();
        // Two capitals first, before trying the pattern.
        let two_caps =
            c.next().is_some_and(char::is_uppercase) && c.next().is_some_and(char::is_uppercase);
        two_caps
            .then(|| self.dateline.find(s).map(|m| m.end()))
            .flatten()
    }
}

impl Detector for BoilerplateDetector {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "boilerplate-rules".into(),
            version: "1".into(),
            kind: "rules".into(),
            thresholds: Default::default(),
        }
    }

    fn detect(&self, doc: &mut Doc<'_>) {
        let seg = &doc.seg;
        for (i, facts) in doc.sentences.iter_mut().enumerate() {
            let sent = &seg.sentences[i];
            // Cheap gate before the patterns: furniture is short, or opens with one of a few
            // words; a long sentence is content whatever it starts with.
            let first = seg.tokens[sent.tokens.clone()]
                .iter()
                .find(|t| t.kind != TokenKind::Punct)
                .map_or("", |t| t.norm.as_str());
            let candidate = sent.tokens.len() <= 12
                || (sent.tokens.len() <= 60 && self.openers.contains(first));
            let text = seg.sentence_text(i);
            facts.boilerplate = candidate && self.is_boilerplate(text.trim());
            facts.dateline_end = self.dateline_end(text).map(|end| sent.bytes.start + end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boilerplate_patterns() {
        let d = BoilerplateDetector::new(&Lexicons::load());
        for s in [
            "By John Smith",
            "Read More Here",
            "Share this: Facebook Twitter",
            "Copyright 2016 TruthFeed. All rights reserved.",
            "Featured image via Getty Images",
            "Subscribe to our newsletter!",
            "The post Senator lies again appeared first on TruthFeed.",
            "Facebook Twitter Email",
        ] {
            assert!(d.is_boilerplate(s), "should be boilerplate: {s}");
        }
        for s in [
            "By the time the vote came, the bill was dead.",
            "Share prices fell by 4 percent on Monday.",
            "The senator said the report was wrong.",
            "Read the report yourself, he told reporters, and decide.",
        ] {
            assert!(!d.is_boilerplate(s), "should be content: {s}");
        }
        assert_eq!(
            d.dateline_end("WASHINGTON (Reuters) — The vote"),
            Some("WASHINGTON (Reuters) — ".len())
        );
        assert_eq!(d.dateline_end("The vote in WASHINGTON"), None);
    }
}
