//! The pipeline in one place: document → segmentation and token facts → rule detectors →
//! technique and sentence models → reliability → report.
//!
//! Each stage reads the document record ([`Doc`]) and adds to it; the [`Report`] is built from
//! it once, at the end (`build_report`). [`Analyzer::builder`] and [`Config`] are the one way to
//! say which models run.

mod config;

pub use config::{AnalyzerBuilder, BaseRate, Config, LanguagePolicy, ModelChoice, Tier};

use crate::detect::headline::HeadlineCue;
use crate::detect::{Detector, HeadlineDetector};
use crate::doc::{Doc, ModelInfo};
use crate::ingest::{Document, Limits};
use crate::lexicon::Lexicons;
use crate::model::format::ModelKind;
use crate::model::linear::logistic;
use crate::model::reliability::prior::logit;
use crate::model::reliability::{self, RateUnit, ReliabilityModel, Signal};
use crate::model::sentence::SentenceScorer;
use crate::model::sources;
use crate::model::techniques::TechniqueTagger;
use crate::report::{
    AttributionReport, BaseRateReport, Direction, Expect, Headline, HeadlineCueSpan, HedgeCueSpan,
    Label, Reason, Reliability, Report, SCHEMA, SentenceReport, SourcePriorReport, TechniqueSpan,
};
use crate::text::language;
use config::Source;
use std::sync::Arc;

/// Builds reports. Construct once (it parses the lexicons, compiles the patterns and loads the
/// models) and share: it is `Send + Sync`, and `analyze` takes `&self`.
pub struct Analyzer {
    lex: Arc<Lexicons>,
    /// Rule detectors, in the order they run (boilerplate first: later stages read it).
    rules: Vec<Box<dyn Detector>>,
    /// Sensationalism in the headline.
    headline: HeadlineDetector,
    techniques: Option<(TechniqueTagger, Source)>,
    /// The accurate tier, when the configuration asks for it: its spans replace the fast
    /// tier's in the report.
    #[cfg(feature = "accurate")]
    accurate: Option<(crate::model::accurate::AccurateTagger, Source)>,
    sentences: Option<(SentenceScorer, Source)>,
    reliability: Option<(ReliabilityModel, Source)>,
    /// The attribution tagger: runs after the rule detectors, and replaces the rules'
    /// attribution of a sentence where it finds one.
    attribution: Option<(crate::model::attribution::AttributionTagger, Source)>,
    /// Techniques per paragraph in SemEval-2023's taxonomy, for every language it has a head for.
    paragraphs: Option<(Arc<crate::model::paragraphs::ParagraphModel>, Source)>,
    source_prior: bool,
    /// The base rate the user stated (`Config::base_rate`).
    base_rate: Option<BaseRate>,
    reliability_stage: bool,
    limits: Limits,
    language: LanguagePolicy,
    /// Said in every report: how the models in use do not fit together.
    warnings: Vec<String>,
}

impl Default for Analyzer {
    fn default() -> Analyzer {
        Analyzer::new()
    }
}

impl Analyzer {
    /// The analyzer with the models embedded in the binary.
    pub fn new() -> Analyzer {
        Analyzer::builder()
            .build()
            .expect("the embedded models load and fit together (pinned by a test)")
    }

    /// Every model embedded, each replaceable or switchable off on its own.
    pub fn builder() -> AnalyzerBuilder {
        AnalyzerBuilder::default()
    }

    /// The analyzer with the detectors only: no technique, paragraph, sentence or reliability
    /// model (the
    /// lexicon loaded-language rules stand in for the technique model; the attribution tagger is
    /// off, as by default).
    pub fn rules_only() -> Analyzer {
        Analyzer::builder()
            .techniques(ModelChoice::Off)
            .sentences(ModelChoice::Off)
            .reliability(ModelChoice::Off)
            .paragraphs(ModelChoice::Off)
            .build()
            .expect("the rule detectors need no model")
    }

