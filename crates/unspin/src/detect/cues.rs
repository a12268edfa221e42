//! Hedges, distancing, conditional framing and attribution in French, German, Italian, Polish
//! and Russian, from hand-written cue lists (`assets/lang/<code>/cues/`). Simpler than the
//! English rules: a sentence's words are matched against phrases ("selon", "laut", "secondo",
//! "według", "по словам"; "prétendument", "angeblich", "rzekomo", "якобы"), and the words after
//! an attribution cue (or around a report verb) decide whether its source is named or vague.
//!
//! Every list is lower case; a phrase word ending in `*` matches the words it begins, for
//! inflected forms ("powiedział*" = powiedział, powiedziała, powiedzieli).

use crate::assets::{self, Lang};
use crate::doc::{Attribution, Doc, HedgeCue, HedgeKind, ModelInfo, SourceKind};
use std::ops::Range;
use std::sync::LazyLock;

/// A list phrase: its words, each exact or a prefix (`*`).
#[derive(Debug, Clone)]
struct Phrase {
    words: Vec<(String, bool)>,
    /// `<` before the phrase: a postposition, its source comes before it ("Quellen zufolge").
    after_source: bool,
}

/// The cue lists of one language, parsed.
#[derive(Debug)]
struct Cues {
    hedges: Vec<Phrase>,
    distancing: Vec<Phrase>,
    conditionals: Vec<Phrase>,
    according: Vec<Phrase>,
    report_verbs: Vec<Phrase>,
    vague_sources: Vec<Phrase>,
    vague_phrases: Vec<Phrase>,
    determiners: Vec<Phrase>,
}

fn phrases(lang: &Lang, path: &str) -> Vec<Phrase> {
    lang.entries(path)
        .map(|e| {
            let (after_source, e) = match e.strip_prefix('<') {
                Some(rest) => (true, rest.trim()),
                None => (false, e),
            };
            Phrase {
                words: e
                    .split_whitespace()
                    .map(|w| match w.strip_suffix('*') {
                        Some(p) => (p.to_string(), true),
                        None => (w.to_string(), false),
                    })
                    .collect(),
                after_source,
            }
        })
        .collect()
}

impl Cues {
    fn load(lang: &Lang) -> Cues {
        Cues {
            hedges: phrases(lang, "cues/hedges.txt"),
            distancing: phrases(lang, "cues/distancing.txt"),
            conditionals: phrases(lang, "cues/conditionals.txt"),
            according: phrases(lang, "cues/according.txt"),
            report_verbs: phrases(lang, "cues/report_verbs.txt"),
            vague_sources: phrases(lang, "cues/vague_sources.txt"),
            vague_phrases: phrases(lang, "cues/vague_phrases.txt"),
            determiners: phrases(lang, "cues/determiners.txt"),
        }
    }
}

static CUES: LazyLock<Vec<(&'static str, Cues)>> = LazyLock::new(|| {
    [
        &assets::FR,
        &assets::DE,
        &assets::IT,
        &assets::PL,
        &assets::RU,
    ]
    .into_iter()
    .map(|l| (l.code, Cues::load(l)))
    .collect()
});

/// The languages with cue lists (ISO 639-1).
pub fn languages() -> impl Iterator<Item = &'static str> {
    CUES.iter().map(|(c, _)| *c)
}

/// What the report's `models` list says ran.
pub fn info(code: &str) -> ModelInfo {
    ModelInfo {
        name: format!("cues-{code}"),
        version: "1".into(),
        kind: "rules".into(),
        thresholds: Default::default(),
    }
}

/// One word of a sentence: byte range in the text, lower-cased form, and whether it began
/// with a capital.
struct Word {
    bytes: Range<usize>,
    lower: String,
    capital: bool,
    /// A comma or other clause break just before it.
    after_break: bool,
}

fn words(text: &str, range: Range<usize>) -> Vec<Word> {
    let s = &text[range.clone()];
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut pending_break = true;
    let is_word = |c: char| c.is_alphanumeric() || c == '\'' || c == '’' || c == '-';
    let push = |a: usize, b: usize, brk: bool, out: &mut Vec<Word>| {
        let w = s[a..b].trim_matches(|c| c == '\'' || c == '’' || c == '-');
        if w.is_empty() {
            return;
        }
        let lead = s[a..b].find(w).unwrap_or(0);
        out.push(Word {
            bytes: range.start + a + lead..range.start + a + lead + w.len(),
            lower: w.to_lowercase().replace('’', "'"),
            capital: w.chars().next().is_some_and(char::is_uppercase),
            after_break: brk,
        });
    };
    for (i, c) in s.char_indices() {
        if is_word(c) {
            if start.is_none() {
                start = Some(i);
            }
        } else {
            if let Some(a) = start.take() {
                push(a, i, pending_break, &mut out);
                pending_break = false;
            }
            if matches!(c, ',' | ';' | ':' | '—' | '–' | '(') {
                pending_break = true;
            }
        }
    }
    if let Some(a) = start {
        push(a, s.len(), pending_break, &mut out);
    }
    out
}

