//! `evsessions export --format ocpi-cdr`: OCPI 2.2.1 CDRs from the store, one a line; with
//! `--since-last-export`, only what is new or corrected since the last such export (credits
//! first), remembered in the store once the output is safely written.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use evsessions::sync::config::ConfigFile;
use evsessions::sync::{ExportRecord, SessionFilter, SessionStore, StoredSession};
use evsessions_core::{SessionStatus, StatusFilter};
use evsessions_export::ocpi::{incremental_step, Cdr, CdrSettings, EXPORT_KIND};
use evsessions_export::tariff::TariffBook;
use futures::StreamExt;

use crate::run::{worse, OutputFile, EXIT_API, EXIT_CONFIG, EXIT_DECODE, EXIT_OK, EXIT_OUTPUT};
use crate::store_cmds::{report_sync_error, ExportArgs};

/// Each account's OCPI settings: the accounts file's `[accounts.NAME.ocpi]`, with the flags
/// winning for the CPO's identity; and each account's tariffs.
struct Settings {
    file: BTreeMap<String, CdrSettings>,
    tariffs: Vec<TariffBook>,
    country: Option<String>,
    party: Option<String>,
}

impl Settings {
    fn load(args: &ExportArgs) -> Result<Settings, u8> {
        let mut file = BTreeMap::new();
        let mut tariffs = Vec::new();
        if let Some(path) = ConfigFile::locate(args.config.as_deref()) {
            let config = ConfigFile::load(&path).map_err(|e| report_sync_error(&e))?;
            tariffs = crate::tariffs::books(&config)?;
            for (name, account) in &config.accounts {
                if let Some(s) = account
                    .section::<CdrSettings>(name, "ocpi")
                    .map_err(|e| report_sync_error(&e))?
                {
                    file.insert(name.clone(), s);
                }
            }
        }
        Ok(Settings {
            file,
            tariffs,
            country: args.ocpi_country.clone(),
            party: args.ocpi_party.clone(),
        })
    }

    /// The settings of `account`, or a usage error when its CPO identity is not known.
    fn of(&self, account: &str) -> Result<CdrSettings, String> {
        let mut s = self.file.get(account).cloned().unwrap_or_default();
        if let Some(c) = &self.country {
            s.country_code.clone_from(c);
        }
        if let Some(p) = &self.party {
            s.party_id.clone_from(p);
        }
        if s.country_code.is_empty() || s.party_id.is_empty() {
            return Err(format!(
                "account {account:?} has no OCPI identity: give --ocpi-country and --ocpi-party, or country_code and party_id in [accounts.{account}.ocpi] of the accounts file"
            ));
        }
        Ok(s)
    }

    /// The tariffs of `account`, when it has any.
    fn tariffs(&self, account: &str) -> Option<&TariffBook> {
        self.tariffs.iter().find(|b| b.account() == account)
    }
}

/// Counts for the closing line.
#[derive(Default)]
struct Counts {
    cdrs: usize,
    credits: usize,
    refused: usize,
    unchanged: usize,
}

