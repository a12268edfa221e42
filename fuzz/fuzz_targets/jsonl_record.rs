//! JSONL record parsing (the corpus record contract): any line gives a document or an error with
//! a kind, and a whole stream gives one output line per input line.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use unspin::Limits;

// Built once: loading the lexicons per input made the first runs crawl (674 inputs in 5 min).
static RULES: LazyLock<unspin::Analyzer> = LazyLock::new(unspin::Analyzer::rules_only);

fuzz_target!(|data: &[u8]| {
    match unspin::corpus::record::parse_record(data, Limits::default()) {
        Ok(doc) => assert!(doc.text.len() <= data.len() * 4 + 16),
        Err((_, e)) => assert!(!e.kind().is_empty()),
    }
    // And as a whole stream of lines: one output line per input line.
    let opts = unspin::corpus::Options {
        threads: 1,
        ..Default::default()
    };
    let mut source = unspin::corpus::input::JsonlSource::new(data, Limits::default());
    let mut lines = 0u64;
    let records = unspin::corpus::run(&RULES, &mut source, &opts, |outs| {
        for o in outs {
            assert!(!o.json.contains('\n'));
            lines += 1;
        }
        Ok(())
    })
    .expect("reading from a slice cannot fail");
    assert_eq!(lines, records);
});
