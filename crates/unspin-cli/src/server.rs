//! `unspin serve`: the HTTP API and the web page.
//!
//! Every request is bounded four ways before any CPU is spent on it, so that a hostile article
//! (or client) cannot stall the others:
//! - **admission**: a semaphore of `--max-pending` requests; when full, 503 with `Retry-After`
//!   at once;
//! - **memory**: a budget of `--max-memory` bytes shared by all requests in flight, charged for
//!   a body and the analysis it will cost (about [`EXPANSION`] times its size: the report and
//!   its JSON), held until the answer has been written; a request that cannot get its share
//!   within its deadline gets 503;
//! - **time**: a body must arrive within `--timeout` (408); then waiting for a worker and the
//!   analysis share one deadline of `--timeout` (503 with `Retry-After`); a batch has its own
//!   deadline (`--batch-timeout`), after which its remaining records get `timeout` error
//!   records, never silence;
//! - **CPU**: parsing (HTML included) and analysis run only on tokio's blocking pool while
//!   holding one of `--workers` slots; a batch takes a slot per chunk of a few records and gives
//!   it back between chunks, and the slots are handed out in arrival order, so single requests
//!   interleave with batches instead of queueing behind them.
//!
//! A client that stops reading is cut by the connection layer's write timeout (`listen`), which
//! drops the answer and its share of memory. Every response carries `nosniff`; the page has a
//! strict CSP (its script is a file, not inline); the Host header must name this server (DNS
//! rebinding) unless `--allow-host` widens it. Every error is `{"error": {"kind", "message"}}`.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use unspin::Tier;
use unspin::corpus::input::{JsonlSource, RecordSource};
use unspin::corpus::record::parse_record;
use unspin::{Analyzer, Document, Format, Limits};

/// Memory charged per byte of a body: what analysing it costs at most, report and JSON answer
/// included (an 8 MiB article peaked at 300 MB, a 2 MiB one gives a 47 MB JSON answer).
pub const EXPANSION: usize = 40;

/// Records analysed per batch chunk: a worker slot is held for one chunk at a time.
const BATCH_CHUNK: usize = 8;

/// The server's limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body for `/v1/analyze`, in bytes.
    pub max_body: usize,
    /// Largest request body for `/v1/batch`, in bytes.
    pub max_batch_body: usize,
    /// Deadline for reading a body and for an analysis.
    pub timeout: Duration,
    /// Requests admitted at once (being read, waiting or analysed); more get 503.
    pub max_pending: usize,
    /// Analyses running at once.
    pub workers: usize,
    /// Origins allowed to call the API from a browser; empty: no CORS headers at all.
    pub cors_origins: Vec<HeaderValue>,
    /// Bytes of bodies and answers in flight over all requests (charged as [`EXPANSION`] times
    /// each body).
    pub max_memory: usize,
    /// Deadline for a whole `/v1/batch`.
    pub batch_timeout: Duration,
    /// What the Host header may name (`host` or `host:port`, lower case); `None`: anything.
    pub allowed_hosts: Option<Vec<String>>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_body: 2 << 20,
            max_batch_body: 64 << 20,
            timeout: Duration::from_secs(10),
            max_pending: 256,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            cors_origins: Vec::new(),
            max_memory: 320 << 20,
            batch_timeout: Duration::from_secs(300),
            allowed_hosts: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    analyzer: Arc<Analyzer>,
    /// The other technique tier, when the server was given both (`with_other_tier`): a request
    /// picks it with `?tier=`.
    other: Option<Arc<Analyzer>>,
    cfg: Arc<Config>,
    admitted: Arc<Semaphore>,
    workers: Arc<Semaphore>,
    /// The memory budget, one permit per KiB.
    memory: Arc<Semaphore>,
    models: Arc<Value>,
    page: Arc<String>,
}

impl AppState {
    pub fn new(analyzer: Analyzer, cfg: Config) -> AppState {
        let models = analyzer.describe();
        let tier = analyzer.tier();
        AppState {
            admitted: Arc::new(Semaphore::new(cfg.max_pending.max(1))),
            workers: Arc::new(Semaphore::new(cfg.workers.max(1))),
            memory: Arc::new(Semaphore::new((cfg.max_memory >> 10).max(1))),
            analyzer: Arc::new(analyzer),
            other: None,
            cfg: Arc::new(cfg),
            models: Arc::new(with_tiers(models, &[tier])),
            page: Arc::new(page()),
        }
    }

