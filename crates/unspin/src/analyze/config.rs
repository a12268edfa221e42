//! Everything a user can set about an analysis, in one type ([`Config`]), and the one way to
//! build an analyzer from it ([`AnalyzerBuilder`]): every model defaults to the embedded one,
//! each can be replaced or switched off on its own, and `build()` checks that the models fit
//! together. The CLI flattens the same settings into every command that analyses, the server
//! and the Python package take them, and `--resume` fingerprints them.

use super::Analyzer;
use crate::detect::{
    AttributionDetector, BoilerplateDetector, Detector, HedgingDetector, LoadedLanguageDetector,
};
use crate::error::{Error, Result};
use crate::ingest::Limits;
use crate::lexicon::Lexicons;
use crate::model::attribution::{AttributionModel, AttributionTagger};
use crate::model::format::{self, ModelFile, ModelKind};
use crate::model::reliability::ReliabilityModel;
use crate::model::sentence::{SentenceModels, SentenceScorer};
use crate::model::techniques::{TechniqueModel, TechniqueTagger};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

/// Where a model comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ModelChoice {
    /// The file compiled into the binary.
    #[default]
    Embedded,
    /// A model file (e.g. one just trained by `unspin train`).
    File(PathBuf),
    /// No model: its part of the report stays null (techniques fall back to the lexicon
    /// loaded-language rules).
    Off,
}

impl FromStr for ModelChoice {
    type Err = std::convert::Infallible;

    /// `embedded`, `off`, or a path.
    fn from_str(s: &str) -> std::result::Result<ModelChoice, Self::Err> {
        Ok(match s {
            "embedded" => ModelChoice::Embedded,
            "off" | "none" => ModelChoice::Off,
            path => ModelChoice::File(PathBuf::from(path)),
        })
    }
}

impl fmt::Display for ModelChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelChoice::Embedded => f.write_str("embedded"),
            ModelChoice::Off => f.write_str("off"),
            ModelChoice::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Which language's detectors and models analyse a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LanguagePolicy {
    /// The detected language: English, French, German, Italian, Polish or Russian get their
    /// own models and word lists; a text whose language cannot be told (a short one) is read as
    /// English; a text in another language gets no technique span, sentence score or
    /// reliability figure, and a warning naming its language.
    #[default]
    Auto,
    /// Every text as this language (ISO 639-1 code of a language with models), whatever the
    /// detector says: the override for a mixed or misdetected text.
    Fixed(&'static str),
}

impl LanguagePolicy {
    /// Every text as English.
    pub const ENGLISH: LanguagePolicy = LanguagePolicy::Fixed("en");
}

impl FromStr for LanguagePolicy {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<LanguagePolicy, String> {
        match s {
            "auto" => Ok(LanguagePolicy::Auto),
            "english" => Ok(LanguagePolicy::ENGLISH),
            other => crate::model::paragraphs::language_code(other)
                .map(LanguagePolicy::Fixed)
                .ok_or_else(|| {
                    format!(
                        "language {other:?}: `auto` (the detected language) or one of {} (every text as that language)",
                        crate::model::paragraphs::LANGUAGES.map(|l| l.0).join(", ")
                    )
                }),
        }
    }
}

impl fmt::Display for LanguagePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LanguagePolicy::Auto => "auto",
            LanguagePolicy::Fixed(code) => code,
        })
    }
}

/// Which technique model finds the spans of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tier {
    /// The linear tagger over hashed features: about a millisecond an article, for corpora.
    #[default]
    Fast,
    /// The fine-tuned transformer (`model::accurate`, the `accurate` cargo feature): about half
    /// a second of one core an article, for reading one article at a time. The reliability
    /// model still reads the fast tier's spans, the inputs it was trained and calibrated on.
    Accurate,
}

impl FromStr for Tier {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Tier, String> {
        match s {
            "fast" => Ok(Tier::Fast),
            "accurate" => Ok(Tier::Accurate),
            other => Err(format!("tier {other:?}: `fast` or `accurate`")),
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tier::Fast => "fast",
            Tier::Accurate => "accurate",
        })
    }
}