/// The length in words of `p` matched at `words[i..]`, if it matches.
fn match_at(p: &Phrase, words: &[Word], i: usize) -> Option<usize> {
    let n = p.words.len();
    if n == 0 || i + n > words.len() {
        return None;
    }
    let ok = p
        .words
        .iter()
        .zip(&words[i..i + n])
        .all(|((w, prefix), word)| {
            if *prefix {
                word.lower.starts_with(w.as_str())
            } else {
                word.lower == *w
            }
        });
    ok.then_some(n)
}

/// Every match of any phrase of `list`: (first word, words, phrase).
fn find<'p>(list: &'p [Phrase], words: &[Word]) -> Vec<(usize, usize, &'p Phrase)> {
    let mut out = Vec::new();
    for i in 0..words.len() {
        if let Some((n, p)) = list
            .iter()
            .filter_map(|p| match_at(p, words, i).map(|n| (n, p)))
            .max_by_key(|(n, _)| *n)
        {
            out.push((i, n, p));
        }
    }
    out
}

fn is_in(list: &[Phrase], word: &Word) -> bool {
    list.iter()
        .any(|p| p.words.len() == 1 && match_at(p, std::slice::from_ref(word), 0).is_some())
}

/// Adds hedge cues and an attribution to each sentence of a document in language `code`.
pub fn detect(code: &str, doc: &mut Doc<'_>) {
    let Some((_, cues)) = CUES.iter().find(|(c, _)| *c == code) else {
        return;
    };
    let text = doc.seg.text;
    for (si, s) in doc.seg.sentences.iter().enumerate() {
        let ws = words(text, s.bytes.clone());
        let facts = &mut doc.sentences[si];
        let span = |ws: &[Word], i: usize, n: usize| ws[i].bytes.start..ws[i + n - 1].bytes.end;
        for (list, kind) in [
            (&cues.hedges, HedgeKind::Lexical),
            (&cues.distancing, HedgeKind::Distancing),
        ] {
            for (i, n, _) in find(list, &ws) {
                facts.hedges.push(HedgeCue {
                    bytes: span(&ws, i, n),
                    kind,
                });
            }
        }
        // A conditional frames a claim where it opens the sentence or a clause; a multi-word
        // one ("au cas où") anywhere.
        for (i, n, _) in find(&cues.conditionals, &ws) {
            let opens = i == 0 || ws[i].after_break;
            // Italian "se ne", "se lo": the pronoun, not "if".
            let pronoun = code == "it"
                && ws
                    .get(i + 1)
                    .is_some_and(|w| matches!(w.lower.as_str(), "ne" | "lo" | "li" | "n'"));
            if (opens || n > 1) && !pronoun {
                facts.hedges.push(HedgeCue {
                    bytes: span(&ws, i, n),
                    kind: HedgeKind::Conditional,
                });
            }
        }
        facts.hedges.sort_by_key(|h| (h.bytes.start, h.bytes.end));
        facts
            .hedges
            .dedup_by(|a, b| a.bytes.start < b.bytes.end && b.bytes.start < a.bytes.end);
        facts.attribution = attribution(cues, &ws, text);
    }
}

