//! A tiny HTTP/1.1 proxy on 127.0.0.1 in front of a mock: it delays every response by a fixed
//! time and counts the requests the server is working on at once, so that a test can check
//! how many pages a client fetches concurrently by counting, not by timing.
//!
//! Each request is read whole (head and `Content-Length` body), counted as in flight, held
//! (the delay, and optionally until a number of requests are in flight at once), forwarded to
//! the mock with `Connection: close`, and the mock's response is sent back unchanged (so the
//! client opens one connection per request). A request counts as in flight from when it was
//! read until just before its response is written: never longer than the client waits for it,
//! so the highest count is never above the client's own concurrency.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Default)]
struct Stats {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    requests: AtomicUsize,
    gate_open: AtomicBool,
}

/// The proxy; it runs until dropped (its accept loop is a task that ends with the runtime).
#[derive(Debug, Clone)]
pub struct CountingProxy {
    addr: std::net::SocketAddr,
    upstream: std::net::SocketAddr,
    stats: Arc<Stats>,
}

/// How long a gated response waits at most for the others (so a client that never reaches
/// the gate's count is not stuck; it then shows a lower highest count).
pub const GATE_TIMEOUT: Duration = Duration::from_secs(3);

impl CountingProxy {
    /// Start a proxy to the server at `upstream` (a URL such as the mock's `uri()`), holding
    /// every response `delay`.
    pub async fn start(upstream: &str, delay: Duration) -> std::io::Result<Self> {
        Self::start_gated(upstream, delay, None).await
    }

    /// Like [`CountingProxy::start`], and until `gate` requests have been in flight at once
    /// (once, for the first time), responses after the first also wait for it (at most
    /// [`GATE_TIMEOUT`]): a client that sends `gate` requests at once is then seen doing so
    /// whatever the timing.
    pub async fn start_gated(
        upstream: &str,
        delay: Duration,
        gate: Option<usize>,
    ) -> std::io::Result<Self> {
        let url = url::Url::parse(upstream)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let upstream = url
            .socket_addrs(|| None)?
            .into_iter()
            .next()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address"))?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(Stats::default());
        let s = stats.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = serve(conn, upstream, delay, gate, s).await;
                });
            }
        });
        Ok(CountingProxy {
            addr,
            upstream,
            stats,
        })
    }

    /// `url` (a URL of the mock) with the proxy's address instead of the mock's.
    pub fn url_for(&self, url: &str) -> String {
        url.replace(&self.upstream.to_string(), &self.addr.to_string())
    }

    /// The most requests the proxy held at once.
    pub fn max_in_flight(&self) -> usize {
        self.stats.max_in_flight.load(Ordering::SeqCst)
    }

    /// Requests received.
    pub fn requests(&self) -> usize {
        self.stats.requests.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut conn: TcpStream,
    upstream: std::net::SocketAddr,
    delay: Duration,
    gate: Option<usize>,
    stats: Arc<Stats>,
) -> std::io::Result<()> {
    // Read the head, then the body by Content-Length.
    let Some((head, body)) = crate::hostile::read_http_request(&mut conn, &mut Vec::new()).await
    else {
        return Ok(());
    };
    let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    stats.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let nth = stats.requests.fetch_add(1, Ordering::SeqCst) + 1;
    // The first request (a listing's first page, always read alone) is never held.
    if let Some(n) = gate.filter(|_| nth > 1) {
        let deadline = Instant::now() + GATE_TIMEOUT;
        while !stats.gate_open.load(Ordering::SeqCst) && Instant::now() < deadline {
            if stats.in_flight.load(Ordering::SeqCst) >= n {
                stats.gate_open.store(true, Ordering::SeqCst);
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    tokio::time::sleep(delay).await;
    // Forward with Connection: close and read the whole answer.
    let mut out = Vec::with_capacity(head.len() + body.len() + 32);
    for line in head[..head.len() - 2]
        .split("\r\n")
        .filter(|l| !l.is_empty())
    {
        if line
            .split_once(':')
            .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("connection"))
        {
            continue;
        }
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(&body);
    let answer = async {
        let mut up = TcpStream::connect(upstream).await?;
        up.write_all(&out).await?;
        let mut answer = Vec::new();
        up.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    }
    .await;
    stats.in_flight.fetch_sub(1, Ordering::SeqCst);
    let answer = answer?;
    conn.write_all(&answer).await?;
    conn.shutdown().await
}
