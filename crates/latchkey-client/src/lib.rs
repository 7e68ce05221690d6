//! Latchkey's client SDK: get tokens from an OAuth 2.1 authorization server and keep a valid
//! access token at hand without ever losing a refresh race.
//!
//! - [`OAuthClient`]: one call per grant at the token endpoint (RFC 6749 §4.1.3 authorization
//!   code, §4.3 password, §4.4 client credentials, §6 refresh) and revocation (RFC 7009),
//!   endpoints from RFC 8414 discovery, errors that keep the RFC code.
//! - [`TokenManager`]: holds a user's tokens, renews the access token before it expires and
//!   after a 401, sending one refresh however many tasks ask at once; a revoked session is
//!   one [`ClientError::LoginRequired`], never a retry loop.
//! - [`AuthorizedClient`]: reqwest with `Authorization: Bearer` (RFC 6750) and one retry on
//!   401; with DPoP (RFC 9449, [`TokenManagerBuilder::dpop`]) `Authorization: DPoP` and a
//!   proof on every request, one retry on `use_dpop_nonce`, nonces cached per origin; a
//!   resource's step-up challenge (RFC 9470) is [`ClientError::StepUpRequired`], naming
//!   the sign-in to ask for with [`OAuthClient::begin_step_up`].
//! - [`PkceVerifier`], [`State`] and the native-app login (RFC 7636, RFC 8252):
//!   [`OAuthClient::login_native`] with a [`LoopbackListener`] and a [`BrowserOpener`].
//! - [`RefreshTokenStore`]: [`MemoryStore`] (default) or [`FileStore`] (atomic, 0600).
//!
//! Every type takes the application's `reqwest::Client`, so TLS, proxies and timeouts are
//! the application's: enable a TLS feature (`rustls-tls`, `native-tls`) on its reqwest
//! dependency to reach an `https` issuer. The SDK needs a Tokio runtime (a refresh runs as
//! its own task so that a caller giving up cannot cancel it halfway).
//!
//! ```no_run
//! # async fn demo() -> Result<(), latchkey_client::ClientError> {
//! use latchkey_client::{AuthorizedClient, Credentials, OAuthClient, TokenManager};
//!
//! let http = reqwest::Client::new();
//! let credentials = Credentials { client_id: "my-app".into(), client_secret: None };
//! let client = OAuthClient::discover(http.clone(), "https://auth.example.com", credentials).await?;
//! let tokens = TokenManager::new(client);
//! tokens.password_login("alice", "correct horse battery staple", Some("bank:read")).await?;
//! let api = AuthorizedClient::new(http, tokens);
//! let response = api.send(api.get("https://bank.example.com/accounts")).await?;
//! # let _ = response;
//! # Ok(())
//! # }
//! ```

mod authorize;
mod authorized;
mod dpop;
mod error;
mod exchange;
mod manager;
mod metadata;
mod oauth_client;
mod pkce;
mod step_up;
mod store;
mod token;

pub use authorize::{
    AuthorizationRequest, BrowserOpener, ExpectedRedirect, LoopbackListener, PendingAuthorization,
    SystemBrowser,
};
pub use authorized::AuthorizedClient;
pub use dpop::DpopKey;
pub use error::{CallbackError, ClientError, ErrorCode, OAuthError};
pub use exchange::SubjectToken;
pub use latchkey_core::clock::{Clock, ManualClock, SystemClock};
pub use latchkey_core::step_up::StepUp;
pub use manager::{TokenManager, TokenManagerBuilder, DEFAULT_SKEW};
pub use metadata::Endpoints;
pub use oauth_client::{Credentials, OAuthClient};
pub use pkce::{PkceVerifier, State};
pub use store::{FileStore, MemoryStore, RefreshTokenStore, StoreError};
pub use token::TokenResponse;
