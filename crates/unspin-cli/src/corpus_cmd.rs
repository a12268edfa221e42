//! `unspin corpus`: a whole corpus through the library's ordered parallel driver, with the
//! files around it — outputs written under `.partial` names and renamed at the end, a
//! checkpoint after every chunk so `--resume` continues a killed run, a progress bar, and the
//! summaries.

use crate::args::AnalysisArgs;
use crate::exit;
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use unspin::Limits;
use unspin::corpus::input::{
    self, Columns, Compression, Counting, DirSource, InputKind, RecordSource,
};
use unspin::corpus::summary::{Aggregate, CsvSummary};
use unspin::corpus::{self, Options};

#[derive(Args)]
pub struct CorpusArgs {
    /// A JSONL, CSV or TSV file (optionally .gz or .zst), a Parquet file, a folder of
    /// .txt/.html files, or `-` for stdin.
    #[arg(default_value = "-")]
    input: PathBuf,
    /// The input's format when its name does not say (stdin defaults to JSONL).
    #[arg(long, value_enum)]
    input_format: Option<InputFormat>,
    /// CSV/TSV/Parquet: the column with the article (text or HTML).
    #[arg(long, default_value = "text")]
    text_column: String,
    #[arg(long)]
    title_column: Option<String>,
    #[arg(long)]
    id_column: Option<String>,
    #[arg(long)]
    url_column: Option<String>,
    /// JSONL reports, one line per input record, in input order (default stdout); a name ending
    /// in `.parquet` writes Parquet instead: one row per record with the summary columns, the
    /// top reasons and the report as a JSON string (`report`).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Keep only these report fields (comma-separated; `id` is always kept), e.g.
    /// `reliability,techniques`.
    #[arg(long, value_delimiter = ',')]
    fields: Option<Vec<String>>,
    /// Also write a CSV summary: one row per record (id, p_unreliable, label, spans per
    /// technique, top reason, unsupported check-worthy claims, error).
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Also write the aggregate summary as JSON (it is printed to stderr at the end anyway).
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Records analysed per chunk: the reorder window, and how often a checkpoint is written.
    #[arg(long, default_value_t = 256)]
    chunk: usize,
    /// MiB of input per chunk: a chunk is cut before a record that would take it past this, so
    /// memory stays bounded when records are large (one larger record goes alone).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=4096))]
    chunk_mib: u32,
    /// Continue a killed run of the same command from its last checkpoint (needs --output).
    #[arg(long)]
    resume: bool,
    /// No progress bar and no summary on stderr.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

impl CorpusArgs {
    /// `unspin analyze --input FILE [--output FILE]`: the JSONL batch through the same driver,
    /// quietly (no progress bar, no summary).
    pub fn batch(input: PathBuf, output: Option<PathBuf>, analysis: AnalysisArgs) -> CorpusArgs {
        CorpusArgs {
            input,
            input_format: Some(InputFormat::Jsonl),
            text_column: "text".into(),
            title_column: None,
            id_column: None,
            url_column: None,
            output,
            fields: None,
            csv: None,
            summary: None,
            threads: 0,
            chunk: 256,
            chunk_mib: 4,
            resume: false,
            quiet: true,
            analysis,
        }
    }
}

/// What a run did.
pub struct RunStats {
    pub records: u64,
    pub failed: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize, Debug)]
enum InputFormat {
    Jsonl,
    Csv,
    Tsv,
    Parquet,
}

/// What `--resume` needs: how far the outputs are known to be complete, the aggregate up to
/// there, and what the run was, so a different command cannot resume it.
#[derive(Serialize, Deserialize)]
struct Checkpoint {
    version: u32,
    fingerprint: String,
    /// What the input was when the run began (size, modification time, head hash; a folder's
    /// listing): the same path with other contents is another run.
    input: String,
    records: u64,
    json_bytes: u64,
    csv_bytes: u64,
    aggregate: Aggregate,
}

/// Version 2: the aggregate counts reports by language. Version 3: the input's identity.
const CHECKPOINT_VERSION: u32 = 3;

fn partial(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

fn checkpoint_path(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".checkpoint");
    PathBuf::from(s)
}

