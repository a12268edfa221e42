//! Attribution: who stands behind each sentence. A named source ("TruthFeed", "the minister",
//! "Dr. Smith told reporters") can be checked; a vague one ("reports are coming in", "sources
//! say", "many believe") cannot, which is what makes it a favourite of unreliable writing.

use super::{Detector, patterns};
use crate::assets::{Lang, Words};
use crate::doc::{Attribution, Doc, ModelInfo, SourceKind};
use crate::lexicon::{Lexicons, verb_forms};
use crate::text::{Analyzed, Token, TokenKind};
use regex::Regex;
use rustc_hash::FxHashSet as HashSet;
use std::ops::Range;
use std::sync::Arc;

/// The word lists of the rules (`assets/lang/<code>/attribution/`; each file says what its
/// list is for).
struct Lists {
    vague_heads: Words,
    group_nouns: Words,
    core_vague: Words,
    common_openers: Words,
    document_nouns: Words,
    finding_verbs: Words,
    group_verbs: Words,
    anaphoric: Words,
    first_person: Words,
    subject_stops: Words,
    not_agents: Words,
    auxiliaries: Words,
    determiners: Words,
    verbish: Words,
}

impl Lists {
    fn of(lang: &Lang) -> Lists {
        Lists {
            vague_heads: lang.words("attribution/vague_heads.txt"),
            group_nouns: lang.words("attribution/group_nouns.txt"),
            core_vague: lang.words("attribution/core_vague.txt"),
            common_openers: lang.words("attribution/common_openers.txt"),
            document_nouns: lang.words("attribution/document_nouns.txt"),
            finding_verbs: lang.words("attribution/finding_verbs.txt"),
            group_verbs: lang.words("attribution/group_verbs.txt"),
            anaphoric: lang.words("attribution/anaphoric.txt"),
            first_person: lang.words("attribution/first_person.txt"),
            subject_stops: lang.words("attribution/subject_stops.txt"),
            not_agents: lang.words("attribution/not_agents.txt"),
            auxiliaries: lang.words("attribution/auxiliaries.txt"),
            determiners: lang.words("attribution/determiners.txt"),
            verbish: lang.words("attribution/verbish.txt"),
        }
    }
}

const VAGUE_RULE: &str = "vague-source pattern";

pub struct AttributionDetector {
    lex: Arc<Lexicons>,
    lists: Lists,
    /// All vague-source patterns in one automaton: most sentences match none, and one scan
    /// says so.
    vague_set: regex::RegexSet,
    /// Report verbs of the lexicon that never anchor an attribution, in all their forms.
    noisy: HashSet<String>,
    vague: Vec<Regex>,
    according: Regex,
}

/// Personal and relative pronouns as sources: a specific person or group named elsewhere ("he",
/// "who", "I" inside a quotation). Generic "you" and "one" name no one.
pub const PRONOUNS: &[&str] = &[
    "he", "she", "it", "i", "we", "they", "who", "which", "that", "him", "her", "his", "its",
    "their", "them", "us", "me", "my", "our",
];

impl AttributionDetector {
    pub fn new(lex: Arc<Lexicons>) -> AttributionDetector {
        let lang = lex.lang();
        let vague = patterns(lang, "attribution/vague_patterns.txt");
        AttributionDetector {
            vague_set: regex::RegexSet::new(vague.iter().map(Regex::as_str))
                .expect("patterns compile as a set"),
            lists: Lists::of(lang),
            noisy: lang
                .entries("attribution/noisy_verbs.txt")
                .flat_map(verb_forms)
                .collect(),
            vague,
            according: patterns(lang, "attribution/according.txt")
                .pop()
                .expect("an according-to pattern"),
            lex,
        }
    }

