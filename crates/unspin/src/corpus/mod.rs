//! Corpus mode: many records in, exactly one output line per record out, in input order.
//!
//! A reader thread splits the input into raw records (JSONL lines, CSV rows, file paths) and
//! hands them over in chunks through a channel of capacity one; the rayon pool parses and
//! analyses a chunk in parallel and each record's output (JSON line and summary row) is made
//! inside the worker; the caller's sink then writes the chunk in order. Memory is bounded by
//! about three chunks (one being read, one analysed, one written), whatever the input's size.

pub mod input;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod record;
pub mod summary;

use crate::analyze::Analyzer;
use crate::ingest::Limits;
use input::{RawRecord, RecordSource};
use rayon::prelude::*;
use record::ErrorRecord;
use serde_json::Value;
use std::io;
use std::sync::mpsc;
use summary::SummaryRow;

/// The default for [`Options::chunk_bytes`]: enough for hundreds of news articles, and a
/// bound on memory where records are large.
pub const DEFAULT_CHUNK_BYTES: usize = 4 << 20;

/// How a run is done.
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// Records per chunk (the reorder window).
    pub chunk: usize,
    /// Bytes per chunk: a chunk is cut before a record that would take it past this, so the
    /// records in flight hold about this much input (a record larger than it goes alone).
    /// Analysis costs tens of times a text's size in memory, so a count alone does not bound
    /// a run: 256 records of 8 MiB each would be gigabytes.
    pub chunk_bytes: usize,
    pub limits: Limits,
    /// Keep only these top-level report fields (plus `id`); `None` keeps the whole report.
    pub fields: Option<Vec<String>>,
    /// Records to skip at the start (a resumed run's already written ones).
    pub skip: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            threads: 0,
            chunk: 512,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            limits: Limits::default(),
            fields: None,
            skip: 0,
        }
    }
}

/// One record's result: its output line (a report or an error record, no newline) and its
/// summary row.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub json: String,
    pub row: SummaryRow,
}

/// Analyses one raw record.
pub fn process(analyzer: &Analyzer, raw: RawRecord, opts: &Options) -> Outcome {
    let line = raw.line;
    outcome(analyzer, raw.into_document(opts.limits), line, opts)
}

/// The outcome of one record already parsed (or not): what `process` makes, for callers that
/// parse records their own way (the Python module).
pub fn outcome(
    analyzer: &Analyzer,
    parsed: Result<crate::Document, (Option<String>, crate::Error)>,
    line: u64,
    opts: &Options,
) -> Outcome {
    match parsed {
        Ok(doc) => {
            let report = analyzer.analyze(&doc);
            let row = SummaryRow::of_report(&report, line);
            let json = match &opts.fields {
                None => report.to_json(),
                Some(keep) => {
                    let mut v = serde_json::to_value(&report).unwrap_or(Value::Null);
                    if let Value::Object(m) = &mut v {
                        m.retain(|k, _| k == "id" || keep.iter().any(|f| f == k));
                    }
                    v.to_string()
                }
            };
            Outcome { json, row }
        }
        Err((id, e)) => Outcome {
            json: ErrorRecord::new(id.clone(), line, &e).to_json(),
            row: SummaryRow::of_error(id, line, e.kind()),
        },
    }
}

/// The report fields `--fields` may name.
pub const FIELDS: &[&str] = &[
    "schema",
    "id",
    "title",
    "text",
    "language",
    "source",
    "headline",
    "reliability",
    "techniques",
    "sentences",
    "models",
    "warnings",
];

