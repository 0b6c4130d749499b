//! `evsessions sync`, `export` and `status`: the store commands (`evsessions-sync`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use evsessions::sync::config::{parse_duration, AccountConfig, ConfigFile};
use evsessions::sync::{
    open_store, open_store_read_only, sync_account, RunResult, SessionFilter, SessionStore,
    SyncError, SyncOptions, SyncReport,
};
use evsessions_core::{
    HttpConfig, OutputFormat, RetryConfig, SessionSource, SessionWriter, StatusFilter,
};
use futures::StreamExt;

use crate::run::{
    exit_code, worse, OutputFile, EXIT_API, EXIT_CONFIG, EXIT_DECODE, EXIT_OK, EXIT_OUTPUT,
};

/// The store when none is given: `EVSESSIONS_STORE`, else `./evsessions.db`.
pub const ENV_STORE: &str = "EVSESSIONS_STORE";
/// The default store file.
pub const DEFAULT_STORE: &str = "evsessions.db";

/// Arguments of `evsessions sync`.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// The accounts file (default: EVSESSIONS_CONFIG, else ./evsessions.toml if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Sync only this account of the accounts file (repeatable).
    #[arg(long = "account", value_name = "NAME")]
    pub accounts: Vec<String>,
    /// Without an accounts file: sync one account named after the vendor, configured from the
    /// environment exactly as `evsessions sessions` is.
    #[arg(long, value_parser = crate::vendors::source_parser())]
    pub source: Option<String>,
    /// With --source: override the vendor's base URL.
    #[arg(long)]
    pub base_url: Option<String>,
    /// The store: a file path, sqlite://PATH or postgres://URL (default EVSESSIONS_STORE, else
    /// ./evsessions.db).
    #[arg(long, value_name = "STORE")]
    pub store: Option<String>,
    /// Where an account's first run starts (RFC 3339 or YYYY-MM-DD; default 30 days ago).
    #[arg(long, value_name = "T", value_parser = crate::parse_time)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// How far before the watermark each run reads again (e.g. 7d, 36h, 90m; default 7d).
    #[arg(long, value_name = "DURATION")]
    pub lookback: Option<String>,
    /// Accounts synced at once (default 4).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Records per request where the vendor pages.
    #[arg(long, value_name = "N")]
    pub page_size: Option<u32>,
    /// Requests of one account at once where they are known ahead (eMabler and RU pages,
    /// Smappee scopes, CleverPower charge ids), 1 to 64; records are still stored in the
    /// vendor's order. Lowered automatically on HTTP 429.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub page_concurrency: u32,
    /// Records per store transaction.
    #[arg(long, value_name = "N", default_value_t = 500, hide = true)]
    pub batch_size: usize,
    /// Total timeout of one request, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
    /// Retries of a failed request (408, 429, 5xx, network).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// Allow plain http:// to a host that is not loopback.
    #[arg(long)]
    pub allow_insecure_http: bool,
    /// Pretend the run starts at T (replays and tests): the window, the watermark and the open
    /// session age are computed from it.
    #[arg(long, value_name = "T", value_parser = crate::parse_time, hide = true)]
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}

