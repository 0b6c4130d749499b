//! [`SyncError`]: what can go wrong when keeping sessions.

/// The result of store and sync operations.
pub type SyncResult<T> = std::result::Result<T, SyncError>;

/// Everything that can go wrong in the store, the config file or a sync. The `Display` text is
/// one line that says what happened and what to do; it never contains a secret (database URLs
/// are shown without their password).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The store could not be opened or a statement failed.
    #[error("store error ({backend}): {message}")]
    Store {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// What failed.
        message: String,
    },
    /// The schema could not be migrated (a store written by a newer version, say).
    #[error("store schema migration failed ({backend}): {message}")]
    Migrate {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// What failed.
        message: String,
    },
    /// The configuration (file, flags or environment) is wrong.
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A command that reads a store found none where it looked (it never creates one).
    #[error("no store at {location}: run `evsessions sync` first")]
    NoStore {
        /// The path or URL (without password).
        location: String,
    },
    /// The file or database is not an evsessions store.
    #[error("{location} is not an evsessions store: {reason}")]
    NotAStore {
        /// The path or URL (without password).
        location: String,
        /// What was found instead.
        reason: String,
    },
    /// A stored value could not be read back (a row edited by hand, say).
    #[error("stored data error: {message}")]
    Data {
        /// What is wrong.
        message: String,
    },
    /// The vendor failed (after retries) or the source could not be built.
    #[error(transparent)]
    Source(#[from] evsessions_core::Error),
    /// This worker lost the account's lease while syncing (it stalled longer than the lease):
    /// nothing of the current batch was committed.
    #[error("lost the lease of account {account:?} (another worker took it over); nothing more was written")]
    LeaseLost {
        /// The account.
        account: String,
    },
}

impl SyncError {
    pub(crate) fn store(backend: &'static str, e: sqlx::Error) -> Self {
        SyncError::Store {
            backend,
            message: crate::redact_db_text(&e.to_string()),
        }
    }
}
