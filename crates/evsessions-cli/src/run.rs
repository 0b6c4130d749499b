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
    eprintln!("error: {e}");
}

/// What [`pump`] did.
pub struct Pumped {
    /// The exit code it calls for.
    pub code: u8,
    /// The reader went away (`| head`): stop quietly, it is not an error.
    pub closed: bool,
}

/// Stream every session of `source` matching `query` into `writer` (errors are reported as
/// they come; what was read is still written).
pub async fn pump<W: Write>(
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
                    eprintln!("error: cannot write the output: {e}");
                    return Pumped {
                        code: worse(code, EXIT_CONFIG),
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
    let out: Box<dyn Write> = match &args.output {
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("error: cannot create {}: {e}", path.display());
                return EXIT_CONFIG;
            }
        },
    };
    let mut writer = match SessionWriter::new(args.format, out) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            return EXIT_CONFIG;
        }
    };
    let Pumped { code, closed } = pump(source.as_ref(), &query, &mut writer, None).await;
    if closed {
        return code;
    }
    if let Err(e) = writer.finish() {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return code;
        }
        eprintln!("error: cannot write the output: {e}");
        return worse(code, EXIT_CONFIG);
    }
    code
}