    /// Adds the other technique tier (an analyzer of the same settings but the other `Tier`):
    /// requests without `?tier=` keep the first; `/v1/models` lists both under `tiers`.
    /// Only a build with the accurate tier has another tier to add.
    #[cfg_attr(not(feature = "accurate"), allow(dead_code))]
    pub fn with_other_tier(mut self, other: Analyzer) -> AppState {
        let tiers = [self.analyzer.tier(), other.tier()];
        self.models = Arc::new(with_tiers((*self.models).clone(), &tiers));
        self.other = Some(Arc::new(other));
        self
    }

    /// The analyzer of a request's `?tier=` (the default one without it).
    #[allow(clippy::result_large_err)] // the handlers' error is the answer itself
    fn analyzer_for(&self, tier: Option<Tier>) -> Result<Arc<Analyzer>, Response> {
        match tier {
            None => Ok(self.analyzer.clone()),
            Some(t) if t == self.analyzer.tier() => Ok(self.analyzer.clone()),
            Some(t) => self
                .other
                .clone()
                .filter(|a| a.tier() == t)
                .ok_or_else(|| {
                    error(
                        StatusCode::BAD_REQUEST,
                        "bad_query",
                        &format!(
                            "this server analyses with the {} tier only (both tiers are offered by an unspin built with the `accurate` feature)",
                            self.analyzer.tier()
                        ),
                    )
                })
        }
    }
}

/// `/v1/models` with the tiers a request may choose (the default first).
fn with_tiers(mut models: Value, tiers: &[Tier]) -> Value {
    models["tiers"] = json!(tiers.iter().map(Tier::to_string).collect::<Vec<_>>());
    models
}

impl AppState {
    /// KiB of the memory budget a request with a body of `bytes` is charged: the body and what
    /// analysing `work` bytes of it costs. Never more than the whole budget, so a request the
    /// limits allow can always run alone.
    fn cost_kib(&self, bytes: usize, work: usize) -> u32 {
        let total = self.cfg.max_memory >> 10;
        let kib = bytes.saturating_add(work.saturating_mul(EXPANSION)) >> 10;
        u32::try_from(kib.clamp(1, total.max(1))).unwrap_or(u32::MAX)
    }

    /// The size limit of one article: the analysis setting (`--max-bytes`), and never more
    /// than a request body may be.
    fn article_limits(&self) -> Limits {
        Limits {
            max_bytes: self
                .analyzer
                .limits()
                .max_bytes
                .min(self.cfg.max_body as u64),
        }
    }
}

pub const OPENAPI: &str = include_str!("../assets/openapi.json");

/// The router, without a socket: tests drive it with `tower::ServiceExt::oneshot`.
pub fn app(state: AppState) -> Router {
    let cors = (!state.cfg.cors_origins.is_empty()).then(|| {
        tower_http::cors::CorsLayer::new()
            .allow_origin(state.cfg.cors_origins.clone())
            .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::ACCEPT])
    });
    let router = Router::new()
        .route("/", get(index))
        .route("/page.js", get(page_js))
        .route(
            "/healthz",
            get(|| async { axum::Json(json!({"status": "ok"})) }),
        )
        .route(
            "/openapi.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], OPENAPI) }),
        )
        .route("/v1/models", get(models))
        .route("/v1/analyze", post(analyze))
        .route("/v1/batch", post(batch))
        .fallback(|| async {
            error(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such endpoint; see /openapi.json",
            )
        })
        .method_not_allowed_fallback(|| async {
            error(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not take that method; see /openapi.json",
            )
        })
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state);
    match cors {
        Some(c) => router.layer(c),
        None => router,
    }
}

/// A JSON error response.
pub fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"kind": kind, "message": message}})),
    )
        .into_response()
}

/// Every request: the Host header must name this server (a DNS-rebinding page would send its
/// own name); every response: `nosniff` and no framing.
async fn guard(State(s): State<AppState>, req: Request, next: axum::middleware::Next) -> Response {
    if let Some(allowed) = &s.cfg.allowed_hosts {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| req.uri().authority().map(|a| a.as_str()))
            .unwrap_or("")
            .to_ascii_lowercase();
        if !host_allowed(&host, allowed) {
            let mut r = error(
                StatusCode::MISDIRECTED_REQUEST,
                "bad_host",
                "the Host header does not name this server; start it with --allow-host NAME to accept that name",
            );
            secure_headers(r.headers_mut());
            return r;
        }
    }
    let mut r = next.run(req).await;
    secure_headers(r.headers_mut());
    r
}

