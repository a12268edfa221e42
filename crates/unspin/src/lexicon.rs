//! The word lists compiled into the binary, parsed once.
//!
//! Sources and licences are listed in `NOTICE`; the files live under `assets/lexicons/` so that a
//! fresh clone builds without `../shared`.

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::RefCell;

const HEDGES: &str = include_str!("../assets/lexicons/hedges_hyland2005.txt");
const REPORT_VERBS: &str = include_str!("../assets/lexicons/report_verbs.txt");
const BIAS: &str = include_str!("../assets/lexicons/bias-lexicon_og.txt");
const STRONG_SUBJ: &str = include_str!("../assets/lexicons/strong_subjectives_riloff2003.txt");
const VADER: &str = include_str!("../assets/lexicons/vader_lexicon.txt");

/// What the document stages need to know about one token's word form.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TokenFacts {
    /// `model::linear::hash` of the token's `norm` (also for punctuation).
    pub hash: u64,
    /// Strong-subjective and bias-lexicon membership (words only).
    pub strong: bool,
    pub bias: bool,
    /// VADER valence, 0 when unlisted (words only).
    pub valence: f32,
}

fn entries(src: &str) -> impl Iterator<Item = &str> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

const IRREGULAR_PAST: &[&str] = &[
    "said",
    "told",
    "wrote",
    "spoke",
    "thought",
    "taught",
    "swore",
    "saw",
    "heard",
    "found",
    "felt",
    "meant",
    "foretold",
    "forbade",
    "forgot",
    "understood",
    "sang",
    "read",
    "spread",
    "foresaw",
    "knew",
];

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

/// All lexicons, with stemmed sets where inflection should not matter.
pub struct Lexicons {
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
    pub fn load() -> Lexicons {
        let stemmer = Stemmer::create(Algorithm::English);
        let stems = |src: &str| -> HashSet<String> {
            entries(src)
                .map(|w| stemmer.stem(&w.to_lowercase()).into_owned())
                .collect()
        };
        let report_verb_forms = entries(REPORT_VERBS)
            .filter(|v| !v.contains(' '))
            .flat_map(|v| verb_forms(&v.to_lowercase()))
            .chain(IRREGULAR_PAST.iter().map(|s| s.to_string()))
            .collect();
        let bias_stems = stems(BIAS);
        let strong_subj_stems = stems(STRONG_SUBJ);
        let vader = entries(VADER)
            .filter_map(|l| {
                let (w, v) = l.split_once('\t')?;
                Some((w.to_string(), v.trim().parse::<f32>().ok()?))
            })
            .collect();
        Lexicons {
            hedges: entries(HEDGES).map(str::to_lowercase).collect(),
            hedge_words: entries(HEDGES)
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

    /// Strong-subjective and bias membership of a lower-case word, through a per-thread cache:
    /// stemming dominates otherwise, and news vocabulary repeats across articles.
    pub fn subjectivity(&self, norm: &str) -> (bool, bool) {
        thread_local! {
            static CACHE: RefCell<HashMap<String, (bool, bool)>> = RefCell::new(HashMap::default());
        }
        CACHE.with(|c| {
            if let Some(v) = c.borrow().get(norm) {
                return *v;
            }
            let stem = self.stem(norm);
            let v = (self.in_strong_subjective(&stem), self.in_bias(&stem));
            let mut c = c.borrow_mut();
            if c.len() > 200_000 {
                c.clear();
            }
            c.insert(norm.to_string(), v);
            v
        })
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

    /// The facts of one token.
    pub fn facts(&self, norm: &str, word: bool) -> TokenFacts {
        let hash = crate::model::linear::hash(norm);
        if !word {
            return TokenFacts {
                hash,
                ..TokenFacts::default()
            };
        }
        let (strong, bias) = self.subjectivity(norm);
        TokenFacts {
            hash,
            strong,
            bias,
            valence: self.valence(norm).unwrap_or(0.0),
        }
    }

    /// The facts of every token of a document, computed on first use and kept on it.
    pub fn token_facts<'a>(&self, a: &'a crate::text::Analyzed<'_>) -> &'a [TokenFacts] {
        a.token_facts.get_or_init(|| {
            a.tokens
                .iter()
                .map(|t| self.facts(&t.norm, t.kind == crate::text::TokenKind::Word))
                .collect()
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
    }
}
