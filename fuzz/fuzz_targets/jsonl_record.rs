//! JSONL record parsing (the batch contract): any line gives a document or an error with a kind.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use unspin::Limits;

// Built once: loading the lexicons per input made the first runs crawl (674 inputs in 5 min).
static RULES: LazyLock<unspin::Analyzer> =
    LazyLock::new(|| unspin::Analyzer::with_technique_model(None).expect("rules-only analyzer"));

fuzz_target!(|data: &[u8]| {
    match unspin::batch::parse_record(data, Limits::default()) {
        Ok(doc) => assert!(doc.text.len() <= data.len() * 4 + 16),
        Err((_, e)) => assert!(!e.kind().is_empty()),
    }
    // And as a whole stream of lines: one output line per input line.
    let mut out = Vec::new();
    let stats = unspin::batch::run(
        &RULES,
        data,
        &mut out,
        Limits::default(),
    )
    .expect("writing to a Vec cannot fail");
    assert_eq!(out.iter().filter(|b| **b == b'\n').count() as u64, stats.records);
});
