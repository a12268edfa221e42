//! The pipeline in one place: document → segmentation → detectors → report.

use crate::detect::{self, Detector, Finding};
use crate::ingest::Document;
use crate::lexicon::Lexicons;
use crate::model::reliability::{self, ReliabilityModel, Signal};
use crate::model::sentence::{self, RuleCues, SentenceModels, Task};
use crate::model::sources;
use crate::model::techniques::{TechniqueModel, TechniqueTagger};
use crate::report::{
    AttributionReport, Headline, HedgeCueSpan, Label, RateUnit, Reason, Reliability, Report,
    SCHEMA, SentenceReport, SourcePriorReport, TechniqueSpan,
};
use crate::text::Analyzed;
use std::sync::Arc;

/// Builds reports. Construct once (it parses the lexicons and compiles the patterns) and share:
/// it is `Send + Sync`, and `analyze` takes `&self`.
pub struct Analyzer {
    detectors: Vec<Box<dyn Detector>>,
    techniques: Option<Arc<TechniqueTagger>>,
    reliability: Option<ReliabilityModel>,
    sentences: Option<Arc<SentenceModels>>,
    source_prior: bool,
    reliability_stage: bool,
    lex: Arc<Lexicons>,
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
        let reliability = crate::model::embedded_reliability()
            .expect("the embedded reliability model decodes (pinned by a test)");
        let sentences = crate::model::embedded_sentences()
            .expect("the embedded sentence models decode (pinned by a test)");
        Analyzer::with_technique_model(model)
            .expect("the embedded technique model matches this build")
            .with_reliability_model(reliability)
            .with_sentence_models(sentences)
    }

    /// Replaces the sentence models (`None`: check-worthiness, hedging and clickbait stay null).
    pub fn with_sentence_models(mut self, models: Option<SentenceModels>) -> Analyzer {
        self.sentences = models.map(Arc::new);
        self
    }

    /// Replaces the reliability model (`None`: reports carry reasons without a probability).
    pub fn with_reliability_model(mut self, model: Option<ReliabilityModel>) -> Analyzer {
        self.reliability = model;
        self
    }

    /// Whether a listed site moves the probability (on by default; see
    /// [`crate::model::sources`]). Off, reports rest on the text alone.
    pub fn with_source_prior(mut self, on: bool) -> Analyzer {
        self.source_prior = on;
        self
    }

    /// Off, reports carry no reliability section at all (no signals, reasons or probability):
    /// for measuring what that stage costs (`unspin bench`), not for users.
    pub fn with_reliability_stage(mut self, on: bool) -> Analyzer {
        self.reliability_stage = on;
        self
    }

    pub fn reliability_model(&self) -> Option<&ReliabilityModel> {
        self.reliability.as_ref()
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
            reliability: None,
            sentences: None,
            source_prior: true,
            reliability_stage: true,
            lex,
        })
    }

    /// The technique model, when one is loaded.
    /// The sentence models in use, when loaded.
    pub fn sentence_models(&self) -> Option<&SentenceModels> {
        self.sentences.as_deref()
    }

    pub fn technique_tagger(&self) -> Option<&TechniqueTagger> {
        self.techniques.as_deref()
    }

    /// Name, version and kind of every detector this analyzer runs.
    pub fn models(&self) -> Vec<detect::ModelInfo> {
        self.detectors.iter().map(|d| d.info()).collect()
    }

    /// What the server's `/v1/models` and Python's `unspin.models()` show: the report schema,
    /// the crate version, each detector's model and the evaluation stored in the model files
    /// (measured by `unspin eval`, not recomputed here).
    pub fn describe(&self) -> serde_json::Value {
        use serde_json::json;
        let mut eval = serde_json::Map::new();
        if let Some(t) = self.technique_tagger() {
            eval.insert("techniques".into(), json!(t.model().metrics));
        }
        if let Some(r) = self.reliability_model() {
            eval.insert("reliability".into(), json!(r.metrics));
        }
        if let Some(s) = self.sentence_models() {
            eval.insert(
                "sentences".into(),
                json!({
                    "clickbait": s.clickbait.metrics,
                    "hedging": s.hedging.metrics,
                    "checkworthy": s.checkworthy.metrics,
                }),
            );
        }
        json!({
            "schema": crate::report::SCHEMA,
            "version": env!("CARGO_PKG_VERSION"),
            "models": self.models(),
            "evaluation": eval,
        })
    }

    pub fn analyze(&self, doc: &Document) -> Report {
        self.analyze_with_signals(doc).0
    }

    /// The report and the model inputs of its document signals, in signal order (what
    /// `train reliability` learns from).
    pub fn analyze_with_signals(&self, doc: &Document) -> (Report, Vec<f64>) {
        let a = Analyzed::new(&doc.text);
        let mut findings = Vec::new();
        for d in &self.detectors {
            d.detect(&a, &mut findings);
        }
        let mut models: Vec<detect::ModelInfo> = self.detectors.iter().map(|d| d.info()).collect();
        if let Some(m) = &self.reliability {
            models.push(detect::ModelInfo {
                name: m.name.clone(),
                version: m.version.clone(),
                kind: "trained".into(),
            });
        }
        if let Some(m) = &self.sentences {
            models.push(detect::ModelInfo {
                name: m.name.clone(),
                version: m.version.clone(),
                kind: "trained".into(),
            });
        }
        let mut report = build_report(doc, &a, findings, models);
        if let Some(m) = &self.sentences {
            score_sentences(&mut report, &a, m, &self.lex);
        }
        if !self.reliability_stage {
            return (report, Vec::new());
        }
        let furniture = reliability::boilerplate_sentences(&a);
        let mut signals = reliability::signals(&report, &a, &self.lex, furniture);
        if let Some(w) = self.reliability.as_ref().and_then(|m| m.words.as_ref()) {
            signals.push(reliability::word_signal(w, &a, furniture));
        }
        let x: Vec<f64> = signals.iter().map(|s| s.x).collect();
        report.reliability = reliability_section(&report, signals, self.reliability.as_ref());
        if self.source_prior {
            apply_source_prior(&mut report, doc, self.reliability.as_ref());
        }
        (report, x)
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

    for f in findings {
        match f {
            Finding::Hedge(c) => {
                let sp = a.span(c.bytes.clone());
                sentences[c.sentence].hedge_cues.push(HedgeCueSpan {
                    start: sp.start,
                    end: sp.end,
                    text: text[c.bytes].to_string(),
                    kind: c.kind,
                });
            }
            Finding::Attribution(at) => {
                let sp = a.span(at.bytes.clone());
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
            reasons: Vec::new(),
            source_prior: None,
        },
        techniques,
        sentences,
        models,
        warnings,
    }
}

/// Probability, label and reasons. With a model, each signal's contribution to the log-odds
/// ranks the reasons (those pushing toward "unreliable" first); without one, reasons are the
/// signals that occur, by count, and the probability stays null.
fn reliability_section(
    report: &Report,
    signals: Vec<Signal>,
    model: Option<&ReliabilityModel>,
) -> Reliability {
    let words = report.text.split_whitespace().nth(20).is_some();
    let scored = model.filter(|_| words).map(|m| (m, m.score(&signals)));
    // Signals are consumed: their spans move into the reasons rather than being copied.
    let mut reasons: Vec<Reason> = signals
        .into_iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let contribution = scored.as_ref().map(|(_, sc)| sc.contributions[i]);
            let matters = contribution.is_some_and(|c| c.abs() >= 0.05);
            if s.spans.is_empty() && s.rate == 0.0 && !matters {
                return None;
            }
            Some(Reason {
                signal: s.name.to_string(),
                description: reliability::describe(s.name).to_string(),
                contribution,
                count: s.spans.len(),
                spans: s.spans,
                rate: s.rate,
                unit: reliability::unit(s.name),
                // Inputs are ln(1 + rate), except a score, which is its own input.
                typical: scored
                    .as_ref()
                    .map(|(m, _)| match reliability::unit(s.name) {
                        crate::report::RateUnit::Score => m.mean[i],
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
        reasons,
        source_prior: None,
    }
}

/// Check-worthiness and hedging of every sentence, with the hedging model's own cue words, and
/// the headline's clickbait probability.
fn score_sentences(report: &mut Report, a: &Analyzed<'_>, m: &SentenceModels, lex: &Lexicons) {
    let facts = lex.token_facts(a);
    for (i, s) in report.sentences.iter_mut().enumerate() {
        let cues = RuleCues::of([&*s]);
        let range = a.sentences[i].tokens.clone();
        // Both sentence tasks read the same features (only a headline adds one), so one pass.
        let f = sentence::features(Task::Checkworthy, a, range.clone(), facts, lex, &cues);
        s.checkworthiness = Some(m.checkworthy.probability(&f));
        let p = m.hedging.probability(&f);
        s.hedging = Some(p);
        if p >= m.hedging.threshold {
            // Words the model weighs as hedges that no lexicon cue covers yet. Tokens come in
            // order, so the rule cues are swept once by start (with the furthest end seen):
            // checking every token against every cue was quadratic on one giant sentence.
            let mut rule: Vec<(usize, usize)> =
                s.hedge_cues.iter().map(|c| (c.start, c.end)).collect();
            rule.sort_unstable();
            let (mut next, mut reach) = (0usize, 0usize);
            for k in range {
                let t = &a.tokens[k];
                while next < rule.len() && rule[next].0 <= t.span.start {
                    reach = reach.max(rule[next].1);
                    next += 1;
                }
                let covered = next > 0 && t.span.end <= reach;
                if t.kind == crate::text::TokenKind::Word
                    && !covered
                    && sentence::is_learned_cue(&m.hedging, &t.norm, facts[k].hash)
                {
                    s.hedge_cues.push(HedgeCueSpan {
                        start: t.span.start,
                        end: t.span.end,
                        text: a.text[t.bytes.clone()].to_string(),
                        kind: detect::HedgeKind::Learned,
                    });
                }
            }
            s.hedge_cues.sort_by_key(|c| (c.start, c.end));
        }
    }
    if let (Some(title), Some(h)) = (report.title.as_deref(), report.headline.as_mut()) {
        let t = Analyzed::new(title);
        let tf = lex.token_facts(&t);
        let f = sentence::features(
            Task::Clickbait,
            &t,
            0..t.tokens.len(),
            tf,
            lex,
            &RuleCues::default(),
        );
        h.clickbait = Some(m.clickbait.probability(&f));
    }
}

/// Looks the record's site up in the compiled-in list and, when listed, adds the prior as its
/// own reason and shifts the probability by the model's fitted log-odds for the category.
fn apply_source_prior(report: &mut Report, doc: &Document, model: Option<&ReliabilityModel>) {
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
    let rel = &mut report.reliability;
    let p_text = rel.p_unreliable;
    if let Some(p) = p_text {
        let p = p.clamp(1e-9, 1.0 - 1e-9);
        let shifted = reliability::sigmoid((p / (1.0 - p)).ln() + shift);
        rel.p_unreliable = Some(shifted);
        rel.label = Some(label_for(shifted));
    }
    let list = fitted.map_or(sources::OPENSOURCES, |p| p.list.as_str());
    rel.reasons.push(Reason {
        signal: "source_prior".into(),
        description: format!(
            "the site {} is listed by {list} as {}; switch the source prior off to score the text alone",
            listing.domain,
            listing.categories.join(", ")
        ),
        contribution: p_text.map(|_| shift),
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

/// Strongest push toward "unreliable" first; ties by signal name, so the order is stable.
fn rank_reasons(reasons: &mut [Reason]) {
    reasons.sort_by(|x, y| {
        y.contribution
            .unwrap_or(0.0)
            .total_cmp(&x.contribution.unwrap_or(0.0))
            .then_with(|| x.signal.cmp(&y.signal))
    });
}

/// A calibrated probability: "unreliable" once it is more likely than not; "reliable" only well
/// below the pool's base rate (~0.32); in between the text gives too little evidence either way.
fn label_for(p: f64) -> Label {
    if p >= 0.5 {
        Label::Unreliable
    } else if p < 0.2 {
        Label::Reliable
    } else {
        Label::Uncertain
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