/// Whether `host` (`name` or `name:port`) is one of `allowed`; an allowed name without a port
/// takes any port.
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = match host.rsplit_once(':') {
        Some((n, port)) if !n.ends_with(']') || host.starts_with('[') => {
            if port.chars().all(|c| c.is_ascii_digit()) {
                n
            } else {
                host
            }
        }
        _ => host,
    };
    allowed.iter().any(|a| a == host || a == name)
}

fn secure_headers(h: &mut HeaderMap) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

/// The page's policy: its own script file only, no inline script, no framing.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The policy of an HTML answer from the API: markup and styles, nothing that runs.
const FRAGMENT_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

/// 503 with `Retry-After`: the server cannot take this request now.
fn unavailable(kind: &str, message: &str) -> Response {
    let mut r = error(StatusCode::SERVICE_UNAVAILABLE, kind, message);
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

fn busy() -> Response {
    unavailable(
        "overloaded",
        "the server is at its limit of requests in progress; retry shortly",
    )
}

fn too_late() -> Response {
    unavailable(
        "timeout",
        "the analysis did not finish within the request timeout; retry shortly",
    )
}

async fn index(State(s): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
        ],
        s.page.as_str().to_owned(),
    )
        .into_response()
}

async fn page_js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        PAGE_JS,
    )
        .into_response()
}

/// The page's script, served as a file so the page's CSP can forbid inline script.
pub const PAGE_JS: &str = include_str!("../assets/page.js");

async fn models(State(s): State<AppState>) -> Response {
    axum::Json(s.models.as_ref().clone()).into_response()
}

/// What a request holds while it is served: its admission and its share of the memory budget
/// (released when the answer has been written or dropped).
struct Held {
    _admitted: tokio::sync::OwnedSemaphorePermit,
    _memory: tokio::sync::OwnedSemaphorePermit,
}

/// Admits a request (or refuses it at once with 503), refuses a declared body over `limit`
/// before reading a byte of it (413: no `100 Continue` is sent for it), charges the memory
/// budget (waiting at most `--timeout`, then 503) and reads the body.
#[allow(clippy::result_large_err)]
async fn admit(
    s: &AppState,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    work: impl Fn(usize) -> usize,
) -> Result<(Held, Bytes), Response> {
    let Ok(admitted) = s.admitted.clone().try_acquire_owned() else {
        return Err(busy());
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(n) = declared
        && n > limit as u64
    {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "oversized",
            &format!("the body ({n} bytes) is over the limit of {limit} bytes"),
        ));
    }
    let size = declared.map_or(limit, |n| n as usize);
    let kib = s.cost_kib(size, work(size));
    let mut memory =
        match tokio::time::timeout(s.cfg.timeout, s.memory.clone().acquire_many_owned(kib)).await {
            Ok(Ok(p)) => p,
            _ => return Err(busy()),
        };
    let body = read_body(body, limit, s.cfg.timeout).await?;
    // A body without a declared length was charged as if it were as large as allowed; now that
    // its size is known, the rest goes back.
    let actual = s.cost_kib(body.len(), work(body.len()));
    if actual < kib {
        drop(memory.split((kib - actual) as usize));
    }
    Ok((
        Held {
            _admitted: admitted,
            _memory: memory,
        },
        body,
    ))
}

/// An answer's bytes as a body that holds the request's share of memory until the last piece
/// has been handed to the connection (a client that stops reading is cut by the write timeout,
/// which drops the body and the share with it).
fn held_body(bytes: Bytes, held: Held) -> Body {
    const PIECE: usize = 64 << 10;
    let n = bytes.len().div_ceil(PIECE).max(1);
    let mut held = Some(held);
    let pieces = (0..n).map(move |i| {
        let piece = bytes.slice((i * PIECE).min(bytes.len())..((i + 1) * PIECE).min(bytes.len()));
        if i + 1 == n {
            held.take();
        }
        Ok::<_, std::convert::Infallible>(piece)
    });
    Body::from_stream(tokio_stream::iter(pieces))
}

