//! The shipped models: present, decodable, matching this build; training is deterministic; a
//! damaged model file or one of the wrong kind is a clear error; the builder replaces or
//! switches off one model without touching the others, and checks that they fit together.

use unspin::data::ptc::PtcArticle;
use unspin::lexicon::Lexicons;
use unspin::model::techniques::{FEATURE_SET, TechniqueModel};
use unspin::model::{ModelKind, embedded_bytes, format, linear::TrainConfig};
use unspin::score::ptc::LabelSpan;
use unspin::train::techniques::{self, TrainOptions};
use unspin::{Analyzer, Config, Document, ModelChoice};

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
        teacher_ptc: Default::default(),
        // One unlabelled text with a teacher's targets exercises distillation.
        teacher_extra: vec![teacher_text(
            "They are destroying our country, the corrupt elites.",
        )],
    }
}

/// A text with a made-up teacher's targets: high on its first half, low after.
fn teacher_text(text: &str) -> (String, Vec<f32>) {
    let lex = Lexicons::load();
    let n = unspin::doc::Doc::new(text, &lex).seg.tokens.len();
    let t = (0..n).map(|i| if i < n / 2 { 0.8 } else { 0.1 }).collect();
    (text.to_string(), t)
}

#[test]
fn teacher_targets_change_the_tagger_and_must_fit_the_text() {
    let (articles, si, tc) = fixture();
    let lex = Lexicons::load();
    let train = |o: &TrainOptions| techniques::train(&lex, &articles, &si, &tc, "f".into(), o);
    let with = train(&small_options()).unwrap().0;
    let without = train(&TrainOptions {
        teacher_extra: Vec::new(),
        ..small_options()
    })
    .unwrap()
    .0;
    assert_ne!(with.si, without.si, "the teacher's text is learned from");
    // Targets for a PTC article: one per token, or an error that names the article.
    let mut o = small_options();
    o.teacher_ptc.insert(articles[0].id.clone(), vec![0.5; 3]);
    let e = train(&o).unwrap_err().to_string();
    assert!(
        e.contains(&format!("PTC article {}", articles[0].id)) && e.contains("train teacher"),
        "{e}"
    );
    let mut o = small_options();
    o.teacher_extra[0].1.pop();
    let e = train(&o).unwrap_err().to_string();
    assert!(e.contains("teacher text 0"), "{e}");
}

#[test]
fn training_is_deterministic_and_the_result_loads() {
    let (articles, si, tc) = fixture();
    let lex = Lexicons::load();
    let (a, _) = techniques::train(
        &lex,
        &articles,
        &si,
        &tc,
        "fixture".into(),
        &small_options(),
    )
    .unwrap();
    let (b, _) = techniques::train(
        &lex,
        &articles,
        &si,
        &tc,
        "fixture".into(),
        &small_options(),
    )
    .unwrap();
    let (ea, eb) = (format::encode(&a).unwrap(), format::encode(&b).unwrap());
    assert_eq!(ea, eb, "same data and seed, same bytes");
    let back: TechniqueModel = format::decode(&ea).unwrap();
    assert_eq!(back, a);
    let analyzer = Analyzer::builder().technique_model(back).build().unwrap();
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
    let err = Analyzer::builder()
        .technique_model(other.clone())
        .build()
        .err()
        .expect("mismatch refused")
        .to_string();
    assert!(err.contains("retrain"), "{err}");
    // From a file, the header says it before the body is read.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.bin");
    std::fs::write(&path, format::encode(&other).unwrap()).unwrap();
    let err = Analyzer::builder()
        .techniques(ModelChoice::File(path.clone()))
        .build()
        .err()
        .expect("mismatch refused")
        .to_string();
    assert!(
        err.contains("old.bin") && err.contains(&format!("feature set {}", FEATURE_SET + 1)),
        "{err}"
    );
}

fn model_file(dir: &tempfile::TempDir, kind: ModelKind) -> std::path::PathBuf {
    let path = dir.path().join(format!("{}.bin", kind.name()));
    std::fs::write(&path, embedded_bytes(kind)).unwrap();
    path
}

/// The embedded file given as a file is the same analysis: replacing one model keeps the
/// others (it used to start from an empty analyzer and drop them).
#[test]
fn the_embedded_models_given_as_files_give_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Reports are pouring in that the mayor lied. According to the Tribune, the \
                bridge passed two inspections last year, and the council says it is safe.";
    let doc = Document::from_text(text).with_title(Some("Mayor Caught Lying!".into()));
    let plain = Analyzer::new().analyze(&doc).to_json();
    // The word vectors are not a replaceable model: the sentence models are trained with them.
    for kind in ModelKind::ALL
        .into_iter()
        .filter(|k| *k != ModelKind::Embeddings)
    {
        let path = ModelChoice::File(model_file(&dir, kind));
        let b = Analyzer::builder();
        let b = match kind {
            ModelKind::Techniques => b.techniques(path),
            ModelKind::Sentences => b.sentences(path),
            ModelKind::Reliability => b.reliability(path),
            ModelKind::Attribution => b.attribution(path),
            ModelKind::Paragraphs => b.paragraphs(path),
            ModelKind::Embeddings => unreachable!(),
        };
        let a = b.build().unwrap();
        // The attribution tagger is off by default: its file is compared with the embedded one.
        let reference = match kind {
            ModelKind::Attribution => Analyzer::builder()
                .attribution(ModelChoice::Embedded)
                .build()
                .unwrap(),
            _ => Analyzer::new(),
        };
        let plain = match kind {
            ModelKind::Attribution => reference.analyze(&doc).to_json(),
            _ => plain.clone(),
        };
        assert_eq!(a.analyze(&doc).to_json(), plain, "{kind} from a file");
        assert_eq!(a.fingerprint(), reference.fingerprint());
    }
}