/// A share of unreliable articles, strictly between 0 and 1: the base rate a reliability
/// probability is read against (see `model::reliability::prior`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BaseRate(f64);

// The value is finite and never NaN (checked by `new`), so equality is total.
impl Eq for BaseRate {}

impl BaseRate {
    pub fn new(p: f64) -> Result<BaseRate> {
        if p.is_finite() && p > 0.0 && p < 1.0 {
            Ok(BaseRate(p))
        } else {
            Err(Error::Setting(format!(
                "a base rate is a share of unreliable articles strictly between 0 and 1, got {p}"
            )))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl std::str::FromStr for BaseRate {
    type Err = Error;

    fn from_str(s: &str) -> Result<BaseRate> {
        let p: f64 = s.trim().parse().map_err(|_| {
            Error::Setting(format!(
                "a base rate is a number between 0 and 1 (e.g. 0.1), got {s:?}"
            ))
        })?;
        BaseRate::new(p)
    }
}

/// Everything a user can set about an analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Largest input (file, record, request body) analysed, in bytes.
    pub limits: Limits,
    pub techniques: ModelChoice,
    pub sentences: ModelChoice,
    pub reliability: ModelChoice,
    /// Whether a listed site moves the probability (see `model::sources`); off, reports rest on
    /// the text alone.
    pub source_prior: bool,
    /// The share of unreliable articles the user expects among what they analyse; the
    /// reliability probability is read against it instead of the training pool's share
    /// (the report says which). `None`: the training pool's.
    pub base_rate: Option<BaseRate>,
    /// Which texts the English detectors and models analyse.
    pub language: LanguagePolicy,
    /// Which technique model's spans the report shows.
    pub tier: Tier,
    /// The accurate tier's model file (read only with `tier: Accurate`).
    pub accurate: ModelChoice,
    /// The attribution tagger (source, cue, content; `model::attribution`). Off by default: it
    /// triples the fast tier's time per article (docs/BENCHMARKS.md); off, the attribution
    /// rules alone decide.
    pub attribution: ModelChoice,
    /// The paragraph technique model of six languages (SemEval-2023's 23 techniques): every
    /// paragraph's techniques in English, French, German, Italian, Polish and Russian.
    pub paragraphs: ModelChoice,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            limits: Limits::default(),
            techniques: ModelChoice::Embedded,
            sentences: ModelChoice::Embedded,
            reliability: ModelChoice::Embedded,
            source_prior: true,
            base_rate: None,
            language: LanguagePolicy::Auto,
            tier: Tier::Fast,
            accurate: ModelChoice::Embedded,
            attribution: ModelChoice::Off,
            paragraphs: ModelChoice::Embedded,
        }
    }
}

impl Config {
    /// The analyzer these settings describe.
    pub fn analyzer(&self) -> Result<Analyzer> {
        Analyzer::builder().config(self).build()
    }
}

/// A model as the builder holds it until `build()`.
enum Choice<T> {
    Embedded,
    File(PathBuf),
    Given(Box<T>),
    Off,
}

impl<T> From<ModelChoice> for Choice<T> {
    fn from(c: ModelChoice) -> Choice<T> {
        match c {
            ModelChoice::Embedded => Choice::Embedded,
            ModelChoice::File(p) => Choice::File(p),
            ModelChoice::Off => Choice::Off,
        }
    }
}

/// A model in use and where it came from.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Source {
    /// `embedded`, the file's path, or `given` (handed over in memory).
    pub origin: String,
    /// SHA-256 of the model file (of its encoding, for a model handed over in memory).
    pub sha256: String,
}