/// Reads the body under the size cap and the deadline.
// The error is the response itself, made once per refused request: boxing it buys nothing.
#[allow(clippy::result_large_err)]
async fn read_body(body: Body, limit: usize, timeout: Duration) -> Result<Bytes, Response> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Err(_) => Err(error(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "the request body did not arrive in time",
        )),
        Ok(Err(e)) => {
            let too_big = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            Err(if too_big {
                error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "oversized",
                    &format!("the body is over the limit of {limit} bytes"),
                )
            } else {
                error(StatusCode::BAD_REQUEST, "bad_body", &e.to_string())
            })
        }
        Ok(Ok(b)) => Ok(b),
    }
}

fn content_type(h: &HeaderMap) -> String {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// What a request body holds, by its content type.
#[derive(Clone, Copy)]
enum BodyKind {
    Record,
    Text,
    Html,
}

/// The kind of body a content type names; one no document can come from is refused before
/// the body is read.
#[allow(clippy::result_large_err)]
fn document_kind(ctype: &str) -> Result<BodyKind, Response> {
    match ctype {
        "application/json" => Ok(BodyKind::Record),
        "text/plain" => Ok(BodyKind::Text),
        "text/html" => Ok(BodyKind::Html),
        "" => Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "give a Content-Type: application/json ({\"title\"?, \"text\"} or {\"title\"?, \"html\"}), text/plain or text/html",
        )),
        other => Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            &format!(
                "Content-Type {} is not taken: use application/json, text/plain or text/html",
                other.chars().take(80).collect::<String>()
            ),
        )),
    }
}

/// The document a request body holds, by content type.
#[allow(clippy::result_large_err)]
fn document(kind: BodyKind, body: &[u8], limits: Limits) -> Result<Document, Response> {
    let bad = |e: unspin::Error| {
        let status = match e {
            unspin::Error::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        error(status, e.kind(), &e.to_string())
    };
    match kind {
        BodyKind::Record => parse_record(body, limits).map_err(|(_, e)| {
            if matches!(e, unspin::Error::Record(_)) {
                error(StatusCode::BAD_REQUEST, e.kind(), &e.to_string())
            } else {
                bad(e)
            }
        }),
        BodyKind::Text => Document::from_bytes(body, Format::Text, limits).map_err(bad),
        BodyKind::Html => Document::from_bytes(body, Format::Html, limits).map_err(bad),
    }
}

/// The query of `/v1/analyze`: `min_confidence` (0 to 1; technique spans below it are not shown
/// in the HTML rendering; the JSON keeps every span) and `tier` (which technique tier analyses).
#[allow(clippy::result_large_err)]
fn view_options(
    query: Option<&str>,
) -> Result<(unspin::render::HtmlOptions, Option<Tier>), Response> {
    let mut opts = unspin::render::HtmlOptions::default();
    let mut tier = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "min_confidence" => match v.parse::<f64>() {
                Ok(c) if (0.0..=1.0).contains(&c) => opts.min_confidence = c,
                _ => {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        "bad_query",
                        "min_confidence must be a number from 0 to 1",
                    ));
                }
            },
            "tier" => match v.parse::<Tier>() {
                Ok(t) => tier = Some(t),
                Err(_) => {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        "bad_query",
                        "tier must be fast or accurate",
                    ));
                }
            },
            _ => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "bad_query",
                    &format!(
                        "unknown query parameter {:?}; only min_confidence and tier",
                        k.chars().take(40).collect::<String>()
                    ),
                ));
            }
        }
    }
    Ok((opts, tier))
}

/// `POST /v1/analyze`: the report as JSON, or — with `Accept: text/html` — the report rendered
/// as an HTML fragment (the same rendering as `--format html`, which the page shows).
async fn analyze(State(s): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let ctype = content_type(&parts.headers);
    let html = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html") && !a.contains("application/json"));
    let (view, analyzer) = match view_options(parts.uri.query()) {
        Ok((view, tier)) => match s.analyzer_for(tier) {
            Ok(a) => (view, a),
            Err(r) => return r,
        },
        Err(r) => return r,
    };
    let kind = match document_kind(&ctype) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let (held, body) = match admit(&s, &parts.headers, body, s.cfg.max_body, |n| n).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let deadline = tokio::time::Instant::now() + s.cfg.timeout;
    let Ok(Ok(slot)) = tokio::time::timeout_at(deadline, s.workers.clone().acquire_owned()).await
    else {
        return busy();
    };
    let limits = s.article_limits();
    // Parsing is work too (an HTML page goes through the extractor): it runs here, under the
    // slot and the deadline, never on the reactor.
    let work = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let doc = document(kind, &body, limits).map_err(Box::new)?;
        let report = analyzer.analyze(&doc);
        Ok::<_, Box<Response>>(if html {
            unspin::render::html_fragment(&report, view)
        } else {
            report.to_json()
        })
    });
    match tokio::time::timeout_at(deadline, work).await {
        Ok(Ok(Ok(out))) => {
            let mut r = Response::new(held_body(Bytes::from(out), held));
            let h = r.headers_mut();
            if html {
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                h.insert(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(FRAGMENT_CSP),
                );
            } else {
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
            r
        }
        Ok(Ok(Err(r))) => *r,
        Ok(Err(_)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the analysis failed; please report this input",
        ),
        Err(_) => too_late(),
    }
}

