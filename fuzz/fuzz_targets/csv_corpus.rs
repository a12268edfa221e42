//! CSV/TSV corpus reading: the header and every record of arbitrary bytes, through the
//! quote-aware splitter; each record becomes a document or an error, never a panic or a loop.
#![no_main]
use libfuzzer_sys::fuzz_target;
use unspin::Limits;
use unspin::corpus::input::{Columns, CsvSource, RecordSource};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_bytes: 4096 };
    for delimiter in [b',', b'\t'] {
        let cols = Columns {
            title: Some("title".into()),
            ..Columns::default()
        };
        let Ok(mut src) = CsvSource::new(data, delimiter, &cols, limits) else {
            continue;
        };
        let mut n = 0usize;
        while let Ok(Some(r)) = src.next_record() {
            n += 1;
            assert!(n <= data.len() + 1, "more records than bytes");
            let _ = r.into_document(limits);
        }
    }
});
