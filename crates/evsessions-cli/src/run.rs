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

pub async fn sessions(args: SessionsArgs) -> u8 {
    let http = HttpConfig::default()
        .with_timeout(Duration::from_secs(args.timeout.max(1)))
        .with_retry(RetryConfig::default().with_max_retries(args.retries))
        .with_allow_insecure_http(args.allow_insecure_http);
    let source = match crate::vendors::from_env(args.source, args.base_url.clone(), http) {
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
    if let (Some(f), Some(t)) = (query.from, query.to) {
        if t <= f {
            eprintln!("error: --to ({t}) must be after --from ({f})");
            return EXIT_CONFIG;
        }
    }
    match &args.output {
        None => {
            let out = std::io::BufWriter::new(std::io::stdout().lock());
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

/// `--output FILE`: written to a temporary file beside it and renamed into place only when
/// the run succeeded or ended with exit 5; otherwise the previous file, if any, is untouched.
/// A target that exists and is not a regular file (a device, a pipe) is written directly.
async fn to_file(
    path: &std::path::Path,
    format: evsessions_core::OutputFormat,
    source: &dyn SessionSource,
    query: &SessionQuery,
) -> u8 {
    let target = path.display().to_string();
    let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file());
    if special {
        let file = match std::fs::OpenOptions::new().write(true).open(path) {
            Ok(f) => f,
            Err(e) => return write_failed(&target, &e),
        };
        let out = std::io::BufWriter::new(file);
        return emit(&target, format, out, source, query).await.0;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let file = match std::fs::File::create(&tmp) {
        Ok(f) => f,
        Err(e) => return write_failed(&target, &e),
    };
    let (code, done) = emit(
        &target,
        format,
        std::io::BufWriter::new(file),
        source,
        query,
    )
    .await;
    let kept = match done.map(|out| out.into_inner().map_err(|e| e.into_error())) {
        Some(Ok(file)) => file
            .sync_all()
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| write_failed(&target, &e)),
        Some(Err(e)) => Err(write_failed(&target, &e)),
        None => Err(code),
    };
    match kept {
        Ok(()) => code,
        Err(failed) => {
            let _ = std::fs::remove_file(&tmp);
            worse(code, failed)
        }
    }
}