/// `POST /v1/batch`: JSONL in, JSONL out in input order, streamed chunk by chunk — one line
/// per input line, a report or an error record, exactly as `unspin corpus`. Each chunk of
/// [`BATCH_CHUNK`] records takes a worker slot for itself only; records not reached by the
/// batch deadline get `timeout` error records; a client that stops reading ends the batch.
async fn batch(State(s): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let limit = s.article_limits().max_bytes as usize;
    let (held, body) = match admit(&s, &parts.headers, body, s.cfg.max_batch_body, |n| {
        n.min(limit)
    })
    .await
    {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let state = s.clone();
    tokio::spawn(async move {
        let _held = held;
        let deadline = tokio::time::Instant::now() + state.cfg.batch_timeout;
        let limits = state.article_limits();
        let mut src = Some(JsonlSource::new(std::io::Cursor::new(body), limits));
        let mut expired = false;
        while let Some(mut source) = src.take() {
            let slot = if expired {
                None
            } else {
                match tokio::time::timeout_at(deadline, state.workers.clone().acquire_owned()).await
                {
                    Ok(Ok(slot)) => Some(slot),
                    _ => {
                        expired = true;
                        None
                    }
                }
            };
            let analyzer = state.analyzer.clone();
            let chunk = tokio::task::spawn_blocking(move || {
                let _slot = slot;
                let opts = unspin::corpus::Options {
                    limits,
                    ..Default::default()
                };
                let mut out = Vec::new();
                let mut bytes = 0usize;
                let mut n = 0;
                // A chunk: a few records, or fewer when they are large.
                while n < BATCH_CHUNK && bytes < limits.max_bytes as usize {
                    let raw = match source.next_record() {
                        Ok(Some(r)) => r,
                        Ok(None) => return Ok((None, out)),
                        Err(e) => return Err(e),
                    };
                    n += 1;
                    bytes += raw.size();
                    let line = if expired {
                        expired_record(raw)
                    } else {
                        unspin::corpus::process(&analyzer, raw, &opts).json
                    };
                    out.extend_from_slice(line.as_bytes());
                    out.push(b'\n');
                }
                Ok((Some(source), out))
            })
            .await;
            let (next, out) = match chunk {
                Ok(Ok(x)) => x,
                Ok(Err(e)) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
                Err(_) => {
                    let _ = tx
                        .send(Err(std::io::Error::other("the batch failed")))
                        .await;
                    return;
                }
            };
            if !out.is_empty() && tx.send(Ok(Bytes::from(out))).await.is_err() {
                return; // the client went away (or was cut by the write timeout)
            }
            if tokio::time::Instant::now() >= deadline {
                expired = true;
            }
            src = next;
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// The error record of a batch record the deadline left unanalysed: its id when its line
/// names one, so the client can send it again.
fn expired_record(raw: unspin::corpus::input::RawRecord) -> String {
    let id = match &raw.body {
        unspin::corpus::input::RawBody::Json { bytes, .. } => {
            serde_json::from_slice::<Value>(bytes)
                .ok()
                .and_then(|v| match v.get("id") {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                })
        }
        _ => None,
    };
    let e = unspin::Error::Deadline("the batch's deadline (--batch-timeout) passed first".into());
    unspin::corpus::record::ErrorRecord::new(id, raw.line, &e).to_json()
}

/// The page: the form and script around the shared report rendering and its CSS.
fn page() -> String {
    include_str!("../assets/page.html").replace("/*REPORT_CSS*/", unspin::render::CSS)
}

/// Waits for SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
