//! The pipeline in one place: document → segmentation → detectors → report.

use crate::detect::{self, Detector, Finding, HedgeKind, SourceKind};
use crate::ingest::Document;
use crate::lexicon::Lexicons;
use crate::model::techniques::{TechniqueModel, TechniqueTagger};
use crate::report::{
    AttributionReport, Headline, HedgeCueSpan, Reason, Reliability, Report, SCHEMA, SentenceReport,
    TechniqueSpan,
};
use crate::technique::Technique;
use crate::text::Analyzed;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

/// Builds reports. Construct once (it parses the lexicons and compiles the patterns) and share:
/// it is `Send + Sync`, and `analyze` takes `&self`.
pub struct Analyzer {
    detectors: Vec<Box<dyn Detector>>,
    techniques: Option<Arc<TechniqueTagger>>,
}

impl Default for Analyzer {
    fn default() -> Analyzer {
        Analyzer::new()
    }
}

impl Analyzer {
    /// The analyzer with the models embedded in the binary.
    pub fn new() -> Analyzer {
        let model = crate::model::embedded_techniques()
            .expect("the embedded technique model decodes (pinned by a test)");
        Analyzer::with_technique_model(model)
            .expect("the embedded technique model matches this build")
    }

    /// The analyzer with a given technique model (e.g. one just trained, or read with
    /// `--model`); without one, the lexicon loaded-language detector stands in.
    pub fn with_technique_model(model: Option<TechniqueModel>) -> crate::Result<Analyzer> {
        let lex = Arc::new(Lexicons::load());
        let mut detectors: Vec<Box<dyn Detector>> = vec![
            Box::new(detect::HedgingDetector::new(lex.clone())),
            Box::new(detect::AttributionDetector::new(lex.clone())),
        ];
        let techniques = match model {
            Some(m) => Some(Arc::new(TechniqueTagger::new(m, lex.clone())?)),
            None => {
                detectors.push(Box::new(detect::LoadedLanguageDetector::new(lex.clone())));
                None
            }
        };
        if let Some(t) = &techniques {
            detectors.push(Box::new(SharedTagger(t.clone())));
        }
        Ok(Analyzer {
            detectors,
            techniques,
        })
    }

    /// The technique model, when one is loaded.
    pub fn technique_tagger(&self) -> Option<&TechniqueTagger> {
        self.techniques.as_deref()
    }

    /// Name, version and kind of every detector this analyzer runs.
    pub fn models(&self) -> Vec<detect::ModelInfo> {
        self.detectors.iter().map(|d| d.info()).collect()
    }

    pub fn analyze(&self, doc: &Document) -> Report {
        let a = Analyzed::new(&doc.text);
        let mut findings = Vec::new();
        for d in &self.detectors {
            d.detect(&a, &mut findings);
        }
        build_report(
            doc,
            &a,
            findings,
            self.detectors.iter().map(|d| d.info()).collect(),
        )
    }
}

/// The tagger is shared between the detector list and `technique_tagger()`.
struct SharedTagger(Arc<TechniqueTagger>);

impl Detector for SharedTagger {
    fn info(&self) -> detect::ModelInfo {
        self.0.info()
    }

    fn detect(&self, doc: &Analyzed<'_>, out: &mut Vec<Finding>) {
        self.0.detect(doc, out)
    }
}

