//! The shipped reliability model: it loads, scores within [0, 1] with reasons that point at the
//! text, does not move on publisher furniture, and a mismatched model is a clear error.

use unspin::model::reliability::{self, SIGNALS};
use unspin::model::{embedded_reliability, format};
use unspin::report::Label;
use unspin::{Analyzer, Document};

/// A hand-written article in the style of a partisan blog post (our own text).
const ARTICLE: &str = "If the leaked memo is real, the council has lied to every family in this \
town. Sources say the budget was quietly moved to a consultant's firm. It appears the mayor \
allegedly knew everything! Everyone knows what happens next: another shameful cover-up. \
Critics claim the so-called audit was a sham, and many believe the real numbers will never \
be seen. Why would anyone trust them now? We deserve the truth, and you deserve answers.";

/// Publisher furniture around the same article: byline, dateline, read-more, share and
/// subscribe tails, copyright with the site name.
fn with_boilerplate(body: &str) -> String {
    format!(
        "By Jane Porter\n\nSPRINGFIELD (Daily Beacon) - {body}\n\nRead More Here\n\n\
         Share this: Facebook Twitter Email\n\nSubscribe to our newsletter for daily updates.\n\n\
         Copyright 2016 The Daily Beacon. All rights reserved."
    )
}

/// A sober wire-style report (our own text).
const SOBER: &str = "The city council approved a budget of 4.2 million dollars on Tuesday, \
according to minutes published by the clerk's office. Council member Ana Ruiz said the \
increase would pay for road repairs. \"We reviewed three bids and chose the lowest,\" Ruiz \
said. The finance director, Mark Chen, told reporters that the audit would be released in \
March. The vote was 7 to 2. Two members said they wanted more time to study the plan.";

#[test]
fn embedded_model_ships_and_matches_this_build() {
    let m = embedded_reliability()
        .expect("decodes")
        .expect("a reliability model ships in the binary");
    m.check().expect("reads the signals this build computes");
    assert!(m.words.is_some(), "the word profile ships");
    assert_eq!(m.features.len(), SIGNALS.len() + 1);
    assert_eq!(m.features.last().map(String::as_str), Some("word_profile"));
    assert!(m.train.articles > 1000, "trained on the article pool");
    assert!(m.metrics.contains_key("loco.mean_auc_without_fakes"));
}

#[test]
fn scores_are_probabilities_with_reasons_that_point_at_the_text() {
    let a = Analyzer::new();
    for text in [ARTICLE, SOBER] {
        let r = a.analyze(&Document::from_text(text.to_string()));
        let p = r
            .reliability
            .p_unreliable
            .expect("a model scores English prose");
        assert!((0.0..=1.0).contains(&p));
        assert!(!r.reliability.reasons.is_empty());
        let chars = text.chars().count();
        for reason in &r.reliability.reasons {
            assert!(reason.contribution.is_some());
            if reason.unit != unspin::report::RateUnit::Headline {
                assert_eq!(reason.count, reason.spans.len());
            }
            for [s, e] in &reason.spans {
                assert!(s < e && *e <= chars, "{} span {s}..{e}", reason.signal);
            }
        }
        // Ranked by the size of the contribution, in either direction; each reason a signal
        // the article shows, its direction the sign of its contribution; and the reasons add up
        // to the probability.
        let c: Vec<f64> = r
            .reliability
            .reasons
            .iter()
            .filter_map(|x| x.contribution)
            .collect();
        assert!(c.windows(2).all(|w| w[0].abs() >= w[1].abs()));
        for x in &r.reliability.reasons {
            assert!(
                x.count > 0 || x.signal == "word_profile",
                "{} is absent",
                x.signal
            );
            let want = unspin::report::Direction::of(x.contribution.unwrap());
            assert_eq!(x.direction, want, "{}", x.signal);
        }
        let logit = r.reliability.baseline.unwrap() + c.iter().sum::<f64>();
        assert!((1.0 / (1.0 + (-logit).exp()) - p).abs() < 1e-9);
    }
}

