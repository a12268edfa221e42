//! gzip and zstd corpus input: arbitrary bytes as a compressed JSONL and CSV stream, through
//! the decompressor, the record reader and each record's document. A corrupt or truncated
//! stream is an I/O error that ends the run after the records before it; a decompression bomb
//! is read as a stream (never held whole), each record cut at the size limit.
#![no_main]
use libfuzzer_sys::fuzz_target;
use unspin::Limits;
use unspin::corpus::input::{Columns, Compression, InputKind, decompress, stream_source};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_bytes: 4096 };
    for compression in [Compression::Gzip, Compression::Zstd] {
        for kind in [InputKind::Jsonl, InputKind::Csv] {
            let Ok(reader) = decompress(Box::new(data), compression) else {
                continue;
            };
            let Ok(mut src) = stream_source(reader, kind, &Columns::default(), limits) else {
                continue;
            };
            // A bound on the work one input may cause: 10,000 records is far past what 1 MB
            // of compressed seeds yields in a run, and reaching it is not a failure.
            for _ in 0..10_000 {
                match src.next_record() {
                    Ok(Some(r)) => {
                        if let Ok(doc) = r.into_document(limits) {
                            assert!(doc.text.len() as u64 <= limits.max_bytes);
                        }
                    }
                    Ok(None) | Err(_) => break,
                }
            }
        }
    }
});
