//! The lexicons of a language, parsed once: hedges, report verbs, bias and strong-subjective
//! words, VADER valences, and the facts of a word form that every later stage reads.
//!
//! Sources and licences are listed in `NOTICE`; the files live under `assets/lang/<code>/` (see
//! [`crate::assets`]) so that a fresh clone builds without `../shared`.

use crate::assets::{Lang, entries};
use crate::hash::hash;
use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::RefCell;

/// What the document stages need to know about one token's word form: looked up once per
/// token when a document is prepared (`doc::Doc::new`), read by every detector and model.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TokenFacts {
    /// [`crate::hash::hash`] of the token's `norm` (also for punctuation and numbers).
    pub hash: u64,
    /// Strong-subjective and bias-lexicon membership (words only).
    pub strong: bool,
    pub bias: bool,
    /// VADER valence, 0 when unlisted (words only).
    pub valence: f32,
    /// A one-word hedge ("perhaps", "suggests"; words only).
    pub hedge: bool,
    /// A finite form of a report verb ("says", "claimed"; words only).
    pub report: bool,
}

/// The bare form, third-person singular and regular past of a verb lemma (with the doubled final
/// consonant too, "admitted", since a spare form costs nothing).
pub fn verb_forms(v: &str) -> Vec<String> {
    let mut out = vec![v.to_string()];
    let cons_y = v.ends_with('y') && !v.ends_with("ay") && !v.ends_with("ey") && !v.ends_with("oy");
    if cons_y {
        let stem = &v[..v.len() - 1];
        out.push(format!("{stem}ies"));
        out.push(format!("{stem}ied"));
    } else {
        if v.ends_with(['s', 'x', 'z']) || v.ends_with("sh") || v.ends_with("ch") {
            out.push(format!("{v}es"));
        } else {
            out.push(format!("{v}s"));
        }
        if v.ends_with('e') {
            out.push(format!("{v}d"));
        } else {
            out.push(format!("{v}ed"));
            if let Some(last) = v.chars().last().filter(|c| !"aeiouwxy".contains(*c)) {
                out.push(format!("{v}{last}ed"));
            }
        }
    }
    out
}

/// All lexicons of one language, with stemmed sets where inflection should not matter.
pub struct Lexicons {
    lang: &'static Lang,
    /// Hyland (2005) hedges, lower case; multi-word entries kept as phrases.
    pub hedges: Vec<String>,
    /// The single-word hedges, for lookups per token.
    hedge_words: HashSet<String>,
    /// Finite forms (3rd person, past) of the report verbs of Recasens et al. (2013). Exact forms
    /// rather than stems, because stems conflate "accuses" with "accusations".
    report_verb_forms: HashSet<String>,
    bias_stems: HashSet<String>,
    strong_subj_stems: HashSet<String>,
    vader: HashMap<String, f32>,
    stemmer: Stemmer,
}

impl Lexicons {
    /// The English lexicons.
    pub fn load() -> Lexicons {
        Lexicons::of(&crate::assets::EN)
    }

    /// The lexicons of a language from its embedded files.
    pub fn of(lang: &'static Lang) -> Lexicons {
        let stemmer = Stemmer::create(Algorithm::English);
        let stems = |path: &str| -> HashSet<String> {
            lang.entries(path)
                .map(|w| stemmer.stem(&w.to_lowercase()).into_owned())
                .collect()
        };
        let hedges = lang.file("lexicons/hedges_hyland2005.txt");
        let report_verb_forms = lang
            .entries("lexicons/report_verbs.txt")
            .filter(|v| !v.contains(' '))
            .flat_map(|v| verb_forms(&v.to_lowercase()))
            .chain(
                lang.entries("lexicons/irregular_past.txt")
                    .map(str::to_string),
            )
            .collect();
        let bias_stems = stems("lexicons/bias-lexicon_og.txt");
        let strong_subj_stems = stems("lexicons/strong_subjectives_riloff2003.txt");
        let vader = lang
            .entries("lexicons/vader_lexicon.txt")
            .filter_map(|l| {
                let (w, v) = l.split_once('\t')?;
                Some((w.to_string(), v.trim().parse::<f32>().ok()?))
            })
            .collect();
        Lexicons {
            lang,
            hedges: entries(hedges).map(str::to_lowercase).collect(),
            hedge_words: entries(hedges)
                .filter(|h| !h.contains(' '))
                .map(str::to_lowercase)
                .collect(),
            report_verb_forms,
            bias_stems,
            strong_subj_stems,
            vader,
            stemmer,
        }
    }

