//! Parquet input: arbitrary bytes as a `.parquet` file (the seeds are small valid files, so the
//! mutations reach the footer, the schema, the row groups and the pages): opening is an error
//! or a source; every row becomes a document or an error record; never a panic, never an
//! allocation the file's own numbers ask for beyond its size.
#![no_main]
use libfuzzer_sys::fuzz_target;
use unspin::Limits;
use unspin::corpus::input::{Columns, RecordSource};
use unspin::corpus::parquet::ParquetSource;

fuzz_target!(|data: &[u8]| {
    let Ok(mut f) = tempfile::NamedTempFile::new() else { return };
    if std::io::Write::write_all(&mut f, data).is_err() {
        return;
    }
    let limits = Limits { max_bytes: 4096 };
    // The seeds are `unspin corpus -o x.parquet` outputs: the report JSON stands in as text.
    let cols = Columns {
        text: "report".into(),
        id: Some("id".into()),
        title: Some("label".into()),
        ..Columns::default()
    };
    let Ok(mut src) = ParquetSource::open(f.path(), &cols, limits) else {
        return;
    };
    let rows = src.rows();
    let mut n = 0u64;
    while let Ok(Some(r)) = src.next_record() {
        n += 1;
        assert!(n <= rows.max(1) * 2 + 16, "more rows read than the file declares");
        let _ = r.into_document(limits);
    }
});