    /// The input limits of this analysis.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn lexicons(&self) -> &Lexicons {
        &self.lex
    }

    pub fn technique_tagger(&self) -> Option<&TechniqueTagger> {
        self.techniques.as_ref().map(|t| &t.0)
    }

    /// The accurate tier's tagger, when it is in use.
    #[cfg(feature = "accurate")]
    pub fn accurate_tagger(&self) -> Option<&crate::model::accurate::AccurateTagger> {
        self.accurate.as_ref().map(|t| &t.0)
    }

    /// Which tier's spans the reports show.
    pub fn tier(&self) -> Tier {
        #[cfg(feature = "accurate")]
        if self.accurate.is_some() {
            return Tier::Accurate;
        }
        Tier::Fast
    }

    pub fn sentence_scorer(&self) -> Option<&SentenceScorer> {
        self.sentences.as_ref().map(|s| &s.0)
    }

    pub fn reliability_model(&self) -> Option<&ReliabilityModel> {
        self.reliability.as_ref().map(|r| &r.0)
    }

    /// Whether a listed site moves the probability.
    pub fn source_prior(&self) -> bool {
        self.source_prior
    }

    /// Name, version and kind of everything that produces a part of the report, in pipeline
    /// order: exactly the report's `models` list.
    pub fn models(&self) -> Vec<ModelInfo> {
        let mut out: Vec<ModelInfo> = self.rules.iter().map(|d| d.info()).collect();
        out.push(self.headline.info());
        if let Some((a, _)) = &self.attribution {
            out.push(a.info());
        }
        if let Some((t, _)) = &self.techniques {
            out.push(t.info());
        }
        #[cfg(feature = "accurate")]
        if let Some((t, _)) = &self.accurate {
            out.push(t.info());
        }
        if let Some((s, _)) = &self.sentences {
            out.push(s.info());
        }
        if let Some((m, _)) = &self.paragraphs {
            out.push(ModelInfo {
                name: m.name.clone(),
                version: m.version.clone(),
                kind: "trained".into(),
                thresholds: Default::default(),
            });
        }
        if let Some((m, _)) = &self.reliability {
            out.push(ModelInfo {
                name: m.name.clone(),
                version: m.version.clone(),
                kind: "trained".into(),
                thresholds: [
                    ("unreliable", UNRELIABLE_AT),
                    ("reliable_below", RELIABLE_BELOW),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            });
        }
        out
    }

    /// Every setting of this analysis and the identity (SHA-256) of every model file in use:
    /// two analyzers with the same fingerprint write the same reports. `unspin corpus
    /// --resume` refuses to continue a run made with another.
    pub fn fingerprint(&self) -> String {
        let model = |kind: ModelKind, s: Option<&Source>| match s {
            Some(s) => format!("{}={}", kind.name(), s.sha256),
            None => format!("{}=off", kind.name()),
        };
        [
            format!("unspin {}", env!("CARGO_PKG_VERSION")),
            format!("max_bytes={}", self.limits.max_bytes),
            format!("source_prior={}", self.source_prior),
            format!(
                "base_rate={}",
                self.base_rate
                    .map_or("training".to_string(), |b| b.get().to_string())
            ),
            format!("language={}", self.language),
            model(
                ModelKind::Techniques,
                self.techniques.as_ref().map(|t| &t.1),
            ),
            model(ModelKind::Sentences, self.sentences.as_ref().map(|s| &s.1)),
            model(
                ModelKind::Reliability,
                self.reliability.as_ref().map(|r| &r.1),
            ),
            model(
                ModelKind::Attribution,
                self.attribution.as_ref().map(|a| &a.1),
            ),
            model(
                ModelKind::Paragraphs,
                self.paragraphs.as_ref().map(|p| &p.1),
            ),
            self.accurate_fingerprint(),
        ]
        .join(" ")
    }

    fn accurate_fingerprint(&self) -> String {
        #[cfg(feature = "accurate")]
        if let Some((_, s)) = &self.accurate {
            return format!("tier=accurate techniques-accurate={}", s.sha256);
        }
        "tier=fast".into()
    }

    /// What the server's `/v1/models` and Python's `unspin.models()` show: the report schema,
    /// the crate version, the models (the report's `models` list) with where each came from, and
    /// the evaluation stored in the model files (measured by `unspin eval`, not recomputed here).
    pub fn describe(&self) -> serde_json::Value {
        use serde_json::json;
        let mut eval = serde_json::Map::new();
        let mut files = serde_json::Map::new();
        if let Some((t, s)) = &self.techniques {
            eval.insert("techniques".into(), json!(t.model().metrics));
            files.insert("techniques".into(), json!(s));
        }
        if let Some((m, s)) = &self.sentences {
            let m = m.models();
            eval.insert(
                "sentences".into(),
                json!({
                    "clickbait": m.clickbait.metrics,
                    "hedging": m.hedging.metrics,
                    "checkworthy": m.checkworthy.metrics,
                }),
            );
            files.insert("sentences".into(), json!(s));
        }
        if let Some((r, s)) = &self.reliability {
            eval.insert("reliability".into(), json!(r.metrics));
            files.insert("reliability".into(), json!(s));
        }
        if let Some((a, s)) = &self.attribution {
            eval.insert("attribution".into(), json!(a.model().metrics));
            files.insert("attribution".into(), json!(s));
        }
        #[cfg(feature = "accurate")]
        if let Some((t, s)) = &self.accurate {
            eval.insert("techniques-accurate".into(), json!(t.metrics()));
            files.insert("techniques-accurate".into(), json!(s));
        }
        json!({
            "schema": SCHEMA,
            "version": env!("CARGO_PKG_VERSION"),
            "models": self.models(),
            "files": files,
            "source_prior": self.source_prior,
            "base_rate": self.base_rate.map(|b| b.get()),
            "max_bytes": self.limits.max_bytes,
            "language": self.language.to_string(),
            "evaluation": eval,
            "warnings": self.warnings,
        })
    }

    /// The attribution tagger in use, if any (for scoring it on its own: `unspin eval
    /// attribution`).
    pub fn attribution_tagger(&self) -> Option<&crate::model::attribution::AttributionTagger> {
        self.attribution.as_ref().map(|(t, _)| t)
    }

    /// The document record after segmentation, token facts and the rule detectors.
    pub fn prepare<'t>(&self, text: &'t str) -> Doc<'t> {
        let mut doc = Doc::new(text, &self.lex);
        for d in &self.rules {
            d.detect(&mut doc);
        }
        if let Some((t, _)) = &self.attribution {
            t.apply(&mut doc);
        }
        doc
    }

    /// Runs the technique and sentence models on a prepared document.
    pub fn score(&self, doc: &mut Doc<'_>) {
        if let Some((t, _)) = &self.techniques {
            t.tag(doc);
        }
        // Text order (ties by technique), the order of the report and of the signals.
        doc.techniques
            .sort_by_key(|t| (t.bytes.start, t.bytes.end, t.technique));
        if let Some((s, _)) = &self.sentences {
            s.score(doc);
        }
    }

    pub fn analyze(&self, doc: &Document) -> Report {
        self.analyze_with_signals(doc).0
    }

    /// The report and the model inputs of its document signals, in signal order (what
    /// `train reliability` learns from).
    pub fn analyze_with_signals(&self, document: &Document) -> (Report, Vec<f64>) {
        let title = document.title.as_deref().filter(|t| !t.trim().is_empty());
        let language = language::detect(&document.text, title);
        // The language whose lists and models run: the override, else the detected one when
        // unspin has models for it, else English for a text too short to tell.
        let analysed_as: Option<&'static str> = match self.language {
            LanguagePolicy::Fixed(code) => Some(code),
            LanguagePolicy::Auto => match language.as_deref() {
                None => Some("en"),
                Some(l) => crate::model::paragraphs::language_code(l),
            },
        };
        if let Some(code) = analysed_as.filter(|c| *c != "en") {
            return self.analyze_other_language(document, code, language);
        }
        let foreign = match analysed_as {
            Some(_) => None,
            None => language.as_deref(),
        };
        if let Some(code) = foreign {
            // The detectors and models are English: on another language every figure they give
            // would be made up, so there are none, and the report says why.
            let doc = Doc::new(&document.text, &self.lex);
            let mut warnings = vec![format!(
                "the text looks like {} ({code}), not English: unspin's detectors and models are built for English, so no technique span, sentence score or reliability figure is given (--language en analyses it as English anyway)",
                language_name(code)
            )];
            warnings.extend(self.warnings.iter().cloned());
            // No detector or model ran.
            let report = build_report(
                document,
                &doc,
                None,
                Reliability::default(),
                Vec::new(),
                language.clone(),
                warnings,
            );
            return (report, Vec::new());
        }
        let mut doc = self.prepare(&document.text);
        self.score(&mut doc);
        let headline = title.map(|t| {
            let hd = Doc::new(t, &self.lex);
            let clickbait = self.sentences.as_ref().map(|(s, _)| s.clickbait(&hd));
            HeadlineFacts {
                clickbait,
                cues: Some(self.headline.cues(&hd)),
            }
        });
        let (reliability, x) = if self.reliability_stage {
            let mut signals = reliability::signals(&doc, title);
            let model = self.reliability_model();
            if let Some(w) = model.and_then(|m| m.words.as_ref()) {
                signals.push(reliability::word_signal(w, &doc));
            }
            let x: Vec<f64> = signals.iter().map(|s| s.x).collect();
            let mut section = reliability_section(doc.text(), signals, model, self.base_rate);
            if self.source_prior {
                apply_source_prior(&mut section, document, model);
            }
            (section, x)
        } else {
            (Reliability::default(), Vec::new())
        };
        let mut warnings = Vec::new();
        #[cfg(feature = "accurate")]
        if let Some((acc, _)) = &self.accurate {
            // After the reliability stage, which reads the fast tier's spans (the inputs it was
            // trained and calibrated on).
            let fast = std::mem::take(&mut doc.techniques);
            match acc.tag(&mut doc, self.techniques.as_ref().map(|t| &t.0)) {
                Ok(()) => doc
                    .techniques
                    .sort_by_key(|t| (t.bytes.start, t.bytes.end, t.technique)),
                Err(e) => {
                    doc.techniques = fast;
                    warnings.push(format!(
                        "the accurate tier did not read this article ({}); the technique spans are the fast tier's",
                        config::strip_model(&e)
                    ));
                }
            }
        }
        if let Some(l) = language.as_deref().filter(|l| *l != "eng") {
            warnings.push(format!(
                "the text looks like {} ({l}), not English, and is analysed as English (--language en): the detectors and models are built for English and may miss or misfire",
                language_name(l)
            ));
        }
        warnings.extend(self.warnings.iter().cloned());
        let mut report = build_report(
            document,
            &doc,
            headline,
            reliability,
            self.models(),
            language,
            warnings,
        );
        report.analysed_as = Some("en".into());
        report.paragraph_techniques = self.paragraph_techniques(&document.text, "en");
        (report, x)
    }

    /// A text in one of the other languages unspin has models for: its own word lists find
    /// hedges, conditional framing and attribution cues, and the paragraph model its
    /// techniques; the English models (technique spans, sentence scores, reliability) do not
    /// run, and the report says so.
    fn analyze_other_language(
        &self,
        document: &Document,
        code: &'static str,
        language: Option<String>,
    ) -> (Report, Vec<f64>) {
        let mut doc = Doc::new(&document.text, &self.lex);
        crate::detect::cues::detect(code, &mut doc);
        let mut warnings = vec![format!(
            "analysed as {} ({code}): hedges, conditional framing and attribution come from its word lists and the techniques per paragraph from its SemEval-2023 model; the technique spans, sentence scores and the reliability model are English-only, so none is given",
            crate::model::paragraphs::LANGUAGES
                .iter()
                .find(|l| l.0 == code)
                .and_then(|l| whatlang::Lang::from_code(l.2))
                .map_or(code, |l| l.eng_name())
        )];
        warnings.extend(self.warnings.iter().cloned());
        let models = std::iter::once(crate::detect::cues::info(code))
            .chain(
                self.models()
                    .into_iter()
                    .filter(|m| m.name == "paragraph-techniques"),
            )
            .collect();
        let mut report = build_report(
            document,
            &doc,
            None,
            Reliability::default(),
            models,
            language,
            warnings,
        );
        report.analysed_as = Some(code.into());
        report.paragraph_techniques = self.paragraph_techniques(&document.text, code);
        (report, Vec::new())
    }

    /// The paragraph model's labels of a text in one language, when the model has a head for it.
    fn paragraph_techniques(
        &self,
        text: &str,
        code: &str,
    ) -> Option<crate::report::ParagraphTechniques> {
        use crate::model::paragraphs::{TAXONOMY, TECHNIQUES, paragraphs};
        use crate::report::{ParagraphReport, ParagraphTechnique};
        let (m, _) = self.paragraphs.as_ref()?;
        let doc_head = m.head(code)?;
        let mut feats = crate::model::linear::Features::new(m.bits, false);
        let mut scores = Vec::new();
        let index = crate::span::CharIndex::new(text);
        // A paragraph clearly in another of the six languages (a quotation left untranslated,
        // a bilingual page) is labelled by that language's model, unless the user fixed the
        // language.
        let switch = matches!(self.language, LanguagePolicy::Auto);
        let out = paragraphs(text)
            .into_iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let line = &text[r.clone()];
                let own = switch
                    .then(|| crate::text::language::paragraph_language(line))
                    .flatten()
                    .and_then(crate::model::paragraphs::language_code)
                    .filter(|c| *c != code)
                    .and_then(|c| m.head(c));
                let head = own.unwrap_or(doc_head);
                let labels = m.label(head, line, i == 0, &mut feats, &mut scores);
                if labels.is_empty() {
                    return None;
                }
                let lead = line.len() - line.trim_start().len();
                let trimmed = r.start + lead..r.start + lead + line.trim().len();
                let sp = index.span(trimmed);
                Some(ParagraphReport {
                    start: sp.start,
                    end: sp.end,
                    language: own.map(|h| h.language.clone()),
                    techniques: labels
                        .into_iter()
                        .map(|l| ParagraphTechnique {
                            technique: TECHNIQUES[l.technique].to_string(),
                            confidence: f64::from(l.probability),
                            threshold: f64::from(head.thresholds[l.technique]),
                        })
                        .collect(),
                })
            })
            .collect();
        Some(crate::report::ParagraphTechniques {
            taxonomy: TAXONOMY.to_string(),
            language: code.to_string(),
            model: format!("{} {}", m.name, m.version),
            paragraphs: out,
        })
    }
}

