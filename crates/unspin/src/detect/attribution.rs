//! Attribution: who stands behind each sentence. A named source ("TruthFeed", "the minister",
//! "Dr. Smith told reporters") can be checked; a vague one ("reports are coming in", "sources
//! say", "many believe") cannot, which is what makes it a favourite of unreliable writing.

use super::{Attribution, Detector, Finding, ModelInfo, SourceKind};
use crate::lexicon::{Lexicons, verb_forms};
use crate::text::{Analyzed, Token, TokenKind};
use regex::Regex;
use rustc_hash::FxHashSet as HashSet;
use std::ops::Range;
use std::sync::Arc;

/// Nouns and quantifiers that stand for a source without naming it.
const VAGUE_HEADS: &[&str] = &[
    "reports",
    "report",
    "sources",
    "source",
    "insiders",
    "insider",
    "officials",
    "official",
    "experts",
    "expert",
    "analysts",
    "analyst",
    "observers",
    "critics",
    "commentators",
    "people",
    "witnesses",
    "residents",
    "activists",
    "scientists",
    "researchers",
    "studies",
    "rumors",
    "rumours",
    "many",
    "some",
    "others",
    "they",
    "someone",
    "somebody",
    "everyone",
    "everybody",
    "media",
    "journalists",
    "pundits",
    "authorities",
    "diplomats",
    "investigators",
    "leaks",
    "whistleblowers",
    "accounts",
    "claims",
];

/// Generic groups of people: a bare "Doctors warn" or "Locals say" stands for a crowd, not for
/// someone a reader could ask, even when a capital opens the sentence.
const GROUP_NOUNS: &[&str] = &[
    "doctors",
    "nurses",
    "parents",
    "locals",
    "campaigners",
    "citizens",
    "voters",
    "users",
    "workers",
    "employees",
    "teachers",
    "students",
    "protesters",
    "protestors",
    "politicians",
    "economists",
    "historians",
    "lawyers",
    "farmers",
    "families",
    "victims",
    "survivors",
    "neighbours",
    "neighbors",
    "bystanders",
    "fans",
    "viewers",
    "readers",
    "commenters",
    "bloggers",
    "influencers",
    "skeptics",
    "sceptics",
    "supporters",
    "opponents",
    "advocates",
    "environmentalists",
    "conservatives",
    "liberals",
    "progressives",
    "americans",
    "europeans",
];

/// Stand-ins that stay vague even after "the": "the sources said" names no one, while "the
/// researchers" and "the report" point back at ones the article introduced.
const CORE_VAGUE: &[&str] = &[
    "sources", "source", "insiders", "insider", "rumors", "rumours", "people", "someone",
    "somebody", "many", "some", "others", "media",
];

/// Words that open a sentence with a capital without naming anyone: quantifiers and adjectives
/// of kind ("One expert said", "Local media reported", "Western diplomats claim").
const COMMON_OPENERS: &[&str] = &[
    "one",
    "another",
    "several",
    "numerous",
    "some",
    "many",
    "most",
    "few",
    "other",
    "local",
    "social",
    "western",
    "foreign",
    "independent",
    "mainstream",
    "online",
    "unnamed",
    "anonymous",
    "senior",
    "leaked",
    "new",
    "recent",
    "various",
    "countless",
];

/// Things that report findings rather than speak: they take "found", "shows", "ruled", which
/// are too common elsewhere ("he found his keys") to anchor an attribution on their own.
const DOCUMENT_NOUNS: &[&str] = &[
    "report",
    "reports",
    "study",
    "studies",
    "survey",
    "surveys",
    "analysis",
    "review",
    "audit",
    "investigation",
    "inquiry",
    "probe",
    "poll",
    "polls",
    "paper",
    "research",
    "data",
    "documents",
    "records",
    "court",
    "judge",
    "panel",
    "tribunal",
    "committee",
    "jury",
    "commission",
    "findings",
    "tests",
];

