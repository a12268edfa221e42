//! `unspin serve`: the HTTP API and the web page.
//!
//! Analysis is CPU work, so it never runs on the async reactor: a request is first *admitted*
//! (a semaphore sized `--max-pending`; when it is full the request is refused at once with 503
//! and `Retry-After`, so overload cannot queue without bound), then waits for one of the
//! `--workers` analysis slots and runs on tokio's blocking pool. Bodies are read with a size cap
//! (413) and a deadline (408); every error is a JSON object `{"error": {"kind", "message"}}`.

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
use unspin::corpus::input::JsonlSource;
use unspin::corpus::record::parse_record;
use unspin::{Analyzer, Document, Format, Limits};

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
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    analyzer: Arc<Analyzer>,
    cfg: Arc<Config>,
    admitted: Arc<Semaphore>,
    workers: Arc<Semaphore>,
    models: Arc<Value>,
    page: Arc<String>,
}

impl AppState {
    pub fn new(analyzer: Analyzer, cfg: Config) -> AppState {
        let models = analyzer.describe();
        AppState {
            admitted: Arc::new(Semaphore::new(cfg.max_pending.max(1))),
            workers: Arc::new(Semaphore::new(cfg.workers.max(1))),
            analyzer: Arc::new(analyzer),
            cfg: Arc::new(cfg),
            models: Arc::new(models),
            page: Arc::new(page()),
        }
    }
}

impl AppState {
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

fn busy() -> Response {
    let mut r = error(
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        "the server is at its limit of requests in progress; retry shortly",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

async fn index(State(s): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
            ),
        ],
        s.page.as_str().to_owned(),
    )
        .into_response()
}

async fn models(State(s): State<AppState>) -> Response {
    axum::Json(s.models.as_ref().clone()).into_response()
}

/// Admits a request (or refuses it at once with 503) and reads its body: the permit is held
/// until the answer is made.
#[allow(clippy::result_large_err)]
async fn admit(
    s: &AppState,
    body: Body,
    limit: usize,
) -> Result<(tokio::sync::OwnedSemaphorePermit, Bytes), Response> {
    let Ok(permit) = s.admitted.clone().try_acquire_owned() else {
        return Err(busy());
    };
    Ok((permit, read_body(body, limit, s.cfg.timeout).await?))
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

/// The document a request body holds, by content type.
#[allow(clippy::result_large_err)]
fn document(ctype: &str, body: &[u8], limits: Limits) -> Result<Document, Response> {
    let bad = |e: unspin::Error| {
        let status = match e {
            unspin::Error::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        error(status, e.kind(), &e.to_string())
    };
    match ctype {
        "application/json" => parse_record(body, limits).map_err(|(_, e)| {
            if matches!(e, unspin::Error::Record(_)) {
                error(StatusCode::BAD_REQUEST, e.kind(), &e.to_string())
            } else {
                bad(e)
            }
        }),
        "text/plain" => Document::from_bytes(body, Format::Text, limits).map_err(bad),
        "text/html" => Document::from_bytes(body, Format::Html, limits).map_err(bad),
        "" => Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "give a Content-Type: application/json ({\"title\"?, \"text\"} or {\"title\"?, \"html\"}), text/plain or text/html",
        )),
        other => Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            &format!(
                "Content-Type {other} is not taken: use application/json, text/plain or text/html"
            ),
        )),
    }
}

/// The rendering options of a query string: `min_confidence` (0 to 1; technique spans below it
/// are not shown in the HTML rendering; the JSON keeps every span).
#[allow(clippy::result_large_err)]
fn view_options(query: Option<&str>) -> Result<unspin::render::HtmlOptions, Response> {
    let mut opts = unspin::render::HtmlOptions::default();
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
            _ => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "bad_query",
                    &format!(
                        "unknown query parameter {:?}; only min_confidence",
                        k.chars().take(40).collect::<String>()
                    ),
                ));
            }
        }
    }
    Ok(opts)
}

/// `POST /v1/analyze`: the report as JSON, or — with `Accept: text/html` — the report rendered
/// as an HTML fragment (the same rendering as `--format html`, which the page shows).
async fn analyze(State(s): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let (_admitted, body) = match admit(&s, body, s.cfg.max_body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let limits = s.article_limits();
    let doc = match document(&content_type(&parts.headers), &body, limits) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let html = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html") && !a.contains("application/json"));
    let view = match view_options(parts.uri.query()) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Ok(slot) = s.workers.clone().acquire_owned().await else {
        return busy();
    };
    let analyzer = s.analyzer.clone();
    let work = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let report = analyzer.analyze(&doc);
        if html {
            unspin::render::html_fragment(&report, view)
        } else {
            report.to_json()
        }
    });
    match tokio::time::timeout(s.cfg.timeout, work).await {
        Ok(Ok(out)) => (
            [(
                header::CONTENT_TYPE,
                if html {
                    "text/html; charset=utf-8"
                } else {
                    "application/json"
                },
            )],
            out,
        )
            .into_response(),
        Ok(Err(_)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the analysis failed; please report this input",
        ),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the analysis did not finish within the request timeout",
        ),
    }
}

/// `POST /v1/batch`: JSONL in, JSONL out in input order, streamed chunk by chunk — one line
/// per input line, a report or an error record, exactly as `unspin corpus`.
async fn batch(State(s): State<AppState>, req: Request) -> Response {
    let (admitted, body) = match admit(&s, req.into_body(), s.cfg.max_batch_body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Ok(slot) = s.workers.clone().acquire_owned().await else {
        return busy();
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let analyzer = s.analyzer.clone();
    let limits = s.article_limits();
    tokio::task::spawn_blocking(move || {
        let (_admitted, _slot) = (admitted, slot);
        let opts = unspin::corpus::Options {
            threads: 1,
            chunk: 32,
            limits,
            ..Default::default()
        };
        let mut src = JsonlSource::new(&body[..], limits);
        let r = unspin::corpus::run(&analyzer, &mut src, &opts, |chunk| {
            let mut out = Vec::new();
            for o in chunk {
                out.extend_from_slice(o.json.as_bytes());
                out.push(b'\n');
            }
            tx.blocking_send(Ok(Bytes::from(out)))
                .map_err(|_| std::io::Error::other("the client went away"))
        });
        if let Err(e) = r {
            let _ = tx.blocking_send(Err(e));
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response()
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
