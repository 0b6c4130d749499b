//! `evsessions sessions`: stream one vendor's sessions into the chosen format.

use std::io::Write;
use std::time::Duration;

use evsessions_core::{Error, HttpConfig, RetryConfig, SessionQuery, SessionSource, SessionWriter};
use futures::StreamExt;

use crate::SessionsArgs;

/// Success.
pub const EXIT_OK: u8 = 0;
/// Usage or configuration.
pub const EXIT_CONFIG: u8 = 2;
/// Authentication or permission.
pub const EXIT_AUTH: u8 = 3;
/// API or network, after retries.
pub const EXIT_API: u8 = 4;
/// A record or page could not be decoded.
pub const EXIT_DECODE: u8 = 5;
/// The output could not be written (disk full, no permission, a device error).
pub const EXIT_OUTPUT: u8 = 6;

/// The exit code an error calls for.
pub fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Config { .. } | Error::UnsupportedQuery { .. } => EXIT_CONFIG,
        Error::Unauthenticated { .. } | Error::PermissionDenied { .. } => EXIT_AUTH,
        Error::Decode { .. } => EXIT_DECODE,
        _ => EXIT_API,
    }
}

/// Of two exit codes, the one that matters more: configuration, then authentication, then
/// API/network, then decoding.
pub fn worse(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        EXIT_OUTPUT => 5,
        EXIT_CONFIG => 4,
        EXIT_AUTH => 3,
        EXIT_API => 2,
        EXIT_DECODE => 1,
        _ => 0,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// Print an error as one line on stderr.
pub fn report(e: &Error) {
    // Server text inside an error never reaches the terminal raw (escape sequences, `\r`).
    eprintln!(
        "error: {}",
        evsessions_core::error::printable(&e.to_string())
    );
}

/// Print a write failure of `target` as one line on stderr; the code it calls for.
fn write_failed(target: &str, e: &std::io::Error) -> u8 {
    eprintln!("error: cannot write {target}: {e}");
    EXIT_OUTPUT
}

/// Where the records already written are freed, by allocator.
///
/// With jemalloc (the default build) each is dropped here, at once: its thread caches take
/// frees of memory another thread allocated cheaply, and against freeing in batches on the
/// decoding thread it measured 10–20% less time and 7 MiB less memory for 1 M sessions.
/// With the system allocator (glibc), they go back to the blocking pool, where pages are
/// decoded (`evsessions_core::decode::offload`) and their memory was allocated, in batches
/// of [`DROP_BATCH`]: freed one by one on this thread, each free contended for the decoding
/// thread's arena lock with its allocations (a sixth of the CPU time in lock hand-overs).
struct Freer {
    #[cfg(not(all(feature = "jemalloc", not(target_env = "msvc"))))]
    batch: Vec<evsessions_core::ChargingSession>,
}

/// Records written are freed in batches of this many, on the blocking pool (system
/// allocator).
#[cfg(not(all(feature = "jemalloc", not(target_env = "msvc"))))]
const DROP_BATCH: usize = 256;

impl Freer {
    fn new() -> Freer {
        Freer {
            #[cfg(not(all(feature = "jemalloc", not(target_env = "msvc"))))]
            batch: Vec::with_capacity(DROP_BATCH),
        }
    }

    #[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
    fn free(&mut self, record: evsessions_core::ChargingSession) {
        drop(record);
    }

    #[cfg(not(all(feature = "jemalloc", not(target_env = "msvc"))))]
    fn free(&mut self, record: evsessions_core::ChargingSession) {
        if self.batch.len() >= DROP_BATCH {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(DROP_BATCH));
            tokio::task::spawn_blocking(move || drop(full));
        }
        self.batch.push(record);
    }
}

/// What [`pump`] did.
pub struct Pumped {
    /// The exit code it calls for.
    pub code: u8,
    /// The reader went away (`| head`): stop quietly, it is not an error.
    pub closed: bool,
}

