//! Hostile-server helpers for integrators' tests: a [`HostileServer`] that answers every
//! request with one misbehaviour ([`Behaviour`]: a body that trickles in, a server that never
//! answers, a huge, deeply nested or gzip-bomb body, an echo of the request's credentials,
//! endless pages, raw bytes), a [`Catcher`] that stands in for "another origin" and records
//! whatever reaches it, and [`leaks`] to check outputs for secrets (as sent, or encoded the
//! ways a server may echo them).
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use evsessions_testkit::hostile::{leaks, Catcher};
//! let catcher = Catcher::start().await;
//! assert!(catcher.received().await.is_empty());
//! assert_eq!(leaks("error: refused", &["SECRET"]), Vec::<String>::new());
//! # });
//! ```

use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server on another origin (its own port on 127.0.0.1) that answers `200 {}` to anything
/// and records every request, so a test can prove that nothing was sent there.
#[derive(Debug)]
pub struct Catcher {
    server: MockServer,
}

/// One request a [`Catcher`] received: method, path and query, and every header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caught {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query as received.
    pub target: String,
    /// Every header as `name: value`.
    pub headers: Vec<String>,
    /// The body, lossily as text.
    pub body: String,
}

impl Catcher {
    /// Start the catcher.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(b"{}".to_vec(), "application/json"),
            )
            .mount(&server)
            .await;
        Catcher { server }
    }

    /// Its origin, `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A URL on the catcher that carries `secret` in its path and query, for a redirect's
    /// `Location` (so that a client that names the whole URL in an error is caught too).
    pub fn trap_url(&self, secret: &str) -> String {
        format!("{}/steal/{secret}?token={secret}", self.server.uri())
    }

    /// Every request received so far.
    pub async fn received(&self) -> Vec<Caught> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|r| Caught {
                method: r.method.to_string(),
                target: match r.url.query() {
                    Some(q) => format!("{}?{q}", r.url.path()),
                    None => r.url.path().to_string(),
                },
                headers: r
                    .headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v.as_bytes())))
                    .collect(),
                body: String::from_utf8_lossy(&r.body).into_owned(),
            })
            .collect()
    }
}

/// The `secrets` (non-empty ones) that occur in `text`, as given or in any of the forms a
/// server may echo them in ([`secret_forms`]: form- or percent-encoded, JSON-escaped).
///
/// ```
/// use evsessions_testkit::hostile::leaks;
/// assert_eq!(leaks("key=abc", &["abc", "xyz", ""]), vec!["abc".to_string()]);
/// // A password grant's form, echoed back: still the password.
/// assert_eq!(leaks("password=p%40ss+w0rd", &["p@ss w0rd"]), vec!["p@ss w0rd".to_string()]);
/// ```
pub fn leaks(text: &str, secrets: &[&str]) -> Vec<String> {
    secrets
        .iter()
        .filter(|s| !s.is_empty() && secret_forms(s).iter().any(|f| text.contains(f.as_str())))
        .map(|s| s.to_string())
        .collect()
}

/// The forms a secret may be echoed in (core's, the ones its masking covers).
pub use evsessions_core::error::secret_forms;