    /// The language whose files these are (detectors read their own lists and patterns
    /// from it).
    pub fn lang(&self) -> &'static Lang {
        self.lang
    }

    pub fn stem<'a>(&self, word: &'a str) -> std::borrow::Cow<'a, str> {
        self.stemmer.stem(word)
    }

    /// Whether `norm` is a one-word hedge ("perhaps", "suggests").
    pub fn is_hedge_word(&self, norm: &str) -> bool {
        self.hedge_words.contains(norm)
    }

    /// Whether `norm` is a finite form ("says", "said", "claimed") of a report verb.
    pub fn is_report_verb(&self, norm: &str) -> bool {
        self.report_verb_forms.contains(norm)
    }

    /// Strong-subjective and bias membership of a lower-case word (by its stem).
    pub fn subjectivity(&self, norm: &str) -> (bool, bool) {
        let stem = self.stem(norm);
        (self.in_strong_subjective(&stem), self.in_bias(&stem))
    }

    pub fn in_bias(&self, stem: &str) -> bool {
        self.bias_stems.contains(stem)
    }

    pub fn in_strong_subjective(&self, stem: &str) -> bool {
        self.strong_subj_stems.contains(stem)
    }

    /// VADER valence of the exact lower-case word, in [-4, 4].
    pub fn valence(&self, norm: &str) -> Option<f32> {
        self.vader.get(norm).copied()
    }

    /// The facts of one token's word form (`word`: the token is a word, not punctuation or a
    /// number), through a per-thread cache: stemming and five table lookups per token
    /// dominated otherwise, and news vocabulary repeats across articles.
    pub fn facts(&self, norm: &str, word: bool) -> TokenFacts {
        if !word {
            return TokenFacts {
                hash: hash(norm),
                ..TokenFacts::default()
            };
        }
        thread_local! {
            /// One cache per language (by `Lang::id`).
            static CACHE: RefCell<Vec<HashMap<Box<str>, TokenFacts>>> =
                const { RefCell::new(Vec::new()) };
        }
        CACHE.with(|c| {
            let id = self.lang.id;
            if let Some(v) = c.borrow().get(id).and_then(|m| m.get(norm)) {
                return *v;
            }
            let (strong, bias) = self.subjectivity(norm);
            let v = TokenFacts {
                hash: hash(norm),
                strong,
                bias,
                valence: self.valence(norm).unwrap_or(0.0),
                hedge: self.is_hedge_word(norm),
                report: self.is_report_verb(norm),
            };
            let mut c = c.borrow_mut();
            if c.len() <= id {
                c.resize_with(id + 1, HashMap::default);
            }
            let m = &mut c[id];
            if m.len() > 200_000 {
                m.clear();
            }
            m.insert(norm.into(), v);
            v
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicons_load_with_expected_sizes() {
        let l = Lexicons::load();
        assert_eq!(l.hedges.len(), 100);
        assert!(l.hedges.iter().any(|h| h == "tend to"));
        assert!(
            l.is_report_verb("said") && l.is_report_verb("claims") && l.is_report_verb("reported")
        );
        assert!(!l.is_report_verb("table"));
        assert!(!l.is_report_verb("accusations"));
        assert!(
            l.is_report_verb("admitted")
                && l.is_report_verb("denies")
                && l.is_report_verb("accuses")
        );
        assert_eq!(l.valence("horror"), Some(-2.7));
        assert!(l.in_strong_subjective(&l.stem("barbaric")));
        assert!(l.in_bias(&l.stem("terrorist")));
        let f = l.facts("perhaps", true);
        assert!(f.hedge && !f.report && f.hash == hash("perhaps"));
        assert!(l.facts("claimed", true).report);
        assert_eq!(l.facts("!", false), l.facts("!", false));
        assert!(!l.facts("horror", false).strong && l.facts("horror", true).valence < 0.0);
    }
}
