//! The connection layer under `unspin serve`: accepting sockets, HTTP/1.1, and the limits that
//! protect the machine before a request even reaches the router.
//!
//! `axum::serve` sets no timer on hyper, so a client that opens a connection and sends its
//! headers a byte at a time (slow loris) — or sends nothing at all — holds a task and a socket
//! forever, and nothing caps how many such connections pile up. Here every connection gets
//! hyper's header-read deadline (which also covers the wait for the next request on a kept-alive
//! connection), and at most `max_connections` are open at once: one more is closed as soon as it
//! is accepted, so the listener never stops answering and memory stays bounded. Body deadlines,
//! sizes and admission are the router's business (`server`).

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Limits on connections, as opposed to requests.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// Connections open at once; one more is closed on accept.
    pub max_connections: usize,
    /// Deadline for a request's headers, counted from the end of the previous response on a
    /// kept-alive connection (so it is also the idle timeout).
    pub header_timeout: Duration,
    /// How long a write may wait for the client to read: past it the connection is closed and
    /// the answer it held is dropped (a client that never reads would otherwise hold a 47 MB
    /// answer, and a batch's worker, forever).
    pub write_timeout: Duration,
    /// After SIGTERM, how long open requests get to finish before the server stops anyway.
    pub shutdown_grace: Duration,
}