// ---------------------------------------------------------------------------------------------
// HostileServer: a raw HTTP/1.1 server that misbehaves on purpose.
// ---------------------------------------------------------------------------------------------

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What a [`HostileServer`] answers to every request it receives.
///
/// Each behaviour names what a client of this workspace does with it (see `docs/testkit.md`,
/// "Hostile servers"): every one ends in an `Error`, within the client's
/// `HttpConfig::timeout` and `HttpConfig::max_body_bytes`, without a panic and without a
/// secret in the error's text.
///
/// ```
/// use std::time::Duration;
/// use evsessions_testkit::hostile::Behaviour;
/// let b = Behaviour::Trickle { every: Duration::from_millis(50) };
/// assert!(format!("{b:?}").starts_with("Trickle"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Behaviour {
    /// A `200` (`application/json`, chunked) whose body starts `{"items": [` and then sends
    /// one space every `every`, for as long as the client listens. The client's total
    /// timeout (`HttpConfig::timeout`, CLI `--timeout`) ends it: `Error::Timeout`.
    Trickle {
        /// The pause between two bytes.
        every: Duration,
    },
    /// Reads the request and never answers (the connection stays open until the client
    /// gives up): `Error::Timeout`.
    Stall,
    /// A `200` (`application/json`, chunked, no `Content-Length`, so the client cannot refuse
    /// it from the headers) of `bytes` bytes: `{"items":[{"id":"` then `x`… and a valid end,
    /// streamed in 64 KiB chunks and never held in memory. Past
    /// `HttpConfig::max_body_bytes` the client stops reading: `Error::Transport` ("larger than
    /// the N-byte cap").
    Huge {
        /// The whole body's length.
        bytes: u64,
    },
    /// A `200` JSON object whose values under the keys the vendors read (`items`, `payload`,
    /// `access_token`, `NabijeciBodTransakces`, `data`) are arrays nested `depth` deep
    /// (serde_json stops at 128): an `Error::Decode` of the page, the record or the token
    /// response, never a stack overflow, a hang or a silent empty page.
    Deep {
        /// How many arrays are nested.
        depth: usize,
    },
    /// A `200` with `Content-Encoding: gzip` and a small, valid gzip body (see [`gzip_bomb`])
    /// that would inflate to `expands_to` spaces. The workspace's `reqwest` is built without
    /// decompression and never sends `Accept-Encoding`: the client reads the compressed bytes
    /// as they are (bounded by `max_body_bytes`), and they are not JSON: `Error::Decode`.
    CompressionBomb {
        /// The size the body would inflate to.
        expands_to: u64,
    },
    /// Answers `status` with the whole request as its `text/plain` body: the request's body
    /// first (a password grant's form, a JSON query), then the request line and every header
    /// (`x-api-key`, `Authorization`): a server that echoes credentials, as sent or encoded.
    /// The client's error must show none of them (and a client that shortens server text
    /// still meets the body).
    EchoRequest {
        /// The status to answer (200, 400, 401, 500, …).
        status: u16,
    },
    /// Answers the `n`-th request (1-based) with `200` and the JSON text `page(request, n)`: a server
    /// that pages forever in a vendor's own format (see [`emabler_endless_page`] and
    /// [`ru_csms_endless_page`]).
    Pages {
        /// The body for the `n`-th request (which is given, to read its path or page number).
        page: fn(&HostileRequest, u64) -> String,
    },
    /// These exact bytes as the whole response (status line, headers and body), then the
    /// connection is closed: invalid UTF-8, broken headers, anything a test needs.
    Raw {
        /// The response bytes.
        response: Vec<u8>,
    },
}

/// One request a [`HostileServer`] received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostileRequest {
    /// The request line and headers, as received (lossily as text).
    pub head: String,
    /// The body (by `Content-Length`, at most 1 MiB kept).
    pub body: Vec<u8>,
}

/// A raw HTTP/1.1 server on `127.0.0.1` (its own port) that answers every request with one
/// [`Behaviour`] and records what it received. Dropping it stops it and every connection.
///
/// Point any vendor client (or the CLI's `--base-url`) at [`HostileServer::uri`]; every
/// path answers the same way, the token endpoint of Smappee included.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use evsessions_testkit::hostile::{Behaviour, HostileServer};
/// let server = HostileServer::start(Behaviour::Deep { depth: 1000 }).await;
/// assert!(server.uri().starts_with("http://127.0.0.1:"));
/// assert_eq!(server.requests(), 0);
/// # });
/// ```
#[derive(Debug)]
pub struct HostileServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug, Default)]
struct State {
    requests: AtomicU64,
    bytes_sent: AtomicU64,
    received: Mutex<Vec<HostileRequest>>,
}

