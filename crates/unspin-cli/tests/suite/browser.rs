//! End to end in a real browser: `unspin serve` on loopback, headless Chromium driven over the
//! DevTools protocol (a WebSocket, no driver binary), the example article pasted and submitted,
//! then the highlighted spans, the gauge, the legend toggles, the focus tooltip and the phone
//! width checked. Screenshots go to `target/page-desktop.png` and `target/page-phone.png`.
//!
//! Needs Debian's `chromium` (or `UNSPIN_CHROMIUM=/path/to/chrome`), so it is `#[ignore]`d in a
//! plain `cargo test`; `.ci/run` installs Chromium and runs it with `--ignored`.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket, stream::MaybeTlsStream};

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads stderr lines until one contains `marker`; returns that line.
fn wait_line(child: &mut Child, marker: &str) -> String {
    let err = child.stderr.take().expect("stderr piped");
    let mut r = BufReader::new(err);
    let mut line = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        line.clear();
        assert!(Instant::now() < deadline, "no {marker:?} on stderr");
        if r.read_line(&mut line).unwrap() == 0 {
            panic!("process ended before printing {marker:?}");
        }
        if line.contains(marker) {
            // Keep draining stderr so the process never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut sink = Vec::new();
                let _ = r.read_to_end(&mut sink);
            });
            return line.trim().to_string();
        }
    }
}

fn http_get(host_port: &str, path: &str) -> String {
    let mut s = TcpStream::connect(host_port).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host_port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut r = BufReader::new(s);
    let mut len = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return String::new();
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).unwrap();
    String::from_utf8_lossy(&body).into_owned()
}

struct Cdp {
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next: u64,
}

impl Cdp {
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.ws
            .send(Message::text(
                json!({"id": id, "method": method, "params": params}).to_string(),
            ))
            .unwrap();
        loop {
            let msg = self.ws.read().unwrap();
            if let Message::Text(t) = msg {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["id"] == id {
                    assert!(v.get("error").is_none(), "{method}: {v}");
                    return v["result"].clone();
                }
            }
        }
    }

    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expr}: {r}");
        r["result"]["value"].clone()
    }

    fn wait_for(&mut self, expr: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.eval(expr) != json!(true) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn screenshot(&mut self, name: &str) {
        use base64::Engine as _;
        let r = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().unwrap())
            .unwrap();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }
}