    /// The kind of a source phrase (bytes of the text), `None` for an attribution without one:
    /// vague, since the writer gives no one to check. Pronouns stand for someone named.
    pub fn source_kind(&self, doc: &Analyzed<'_>, source: Option<&Range<usize>>) -> SourceKind {
        let Some(r) = source else {
            return SourceKind::Vague;
        };
        // Tokens are in text order: start at the first that ends after the phrase starts.
        let from = doc.tokens.partition_point(|t| t.bytes.end <= r.start);
        let words: Vec<&Token> = doc.tokens[from..]
            .iter()
            .take_while(|t| t.bytes.start < r.end)
            .filter(|t| {
                t.bytes.start < r.end && r.start < t.bytes.end && t.kind != TokenKind::Punct
            })
            .collect();
        let Some(first) = words.first() else {
            return SourceKind::Vague;
        };
        if PRONOUNS.contains(&first.norm.as_str())
            && words[1..].iter().all(|w| {
                matches!(
                    w.norm.as_str(),
                    "'s" | "’s" | "himself" | "herself" | "themselves"
                )
            })
        {
            return SourceKind::Named;
        }
        classify(
            &self.lists,
            doc,
            doc.sentence_tokens(first.sentence),
            &words,
        )
    }

    /// Whether the words are a pronoun standing for someone ("he", "she's", "who").
    pub fn is_pronoun(words: &str) -> bool {
        let first = words
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("");
        PRONOUNS.contains(&first.to_lowercase().as_str())
    }

    /// Whether a vague-source pattern ("sources said", "they say") matches the text.
    pub fn vague_pattern(&self, text: &str) -> bool {
        self.vague_set.is_match(text)
    }

    pub fn lexicons(&self) -> &Lexicons {
        &self.lex
    }

    /// The rules' attribution of sentence `s`.
    pub fn sentence(&self, doc: &Analyzed<'_>, s: usize) -> Option<Attribution> {
        let text = doc.sentence_text(s);
        let base = doc.sentences[s].bytes.start;
        let toks = doc.sentence_tokens(s);
        let l = &self.lists;
        let mut found: Vec<Attribution> = Vec::new();

        let hits = self.vague_set.matches(text);
        for re in hits.iter().map(|i| &self.vague[i]) {
            if let Some(m) = re.find(text) {
                let phrase = m.as_str();
                let head = phrase.split_whitespace().next().unwrap_or(phrase);
                found.push(Attribution {
                    kind: SourceKind::Vague,
                    source: Some(
                        head.trim_matches(|c: char| !c.is_alphanumeric())
                            .to_string(),
                    ),
                    bytes: base + m.start()..base + m.end(),
                    verb: None,
                    rule: VAGUE_RULE,
                    parts: None,
                });
                break;
            }
        }

        if let Some(m) = self.according.find(text) {
            let np_start = base + m.end();
            let np = noun_phrase_after(l, doc, toks, np_start);
            if let Some(np) = np {
                let words = tokens_in(toks, &np);
                let kind = classify(l, doc, toks, &words);
                found.push(Attribution {
                    kind,
                    source: Some(doc.text[np.clone()].to_string()),
                    bytes: base + m.start()..np.end,
                    verb: Some("according to".into()),
                    rule: "according to",
                    parts: None,
                });
            }
        }

        if let Some(a) = self.report_verb(doc, toks) {
            found.push(a);
        }

        // A phrase inside another (the vague pattern inside "according to reports") yields to the
        // longer one; among the rest the earliest wins. A vague pattern overlapping the winner
        // makes it vague: "Unnamed officials confirmed" is a vague source with a verb.
        found.sort_by_key(|a| (a.bytes.start, std::cmp::Reverse(a.bytes.end)));
        let vague_at = found
            .iter()
            .filter(|a| a.rule == VAGUE_RULE)
            .map(|a| a.bytes.clone())
            .collect::<Vec<_>>();
        let mut best = found.into_iter().next()?;
        if vague_at
            .iter()
            .any(|v| v.start < best.bytes.end && best.bytes.start < v.end)
        {
            best.kind = SourceKind::Vague;
        }
        Some(best)
    }