/// Stream every session of `source` matching `query` into `writer` (errors are reported as
/// they come; what was read is still written). `target` names the output in a write error.
pub async fn pump<W: Write>(
    target: &str,
    source: &dyn SessionSource,
    query: &SessionQuery,
    writer: &mut SessionWriter<W>,
    summary: Option<&mut evsessions_core::Summary>,
) -> Pumped {
    let mut code = EXIT_OK;
    let mut summary = summary;
    let mut stream = source.sessions(query);
    let mut freer = Freer::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(s) => {
                if let Err(e) = writer.write(&s) {
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        return Pumped { code, closed: true };
                    }
                    return Pumped {
                        code: worse(code, write_failed(target, &e)),
                        closed: true,
                    };
                }
                if let Some(sum) = summary.as_deref_mut() {
                    sum.add(&s);
                }
                freer.free(s);
            }
            Err(e) => {
                report(&e);
                if let Some(sum) = summary.as_deref_mut() {
                    sum.errors += 1;
                }
                code = worse(code, exit_code(&e));
            }
        }
    }
    Pumped {
        code,
        closed: false,
    }
}

/// The output buffer: records are written out in blocks of this size. Larger than the
/// default 8 KiB so that a stream of 2 KB records costs a write every 120 records instead of
/// every 4 (into a pipe widened to 1 MiB by [`widen_pipe`], four blocks fit before the
/// writer waits for the reader).
pub const OUTPUT_BUFFER: usize = 256 * 1024;

/// Ask for 1 MiB of room in the pipe that stdout writes into (Linux).
///
/// Linux gives a pipe 64 KiB. A large read (a million sessions is 2 GB of NDJSON) then makes
/// the writer wait for the reader, and the reader wake up, every 64 KiB: some 30,000 times a
/// gigabyte, each a switch between the two processes. With 1 MiB (the most an unprivileged
/// process may ask, `/proc/sys/fs/pipe-max-size`) both run sixteen times longer between
/// switches. Nothing else changes for the reader. Not a pipe, or refused: left as it is.
pub fn widen_pipe() {
    #[cfg(target_os = "linux")]
    {
        let out = std::io::stdout();
        if rustix::pipe::fcntl_getpipe_size(&out).is_ok_and(|n| n < PIPE_ROOM) {
            if let Err(e) = rustix::pipe::fcntl_setpipe_size(&out, PIPE_ROOM) {
                tracing::debug!("the output pipe keeps its size: {e}");
            }
        }
    }
}

/// See [`widen_pipe`].
#[cfg(target_os = "linux")]
const PIPE_ROOM: usize = 1 << 20;

pub async fn sessions(args: SessionsArgs) -> u8 {
    let http = HttpConfig::default()
        .with_timeout(Duration::from_secs(args.timeout.max(1)))
        .with_retry(RetryConfig::default().with_max_retries(args.retries))
        .with_max_body_bytes(args.max_body_mib.saturating_mul(1024 * 1024))
        .with_allow_insecure_http(args.allow_insecure_http);
    let source = match crate::vendors::from_env(&args.source, args.base_url.clone(), http) {
        Ok(s) => s,
        Err(e) => {
            report(&e);
            return exit_code(&e);
        }
    };
    let mut query = SessionQuery::new().status(args.status);
    query.from = args.from;
    query.to = args.to;
    query.charger_ids = args.chargers.clone();
    query.site_ids = args.sites.clone();
    query.id_tags = args.id_tags.clone();
    query.page_size = args.page_size;
    query = query.concurrency(args.concurrency as usize);
    if let (Some(f), Some(t)) = (query.from, query.to) {
        if t <= f {
            eprintln!("error: --to ({t}) must be after --from ({f})");
            return EXIT_CONFIG;
        }
    }
    match &args.output {
        None => {
            widen_pipe();
            let out = std::io::BufWriter::with_capacity(
                crate::run::OUTPUT_BUFFER,
                std::io::stdout().lock(),
            );
            emit("stdout", args.format, out, source.as_ref(), &query)
                .await
                .0
        }
        Some(path) => to_file(path, args.format, source.as_ref(), &query).await,
    }
}

