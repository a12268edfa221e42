//! `unspin bench-http`: a small closed-loop load client for the HTTP API, loopback only and
//! bounded in time. Each connection keeps one HTTP/1.1 keep-alive socket and sends the next
//! request when the previous answer has been read; latencies are recorded per request.
//! Without `--url` it starts the server in-process on a free loopback port.

use anyhow::{Context, Result, bail};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Args)]
pub struct LoadArgs {
    /// A running server (loopback only); default: start one in this process.
    #[arg(long)]
    addr: Option<SocketAddr>,
    /// The article to send (default: 600 words built from the repo's example article).
    #[arg(long)]
    article: Option<PathBuf>,
    /// Concurrent connections to try, one run each.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    connections: Vec<usize>,
    /// Seconds per run (after one second of warm-up).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Analysis slots of the in-process server (default: all cores).
    #[arg(long)]
    workers: Option<usize>,
    /// Admission limit of the in-process server (default: the server's); set it below the
    /// connection count to measure overload.
    #[arg(long)]
    max_pending: Option<usize>,
    /// The analysis of the in-process server.
    #[command(flatten)]
    analysis: crate::args::AnalysisArgs,
}

/// About 600 words from the example article, repeated as needed.
fn default_article() -> String {
    let text = include_str!("../../../examples/harbor-bridge.txt");
    let mut out = String::new();
    while out.split_whitespace().count() < 600 {
        out.push_str(text);
        out.push_str("\n\n");
    }
    out.split_whitespace()
        .take(600)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sends one request on a keep-alive connection and reads the whole answer; returns the status.
async fn request(
    stream: &mut BufReader<TcpStream>,
    head: &[u8],
    body: &[u8],
) -> std::io::Result<u16> {
    stream.get_mut().write_all(head).await?;
    stream.get_mut().write_all(body).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
    let mut len = None;
    let mut chunked = false;
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse::<usize>().ok();
            } else if k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
                chunked = true;
            }
        }
    }
    if chunked {
        loop {
            line.clear();
            stream.read_line(&mut line).await?;
            let n = usize::from_str_radix(line.trim(), 16).map_err(std::io::Error::other)?;
            let mut buf = vec![0u8; n + 2];
            stream.read_exact(&mut buf).await?;
            if n == 0 {
                break;
            }
        }
    } else {
        let mut buf = vec![0u8; len.unwrap_or(0)];
        stream.read_exact(&mut buf).await?;
    }
    Ok(status)
}

struct RunResult {
    ok: u64,
    refused: u64,
    failed: u64,
    latencies_us: Vec<u64>,
    refused_us: Vec<u64>,
    secs: f64,
}

async fn run_once(addr: SocketAddr, conns: usize, secs: u64, body: &[u8]) -> Result<RunResult> {
    let head = format!(
        "POST /v1/analyze HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    let warm_until = Instant::now() + Duration::from_secs(1);
    let end = warm_until + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let head = head.clone();
        let body = body.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut refused_lat = Vec::new();
            let (mut ok, mut refused, mut failed) = (0u64, 0u64, 0u64);
            let mut stream = None;
            while Instant::now() < end {
                if stream.is_none() {
                    match TcpStream::connect(addr).await {
                        Ok(s) => {
                            let _ = s.set_nodelay(true);
                            stream = Some(BufReader::new(s));
                        }
                        Err(_) => {
                            failed += 1;
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                    }
                }
                let t0 = Instant::now();
                let r = request(stream.as_mut().expect("connected"), &head, &body).await;
                let counted = t0 >= warm_until;
                match r {
                    Ok(200) if counted => {
                        ok += 1;
                        lat.push(t0.elapsed().as_micros() as u64);
                    }
                    Ok(503) if counted => {
                        refused += 1;
                        refused_lat.push(t0.elapsed().as_micros() as u64);
                    }
                    Ok(_) if counted => failed += 1,
                    Ok(_) => {}
                    Err(_) => {
                        failed += u64::from(counted);
                        stream = None;
                    }
                }
            }
            (ok, refused, failed, lat, refused_lat)
        }));
    }
    let mut res = RunResult {
        ok: 0,
        refused: 0,
        failed: 0,
        latencies_us: Vec::new(),
        refused_us: Vec::new(),
        secs: secs as f64,
    };
    for t in tasks {
        let (ok, refused, failed, lat, rlat) = t.await?;
        res.refused_us.extend(rlat);
        res.ok += ok;
        res.refused += refused;
        res.failed += failed;
        res.latencies_us.extend(lat);
    }
    res.latencies_us.sort_unstable();
    res.refused_us.sort_unstable();
    Ok(res)
}

fn pct(v: &[u64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i] as f64 / 1000.0
}

fn rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = l.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub fn run(args: LoadArgs) -> Result<u8> {
    let body = match &args.article {
        Some(p) => std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
        None => default_article().into_bytes(),
    };
    if let Some(a) = args.addr
        && !a.ip().is_loopback()
    {
        bail!("bench-http only loads loopback addresses");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let addr = match args.addr {
            Some(a) => a,
            None => {
                let mut cfg = crate::server::Config::default();
                if let Some(w) = args.workers {
                    cfg.workers = w;
                }
                if let Some(m) = args.max_pending {
                    cfg.max_pending = m;
                }
                let state = crate::server::AppState::new(args.analysis.analyzer()?, cfg);
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                tokio::spawn(async move {
                    let server = crate::listen::Server::new(
                        listener,
                        crate::server::app(state),
                        crate::listen::ConnLimits::default(),
                    );
                    let _ = server.run(std::future::pending()).await;
                });
                addr
            }
        };
        say!(
            "POST /v1/analyze, {} words ({} bytes), {} s per run after 1 s warm-up, server {addr}",
            String::from_utf8_lossy(&body).split_whitespace().count(),
            body.len(),
            args.seconds
        );
        say!(
            "| connections | requests/s | p50 ms | p99 ms | max ms | 503 refused | p99 ms of a refusal | failed |"
        );
        say!("|---|---|---|---|---|---|---|---|");
        for &c in &args.connections {
            let r = run_once(addr, c, args.seconds, &body).await?;
            say!(
                "| {c} | {:.0} | {:.1} | {:.1} | {:.1} | {} | {} | {} |",
                r.ok as f64 / r.secs,
                pct(&r.latencies_us, 0.5),
                pct(&r.latencies_us, 0.99),
                pct(&r.latencies_us, 1.0),
                r.refused,
                if r.refused_us.is_empty() {
                    "–".to_string()
                } else {
                    format!("{:.1}", pct(&r.refused_us, 0.99))
                },
                r.failed
            );
        }
        if args.addr.is_none()
            && let Some(m) = rss_mib()
        {
            say!("peak RSS of this process (server and client): {m:.0} MiB");
        }
        anyhow::Ok(())
    })?;
    Ok(crate::exit::OK)
}