#[test]
fn a_loaded_unsourced_article_scores_above_a_sourced_wire_report() {
    let a = Analyzer::new();
    let p = |t: &str| {
        a.analyze(&Document::from_text(t.to_string()))
            .reliability
            .p_unreliable
            .unwrap()
    };
    let (loaded, sober) = (p(ARTICLE), p(SOBER));
    assert!(
        loaded > sober + 0.2,
        "loaded {loaded:.3} vs sober {sober:.3}"
    );
    let r = a.analyze(&Document::from_text(ARTICLE.to_string()));
    assert_eq!(r.reliability.label, Some(Label::Unreliable));
    let top: Vec<&str> = r
        .reliability
        .reasons
        .iter()
        .take(4)
        .map(|x| x.signal.as_str())
        .collect();
    assert!(
        top.iter()
            .any(|s| ["conditional_framing", "distancing", "exclamations"].contains(s)),
        "top reasons {top:?}"
    );
}

#[test]
fn publisher_boilerplate_moves_the_probability_by_less_than_five_points() {
    let a = Analyzer::new();
    for body in [ARTICLE, SOBER] {
        let plain = a.analyze(&Document::from_text(body.to_string()));
        let framed = a.analyze(&Document::from_text(with_boilerplate(body)));
        let (p0, p1) = (
            plain.reliability.p_unreliable.unwrap(),
            framed.reliability.p_unreliable.unwrap(),
        );
        assert!((p0 - p1).abs() < 0.05, "{p0:.3} → {p1:.3} with boilerplate");
    }
}

#[test]
fn boilerplate_sentences_are_recognised() {
    let text = with_boilerplate(SOBER);
    let doc = Analyzer::new().prepare(&text);
    let flagged: Vec<String> = doc
        .sentences
        .iter()
        .enumerate()
        .filter(|(_, s)| s.boilerplate)
        .map(|(i, _)| doc.seg.sentence_text(i).trim().to_string())
        .collect();
    for expected in [
        "By Jane Porter",
        "Read More Here",
        "Share this: Facebook Twitter Email",
    ] {
        assert!(
            flagged.iter().any(|f| f == expected),
            "{expected} in {flagged:?}"
        );
    }
    assert!(
        !flagged.iter().any(|f| f.contains("Ruiz")),
        "content sentences stay: {flagged:?}"
    );
}

#[test]
fn a_model_for_other_signals_is_a_clear_error() {
    let mut m = embedded_reliability().unwrap().unwrap();
    m.features.pop();
    let err = m.check().unwrap_err().to_string();
    assert!(err.contains("retrain"), "{err}");
    m.feature_set += 1;
    let bytes = format::encode(&m).unwrap();
    // The file's header says it before the body is read.
    let err = format::decode::<reliability::ReliabilityModel>(&bytes)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("feature set") && err.contains("retrain"),
        "{err}"
    );
    let err = Analyzer::builder()
        .reliability_model(m)
        .build()
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("retrain"), "{err}");
}

/// "Unsupported claim" has one definition (`doc::SentenceFacts::unsupported_claim`): the
/// report marks the sentences, the reliability reason counts them, and the corpus summary row
/// counts the marks, so the three agree — and publisher furniture is never one, however
/// check-worthy it reads.
#[test]
fn unsupported_claims_are_counted_once_everywhere() {
    let a = Analyzer::new();
    let furniture = "Copyright 2016 The Daily Beacon. All rights reserved.";
    for text in [
        with_boilerplate(ARTICLE),
        with_boilerplate(SOBER),
        format!("{ARTICLE}\n\nThe council spent 4.2 million dollars on the audit in 2015."),
    ] {
        let r = a.analyze(&Document::from_text(text));
        let marked = r.sentences.iter().filter(|s| s.unsupported_claim).count();
        let reason = r
            .reliability
            .reason("unsupported_claims")
            .map_or(0, |x| x.count);
        assert_eq!(marked, reason);
        let row = unspin::corpus::summary::SummaryRow::of_report(&r, 1);
        assert_eq!(row.unsupported_claims as usize, reason);
        for s in &r.sentences {
            assert!(!(s.boilerplate && s.unsupported_claim));
            if s.unsupported_claim {
                assert_eq!(s.check_worthy, Some(true));
                assert_eq!(s.attribution.kind, unspin::doc::SourceKind::None);
            }
        }
        assert!(r.sentences.iter().any(|s| s.boilerplate) || !r.text.contains(furniture));
    }
    // A check-worthy, unsourced sentence of the article counts.
    let r = a.analyze(&Document::from_text(
        "The council spent 4.2 million dollars on the audit in 2015 and cut the school budget by a third.",
    ));
    assert!(r.sentences[0].unsupported_claim, "{:?}", r.sentences[0]);
}

