//! `unspin bench`: single-thread analysis throughput and peak memory on real articles.

use anyhow::Result;
use clap::Parser;
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use unspin::{Analyzer, Document};

#[derive(Parser)]
pub struct BenchArgs {
    /// A PTC folder (or the shared data root): its articles are the benchmark input.
    #[arg(long, default_value = "../shared/data/ptc2020")]
    data: PathBuf,
    #[arg(long, default_value = "dev")]
    split: String,
    /// How long to run each configuration, in seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    #[arg(long)]
    json: bool,
    /// Analyse each article exactly this many times instead of for `--seconds` (for instruction
    /// counts under `valgrind`, which this shared machine's noisy timings cannot replace).
    #[arg(long)]
    passes: Option<usize>,
    /// Run one configuration only (for profiling one path under `valgrind`).
    #[arg(long, value_enum)]
    only: Option<Config>,
    /// The analysis measured by `full` (and, without its reliability stage, `no-reliability`).
    #[command(flatten)]
    analysis: crate::args::AnalysisArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Config {
    /// The analyzer of the analysis flags (by default every embedded model).
    Full,
    /// The same without the document-reliability stage (signals, reasons, probability): the
    /// difference to `full` is what that stage costs.
    NoReliability,
    /// Rule detectors only, no trained model.
    Rules,
}

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn run_for(
    analyzer: &Analyzer,
    docs: &[Document],
    budget: Duration,
    passes: Option<usize>,
) -> (usize, usize, f64) {
    let (mut n, mut bytes) = (0usize, 0usize);
    let t0 = Instant::now();
    let mut pass = 0;
    while passes.map_or(t0.elapsed() < budget, |p| pass < p) {
        pass += 1;
        for d in docs {
            let r = analyzer.analyze(d);
            std::hint::black_box(&r);
            n += 1;
            bytes += d.text.len();
        }
    }
    (n, bytes, t0.elapsed().as_secs_f64())
}

pub fn run(args: BenchArgs) -> Result<u8> {
    let root = unspin::data::locate(&args.data, "ptc2020", &format!("{}-articles", args.split))?;
    let articles = unspin::data::ptc::articles(&root.join(format!("{}-articles", args.split)))?;
    let docs: Vec<Document> = articles
        .iter()
        .map(|a| Document::from_text(a.text.clone()))
        .collect();
    let mean_chars = docs.iter().map(|d| d.text.chars().count()).sum::<usize>() / docs.len().max(1);
    let t0 = Instant::now();
    drop(args.analysis.analyzer()?);
    let startup_ms = t0.elapsed().as_secs_f64() * 1e3;
    let budget = Duration::from_secs_f64(args.seconds);
    let mut rows = Vec::new();
    for (config, name) in [
        (Config::Full, "full report (embedded models)"),
        (Config::NoReliability, "without the reliability stage"),
        (Config::Rules, "rules only (no technique model)"),
    ] {
        if args.only.is_some_and(|o| o != config) {
            continue;
        }
        // One analyzer at a time, so peak memory is that of one.
        let owned = match config {
            Config::Full => args.analysis.analyzer()?,
            Config::NoReliability => Analyzer::builder()
                .config(&args.analysis.config())
                .reliability_stage(false)
                .build()?,
            Config::Rules => Analyzer::rules_only(),
        };
        let a = &owned;
        if args.passes.is_none() {
            run_for(
                a,
                &docs[..docs.len().min(5)],
                Duration::from_millis(200),
                None,
            );
        }
        let (n, bytes, secs) = run_for(a, &docs, budget, args.passes);
        rows.push(json!({
            "configuration": name,
            "articles": n,
            "articles_per_s": n as f64 / secs,
            "mb_per_s": bytes as f64 / secs / 1e6,
            "ms_per_article": secs * 1e3 / n as f64,
        }));
    }
    let out = json!({
        "input": format!("PTC {} articles ({}, mean {} chars)", args.split, docs.len(), mean_chars),
        "threads": 1,
        "startup_ms": startup_ms,
        "peak_rss_mib": peak_rss_mib(),
        "results": rows,
    });
    if args.json {
        say!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        say!(
            "{} · 1 thread · analyzer startup {:.0} ms · peak RSS {:.0} MiB",
            out["input"].as_str().unwrap_or(""),
            startup_ms,
            peak_rss_mib().unwrap_or(f64::NAN)
        );
        for r in &rows {
            say!(
                "{:<34} {:>8.0} articles/s {:>7.2} MB/s {:>7.3} ms/article",
                r["configuration"].as_str().unwrap_or(""),
                r["articles_per_s"].as_f64().unwrap_or(0.0),
                r["mb_per_s"].as_f64().unwrap_or(0.0),
                r["ms_per_article"].as_f64().unwrap_or(0.0)
            );
        }
    }
    Ok(0)
}