/// What the stages found in the headline.
#[derive(Debug, Default)]
struct HeadlineFacts {
    /// The clickbait probability and decision, when the sentence models ran.
    clickbait: Option<(f64, bool)>,
    /// The sensationalism cues, when the rules ran.
    cues: Option<Vec<HeadlineCue>>,
}

/// The report, built once from the document record.
fn build_report(
    document: &Document,
    doc: &Doc<'_>,
    headline: Option<HeadlineFacts>,
    reliability: Reliability,
    models: Vec<ModelInfo>,
    language: Option<String>,
    extra_warnings: Vec<String>,
) -> Report {
    let seg = &doc.seg;
    let text = seg.text;
    let sentences: Vec<SentenceReport> = doc
        .sentences
        .iter()
        .zip(&seg.sentences)
        .map(|(f, s)| SentenceReport {
            start: s.span.start,
            end: s.span.end,
            checkworthiness: f.checkworthiness,
            check_worthy: f.check_worthy,
            hedging: f.hedging,
            hedged: f.hedged,
            hedge_cues: f
                .hedges
                .iter()
                .map(|c| {
                    let sp = seg.span(c.bytes.clone());
                    HedgeCueSpan {
                        start: sp.start,
                        end: sp.end,
                        text: text[c.bytes.clone()].to_string(),
                        kind: c.kind,
                    }
                })
                .collect(),
            attribution: match &f.attribution {
                None => AttributionReport::none(f.quote),
                Some(at) => {
                    let sp = seg.span(at.bytes.clone());
                    let span = |r: &std::ops::Range<usize>| {
                        let sp = seg.span(r.clone());
                        crate::report::TextSpan {
                            start: sp.start,
                            end: sp.end,
                            text: text[r.clone()].to_string(),
                        }
                    };
                    let parts = at.parts.as_ref();
                    AttributionReport {
                        kind: at.kind,
                        source: at.source.clone(),
                        start: Some(sp.start),
                        end: Some(sp.end),
                        verb: at.verb.clone(),
                        quote: f.quote,
                        source_span: parts.and_then(|p| p.source.as_ref()).map(span),
                        cue: parts.and_then(|p| p.cue.as_ref()).map(span),
                        content: parts.map_or(Vec::new(), |p| p.content.iter().map(span).collect()),
                        resolved: parts.and_then(|p| p.resolved.clone()),
                        confidence: parts.map(|p| f64::from(p.confidence)),
                    }
                }
            },
            boilerplate: f.boilerplate,
            unsupported_claim: f.unsupported_claim(),
        })
        .collect();
    let techniques = doc
        .techniques
        .iter()
        .map(|t| {
            let sp = seg.span(t.bytes.clone());
            TechniqueSpan {
                technique: t.technique,
                start: sp.start,
                end: sp.end,
                text: text[t.bytes.clone()].to_string(),
                confidence: t.confidence,
                evidence: t.evidence.clone(),
            }
        })
        .collect();

    let title = document.title.clone().filter(|t| !t.trim().is_empty());
    let headline = title.as_ref().map(|t| {
        let facts = headline.unwrap_or_default();
        let clickbait = facts.clickbait;
        let index = crate::span::CharIndex::new(t);
        Headline {
            start: 0,
            end: t.chars().count(),
            clickbait: clickbait.map(|c| c.0),
            is_clickbait: clickbait.map(|c| c.1),
            sensational: facts.cues.as_deref().map(HeadlineDetector::sensational),
            sensational_cues: facts
                .cues
                .unwrap_or_default()
                .into_iter()
                .map(|c| {
                    let sp = index.span(c.bytes.clone());
                    HeadlineCueSpan {
                        start: sp.start,
                        end: sp.end,
                        text: t[c.bytes].to_string(),
                        kind: c.kind,
                    }
                })
                .collect(),
        }
    });
    let mut warnings = Vec::new();
    if text.trim().is_empty() {
        warnings.push("the text is empty: nothing was analysed but the title".to_string());
    }
    warnings.extend(extra_warnings);

    Report {
        schema: SCHEMA.to_string(),
        id: document.id.clone(),
        title,
        text: text.to_string(),
        language,
        source: document.meta.clone(),
        headline,
        reliability,
        techniques,
        analysed_as: None,
        paragraph_techniques: None,
        sentences,
        models,
        warnings,
    }
}

