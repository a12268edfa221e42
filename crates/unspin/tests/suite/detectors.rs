//! Detector tables: text → the spans that must fire, and texts where a detector must stay silent.
//! All sentences are written for these tables.

use unspin::doc::{HedgeKind, SourceKind};
use unspin::span::{Span, slice_chars};
use unspin::{Analyzer, Document, Report, Technique};

fn analyze(text: &str) -> Report {
    thread_local! {
        static ANALYZER: Analyzer = Analyzer::new();
    }
    ANALYZER.with(|a| a.analyze(&Document::from_text(text)))
}

/// The lexicon loaded-language detector runs when no technique model is loaded.
fn analyze_rules(text: &str) -> Report {
    thread_local! {
        static RULES: Analyzer = Analyzer::rules_only();
    }
    RULES.with(|a| a.analyze(&Document::from_text(text)))
}

fn cue_texts(r: &Report, kind: HedgeKind) -> Vec<String> {
    r.sentences
        .iter()
        .flat_map(|s| &s.hedge_cues)
        .filter(|c| c.kind == kind)
        .map(|c| c.text.clone())
        .collect()
}

#[test]
fn hedging_must_fire() {
    let cases: &[(&str, HedgeKind, &str)] = &[
        (
            "If the new claims are true, the minister must resign.",
            HedgeKind::Conditional,
            "If the new claims are true",
        ),
        (
            "If these reports are confirmed, it would be a scandal.",
            HedgeKind::Conditional,
            "If these reports are confirmed",
        ),
        (
            "Assuming the leaked memo is genuine, the plan was known.",
            HedgeKind::Conditional,
            "Assuming the leaked memo is genuine",
        ),
        (
            "Should this video be authentic, the company faces ruin.",
            HedgeKind::Conditional,
            "Should this video be",
        ),
        (
            "The mayor allegedly took the money.",
            HedgeKind::Distancing,
            "allegedly",
        ),
        (
            "The general was reportedly seen in the capital.",
            HedgeKind::Distancing,
            "reportedly",
        ),
        (
            "It appears that the talks have collapsed.",
            HedgeKind::Distancing,
            "It appears",
        ),
        (
            "It is rumored that the CEO will step down.",
            HedgeKind::Distancing,
            "It is rumored",
        ),
        (
            "The alleged plot was foiled.",
            HedgeKind::Distancing,
            "alleged",
        ),
        (
            "The results suggest a link between the two.",
            HedgeKind::Lexical,
            "suggest",
        ),
        (
            "The new rule might reduce costs.",
            HedgeKind::Lexical,
            "might",
        ),
        (
            "About 40 people attended the rally.",
            HedgeKind::Lexical,
            "About",
        ),
        (
            "The vaccine is probably safe for children.",
            HedgeKind::Lexical,
            "probably",
        ),
        (
            "Prices tend to rise in winter.",
            HedgeKind::Lexical,
            "tend to",
        ),
    ];
    for (text, kind, want) in cases {
        let r = analyze(text);
        let got = cue_texts(&r, *kind);
        assert!(
            got.iter().any(|g| g == want),
            "{text:?}: want {kind:?} cue {want:?}, got {got:?}"
        );
    }
}

#[test]
fn hedging_must_not_fire() {
    let cases: &[&str] = &[
        "The committee approved the budget on Tuesday.",
        "The report is about Syria and its neighbours.",
        "Workers walked around the site.",
        "If you see smoke, call the fire brigade.",
        "The court ruled that the contract was valid.",
    ];
    for text in cases {
        let r = analyze(text);
        let cues: Vec<_> = r.sentences.iter().flat_map(|s| &s.hedge_cues).collect();
        assert!(
            cues.is_empty(),
            "{text:?}: expected no hedge cue, got {cues:?}"
        );
    }
}