impl Default for ConnLimits {
    fn default() -> ConnLimits {
        ConnLimits {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// A socket whose writes fail with `TimedOut` once one has waited `timeout` for the client to
/// make room. Reads are left to hyper's own deadlines.
struct WriteDeadline<S> {
    inner: S,
    timeout: Duration,
    stalled: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<S> WriteDeadline<S> {
    fn new(inner: S, timeout: Duration) -> WriteDeadline<S> {
        WriteDeadline {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// The outcome of a write-side poll: progress clears the clock, waiting runs it.
    fn watch<T>(
        &mut self,
        cx: &mut std::task::Context<'_>,
        r: std::task::Poll<std::io::Result<T>>,
    ) -> std::task::Poll<std::io::Result<T>> {
        use std::task::Poll;
        match r {
            Poll::Ready(r) => {
                self.stalled = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let timeout = self.timeout;
                let sleep = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                if sleep.as_mut().poll(cx).is_ready() {
                    Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the client did not read its answer in time",
                    )))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for WriteDeadline<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let r = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, r)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let r = std::pin::Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, r)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let r = std::pin::Pin::new(&mut self.inner).poll_shutdown(cx);
        self.watch(cx, r)
    }
}

/// What is open now, for the tests.
#[cfg(test)]
#[derive(Clone)]
pub struct Gauge {
    slots: Arc<Semaphore>,
    max: usize,
}

#[cfg(test)]
impl Gauge {
    pub fn open_connections(&self) -> usize {
        self.max - self.slots.available_permits()
    }
}

/// A listener with its limits.
pub struct Server {
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    /// One permit per open connection.
    slots: Arc<Semaphore>,
}

impl Server {
    pub fn new(listener: TcpListener, app: Router, limits: ConnLimits) -> Server {
        Server {
            listener,
            app,
            slots: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            limits,
        }
    }

    #[cfg(test)]
    pub fn gauge(&self) -> Gauge {
        Gauge {
            slots: self.slots.clone(),
            max: self.limits.max_connections.max(1),
        }
    }

    /// Serves until `shutdown` resolves, then lets open requests finish (connections stop
    /// keeping alive) and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let graceful = GracefulShutdown::new();
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_timeout);
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let stream = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors and the like: back off instead of spinning.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let Ok(permit) = self.slots.clone().try_acquire_owned() else {
                drop(stream);
                continue;
            };
            let _ = stream.set_nodelay(true);
            let service = TowerToHyperService::new(self.app.clone());
            let io = WriteDeadline::new(stream, self.limits.write_timeout);
            let conn = graceful.watch(http.serve_connection(TokioIo::new(io), service));
            tokio::spawn(async move {
                let _ = conn.await;
                drop(permit);
            });
        }
        // A slow reader must not hold the process open: requests get a grace period, then the
        // server stops with whatever is still open.
        let _ = tokio::time::timeout(self.limits.shutdown_grace, graceful.shutdown()).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Real sockets on loopback: what `app()` tests cannot see.
    use super::*;
    use crate::server::{AppState, Config, app};
    use std::net::SocketAddr;
    use std::time::Instant;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    async fn start(limits: ConnLimits) -> (SocketAddr, Gauge) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(unspin::Analyzer::new(), Config::default());
        let server = Server::new(listener, app(state), limits);
        let gauge = server.gauge();
        tokio::spawn(server.run(std::future::pending()));
        (addr, gauge)
    }

    /// Waits until the server closes `s` (EOF or reset), returning what it sent before.
    async fn closed_within(s: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, s.read(&mut buf)).await {
                Err(_) => return None,
                Ok(Ok(0)) | Ok(Err(_)) => return Some(got),
                Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            }
        }
    }

    async fn healthz(addr: SocketAddr) -> String {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let got = closed_within(&mut s, Duration::from_secs(10))
            .await
            .unwrap();
        String::from_utf8_lossy(&got).into_owned()
    }

    #[tokio::test]
    async fn slow_loris_headers_are_cut_at_the_deadline() {
        let limits = ConnLimits {
            header_timeout: Duration::from_millis(600),
            ..ConnLimits::default()
        };
        let (addr, gauge) = start(limits).await;
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"POST /v1/analyze HTTP/1.1\r\nHost: t\r\n")
            .await
            .unwrap();
        let began = Instant::now();
        let (mut rd, mut wr) = s.split();
        // One header line every 100 ms, forever: the connection must still end.
        let dripping = async {
            for i in 0.. {
                if wr
                    .write_all(format!("X-{i}: y\r\n").as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        let mut buf = [0u8; 1024];
        let closed = tokio::select! {
            _ = dripping => true,
            _ = rd.read(&mut buf) => true,
            _ = tokio::time::sleep(Duration::from_secs(8)) => false,
        };
        assert!(closed, "a slow sender kept its connection for 8 s");
        let took = began.elapsed();
        assert!(
            took >= Duration::from_millis(500),
            "closed too early: {took:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(gauge.open_connections(), 0);
        assert!(healthz(addr).await.starts_with("HTTP/1.1 200"));
    }

    #[tokio::test]
    async fn idle_connections_are_capped_and_time_out() {
        let limits = ConnLimits {
            max_connections: 20,
            header_timeout: Duration::from_millis(800),
            ..ConnLimits::default()
        };
        let (addr, gauge) = start(limits).await;
        let mut conns = Vec::new();
        for _ in 0..60 {
            conns.push(TcpStream::connect(addr).await.unwrap());
        }
        // A kept-alive connection that answered once and then idles counts the same.
        let mut kept = TcpStream::connect(addr).await.unwrap();
        kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(gauge.open_connections(), 20, "the cap is not held");
        // The 40 beyond the cap (and the late kept-alive one) are closed at once, not queued.
        let mut refused = 0;
        for s in conns.iter_mut().skip(20) {
            if closed_within(s, Duration::from_millis(300)).await.is_some() {
                refused += 1;
            }
        }
        assert_eq!(refused, 40);
        // The 20 admitted ones, silent, are closed by the header deadline.
        for s in conns.iter_mut().take(20) {
            let got = closed_within(s, Duration::from_secs(5)).await;
            assert!(got.is_some(), "an idle connection outlived the deadline");
        }
        closed_within(&mut kept, Duration::from_secs(5))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(gauge.open_connections(), 0);
        // And the server still answers.
        assert!(healthz(addr).await.starts_with("HTTP/1.1 200"));
    }

    /// A request whose answer is tens of megabytes (a 1 MB article), sent on `s`.
    async fn ask_for_a_large_answer(s: &mut TcpStream) {
        let text = "The council said the bridge was safe, critics claim otherwise. ".repeat(16_000);
        let head = format!(
            "POST /v1/analyze HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
            text.len()
        );
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(text.as_bytes()).await.unwrap();
    }

    /// Waits until no connection is open, up to `secs`.
    async fn all_closed_within(gauge: &Gauge, secs: u64) -> bool {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if gauge.open_connections() == 0 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_that_never_reads_its_answer_is_cut_by_the_write_timeout() {
        let limits = ConnLimits {
            write_timeout: Duration::from_millis(500),
            ..ConnLimits::default()
        };
        let (addr, gauge) = start(limits).await;
        let mut s = TcpStream::connect(addr).await.unwrap();
        ask_for_a_large_answer(&mut s).await;
        // Never read: the server must let go of the connection and its answer.
        assert!(
            all_closed_within(&gauge, 60).await,
            "the unread answer kept its connection"
        );
        assert!(healthz(addr).await.starts_with("HTTP/1.1 200"));
        drop(s);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shutdown_does_not_wait_forever_for_a_slow_reader() {
        let limits = ConnLimits {
            write_timeout: Duration::from_secs(3600),
            shutdown_grace: Duration::from_millis(500),
            ..ConnLimits::default()
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(unspin::Analyzer::new(), Config::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(Server::new(listener, app(state), limits).run(async {
            let _ = stopped.await;
        }));
        let mut s = TcpStream::connect(addr).await.unwrap();
        ask_for_a_large_answer(&mut s).await;
        // Wait for the answer to start, then stop the server while it cannot be written.
        let mut first = [0u8; 12];
        s.read_exact(&mut first).await.unwrap();
        assert_eq!(&first, b"HTTP/1.1 200");
        stop.send(()).unwrap();
        let ended = tokio::time::timeout(Duration::from_secs(10), server).await;
        assert!(
            ended.is_ok(),
            "SIGTERM waited on a client that does not read"
        );
        drop(s);
    }

    #[tokio::test]
    async fn a_kept_alive_connection_idles_out_after_answering() {
        let limits = ConnLimits {
            header_timeout: Duration::from_millis(600),
            ..ConnLimits::default()
        };
        let (addr, _) = start(limits).await;
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .unwrap();
        let began = Instant::now();
        let got = closed_within(&mut s, Duration::from_secs(5))
            .await
            .expect("kept forever");
        assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
        assert!(began.elapsed() >= Duration::from_millis(500));
    }
}