/// The English name of an ISO 639-3 language code ("deu" → "German").
fn language_name(code: &str) -> &'static str {
    whatlang::Lang::from_code(code).map_or("another language", |l| l.eng_name())
}

/// Probability, label and reasons. A reason is a signal the article shows (spans in the text,
/// a flag or count in the headline, or the word profile's score); with a model, each carries its
/// contribution to the log-odds against its absence and its direction, and they are ranked by
/// the size of the contribution in either direction. Without a model the probability stays
/// null and reasons are ranked by count.
fn reliability_section(
    text: &str,
    signals: Vec<Signal>,
    model: Option<&ReliabilityModel>,
    stated: Option<BaseRate>,
) -> Reliability {
    let words = text.split_whitespace().nth(20).is_some();
    let scored = model.filter(|_| words).map(|m| {
        let mut sc = m.score(&signals);
        // A stated base rate replaces the training pool's prior odds: the same constant
        // log-odds on the baseline, so `p = logistic(baseline + Σ contributions)` still holds.
        if let Some(to) = stated {
            let shift = logit(to.get()) - logit(m.train_base_rate());
            sc.baseline += shift;
            sc.p_unreliable = logistic(logit(sc.p_unreliable) + shift);
        }
        (m, sc)
    });
    let base_rate = model.map(|m| BaseRateReport {
        value: stated.map_or(m.train_base_rate(), |b| b.get()),
        stated: stated.is_some(),
        training: m.train_base_rate(),
    });
    // Signals are consumed: their spans move into the reasons rather than being copied.
    let mut reasons: Vec<Reason> = signals
        .into_iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let unit = reliability::unit(s.name);
            let count = match unit {
                RateUnit::Headline => s.rate.round() as usize,
                _ => s.spans.len(),
            };
            let present = count > 0 || unit == RateUnit::Score;
            if !present {
                return None;
            }
            let contribution = scored.as_ref().map(|(_, sc)| sc.contributions[i]);
            Some(Reason {
                signal: s.name.to_string(),
                description: reliability::describe(s.name).to_string(),
                contribution,
                direction: contribution.and_then(Direction::of),
                expected: reliability::expected(s.name),
                count,
                spans: s.spans,
                rate: s.rate,
                unit,
                // Inputs are ln(1 + rate), except a score, which is its own input.
                typical: scored.as_ref().map(|(m, _)| match unit {
                    RateUnit::Score => m.mean[i],
                    _ => m.mean[i].exp_m1(),
                }),
            })
        })
        .collect();
    match &scored {
        Some(_) => rank_reasons(&mut reasons),
        None => reasons.sort_by(|x, y| y.count.cmp(&x.count).then_with(|| x.signal.cmp(&y.signal))),
    }
    let p = scored.as_ref().map(|(_, sc)| sc.p_unreliable);
    Reliability {
        p_unreliable: p,
        label: p.map(label_for),
        baseline: scored.as_ref().map(|(_, sc)| sc.baseline),
        base_rate,
        reasons,
        source_prior: None,
    }
}

