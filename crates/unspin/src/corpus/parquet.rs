//! Parquet in and out of corpus mode (feature `parquet`).
//!
//! In: the text/title/id/url columns chosen like a CSV's, read a record batch at a time (row
//! group by row group, only the chosen columns), each row a raw record numbered from 1. Text
//! columns may be strings or binary (binary goes through the same charset sniffing as a file);
//! ids may be any column Arrow can cast to a string.
//!
//! Out: one row per input row — the summary row's columns, the top reasons as a list, and the
//! record's whole output line (report or error record) as a JSON string — so a data lake gets
//! both the numbers to filter on and the evidence.

use super::Outcome;
use super::input::{Columns, RawBody, RawRecord, RecordSource, RowFields};
use super::summary::technique_column;
use crate::error::{Error, Result};
use crate::ingest::Limits;
use crate::technique::Technique;
use arrow_array::builder::{
    Float64Builder, ListBuilder, StringBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

/// A file-level Parquet failure (not Parquet, cut short, a batch that does not decode): the
/// caller names the file.
fn pq_err(e: impl std::fmt::Display) -> Error {
    Error::Data(format!("Parquet: {e}"))
}

/// One chosen column of a batch, as bytes per row.
enum Col {
    Str(arrow_array::LargeStringArray),
    Bin(arrow_array::LargeBinaryArray),
}

impl Col {
    fn of(array: &ArrayRef) -> Result<Col> {
        let binary = matches!(
            array.data_type(),
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView
        );
        let to = if binary {
            DataType::LargeBinary
        } else {
            DataType::LargeUtf8
        };
        let cast = arrow_cast::cast(array, &to).map_err(pq_err)?;
        Ok(if binary {
            Col::Bin(cast.as_binary::<i64>().clone())
        } else {
            Col::Str(cast.as_string::<i64>().clone())
        })
    }

    fn get(&self, i: usize) -> Option<&[u8]> {
        match self {
            Col::Str(a) => (!a.is_null(i)).then(|| a.value(i).as_bytes()),
            Col::Bin(a) => (!a.is_null(i)).then(|| a.value(i)),
        }
    }
}

/// A Parquet file as a record source.
pub struct ParquetSource {
    reader: ParquetRecordBatchReader,
    /// text, title, id, url.
    names: [Option<String>; 4],
    batch: Vec<Option<Col>>,
    at: usize,
    len: usize,
    row: u64,
    max_bytes: usize,
    rows: u64,
    /// The reader panicked once; it is not used again.
    broken: bool,
}

/// Runs `f`, turning a panic inside it into its message.
fn fenced<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the Parquet reader failed".into())
    })
}

impl ParquetSource {
    /// Opens a Parquet file and checks its columns. The `parquet` crate panics on some
    /// malformed files (negative column offsets in the footer, found by the `parquet_corpus`
    /// fuzz target) instead of returning an error: its calls are fenced, and a panic there is
    /// this file's error, not the process's end.
    pub fn open(path: &Path, columns: &Columns, limits: Limits) -> Result<ParquetSource> {
        fenced(|| Self::open_unfenced(path, columns, limits))
            .unwrap_or_else(|why| Err(Error::Data(format!("not a readable Parquet file: {why}"))))
    }

