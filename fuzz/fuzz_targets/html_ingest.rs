//! HTML ingestion: arbitrary bytes read as HTML (charset sniffing, readability extraction), then
//! analysed. Never a panic; an error is fine.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use unspin::{Analyzer, Document, Format, Limits};

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::new);

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = Document::from_bytes(data, Format::Html, Limits::default()) {
        let r = ANALYZER.analyze(&doc);
        let n = r.text.chars().count();
        assert!(r.techniques.iter().all(|t| t.start <= t.end && t.end <= n));
    }
});
