//! `evsessions`: read EV charging sessions from any supported vendor as one normalized record.
//!
//! See `docs/cli.md`. Exit codes: 0 ok, 2 usage or configuration, 3 authentication,
//! 4 API or network (after retries), 5 a record or page could not be decoded (what was read is
//! still written).
#![forbid(unsafe_code)]

mod demo;
mod ocpi_cmd;
mod run;
mod store_cmds;
mod tariffs;
mod vendors;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::TypedValueParser;
use clap::{Parser, Subcommand};
use evsessions_core::{OutputFormat, StatusFilter};

/// Read EV charging sessions from charging-management vendors as one normalized record.
#[derive(Debug, Parser)]
#[command(name = "evsessions", version, about, long_about = None, after_help = main_examples())]
struct Cli {
    /// Log HTTP requests and retries to stderr (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read sessions from one vendor (credentials from the environment, see docs/cli.md).
    #[command(after_help = sessions_examples())]
    Sessions(SessionsArgs),
    /// Bring the store up to date: every account of the accounts file, or one vendor
    /// configured from the environment (--source). See docs/sync.md.
    #[command(after_help = sync_examples())]
    Sync(store_cmds::SyncArgs),
    /// Write the stored sessions (each once, latest values) as table, CSV, JSON, NDJSON, OCPI
    /// CDRs or a Parquet file.
    #[command(after_help = EXPORT_EXAMPLES)]
    Export(store_cmds::ExportArgs),
    /// Per account: last run and result, watermark, sessions, open sessions, last error.
    #[command(after_help = STATUS_EXAMPLES)]
    Status(store_cmds::StatusArgs),
    /// A monthly statement from the store: per driver, id tag, site, charger or account, exact
    /// kWh and money per currency (table, csv, json or a self-contained html page).
    #[command(after_help = STATEMENT_EXAMPLES)]
    Statement(store_cmds::StatementArgs),
    /// Read every fixture session of every vendor from in-process mock servers: no network,
    /// no credentials.
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),
}

fn sync_examples() -> String {
    let (name, env) = vendors::example();
    format!("\
Examples:
  {env}evsessions sync --source {name}            one account from the environment, into ./evsessions.db
  evsessions sync --config evsessions.toml --store postgres://ev@db/ev   every account of the accounts file
  evsessions sync --account helsinki --lookback 14d

The accounts file, the guarantees and the schema: docs/sync.md.")
}

const EXPORT_EXAMPLES: &str = "\
Examples:
  evsessions export --format ndjson --output sessions.ndjson
  evsessions export --account helsinki --from 2025-03-01 --to 2025-04-01 --status completed --format csv
  evsessions export --format ocpi-cdr --since-last-export --output cdrs.ndjson   new and corrected CDRs only
  evsessions export --format parquet --output sessions.parquet   typed columns for DuckDB, Polars, Spark

OCPI CDRs, their settings and credit corrections: docs/exports.md.";

const STATUS_EXAMPLES: &str = "\
Examples:
  evsessions status
  evsessions status --store postgres://ev@db/ev";

const STATEMENT_EXAMPLES: &str = "\
Examples:
  evsessions statement --month 2025-03 --by driver --time-zone Europe/Helsinki
  evsessions statement --month 2025-03 --by site --format html --output march.html";

fn main_examples() -> String {
    let (name, env) = vendors::example();
    format!("\
Examples:
  evsessions demo                       every source's sessions from local mock servers (no network, no credentials)
  evsessions sync --source {name}      keep the sessions in a store (./evsessions.db); then export, status, statement
  {env}evsessions sessions --source {name} --from 2025-03-01 --to 2025-04-01 --format csv

Exit codes: 0 ok, 2 usage or configuration, 3 authentication, 4 API or network, 5 a record could not be decoded, 6 the output could not be written.")
}

fn sessions_examples() -> String {
    let (name, env) = vendors::example();
    format!("\
Examples:
  {env}evsessions sessions --source {name} --from 2025-03-01 --to 2025-04-01 --format csv --output march.csv
  evsessions sessions --source SOURCE --site ID --status active --format ndjson

Each source's environment variables are listed under --source above (* = required), and in docs/cli.md.")
}

const DEMO_EXAMPLES: &str = "\
Examples:
  evsessions demo
  evsessions demo --format ndjson | head -n 1";

/// Arguments of `evsessions sessions`.
#[derive(Debug, clap::Args)]
pub struct SessionsArgs {
    /// The vendor (its environment variables below; * = required).
    #[arg(long, value_parser = vendors::source_parser())]
    pub source: String,
    /// Override the vendor's base URL (or set `<VENDOR>_BASE_URL`; for ru-csms the sessions URL).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Sessions that start at or after T (RFC 3339, or YYYY-MM-DD = UTC midnight).
    #[arg(long, value_name = "T", value_parser = parse_time)]
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Sessions that start before T (exclusive).
    #[arg(long, value_name = "T", value_parser = parse_time)]
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    /// all, active or completed.
    #[arg(long, default_value = "all", ignore_case = true, value_parser = status_parser())]
    pub status: StatusFilter,
    /// A charger: Smappee station serial, eMabler charger id, CleverPower chargeId (repeatable).
    #[arg(long = "charger", value_name = "ID")]
    pub chargers: Vec<String>,
    /// A site: Smappee service location (charging park) or eMabler site id (repeatable).
    #[arg(long = "site", value_name = "ID")]
    pub sites: Vec<String>,
    /// An RFID / id tag (repeatable).
    #[arg(long = "id-tag", value_name = "TAG")]
    pub id_tags: Vec<String>,
    /// table, csv, json or ndjson.
    #[arg(long, default_value = "table", ignore_case = true, value_parser = format_parser())]
    pub format: OutputFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Records per request where the vendor pages.
    #[arg(long, value_name = "N")]
    pub page_size: Option<u32>,
    /// Pages or calls fetched at once where they are known ahead (eMabler and RU pages, Smappee
    /// scopes, CleverPower charge ids), 1 to 64; records still come in the vendor's order.
    /// Lowered automatically on HTTP 429.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// Total timeout of one request, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
    /// Retries of a failed request (408, 429, 5xx, network).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// The largest response body read, in MiB (at least 1); a larger one ends the run (exit 4).
    #[arg(long, value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_body_mib: u64,
    /// Allow plain http:// to a host that is not loopback.
    #[arg(long)]
    pub allow_insecure_http: bool,
}

/// Arguments of `evsessions demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// table, csv, json or ndjson.
    #[arg(long, default_value = "table", ignore_case = true, value_parser = format_parser())]
    pub format: OutputFormat,
}

pub(crate) fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    evsessions_core::time::parse_cli_time(s).map_err(|_| {
        format!("{s:?} is not a time: use RFC 3339 (2025-06-01T00:00:00Z) or YYYY-MM-DD")
    })
}
/// `--status`: clap lists the values and suggests the closest one to a mistyped value.
pub(crate) fn status_parser() -> impl clap::builder::TypedValueParser<Value = StatusFilter> {
    clap::builder::PossibleValuesParser::new(["all", "active", "completed"])
        .try_map(|s| s.parse::<StatusFilter>())
}

/// `--format`: clap lists the values and suggests the closest one to a mistyped value.
pub(crate) fn format_parser() -> impl clap::builder::TypedValueParser<Value = OutputFormat> {
    use clap::builder::PossibleValue;
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("table"),
        PossibleValue::new("csv"),
        PossibleValue::new("json"),
        PossibleValue::new("ndjson").alias("jsonl"),
    ])
    .try_map(|s| s.parse::<OutputFormat>())
}