/// The largest request head read; a longer one ends the connection.
const MAX_HEAD: usize = 64 * 1024;
/// The largest request body kept.
const MAX_BODY_KEPT: usize = 1024 * 1024;

impl HostileServer {
    /// Start the server on `127.0.0.1:0`.
    ///
    /// Panics (a test setup failure) if no local port can be bound.
    pub async fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("HostileServer: cannot bind 127.0.0.1:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("HostileServer: no local address: {e}"));
        let state = Arc::new(State::default());
        // A body that costs time to build is built once, before the first request.
        let prepared = match &behaviour {
            Behaviour::CompressionBomb { expands_to } => Some(Arc::new(gzip_bomb(*expands_to))),
            _ => None,
        };
        let behaviour = Arc::new(behaviour);
        let st = state.clone();
        let task = tokio::spawn(async move {
            // Connections live in the set: aborting this task drops it and ends them all.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        if let Ok((stream, _)) = accepted {
                            connections.spawn(serve(stream, behaviour.clone(), prepared.clone(), st.clone()));
                        }
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        HostileServer { addr, state, task }
    }

    /// Its origin, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received so far (a request counts once its head was read).
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Response bytes written so far (all connections; what the client took, give or take
    /// the sockets' buffers).
    pub fn bytes_sent(&self) -> u64 {
        self.state.bytes_sent.load(Ordering::SeqCst)
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<HostileRequest> {
        self.state
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serve one connection: read a request, answer it, and again while the behaviour lets the
/// connection live (keep-alive), until the client hangs up.
async fn serve(
    mut stream: TcpStream,
    behaviour: Arc<Behaviour>,
    prepared: Option<Arc<Vec<u8>>>,
    state: Arc<State>,
) {
    let mut pending = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut pending).await else {
            return;
        };
        let n = state.requests.fetch_add(1, Ordering::SeqCst) + 1;
        if let Ok(mut r) = state.received.lock() {
            r.push(request.clone());
        }
        let mut out = Counted {
            stream: &mut stream,
            state: &state,
        };
        let body = prepared.as_deref().map(Vec::as_slice);
        if answer(&mut out, &behaviour, body, &request, n)
            .await
            .is_err()
        {
            return;
        }
        if matches!(*behaviour, Behaviour::Raw { .. }) {
            return;
        }
    }
}

/// A stream that counts what is written to it.
struct Counted<'a> {
    stream: &'a mut TcpStream,
    state: &'a State,
}

impl Counted<'_> {
    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.state
            .bytes_sent
            .fetch_add(bytes.len() as u64, Ordering::SeqCst);
        Ok(())
    }
    async fn chunk(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let mut framed = format!("{:x}\r\n", bytes.len()).into_bytes();
        framed.extend_from_slice(bytes);
        framed.extend_from_slice(b"\r\n");
        self.write(&framed).await
    }
}

/// Read one request (head, then a `Content-Length` body); `None` when the client hung up or
/// sent something that is not a request.
async fn read_request(stream: &mut TcpStream, pending: &mut Vec<u8>) -> Option<HostileRequest> {
    let (head, body) = read_http_request(stream, pending).await?;
    Some(HostileRequest {
        head,
        body: body.into_iter().take(MAX_BODY_KEPT).collect(),
    })
}

/// Read one HTTP/1.1 request from `stream`: its head (through the blank line) and its
/// `Content-Length` body, whole. Bytes read past it stay in `pending` (the next request on a
/// kept-alive connection). `None` when the client hung up, on a read error, or on a head
/// longer than 64 KiB. The testkit's raw servers ([`HostileServer`], the counting proxy)
/// share it.
pub(crate) async fn read_http_request(
    stream: &mut TcpStream,
    pending: &mut Vec<u8>,
) -> Option<(String, Vec<u8>)> {
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if pending.len() > MAX_HEAD {
            return None;
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        pending.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&pending[..head_end]).into_owned();
    pending.drain(..head_end);
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while pending.len() < length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        pending.extend_from_slice(&buf[..n]);
    }
    Some((head, pending.drain(..length).collect()))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