/// Arguments of `evsessions export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The store (default EVSESSIONS_STORE, else ./evsessions.db).
    #[arg(long, value_name = "STORE")]
    pub store: Option<String>,
    /// Only this account (repeatable).
    #[arg(long = "account", value_name = "NAME")]
    pub accounts: Vec<String>,
    /// Only this vendor (repeatable).
    #[arg(long = "source", value_name = "VENDOR")]
    pub sources: Vec<String>,
    /// Sessions that start at or after T.
    #[arg(long, value_name = "T", value_parser = crate::parse_time)]
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Sessions that start before T (exclusive).
    #[arg(long, value_name = "T", value_parser = crate::parse_time)]
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    /// all, active or completed.
    #[arg(long, default_value = "all", ignore_case = true, value_parser = crate::status_parser())]
    pub status: StatusFilter,
    /// table, csv, json, ndjson, ocpi-cdr (OCPI 2.2.1 CDRs, one a line) or parquet (a typed,
    /// zstd-compressed Parquet file; needs --output).
    #[arg(long, default_value = "table", ignore_case = true, value_parser = export_format_parser())]
    pub format: ExportFormat,
    /// Include rows superseded by a later record of the same session.
    #[arg(long)]
    pub include_superseded: bool,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// ocpi-cdr: write only what is new or corrected since the last such export (credit CDRs
    /// for corrected or withdrawn sessions), and remember what was written.
    #[arg(long)]
    pub since_last_export: bool,
    /// ocpi-cdr: the CPO's country code (ISO 3166-1 alpha-2); default: the account's
    /// `[accounts.NAME.ocpi] country_code`.
    #[arg(long, value_name = "CC")]
    pub ocpi_country: Option<String>,
    /// ocpi-cdr: the CPO's party id (3 characters); default: the account's `party_id`.
    #[arg(long, value_name = "PARTY")]
    pub ocpi_party: Option<String>,
    /// ocpi-cdr: the accounts file with each account's OCPI settings (default:
    /// EVSESSIONS_CONFIG, else ./evsessions.toml if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// What `evsessions export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// A session format (table, csv, json, ndjson).
    Sessions(OutputFormat),
    /// OCPI 2.2.1 CDRs, one JSON object a line.
    OcpiCdr,
    /// A Parquet file (needs `--output`).
    Parquet,
}

fn export_format_parser() -> impl clap::builder::TypedValueParser<Value = ExportFormat> {
    use clap::builder::{PossibleValue, TypedValueParser};
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("table"),
        PossibleValue::new("csv"),
        PossibleValue::new("json"),
        PossibleValue::new("ndjson").alias("jsonl"),
        PossibleValue::new("ocpi-cdr"),
        PossibleValue::new("parquet"),
    ])
    .try_map(|s| match s.as_str() {
        "ocpi-cdr" => Ok(ExportFormat::OcpiCdr),
        "parquet" => Ok(ExportFormat::Parquet),
        other => other.parse::<OutputFormat>().map(ExportFormat::Sessions),
    })
}

/// Arguments of `evsessions statement`.
#[derive(Debug, clap::Args)]
pub struct StatementArgs {
    /// The month, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM")]
    pub month: String,
    /// Group by driver, id-tag, site, charger or account.
    #[arg(long = "by", default_value = "driver", value_name = "KEY", ignore_case = true,
          value_parser = ["driver", "id-tag", "site", "charger", "account"])]
    pub by: String,
    /// The zone the month is cut in (default: the accounts' `time_zone` in the accounts file
    /// when they agree, else UTC).
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// The store (default EVSESSIONS_STORE, else ./evsessions.db).
    #[arg(long, value_name = "STORE")]
    pub store: Option<String>,
    /// The accounts file, for the accounts' time zone and tariffs.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only this account (repeatable).
    #[arg(long = "account", value_name = "NAME")]
    pub accounts: Vec<String>,
    /// table, csv, json or html.
    #[arg(long, default_value = "table", value_name = "FORMAT", ignore_case = true,
          value_parser = ["table", "csv", "json", "html"])]
    pub format: String,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With --format csv: one row per billed session (date, charger, kWh, price, amount,
    /// price source, tariff), the reimbursement annex, instead of one per group. JSON, HTML and
    /// the table list every session anyway.
    #[arg(long)]
    pub detail: bool,
}

/// Arguments of `evsessions status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The store (default EVSESSIONS_STORE, else ./evsessions.db).
    #[arg(long, value_name = "STORE")]
    pub store: Option<String>,
}

pub(crate) fn store_location(flag: Option<&str>, file: Option<&ConfigFile>) -> String {
    flag.map(str::to_string)
        .or_else(|| {
            std::env::var(ENV_STORE)
                .ok()
                .filter(|s| !s.trim().is_empty())
        })
        .or_else(|| file.and_then(|f| f.store.clone()))
        .unwrap_or_else(|| DEFAULT_STORE.to_string())
}

pub(crate) fn report_sync_error(e: &SyncError) -> u8 {
    eprintln!("error: {e}");
    match e {
        SyncError::Config { .. } | SyncError::NoStore { .. } | SyncError::NotAStore { .. } => {
            EXIT_CONFIG
        }
        SyncError::Source(inner) => exit_code(inner),
        _ => EXIT_API,
    }
}