/// Verbs of finding, taken only after a [`DOCUMENT_NOUNS`] head ("documented" after any).
const FINDING_VERBS: &[&str] = &[
    "found",
    "finds",
    "shows",
    "show",
    "showed",
    "shown",
    "concluded",
    "concludes",
    "ruled",
    "rules",
    "suggest",
    "suggests",
    "suggested",
    "revealed",
    "reveals",
    "indicates",
    "indicate",
    "indicated",
    "estimates",
    "estimated",
    "documented",
];

/// Present-tense verbs whose bare plural form is taken after a plural group: "Critics claim",
/// "Analysts believe", "Doctors warn".
const GROUP_VERBS: &[&str] = &[
    "say", "claim", "believe", "argue", "warn", "suggest", "allege", "insist", "contend", "fear",
    "agree", "complain", "maintain", "estimate", "predict", "think", "report", "accuse", "deny",
];

/// Pronouns that point back at a source named earlier in the article.
const ANAPHORIC: &[&str] = &["he", "she", "him", "her", "his", "it"];

/// The writer speaking for themself.
const FIRST_PERSON: &[&str] = &["i", "we", "i've", "we've", "i'd", "we'd", "i'm", "we're"];

/// Report verbs of the lexicon that are more often something else in news text ("see", "read",
/// "order", "present"), or that report the writer's own mind ("think", "realize"), so they never
/// anchor an attribution.
const NOISY_VERBS: &[&str] = &[
    "see",
    "read",
    "order",
    "present",
    "offer",
    "point",
    "rule",
    "issue",
    "raise",
    "reflect",
    "sing",
    "pray",
    "teach",
    "decide",
    "welcome",
    "prefer",
    "invite",
    "remember",
    "forget",
    "oppose",
    "compare",
    "discuss",
    "negotiate",
    "interview",
    "voice",
    "spread",
    "signal",
    "support",
    "mean",
    "show",
    "find",
    "hear",
    "learn",
    "wish",
    "hope",
    "imagine",
    "question",
    "counter",
    "rally",
    "gather",
    "insert",
    "determine",
    "prove",
    "forbid",
    "command",
    "provoke",
    "prompt",
    "relate",
    "refer",
    "express",
    "quote",
    "add",
    "fear",
    "worry",
    "think",
    "believe",
    "feel",
    "expect",
    "guess",
    "realize",
    "realise",
    "discover",
    "demonstrate",
    "illustrate",
    "justify",
    "wonder",
    "reckon",
    "suppose",
    "surmise",
    "suspect",
    "charge",
    "saw",
    "heard",
    "found",
    "meant",
    "felt",
    "thought",
    "forgot",
    "sang",
    "understood",
    "knew",
    "foresaw",
    "taught",
];

/// Words that end a subject phrase when walking back from the verb.
const SUBJECT_STOPS: &[&str] = &[
    "that", "and", "but", "or", "which", "who", "because", "while", "when", "as", "if", "so",
    "than", "then", "what", "where", "after", "before", "since", "about", "of", "in", "on", "for",
    "with", "at", "from", "to", "by", "into", "over", "against", "is", "are", "was", "were", "be",
    "true", "not",
];

/// Abstract nouns after "by" that are not agents ("confirmed by the fact that").
const NOT_AGENTS: &[&str] = &[
    "fact", "facts", "way", "time", "evidence", "end", "means", "number",
];

const AUXILIARIES: &[&str] = &[
    "has",
    "have",
    "had",
    "was",
    "were",
    "is",
    "are",
    "will",
    "would",
    "also",
    "reportedly",
    "previously",
    "later",
    "recently",
    "once",
    "had",
    "did",
    "does",
    "do",
    "then",
    "again",
    "publicly",
    "repeatedly",
    "first",
    "already",
    "never",
    "not",
    "has",
    "been",
];

const DETERMINERS: &[&str] = &[
    "a", "an", "the", "this", "that", "these", "those", "its", "his", "her", "their", "our", "my",
    "your", "no", "any", "such",
];