    /// "X said", "X told reporters", and the inverted "…, said X."
    fn report_verb(&self, doc: &Analyzed<'_>, toks: &[Token]) -> Option<Attribution> {
        let l = &self.lists;
        for (i, t) in toks.iter().enumerate() {
            if t.kind != TokenKind::Word || !self.is_verb_use(toks, i) {
                continue;
            }
            // "She said nothing" reports no claim.
            if toks
                .get(i + 1)
                .is_some_and(|n| matches!(n.norm.as_str(), "nothing" | "little"))
            {
                continue;
            }
            // Subject before the verb.
            let mut j = i;
            let mut passive = false;
            while j > 0 && l.auxiliaries.contains(toks[j - 1].norm.as_str()) {
                passive |= matches!(
                    toks[j - 1].norm.as_str(),
                    "was" | "were" | "is" | "are" | "been"
                );
                j -= 1;
            }
            if passive {
                // "This was confirmed" names no one; "was confirmed by the ministry" does.
                if toks.get(i + 1).is_some_and(|t| t.norm == "by")
                    && let Some(np) = noun_phrase_after(l, doc, toks, toks[i + 1].bytes.end)
                    && !toks.iter().any(|w| {
                        w.bytes.start >= np.start
                            && w.bytes.end <= np.end
                            && l.not_agents.contains(w.norm.as_str())
                    })
                {
                    let words = tokens_in(toks, &np);
                    return Some(Attribution {
                        kind: classify(l, doc, toks, &words),
                        source: Some(doc.text[np.clone()].to_string()),
                        bytes: toks[j].bytes.start..np.end,
                        verb: Some(doc.text[t.bytes.clone()].to_string()),
                        rule: "passive report verb",
                        parts: None,
                    });
                }
                continue;
            }
            let mut k = subject_start(l, toks, j);
            // "Maria Lopez, a nurse at the clinic, told reporters": skip the apposition back to
            // the subject before it.
            if k == j
                && let Some(open) = apposition_start(toks, j)
            {
                j = open;
                k = subject_start(l, toks, j);
            }
            // "the people it claims to serve": a pronoun right before the verb is the subject,
            // and what precedes it belongs to another clause.
            if j - k > 1 && matches!(toks[j - 1].norm.as_str(), "it" | "they" | "he" | "she") {
                k = j - 1;
            }
            let subject: Vec<&Token> = toks[k..j]
                .iter()
                .filter(|t| t.kind != TokenKind::Punct)
                .collect();
            // The writer's own "I said" / "we stated" is a claim, not a source.
            if subject.len() == 1 && l.first_person.contains(subject[0].norm.as_str()) {
                continue;
            }
            if !subject.is_empty() {
                let kind = classify(l, doc, toks, &subject);
                let start = toks[k].bytes.start;
                let src = doc.text[start..toks[j - 1].bytes.end].to_string();
                return Some(Attribution {
                    kind,
                    source: Some(src),
                    bytes: start..t.bytes.end,
                    verb: Some(doc.text[t.bytes.clone()].to_string()),
                    rule: "report verb",
                    parts: None,
                });
            }
            // Inverted after a quote: `"…," said John Smith.`
            if i > 0
                && matches!(toks[i - 1].norm.as_str(), "," | "\"" | "”" | "’" | "'")
                && let Some(np) = noun_phrase_after(l, doc, toks, t.bytes.end)
            {
                return Some(Attribution {
                    kind: classify(l, doc, toks, &tokens_in(toks, &np)),
                    source: Some(doc.text[np.clone()].to_string()),
                    bytes: t.bytes.start..np.end,
                    verb: Some(doc.text[t.bytes.clone()].to_string()),
                    rule: "report verb",
                    parts: None,
                });
            }
        }
        None
    }

