//! The `unspin` command: argument parsing, files and exit codes. The analysis is the library's.

/// `println!` that returns the write's error instead of panicking, so that `unspin eval … | head`
/// ends quietly (a closed pipe is success, see `is_broken_pipe`) rather than with a panic.
macro_rules! say {
    ($($arg:tt)*) => {
        ::std::io::Write::write_fmt(
            &mut ::std::io::stdout().lock(),
            format_args!("{}\n", format_args!($($arg)*)),
        )?
    };
}

/// `print!` as [`say!`] is `println!`.
macro_rules! say_raw {
    ($($arg:tt)*) => {
        ::std::io::Write::write_fmt(&mut ::std::io::stdout().lock(), format_args!($($arg)*))?
    };
}

mod args;
mod bench_cmd;
mod corpus_cmd;
mod eval_cmd;
mod listen;
mod loadtest;
mod paths;
mod server;
mod train_cmd;

use anyhow::{Context, Result, bail};
use args::AnalysisArgs;
use clap::{Parser, Subcommand, ValueEnum};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use unspin::corpus::record::ErrorRecord;
use unspin::render::{self, HtmlOptions, TerminalOptions};
use unspin::{Document, Format, Limits, Report};

/// Exit codes: distinct so scripts can tell a bad input from a broken run.
mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    // 2 is clap's usage error.
    pub const SOME_RECORDS_FAILED: u8 = 3;
    pub const BAD_INPUT: u8 = 4;
    // 5: a score below its quality floor (`eval all --floors`).
}

#[derive(Parser)]
#[command(
    name = "unspin",
    version,
    about = "Show, with evidence, how a news article tries to persuade and how far it can be trusted."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse articles: files, `-` for stdin, or a JSONL batch with --input.
    Analyze(AnalyzeArgs),
    /// Analyse a whole corpus in parallel: JSONL, CSV/TSV (gz/zst) or a folder in, JSONL
    /// reports in input order out, with progress, summaries and --resume.
    Corpus(corpus_cmd::CorpusArgs),
    /// Serve the HTTP API and the web page (loopback by default).
    Serve(ServeArgs),
    /// Load-test the HTTP API on loopback: requests/s and latency at several connection counts.
    BenchHttp(loadtest::LoadArgs),
    /// Evaluate the shipped models on the shared data with each task's official metric.
    Eval(eval_cmd::EvalArgs),
    /// Train a shipped model from the shared data and write its versioned model file.
    Train(train_cmd::TrainArgs),
    /// Measure single-thread analysis speed and peak memory on real articles.
    Bench(bench_cmd::BenchArgs),
}

#[derive(Parser)]
struct AnalyzeArgs {
    /// Article files (text or HTML); `-` reads stdin.
    paths: Vec<PathBuf>,
    /// JSONL batch input (`-` for stdin): one {"id", "title"?, "text"|"html"} per line.
    #[arg(long, conflicts_with = "paths")]
    input: Option<PathBuf>,
    /// Where to write (default stdout).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Output format; batch mode always writes JSONL.
    #[arg(long, short, value_enum)]
    format: Option<OutputFormat>,
    /// Treat the input as HTML (default: detected from the content).
    #[arg(long, conflicts_with = "text")]
    html: bool,
    /// Treat the input as plain text even if it looks like HTML.
    #[arg(long)]
    text: bool,
    /// The article's headline, analysed as such.
    #[arg(long)]
    title: Option<String>,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Terminal report: list every signal the article shows among the reasons, not only the
    /// strongest five.
    #[arg(long)]
    all_reasons: bool,
    /// Terminal and HTML reports: technique spans below this confidence are not shown (JSON
    /// keeps every span with its confidence).
    #[arg(long, value_name = "0..1", default_value_t = render::MIN_CONFIDENCE)]
    min_confidence: f64,
    /// Where the article was published; its site is looked up in the compiled-in site list
    /// (HTML pages give it themselves through their canonical link).
    #[arg(long)]
    url: Option<String>,
    #[command(flatten)]
    analysis: AnalysisArgs,
}

