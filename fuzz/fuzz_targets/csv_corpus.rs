//! CSV/TSV corpus reading, two ways. (1) Arbitrary bytes as a CSV and a TSV corpus: every
//! record becomes a document or an error, never a panic or a loop. (2) The bytes as the cells
//! of a table (0xFE ends a row, 0xFD a cell), written by the `csv` crate's writer: the records
//! read back must be exactly the rows written — and exactly what the `csv` crate's reader (the
//! reference) reads — however many quotes, delimiters and line breaks the cells hold.
#![no_main]
use libfuzzer_sys::fuzz_target;
use unspin::Limits;
use unspin::corpus::input::{Columns, CsvSource, RawBody, RecordSource};

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

    let rows: Vec<Vec<String>> = data
        .split(|b| *b == 0xFE)
        .map(|row| {
            let mut cells: Vec<String> = row
                .split(|b| *b == 0xFD)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            cells.resize(3, String::new());
            cells.truncate(3);
            cells
        })
        .collect();
    for delimiter in [b',', b'\t'] {
        let mut w = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
        w.write_record(["id", "title", "text"]).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        let written = w.into_inner().unwrap();
        let cols = Columns {
            id: Some("id".into()),
            title: Some("title".into()),
            ..Columns::default()
        };
        let mut ours = Vec::new();
        let mut src = CsvSource::new(&written[..], delimiter, &cols, Limits::default())
            .expect("a written header reads");
        while let Some(r) = src.next_record().expect("reading from memory") {
            let RawBody::Row(f) = r.body else { panic!("a CSV record is a row") };
            let f = f.unwrap_or_else(|(_, e)| panic!("a written row is an error: {e}"));
            ours.push(vec![
                f.id.unwrap_or_default(),
                String::from_utf8(f.title.unwrap_or_default()).unwrap(),
                String::from_utf8(f.text).unwrap(),
            ]);
        }
        let mut reference = Vec::new();
        let mut rd = csv::ReaderBuilder::new().delimiter(delimiter).from_reader(&written[..]);
        for rec in rd.records() {
            reference.push(rec.unwrap().iter().map(str::to_string).collect::<Vec<_>>());
        }
        assert_eq!(ours, reference, "against the reference reader");
        assert_eq!(ours, rows, "against the rows written");
    }
});