/// Write the sessions into `out`; the exit code, and whether the output is complete (the run
/// finished and the output was closed, even if some records were undecodable).
async fn emit<W: Write>(
    target: &str,
    format: evsessions_core::OutputFormat,
    out: W,
    source: &dyn SessionSource,
    query: &SessionQuery,
) -> (u8, Option<W>) {
    let mut writer = match SessionWriter::new(format, out) {
        Ok(w) => w,
        Err(e) => return (write_failed(target, &e), None),
    };
    let Pumped { code, closed } = pump(target, source, query, &mut writer, None).await;
    if closed {
        return (code, None);
    }
    // A run that failed before any record prints nothing, not even a header.
    if writer.count() == 0 && !matches!(code, EXIT_OK | EXIT_DECODE) {
        return (code, None);
    }
    match writer.finish() {
        Ok(out) => (code, matches!(code, EXIT_OK | EXIT_DECODE).then_some(out)),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => (code, None),
        Err(e) => (worse(code, write_failed(target, &e)), None),
    }
}

/// An `--output FILE` being written: into a temporary file beside it, renamed into place only
/// by [`OutputFile::commit`]; dropped without a commit, it leaves the previous file, if any,
/// untouched and no half-written file behind. A target that exists and is not a regular file
/// (a device, a pipe) is written directly.
pub struct OutputFile {
    path: std::path::PathBuf,
    tmp: Option<std::path::PathBuf>,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl OutputFile {
    /// Open `path` for writing (one line naming it on failure; exit 6).
    pub fn create(path: &std::path::Path) -> Result<OutputFile, u8> {
        let target = path.display().to_string();
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| write_failed(&target, &e))?;
            return Ok(OutputFile {
                path: path.to_path_buf(),
                tmp: None,
                file: Some(std::io::BufWriter::with_capacity(OUTPUT_BUFFER, file)),
            });
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".to_string());
        let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let file = std::fs::File::create(&tmp).map_err(|e| write_failed(&target, &e))?;
        Ok(OutputFile {
            path: path.to_path_buf(),
            tmp: Some(tmp),
            file: Some(std::io::BufWriter::with_capacity(OUTPUT_BUFFER, file)),
        })
    }

    /// The file's name, for messages.
    pub fn target(&self) -> String {
        self.path.display().to_string()
    }

    /// Flush, sync and move the file into place (exit 6 with one line on failure).
    pub fn commit(mut self) -> Result<(), u8> {
        let target = self.target();
        let Some(out) = self.file.take() else {
            return Ok(());
        };
        let file = out
            .into_inner()
            .map_err(|e| write_failed(&target, e.error()))?;
        file.sync_all().map_err(|e| write_failed(&target, &e))?;
        if let Some(tmp) = self.tmp.take() {
            if let Err(e) = std::fs::rename(&tmp, &self.path) {
                let _ = std::fs::remove_file(&tmp);
                return Err(write_failed(&target, &e));
            }
        }
        Ok(())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("the output is closed")),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        self.file.take();
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// `--output FILE` for `sessions`: see [`OutputFile`]; kept only when the run succeeded or
/// ended with exit 5.
async fn to_file(
    path: &std::path::Path,
    format: evsessions_core::OutputFormat,
    source: &dyn SessionSource,
    query: &SessionQuery,
) -> u8 {
    let file = match OutputFile::create(path) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let target = file.target();
    let (code, done) = emit(&target, format, file, source, query).await;
    match done.map(OutputFile::commit) {
        Some(Ok(())) => code,
        Some(Err(failed)) => worse(code, failed),
        None => code,
    }
}