/// The attribution of a sentence: an "according to" cue and the words after it, else a vague
/// phrase ("on dit", "es heißt", "mówi się"), else a report verb and the words around it.
fn attribution(cues: &Cues, ws: &[Word], text: &str) -> Option<Attribution> {
    let vague_near = |range: Range<usize>| -> Option<usize> {
        range
            .filter(|j| *j < ws.len())
            .find(|j| is_in(&cues.vague_sources, &ws[*j]))
    };
    for (i, n, p) in find(&cues.according, ws) {
        // An according word after a determiner is something else ("il secondo giorno").
        if i > 0 && is_in(&cues.determiners, &ws[i - 1]) {
            continue;
        }
        let (source_words, cue) = if p.after_source {
            (i.saturating_sub(3)..i, i..i + n)
        } else {
            (i + n..(i + n + 4).min(ws.len()), i..i + n)
        };
        if source_words.is_empty() {
            continue;
        }
        let vague = vague_near(source_words.clone());
        let kind = if vague.is_some() {
            SourceKind::Vague
        } else {
            SourceKind::Named
        };
        let src = source_words
            .clone()
            .find(|j| !is_in(&cues.determiners, &ws[*j]))
            .unwrap_or(source_words.start);
        let whole = ws[cue.start.min(src)].bytes.start..ws[(cue.end - 1).max(src)].bytes.end;
        return Some(Attribution {
            kind,
            source: Some(text[ws[vague.unwrap_or(src)].bytes.clone()].to_string()),
            bytes: whole,
            verb: Some(text[ws[cue.start].bytes.start..ws[cue.end - 1].bytes.end].to_string()),
            rule: "according-cue",
            parts: None,
        });
    }
    if let Some((i, n, _)) = find(&cues.vague_phrases, ws).into_iter().next() {
        return Some(Attribution {
            kind: SourceKind::Vague,
            source: None,
            bytes: ws[i].bytes.start..ws[i + n - 1].bytes.end,
            verb: None,
            rule: "vague-phrase",
            parts: None,
        });
    }
    if let Some((i, n, _)) = find(&cues.report_verbs, ws).into_iter().next() {
        let around = i.saturating_sub(6)..(i + n + 3).min(ws.len());
        let vague = vague_near(around.clone());
        let named = around
            .clone()
            .filter(|j| *j < i || *j >= i + n)
            .find(|j| ws[*j].capital && *j > 0);
        let (kind, src) = match (vague, named) {
            (Some(v), _) => (SourceKind::Vague, Some(v)),
            (None, Some(j)) => (SourceKind::Named, Some(j)),
            (None, None) => (SourceKind::Named, i.checked_sub(1)),
        };
        let first = src.map_or(i, |j| j.min(i));
        let last = src.map_or(i + n - 1, |j| j.max(i + n - 1));
        return Some(Attribution {
            kind,
            source: src.map(|j| text[ws[j].bytes.clone()].to_string()),
            bytes: ws[first].bytes.start..ws[last].bytes.end,
            verb: Some(text[ws[i].bytes.start..ws[i + n - 1].bytes.end].to_string()),
            rule: "report-verb",
            parts: None,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicons;

    /// The table of each language: sentences written for this test, each with the one thing
    /// that must happen (a hedge cue of a kind, an attribution of a kind) or `none` (no cue and
    /// no attribution: the must-not-fire cases).
    #[test]
    fn cue_tables_of_every_language() {
        let lex = Lexicons::load();
        let tables = [
            ("fr", include_str!("../../tests/fixtures/cues/fr.tsv")),
            ("de", include_str!("../../tests/fixtures/cues/de.tsv")),
            ("it", include_str!("../../tests/fixtures/cues/it.tsv")),
            ("pl", include_str!("../../tests/fixtures/cues/pl.tsv")),
            ("ru", include_str!("../../tests/fixtures/cues/ru.tsv")),
        ];
        let mut failures = Vec::new();
        for (code, table) in tables {
            let rows: Vec<(&str, &str)> = table
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .map(|l| l.split_once('\t').expect("kind<TAB>sentence"))
                .collect();
            assert!(rows.len() >= 40, "{code}: {} sentences", rows.len());
            for (kind, sentence) in rows {
                let mut doc = Doc::new(sentence, &lex);
                detect(code, &mut doc);
                let hedges: Vec<HedgeKind> = doc
                    .sentences
                    .iter()
                    .flat_map(|s| s.hedges.iter().map(|h| h.kind))
                    .collect();
                let sources: Vec<SourceKind> = doc
                    .sentences
                    .iter()
                    .filter_map(|s| s.attribution.as_ref().map(|a| a.kind))
                    .collect();
                let ok = match kind {
                    "hedge" => hedges.contains(&HedgeKind::Lexical),
                    "distancing" => hedges.contains(&HedgeKind::Distancing),
                    "conditional" => hedges.contains(&HedgeKind::Conditional),
                    "named" => sources == [SourceKind::Named],
                    "vague" => sources == [SourceKind::Vague],
                    "none" => hedges.is_empty() && sources.is_empty(),
                    other => panic!("{code}: unknown kind {other}"),
                };
                if !ok {
                    failures.push(format!(
                        "{code} {kind}: {sentence} → {hedges:?} {sources:?}"
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