/// `evsessions export --format ocpi-cdr`.
pub async fn export(args: &ExportArgs, store: &dyn SessionStore, mut filter: SessionFilter) -> u8 {
    if !matches!(args.status, StatusFilter::All) {
        eprintln!("error: --status does not apply to ocpi-cdr: only completed sessions become CDRs, and a session that is no longer completed is credited");
        return EXIT_CONFIG;
    }
    filter = filter.status(StatusFilter::All).include_superseded(false);
    let settings = match Settings::load(args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let previous: HashMap<(String, String, String), (ExportRecord, Cdr)> = if args.since_last_export
    {
        match store.exports(EXPORT_KIND).await {
            Ok(list) => {
                let mut map = HashMap::new();
                for r in list {
                    match serde_json::from_str::<Cdr>(&r.payload) {
                        Ok(cdr) => {
                            map.insert(
                                (r.account.clone(), r.source.clone(), r.id.clone()),
                                (r, cdr),
                            );
                        }
                        Err(e) => {
                            eprintln!(
                                "error: the store's record of the CDR sent for {} session {:?} of account {:?} cannot be read: {e}",
                                r.source, r.id, r.account
                            );
                            return EXIT_API;
                        }
                    }
                }
                map
            }
            Err(e) => return report_sync_error(&e),
        }
    } else {
        HashMap::new()
    };

    let now = chrono::Utc::now();
    let mut lines: Vec<u8> = Vec::new();
    let mut remember: Vec<ExportRecord> = Vec::new();
    let mut counts = Counts::default();
    let mut rows = store.sessions(&filter);
    while let Some(row) = rows.next().await {
        let StoredSession {
            account,
            session,
            meta,
            ..
        } = match row {
            Ok(r) => r,
            Err(e) => return report_sync_error(&e),
        };
        let cdr_settings = match settings.of(&account) {
            Ok(s) => s,
            Err(m) => {
                eprintln!("error: {m}");
                return EXIT_CONFIG;
            }
        };
        let current = if session.status == SessionStatus::Completed {
            match Cdr::from_session_priced(
                &session,
                &cdr_settings,
                settings.tariffs(&account),
                meta.last_changed_at,
            ) {
                Ok(c) => Some(c),
                Err(refusal) => {
                    // What was sent stands: a session this export cannot describe is not
                    // credited for it.
                    let refusal = refusal.for_account(&account);
                    eprintln!("warning: account {account:?}: {refusal}");
                    counts.refused += 1;
                    continue;
                }
            }
        } else {
            None
        };
        let write = if args.since_last_export {
            let key = (
                account.clone(),
                session.source.as_str().to_string(),
                session.id.clone(),
            );
            let prev = previous.get(&key).map(|(r, c)| (r.version, c));
            let step = match incremental_step(prev, current, now) {
                Ok(s) => s,
                Err(refusal) => {
                    eprintln!("warning: account {account:?}: {refusal}");
                    counts.refused += 1;
                    continue;
                }
            };
            if step.write.is_empty() && prev.is_some() {
                counts.unchanged += 1;
            }
            if let Some((version, cdr)) = step.remember {
                let payload = match serde_json::to_string(&cdr) {
                    Ok(p) => p,
                    Err(e) => {
                        eprintln!("error: cannot write CDR {}: {e}", cdr.id);
                        return EXIT_OUTPUT;
                    }
                };
                remember.push(ExportRecord::new(
                    EXPORT_KIND,
                    account.clone(),
                    key.1,
                    key.2,
                    version,
                    meta.content_hash.clone(),
                    payload,
                    now,
                ));
            }
            step.write
        } else {
            current.into_iter().collect()
        };
        for cdr in write {
            if cdr.credit == Some(true) {
                counts.credits += 1;
            } else {
                counts.cdrs += 1;
            }
            if let Err(e) = serde_json::to_writer(&mut lines, &cdr) {
                eprintln!("error: cannot write CDR {}: {e}", cdr.id);
                return EXIT_OUTPUT;
            }
            lines.push(b'\n');
        }
    }

    // The CDRs go out whole or not at all; only then does the store remember them.
    let written = match &args.output {
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&lines).and_then(|()| out.flush()) {
                Ok(()) => EXIT_OK,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    eprintln!("error: standard output was closed before every CDR was written; nothing is remembered as sent");
                    return EXIT_OUTPUT;
                }
                Err(e) => {
                    eprintln!("error: cannot write stdout: {e}");
                    return EXIT_OUTPUT;
                }
            }
        }
        Some(path) => {
            let mut file = match OutputFile::create(path) {
                Ok(f) => f,
                Err(code) => return code,
            };
            if let Err(e) = file.write_all(&lines) {
                eprintln!("error: cannot write {}: {e}", file.target());
                return EXIT_OUTPUT;
            }
            match file.commit() {
                Ok(()) => EXIT_OK,
                Err(code) => return code,
            }
        }
    };
    if args.since_last_export && !remember.is_empty() {
        if let Err(e) = store.record_exports(&remember).await {
            eprintln!("error: the CDRs were written but the store could not remember them ({e}); the next --since-last-export sends them again, with the same ids");
            return EXIT_API;
        }
    }
    eprintln!(
        "ocpi-cdr: {} CDRs, {} credits{}, {} sessions refused",
        counts.cdrs,
        counts.credits,
        if args.since_last_export {
            format!(", {} unchanged since the last export", counts.unchanged)
        } else {
            String::new()
        },
        counts.refused
    );
    if counts.refused > 0 {
        worse(written, EXIT_DECODE)
    } else {
        written
    }
}
