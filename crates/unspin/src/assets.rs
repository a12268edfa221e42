//! The language assets compiled into the binary: lexicons, hand-written word lists and patterns,
//! one folder per language under `assets/lang/<code>/` (sources and licences in `NOTICE`).
//!
//! Code never spells a word list out: it asks its language for a file by path
//! (`"attribution/vague_heads.txt"`), so a second language is a second folder and a second table
//! here, not an edit of every detector. List files hold one entry per line; blank lines and
//! lines starting with `#` (the list's explanation) are skipped.

use rustc_hash::FxHashSet;

/// One language's files, embedded at build time.
#[derive(Debug)]
pub struct Lang {
    /// ISO 639-1 code, the folder name.
    pub code: &'static str,
    /// Small number unique to the language, for per-thread caches keyed by word.
    pub id: usize,
    files: &'static [(&'static str, &'static str)],
}

macro_rules! files {
    ($code:literal: $($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../assets/lang/", $code, "/", $path)))),*]
    };
}

/// English: every list the detectors and models read.
pub static EN: Lang = Lang {
    code: "en",
    id: 0,
    files: files!("en":
        "lexicons/hedges_hyland2005.txt",
        "lexicons/report_verbs.txt",
        "lexicons/irregular_past.txt",
        "lexicons/bias-lexicon_og.txt",
        "lexicons/strong_subjectives_riloff2003.txt",
        "lexicons/vader_lexicon.txt",
        "segmentation/titles.txt",
        "segmentation/before_number.txt",
        "segmentation/ambiguous_abbreviations.txt",
        "segmentation/sentence_openers.txt",
        "language/function_words.txt",
        "boilerplate/patterns.txt",
        "boilerplate/openers.txt",
        "boilerplate/dateline.txt",
        "headline/alarm_words.txt",
        "hedging/patterns.txt",
        "hedging/approximators.txt",
        "hedging/quantity_words.txt",
        "attribution/vague_patterns.txt",
        "attribution/according.txt",
        "attribution/vague_heads.txt",
        "attribution/group_nouns.txt",
        "attribution/core_vague.txt",
        "attribution/common_openers.txt",
        "attribution/document_nouns.txt",
        "attribution/finding_verbs.txt",
        "attribution/group_verbs.txt",
        "attribution/anaphoric.txt",
        "attribution/first_person.txt",
        "attribution/noisy_verbs.txt",
        "attribution/subject_stops.txt",
        "attribution/not_agents.txt",
        "attribution/auxiliaries.txt",
        "attribution/determiners.txt",
        "attribution/verbish.txt",
        "loaded/glue.txt",
        "loaded/event_words.txt",
        "techniques/flag.txt",
        "techniques/fear.txt",
        "techniques/cause.txt",
        "techniques/bw.txt",
        "techniques/what.txt",
        "techniques/hitler.txt",
        "techniques/band.txt",
        "techniques/doubt.txt",
        "techniques/exag.txt",
        "reliability/first_person.txt",
        "reliability/second_person.txt",
        "sentences/not_cues.txt",
    ),
};

/// The cue lists of the other languages unspin reads (`detect::cues`): hedges, distancing
/// markers, conditionals, attribution cues and vague sources, hand-written for each.
macro_rules! cue_lang {
    ($name:ident, $code:literal, $id:literal) => {
        pub static $name: Lang = Lang {
            code: $code,
            id: $id,
            files: files!($code:
                "cues/hedges.txt",
                "cues/distancing.txt",
                "cues/conditionals.txt",
                "cues/according.txt",
                "cues/report_verbs.txt",
                "cues/vague_sources.txt",
                "cues/vague_phrases.txt",
                "cues/determiners.txt",
            ),
        };
    };
}
cue_lang!(FR, "fr", 1);
cue_lang!(DE, "de", 2);
cue_lang!(IT, "it", 3);
cue_lang!(PL, "pl", 4);
cue_lang!(RU, "ru", 5);

/// The assets of a language by ISO 639-1 code.
pub fn by_code(code: &str) -> Option<&'static Lang> {
    [&EN, &FR, &DE, &IT, &PL, &RU]
        .into_iter()
        .find(|l| l.code == code)
}

impl Lang {
    /// The text of one of the language's files. Every path code asks for is in the table
    /// above; asking for another is a bug, caught by the tests that build an analyzer.
    pub fn file(&self, path: &str) -> &'static str {
        self.files
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, text)| *text)
            .unwrap_or_else(|| panic!("asset {}/{path} is not embedded", self.code))
    }

    /// The entries of a list file, in file order.
    pub fn entries(&self, path: &str) -> impl Iterator<Item = &'static str> {
        entries(self.file(path))
    }

    /// A list file as a set, for membership tests.
    pub fn words(&self, path: &str) -> Words {
        Words(self.entries(path).collect())
    }

    /// Every embedded file, for the tests.
    pub fn paths(&self) -> impl Iterator<Item = &'static str> {
        self.files.iter().map(|(p, _)| *p)
    }
}

/// The entries of a list: trimmed lines, without blank lines and `#` comments.
pub fn entries(src: &str) -> impl Iterator<Item = &str> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// A word list as a set of exact (lower-case) forms.
#[derive(Debug, Clone, Default)]
pub struct Words(FxHashSet<&'static str>);

impl Words {
    pub fn contains(&self, word: &str) -> bool {
        self.0.contains(word)
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().copied()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_entries_and_lists_are_lower_case() {
        for path in EN.paths() {
            let n = EN.entries(path).count();
            assert!(n > 0, "{path} is empty");
            // Lexicon files keep their published spelling; hand-written word lists are looked
            // up by lower-cased token forms, so a capital there could never match.
            let hand_written = !path.starts_with("lexicons/")
                && !path.ends_with("patterns.txt")
                && !path.ends_with("according.txt")
                && !path.ends_with("dateline.txt");
            if hand_written {
                for e in EN.entries(path) {
                    assert_eq!(e, e.to_lowercase(), "{path}: {e:?} is not lower case");
                }
            }
        }
    }

    #[test]
    fn every_other_language_has_every_cue_list_in_lower_case() {
        for l in [&FR, &DE, &IT, &PL, &RU] {
            for path in l.paths() {
                assert!(l.entries(path).count() > 0, "{}/{path} is empty", l.code);
                for e in l.entries(path) {
                    assert_eq!(e, e.to_lowercase(), "{}/{path}: {e:?}", l.code);
                }
            }
            assert_eq!(by_code(l.code).map(|x| x.id), Some(l.id));
        }
    }

    #[test]
    fn comments_and_blank_lines_are_not_entries() {
        let e: Vec<&str> = entries("# a list\n\nfirst\n  second  \n#third\n").collect();
        assert_eq!(e, ["first", "second"]);
    }
}