/// Runs the corpus: reads `source` (skipping `opts.skip` records), analyses in parallel and
/// calls `sink` with each chunk's outcomes in input order. Returns the records processed (not
/// counting skipped ones). An I/O error of the input stops the run after the records before it
/// have been given to the sink; a sink error stops it at once.
pub fn run(
    analyzer: &Analyzer,
    source: &mut dyn RecordSource,
    opts: &Options,
    mut sink: impl FnMut(Vec<Outcome>) -> io::Result<()>,
) -> io::Result<u64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(io::Error::other)?;
    let chunk = opts.chunk.max(1);
    let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<RawRecord>>>(1);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut skipped = 0u64;
            let mut batch = Vec::new();
            let mut bytes = 0usize;
            loop {
                match source.next_record() {
                    Ok(Some(r)) => {
                        if skipped < opts.skip {
                            skipped += 1;
                            continue;
                        }
                        let size = r.size();
                        // Cut before a record that would take the chunk past its bytes.
                        if !batch.is_empty()
                            && bytes.saturating_add(size) > opts.chunk_bytes
                            && tx.send(Ok(std::mem::take(&mut batch))).is_err()
                        {
                            return;
                        }
                        if batch.is_empty() {
                            bytes = 0;
                        }
                        bytes = bytes.saturating_add(size);
                        batch.push(r);
                        if batch.len() == chunk && tx.send(Ok(std::mem::take(&mut batch))).is_err()
                        {
                            return;
                        }
                    }
                    Ok(None) => {
                        if !batch.is_empty() {
                            let _ = tx.send(Ok(batch));
                        }
                        return;
                    }
                    Err(e) => {
                        if !batch.is_empty() && tx.send(Ok(std::mem::take(&mut batch))).is_err() {
                            return;
                        }
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        });
        let mut done = 0u64;
        for msg in rx {
            let records = msg?;
            let outcomes: Vec<Outcome> = pool.install(|| {
                records
                    .into_par_iter()
                    .map(|r| process(analyzer, r, opts))
                    .collect()
            });
            done += outcomes.len() as u64;
            sink(outcomes)?;
        }
        Ok(done)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use input::JsonlSource;

    #[test]
    fn order_and_count_hold_with_errors_between() {
        let mut lines = String::new();
        for i in 0..300 {
            if i % 7 == 3 {
                lines.push_str("{broken\n");
            } else {
                lines.push_str(&format!(
                    "{{\"id\": \"r{i}\", \"text\": \"Record {i} says the mayor lied. Critics claim it.\"}}\n"
                ));
            }
        }
        let analyzer = Analyzer::new();
        let opts = Options {
            threads: 2,
            chunk: 16,
            ..Options::default()
        };
        let mut out = Vec::new();
        let mut src = JsonlSource::new(lines.as_bytes(), opts.limits);
        let n = run(&analyzer, &mut src, &opts, |c| {
            out.extend(c);
            Ok(())
        })
        .unwrap();
        assert_eq!((n, out.len()), (300, 300));
        for (i, o) in out.iter().enumerate() {
            assert_eq!(o.row.line, i as u64 + 1);
            if i % 7 == 3 {
                assert!(o.json.contains("\"error\""), "{}", o.json);
                assert_eq!(o.row.error.as_deref(), Some("invalid_record"));
            } else {
                assert_eq!(o.row.id.as_deref(), Some(format!("r{i}").as_str()));
            }
        }
        // Skipping is by record, not by success.
        let mut src = JsonlSource::new(lines.as_bytes(), opts.limits);
        let mut rest = Vec::new();
        run(
            &analyzer,
            &mut src,
            &Options {
                skip: 290,
                ..opts.clone()
            },
            |c| {
                rest.extend(c);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(rest.len(), 10);
        assert_eq!(rest[0].json, out[290].json);
    }

    #[test]
    fn chunks_are_bounded_in_bytes_as_well_as_records() {
        let analyzer = Analyzer::new();
        // Chunks are cut by bytes as well as by count: none holds more than the budget,
        // except a record larger than it, which goes alone.
        let sizes = [300usize, 300, 300, 2000, 100, 100, 100, 100];
        let mut lines = String::new();
        for (i, n) in sizes.iter().enumerate() {
            let text = "word ".repeat(n / 5);
            lines.push_str(&format!("{{\"id\":\"c{i}\",\"text\":\"{text}\"}}\n"));
        }
        let opts = Options {
            threads: 2,
            chunk: 3,
            chunk_bytes: 700,
            ..Options::default()
        };
        let mut chunks = Vec::new();
        let mut src = JsonlSource::new(lines.as_bytes(), opts.limits);
        run(&analyzer, &mut src, &opts, |c| {
            chunks.push(c.iter().map(|o| o.row.line).collect::<Vec<_>>());
            Ok(())
        })
        .unwrap();
        assert_eq!(
            chunks,
            [vec![1, 2], vec![3], vec![4], vec![5, 6, 7], vec![8]]
        );
    }

    #[test]
    fn fields_keep_only_what_is_asked_and_the_id() {
        let analyzer = Analyzer::new();
        let opts = Options {
            fields: Some(vec!["reliability".into()]),
            ..Options::default()
        };
        let data = "{\"id\": 1, \"text\": \"Reports are coming in that the dam broke.\"}\n";
        let mut src = JsonlSource::new(data.as_bytes(), opts.limits);
        let mut out = Vec::new();
        run(&analyzer, &mut src, &opts, |c| {
            out.extend(c);
            Ok(())
        })
        .unwrap();
        let v: Value = serde_json::from_str(&out[0].json).unwrap();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "reliability"]);
    }
}