    /// A report verb used as a verb: not after a determiner ("the report", "his claims") and not
    /// the first word (a capitalised "Reports" opening a sentence is a noun).
    fn is_verb_use(&self, toks: &[Token], i: usize) -> bool {
        let l = &self.lists;
        let w = toks[i].norm.as_str();
        if i > 0 {
            let prev = toks[i - 1].norm.as_str();
            if l.group_verbs.contains(w) && is_plural_group(l, prev) {
                return true;
            }
            if l.finding_verbs.contains(w) && (w == "documented" || l.document_nouns.contains(prev))
            {
                return true;
            }
        }
        if self.noisy.contains(w) || !self.lex.is_report_verb(w) {
            return false;
        }
        // Only finite forms: bare "report"/"claim" are nouns or infinitives too often.
        let finite = w.ends_with("ed")
            || w.ends_with('s')
            || matches!(
                w,
                "said" | "told" | "wrote" | "spoke" | "say" | "tell" | "swore"
            );
        if !finite || i == 0 {
            return false;
        }
        let prev = toks[i - 1].norm.as_str();
        !l.determiners.contains(prev) && !prev.ends_with("'s")
    }
}

/// Where the subject ending before token `j` starts: back over at most seven words, stopping
/// at punctuation or a clause word. Equal to `j` when there is none.
fn subject_start(l: &Lists, toks: &[Token], j: usize) -> usize {
    let mut k = j;
    while k > 0 && j - k < 7 {
        let p = &toks[k - 1];
        if p.kind == TokenKind::Punct && !matches!(p.norm.as_str(), "-" | "'s" | ".") {
            break;
        }
        if l.subject_stops.contains(p.norm.as_str()) {
            break;
        }
        k -= 1;
    }
    k
}

/// Where an apposition ending just before `j` opens: `j - 1` is a comma, and the words back to
/// the previous comma start with an article ("…, a nurse at the clinic,"). Returns the index of
/// the opening comma.
fn apposition_start(toks: &[Token], j: usize) -> Option<usize> {
    if j < 3 || toks[j - 1].norm != "," {
        return None;
    }
    let open = (0..j - 1).rev().take(10).find(|&c| toks[c].norm == ",")?;
    let first = toks.get(open + 1)?.norm.as_str();
    (open > 0 && matches!(first, "a" | "an" | "the") && open + 2 < j - 1).then_some(open)
}

/// A plural head that stands for a group: "critics", "analysts", "doctors", "many".
fn is_plural_group(l: &Lists, w: &str) -> bool {
    l.group_nouns.contains(w)
        || matches!(w, "many" | "some" | "media" | "others" | "people")
        || (w.ends_with('s') && l.vague_heads.contains(w))
}

fn tokens_in<'a>(toks: &'a [Token], r: &Range<usize>) -> Vec<&'a Token> {
    toks.iter()
        .filter(|t| t.bytes.start >= r.start && t.bytes.end <= r.end)
        .collect()
}

/// The noun phrase starting at byte `from`: up to the next punctuation or clause word, at most
/// eight tokens.
fn noun_phrase_after(
    l: &Lists,
    doc: &Analyzed<'_>,
    toks: &[Token],
    from: usize,
) -> Option<Range<usize>> {
    let mut start = None;
    let mut end = None;
    let after: Vec<&Token> = toks
        .iter()
        .filter(|t| t.bytes.start >= from)
        .take(8)
        .collect();
    for (n, t) in after.iter().enumerate() {
        if t.kind == TokenKind::Punct && !matches!(t.norm.as_str(), "-" | "." | "&") {
            break;
        }
        // "Ministry of Health", "Department for Education": a joiner between capitalised words.
        let joins_names = start.is_some()
            && matches!(t.norm.as_str(), "of" | "for" | "and" | "on")
            && after.get(n + 1).is_some_and(|next| {
                doc.text[next.bytes.clone()]
                    .chars()
                    .next()
                    .is_some_and(char::is_uppercase)
            });
        if !joins_names
            && (l.subject_stops.contains(t.norm.as_str())
                || (start.is_some() && l.verbish.contains(&t.norm)))
        {
            break;
        }
        start.get_or_insert(t.bytes.start);
        // A phrase ends on a word: "J. Smith" keeps its period, "said Tomas Berg." does not.
        if t.kind != TokenKind::Punct {
            end = Some(t.bytes.end);
        }
    }
    Some(start?..end?)
}