    fn open_unfenced(path: &Path, columns: &Columns, limits: Limits) -> Result<ParquetSource> {
        let file = File::open(path)?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|e| Error::Data(format!("not a Parquet file: {e}")))?;
        let schema = builder.schema().clone();
        let names = [
            Some(columns.text.clone()),
            columns.title.clone(),
            columns.id.clone(),
            columns.url.clone(),
        ];
        let mut roots = Vec::new();
        for (what, name) in ["text", "title", "id", "url"].iter().zip(&names) {
            let Some(name) = name else { continue };
            let Ok(i) = schema.index_of(name) else {
                return Err(Error::Data(format!(
                    "no {what} column {name:?} (columns: {})",
                    schema
                        .fields()
                        .iter()
                        .map(|f| f.name().as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            let texty = |t: &DataType| {
                matches!(
                    t,
                    DataType::Utf8
                        | DataType::LargeUtf8
                        | DataType::Utf8View
                        | DataType::Binary
                        | DataType::LargeBinary
                        | DataType::BinaryView
                )
            };
            let ok = match schema.field(i).data_type() {
                t if texty(t) => true,
                // Dictionary-encoded strings (pandas categoricals written by pyarrow).
                DataType::Dictionary(_, v) => texty(v),
                t => *what == "id" && (t.is_integer() || t.is_floating()),
            };
            if !ok {
                return Err(Error::Data(format!(
                    "the {what} column {name:?} holds {}, not text",
                    schema.field(i).data_type()
                )));
            }
            roots.push(i);
        }
        let rows = builder.metadata().file_metadata().num_rows().max(0) as u64;
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(256)
            .build()
            .map_err(pq_err)?;
        Ok(ParquetSource {
            reader,
            names,
            batch: Vec::new(),
            at: 0,
            len: 0,
            row: 0,
            max_bytes: usize::try_from(limits.max_bytes).unwrap_or(usize::MAX),
            rows,
            broken: false,
        })
    }

    /// Rows in the file, from its footer.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn next_batch(&mut self) -> io::Result<bool> {
        if self.broken {
            return Ok(false);
        }
        let next = fenced(|| self.reader.next()).unwrap_or_else(|why| {
            // The reader's state after a panic is unknown: nothing more is read from it.
            self.broken = true;
            Some(Err(arrow_schema::ArrowError::ParquetError(format!(
                "a malformed row group: {why}"
            ))))
        });
        let Some(batch) = next else {
            return Ok(false);
        };
        let batch = batch.map_err(io::Error::other)?;
        self.batch = self
            .names
            .iter()
            .map(|n| {
                n.as_ref()
                    .and_then(|n| batch.column_by_name(n))
                    .map(Col::of)
                    .transpose()
            })
            .collect::<Result<_>>()
            .map_err(io::Error::other)?;
        self.at = 0;
        self.len = batch.num_rows();
        Ok(true)
    }
}

impl RecordSource for ParquetSource {
    fn next_record(&mut self) -> io::Result<Option<RawRecord>> {
        while self.at >= self.len {
            if !self.next_batch()? {
                return Ok(None);
            }
        }
        let i = self.at;
        self.at += 1;
        self.row += 1;
        let get = |c: usize| self.batch[c].as_ref().and_then(|col| col.get(i));
        let id = get(2).map(|b| String::from_utf8_lossy(b).into_owned());
        let body = match get(0) {
            None => Err((id, Error::Record("the text column is null".into()))),
            Some(t) if t.len() > self.max_bytes => Err((
                id,
                Error::TooLarge {
                    size: t.len() as u64,
                    limit: self.max_bytes as u64,
                },
            )),
            Some(t) => Ok(RowFields {
                id,
                title: get(1).map(<[u8]>::to_vec),
                url: get(3).map(<[u8]>::to_vec),
                text: t.to_vec(),
            }),
        };
        Ok(Some(RawRecord {
            line: self.row,
            body: RawBody::Row(body),
        }))
    }

    fn position(&self) -> u64 {
        self.row
    }
}

/// The output table's schema.
pub fn output_schema() -> SchemaRef {
    let mut fields = vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("line", DataType::UInt64, false),
        Field::new("site", DataType::Utf8, true),
        Field::new("language", DataType::Utf8, true),
        Field::new("p_unreliable", DataType::Float64, true),
        Field::new("label", DataType::Utf8, true),
    ];
    fields.extend(
        Technique::ALL
            .iter()
            .map(|t| Field::new(technique_column(*t), DataType::UInt32, false)),
    );
    fields.extend([
        Field::new(
            "top_reasons",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ),
        Field::new("unsupported_claims", DataType::UInt32, false),
        Field::new("error", DataType::Utf8, true),
        Field::new("report", DataType::Utf8, false),
    ]);
    Arc::new(Schema::new(fields))
}

/// Writes outcomes as Parquet (zstd), a row group every few thousand rows so memory stays flat.
pub struct ParquetSink<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
}

impl<W: Write + Send> ParquetSink<W> {
    pub fn new(out: W) -> Result<ParquetSink<W>> {
        let schema = output_schema();
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(2048))
            .set_created_by(format!("unspin {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(pq_err)?;
        Ok(ParquetSink { writer, schema })
    }

    pub fn write(&mut self, outcomes: &[Outcome]) -> Result<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let n = outcomes.len();
        let mut id = StringBuilder::new();
        let mut line = UInt64Builder::with_capacity(n);
        let mut site = StringBuilder::new();
        let mut language = StringBuilder::new();
        let mut p = Float64Builder::with_capacity(n);
        let mut label = StringBuilder::new();
        let mut techniques: Vec<UInt32Builder> = (0..Technique::ALL.len())
            .map(|_| UInt32Builder::with_capacity(n))
            .collect();
        let mut reasons = ListBuilder::new(StringBuilder::new());
        let mut unsupported = UInt32Builder::with_capacity(n);
        let mut error = StringBuilder::new();
        let mut report = StringBuilder::new();
        for o in outcomes {
            let r = &o.row;
            id.append_option(r.id.as_deref());
            line.append_value(r.line);
            site.append_option(r.site.as_deref());
            language.append_option(r.language.as_deref());
            p.append_option(r.p_unreliable);
            label.append_option(r.label.as_deref());
            for (b, c) in techniques.iter_mut().zip(r.techniques) {
                b.append_value(c);
            }
            for reason in &r.top_reasons {
                reasons.values().append_value(reason);
            }
            reasons.append(true);
            unsupported.append_value(r.unsupported_claims);
            error.append_option(r.error.as_deref());
            report.append_value(&o.json);
        }
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(id.finish()),
            Arc::new(line.finish()),
            Arc::new(site.finish()),
            Arc::new(language.finish()),
            Arc::new(p.finish()),
            Arc::new(label.finish()),
        ];
        columns.extend(
            techniques
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        columns.push(Arc::new(reasons.finish()));
        columns.push(Arc::new(unsupported.finish()));
        columns.push(Arc::new(error.finish()));
        columns.push(Arc::new(report.finish()));
        let batch = RecordBatch::try_new(self.schema.clone(), columns).map_err(pq_err)?;
        self.writer.write(&batch).map_err(pq_err)
    }

    /// Writes the footer; the file is readable only after this.
    pub fn close(self) -> Result<()> {
        self.writer.close().map(|_| ()).map_err(pq_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Parquet schema and Python's `output="row"` keys are written out in two places; both
    /// must be `row_columns()`, in order.
    #[test]
    fn output_schema_is_the_row_columns() {
        let names: Vec<String> = output_schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, super::super::summary::row_columns());
        assert!(names.contains(&"name_calling_labeling".to_string()));
    }
}