impl<T: ModelFile> Choice<T> {
    fn load(self) -> Result<Option<(T, Source)>> {
        let (bytes, origin): (std::borrow::Cow<'static, [u8]>, String) = match self {
            Choice::Off => return Ok(None),
            Choice::Given(m) => {
                let bytes = format::encode(&*m)?;
                let source = Source {
                    origin: "given".into(),
                    sha256: format::sha256(&bytes),
                };
                return Ok(Some((*m, source)));
            }
            Choice::Embedded => {
                let bytes = crate::model::embedded_bytes(T::KIND);
                if bytes.is_empty() {
                    return Ok(None);
                }
                (bytes.into(), "embedded".into())
            }
            Choice::File(path) => (
                read_model(&path, T::KIND)?.into(),
                path.display().to_string(),
            ),
        };
        let model = format::decode::<T>(&bytes).map_err(|e| match &origin[..] {
            "embedded" => e,
            path => Error::Model(format!("{path}: {}", strip_model(&e))),
        })?;
        Ok(Some((
            model,
            Source {
                origin,
                sha256: format::sha256(&bytes),
            },
        )))
    }
}

/// A model file's message without the `model: ` prefix the error adds again.
pub(super) fn strip_model(e: &Error) -> String {
    match e {
        Error::Model(m) => m.clone(),
        other => other.to_string(),
    }
}

/// The largest model file read (the shipped ones are a few MB): a path to a device or a huge
/// file is refused instead of read until memory runs out.
const MAX_MODEL_BYTES: u64 = 256 << 20;

fn read_model(path: &Path, kind: ModelKind) -> Result<Vec<u8>> {
    read_capped(path, kind.describe(), |head| {
        // A device or any other file that is not a model (`/dev/zero`, a 200 MB log) is
        // refused after 8 bytes rather than read to the size limit.
        format::has_magic(head)
            .then_some(())
            .ok_or_else(|| "not an unspin model file (bad magic bytes)".to_string())
    })
}

/// A model file's bytes, at most [`MAX_MODEL_BYTES`]: its first 8 bytes go through `check`
/// before the rest is read. Every error names the path.
fn read_capped(
    path: &Path,
    what: &str,
    check: impl Fn(&[u8]) -> std::result::Result<(), String>,
) -> Result<Vec<u8>> {
    use std::io::Read;
    let named = |m: String| Error::Model(format!("{}: {m}", path.display()));
    let mut file = std::fs::File::open(path)
        .map_err(|e| named(format!("cannot read the {what} file: {e}")))?;
    let mut bytes = Vec::new();
    (&mut file)
        .take(8)
        .read_to_end(&mut bytes)
        .map_err(|e| named(e.to_string()))?;
    check(&bytes).map_err(named)?;
    file.take(MAX_MODEL_BYTES + 1 - 8)
        .read_to_end(&mut bytes)
        .map_err(|e| named(e.to_string()))?;
    if bytes.len() as u64 > MAX_MODEL_BYTES {
        return Err(named(format!(
            "larger than {MAX_MODEL_BYTES} bytes: not an unspin model file"
        )));
    }
    Ok(bytes)
}

/// The accurate tier's model: embedded or read from a file (a safetensors file, not an
/// `UNSPINMD` one; its own metadata say its format and version).
#[cfg(feature = "accurate")]
fn load_accurate(c: &ModelChoice) -> Result<(crate::model::accurate::AccurateTagger, Source)> {
    use crate::model::accurate::AccurateTagger;
    let (bytes, origin): (std::borrow::Cow<'static, [u8]>, String) = match c {
        ModelChoice::Off => {
            return Err(Error::Model(
                "the accurate tier needs its model: give a file or keep the embedded one".into(),
            ));
        }
        ModelChoice::Embedded => (crate::model::ACCURATE.into(), "embedded".into()),
        ModelChoice::File(path) => (
            // Its own header (a safetensors length and JSON) is checked when it is parsed.
            read_capped(path, "accurate technique model", |_| Ok(()))?.into(),
            path.display().to_string(),
        ),
    };
    let tagger = AccurateTagger::from_bytes(&bytes).map_err(|e| match &origin[..] {
        "embedded" => e,
        path => Error::Model(format!("{path}: {}", strip_model(&e))),
    })?;
    Ok((
        tagger,
        Source {
            origin,
            sha256: format::sha256(&bytes),
        },
    ))
}