/// Looks the record's site up in the compiled-in list and, when listed, adds the prior as its
/// own reason and shifts the probability by the model's fitted log-odds for the category.
fn apply_source_prior(rel: &mut Reliability, doc: &Document, model: Option<&ReliabilityModel>) {
    let Some(listing) = [doc.meta.url.as_deref(), doc.meta.site.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|u| sources::opensources().lookup(u))
    else {
        return;
    };
    let fitted = model.and_then(|m| m.source_prior.as_ref());
    let (shift, n) = fitted
        .and_then(|p| p.shift(listing.primary()))
        .unwrap_or((0.0, 0));
    let p_text = rel.p_unreliable;
    if let Some(p) = p_text {
        let p = p.clamp(1e-9, 1.0 - 1e-9);
        let shifted = logistic((p / (1.0 - p)).ln() + shift);
        rel.p_unreliable = Some(shifted);
        rel.label = Some(label_for(shifted));
    }
    let list = fitted.map_or(sources::OPENSOURCES, |p| p.list.as_str());
    let contribution = p_text.map(|_| shift);
    rel.reasons.push(Reason {
        signal: "source_prior".into(),
        description: format!(
            "the site {} is listed by {list} as {}; switch the source prior off to score the text alone",
            listing.domain,
            listing.categories.join(", ")
        ),
        contribution,
        direction: contribution.and_then(Direction::of),
        expected: match sources::category_group(listing.primary()) {
            Some("unreliable_listed") => Expect::Unreliable,
            Some("reliable_listed") => Expect::Reliable,
            _ => Expect::Either,
        },
        count: 1,
        spans: Vec::new(),
        rate: 0.0,
        unit: RateUnit::Listing,
        typical: None,
    });
    rank_reasons(&mut rel.reasons);
    rel.source_prior = Some(SourcePriorReport {
        domain: listing.domain.clone(),
        list: list.to_string(),
        categories: listing.categories.clone(),
        shift,
        training_articles: n,
        p_unreliable_text: p_text,
    });
}

