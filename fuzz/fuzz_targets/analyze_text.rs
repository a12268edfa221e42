//! Plain-text segmentation and the full analysis: arbitrary bytes through `Format::Auto`, then
//! the report's invariants — spans inside the text, probabilities in [0, 1].
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use unspin::{Analyzer, Document, Format, Limits};

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::new);

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = Document::from_bytes(data, Format::Auto, Limits::default()) else {
        return;
    };
    let r = ANALYZER.analyze(&doc);
    let n = r.text.chars().count();
    for t in &r.techniques {
        assert!(t.start <= t.end && t.end <= n);
        assert!(t.confidence.is_none_or(|c| (0.0..=1.0).contains(&c)));
    }
    for s in &r.sentences {
        assert!(s.start <= s.end && s.end <= n);
        for p in [s.checkworthiness, s.hedging].into_iter().flatten() {
            assert!((0.0..=1.0).contains(&p), "{p}");
        }
    }
    if let Some(p) = r.reliability.p_unreliable {
        assert!((0.0..=1.0).contains(&p), "{p}");
    }
    let _ = r.to_json();
});