/// A text in a language the models were not trained on gets no figure from them — no
/// probability, no technique span, no sentence score — and a warning that names the language;
/// `--language en` analyses it anyway, and says so. German has its own cue lists and paragraph
/// model, but the reliability model is English-only: still no probability.
#[test]
fn other_languages_get_null_figures_and_a_warning_naming_the_language() {
    // Our own texts.
    let spanish = "Según fuentes cercanas al ministerio, el alcalde habría ocultado los informes \
        durante meses. Todo el mundo sabe que la verdad saldrá a la luz, y los ciudadanos merecen \
        respuestas claras sobre el dinero que se gastó en el puente sin ninguna explicación.";
    let german = "Nach Angaben aus dem Umfeld des Ministeriums soll der Bürgermeister die Berichte \
        monatelang zurückgehalten haben. Jeder weiß, dass die Wahrheit ans Licht kommen wird, und \
        die Bürger verdienen klare Antworten über das Geld, das ohne Erklärung ausgegeben wurde.";
    let a = Analyzer::new();
    for (text, code, name) in [(spanish, "spa", "Spanish"), (german, "deu", "German")] {
        let doc = Document::from_text(text).with_title(Some("¡Escándalo! Skandal!".into()));
        let r = a.analyze(&doc);
        assert_eq!(r.language.as_deref(), Some(code));
        assert_eq!(r.reliability.p_unreliable, None, "{name}");
        assert!(r.reliability.reasons.is_empty());
        assert!(r.techniques.is_empty());
        assert!(r.headline.as_ref().unwrap().clickbait.is_none());
        assert!(!r.sentences.is_empty());
        for s in &r.sentences {
            assert!(s.checkworthiness.is_none() && s.hedging.is_none());
        }
        if code == "spa" {
            assert!(r.models.is_empty(), "nothing ran");
            assert!(r.sentences.iter().all(|s| s.hedge_cues.is_empty()));
            assert!(
                r.warnings
                    .iter()
                    .any(|w| w.contains(name) && w.contains(code)),
                "{:?}",
                r.warnings
            );
        } else {
            assert_eq!(r.analysed_as.as_deref(), Some("de"));
            assert!(
                r.warnings
                    .iter()
                    .any(|w| w.contains(name) && w.contains("English-only")),
                "{:?}",
                r.warnings
            );
        }
        let forced = unspin::Config {
            language: unspin::LanguagePolicy::ENGLISH,
            ..unspin::Config::default()
        }
        .analyzer()
        .unwrap()
        .analyze(&doc);
        assert!(forced.reliability.p_unreliable.is_some());
        assert!(
            forced
                .warnings
                .iter()
                .any(|w| w.contains("analysed as English"))
        );
    }
}

/// On the repository's example article, the spin a reader can point at counts as spin: each of
/// conditional framing, vague sources and distancing pushes toward unreliable, and deleting its
/// spans from the text never raises the probability; no listed reason is absent from the text.
#[test]
fn framing_vague_sources_and_distancing_push_toward_unreliable_on_the_example() {
    let text = include_str!("../../../../examples/harbor-bridge.txt");
    let a = Analyzer::new();
    let r = a.analyze(&Document::from_text(text));
    let p = r.reliability.p_unreliable.unwrap();
    for signal in ["conditional_framing", "vague_attribution", "distancing"] {
        let x = r
            .reliability
            .reason(signal)
            .unwrap_or_else(|| panic!("{signal} is in the example"));
        assert!(x.contribution.unwrap() > 0.0, "{signal}: {x:?}");
        assert_eq!(
            x.direction,
            Some(unspin::report::Direction::TowardUnreliable)
        );
        let kept: String = text
            .chars()
            .enumerate()
            .filter(|(i, _)| !x.spans.iter().any(|[s, e]| s <= i && i < e))
            .map(|(_, c)| c)
            .collect();
        let p2 = a
            .analyze(&Document::from_text(kept))
            .reliability
            .p_unreliable
            .unwrap();
        assert!(p2 <= p, "deleting {signal} raised p from {p:.4} to {p2:.4}");
    }
    for x in &r.reliability.reasons {
        assert!(x.count > 0 || x.signal == "word_profile", "{x:?}");
    }
}
