//! [`FileTokenStore`]: Smappee tokens kept in a file between runs, so that a nightly run
//! refreshes the stored token instead of doing a password grant every time.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use evsessions_core::{Error, ExposeSecret, Result, SecretString};
use serde::{Deserialize, Serialize};

use crate::auth::{TokenStore, Tokens};
use crate::KIND;

/// A [`TokenStore`] that keeps the tokens in one JSON file.
///
/// The file is created readable and writable by its owner only (mode 0600 on Unix) and is
/// replaced atomically on every save: the new tokens are written to a temporary file in the same
/// folder, flushed to disk, then renamed over the old file, so a crash leaves either the old or
/// the new tokens, never half a file. A file that does not exist yet is no tokens (the first run
/// does a password grant and creates it). Errors name the file, never its content.
///
/// `ConfigBuilder::from_env` uses one when `SMAPPEE_TOKEN_FILE` is set.
///
/// ```no_run
/// use std::sync::Arc;
/// use smappee_client::{ConfigBuilder, FileTokenStore};
/// # fn demo() -> evsessions_core::Result<()> {
/// let store = Arc::new(FileTokenStore::new("/var/lib/evsessions/smappee-tokens.json"));
/// let config = ConfigBuilder::from_env().token_store(store).build()?;
/// # Ok(()) }
/// ```
pub struct FileTokenStore {
    path: PathBuf,
}

impl FileTokenStore {
    /// A store kept in the file at `path` (its folder must exist).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, what: &str, e: impl fmt::Display) -> Error {
        Error::config(
            Some(KIND),
            format!("token file {}: {what}: {e}", self.path.display()),
        )
    }
}

impl fmt::Debug for FileTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileTokenStore")
            .field("path", &self.path)
            .finish()
    }
}

/// The file's JSON form.
#[derive(Serialize, Deserialize)]
struct TokenFile {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
}

/// Distinguishes the temporary files of concurrent saves in one process.
static SAVES: AtomicU64 = AtomicU64::new(0);

impl FileTokenStore {
    fn load_blocking(&self) -> Result<Option<Tokens>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.error("cannot read it", e)),
        };
        // serde_json's message names a line and column, never the value.
        let file: TokenFile = serde_json::from_str(&text)
            .map_err(|e| self.error("not a token file (delete it to sign in again)", e))?;
        Ok(Some(Tokens::new(
            SecretString::from(file.access_token),
            file.refresh_token.map(SecretString::from),
            file.expires_at,
        )))
    }

    fn save_blocking(&self, tokens: &Tokens) -> Result<()> {
        let file = TokenFile {
            access_token: tokens.access_token.expose_secret().to_string(),
            refresh_token: tokens
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_string()),
            expires_at: tokens.expires_at,
        };
        let json = serde_json::to_vec_pretty(&file).map_err(|e| self.error("cannot encode", e))?;
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = self
            .path
            .file_name()
            .ok_or_else(|| self.error("not a file path", "it has no file name"))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(
            ".tmp-{}-{}",
            std::process::id(),
            SAVES.fetch_add(1, Ordering::Relaxed)
        ));
        let tmp = dir.join(tmp_name);
        let written = write_private(&tmp, &json).and_then(|()| std::fs::rename(&tmp, &self.path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(self.error("cannot write it", e));
        }
        Ok(())
    }
}

/// Create `path` (which must not exist) readable by its owner only, write `bytes`, flush to disk.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[async_trait]
impl TokenStore for FileTokenStore {
    async fn load(&self) -> Result<Option<Tokens>> {
        let store = FileTokenStore::new(self.path.clone());
        tokio::task::spawn_blocking(move || store.load_blocking())
            .await
            .map_err(|e| self.error("cannot read it", e))?
    }

    async fn save(&self, tokens: &Tokens) -> Result<()> {
        let store = FileTokenStore::new(self.path.clone());
        let tokens = tokens.clone();
        tokio::task::spawn_blocking(move || store.save_blocking(&tokens))
            .await
            .map_err(|e| self.error("cannot write it", e))?
    }
}
