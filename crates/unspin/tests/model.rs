//! The shipped technique model: present, decodable, matching this build; training is
//! deterministic; a damaged model file is a clear error.

use std::sync::Arc;
use unspin::data::ptc::PtcArticle;
use unspin::eval::ptc::LabelSpan;
use unspin::lexicon::Lexicons;
use unspin::model::techniques::{self, FEATURE_SET, TechniqueModel, TrainOptions};
use unspin::model::{format, linear::TrainConfig};
use unspin::{Analyzer, Document};

#[test]
fn embedded_model_ships_and_matches_this_build() {
    let m = unspin::model::embedded_techniques()
        .unwrap()
        .expect("a technique model is embedded");
    assert_eq!(m.features.feature_set, FEATURE_SET);
    assert_eq!(m.tc_classes.len(), 14);
    for key in [
        "cv.si.f1",
        "cv.tc.micro_f1",
        "dev.si.f1",
        "dev.tc.micro_f1",
        "dev.full.f1",
    ] {
        let v = m
            .metrics
            .get(key)
            .unwrap_or_else(|| panic!("metric {key} recorded"));
        assert!((0.0..=1.0).contains(v));
    }
    assert_eq!(m.train.data_sha256.split(':').count(), 3);
    assert!(Analyzer::new().technique_tagger().is_some());
}

fn fixture() -> (Vec<PtcArticle>, Vec<LabelSpan>, Vec<LabelSpan>) {
    let texts = [
        "Traitors Sell Out Nation\n\nThe corrupt traitors sold out our great nation again. Officials met on Monday.",
        "Budget Passes\n\nThe council approved the budget on Tuesday. Why would anyone trust these liars?",
        "Crime Wave\n\nCrime rose because of the weak mayor. Everyone knows the truth. The report was filed.",
        "Vote Now\n\nMake our nation great again! The vote is on Sunday. The disgusting elites lie.",
    ];
    let labels: [&[(&str, &str)]; 4] = [
        &[
            ("corrupt traitors", "Name_Calling,Labeling"),
            ("our great nation", "Flag-Waving"),
        ],
        &[("Why would anyone trust these liars?", "Doubt")],
        &[
            (
                "Crime rose because of the weak mayor",
                "Causal_Oversimplification",
            ),
            ("Everyone knows the truth", "Bandwagon,Reductio_ad_hitlerum"),
        ],
        &[
            ("Make our nation great again!", "Slogans"),
            ("disgusting elites", "Loaded_Language"),
        ],
    ];
    let mut articles = Vec::new();
    let (mut si, mut tc) = (Vec::new(), Vec::new());
    for (i, (text, spans)) in texts.iter().zip(labels).enumerate() {
        let id = format!("{}", 100 + i);
        for (frag, tech) in spans {
            let byte = text.find(frag).unwrap();
            let start = text[..byte].chars().count();
            let end = start + frag.chars().count();
            si.push(LabelSpan {
                article: id.clone(),
                technique: None,
                start,
                end,
            });
            tc.push(LabelSpan {
                article: id.clone(),
                technique: Some(tech.to_string()),
                start,
                end,
            });
        }
        articles.push(PtcArticle {
            id,
            text: text.to_string(),
        });
    }
    (articles, si, tc)
}

fn small_options() -> TrainOptions {
    let cfg = TrainConfig {
        epochs: 3,
        learning_rate: 0.1,
        l2: 1e-6,
        seed: 5,
    };
    TrainOptions {
        seed: 5,
        folds: 2,
        si: cfg,
        tc: cfg,
        si_bits: 12,
        tc_bits: 12,
        // One extra text exercises the extra-data path of the classifier.
        extra_tc: vec![(
            "Stop the steal now! Our nation demands it.".to_string(),
            vec![(0, 19, unspin::Technique::Slogans)],
        )],
    }
}

#[test]
fn training_is_deterministic_and_the_result_loads() {
    let (articles, si, tc) = fixture();
    let lex = Arc::new(Lexicons::load());
    let (a, _) = techniques::train(
        lex.clone(),
        &articles,
        &si,
        &tc,
        "fixture".into(),
        &small_options(),
    )
    .unwrap();
    let (b, _) =
        techniques::train(lex, &articles, &si, &tc, "fixture".into(), &small_options()).unwrap();
    let (ea, eb) = (format::encode(&a).unwrap(), format::encode(&b).unwrap());
    assert_eq!(ea, eb, "same data and seed, same bytes");
    let back: TechniqueModel = format::decode(&ea).unwrap();
    assert_eq!(back, a);
    let analyzer = Analyzer::with_technique_model(Some(back)).unwrap();
    let r = analyzer.analyze(&Document::from_text(articles[0].text.clone()));
    assert!(
        r.models
            .iter()
            .any(|m| m.name == "techniques" && m.kind == "trained")
    );
}

#[test]
fn damaged_or_mismatched_models_are_clear_errors() {
    let m = unspin::model::embedded_techniques().unwrap().unwrap();
    let bytes = format::encode(&m).unwrap();
    let cut = &bytes[..bytes.len() / 2];
    let err = format::decode::<TechniqueModel>(cut)
        .unwrap_err()
        .to_string();
    assert!(err.contains("corrupted model file"), "{err}");
    let mut other = m.clone();
    other.features.feature_set = FEATURE_SET + 1;
    let err = Analyzer::with_technique_model(Some(other))
        .err()
        .expect("mismatch refused")
        .to_string();
    assert!(err.contains("retrain"), "{err}");
}