#[derive(Parser)]
struct ServeArgs {
    /// Address to listen on. Loopback by default; binding elsewhere exposes the service.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// Largest body for /v1/analyze, in bytes (larger: 413).
    #[arg(long, default_value_t = server::Config::default().max_body)]
    max_body: usize,
    /// Largest body for /v1/batch, in bytes.
    #[arg(long, default_value_t = server::Config::default().max_batch_body)]
    max_batch_body: usize,
    /// Seconds allowed to receive a body (then 408) and to analyse it (then 503).
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Requests admitted at once; beyond that, 503 with Retry-After at once.
    #[arg(long, default_value_t = server::Config::default().max_pending)]
    max_pending: usize,
    /// Connections open at once; one more is closed as soon as it is accepted.
    #[arg(long, default_value_t = listen::ConnLimits::default().max_connections)]
    max_connections: usize,
    /// Seconds allowed for a request's headers, and for an idle kept-alive connection.
    #[arg(long, default_value_t = listen::ConnLimits::default().header_timeout.as_secs())]
    header_timeout: u64,
    /// Analyses running at once (default: all cores).
    #[arg(long)]
    workers: Option<usize>,
    /// Allow cross-origin requests from this origin (repeatable; off by default).
    #[arg(long)]
    cors_origin: Vec<String>,
    /// MiB of request bodies and answers in flight over all requests (each charged as 40 times
    /// its body); a request that cannot get its share in time gets 503.
    #[arg(long, default_value_t = server::Config::default().max_memory >> 20)]
    max_memory: usize,
    /// Seconds a whole /v1/batch may take; records not reached by then get timeout error
    /// records.
    #[arg(long, default_value_t = server::Config::default().batch_timeout.as_secs())]
    batch_timeout: u64,
    /// Seconds a write may wait for a client that does not read; then the connection closes.
    #[arg(long, default_value_t = listen::ConnLimits::default().write_timeout.as_secs())]
    write_timeout: u64,
    /// Accept this name in the Host header (repeatable). By default only the address served on
    /// (and localhost on loopback) is accepted, so a web page cannot reach the server through a
    /// rebound DNS name; when serving on 0.0.0.0 or :: any name is accepted unless this is given.
    #[arg(long)]
    allow_host: Vec<String>,
    #[command(flatten)]
    analysis: AnalysisArgs,
}

/// The Host header values `serve` accepts on `addr` (see `--allow-host`).
fn allowed_hosts(addr: std::net::SocketAddr, extra: &[String]) -> Option<Vec<String>> {
    let ip = addr.ip();
    let mut hosts: Vec<String> = extra.iter().map(|h| h.to_ascii_lowercase()).collect();
    if ip.is_unspecified() {
        return (!hosts.is_empty()).then_some(hosts);
    }
    hosts.push(match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
    });
    if ip.is_loopback() {
        hosts.extend(["localhost", "127.0.0.1", "[::1]"].map(String::from));
    }
    Some(hosts)
}

fn serve(args: ServeArgs) -> Result<u8> {
    let analyzer = args.analysis.analyzer()?;
    let mut cfg = server::Config {
        max_body: args.max_body,
        max_batch_body: args.max_batch_body,
        timeout: std::time::Duration::from_secs(args.timeout),
        max_pending: args.max_pending,
        max_memory: args.max_memory.max(1) << 20,
        batch_timeout: std::time::Duration::from_secs(args.batch_timeout.max(1)),
        allowed_hosts: allowed_hosts(args.addr, &args.allow_host),
        ..server::Config::default()
    };
    if let Some(w) = args.workers {
        cfg.workers = w;
    }
    cfg.cors_origins = args
        .cors_origin
        .iter()
        .map(|o| {
            o.parse::<axum::http::HeaderValue>()
                .with_context(|| format!("--cors-origin {o:?} is not a valid origin"))
        })
        .collect::<Result<Vec<_>>>()?;
    let state = server::AppState::new(analyzer, cfg);
    // A build with the accurate tier offers both tiers to every request (`?tier=`, the page's
    // choice); the flags' tier is the default.
    #[cfg(feature = "accurate")]
    let state = {
        let other = match args.analysis.tier {
            unspin::Tier::Fast => unspin::Tier::Accurate,
            unspin::Tier::Accurate => unspin::Tier::Fast,
        };
        state.with_other_tier(
            unspin::Config {
                tier: other,
                ..args.analysis.config()
            }
            .analyzer()?,
        )
    };
    let app = server::app(state);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        eprintln!(
            "unspin: serving on http://{} (Ctrl-C to stop)",
            listener.local_addr()?
        );
        if args.addr.ip().is_unspecified() && args.allow_host.is_empty() {
            eprintln!(
                "unspin: serving on every interface with any Host header accepted; give --allow-host NAME to accept only the names you serve under"
            );
        }
        let limits = listen::ConnLimits {
            max_connections: args.max_connections,
            header_timeout: std::time::Duration::from_secs(args.header_timeout.max(1)),
            write_timeout: std::time::Duration::from_secs(args.write_timeout.max(1)),
            shutdown_grace: std::time::Duration::from_secs(args.timeout.max(1)),
        };
        listen::Server::new(listener, app, limits)
            .run(server::shutdown_signal())
            .await?;
        eprintln!("unspin: stopped");
        anyhow::Ok(())
    })?;
    Ok(exit::OK)
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
    Html,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// glibc's malloc raises its mmap threshold each time a large block is freed, after which
