//! Parquet input: arbitrary bytes as a `.parquet` file (the seeds are small valid files, so the
//! mutations reach the footer, the schema, the row groups and the pages): opening is an error
//! or a source; every row becomes a document or an error record; never a panic, never an
//! allocation the file's own numbers ask for beyond its size.
#![no_main]
use libfuzzer_sys::fuzz_target;
use unspin::Limits;
use unspin::corpus::input::{Columns, RecordSource};
use unspin::corpus::parquet::ParquetSource;

/// The `parquet` crate panics on some malformed files (a negative column offset in the footer);
/// `ParquetSource` fences its calls so that such a file is an error. libFuzzer's panic hook
/// aborts on every panic, fenced or not, so here a panic raised inside the `parquet` crate is
/// left to unwind to the fence, and any other panic still aborts (a crash to report).
fn fence_parquet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_parquet = info
                .location()
                .is_some_and(|l| l.file().contains("/parquet-"));
            if !in_parquet {
                default(info);
                std::process::abort();
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    fence_parquet_panics();
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