/// A file of another kind is refused with both kinds named, whichever slot it is given to.
#[test]
fn a_model_file_of_the_wrong_kind_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let reliability = ModelChoice::File(model_file(&dir, ModelKind::Reliability));
    let err = Analyzer::builder()
        .techniques(reliability)
        .build()
        .err()
        .map(|e| e.to_string())
        .expect("refused");
    assert!(
        err.contains("this is a reliability model file") && err.contains("not a technique model"),
        "{err}"
    );
    let techniques = ModelChoice::File(model_file(&dir, ModelKind::Techniques));
    let err = Analyzer::builder()
        .sentences(techniques)
        .build()
        .err()
        .map(|e| e.to_string())
        .expect("refused");
    assert!(
        err.contains("technique model") && err.contains("not a sentence models"),
        "{err}"
    );
    let missing = Analyzer::builder()
        .techniques(ModelChoice::File(dir.path().join("nope.bin")))
        .build()
        .err()
        .map(|e| e.to_string())
        .expect("refused");
    assert!(
        missing.contains("nope.bin") && missing.contains("cannot read"),
        "{missing}"
    );
}

/// Each model switches off on its own; the reliability model needs what it reads.
#[test]
fn models_switch_off_alone_and_must_fit_together() {
    let doc = Document::from_text(
        "Sources say the dam is unsafe. The mayor, who everyone knows is corrupt, denies it.",
    );
    let names = |a: &Analyzer| -> Vec<String> { a.models().into_iter().map(|m| m.name).collect() };
    let no_reliability = Analyzer::builder()
        .reliability(ModelChoice::Off)
        .build()
        .unwrap();
    let r = no_reliability.analyze(&doc);
    assert_eq!(r.reliability.p_unreliable, None);
    assert!(
        r.sentences[0].checkworthiness.is_some(),
        "sentence models stay"
    );
    assert!(names(&no_reliability).contains(&"techniques".to_string()));
    assert!(!names(&no_reliability).contains(&"reliability".to_string()));

    for (c, what) in [
        (
            Config {
                techniques: ModelChoice::Off,
                ..Config::default()
            },
            "technique model",
        ),
        (
            Config {
                sentences: ModelChoice::Off,
                ..Config::default()
            },
            "sentence model",
        ),
    ] {
        let err = c.analyzer().err().unwrap().to_string();
        assert!(err.contains(what) && err.contains("reliability"), "{err}");
    }
    let rules = Analyzer::rules_only();
    assert_eq!(
        names(&rules),
        [
            "boilerplate-rules",
            "hedging-rules",
            "attribution-rules",
            "loaded-language-lexicon",
            "headline-rules"
        ]
    );
    let r = rules.analyze(&doc);
    assert!(r.sentences.iter().all(|s| s.checkworthiness.is_none()));
    assert_eq!(r.reliability.p_unreliable, None);
}

/// A reliability model trained on another technique model's output still runs, and every
/// report says so.
#[test]
fn a_technique_model_the_reliability_model_was_not_trained_on_is_a_warning() {
    let mut m = unspin::model::embedded_techniques().unwrap().unwrap();
    m.version = "2".into();
    let a = Analyzer::builder().technique_model(m).build().unwrap();
    let r = a.analyze(&Document::from_text("Officials said the dam held."));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("trained on the output of another technique model")),
        "{:?}",
        r.warnings
    );
    assert_ne!(a.fingerprint(), Analyzer::new().fingerprint());
    assert!(
        Analyzer::new()
            .analyze(&Document::from_text("Officials said."))
            .warnings
            .is_empty()
    );
}

/// A build without the `accurate` feature refuses the accurate tier by name instead of quietly
/// running the fast one.
#[cfg(not(feature = "accurate"))]
#[test]
fn the_accurate_tier_needs_a_build_with_it() {
    let err = Config {
        tier: unspin::Tier::Accurate,
        ..Config::default()
    }
    .analyzer()
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("without the accurate tier") && err.contains("--tier fast"),
        "{err}"
    );
    assert_eq!(
        "accurate".parse::<unspin::Tier>(),
        Ok(unspin::Tier::Accurate)
    );
    assert!("slow".parse::<unspin::Tier>().is_err());
}
