//! Folder input: the bytes become a small tree of files (names, nesting, contents and
//! extensions chosen by the input, including empty, binary and non-UTF-8 files) and are read as
//! `unspin corpus DIR` reads them: every listed file is one record, in name order, ids are
//! relative paths, and each becomes a document or an error record.
#![no_main]
use libfuzzer_sys::fuzz_target;
use unspin::Limits;
use unspin::corpus::input::{DirSource, RawBody, RecordSource};

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let exts = ["txt", "html", "htm", "md", "TXT", "text"];
    let mut written = 0usize;
    // Files are separated by 0xFF; each file's first byte picks its folder depth and extension.
    for (i, part) in data.split(|b| *b == 0xFF).take(64).enumerate() {
        let (sel, body) = part.split_first().map_or((0, part), |(s, b)| (*s, b));
        let mut path = dir.path().to_path_buf();
        for d in 0..(sel % 4) {
            path.push(format!("d{d}{}", sel % 3));
        }
        if std::fs::create_dir_all(&path).is_err() {
            continue;
        }
        let ext = exts[(sel as usize / 4) % exts.len()];
        path.push(format!("f{i:02}.{ext}"));
        let listed = matches!(ext.to_lowercase().as_str(), "txt" | "text" | "html" | "htm");
        if std::fs::write(&path, body).is_ok() && listed {
            written += 1;
        }
    }
    let limits = Limits { max_bytes: 4096 };
    let Ok(mut src) = DirSource::new(dir.path()) else {
        panic!("a readable folder must list")
    };
    assert!(src.len() <= written, "{} listed, {written} written", src.len());
    let mut ids = Vec::new();
    while let Ok(Some(r)) = src.next_record() {
        if let RawBody::File { id, .. } = &r.body {
            assert!(!id.starts_with('/') && !id.contains(".."), "{id}");
            ids.push(id.clone());
        }
        match r.into_document(limits) {
            Ok(doc) => assert!(doc.text.len() as u64 <= limits.max_bytes),
            Err((id, e)) => assert!(id.is_some() && !e.kind().is_empty()),
        }
    }
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "an id twice");
});