async fn answer(
    out: &mut Counted<'_>,
    behaviour: &Behaviour,
    prepared: Option<&[u8]>,
    request: &HostileRequest,
    n: u64,
) -> std::io::Result<()> {
    const CHUNKED_JSON: &[u8] =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
    let fixed = |status: u16, ctype: &str, extra: &str, body: &[u8]| {
        let mut r = format!(
            "HTTP/1.1 {status} {}\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\n{extra}\r\n",
            reason(status),
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    };
    match behaviour {
        Behaviour::Trickle { every } => {
            out.write(CHUNKED_JSON).await?;
            out.chunk(br#"{"items": ["#).await?;
            loop {
                tokio::time::sleep(*every).await;
                out.chunk(b" ").await?;
            }
        }
        Behaviour::Stall => {
            // Hold the connection until the client hangs up (or the server is dropped).
            let mut sink = [0u8; 1024];
            while out.stream.read(&mut sink).await.is_ok_and(|n| n > 0) {}
            Err(std::io::ErrorKind::ConnectionAborted.into())
        }
        Behaviour::Huge { bytes } => {
            const PREFIX: &[u8] = br#"{"items":[{"id":""#;
            const SUFFIX: &[u8] = br#""}]}"#;
            const CHUNK: usize = 64 * 1024;
            out.write(CHUNKED_JSON).await?;
            let fill = bytes.saturating_sub((PREFIX.len() + SUFFIX.len()) as u64);
            out.chunk(PREFIX).await?;
            let block = vec![b'x'; CHUNK];
            let mut left = fill;
            while left > 0 {
                let k = left.min(CHUNK as u64) as usize;
                out.chunk(&block[..k]).await?;
                left -= k as u64;
            }
            out.chunk(SUFFIX).await?;
            out.write(b"0\r\n\r\n").await
        }
        Behaviour::Deep { depth } => {
            const KEYS: [&str; 5] = [
                "items",
                "payload",
                "access_token",
                "NabijeciBodTransakces",
                "data",
            ];
            let mut body = Vec::with_capacity(KEYS.len() * (depth * 2 + 30));
            for (i, key) in KEYS.iter().enumerate() {
                body.push(if i == 0 { b'{' } else { b',' });
                body.extend_from_slice(format!("{key:?}:").as_bytes());
                body.extend(std::iter::repeat_n(b'[', *depth));
                body.extend(std::iter::repeat_n(b']', *depth));
            }
            body.push(b'}');
            out.write(&fixed(200, "application/json", "", &body)).await
        }
        Behaviour::CompressionBomb { .. } => {
            let body = prepared.unwrap_or_default();
            out.write(&fixed(
                200,
                "application/json",
                "content-encoding: gzip\r\n",
                body,
            ))
            .await
        }
        Behaviour::EchoRequest { status } => {
            let mut body = request.body.clone();
            body.extend_from_slice(b"\r\n\r\n");
            body.extend_from_slice(request.head.as_bytes());
            out.write(&fixed(*status, "text/plain", "", &body)).await
        }
        Behaviour::Pages { page } => {
            out.write(&fixed(
                200,
                "application/json",
                "",
                page(request, n).as_bytes(),
            ))
            .await
        }
        Behaviour::Raw { response } => {
            out.write(response).await?;
            out.stream.shutdown().await
        }
    }
}

/// A gzip member (RFC 1952) of a few bytes per 258 that inflates to `expands_to` spaces
/// (rounded down to `1 + 258·k`): one fixed-Huffman deflate block of a literal space and
/// back-references of length 258 at distance 1, with the right CRC-32 and size in its trailer
/// (`ISIZE` is the size modulo 2^32, as the format says). About 1/158 of what it expands to:
/// 1 MiB of it is 166 MiB of spaces. Built by hand, no compression library needed.
///
/// ```
/// let bomb = evsessions_testkit::hostile::gzip_bomb(1 + 258 * 1000);
/// assert_eq!(&bomb[..3], &[0x1f, 0x8b, 8]);
/// assert!(bomb.len() < 1 + 258 * 1000 / 150);
/// ```
pub fn gzip_bomb(expands_to: u64) -> Vec<u8> {
    let matches = expands_to.saturating_sub(1) / 258;
    let size = 1 + matches * 258;
    let mut bits = BitWriter::default();
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE 01: fixed Huffman
    bits.huffman(0x30 + u32::from(b' '), 8); // literal ' ' (0..=143: 8 bits from 0x30)
    for _ in 0..matches {
        bits.huffman(0b1100_0101, 8); // length code 285: 258
        bits.huffman(0, 5); // distance code 0: 1
    }
    bits.huffman(0, 7); // end of block (256)
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(bits.finish());
    out.extend_from_slice(&crc32_of_run(b' ', size).to_le_bytes());
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out
}

#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    /// `count` bits of `value`, least significant first (deflate's order for header bits).
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// A Huffman code of `len` bits, most significant first (deflate's order for codes).
    fn huffman(&mut self, code: u32, len: u32) {
        let reversed = code.reverse_bits() >> (32 - len);
        self.put(reversed, len);
    }
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// CRC-32 (IEEE) of `byte` repeated `count` times, in O(log count): runs are doubled with
/// zlib's `crc32_combine` (GF(2) matrices), so a gigabyte costs nothing.
fn crc32_of_run(byte: u8, count: u64) -> u32 {
    let mut result = 0u32; // CRC of the empty run
    let mut block = crc32(&[byte]);
    let mut block_len = 1u64;
    let mut left = count;
    while left > 0 {
        if left & 1 == 1 {
            result = crc32_combine(result, block, block_len);
        }
        left >>= 1;
        if left > 0 {
            block = crc32_combine(block, block, block_len);
            block_len *= 2;
        }
    }
    result
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn gf2_times(mat: &[u32; 32], mut vec: u32) -> u32 {
    let mut sum = 0;
    let mut i = 0;
    while vec != 0 {
        if vec & 1 == 1 {
            sum ^= mat[i];
        }
        vec >>= 1;
        i += 1;
    }
    sum
}

fn gf2_square(mat: &[u32; 32]) -> [u32; 32] {
    let mut sq = [0u32; 32];
    for (n, row) in sq.iter_mut().enumerate() {
        *row = gf2_times(mat, mat[n]);
    }
    sq
}

/// The CRC of `A‖B` from `crc(A)`, `crc(B)` and `len(B)` (zlib's `crc32_combine`).
fn crc32_combine(crc1: u32, crc2: u32, mut len2: u64) -> u32 {
    if len2 == 0 {
        return crc1;
    }
    let mut odd = [0u32; 32];
    odd[0] = 0xedb8_8320;
    let mut row = 1u32;
    for slot in odd.iter_mut().skip(1) {
        *slot = row;
        row <<= 1;
    }
    let mut even = gf2_square(&odd); // 2 zero bits
    odd = gf2_square(&even); // 4 zero bits
    let mut crc1 = crc1;
    loop {
        even = gf2_square(&odd);
        if len2 & 1 == 1 {
            crc1 = gf2_times(&even, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
        odd = gf2_square(&even);
        if len2 & 1 == 1 {
            crc1 = gf2_times(&odd, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
    }
    crc1 ^ crc2
}

/// The request's query parameter `key` as a number.
fn query_number(request: &HostileRequest, key: &str) -> Option<u64> {
    let target = request.head.lines().next()?.split(' ').nth(1)?;
    let (_, query) = target.split_once('?')?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.parse().ok())
}

/// For [`Behaviour::Pages`]: an eMabler API that invents records forever. The ongoing list
/// (`GET …/ongoing-transactions`) is empty; every `POST …/v2/transactions` page holds the
/// `limit` asked of new finished records, says `hasNextPage: true` and states a total that
/// grows by a page with each request (the first states 2 pages). The client stops a few
/// pages past the first stated total, with a warning.
///
/// ```
/// use evsessions_testkit::hostile::{emabler_endless_page, HostileRequest};
/// let req = HostileRequest { head: "POST /v2/transactions HTTP/1.1\r\n\r\n".into(), body: br#"{"page":3,"limit":2}"#.to_vec() };
/// let page: serde_json::Value = serde_json::from_str(&emabler_endless_page(&req, 3)).unwrap();
/// assert_eq!(page["hasNextPage"], true);
/// assert_eq!(page["items"][0]["id"], 1_000_004);
/// ```
pub fn emabler_endless_page(request: &HostileRequest, n: u64) -> String {
    if request.head.starts_with("GET") {
        let limit = query_number(request, "limit").unwrap_or(50);
        return serde_json::json!({"page": 1, "limit": limit, "totalRecords": 0,
            "hasNextPage": false, "items": []})
        .to_string();
    }
    let asked: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
    let page = asked["page"].as_u64().unwrap_or(1).max(1);
    let limit = asked["limit"].as_u64().unwrap_or(50).clamp(1, 1000);
    let items: Vec<serde_json::Value> = ((page - 1) * limit..page * limit)
        .map(|i| {
            serde_json::json!({"id": 1_000_000 + i, "chargerId": "C1",
                "evseTransactionId": format!("e{i}"),
                "timestampStart": "2025-01-01T08:00:00Z",
                "timestampEnd": "2025-01-01T09:00:00Z"})
        })
        .collect();
    serde_json::json!({"page": page, "limit": limit, "totalRecords": (n + 1) * limit,
        "hasNextPage": true, "items": items})
    .to_string()
}

/// For [`Behaviour::Pages`]: an RU CSMS session list that invents records forever: every
/// page holds `per_page` new sessions and states a total that grows by a page with each
/// request (the first states 2 pages). The client stops a few pages past the first stated
/// total, with a warning.
///
/// ```
/// use evsessions_testkit::hostile::{ru_csms_endless_page, HostileRequest};
/// let req = HostileRequest { head: "GET /s?page=2&per_page=3 HTTP/1.1\r\n\r\n".into(), body: vec![] };
/// let page: serde_json::Value = serde_json::from_str(&ru_csms_endless_page(&req, 2)).unwrap();
/// assert_eq!(page["payload"]["items"][0]["id"], "s3");
/// assert_eq!(page["payload"]["total"], 9);
/// ```
pub fn ru_csms_endless_page(request: &HostileRequest, n: u64) -> String {
    let page = query_number(request, "page").unwrap_or(1).max(1);
    let per_page = query_number(request, "per_page")
        .unwrap_or(20)
        .clamp(1, 1000);
    let items: Vec<serde_json::Value> = ((page - 1) * per_page..page * per_page)
        .map(|i| serde_json::json!({"id": format!("s{i}"), "kwh": 1.5}))
        .collect();
    serde_json::json!({
        "meta": {"status_code": 200, "status_name": "OK"},
        "payload": {"items": items, "total": (n + 1) * per_page, "per_page": per_page, "page": page}
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_a_run_matches_the_plain_crc() {
        for n in [0u64, 1, 2, 3, 7, 258, 1000, 4097] {
            assert_eq!(crc32_of_run(b' ', n), crc32(&vec![b' '; n as usize]), "{n}");
        }
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn the_bomb_is_small_and_well_formed() {
        let bomb = gzip_bomb(1 + 258 * 8);
        // header 10; 3 + 8 + 8·13 + 7 bits = 122 bits = 16 bytes; trailer 8.
        assert_eq!(bomb.len(), 10 + 16 + 8);
        assert_eq!(&bomb[bomb.len() - 4..], &(1u32 + 258 * 8).to_le_bytes());
        // Checked once against Python's gzip.decompress: gzip_bomb(10_000_000) (63,004 bytes)
        // inflates to 9,999,823 spaces with a matching CRC.
        assert_eq!(gzip_bomb(10_000_000).len(), 63_004);
    }
}
