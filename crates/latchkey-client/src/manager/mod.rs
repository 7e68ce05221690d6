//! [`TokenManager`]: holds a user's tokens and hands out a valid access token, refreshing it
//! shortly before it expires (RFC 6749 §6) and when a resource server refuses it (RFC 6750
//! §3.1 `invalid_token`), with at most one refresh in flight (see `refresh.rs`).
//!
//! Time comes from an injected [`Clock`] so expiry is testable without sleeping; the refresh
//! token goes to an injected [`RefreshTokenStore`] after every rotation.

mod refresh;
mod state;

use std::sync::Arc;
use std::time::Duration;

use latchkey_core::clock::{Clock, SystemClock};
use tokio::sync::Mutex;

use crate::dpop::DpopKey;
use crate::error::ClientError;
use crate::oauth_client::OAuthClient;
use crate::store::{MemoryStore, RefreshTokenStore, StoreError};
use crate::token::TokenResponse;
use state::State;

/// Renew this long before `expires_in` runs out, by default.
pub const DEFAULT_SKEW: Duration = Duration::from_secs(30);

pub(crate) struct Inner {
    client: OAuthClient,
    store: Arc<dyn RefreshTokenStore>,
    clock: Arc<dyn Clock>,
    skew: i64,
    /// Whether each login makes a new DPoP key and binds the session to it.
    dpop: bool,
    state: Mutex<State>,
}

pub(crate) fn store_error(error: StoreError) -> ClientError {
    ClientError::Store(Arc::from(error))
}

/// The tokens of one signed-in user (or none). Clones share them.
#[derive(Clone)]
pub struct TokenManager {
    inner: Arc<Inner>,
}

/// Options of a [`TokenManager`].
pub struct TokenManagerBuilder {
    client: OAuthClient,
    store: Arc<dyn RefreshTokenStore>,
    clock: Arc<dyn Clock>,
    skew: Duration,
    dpop: bool,
}

impl TokenManagerBuilder {
    /// Use DPoP (RFC 9449): every login makes a new key pair, the tokens are bound to it,
    /// and refreshes and API calls carry proofs of it. The store keeps the key with the
    /// refresh token. Off by default.
    pub fn dpop(mut self, enabled: bool) -> Self {
        self.dpop = enabled;
        self
    }

    /// Where the refresh token is kept; [`MemoryStore`] by default.
    pub fn store(mut self, store: Arc<dyn RefreshTokenStore>) -> Self {
        self.store = store;
        self
    }

    /// The clock that judges expiry; the system clock by default.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long before expiry to renew; [`DEFAULT_SKEW`] by default.
    pub fn skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    pub fn build(self) -> TokenManager {
        let inner = Inner {
            client: self.client,
            store: self.store,
            clock: self.clock,
            skew: i64::try_from(self.skew.as_secs()).unwrap_or(i64::MAX),
            dpop: self.dpop,
            state: Mutex::new(State::default()),
        };
        TokenManager { inner: Arc::new(inner) }
    }
}

impl TokenManager {
    pub fn builder(client: OAuthClient) -> TokenManagerBuilder {
        TokenManagerBuilder {
            client,
            store: Arc::new(MemoryStore::default()),
            clock: Arc::new(SystemClock),
            skew: DEFAULT_SKEW,
            dpop: false,
        }
    }

    /// A manager with an in-memory store and the system clock.
    pub fn new(client: OAuthClient) -> Self {
        Self::builder(client).build()
    }

    pub fn client(&self) -> &OAuthClient {
        &self.inner.client
    }

    /// Resumes the session of a saved refresh token, if the store has one; the first
    /// [`access_token`](Self::access_token) then refreshes. Returns whether one was found.
    pub async fn restore(&self) -> Result<bool, ClientError> {
        let mut state = self.inner.state.lock().await;
        let saved = self.inner.store.load().await.map_err(store_error)?;
        let key = self.inner.store.load_dpop_key().await.map_err(store_error)?;
        let found = saved.is_some();
        state.reset();
        state.refresh_token = saved;
        state.dpop_key = key.map(|der| DpopKey::from_pkcs8(&der)).transpose()?.map(Arc::new);
        Ok(found)
    }

