//! The server's handlers through `app()`, without a socket.

use super::*;
use axum::http::Request as HttpRequest;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Every route the app serves (a test holds the OpenAPI document equal to it, and each answers).
const ROUTES: &[(&str, &str)] = &[
    ("get", "/"),
    ("get", "/healthz"),
    ("get", "/openapi.json"),
    ("get", "/v1/models"),
    ("post", "/v1/analyze"),
    ("post", "/v1/batch"),
];

const EXAMPLE: &str = include_str!("../../../examples/harbor-bridge.txt");

fn state(cfg: Config) -> AppState {
    AppState::new(Analyzer::new(), cfg)
}

async fn send(app: Router, req: HttpRequest<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let r = app.oneshot(req).await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

fn post(path: &str, ctype: Option<&str>, body: impl Into<Body>) -> HttpRequest<Body> {
    let mut b = HttpRequest::post(path);
    if let Some(c) = ctype {
        b = b.header(header::CONTENT_TYPE, c);
    }
    b.body(body.into()).unwrap()
}

fn is_html(h: &HeaderMap) -> bool {
    h[header::CONTENT_TYPE]
        .to_str()
        .is_ok_and(|c| c.starts_with("text/html"))
}

fn json(b: &[u8]) -> Value {
    serde_json::from_slice(b).expect("JSON body")
}

fn error_kind(b: &[u8]) -> String {
    json(b)["error"]["kind"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn analyze_json_text_and_html_bodies() {
    let s = state(Config::default());
    let body = json!({"title": "Bridge", "text": EXAMPLE}).to_string();
    let (st, h, b) = send(
        app(s.clone()),
        post("/v1/analyze", Some("application/json"), body),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/json");
    let r = json(&b);
    assert_eq!(r["schema"], "unspin.report/1");
    assert_eq!(r["title"], "Bridge");
    assert!(!r["techniques"].as_array().unwrap().is_empty());
    assert!(r["reliability"]["p_unreliable"].as_f64().is_some());
    // The same article as a raw text body gives the same spans.
    let (st, _, b2) = send(
        app(s.clone()),
        post("/v1/analyze", Some("text/plain; charset=utf-8"), EXAMPLE),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(json(&b2)["techniques"], r["techniques"]);
    // HTML, raw.
    let page = format!(
        "<html><head><title>T</title></head><body><article><p>{}</p></article></body></html>",
        EXAMPLE.replace("\n\n", "</p><p>")
    );
    let (st, _, b3) = send(app(s.clone()), post("/v1/analyze", Some("text/html"), page)).await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&b3));
    assert_eq!(json(&b3)["source"]["format"], "html");
    // Accept: text/html gives the shared rendering as a fragment.
    let req = HttpRequest::post("/v1/analyze")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "text/html")
        .body(Body::from(json!({"text": EXAMPLE}).to_string()))
        .unwrap();
    let (st, h, b4) = send(app(s), req).await;
    assert_eq!(st, StatusCode::OK);
    assert!(is_html(&h));
    let frag = String::from_utf8(b4).unwrap();
    assert!(frag.contains("<mark class=\"t-"), "technique marks");
    assert!(frag.contains("<meter"), "the reliability gauge");
    assert!(!frag.contains("<html"), "a fragment, not a page");
}

#[tokio::test]
async fn bad_requests_get_json_errors_with_the_right_status() {
    let s = state(Config {
        max_body: 1000,
        ..Config::default()
    });
    let cases: Vec<(HttpRequest<Body>, StatusCode, &str)> = vec![
        (
            post("/v1/analyze", None, "text"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            post("/v1/analyze", Some("image/png"), "x"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            post("/v1/analyze", Some("application/json"), "{not json"),
            StatusCode::BAD_REQUEST,
            "invalid_record",
        ),
        (
            post("/v1/analyze", Some("application/json"), r#"{"text": 5}"#),
            StatusCode::BAD_REQUEST,
            "invalid_record",
        ),
        (
            post(
                "/v1/analyze",
                Some("application/json"),
                r#"{"text": "a", "html": "b"}"#,
            ),
            StatusCode::BAD_REQUEST,
            "invalid_record",
        ),
        (
            post(
                "/v1/analyze",
                Some("application/json"),
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]",
            ),
            StatusCode::BAD_REQUEST,
            "invalid_record",
        ),
        (
            post("/v1/analyze", Some("text/plain"), ""),
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty",
        ),
        (
            post(
                "/v1/analyze",
                Some("text/plain"),
                vec![b'a', 0xff, 0xfe, b'b'],
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_utf8",
        ),
        (
            post("/v1/analyze", Some("text/plain"), "x".repeat(1001)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "oversized",
        ),
        (
            HttpRequest::get("/v1/analyze").body(Body::empty()).unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            HttpRequest::get("/nope").body(Body::empty()).unwrap(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (req, want, kind) in cases {
        let uri = req.uri().clone();
        let (st, h, b) = send(app(s.clone()), req).await;
        assert_eq!(st, want, "{uri}: {}", String::from_utf8_lossy(&b));
        assert_eq!(h[header::CONTENT_TYPE], "application/json", "{uri}");
        assert_eq!(error_kind(&b), kind, "{uri}");
    }
}

#[tokio::test]
async fn a_slow_body_times_out_and_overload_is_refused_at_once() {
    let s = state(Config {
        timeout: Duration::from_millis(200),
        max_pending: 1,
        ..Config::default()
    });
    // A body that never finishes.
    let never = Body::from_stream(futures_util::stream::pending::<Result<Bytes, std::io::Error>>());
    let started = std::time::Instant::now();
    let (st, _, b) = send(
        app(s.clone()),
        post("/v1/analyze", Some("text/plain"), never),
    )
    .await;
    assert_eq!(st, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(error_kind(&b), "timeout");
    assert!(started.elapsed() < Duration::from_secs(5));
    // With the one admission slot taken, the next request is refused, not queued.
    let held = s.admitted.clone().try_acquire_owned().unwrap();
    let (st, h, b) = send(
        app(s.clone()),
        post("/v1/analyze", Some("text/plain"), EXAMPLE),
    )
    .await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(h[header::RETRY_AFTER], "1");
    assert_eq!(error_kind(&b), "overloaded");
    drop(held);
    let (st, _, _) = send(app(s), post("/v1/analyze", Some("text/plain"), EXAMPLE)).await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn batch_streams_one_line_per_input_line_in_order() {
    let s = state(Config::default());
    let input = format!(
        "{}\n{{broken\n{}\n",
        json!({"id": "a", "text": EXAMPLE}),
        json!({"id": "c", "text": "The council met on Monday. It approved the budget."})
    );
    let (st, h, b) = send(
        app(s),
        post("/v1/batch", Some("application/x-ndjson"), input),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h[header::CONTENT_TYPE], "application/x-ndjson");
    let lines: Vec<Value> = String::from_utf8(b)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[1]["error"]["line"], 2);
    assert_eq!(lines[2]["id"], "c");
}

/// `serve --max-bytes` is the analysis limit of every article (and of every batch record);
/// the body caps stay the HTTP limits.
#[tokio::test]
async fn the_analysis_size_limit_applies_to_articles_and_records() {
    let analyzer = unspin::Config {
        limits: unspin::Limits { max_bytes: 100 },
        ..unspin::Config::default()
    }
    .analyzer()
    .unwrap();
    let s = AppState::new(analyzer, Config::default());
    let (st, _, b) = send(
        app(s.clone()),
        post("/v1/analyze", Some("text/plain"), "word ".repeat(40)),
    )
    .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        json(&b)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("over the limit of 100 bytes")
    );
    let (st, _, b) = send(
        app(s.clone()),
        post("/v1/analyze", Some("text/plain"), "A short article."),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let input = format!(
        "{}\n{}\n",
        json!({"id": "big", "text": "word ".repeat(40)}),
        json!({"id": "ok", "text": "Short."})
    );
    let (_, _, b) = send(
        app(s),
        post("/v1/batch", Some("application/x-ndjson"), input),
    )
    .await;
    let lines: Vec<Value> = String::from_utf8(b)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["error"]["kind"], "oversized");
    assert_eq!(lines[1]["id"], "ok");
}

#[tokio::test]
async fn health_models_page() {
    let s = state(Config::default());
    let (st, _, b) = send(
        app(s.clone()),
        HttpRequest::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (st, json(&b)["status"].clone()),
        (StatusCode::OK, json!("ok"))
    );
    let (st, _, b) = send(
        app(s.clone()),
        HttpRequest::get("/v1/models").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let m = json(&b);
    let names: Vec<&str> = m["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert!(names.iter().any(|n| n.contains("technique")), "{names:?}");
    // Exactly the models every report lists (it once listed 3 of the 5).
    let (st, _, r) = send(
        app(s.clone()),
        post("/v1/analyze", Some("text/plain"), EXAMPLE),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(m["models"], json(&r)["models"]);
    assert_eq!(m["max_bytes"], json!(32 << 20));
    assert!(
        m["files"]["techniques"]["sha256"].as_str().unwrap().len() == 64,
        "{m}"
    );
    assert!(
        m["evaluation"]["sentences"]["clickbait"]["cv.accuracy"]
            .as_f64()
            .unwrap()
            > 0.9,
        "{m}"
    );
    let (st, h, b) = send(app(s), HttpRequest::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(is_html(&h));
    let page = String::from_utf8(b).unwrap();
    assert!(
        page.contains("<textarea") && page.contains(".t-loaded-language"),
        "form and the shared CSS"
    );
    assert!(!page.contains("/*REPORT_CSS*/"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no CDN or remote asset"
    );
}

/// The OpenAPI document lists exactly the routes the app serves, and each answers.
#[tokio::test]
async fn openapi_matches_the_handlers() {
    let doc: Value = serde_json::from_str(OPENAPI).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut listed: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            listed.push((method.clone(), path.clone()));
        }
    }
    listed.sort();
    let mut routes: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    routes.sort();
    assert_eq!(listed, routes);
    let s = state(Config::default());
    for (method, path) in &routes {
        let req = match method.as_str() {
            "get" => HttpRequest::get(path.as_str()).body(Body::empty()).unwrap(),
            _ => post(
                path,
                Some("application/json"),
                json!({"text": "The council met."}).to_string(),
            ),
        };
        let (st, _, b) = send(app(s.clone()), req).await;
        assert_eq!(
            st,
            StatusCode::OK,
            "{method} {path}: {}",
            String::from_utf8_lossy(&b)
        );
    }
    // Every $ref resolves.
    let text = OPENAPI;
    for r in text.split("\"$ref\": \"#/").skip(1) {
        let target = &r[..r.find('"').unwrap()];
        let mut v = &doc;
        for part in target.split('/') {
            v = &v[part];
        }
        assert!(!v.is_null(), "dangling $ref {target}");
    }
}

#[tokio::test]
async fn cors_is_off_by_default_and_on_for_listed_origins() {
    let preflight = || {
        HttpRequest::builder()
            .method("OPTIONS")
            .uri("/v1/analyze")
            .header(header::ORIGIN, "https://newsroom.example")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .body(Body::empty())
            .unwrap()
    };
    let (_, h, _) = send(app(state(Config::default())), preflight()).await;
    assert!(h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let s = state(Config {
        cors_origins: vec![HeaderValue::from_static("https://newsroom.example")],
        ..Config::default()
    });
    let (st, h, _) = send(app(s), preflight()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        h[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://newsroom.example"
    );
}

/// Sends `req` and gives up after `secs`: a hang fails the test instead of stalling it.
async fn send_within(
    secs: u64,
    app: Router,
    req: HttpRequest<Body>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    tokio::time::timeout(Duration::from_secs(secs), send(app, req))
        .await
        .expect("answered within the deadline")
}

#[tokio::test]
async fn waiting_for_a_worker_is_bounded_and_html_is_parsed_under_the_worker_limit() {
    let s = state(Config {
        timeout: Duration::from_millis(300),
        workers: 1,
        ..Config::default()
    });
    // Every worker busy: an HTML body is not parsed on the reactor while it waits, and the wait
    // ends in 503 with Retry-After within the deadline.
    let busy = s.workers.clone().try_acquire_owned().unwrap();
    for ctype in ["text/html", "text/plain"] {
        let body = format!("<html><body><p>{EXAMPLE}</p></body></html>");
        let (st, h, b) =
            send_within(5, app(s.clone()), post("/v1/analyze", Some(ctype), body)).await;
        assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{ctype}");
        assert_eq!(h[header::RETRY_AFTER], "1");
        assert_eq!(error_kind(&b), "overloaded");
    }
    drop(busy);
    let (st, _, _) = send_within(
        30,
        app(s.clone()),
        post("/v1/analyze", Some("text/plain"), EXAMPLE),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    // The memory budget in use by others: 503 within the deadline as well.
    let all = s.memory.available_permits() as u32;
    let taken = s.memory.clone().try_acquire_many_owned(all).unwrap();
    let (st, _, b) = send_within(
        5,
        app(s.clone()),
        post("/v1/analyze", Some("text/plain"), EXAMPLE),
    )
    .await;
    assert_eq!(
        (st, error_kind(&b).as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "overloaded")
    );
    drop(taken);
}

#[tokio::test]
async fn a_batch_nobody_reads_does_not_starve_single_requests() {
    let s = state(Config {
        workers: 1,
        timeout: Duration::from_secs(20),
        ..Config::default()
    });
    let input: String = (0..60)
        .map(|i| json!({"id": format!("r{i}"), "text": EXAMPLE}).to_string() + "\n")
        .collect();
    // Two batches whose answers are never read.
    let mut held = Vec::new();
    for _ in 0..2 {
        let r = app(s.clone())
            .oneshot(post(
                "/v1/batch",
                Some("application/x-ndjson"),
                input.clone(),
            ))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        held.push(r);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A single request gets the worker between their chunks.
    let (st, _, _) = send_within(
        15,
        app(s.clone()),
        post("/v1/analyze", Some("text/plain"), EXAMPLE),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    // And a batch read to the end still has every record, in order.
    let body = held
        .pop()
        .unwrap()
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes();
    let ids: Vec<String> = String::from_utf8(body.to_vec())
        .unwrap()
        .lines()
        .map(|l| json(l.as_bytes())["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, (0..60).map(|i| format!("r{i}")).collect::<Vec<_>>());
}

#[tokio::test]
async fn records_past_the_batch_deadline_get_timeout_error_records() {
    let s = state(Config {
        batch_timeout: Duration::from_millis(1),
        ..Config::default()
    });
    let input: String = (0..30)
        .map(|i| json!({"id": i, "text": EXAMPLE}).to_string() + "\n")
        .collect();
    let (st, _, b) = send_within(
        30,
        app(s),
        post("/v1/batch", Some("application/x-ndjson"), input),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let lines: Vec<Value> = String::from_utf8(b)
        .unwrap()
        .lines()
        .map(|l| json(l.as_bytes()))
        .collect();
    assert_eq!(lines.len(), 30, "one line per record, deadline or not");
    let last = &lines[29];
    assert_eq!(last["error"]["kind"], "timeout", "{last}");
    assert_eq!(last["id"], "29");
    assert_eq!(last["error"]["line"], 30);
}

#[tokio::test]
async fn host_header_is_checked_and_every_answer_is_nosniff() {
    let s = state(Config {
        allowed_hosts: Some(vec!["127.0.0.1".into(), "localhost".into()]),
        ..Config::default()
    });
    let get = |host: &str, path: &str| {
        HttpRequest::get(path)
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap()
    };
    // A rebound DNS name reaches the loopback server with its own name in Host.
    let (st, h, b) = send(app(s.clone()), get("attacker.example:8080", "/healthz")).await;
    assert_eq!(st, StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(error_kind(&b), "bad_host");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    for host in ["localhost:8080", "127.0.0.1", "LOCALHOST:1"] {
        let (st, _, _) = send(app(s.clone()), get(host, "/healthz")).await;
        assert_eq!(st, StatusCode::OK, "{host}");
    }
    assert!(host_allowed("[::1]:80", &["[::1]".into()]));
    assert!(!host_allowed(
        "localhost.attacker.example",
        &["localhost".into()]
    ));
    // nosniff on everything; the page's CSP forbids inline script and framing; its script is a
    // file; an HTML answer from the API carries a CSP that runs nothing.
    for path in ["/", "/page.js", "/healthz", "/v1/models", "/nope"] {
        let (_, h, _) = send(app(s.clone()), get("localhost", path)).await;
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
    }
    let (_, h, page) = send(app(s.clone()), get("localhost", "/")).await;
    let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(
        !csp.contains("script-src 'self' 'unsafe-inline'")
            && !csp.contains("script-src 'unsafe-inline'")
    );
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("<script src=\"/page.js\"></script>"));
    assert!(
        !page.contains("<script>"),
        "no inline script left in the page"
    );
    let (st, h, js) = send(app(s.clone()), get("localhost", "/page.js")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(String::from_utf8(js).unwrap().contains("/v1/analyze"));
    let mut req = post("/v1/analyze", Some("text/plain"), EXAMPLE);
    req.headers_mut()
        .insert(header::ACCEPT, HeaderValue::from_static("text/html"));
    req.headers_mut()
        .insert(header::HOST, HeaderValue::from_static("localhost"));
    let (st, h, _) = send(app(s), req).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[tokio::test]
async fn a_declared_oversized_body_is_refused_before_it_is_read() {
    // `Expect: 100-continue` with a 500 MB Content-Length: refused from the headers, so no
    // `100 Continue` invites the body (a body that never comes shows nothing is read).
    let s = state(Config::default());
    for path in ["/v1/analyze", "/v1/batch"] {
        let never =
            Body::from_stream(futures_util::stream::pending::<Result<Bytes, std::io::Error>>());
        let mut req = post(path, Some("text/plain"), never);
        req.headers_mut().insert(
            header::CONTENT_LENGTH,
            HeaderValue::from_static("500000000"),
        );
        req.headers_mut()
            .insert(header::EXPECT, HeaderValue::from_static("100-continue"));
        let (st, _, b) = send_within(5, app(s.clone()), req).await;
        assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(error_kind(&b), "oversized");
    }
}

fn model_names(report: &Value) -> Vec<String> {
    report["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_request_picks_a_tier_the_server_has_and_is_told_which_it_has_not() {
    let s = state(Config::default());
    let (_, _, b) = send(
        app(s.clone()),
        HttpRequest::get("/v1/models").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(json(&b)["tiers"], json!(["fast"]));
    let (st, _, b) = send(
        app(s.clone()),
        post("/v1/analyze?tier=fast", Some("text/plain"), EXAMPLE),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(model_names(&json(&b)).contains(&"techniques".to_string()));
    let (st, _, b) = send(
        app(s.clone()),
        post("/v1/analyze?tier=accurate", Some("text/plain"), EXAMPLE),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(error_kind(&b), "bad_query");
    let msg = json(&b)["error"]["message"].as_str().unwrap().to_string();
    assert!(msg.contains("fast tier only"), "{msg}");
    let (st, _, b) = send(
        app(s),
        post(
            "/v1/analyze?min_confidence=0.5&tier=slow",
            Some("text/plain"),
            EXAMPLE,
        ),
    )
    .await;
    assert_eq!(
        (st, error_kind(&b)),
        (StatusCode::BAD_REQUEST, "bad_query".into())
    );
}

/// A server given both tiers (as `unspin serve` in a build with the accurate feature) answers
/// each request with the tier it asks for, the first by default.
#[cfg(feature = "accurate")]
#[tokio::test]
async fn a_server_with_both_tiers_answers_each_request_with_its_tier() {
    let accurate = unspin::Config {
        tier: unspin::Tier::Accurate,
        ..unspin::Config::default()
    }
    .analyzer()
    .unwrap();
    let s = state(Config::default()).with_other_tier(accurate);
    let (_, _, b) = send(
        app(s.clone()),
        HttpRequest::get("/v1/models").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(json(&b)["tiers"], json!(["fast", "accurate"]));
    for (query, want, not) in [
        ("", "techniques", "techniques-accurate"),
        ("?tier=fast", "techniques", "techniques-accurate"),
        ("?tier=accurate", "techniques-accurate", "no such model"),
    ] {
        let (st, _, b) = send(
            app(s.clone()),
            post(&format!("/v1/analyze{query}"), Some("text/plain"), EXAMPLE),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{query}");
        let names = model_names(&json(&b));
        assert!(names.contains(&want.to_string()), "{query}: {names:?}");
        assert!(!names.contains(&not.to_string()), "{query}: {names:?}");
    }
}
