//! OAuth tokens: Smappee signs in with the OAuth 2 password grant and rotating refresh tokens,
//! through core's [`evsessions_core::oauth`] (the one place of token renewal for every source):
//!
//! 1. the token held in memory (loaded once from the [`TokenStore`]) is used unless it expires
//!    within the refresh margin ([`crate::ConfigBuilder::refresh_margin`]);
//! 2. a data call answered 401 is sent again with the current token when another call renewed
//!    it meanwhile, else the token is renewed **once for every call in flight** (single
//!    flight) and the call sent again; a call gives up after 3 renewals of its own, or when
//!    3 renewals in a row brought tokens the server refused;
//! 3. a renewal is a refresh grant with the **newest** refresh token (sent at most once: the
//!    server rotates them), else the password grant (refresh refused, e.g. `invalid_grant`, or
//!    failed, or no refresh token).
//!
//! Every new token pair is saved to the store at once.

pub use evsessions_core::oauth::{MemoryTokenStore, TokenStore, Tokens};

use evsessions_core::http::join_path;
use evsessions_core::oauth::{OAuth, PasswordCredentials};

use crate::config::Config;

/// The token manager of a client configured by `config`.
pub(crate) fn oauth(config: &Config) -> OAuth {
    OAuth::new(
        join_path(&config.base_url, &config.token_path),
        PasswordCredentials {
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            username: config.username.clone(),
            password: config.password.clone(),
        },
        config.token_store.clone(),
        config.refresh_margin,
    )
}