/// Builds an [`Analyzer`]: `Analyzer::builder()…build()?`.
pub struct AnalyzerBuilder {
    limits: Limits,
    language: LanguagePolicy,
    techniques: Choice<TechniqueModel>,
    sentences: Choice<SentenceModels>,
    reliability: Choice<ReliabilityModel>,
    source_prior: bool,
    base_rate: Option<BaseRate>,
    reliability_stage: bool,
    tier: Tier,
    accurate: ModelChoice,
    attribution: Choice<AttributionModel>,
    paragraphs: Choice<crate::model::paragraphs::ParagraphModel>,
}

impl Default for AnalyzerBuilder {
    fn default() -> AnalyzerBuilder {
        AnalyzerBuilder {
            limits: Limits::default(),
            language: LanguagePolicy::Auto,
            techniques: Choice::Embedded,
            sentences: Choice::Embedded,
            reliability: Choice::Embedded,
            source_prior: true,
            base_rate: None,
            reliability_stage: true,
            tier: Tier::Fast,
            accurate: ModelChoice::Embedded,
            attribution: Choice::Off,
            paragraphs: Choice::Embedded,
        }
    }
}

impl AnalyzerBuilder {
    /// The paragraph technique model of six languages (SemEval-2023's 23 techniques): embedded,
    /// a file `unspin train paragraphs` wrote, or off.
    pub fn paragraphs(mut self, c: ModelChoice) -> AnalyzerBuilder {
        self.paragraphs = c.into();
        self
    }

    /// Takes every setting of a [`Config`].
    pub fn config(self, c: &Config) -> AnalyzerBuilder {
        self.limits(c.limits)
            .techniques(c.techniques.clone())
            .sentences(c.sentences.clone())
            .reliability(c.reliability.clone())
            .source_prior(c.source_prior)
            .base_rate(c.base_rate)
            .language(c.language)
            .tier(c.tier)
            .accurate(c.accurate.clone())
            .attribution(c.attribution.clone())
            .paragraphs(c.paragraphs.clone())
    }

    /// The attribution tagger: embedded, a file `unspin train attribution` wrote, or off (the
    /// rules alone).
    pub fn attribution(mut self, c: ModelChoice) -> AnalyzerBuilder {
        self.attribution = c.into();
        self
    }

    /// An attribution tagger in memory (one just trained).
    pub fn attribution_model(mut self, m: AttributionModel) -> AnalyzerBuilder {
        self.attribution = Choice::Given(Box::new(m));
        self
    }

    /// Which technique model's spans the report shows.
    pub fn tier(mut self, tier: Tier) -> AnalyzerBuilder {
        self.tier = tier;
        self
    }

    /// The accurate tier's model (embedded, or a file written by `scripts/train_accurate.sh`).
    pub fn accurate(mut self, c: ModelChoice) -> AnalyzerBuilder {
        self.accurate = c;
        self
    }

    pub fn language(mut self, policy: LanguagePolicy) -> AnalyzerBuilder {
        self.language = policy;
        self
    }

    pub fn limits(mut self, limits: Limits) -> AnalyzerBuilder {
        self.limits = limits;
        self
    }

    pub fn techniques(mut self, c: ModelChoice) -> AnalyzerBuilder {
        self.techniques = c.into();
        self
    }

    /// A technique model in memory (one just trained).
    pub fn technique_model(mut self, m: TechniqueModel) -> AnalyzerBuilder {
        self.techniques = Choice::Given(Box::new(m));
        self
    }

    pub fn sentences(mut self, c: ModelChoice) -> AnalyzerBuilder {
        self.sentences = c.into();
        self
    }

    pub fn sentence_models(mut self, m: SentenceModels) -> AnalyzerBuilder {
        self.sentences = Choice::Given(Box::new(m));
        self
    }

    pub fn reliability(mut self, c: ModelChoice) -> AnalyzerBuilder {
        self.reliability = c.into();
        self
    }

    pub fn reliability_model(mut self, m: ReliabilityModel) -> AnalyzerBuilder {
        self.reliability = Choice::Given(Box::new(m));
        self
    }

    pub fn source_prior(mut self, on: bool) -> AnalyzerBuilder {
        self.source_prior = on;
        self
    }

    /// The base rate the reliability probability is read against (`None`: the training
    /// pool's).
    pub fn base_rate(mut self, rate: Option<BaseRate>) -> AnalyzerBuilder {
        self.base_rate = rate;
        self
    }