/// A writer that counts what went through it, so the checkpoint knows the byte length of the
/// complete part of each output.
struct Tally<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Tally<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Opens `path.partial` for writing: fresh, or cut back to `keep` bytes when resuming.
fn open_partial(path: &Path, keep: Option<u64>) -> Result<File> {
    let p = partial(path);
    if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    match keep {
        None => File::create(&p).with_context(|| format!("cannot create {}", p.display())),
        Some(n) => {
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .open(&p)
                .with_context(|| format!("cannot reopen {} to resume", p.display()))?;
            let len = f.metadata()?.len();
            if len < n {
                bail!(
                    "{} is shorter ({len} bytes) than its checkpoint says ({n}): cannot resume",
                    p.display()
                );
            }
            f.set_len(n)?;
            let mut f = f;
            use std::io::Seek;
            f.seek(io::SeekFrom::End(0))?;
            Ok(f)
        }
    }
}

pub fn run(args: CorpusArgs) -> Result<u8> {
    let stats = run_stats(args)?;
    Ok(if stats.failed > 0 {
        exit::SOME_RECORDS_FAILED
    } else {
        exit::OK
    })
}

/// Runs the corpus and says how many records it wrote and how many failed.
pub fn run_stats(args: CorpusArgs) -> Result<RunStats> {
    // The analyzer first: a model file that does not load is an error before any output.
    let analyzer = args.analysis.analyzer()?;
    let limits = analyzer.limits();
    if let Some(fields) = &args.fields
        && let Some(bad) = fields
            .iter()
            .find(|f| !corpus::FIELDS.contains(&f.as_str()))
    {
        bail!(
            "--fields: no report field {bad:?} (fields: {})",
            corpus::FIELDS.join(", ")
        );
    }
    if args.resume && args.output.as_ref().is_none_or(|o| o == Path::new("-")) {
        bail!("--resume needs --output FILE: a run to stdout cannot be continued");
    }
    let stdin = args.input == Path::new("-");
    let kind = match (args.input_format, stdin) {
        (Some(InputFormat::Jsonl), _) => InputKind::Jsonl,
        (Some(InputFormat::Csv), _) => InputKind::Csv,
        (Some(InputFormat::Tsv), _) => InputKind::Tsv,
        (Some(InputFormat::Parquet), true) => {
            bail!("Parquet cannot be read from stdin: give the file's path")
        }
        (Some(InputFormat::Parquet), false) => InputKind::Parquet,
        (None, true) => InputKind::Jsonl,
        (None, false) => {
            if !args.input.exists() {
                bail!("{}: no such file or folder", args.input.display());
            }
            input::kind_of(&args.input).with_context(|| {
                format!(
                    "{}: cannot tell the format from the name; use --input-format jsonl|csv|tsv|parquet",
                    args.input.display()
                )
            })?
        }
    };
    if kind == InputKind::Dir && args.input_format.is_some() {
        bail!("--input-format is for files and stdin, not folders");
    }
    let columns = Columns {
        text: args.text_column.clone(),
        title: args.title_column.clone(),
        id: args.id_column.clone(),
        url: args.url_column.clone(),
    };

    // The source, and how to tell progress.
    // Compressed bytes read so far, for the progress bar.
    let mut read_bytes = Arc::new(AtomicU64::new(0));
    let mut input_identity = if stdin {
        "stdin (cannot be checked)".to_string()
    } else if kind == InputKind::Dir {
        String::new() // set from the listing below
    } else {
        input::file_identity(&args.input)
            .with_context(|| format!("cannot read {}", args.input.display()))?
    };
    let (mut source, total, by_bytes): (Box<dyn RecordSource>, Option<u64>, bool) = if kind
        == InputKind::Dir
    {
        let d = DirSource::new(&args.input)
            .with_context(|| format!("cannot list {}", args.input.display()))?;
        input_identity = d.identity().to_string();
        let n = d.len() as u64;
        (Box::new(d), Some(n), false)
    } else if kind == InputKind::Parquet {
        let s = open_parquet(&args.input, &columns, limits)?;
        let n = s.1;
        (s.0, Some(n), false)
    } else {
        let (compression, total, raw): (Compression, Option<u64>, Box<dyn Read + Send>) = if stdin {
            (
                input::compression_of(&args.input).0,
                None,
                Box::new(io::stdin()),
            )
        } else {
            let f = File::open(&args.input)
                .with_context(|| format!("cannot open {}", args.input.display()))?;
            let size = f.metadata().ok().map(|m| m.len());
            (input::compression_of(&args.input).0, size, Box::new(f))
        };
        let counting = Counting::new(raw);
        read_bytes = counting.count.clone();
        let r = input::decompress(Box::new(counting), compression)
            .with_context(|| args.input.display().to_string())?;
        let s = input::stream_source(r, kind, &columns, limits)
            .with_context(|| args.input.display().to_string())?;
        (s, total, true)
    };

    // What makes the output: the input, how it is read, the fields kept, and the analysis
    // (every setting and the SHA-256 of every model file in use).
    let fingerprint = format!(
        "{}|{:?}|{:?}|{:?}|{}",
        args.input.display(),
        args.input_format,
        columns,
        args.fields,
        analyzer.fingerprint()
    );

    // No output is the input, and no two outputs are one file — before anything is created.
    let mut outputs: Vec<(&str, &Path)> = Vec::new();
    if let Some(o) = &args.output {
        outputs.push(("--output", o));
    }
    if let Some(o) = &args.csv {
        outputs.push(("--csv", o));
    }
    if let Some(o) = &args.summary {
        outputs.push(("--summary", o));
    }
    crate::paths::check_outputs(&[&args.input], &outputs)?;

    // Outputs: partial files and a checkpoint when writing to a file.
    // A device or pipe (`-o /dev/null`, a FIFO) is written in place: a partial file renamed
    // over it would replace the device with a regular file.
    let out_stream = args
        .output
        .clone()
        .filter(|o| o != Path::new("-") && crate::paths::is_stream(o));
    if out_stream.is_some() && args.resume {
        bail!("--resume needs --output to be a regular file, not a device or pipe");
    }
    let out_path = args
        .output
        .clone()
        .filter(|o| o != Path::new("-") && !crate::paths::is_stream(o));
    let parquet_out = out_path.as_ref().is_some_and(|p| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    });
    if parquet_out && args.resume {
        bail!(
            "a Parquet output cannot be resumed (its footer is written at the end); write JSONL (-o FILE.jsonl) to be able to --resume"
        );
    }
    let mut checkpoint: Option<Checkpoint> = None;
    if args.resume {
        let cp = checkpoint_path(out_path.as_ref().expect("checked above"));
        match std::fs::read(&cp) {
            Ok(bytes) => {
                let c: Checkpoint = postcard::from_bytes(&bytes)
                    .with_context(|| format!("{} is not a checkpoint", cp.display()))?;
                if c.version != CHECKPOINT_VERSION {
                    bail!(
                        "{} has checkpoint version {}, this build writes {CHECKPOINT_VERSION}",
                        cp.display(),
                        c.version
                    );
                }
                if c.fingerprint != fingerprint {
                    bail!(
                        "{} belongs to another run ({}); rerun that command, or start afresh without --resume",
                        cp.display(),
                        c.fingerprint
                    );
                }
                if c.input != input_identity {
                    bail!(
                        "{} changed since the run began (then: {}; now: {}): resuming would duplicate or skip records; start afresh without --resume",
                        args.input.display(),
                        c.input,
                        input_identity
                    );
                }
                if stdin && !args.quiet {
                    eprintln!(
                        "unspin: resuming from stdin: the input cannot be checked to be the same stream as before"
                    );
                }
                checkpoint = Some(c);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !args.quiet {
                    eprintln!(
                        "unspin: no checkpoint at {}: starting from the first record",
                        cp.display()
                    );
                }
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", cp.display())),
        }
    }
    // The summary file is opened now, so an unwritable path fails before the run, not after it.
    let mut summary_file = args
        .summary
        .as_ref()
        .map(|p| File::create(p).with_context(|| format!("cannot create {}", p.display())))
        .transpose()?;
    let skip = checkpoint.as_ref().map_or(0, |c| c.records);
    let mut aggregate = checkpoint
        .as_ref()
        .map(|c| c.aggregate.clone())
        .unwrap_or_default();
    let mut parquet_sink = if parquet_out {
        Some(parquet_sink(&partial(
            out_path.as_ref().expect("checked above"),
        ))?)
    } else {
        None
    };
    let mut json_out: Tally<Box<dyn Write>> = match &out_path {
        _ if parquet_out => Tally {
            inner: Box::new(io::sink()),
            bytes: 0,
        },
        Some(p) => Tally {
            inner: Box::new(BufWriter::with_capacity(
                1 << 20,
                open_partial(p, checkpoint.as_ref().map(|c| c.json_bytes))?,
            )),
            bytes: checkpoint.as_ref().map_or(0, |c| c.json_bytes),
        },
        None => Tally {
            inner: match &out_stream {
                Some(p) => Box::new(BufWriter::with_capacity(
                    1 << 20,
                    OpenOptions::new()
                        .write(true)
                        .open(p)
                        .with_context(|| format!("cannot open {}", p.display()))?,
                )),
                None => Box::new(BufWriter::with_capacity(1 << 20, io::stdout().lock())),
            },
            bytes: 0,
        },
    };
    let mut csv_out = match &args.csv {
        Some(p) if crate::paths::is_stream(p) => {
            if args.resume {
                bail!("--resume needs --csv to be a regular file, not a device or pipe");
            }
            let f = OpenOptions::new()
                .write(true)
                .open(p)
                .with_context(|| format!("cannot open {}", p.display()))?;
            Some(CsvSummary::new(
                Tally {
                    inner: BufWriter::new(f),
                    bytes: 0,
                },
                true,
            )?)
        }
        Some(p) => {
            let keep = checkpoint.as_ref().map(|c| c.csv_bytes);
            let f = open_partial(p, keep)?;
            Some(CsvSummary::new(
                Tally {
                    inner: BufWriter::new(f),
                    bytes: keep.unwrap_or(0),
                },
                keep.is_none(),
            )?)
        }
        None => None,
    };

    let opts = Options {
        threads: args.threads,
        chunk: args.chunk,
        chunk_bytes: (args.chunk_mib as usize) << 20,
        limits,
        fields: args.fields.clone(),
        skip,
    };

    let bar = if args.quiet || !io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let b = match (total, by_bytes) {
            (Some(n), true) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} · {msg} · ETA {eta}")
                    .expect("template parses"),
            ),
            (Some(n), false) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template(if kind == InputKind::Parquet {
                    "{bar:30} {pos}/{len} rows · {msg} · ETA {eta}"
                } else {
                    "{bar:30} {pos}/{len} files · {msg} · ETA {eta}"
                })
                .expect("template parses"),
            ),
            (None, _) => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{spinner} {msg}").expect("template parses"),
            ),
        };
        b.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
        b
    };

    let started = Instant::now();
    let mut done = skip;
    let cp_path = out_path
        .as_deref()
        .filter(|_| !parquet_out)
        .map(checkpoint_path);
    let result = corpus::run(&analyzer, &mut *source, &opts, |chunk| {
        if let Some(pq) = parquet_sink.as_mut() {
            write_parquet(pq, &chunk)?;
        }
        for o in &chunk {
            json_out.write_all(o.json.as_bytes())?;
            json_out.write_all(b"\n")?;
            if let Some(c) = csv_out.as_mut() {
                c.write(&o.row)?;
            }
            aggregate.add(&o.row);
        }
        done += chunk.len() as u64;
        let large = chunk.iter().map(|o| o.json.len()).sum::<usize>() >= 16 << 20;
        drop(chunk);
        if large {
            crate::release_free_memory();
        }
        json_out.flush()?;
        let csv_bytes = match csv_out.as_mut() {
            Some(c) => {
                c.flush()?;
                c.get_ref().bytes
            }
            None => 0,
        };
        if let Some(cp) = &cp_path {
            let c = Checkpoint {
                version: CHECKPOINT_VERSION,
                fingerprint: fingerprint.clone(),
                input: input_identity.clone(),
                records: done,
                json_bytes: json_out.bytes,
                csv_bytes,
                aggregate: aggregate.clone(),
            };
            let tmp = partial(cp);
            std::fs::write(&tmp, postcard::to_allocvec(&c).map_err(io::Error::other)?)?;
            std::fs::rename(&tmp, cp)?;
        }
        let secs = started.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!(
            "{done} records · {:.0} records/s",
            (done - skip) as f64 / secs
        ));
        if by_bytes {
            bar.set_position(read_bytes.load(Ordering::Relaxed));
        } else {
            bar.set_position(done);
        }
        Ok(())
    });
    bar.finish_and_clear();
    let processed = match result {
        Ok(n) => n,
        Err(e) => {
            json_out.flush().ok();
            return Err(anyhow::Error::new(e).context(format!(
                "the run stopped after {done} records (outputs so far are complete up to there{})",
                if out_path.is_some() {
                    "; rerun with --resume to continue"
                } else {
                    ""
                }
            )));
        }
    };
    json_out.flush()?;
    drop(json_out);
    if let Some(pq) = parquet_sink.take() {
        close_parquet(pq)?;
    }
    if let Some(mut c) = csv_out.take() {
        c.flush()?;
    }
    let elapsed = started.elapsed().as_secs_f64();

    // Complete: the partial files become the outputs.
    if let Some(p) = &out_path {
        std::fs::rename(partial(p), p).with_context(|| format!("cannot write {}", p.display()))?;
        let _ = std::fs::remove_file(checkpoint_path(p));
    }
    if let Some(p) = args.csv.as_ref().filter(|p| !crate::paths::is_stream(p)) {
        std::fs::rename(partial(p), p).with_context(|| format!("cannot write {}", p.display()))?;
    }
    if let (Some(p), Some(f)) = (&args.summary, summary_file.as_mut()) {
        let v = serde_json::json!({
            "records": aggregate.records,
            "seconds": elapsed,
            "records_per_second": processed as f64 / elapsed.max(1e-9),
            "resumed_after": skip,
            "summary": aggregate,
        });
        f.write_all((serde_json::to_string_pretty(&v)? + "\n").as_bytes())
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    if !args.quiet {
        eprint!("{}", aggregate.to_text());
        eprintln!(
            "{processed} records in {elapsed:.1} s ({:.0} records/s){}",
            processed as f64 / elapsed.max(1e-9),
            if skip > 0 {
                format!(", resumed after {skip}")
            } else {
                String::new()
            }
        );
    }
    Ok(RunStats {
        records: aggregate.records,
        failed: aggregate.errors,
    })
}

