//! The server's handlers: bytes in as an HTTP request (method, path and query, content type,
//! Accept, body), answered by `app()` without a socket. Every answer has a valid status, the
//! `nosniff` header, and either a success body of the right type or the JSON error shape; a
//! request never panics a handler or hangs it (the handler runs under a deadline here).
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use std::time::Duration;

#[allow(dead_code)]
#[path = "../../crates/unspin-cli/src/server.rs"]
mod server;

use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fn state() -> &'static server::AppState {
    static S: OnceLock<server::AppState> = OnceLock::new();
    S.get_or_init(|| {
        let analyzer = unspin::Analyzer::new();
        server::AppState::new(
            analyzer,
            server::Config {
                max_body: 64 << 10,
                max_batch_body: 256 << 10,
                timeout: Duration::from_secs(5),
                allowed_hosts: Some(vec!["localhost".into()]),
                ..server::Config::default()
            },
        )
    })
}

fuzz_target!(|data: &[u8]| {
    // Layout: selector byte, then path up to '\n', then a content type up to '\n', then body.
    let Some((&sel, rest)) = data.split_first() else { return };
    let mut parts = rest.splitn(3, |b| *b == b'\n');
    let path = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let ctype = parts.next().unwrap_or_default().to_vec();
    let body = parts.next().unwrap_or_default().to_vec();
    let paths = ["/v1/analyze", "/v1/batch", "/", "/healthz", "/v1/models", "/page.js"];
    let uri = if sel & 0x80 != 0 {
        format!("/{}", path.trim_start_matches('/'))
    } else {
        format!("{}{}", paths[sel as usize % paths.len()], if path.starts_with('?') { &path } else { "" })
    };
    let method = if sel & 0x40 != 0 { "GET" } else { "POST" };
    let Ok(mut req) = Request::builder().method(method).uri(uri.as_str()).body(Body::from(body)) else {
        return;
    };
    let host = if sel & 0x20 != 0 { "evil.example" } else { "localhost" };
    req.headers_mut().insert(header::HOST, host.parse().unwrap());
    if let Ok(v) = axum::http::HeaderValue::from_bytes(&ctype) {
        req.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    if sel & 0x10 != 0 {
        req.headers_mut().insert(header::ACCEPT, "text/html".parse().unwrap());
    }
    let app = server::app(state().clone());
    let answer = runtime().block_on(async {
        tokio::time::timeout(Duration::from_secs(30), async {
            let r = app.oneshot(req).await.unwrap();
            let (parts, body) = r.into_parts();
            let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            (parts, bytes)
        })
        .await
    });
    let (parts, bytes) = answer.expect("the handler answered within its deadline");
    assert_eq!(parts.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let ctype = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !parts.status.is_success() {
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("errors are JSON");
        assert!(v["error"]["kind"].is_string() && v["error"]["message"].is_string(), "{v}");
    } else if ctype == "application/json" {
        serde_json::from_slice::<serde_json::Value>(&bytes).expect("a JSON answer parses");
    } else if ctype == "application/x-ndjson" {
        for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            serde_json::from_slice::<serde_json::Value>(line).expect("each batch line parses");
        }
    }
});