#[test]
#[ignore = "needs Chromium: .ci/run installs it and runs this with --ignored"]
fn paste_the_example_and_see_spans_gauge_legend_and_claims() {
    let chromium = std::env::var("UNSPIN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium or set UNSPIN_CHROMIUM"
    );
    let mut server = Command::new(assert_cmd::cargo::cargo_bin("unspin"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let line = wait_line(&mut server, "serving on http://");
    let _server = Kill(server);
    let base = line
        .split("serving on ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    let profile = tempfile::tempdir().unwrap();
    let mut browser = Command::new(&chromium)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--remote-debugging-port=0",
            "--window-size=1200,900",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("{base}/"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let line = wait_line(&mut browser, "DevTools listening on ws://");
    let _browser = Kill(browser);
    let host_port = line
        .split("ws://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let ws_url = {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let raw = http_get(&host_port, "/json/list");
            let list: Value = serde_json::from_str(&raw).unwrap_or(json!([]));
            if let Some(t) = list.as_array().and_then(|a| {
                a.iter().find(|t| {
                    t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.starts_with(&base))
                })
            }) {
                break t["webSocketDebuggerUrl"].as_str().unwrap().to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no page target for {base} in {raw}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let (ws, _) = tungstenite::connect(ws_url.as_str()).unwrap();
    if let MaybeTlsStream::Plain(t) = ws.get_ref() {
        // A protocol call that never answers fails the test instead of hanging it.
        t.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    }
    let mut cdp = Cdp { ws, next: 0 };
    cdp.wait_for(
        "document.readyState === 'complete' && !!document.getElementById('go')",
        "the page",
    );

    // Paste the example article and submit with the keyboard-reachable button.
    let example = include_str!("../../../../examples/harbor-bridge.txt");
    cdp.eval(&format!(
        "document.getElementById('text').value = {}; document.getElementById('text').dispatchEvent(new Event('input')); document.getElementById('go').click(); true",
        serde_json::to_string(example).unwrap()
    ));
    cdp.wait_for(
        "document.querySelectorAll('#result mark[class*=\"t-\"]').length > 0",
        "highlighted technique spans",
    );
    // The gauge, the reasons and the claims table with links to the sentences.
    assert_eq!(
        cdp.eval("!!document.querySelector('#result meter.gauge-meter')"),
        json!(true)
    );
    let p = cdp
        .eval("document.querySelector('#result meter.gauge-meter').value")
        .as_f64()
        .unwrap();
    assert!((0.0..=1.0).contains(&p));
    assert!(
        cdp.eval("document.querySelectorAll('#result ol.reasons li').length")
            .as_u64()
            .unwrap()
            >= 3
    );
    let href = cdp.eval("document.querySelector('#result ol.claims a').getAttribute('href')");
    let target = href.as_str().unwrap().to_string();
    assert!(target.starts_with("#s"), "{target}");
    assert_eq!(
        cdp.eval(&format!("!!document.getElementById('{}')", &target[1..])),
        json!(true)
    );
    assert!(
        cdp.eval("document.querySelectorAll('#result mark.src-vague').length")
            .as_u64()
            .unwrap()
            >= 1
    );

    // The legend toggles: unchecking "Loaded Language" clears that colour.
    let bg = "getComputedStyle(document.querySelector('#result mark.t-loaded-language')).backgroundColor";
    let before = cdp.eval(bg);
    assert_ne!(before, json!("rgba(0, 0, 0, 0)"));
    cdp.eval("document.querySelector('#result input[data-k=\"t-loaded-language\"]').click(); true");
    assert_eq!(cdp.eval(bg), json!("rgba(0, 0, 0, 0)"));
    cdp.eval("document.querySelector('#result input[data-k=\"t-loaded-language\"]').click(); true");
    assert_eq!(cdp.eval(bg), before);

    // Keyboard focus on a span shows its definition and evidence.
    cdp.call(
        "Input.dispatchKeyEvent",
        json!({"type": "keyDown", "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9}),
    );
    cdp.eval("document.querySelector('#result mark[class*=\"t-\"]').focus(); true");
    let tip = cdp.eval("getComputedStyle(document.querySelector('#result mark[class*=\"t-\"]'), '::after').content");
    assert!(tip.as_str().unwrap().contains("confidence"), "{tip}");
    cdp.screenshot("page-desktop.png");

    // Phone width: nothing wider than the screen.
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true}),
    );
    cdp.call(
        "Emulation.setTouchEmulationEnabled",
        json!({"enabled": true, "maxTouchPoints": 1}),
    );
    std::thread::sleep(Duration::from_millis(300));
    let overflow = cdp
        .eval("document.documentElement.scrollWidth - window.innerWidth")
        .as_f64()
        .unwrap();
    assert!(
        overflow <= 1.0,
        "the page is {overflow}px wider than a phone"
    );
    // The sentence table fits too (it used to run off the screen).
    let table = cdp
        .eval("(function(){var d=document.querySelector('#result div.table');return d.scrollWidth-d.clientWidth;})()")
        .as_f64()
        .unwrap();
    assert!(table <= 1.0, "the sentence table is {table}px too wide");

    // A tap on a technique span shows its technique and confidence (hover and keyboard focus
    // are not there on a phone).
    cdp.eval(
        "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); true",
    );
    // The middle of the first technique highlight wide enough to tap without touching its
    // neighbours (Chromium moves a tap to the nearest focusable element within the finger's
    // radius: on a short piece next to a vague-source mark, that can be the other mark).
    let at = cdp.eval(
        "(function(){var ms=document.querySelectorAll('#result mark[class*=\"t-\"]');for(var i=0;i<ms.length;i++){var m=ms[i];var r=m.getClientRects()[0];if(!r||r.width<40){continue;}m.scrollIntoView({block:'center'});r=m.getClientRects()[0];var x=r.left+r.width/2,y=r.top+r.height/2;if(document.elementFromPoint(x,y)===m){return [x,y];}}return null;})()",
    );
    let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
    for kind in ["touchStart", "touchEnd"] {
        let points = if kind == "touchEnd" {
            json!([])
        } else {
            json!([{"x": x, "y": y}])
        };
        cdp.call(
            "Input.dispatchTouchEvent",
            json!({"type": kind, "touchPoints": points}),
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    let tapped = cdp.eval(
        "(function(){var a=document.activeElement;return a && a.tagName==='MARK' ? getComputedStyle(a,'::after').content : null;})()",
    );
    let tapped = tapped.as_str().unwrap_or_default();
    assert!(
        tapped.contains("confidence 0.") && tapped.contains(" — "),
        "a tap shows the technique and its confidence: {tapped:?}"
    );
    cdp.screenshot("page-phone.png");
}