#[test]
fn attribution_table() {
    let cases: &[(&str, SourceKind, Option<&str>, Option<&str>)] = &[
        (
            "Reports are fast coming in that the bridge has collapsed.",
            SourceKind::Vague,
            Some("Reports are fast coming in"),
            None,
        ),
        (
            "Sources say the deal is off.",
            SourceKind::Vague,
            Some("Sources say"),
            None,
        ),
        (
            "It was reported that the factory closed.",
            SourceKind::Vague,
            Some("It was reported"),
            None,
        ),
        (
            "Many believe the election was stolen.",
            SourceKind::Vague,
            Some("Many believe"),
            None,
        ),
        (
            "Unnamed officials confirmed the raid.",
            SourceKind::Vague,
            Some("Unnamed officials confirmed"),
            None,
        ),
        (
            "According to some experts, the drug is dangerous.",
            SourceKind::Vague,
            Some("According to some experts"),
            None,
        ),
        (
            "According to TruthFeed:",
            SourceKind::Named,
            Some("According to TruthFeed"),
            Some("TruthFeed"),
        ),
        (
            "According to the Ministry of Health, 12 people died.",
            SourceKind::Named,
            Some("According to the Ministry of Health"),
            Some("the Ministry of Health"),
        ),
        (
            "Prime Minister Ana Ruiz said the border would stay open.",
            SourceKind::Named,
            Some("Prime Minister Ana Ruiz said"),
            Some("Prime Minister Ana Ruiz"),
        ),
        (
            "The minister told reporters that talks had stalled.",
            SourceKind::Named,
            Some("The minister told"),
            Some("The minister"),
        ),
        (
            "\"We will not back down,\" said Tomas Berg.",
            SourceKind::Named,
            Some("said Tomas Berg"),
            Some("Tomas Berg"),
        ),
        (
            "The figures were confirmed by the central bank.",
            SourceKind::Named,
            Some("were confirmed by the central bank"),
            Some("the central bank"),
        ),
        (
            "Officials said the road would reopen.",
            SourceKind::Vague,
            Some("Officials said"),
            None,
        ),
        (
            "The river flooded three villages.",
            SourceKind::None,
            None,
            None,
        ),
        (
            "This was already confirmed by the fact that the strike lasted hours.",
            SourceKind::None,
            None,
            None,
        ),
        (
            "I said it before and I will say it again.",
            SourceKind::None,
            None,
            None,
        ),
        (
            "The report was published on Monday.",
            SourceKind::None,
            None,
            None,
        ),
        ("His claims were false.", SourceKind::None, None, None),
        (
            "The accusations against the mayor are serious.",
            SourceKind::None,
            None,
            None,
        ),
    ];
    for (text, kind, phrase, source) in cases {
        let r = analyze(text);
        let a = &r.sentences[0].attribution;
        assert_eq!(a.kind, *kind, "{text:?}: {a:?}");
        let got_phrase = a
            .span()
            .map(|s| slice_chars(&r.text, s).unwrap().to_string());
        assert_eq!(got_phrase.as_deref(), *phrase, "{text:?}");
        if let Some(src) = source {
            assert_eq!(a.source.as_deref(), Some(*src), "{text:?}");
        }
    }
}

fn loaded(r: &Report) -> Vec<String> {
    r.techniques
        .iter()
        .filter(|t| t.technique == Technique::LoadedLanguage)
        .map(|t| t.text.clone())
        .collect()
}

#[test]
fn loaded_language_must_fire() {
    let cases: &[(&str, &str)] = &[
        (
            "They are purveyors of death, horror and barbarism.",
            "death, horror and barbarism",
        ),
        (
            "The regime's barbaric and disgusting crimes shocked the world.",
            "barbaric and disgusting",
        ),
        ("This evil, corrupt cabal must be stopped.", "evil, corrupt"),
        (
            "The senator's pathetic lies are a disgrace.",
            "pathetic lies",
        ),
    ];
    for (text, want) in cases {
        let got = loaded(&analyze_rules(text));
        assert!(
            got.iter().any(|g| g.contains(want)),
            "{text:?}: want a span containing {want:?}, got {got:?}"
        );
    }
}

#[test]
fn loaded_language_must_not_fire() {
    let cases: &[&str] = &[
        "The death toll rose to 12 after the storm.",
        "Three people were killed in the crash on Route 9.",
        "The committee approved the budget on Tuesday.",
        "The United Nations held a vote on the resolution.",
        "The study examined the facts and the beliefs of voters.",
        "Police arrested two men after the attack.",
    ];
    for text in cases {
        let got = loaded(&analyze_rules(text));
        assert!(
            got.is_empty(),
            "{text:?}: expected no loaded language, got {got:?}"
        );
    }
}

#[test]
fn technique_spans_carry_evidence_and_slice_back() {
    let r = analyze_rules("They are purveyors of death, horror and barbarism.");
    let t = &r.techniques[0];
    assert_eq!(
        slice_chars(&r.text, Span::new(t.start, t.end)),
        Some(t.text.as_str())
    );
    // Evidence is the charged words, as the article writes them.
    assert_eq!(t.evidence, ["death", "horror", "barbarism"]);
    assert_eq!(t.confidence, None, "rule detectors are not calibrated");
}

#[test]
fn trained_technique_spans_are_calibrated_and_explained() {
    let r = analyze(
        "This corrupt, arrogant administration has shown nothing but contempt for the people. Everyone knows what happens next.",
    );
    assert!(!r.techniques.is_empty());
    for t in &r.techniques {
        let c = t.confidence.expect("trained spans carry a confidence");
        assert!((0.0..=1.0).contains(&c));
        // Evidence is words of the article that drove the decision, never a feature's name.
        assert!(!t.evidence.is_empty(), "{t:?}");
        for e in &t.evidence {
            assert!(
                r.text.contains(e.as_str()),
                "{e:?} is not text of the article"
            );
        }
        assert_eq!(
            slice_chars(&r.text, Span::new(t.start, t.end)),
            Some(t.text.as_str())
        );
    }
}