async fn open(location: &str) -> Result<Box<dyn SessionStore>, u8> {
    open_store(location)
        .await
        .map_err(|e| report_sync_error(&e))
}

/// Open an existing store to read it: never creates one (a missing store or a file that is
/// not a store is exit 2, naming it).
async fn open_to_read(location: &str) -> Result<Box<dyn SessionStore>, u8> {
    open_store_read_only(location)
        .await
        .map_err(|e| report_sync_error(&e))
}

/// One account to sync: its name and its source.
struct Job {
    name: String,
    source: Box<dyn SessionSource>,
}

/// `evsessions sync`.
pub async fn sync(args: SyncArgs) -> u8 {
    let http = HttpConfig::default()
        .with_timeout(Duration::from_secs(args.timeout.max(1)))
        .with_retry(RetryConfig::default().with_max_retries(args.retries))
        .with_allow_insecure_http(args.allow_insecure_http);
    let config_path = ConfigFile::locate(args.config.as_deref());
    let file = match (&config_path, &args.source) {
        (_, Some(_)) => None,
        (Some(p), None) => match ConfigFile::load(p) {
            Ok(f) => Some(f),
            Err(e) => return report_sync_error(&e),
        },
        (None, None) => {
            eprintln!("error: nothing to sync: give --source VENDOR (configured from the environment), or an accounts file (--config FILE, EVSESSIONS_CONFIG or ./evsessions.toml; see docs/sync.md)");
            return EXIT_CONFIG;
        }
    };
    let mut jobs = Vec::new();
    match (&file, args.source.as_deref()) {
        (_, Some(vendor)) => {
            match crate::vendors::from_env(vendor, args.base_url.clone(), http.clone()) {
                Ok(source) => jobs.push(Job {
                    name: source.kind().as_str().to_string(),
                    source,
                }),
                Err(e) => {
                    crate::run::report(&e);
                    return exit_code(&e);
                }
            }
        }
        (Some(f), None) => {
            for name in &args.accounts {
                if !f.accounts.contains_key(name) {
                    let known: Vec<&str> = f.accounts.keys().map(String::as_str).collect();
                    eprintln!(
                        "error: no account {name:?} in the accounts file; known: {}",
                        known.join(", ")
                    );
                    return EXIT_CONFIG;
                }
            }
            for (name, account) in &f.accounts {
                if !args.accounts.is_empty() && !args.accounts.contains(name) {
                    continue;
                }
                match build_source(name, account, http.clone()) {
                    Ok(source) => jobs.push(Job {
                        name: name.clone(),
                        source,
                    }),
                    Err(code) => return code,
                }
            }
            if jobs.is_empty() {
                eprintln!("error: the accounts file has no account to sync");
                return EXIT_CONFIG;
            }
        }
        (None, None) => return EXIT_CONFIG,
    }

    let section = file.as_ref().map(|f| f.sync.clone()).unwrap_or_default();
    let mut options = SyncOptions::default()
        .with_page_size(args.page_size)
        .with_page_concurrency(args.page_concurrency as usize)
        .with_batch_size(args.batch_size);
    let lookback = args.lookback.clone().or(section.lookback.clone());
    if let Some(l) = lookback {
        match parse_duration(&l) {
            Ok(d) => options = options.with_lookback(d),
            Err(e) => return report_sync_error(&e),
        }
    }
    if let Some(m) = &section.max_open_age {
        match parse_duration(m) {
            Ok(d) => options = options.with_max_open_age(d),
            Err(e) => return report_sync_error(&e),
        }
    }
    let since = match (args.since, &section.since) {
        (Some(t), _) => Some(t),
        (None, Some(text)) => match crate::parse_time(text) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("error: [sync] since: {e}");
                return EXIT_CONFIG;
            }
        },
        (None, None) => None,
    };
    if let Some(t) = since {
        options = options.with_since(t);
    }
    if let Some(t) = args.now {
        options = options.with_now(t);
    }
    let concurrency = args.concurrency.or(section.concurrency).unwrap_or(4).max(1);

    let location = store_location(args.store.as_deref(), file.as_ref());
    let store = match open(&location).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let progress = Progress::new(std::io::stderr().is_terminal());
    let store_ref = store.as_ref();
    let reports: Vec<(String, Result<SyncReport, SyncError>)> = futures::stream::iter(jobs)
        .map(|job| {
            let mut opts = options.clone();
            if let Some(p) = progress.callback(&job.name) {
                opts = opts.with_progress(p);
            }
            async move {
                let r = sync_account(store_ref, &job.name, job.source.as_ref(), &opts).await;
                (job.name, r)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    progress.clear();

    let mut reports = reports;
    reports.sort_by(|a, b| a.0.cmp(&b.0));
    let mut code = EXIT_OK;
    let mut out = std::io::stdout().lock();
    for (name, r) in &reports {
        match r {
            Ok(rep) => {
                let _ = writeln!(out, "{}", summary_line(rep));
                for e in &rep.record_errors {
                    eprintln!("error: {name}: {e}");
                }
                if rep.counts.errors > rep.record_errors.len() as u64 {
                    eprintln!(
                        "error: {name}: {} more record(s) could not be decoded (see the run log)",
                        rep.counts.errors - rep.record_errors.len() as u64
                    );
                }
                if let Some(f) = &rep.failure {
                    eprintln!("error: {name}: {f} (the watermark did not move; the next run reads this window again)");
                    code = worse(code, exit_code(f));
                }
                if rep.counts.errors > 0 {
                    code = worse(code, EXIT_DECODE);
                }
            }
            Err(e) => {
                eprint!("{name}: ");
                code = worse(code, report_sync_error(e));
            }
        }
    }
    code
}

fn build_source(
    name: &str,
    account: &AccountConfig,
    http: HttpConfig,
) -> Result<Box<dyn SessionSource>, u8> {
    // The source's own secrets, as its descriptor names them, are refused inline too.
    if let Ok(d) = evsessions::source_descriptor(&account.vendor) {
        if let Err(e) = account.check_secrets(name, d.secret_keys()) {
            return Err(report_sync_error(&e));
        }
    }
    let lookup = match account.lookup() {
        Ok(l) => l,
        Err(e) => {
            eprint!("account {name:?}: ");
            return Err(report_sync_error(&e));
        }
    };
    evsessions::source_from_lookup(&account.vendor, &lookup, None, http).map_err(|e| {
        eprintln!("error: account {name:?}: {e}");
        exit_code(&e)
    })
}

/// The one line per account that `sync` prints.
pub fn summary_line(r: &SyncReport) -> String {
    let c = &r.counts;
    let how = match r.result {
        RunResult::Ok => "ok".to_string(),
        RunResult::Partial => "ok, with undecodable records".to_string(),
        RunResult::Failed => "FAILED".to_string(),
        RunResult::Skipped => format!(
            "skipped: another worker ({}) is syncing it",
            r.held_by.as_deref().unwrap_or("?")
        ),
        RunResult::Running => "running".to_string(),
        _ => "?".to_string(),
    };
    let requests = c
        .requests
        .map(|n| format!(", {n} requests"))
        .unwrap_or_default();
    format!(
        "{}: {} new, {} changed, {} unchanged, {} superseded, {} missing, {} errors, {} pages{requests} — {how}",
        r.account, c.new, c.changed, c.unchanged, c.superseded, c.missing, c.errors, c.pages
    )
}

/// Progress bars on a terminal (one spinner per account); nothing otherwise.
struct Progress {
    multi: Option<indicatif::MultiProgress>,
}

impl Progress {
    fn new(on: bool) -> Self {
        Progress {
            multi: on.then(indicatif::MultiProgress::new),
        }
    }
    fn callback(&self, account: &str) -> Option<evsessions::sync::ProgressFn> {
        let multi = self.multi.as_ref()?;
        let bar = multi.add(indicatif::ProgressBar::new_spinner());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {prefix}: {msg} [{elapsed}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_prefix(account.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(Arc::new(move |_account: &str, records: u64, pages: u64| {
            bar.set_message(format!("{records} sessions, {pages} pages"));
        }))
    }
    fn clear(&self) {
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }
}

/// `evsessions export`.
pub async fn export(args: ExportArgs) -> u8 {
    if let (Some(f), Some(t)) = (args.from, args.to) {
        if t <= f {
            eprintln!("error: --to ({t}) must be after --from ({f})");
            return EXIT_CONFIG;
        }
    }
    if args.format == ExportFormat::Parquet && args.output.is_none() {
        eprintln!("error: --format parquet writes a file: give --output FILE (e.g. --output sessions.parquet)");
        return EXIT_CONFIG;
    }
    let location = store_location(args.store.as_deref(), None);
    let store = match open_to_read(&location).await {
        // `--since-last-export` remembers what it wrote: the existing store, writable.
        Ok(s) if args.since_last_export => {
            drop(s);
            match open(&location).await {
                Ok(s) => s,
                Err(code) => return code,
            }
        }
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut filter = SessionFilter::new()
        .status(args.status)
        .include_superseded(args.include_superseded);
    filter.accounts = args.accounts.clone();
    filter.sources = args.sources.clone();
    filter.from = args.from;
    filter.to = args.to;
    let format = match args.format {
        ExportFormat::Sessions(f) => f,
        ExportFormat::OcpiCdr => {
            return crate::ocpi_cmd::export(&args, store.as_ref(), filter).await
        }
        ExportFormat::Parquet => return export_parquet(&args, store.as_ref(), &filter).await,
    };
    if args.since_last_export || args.ocpi_country.is_some() || args.ocpi_party.is_some() {
        eprintln!(
            "error: --since-last-export, --ocpi-country and --ocpi-party go with --format ocpi-cdr"
        );
        return EXIT_CONFIG;
    }
    match &args.output {
        None => {
            crate::run::widen_pipe();
            let out = std::io::BufWriter::with_capacity(
                crate::run::OUTPUT_BUFFER,
                std::io::stdout().lock(),
            );
            write_rows(store.as_ref(), &filter, format, out, "stdout")
                .await
                .0
        }
        Some(path) => {
            let file = match OutputFile::create(path) {
                Ok(f) => f,
                Err(code) => return code,
            };
            let target = file.target();
            match write_rows(store.as_ref(), &filter, format, file, &target).await {
                (code, Some(file)) => match file.commit() {
                    Ok(()) => code,
                    Err(failed) => worse(code, failed),
                },
                (code, None) => code,
            }
        }
    }
}

/// Write the stored sessions of `filter` to `out`; the output back when it is complete.
async fn write_rows<W: Write>(
    store: &dyn SessionStore,
    filter: &SessionFilter,
    format: OutputFormat,
    out: W,
    target: &str,
) -> (u8, Option<W>) {
    let failed = |e: std::io::Error| {
        eprintln!("error: cannot write {target}: {e}");
        EXIT_OUTPUT
    };
    if format == OutputFormat::Ndjson {
        return write_documents(store, filter, out, target).await;
    }
    let mut writer = match SessionWriter::new(format, out) {
        Ok(w) => w,
        Err(e) => return (failed(e), None),
    };
    let mut rows = store.sessions(filter);
    while let Some(item) = rows.next().await {
        match item {
            Ok(s) => {
                if let Err(e) = writer.write(&s.session) {
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        return (EXIT_OK, None);
                    }
                    return (failed(e), None);
                }
            }
            // A store that fails mid-read leaves no partial output.
            Err(e) => return (report_sync_error(&e), None),
        }
    }
    match writer.finish() {
        Ok(out) => (EXIT_OK, Some(out)),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => (EXIT_OK, None),
        Err(e) => (failed(e), None),
    }
}

/// NDJSON: the stored documents as they are (each is the JSON `sessions --format ndjson`
/// writes for the session), one a line, without decoding them.
async fn write_documents<W: Write>(
    store: &dyn SessionStore,
    filter: &SessionFilter,
    mut out: W,
    target: &str,
) -> (u8, Option<W>) {
    let failed = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return EXIT_OK;
        }
        eprintln!("error: cannot write {target}: {e}");
        EXIT_OUTPUT
    };
    let mut rows = store.documents(filter);
    while let Some(item) = rows.next().await {
        match item {
            Ok(mut d) => {
                d.json.push(b'\n');
                if let Err(e) = out.write_all(&d.json) {
                    return (failed(e), None);
                }
            }
            // A store that fails mid-read leaves no partial output.
            Err(e) => return (report_sync_error(&e), None),
        }
    }
    match out.flush() {
        Ok(()) => (EXIT_OK, Some(out)),
        Err(e) => (failed(e), None),
    }
}

/// `evsessions export --format parquet`: the rows into a Parquet file beside `--output`,
/// renamed into place once the footer is written. A session whose values do not fit a column
/// is named on stderr and left out (exit 5); any other failure leaves no file (exit 6 or the
/// store's code).
async fn export_parquet(args: &ExportArgs, store: &dyn SessionStore, filter: &SessionFilter) -> u8 {
    use evsessions_export::parquet::{ParquetWriteError, ParquetWriter};
    if args.since_last_export || args.ocpi_country.is_some() || args.ocpi_party.is_some() {
        eprintln!(
            "error: --since-last-export, --ocpi-country and --ocpi-party go with --format ocpi-cdr"
        );
        return EXIT_CONFIG;
    }
    let Some(path) = &args.output else {
        eprintln!("error: --format parquet writes a file: give --output FILE");
        return EXIT_CONFIG;
    };
    let file = match OutputFile::create(path) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let target = file.target();
    let failed = |e: &dyn std::fmt::Display| {
        eprintln!("error: cannot write {target}: {e}");
        EXIT_OUTPUT
    };
    let mut writer = match ParquetWriter::new(file) {
        Ok(w) => w,
        Err(e) => return failed(&e),
    };
    let mut refused = 0u64;
    let mut rows = store.sessions(filter);
    while let Some(item) = rows.next().await {
        match item {
            Ok(s) => match writer.write(Some(&s.account), &s.session) {
                Ok(()) => {}
                Err(ParquetWriteError::Refused(r)) => {
                    eprintln!("warning: account {:?}: {r}", s.account);
                    refused += 1;
                }
                Err(e) => return failed(&e),
            },
            // A store that fails mid-read leaves no file.
            Err(e) => return report_sync_error(&e),
        }
    }
    let written = writer.rows();
    let code = match writer.finish() {
        Ok(file) => match file.commit() {
            Ok(()) => EXIT_OK,
            Err(code) => return code,
        },
        Err(e) => return failed(&e),
    };
    eprintln!("parquet: {written} sessions written to {target}, {refused} refused");
    if refused > 0 {
        worse(code, EXIT_DECODE)
    } else {
        code
    }
}

/// `evsessions status`.
pub async fn status(args: StatusArgs) -> u8 {
    let location = store_location(args.store.as_deref(), None);
    let store = match open_to_read(&location).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    print_status(store.as_ref(), &mut std::io::stdout().lock()).await
}

/// Write the status table of `store` to `out`.
pub async fn print_status(store: &dyn SessionStore, out: &mut dyn Write) -> u8 {
    let accounts = match store.status().await {
        Ok(a) => a,
        Err(e) => return report_sync_error(&e),
    };
    if accounts.is_empty() {
        let _ = writeln!(
            out,
            "the store holds no account yet: run `evsessions sync` first"
        );
        return EXIT_OK;
    }
    let t = |v: Option<chrono::DateTime<chrono::Utc>>| {
        v.map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string())
            .unwrap_or_else(|| "-".into())
    };
    let _ = writeln!(
        out,
        "{:<16} {:<12} {:<21} {:<32} {:<21} {:>9} {:>5}  last error",
        "account", "vendor", "last run", "result", "watermark", "sessions", "open"
    );
    for a in &accounts {
        let (run_at, result) = match &a.last_run {
            Some(r) => (
                t(Some(r.started_at)),
                format!(
                    "{} ({} new, {} changed)",
                    r.result.as_str(),
                    r.counts.new,
                    r.counts.changed
                ),
            ),
            None => ("-".into(), "-".into()),
        };
        let _ = writeln!(
            out,
            "{:<16} {:<12} {:<21} {:<32} {:<21} {:>9} {:>5}  {}",
            a.state.account,
            a.state.source,
            run_at,
            result,
            t(a.state.watermark),
            a.sessions,
            a.open,
            a.state
                .last_error
                .as_deref()
                .map(evsessions_core::error::one_line)
                .unwrap_or_else(|| "-".into())
        );
    }
    EXIT_OK
}

/// `evsessions statement`.
pub async fn statement(args: StatementArgs) -> u8 {
    use evsessions_export::{
        render_detail, Statement, StatementFormat, StatementItem, StatementOptions,
    };
    let render = |st: &Statement, format, out: &mut dyn Write| {
        if args.detail {
            render_detail(st, format, out)
        } else {
            evsessions_export::render(st, format, out)
        }
    };
    let usage = |m: String| {
        eprintln!("error: {m}");
        EXIT_CONFIG
    };
    let month = match args.month.parse() {
        Ok(m) => m,
        Err(e) => return usage(format!("--month: {e}")),
    };
    let by = match args.by.parse() {
        Ok(b) => b,
        Err(e) => return usage(format!("--by: {e}")),
    };
    let format: StatementFormat = match args.format.parse() {
        Ok(f) => f,
        Err(e) => return usage(format!("--format: {e}")),
    };
    let file = match ConfigFile::locate(args.config.as_deref()) {
        Some(p) => match ConfigFile::load(&p) {
            Ok(f) => Some(f),
            Err(e) => return report_sync_error(&e),
        },
        None => None,
    };
    let zone_text = args.time_zone.clone().or_else(|| {
        let f = file.as_ref()?;
        let mut zones: Vec<String> = f
            .accounts
            .iter()
            .filter(|(n, _)| args.accounts.is_empty() || args.accounts.contains(n))
            .filter_map(|(_, a)| a.setting("time_zone"))
            .collect();
        zones.sort();
        zones.dedup();
        (zones.len() == 1).then(|| zones.remove(0))
    });
    let zone: chrono_tz::Tz = match zone_text.as_deref().unwrap_or("UTC").parse() {
        Ok(z) => z,
        Err(_) => {
            return usage(format!(
                "{:?} is not a time zone: use an IANA name such as Europe/Helsinki",
                zone_text.unwrap_or_default()
            ))
        }
    };
    let mut options = StatementOptions::new(month).time_zone(zone).group_by(by);
    if let Some(f) = &file {
        match crate::tariffs::books(f) {
            Ok(books) => options = books.into_iter().fold(options, StatementOptions::tariffs),
            Err(code) => return code,
        }
    }
    let location = store_location(args.store.as_deref(), file.as_ref());
    let store = match open_to_read(&location).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (from, to) = match month.bounds(zone) {
        Ok(b) => b,
        Err(e) => return usage(e.to_string()),
    };
    let mut filter = SessionFilter::new().from(from).to(to);
    filter.accounts = args.accounts.clone();
    // Streamed: the rows' columns (no document is read) go one by one into the statement,
    // which aggregates them as they come (on a thread of its own: it takes an iterator).
    let (send, mut receive) = tokio::sync::mpsc::channel::<StatementItem>(1024);
    let build = tokio::task::spawn_blocking(move || {
        Statement::build(std::iter::from_fn(|| receive.blocking_recv()), &options)
    });
    let mut failed = None;
    {
        let mut rows = store.session_columns(&filter);
        while let Some(row) = rows.next().await {
            match row {
                Ok((account, s)) => {
                    if send
                        .send(StatementItem::new(Some(account), s))
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
    }
    drop(send);
    let built = build.await;
    if let Some(e) = failed {
        return report_sync_error(&e);
    }
    let st = match built {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return usage(e.to_string()),
        Err(e) => {
            eprintln!("error: the statement could not be built: {e}");
            return EXIT_OUTPUT;
        }
    };
    match &args.output {
        None => match render(&st, format, &mut std::io::stdout().lock()) {
            Ok(()) => EXIT_OK,
            Err(e) => {
                eprintln!("error: {e}");
                EXIT_OUTPUT
            }
        },
        Some(path) => {
            let mut file = match OutputFile::create(path) {
                Ok(f) => f,
                Err(code) => return code,
            };
            if let Err(e) = render(&st, format, &mut file) {
                eprintln!("error: cannot write {}: {e}", file.target());
                return EXIT_OUTPUT;
            }
            match file.commit() {
                Ok(()) => EXIT_OK,
                Err(code) => code,
            }
        }
    }
}
