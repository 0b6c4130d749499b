//! `evsessions`: read EV charging sessions from any supported vendor as one normalized record.
//!
//! See `docs/cli.md`. Exit codes: 0 ok, 2 usage or configuration, 3 authentication,
//! 4 API or network (after retries), 5 a record or page could not be decoded (what was read is
//! still written).
#![forbid(unsafe_code)]

mod demo;
mod run;
mod vendors;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use evsessions_core::{OutputFormat, StatusFilter};

/// Read EV charging sessions from charging-management vendors as one normalized record.
#[derive(Debug, Parser)]
#[command(name = "evsessions", version, about, long_about = None)]
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
    Sessions(SessionsArgs),
    /// Read every fixture session of every vendor from in-process mock servers: no network,
    /// no credentials.
    Demo(DemoArgs),
}

/// Arguments of `evsessions sessions`.
#[derive(Debug, clap::Args)]
pub struct SessionsArgs {
    /// The vendor.
    #[arg(long, value_enum)]
    pub source: vendors::Vendor,
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
    #[arg(long, default_value = "all", value_parser = parse_status)]
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
    #[arg(long, default_value = "table", value_parser = parse_format)]
    pub format: OutputFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Records per request where the vendor pages.
    #[arg(long, value_name = "N")]
    pub page_size: Option<u32>,
    /// Total timeout of one request, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub timeout: u64,
    /// Retries of a failed request (408, 429, 5xx, network).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// Allow plain http:// to a host that is not loopback.
    #[arg(long)]
    pub allow_insecure_http: bool,
}

/// Arguments of `evsessions demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// table, csv, json or ndjson.
    #[arg(long, default_value = "table", value_parser = parse_format)]
    pub format: OutputFormat,
}

fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    evsessions_core::time::parse_cli_time(s).map_err(|_| {
        format!("{s:?} is not a time: use RFC 3339 (2025-06-01T00:00:00Z) or YYYY-MM-DD")
    })
}
fn parse_status(s: &str) -> Result<StatusFilter, String> {
    s.parse()
}
fn parse_format(s: &str) -> Result<OutputFormat, String> {
    s.parse()
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
    let ours = [
        "evsessions",
        "evsessions_core",
        "emabler_client",
        "smappee_client",
        "cleverpower_client",
        "ru_csms_client",
    ];
    let filter = tracing_subscriber::filter::Targets::new()
        .with_default(tracing::Level::WARN)
        .with_targets(ours.iter().map(|t| (*t, level)));
    let fmt = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_max_level(level)
        .with_target(false);
    if verbose == 0 {
        fmt.without_time().finish().with(filter).init();
    } else {
        fmt.finish().with(filter).init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
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
            Command::Demo(args) => demo::run(args).await,
        }
    });
    ExitCode::from(code)
}