    /// Starts a session with the tokens of any grant (password, authorization code), saving
    /// the refresh token. The tokens are in use even if saving fails.
    pub async fn set_tokens(&self, response: &TokenResponse) -> Result<(), ClientError> {
        self.start(response, None).await
    }

    /// As [`set_tokens`](Self::set_tokens), for tokens bound to `key` (obtained through
    /// [`OAuthClient::with_dpop`]); the store keeps the key too.
    pub async fn set_bound_tokens(
        &self,
        response: &TokenResponse,
        key: Arc<DpopKey>,
    ) -> Result<(), ClientError> {
        self.start(response, Some(key)).await
    }

    async fn start(&self, response: &TokenResponse, key: Option<Arc<DpopKey>>) -> Result<(), ClientError> {
        let mut state = self.inner.state.lock().await;
        state.reset();
        state.install(response, self.inner.clock.now(), self.inner.skew);
        let saved = match &response.refresh_token {
            Some(refresh_token) => self.inner.store.save(refresh_token).await,
            None => self.inner.store.clear().await,
        };
        let key_saved = match &key {
            Some(key) => self.inner.store.save_dpop_key(&key.to_pkcs8()?).await,
            None => Ok(()),
        };
        state.dpop_key = key;
        saved.and(key_saved).map_err(store_error)
    }

    /// The DPoP key the session is bound to, if it uses DPoP.
    pub async fn dpop_key(&self) -> Option<Arc<DpopKey>> {
        self.inner.state.lock().await.dpop_key.clone()
    }

    /// Logs in with the password grant (RFC 6749 §4.3) and starts the session.
    pub async fn password_login(
        &self,
        username: &str,
        password: &str,
        scope: Option<&str>,
    ) -> Result<(), ClientError> {
        if !self.inner.dpop {
            let response = self.inner.client.password_login(username, password, scope).await?;
            return self.set_tokens(&response).await;
        }
        let key = Arc::new(DpopKey::generate()?);
        let response =
            self.inner.client.with_dpop(key.clone()).password_login(username, password, scope).await?;
        self.set_bound_tokens(&response, key).await
    }

    /// A valid access token: the current one, or — when it is missing or within `skew` of
    /// expiry — the result of the one refresh in flight. [`ClientError::LoginRequired`]
    /// when there is no session.
    pub async fn access_token(&self) -> Result<String, ClientError> {
        let in_flight = {
            let mut state = self.inner.state.lock().await;
            if let Some(token) = state.fresh_access(self.inner.clock.now()) {
                return Ok(token);
            }
            refresh::join_or_start(&self.inner, &mut state)?
        };
        in_flight.await
    }

    /// For the "retry once after a 401" path: `failed` is the access token a resource
    /// server refused. If it is still the current one, it is refreshed (single-flight, like
    /// [`access_token`](Self::access_token)); if another task already replaced it, the newer
    /// token is returned without a request.
    pub async fn on_unauthorized(&self, failed: &str) -> Result<String, ClientError> {
        let in_flight = {
            let mut state = self.inner.state.lock().await;
            let current_failed = state.access.as_ref().is_some_and(|a| a.token == failed);
            match state.fresh_access(self.inner.clock.now()) {
                Some(token) if !current_failed => return Ok(token),
                _ => refresh::join_or_start(&self.inner, &mut state)?,
            }
        };
        in_flight.await
    }

    /// Ends the session: forgets the tokens here and in the store, then revokes the refresh
    /// token at the server (RFC 7009), which ends the session there too. The local logout
    /// happens even if the server cannot be reached; that error is still returned.
    pub async fn logout(&self) -> Result<(), ClientError> {
        let refresh_token = {
            let mut state = self.inner.state.lock().await;
            let refresh_token = state.refresh_token.take();
            state.reset();
            self.inner.store.clear().await.map_err(store_error)?;
            refresh_token
        };
        match refresh_token {
            Some(token) => self.inner.client.revoke(&token).await,
            None => Ok(()),
        }
    }
}