/// Named when the phrase holds a proper noun or a definite description pointing back at one;
/// vague when its head is a stand-in like "sources" or a quantifier like "many".
fn classify(l: &Lists, doc: &Analyzed<'_>, sentence: &[Token], words: &[&Token]) -> SourceKind {
    if words.is_empty() {
        return SourceKind::None;
    }
    let first_of_sentence = sentence.first().map(|t| t.bytes.start);
    let proper = words.iter().any(|t| {
        let s = &doc.text[t.bytes.clone()];
        let capital = s.chars().next().is_some_and(char::is_uppercase);
        let sentence_initial = Some(t.bytes.start) == first_of_sentence;
        let w = t.norm.as_str();
        let common = l.vague_heads.contains(w)
            || l.group_nouns.contains(w)
            || l.determiners.contains(w)
            || (sentence_initial && (l.subject_stops.contains(w) || l.common_openers.contains(w)));
        capital && !common
    });
    if proper {
        return SourceKind::Named;
    }
    let first = words[0].norm.as_str();
    let definite = matches!(
        first,
        "the" | "this" | "these" | "those" | "his" | "her" | "their" | "its"
    );
    let vague_head = |w: &str| {
        l.vague_heads.contains(w) || l.group_nouns.contains(w) || l.document_nouns.contains(w)
    };
    if words.iter().any(|t| vague_head(&t.norm)) {
        // "The researchers wrote" points back at people the article introduced; "the sources
        // said" still names no one.
        let core = words.iter().any(|t| l.core_vague.contains(t.norm.as_str()));
        return if definite && !core {
            SourceKind::Named
        } else {
            SourceKind::Vague
        };
    }
    if l.anaphoric.contains(first) || matches!(first, "the" | "his" | "her" | "their" | "this") {
        return SourceKind::Named;
    }
    SourceKind::Vague
}

impl Detector for AttributionDetector {
    fn info(&self) -> ModelInfo {
        ModelInfo {
            name: "attribution-rules".into(),
            version: "1".into(),
            kind: "rules".into(),
            thresholds: Default::default(),
        }
    }

    fn detect(&self, doc: &mut Doc<'_>) {
        for (s, facts) in doc.sentences.iter_mut().enumerate() {
            facts.quote = has_direct_quote(doc.seg.sentence_text(s));
            facts.attribution = self.sentence(&doc.seg, s);
        }
    }
}

/// A direct quotation: a double-quoted stretch of at least three words. Single words in quotes
/// are scare quotes ("the ‘accidental’ strike"), which are not someone's words.
pub fn has_direct_quote(s: &str) -> bool {
    let mut open: Option<usize> = None;
    for (i, c) in s.char_indices() {
        match c {
            '“' => open = Some(i + c.len_utf8()),
            '”' => {
                if let Some(o) = open.take()
                    && s[o..i].split_whitespace().count() >= 3
                {
                    return true;
                }
            }
            '"' => match open.take() {
                Some(o) if s[o..i].split_whitespace().count() >= 3 => return true,
                Some(_) => {}
                None => open = Some(i + 1),
            },
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_quotes_are_not_scare_quotes() {
        assert!(has_direct_quote(
            "He said “we will never give up the fight” today."
        ));
        assert!(has_direct_quote(
            "\"This is a disaster for all of us,\" she said."
        ));
        assert!(!has_direct_quote("the ‘accidental’ strike"));
        assert!(!has_direct_quote("the so-called “moderate” forces"));
        assert!(!has_direct_quote("no quotes here"));
    }
}