    /// Off, reports carry no reliability section at all (no signals, reasons or probability):
    /// for measuring what that stage costs (`unspin bench`), not for users.
    pub fn reliability_stage(mut self, on: bool) -> AnalyzerBuilder {
        self.reliability_stage = on;
        self
    }

    /// Loads the models and checks that they fit together: the reliability model reads the
    /// technique spans and the check-worthiness of sentences, so it needs both models; one
    /// trained on the output of other technique or sentence models is used, with a warning in
    /// every report.
    pub fn build(self) -> Result<Analyzer> {
        let lex = Arc::new(Lexicons::load());
        let techniques = self.techniques.load()?;
        let sentences = self.sentences.load()?;
        let reliability = self.reliability.load()?;
        let paragraphs = match self.paragraphs.load()? {
            Some((m, s)) => {
                m.check()?;
                Some((Arc::new(m), s))
            }
            None => None,
        };
        let attribution = match self.attribution.load()? {
            Some((m, s)) => {
                m.check()?;
                Some((AttributionTagger::new(Arc::new(m), lex.clone()), s))
            }
            None => None,
        };
        let mut warnings = Vec::new();
        if let Some((m, _)) = &reliability {
            m.check()?;
            let missing: Vec<&str> = [
                (techniques.is_none(), "technique"),
                (sentences.is_none(), "sentence"),
            ]
            .into_iter()
            .filter_map(|(off, what)| off.then_some(what))
            .collect();
            if !missing.is_empty() {
                return Err(Error::Model(format!(
                    "the reliability model reads what the {} model{} find{}: switch it off too, or keep {}",
                    missing.join(" and "),
                    if missing.len() > 1 { "s" } else { "" },
                    if missing.len() > 1 { "" } else { "s" },
                    if missing.len() > 1 { "them" } else { "it" },
                )));
            }
            for (kind, source) in [
                (ModelKind::Techniques, techniques.as_ref().map(|t| &t.1)),
                (ModelKind::Sentences, sentences.as_ref().map(|s| &s.1)),
            ] {
                let trained_with = m
                    .train
                    .inputs
                    .iter()
                    .find(|(k, _)| k == kind.name())
                    .map(|(_, sha)| sha);
                if let (Some(want), Some(used)) = (trained_with, source)
                    && *want != used.sha256
                {
                    warnings.push(format!(
                        "the reliability model was trained on the output of another {} than the one in use ({}): p_unreliable may be off; retrain it with `unspin train reliability`",
                        kind.describe(),
                        used.origin
                    ));
                }
            }
        }
        let mut rules: Vec<Box<dyn Detector>> = vec![
            Box::new(BoilerplateDetector::new(&lex)),
            Box::new(HedgingDetector::new(&lex)),
            Box::new(AttributionDetector::new(lex.clone())),
        ];
        if techniques.is_none() {
            rules.push(Box::new(LoadedLanguageDetector::new(lex.clone())));
        }
        let techniques = match techniques {
            Some((m, s)) => Some((TechniqueTagger::new(m, &lex)?, s)),
            None => None,
        };
        let sentences = match sentences {
            Some((m, s)) => Some((SentenceScorer::new(m, &lex)?, s)),
            None => None,
        };
        #[cfg(feature = "accurate")]
        let accurate = match self.tier {
            Tier::Fast => None,
            Tier::Accurate => Some(load_accurate(&self.accurate)?),
        };
        #[cfg(not(feature = "accurate"))]
        if self.tier == Tier::Accurate {
            return Err(Error::Model(
                "this unspin was built without the accurate tier (cargo feature `accurate`); use --tier fast or a build with it".into(),
            ));
        }
        Ok(Analyzer {
            paragraphs,
            #[cfg(feature = "accurate")]
            accurate,
            headline: crate::detect::HeadlineDetector::new(&lex),
            lex,
            rules,
            techniques,
            sentences,
            reliability,
            attribution,
            source_prior: self.source_prior,
            base_rate: self.base_rate,
            reliability_stage: self.reliability_stage,
            limits: self.limits,
            language: self.language,
            warnings,
        })
    }
}