fn build_report(
    doc: &Document,
    a: &Analyzed<'_>,
    findings: Vec<Finding>,
    models: Vec<detect::ModelInfo>,
) -> Report {
    let text = a.text;
    let mut sentences: Vec<SentenceReport> = a
        .sentences
        .iter()
        .enumerate()
        .map(|(i, s)| SentenceReport {
            start: s.span.start,
            end: s.span.end,
            checkworthiness: None,
            hedging: None,
            hedge_cues: Vec::new(),
            attribution: AttributionReport::none(has_direct_quote(a.sentence_text(i))),
        })
        .collect();
    let mut techniques = Vec::new();
    let mut signals: BTreeMap<&'static str, Vec<[usize; 2]>> = BTreeMap::new();
    let span_of = |r: &Range<usize>| {
        let s = a.span(r.clone());
        [s.start, s.end]
    };

    for f in findings {
        match f {
            Finding::Hedge(c) => {
                let sp = a.span(c.bytes.clone());
                let signal = match c.kind {
                    HedgeKind::Conditional => "conditional_framing",
                    HedgeKind::Distancing => "distancing",
                    HedgeKind::Lexical => "hedging",
                };
                signals.entry(signal).or_default().push([sp.start, sp.end]);
                sentences[c.sentence].hedge_cues.push(HedgeCueSpan {
                    start: sp.start,
                    end: sp.end,
                    text: text[c.bytes].to_string(),
                    kind: c.kind,
                });
            }
            Finding::Attribution(at) => {
                let sp = a.span(at.bytes.clone());
                if at.kind == SourceKind::Vague {
                    signals
                        .entry("vague_attribution")
                        .or_default()
                        .push(span_of(&at.bytes));
                }
                let quote = sentences[at.sentence].attribution.quote;
                sentences[at.sentence].attribution = AttributionReport {
                    kind: at.kind,
                    source: at.source,
                    start: Some(sp.start),
                    end: Some(sp.end),
                    verb: at.verb,
                    quote,
                };
            }
            Finding::Technique(t) => {
                let sp = a.span(t.bytes.clone());
                signals
                    .entry(signal_for(t.technique))
                    .or_default()
                    .push([sp.start, sp.end]);
                techniques.push(TechniqueSpan {
                    technique: t.technique,
                    start: sp.start,
                    end: sp.end,
                    text: text[t.bytes].to_string(),
                    confidence: t.confidence,
                    evidence: t.evidence,
                });
            }
        }
    }
    techniques.sort_by_key(|x| (x.start, x.end, x.technique));

    let mut reasons: Vec<Reason> = signals
        .into_iter()
        .map(|(signal, spans)| Reason {
            signal: signal.to_string(),
            description: describe(signal).to_string(),
            contribution: None,
            count: spans.len(),
            spans,
        })
        .collect();
    reasons.sort_by(|x, y| y.count.cmp(&x.count).then_with(|| x.signal.cmp(&y.signal)));

    let title = doc.title.clone().filter(|t| !t.trim().is_empty());
    let headline = title.as_ref().map(|t| Headline {
        start: 0,
        end: t.chars().count(),
        clickbait: None,
    });
    let language = detect_language(text, title.as_deref());
    let mut warnings = Vec::new();
    if text.trim().is_empty() {
        warnings.push("the text is empty: nothing was analysed but the title".to_string());
    }
    if let Some(l) = &language
        && l != "eng"
    {
        warnings.push(format!(
            "the text looks like {l}, not English: the detectors are built for English and may miss or misfire"
        ));
    }

    Report {
        schema: SCHEMA.to_string(),
        id: doc.id.clone(),
        title,
        text: text.to_string(),
        language,
        source: doc.meta.clone(),
        headline,
        reliability: Reliability {
            p_unreliable: None,
            label: None,
            reasons,
        },
        techniques,
        sentences,
        models,
        warnings,
    }
}

/// Reason signal of a technique: one per technique, so the "why" list says which.
fn signal_for(t: Technique) -> &'static str {
    match t {
        Technique::AppealToAuthority => "appeal_to_authority",
        Technique::AppealToFearPrejudice => "appeal_to_fear",
        Technique::BandwagonReductioAdHitlerum => "bandwagon",
        Technique::BlackAndWhiteFallacy => "black_and_white",
        Technique::CausalOversimplification => "causal_oversimplification",
        Technique::Doubt => "doubt",
        Technique::ExaggerationMinimisation => "exaggeration",
        Technique::FlagWaving => "flag_waving",
        Technique::LoadedLanguage => "loaded_language",
        Technique::NameCallingLabeling => "name_calling",
        Technique::Repetition => "repetition",
        Technique::Slogans => "slogans",
        Technique::ThoughtTerminatingCliches => "thought_terminating_cliche",
        Technique::WhataboutismStrawMenRedHerring => "whataboutism",
    }
}

fn describe(signal: &str) -> &'static str {
    match signal {
        "vague_attribution" => "claims credited to unnamed or vague sources",
        "conditional_framing" => "claims made conditional on their own truth",
        "distancing" => "the writer distances themself from a claim they still make",
        "hedging" => "hedge words that soften or qualify claims",
        other => Technique::ALL
            .into_iter()
            .find(|t| signal_for(*t) == other)
            .map_or("persuasion technique", Technique::definition),
    }
}

/// A direct quotation: a double-quoted stretch of at least three words. Single words in quotes
/// are scare quotes ("the ‘accidental’ strike"), which are not someone's words.
fn has_direct_quote(s: &str) -> bool {
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

fn detect_language(text: &str, title: Option<&str>) -> Option<String> {
    let body = if text.trim().is_empty() {
        title.unwrap_or("")
    } else {
        text
    };
    // Most input is English news, where function words make up a third of the tokens; counting
    // them is far cheaper than trigram profiles, which decide everything else.
    const FUNCTION_WORDS: &[&str] = &[
        "the", "of", "and", "to", "in", "is", "that", "for", "it", "with", "as", "was", "on", "a",
        "by", "are", "be", "this", "have", "has", "from", "not", "but",
    ];
    let words: Vec<&str> = body.split_whitespace().take(120).collect();
    if words.len() >= 30 {
        let hits = words
            .iter()
            .filter(|w| FUNCTION_WORDS.iter().any(|f| w.eq_ignore_ascii_case(f)))
            .count();
        if hits * 100 >= words.len() * 25 {
            return Some("eng".to_string());
        }
    }
    let sample: String = body.chars().take(400).collect();
    let info = whatlang::detect(&sample)?;
    (info.is_reliable() || info.confidence() > 0.5).then(|| info.lang().code().to_string())
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

    #[test]
    fn whitespace_only_text_gives_a_well_defined_report() {
        let r = Analyzer::new().analyze(&Document::from_text("  \n\t "));
        assert!(r.sentences.is_empty() && r.techniques.is_empty());
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.reliability.p_unreliable, None);
    }
}