/// The hand-written attribution fixtures stay at or above the accuracy the rules reach today:
/// `attribution.tsv` (≥ 150 sentences with passive "it was reported", nested quotes, "according
/// to", pronoun sources and must-not-fire look-alikes; the rules were shaped on it) and
/// `attribution-unseen.tsv` (written after the rules last changed, never used to change them).
#[test]
fn attribution_fixture_accuracy() {
    // Today: 151 of 153 (0.987) and 56 of 60 (0.933); the issue asks for 0.90. Raise, never lower.
    for (file, tsv, floor, min_rows) in [
        (
            "attribution.tsv",
            include_str!("../../../../fixtures/attribution.tsv"),
            0.98,
            150,
        ),
        (
            "attribution-unseen.tsv",
            include_str!("../../../../fixtures/attribution-unseen.tsv"),
            0.93,
            60,
        ),
    ] {
        let rows = unspin::eval::attribution::parse(tsv).expect("fixture parses");
        assert!(rows.len() >= min_rows, "{file}: {} rows", rows.len());
        // The rules alone (the default) and with the attribution tagger on.
        let tagged = unspin::Analyzer::builder()
            .attribution(unspin::ModelChoice::Embedded)
            .build()
            .unwrap();
        for (what, a) in [("rules", unspin::Analyzer::new()), ("tagger", tagged)] {
            let e = unspin::eval::attribution::evaluate(&a, &rows);
            assert!(
                e.accuracy >= floor,
                "{file} ({what}): accuracy {:.3} < {floor}\n{}",
                e.accuracy,
                e.errors.join("\n")
            );
        }
    }
}

/// The attribution tagger (learned from PolNeAR) finds each attribution's source, cue and content
/// and resolves a pronoun to the named source before it; sentences that attribute nothing get
/// nothing. `(text, sentence, kind, source words, cue, a piece of the content, resolved)`.
#[test]
fn attribution_tagger_table() {
    use SourceKind::{Named, None as NoSource, Vague};
    type Case<'a> = (
        &'a str,
        usize,
        SourceKind,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let a = Analyzer::builder()
        .attribution(unspin::ModelChoice::Embedded)
        .build()
        .unwrap();
    let cases: &[Case] = &[
        (
            "The minister said the dam held.",
            0,
            Named,
            Some("The minister"),
            Some("said"),
            Some("the dam held"),
            None,
        ),
        (
            "“We will rebuild,” Mayor Ana Ruiz told reporters on Monday.",
            0,
            Named,
            Some("Mayor Ana Ruiz"),
            Some("told"),
            Some("We will rebuild"),
            None,
        ),
        (
            "Senator Jane Holt said the bill was dead. She added that the vote would fail.",
            1,
            Named,
            Some("She"),
            Some("added"),
            Some("the vote would fail"),
            Some("Senator Jane Holt"),
        ),
        (
            "According to the health ministry, 40 people were injured.",
            0,
            Named,
            Some("the health ministry"),
            Some("According to"),
            Some("40 people were injured"),
            None,
        ),
        (
            "Officials believe the fire was set deliberately.",
            0,
            Vague,
            Some("Officials"),
            Some("believe"),
            None,
            None,
        ),
        // Must not fire.
        ("She said nothing.", 0, NoSource, None, None, None, None),
        (
            "The bridge opened in 1990.",
            0,
            NoSource,
            None,
            None,
            None,
            None,
        ),
        (
            "Critics of the plan were not invited to the meeting.",
            0,
            NoSource,
            None,
            None,
            None,
            None,
        ),
    ];
    for (text, s, kind, source, cue, content, resolved) in cases {
        let r = a.analyze(&Document::from_text(*text));
        let at = &r.sentences[*s].attribution;
        assert_eq!(at.kind, *kind, "{text}");
        assert_eq!(
            at.source_span.as_ref().map(|t| t.text.as_str()),
            *source,
            "{text}"
        );
        assert_eq!(at.cue.as_ref().map(|t| t.text.as_str()), *cue, "{text}");
        if let Some(piece) = content {
            assert!(
                at.content.iter().any(|c| c.text.contains(piece)),
                "{text}: {:?}",
                at.content
            );
        }
        assert_eq!(at.resolved.as_deref(), *resolved, "{text}");
        // Every part is the text at its code-point offsets.
        for t in at.source_span.iter().chain(&at.cue).chain(&at.content) {
            assert_eq!(
                slice_chars(&r.text, Span::new(t.start, t.end)),
                Some(t.text.as_str()),
                "{text}"
            );
        }
        if let Some(c) = at.confidence {
            assert!((0.0..=1.0).contains(&c));
        }
    }
    let names = a.models();
    assert!(names.iter().any(|m| m.name == "attribution-polnear"));
    // Off (the default), the rules alone decide and report no parts.
    let rules = Analyzer::new();
    let r = rules.analyze(&Document::from_text("The minister said the dam held."));
    assert_eq!(r.sentences[0].attribution.kind, Named);
    assert!(r.sentences[0].attribution.cue.is_none());
    assert!(r.models.iter().any(|m| m.name == "attribution-rules"));
}