#[cfg(feature = "parquet")]
type ParquetSink = unspin::corpus::parquet::ParquetSink<BufWriter<File>>;
#[cfg(not(feature = "parquet"))]
type ParquetSink = std::convert::Infallible;

#[cfg(not(feature = "parquet"))]
const NO_PARQUET: &str = "this unspin was built without Parquet support (cargo feature `parquet`)";

#[cfg(feature = "parquet")]
fn open_parquet(
    path: &Path,
    columns: &Columns,
    limits: Limits,
) -> Result<(Box<dyn RecordSource>, u64)> {
    let s = unspin::corpus::parquet::ParquetSource::open(path, columns, limits)
        .with_context(|| path.display().to_string())?;
    let rows = s.rows();
    Ok((Box::new(s), rows))
}

#[cfg(not(feature = "parquet"))]
fn open_parquet(_: &Path, _: &Columns, _: Limits) -> Result<(Box<dyn RecordSource>, u64)> {
    bail!(NO_PARQUET)
}

#[cfg(feature = "parquet")]
fn parquet_sink(path: &Path) -> Result<ParquetSink> {
    let f = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(unspin::corpus::parquet::ParquetSink::new(
        BufWriter::with_capacity(1 << 20, f),
    )?)
}

#[cfg(not(feature = "parquet"))]
fn parquet_sink(_: &Path) -> Result<ParquetSink> {
    bail!(NO_PARQUET)
}

#[cfg(feature = "parquet")]
fn write_parquet(pq: &mut ParquetSink, chunk: &[corpus::Outcome]) -> io::Result<()> {
    pq.write(chunk).map_err(io::Error::other)
}

#[cfg(not(feature = "parquet"))]
fn write_parquet(pq: &mut ParquetSink, _: &[corpus::Outcome]) -> io::Result<()> {
    match *pq {}
}

#[cfg(feature = "parquet")]
fn close_parquet(pq: ParquetSink) -> Result<()> {
    Ok(pq.close()?)
}

#[cfg(not(feature = "parquet"))]
fn close_parquet(pq: ParquetSink) -> Result<()> {
    match pq {}
}