/// large blocks come from the heap and their space is kept, fragmented, after a large article
/// is done: a corpus of 8 MiB records grew from 360 MB to 590 MB over 300 records. A fixed
/// threshold keeps blocks of 1 MiB and more in their own mappings, handed back when freed.
/// Below it, the heap was trimmed back to the system at every free, and the accurate tier's
/// encoder, which allocates and frees tens of such blocks per layer and window, took each in
/// fresh pages: page faults were a quarter of its time. Keeping up to 128 MiB free at the top
/// of the heap (and growing it 32 MiB at a time) took it from 617 to about 460 ms per article on
/// one core; the fast tier's speed did not move beyond this machine's noise.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tuning parameter; called first thing, before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 20);
        libc::mallopt(libc::M_TOP_PAD, 32 << 20);
    }
}

/// candle sizes its thread pool by the machine's physical cores, not by the cores this process
/// may run on: under `taskset -c 1` it ran two threads on one core, one spinning at a barrier
/// while the other worked (1.1 s per article instead of 0.62). Unless the user chose
/// (`CANDLE_NUM_THREADS`): one article at a time (`analyze`, `serve`) gets the cores the
/// process is allowed ([`std::thread::available_parallelism`] reads the affinity mask and
/// cgroup quota); the commands that already run one article per core (corpus, batch, eval,
/// bench, train) get one thread each, not two pools fighting over the same cores.
fn size_candle_threads(command: &Command) {
    if std::env::var_os("CANDLE_NUM_THREADS").is_some() {
        return;
    }
    let n = match command {
        Command::Analyze(a) if a.input.is_none() => {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
        Command::Serve(_) => std::thread::available_parallelism().map_or(1, |n| n.get()),
        _ => 1,
    };
    // SAFETY: called in main before any thread exists that could read the environment
    // concurrently.
    unsafe { std::env::set_var("CANDLE_NUM_THREADS", n.to_string()) };
}

/// Hands free heap memory back to the system after a large piece of work (a chunk whose
/// answers ran to tens of megabytes): glibc keeps what a thread's arena freed otherwise.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused pages; it is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    size_candle_threads(&cli.command);
    let result = match cli.command {
        Command::Analyze(args) => analyze(args),
        Command::Corpus(args) => corpus_cmd::run(args),
        Command::Serve(args) => serve(args),
        Command::BenchHttp(args) => loadtest::run(args),
        Command::Eval(args) => eval_cmd::run(args),
        Command::Train(args) => train_cmd::run(args),
        Command::Bench(args) => bench_cmd::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("unspin: error: {e:#}");
            ExitCode::from(exit::FAILURE)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<io::Error>())
        .any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}

fn open_output(path: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match path {
        None => Box::new(BufWriter::new(io::stdout().lock())),
        Some(p) if p == Path::new("-") => Box::new(BufWriter::new(io::stdout().lock())),
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
    })
}