/// The largest contribution first, in either direction; ties by signal name, so the order is
/// stable.
fn rank_reasons(reasons: &mut [Reason]) {
    reasons.sort_by(|x, y| {
        let size = |r: &Reason| r.contribution.unwrap_or(0.0).abs();
        size(y)
            .total_cmp(&size(x))
            .then_with(|| x.signal.cmp(&y.signal))
    });
}

/// The label thresholds of a calibrated probability: "unreliable" once it is more likely than
/// not; "reliable" only well below the pool's base rate (~0.32); in between the text gives too
/// little evidence either way.
const UNRELIABLE_AT: f64 = 0.5;
const RELIABLE_BELOW: f64 = 0.2;

fn label_for(p: f64) -> Label {
    if p >= UNRELIABLE_AT {
        Label::Unreliable
    } else if p < RELIABLE_BELOW {
        Label::Reliable
    } else {
        Label::Uncertain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_only_text_gives_a_well_defined_report() {
        let r = Analyzer::new().analyze(&Document::from_text("  \n\t "));
        assert!(r.sentences.is_empty() && r.techniques.is_empty());
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.reliability.p_unreliable, None);
    }

    #[test]
    fn the_report_lists_exactly_the_analyzers_models() {
        let a = Analyzer::new();
        let r = a.analyze(&Document::from_text("Officials said the dam held."));
        assert_eq!(r.models, a.models());
        let names: Vec<&str> = r.models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "boilerplate-rules",
                "hedging-rules",
                "attribution-rules",
                "headline-rules",
                "techniques",
                "sentences",
                "paragraph-techniques",
                "reliability"
            ]
        );
        assert_eq!(a.describe()["models"], serde_json::json!(a.models()));
    }
}