fn init_logging(verbose: u8) {
    // Without -v, warnings still show (a long wait for the server, a paging stop for safety):
    // a user must not be left guessing why a run paused or ended early.
    let level = match verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        _ => tracing::Level::DEBUG,
    };
    // Only evsessions' own events at the chosen level (their fields never hold secrets); the
    // HTTP stack below (hyper, reqwest, rustls) only warns, so that no URL or header it might
    // print reaches the log.
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let ours = ["evsessions", "evsessions_core", "evsessions_sync"]
        .into_iter()
        .chain(evsessions::SOURCES.iter().map(|d| d.log_target));
    let filter = tracing_subscriber::filter::Targets::new()
        .with_default(tracing::Level::WARN)
        .with_targets(ours.map(|t| (t, level)));
    // Colour only for a person at a terminal: not in a file or a pipe, not with NO_COLOR set
    // (https://no-color.org: any non-empty value).
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let ansi = std::io::stderr().is_terminal() && !no_color;
    let fmt = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_max_level(level)
        .with_target(false);
    if verbose == 0 {
        fmt.without_time().finish().with(filter).init();
    } else {
        fmt.finish().with(filter).init();
    }
}

/// jemalloc instead of the system allocator. Each session is some twenty small allocations,
/// made on the decoding thread and freed after it is written; against glibc's malloc, jemalloc
/// takes about a fifth off the time of a large read (1M sessions: 2.2–2.6 s against
/// 2.6–3.1 s) in the same memory (51–53 MiB with the repository's one-arena setting,
/// `.cargo/config.toml`). mimalloc was faster still but took 97–209 MiB. See
/// docs/performance.md. The `jemalloc` feature (default) builds it; without it, the system
/// allocator.
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    // Pages are decoded on the blocking pool (`evsessions_core::decode::offload`) while this
    // thread writes: as many decoding threads as there are other cores (at least one). More
    // would only cost memory (a page being decoded each): with jemalloc, a second decoding
    // thread on two cores was slower, not faster.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores.saturating_sub(1).max(1))
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(run::EXIT_API);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Sessions(args) => run::sessions(args).await,
            Command::Sync(args) => store_cmds::sync(args).await,
            Command::Export(args) => store_cmds::export(args).await,
            Command::Status(args) => store_cmds::status(args).await,
            Command::Statement(args) => store_cmds::statement(args).await,
            Command::Demo(args) => demo::run(args).await,
        }
    });
    ExitCode::from(code)
}