fn analyze(args: AnalyzeArgs) -> Result<u8> {
    if let Some(input) = &args.input {
        if matches!(args.format, Some(OutputFormat::Text | OutputFormat::Html)) {
            bail!(
                "batch mode (--input) writes JSONL (or Parquet to a .parquet --output); drop --format or use --format json"
            );
        }
        // The corpus driver, quietly: the same records, outputs and error records as `unspin
        // corpus`, a `.parquet` output written as Parquet.
        let stats = corpus_cmd::run_stats(corpus_cmd::CorpusArgs::batch(
            input.clone(),
            args.output.clone(),
            args.analysis.clone(),
        ))?;
        if stats.failed > 0 {
            eprintln!(
                "unspin: {} of {} records failed (see their error lines)",
                stats.failed, stats.records
            );
            return Ok(exit::SOME_RECORDS_FAILED);
        }
        return Ok(exit::OK);
    }

    if args.paths.is_empty() {
        bail!("nothing to analyse: give a file, `-` for stdin, or --input FILE.jsonl");
    }
    if let Some(out) = &args.output {
        let inputs: Vec<&Path> = args.paths.iter().map(PathBuf::as_path).collect();
        paths::check_outputs(&inputs, &[("--output", out)])?;
    }
    let analyzer = args.analysis.analyzer()?;
    let limits = analyzer.limits();
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let format = args.format.unwrap_or(OutputFormat::Text);
    if format == OutputFormat::Html && args.paths.len() > 1 {
        bail!("--format html renders one article; give one path");
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let read_format = if args.html {
        Format::Html
    } else if args.text {
        Format::Text
    } else {
        Format::Auto
    };
    let many = args.paths.len() > 1;
    let mut out = open_output(args.output.as_deref())?;
    let mut failed = 0usize;
    for (i, path) in args.paths.iter().enumerate() {
        let doc = match read_document(path, read_format, limits) {
            Ok(doc) => doc
                .with_title(args.title.clone())
                .with_url(args.url.clone())
                .with_id(many.then(|| path.display().to_string())),
            Err(e) => {
                eprintln!("unspin: {}: {e}", path.display());
                // JSON lines keep one line per path: a failed file is an error record in its
                // place, so a reader pairing lines with paths is never off by one.
                if many && format == OutputFormat::Json {
                    let id = Some(path.display().to_string());
                    let record = ErrorRecord::new(id, i as u64 + 1, &e);
                    writeln!(out, "{}", record.to_json())?;
                }
                failed += 1;
                continue;
            }
        };
        let report = analyzer.analyze(&doc);
        let view = View {
            color,
            all_reasons: args.all_reasons,
            min_confidence: args.min_confidence,
        };
        write_report(&mut out, &report, format, view, many)?;
    }
    out.flush()?;
    Ok(match failed {
        0 => exit::OK,
        n if n == args.paths.len() => exit::BAD_INPUT,
        _ => exit::SOME_RECORDS_FAILED,
    })
}

fn read_document(path: &Path, format: Format, limits: Limits) -> unspin::Result<Document> {
    let mut bytes = Vec::new();
    if path == Path::new("-") {
        io::stdin()
            .lock()
            .take(limits.max_bytes + 1)
            .read_to_end(&mut bytes)?;
    } else {
        let f = File::open(path)?;
        let size = f.metadata()?.len();
        if size > limits.max_bytes {
            return Err(unspin::Error::TooLarge {
                size,
                limit: limits.max_bytes,
            });
        }
        f.take(limits.max_bytes + 1).read_to_end(&mut bytes)?;
    }
    Document::from_bytes(&bytes, format, limits)
}

/// How a report is shown (the JSON ignores it: it keeps every reason and span).
#[derive(Clone, Copy)]
struct View {
    color: bool,
    all_reasons: bool,
    min_confidence: f64,
}

fn write_report(
    out: &mut dyn Write,
    report: &Report,
    format: OutputFormat,
    view: View,
    many: bool,
) -> Result<()> {
    match format {
        OutputFormat::Json if many => writeln!(out, "{}", report.to_json())?,
        OutputFormat::Json => writeln!(out, "{}", report.to_json_pretty())?,
        OutputFormat::Html => {
            let opts = HtmlOptions {
                min_confidence: view.min_confidence,
            };
            out.write_all(render::html(report, opts).as_bytes())?
        }
        OutputFormat::Text => {
            let opts = TerminalOptions {
                color: view.color,
                all_reasons: view.all_reasons,
                min_confidence: view.min_confidence,
            };
            out.write_all(render::terminal(report, opts).as_bytes())?;
            if many {
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::allowed_hosts;

    #[test]
    fn the_host_header_names_the_bound_address() {
        let on = |a: &str, extra: &[&str]| {
            let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
            allowed_hosts(a.parse().unwrap(), &extra)
        };
        let loopback = on("127.0.0.1:8080", &[]).unwrap();
        for h in ["127.0.0.1", "localhost", "[::1]"] {
            assert!(loopback.iter().any(|x| x == h), "{h}");
        }
        assert!(!loopback.iter().any(|x| x == "evil.example"));
        assert_eq!(on("10.0.0.5:80", &[]).unwrap(), ["10.0.0.5"]);
        assert_eq!(on("[2001:db8::1]:80", &[]).unwrap(), ["[2001:db8::1]"]);
        assert_eq!(on("0.0.0.0:80", &[]), None, "every interface: any name");
        assert_eq!(
            on("0.0.0.0:80", &["News.Example"]).unwrap(),
            ["news.example"]
        );
        assert!(
            on("127.0.0.1:80", &["proxy.internal"])
                .unwrap()
                .contains(&"proxy.internal".to_string())
        );
    }
}