const VAGUE_RULE: &str = "vague-source pattern";

pub struct AttributionDetector {
    lex: Arc<Lexicons>,
    /// All vague-source patterns in one automaton: most sentences match none, and one scan
    /// says so.
    vague_set: regex::RegexSet,
    noisy: HashSet<String>,
    vague: Vec<Regex>,
    according: Regex,
}

impl AttributionDetector {
    pub fn new(lex: Arc<Lexicons>) -> AttributionDetector {
        let re = |s: &str| Regex::new(s).expect("attribution pattern compiles");
        let vague = vec![
            re(
                r"(?i)(?-u:\b)(?:reports|rumou?rs|word|news)\s+(?:are|is|have\s+been|were|keep)\s+(?:\w+\s+){0,2}?(?:coming\s+in|emerging|circulating|surfacing|swirling|spreading|pouring\s+in|flooding\s+in)(?-u:\b)",
            ),
            re(
                r"(?i)(?-u:\b)(?:there\s+(?:are|were|have\s+been)\s+)?(?:unconfirmed\s+|some\s+|many\s+|several\s+|numerous\s+|widespread\s+|media\s+|news\s+|recent\s+|other\s+)?(?:reports|rumou?rs)\s+(?:say|said|suggest(?:ed)?|claim(?:ed)?|indicate[ds]?|state[ds]?|allege[ds]?|that)(?-u:\b)",
            ),
            re(
                r"(?i)(?-u:\b)it\s+(?:is|was|has\s+been|had\s+been)\s+(?:widely\s+|commonly\s+|generally\s+|now\s+)?(?:reported|claimed|said|alleged|rumou?red|believed|suggested|understood|learned|learnt)(?-u:\b)",
            ),
            re(
                r"(?i)(?-u:\b)(?:we\s+(?:are|were|have\s+been)\s+told|word\s+is|people\s+are\s+saying|many\s+(?:people\s+)?(?:believe|say|think|feel|agree|claim)|(?:everyone|everybody|anyone)\s+(?:knows|agrees)|some\s+(?:people\s+)?(?:say|claim|believe|argue|suggest)|it\s+is\s+(?:widely\s+)?known)(?-u:\b)",
            ),
            re(
                r"(?i)(?-u:\b)(?:(?:unnamed|anonymous|unidentified|informed|reliable|credible|senior|top|intelligence|government|military|diplomatic|western|local|some|many|several)\s+)+(?:sources?|insiders?|officials?|experts?|analysts?|observers|people|witnesses)(?-u:\b)(?:\s+(?:close\s+to|familiar\s+with|with\s+knowledge\s+of)(?-u:\b))?",
            ),
            re(
                r"(?i)(?-u:\b)sources?\s+(?:close\s+to|familiar\s+with|with\s+knowledge\s+of|say|said|says|claim|claimed|told|tell|suggest|suggested)(?-u:\b)",
            ),
        ];
        AttributionDetector {
            vague_set: regex::RegexSet::new(vague.iter().map(Regex::as_str))
                .expect("patterns compile as a set"),
            lex,
            noisy: NOISY_VERBS.iter().flat_map(|v| verb_forms(v)).collect(),
            vague,
            according: re(r"(?i)(?-u:\b)according\s+to\s+"),
        }
    }

    fn sentence(&self, doc: &Analyzed<'_>, s: usize) -> Option<Attribution> {
        let text = doc.sentence_text(s);
        let base = doc.sentences[s].bytes.start;
        let toks = doc.sentence_tokens(s);
        let mut found: Vec<Attribution> = Vec::new();

        let hits = self.vague_set.matches(text);
        for re in hits.iter().map(|i| &self.vague[i]) {
            if let Some(m) = re.find(text) {
                let phrase = m.as_str();
                let head = phrase.split_whitespace().next().unwrap_or(phrase);
                found.push(Attribution {
                    sentence: s,
                    kind: SourceKind::Vague,
                    source: Some(
                        head.trim_matches(|c: char| !c.is_alphanumeric())
                            .to_string(),
                    ),
                    bytes: base + m.start()..base + m.end(),
                    verb: None,
                    rule: VAGUE_RULE,
                });
                break;
            }
        }

        if let Some(m) = self.according.find(text) {
            let np_start = base + m.end();
            let np = noun_phrase_after(doc, toks, np_start);
            if let Some(np) = np {
                let words = tokens_in(toks, &np);
                let kind = classify(doc, toks, &words);
                found.push(Attribution {
                    sentence: s,
                    kind,
                    source: Some(doc.text[np.clone()].to_string()),
                    bytes: base + m.start()..np.end,
                    verb: Some("according to".into()),
                    rule: "according to",
                });
            }
        }

        if let Some(a) = self.report_verb(doc, s, toks) {
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
    fn report_verb(&self, doc: &Analyzed<'_>, s: usize, toks: &[Token]) -> Option<Attribution> {
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
            while j > 0 && AUXILIARIES.contains(&toks[j - 1].norm.as_str()) {
                passive |= matches!(
                    toks[j - 1].norm.as_str(),
                    "was" | "were" | "is" | "are" | "been"
                );
                j -= 1;
            }
            if passive {
                // "This was confirmed" names no one; "was confirmed by the ministry" does.
                if toks.get(i + 1).is_some_and(|t| t.norm == "by")
                    && let Some(np) = noun_phrase_after(doc, toks, toks[i + 1].bytes.end)
                    && !toks.iter().any(|w| {
                        w.bytes.start >= np.start
                            && w.bytes.end <= np.end
                            && NOT_AGENTS.contains(&w.norm.as_str())
                    })
                {
                    let words = tokens_in(toks, &np);
                    return Some(Attribution {
                        sentence: s,
                        kind: classify(doc, toks, &words),
                        source: Some(doc.text[np.clone()].to_string()),
                        bytes: toks[j].bytes.start..np.end,
                        verb: Some(doc.text[t.bytes.clone()].to_string()),
                        rule: "passive report verb",
                    });
                }
                continue;
            }
            let mut k = subject_start(toks, j);
            // "Maria Lopez, a nurse at the clinic, told reporters": skip the apposition back to
            // the subject before it.
            if k == j
                && let Some(open) = apposition_start(toks, j)
            {
                j = open;
                k = subject_start(toks, j);
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
            if subject.len() == 1 && FIRST_PERSON.contains(&subject[0].norm.as_str()) {
                continue;
            }
            if !subject.is_empty() {
                let kind = classify(doc, toks, &subject);
                let start = toks[k].bytes.start;
                let src = doc.text[start..toks[j - 1].bytes.end].to_string();
                return Some(Attribution {
                    sentence: s,
                    kind,
                    source: Some(src),
                    bytes: start..t.bytes.end,
                    verb: Some(doc.text[t.bytes.clone()].to_string()),
                    rule: "report verb",
                });
            }
            // Inverted after a quote: `"…," said John Smith.`
            if i > 0
                && matches!(toks[i - 1].norm.as_str(), "," | "\"" | "”" | "’" | "'")
                && let Some(np) = noun_phrase_after(doc, toks, t.bytes.end)
            {
                return Some(Attribution {
                    sentence: s,
                    kind: classify(doc, toks, &tokens_in(toks, &np)),
                    source: Some(doc.text[np.clone()].to_string()),
                    bytes: t.bytes.start..np.end,
                    verb: Some(doc.text[t.bytes.clone()].to_string()),
                    rule: "report verb",
                });
            }
        }
        None
    }

    /// A report verb used as a verb: not after a determiner ("the report", "his claims") and not
    /// the first word (a capitalised "Reports" opening a sentence is a noun).
    fn is_verb_use(&self, toks: &[Token], i: usize) -> bool {
        let w = toks[i].norm.as_str();
        if i > 0 {
            let prev = toks[i - 1].norm.as_str();
            if GROUP_VERBS.contains(&w) && is_plural_group(prev) {
                return true;
            }
            if FINDING_VERBS.contains(&w) && (w == "documented" || DOCUMENT_NOUNS.contains(&prev)) {
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
        !DETERMINERS.contains(&prev) && !prev.ends_with("'s")
    }
}

/// Where the subject ending before token `j` starts: back over at most seven words, stopping
/// at punctuation or a clause word. Equal to `j` when there is none.
fn subject_start(toks: &[Token], j: usize) -> usize {
    let mut k = j;
    while k > 0 && j - k < 7 {
        let p = &toks[k - 1];
        if p.kind == TokenKind::Punct && !matches!(p.norm.as_str(), "-" | "'s" | ".") {
            break;
        }
        if SUBJECT_STOPS.contains(&p.norm.as_str()) {
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
fn is_plural_group(w: &str) -> bool {
    GROUP_NOUNS.contains(&w)
        || matches!(w, "many" | "some" | "media" | "others" | "people")
        || (w.ends_with('s') && VAGUE_HEADS.contains(&w))
}

fn tokens_in<'a>(toks: &'a [Token], r: &Range<usize>) -> Vec<&'a Token> {
    toks.iter()
        .filter(|t| t.bytes.start >= r.start && t.bytes.end <= r.end)
        .collect()
}

/// The noun phrase starting at byte `from`: up to the next punctuation or clause word, at most
/// eight tokens.
fn noun_phrase_after(doc: &Analyzed<'_>, toks: &[Token], from: usize) -> Option<Range<usize>> {
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
            && (SUBJECT_STOPS.contains(&t.norm.as_str())
                || (start.is_some() && is_verbish(&t.norm)))
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

fn is_verbish(w: &str) -> bool {
    matches!(
        w,
        "is" | "are"
            | "was"
            | "were"
            | "has"
            | "have"
            | "had"
            | "will"
            | "would"
            | "said"
            | "says"
            | "told"
            | "can"
            | "could"
            | "may"
            | "might"
            | "did"
            | "does"
    )
}

/// Named when the phrase holds a proper noun or a definite description pointing back at one;
/// vague when its head is a stand-in like "sources" or a quantifier like "many".
fn classify(doc: &Analyzed<'_>, sentence: &[Token], words: &[&Token]) -> SourceKind {
    if words.is_empty() {
        return SourceKind::None;
    }
    let first_of_sentence = sentence.first().map(|t| t.bytes.start);
    let proper = words.iter().any(|t| {
        let s = &doc.text[t.bytes.clone()];
        let capital = s.chars().next().is_some_and(char::is_uppercase);
        let sentence_initial = Some(t.bytes.start) == first_of_sentence;
        let w = t.norm.as_str();
        let common = VAGUE_HEADS.contains(&w)
            || GROUP_NOUNS.contains(&w)
            || DETERMINERS.contains(&w)
            || (sentence_initial && (SUBJECT_STOPS.contains(&w) || COMMON_OPENERS.contains(&w)));
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
        VAGUE_HEADS.contains(&w) || GROUP_NOUNS.contains(&w) || DOCUMENT_NOUNS.contains(&w)
    };
    if words.iter().any(|t| vague_head(&t.norm)) {
        // "The researchers wrote" points back at people the article introduced; "the sources
        // said" still names no one.
        let core = words.iter().any(|t| CORE_VAGUE.contains(&t.norm.as_str()));
        return if definite && !core {
            SourceKind::Named
        } else {
            SourceKind::Vague
        };
    }
    if ANAPHORIC.contains(&first) || matches!(first, "the" | "his" | "her" | "their" | "this") {
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
        }
    }

    fn detect(&self, doc: &Analyzed<'_>, out: &mut Vec<Finding>) {
        for s in 0..doc.sentences.len() {
            if let Some(a) = self.sentence(doc, s) {
                out.push(Finding::Attribution(a));
            }
        }
    }
}
