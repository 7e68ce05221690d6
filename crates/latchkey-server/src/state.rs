//! Everything a request handler needs, built once by [`crate::App::build`]; no globals.

use std::sync::Arc;

use latchkey_core::clock::Clock;
use latchkey_store::{Client, Store};

use latchkey_crypto::{MacKey, MasterKey};

use latchkey_core::dpop::ProofWindow;
use latchkey_crypto::dpop_nonce::DpopNonces;
use latchkey_crypto::jws::EmbeddedKeyCache;

use crate::authn::Throttle;
use crate::client_cache::ClientCache;
use crate::config::Config;
use crate::cookies::CookiePolicy;
use crate::federation::Federation;
use crate::keys::SigningKeys;
use crate::metrics::Metrics;
use crate::password_pool::PasswordPool;
use crate::public_urls::PublicUrls;
use crate::tokens::client_secret::ClientSecrets;
use crate::tokens::refresh_token::RefreshTokenCodec;

/// Shared application state: one reference-counted pointer, so the clones axum makes for
/// every request (one per `State` extractor and per middleware with state) cost one atomic
/// increment, not one per field (docs/architecture.md, "Performance budgets").
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl AppState {
    pub fn new(state: SharedState) -> Self {
        Self(Arc::new(state))
    }
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct SharedState {
    pub config: Arc<Config>,
    /// The issuer identifier (`iss`), as [`PublicUrls::issuer`] spells it.
    pub issuer: Arc<str>,
    /// The public address of every endpoint: ask it instead of writing a path.
    pub urls: Arc<PublicUrls>,
    pub audience: Arc<str>,
    pub store: Arc<dyn Store>,
    /// Seals new signing keys (the admin API rotates keys as `latchkey keys rotate` does).
    pub master: Arc<MasterKey>,
    pub clock: Arc<dyn Clock>,
    /// The signers and verifiers, reloaded every `key_reload_interval`.
    pub keys: Arc<SigningKeys>,
    pub passwords: PasswordPool,
    pub refresh_tokens: RefreshTokenCodec,
    pub client_secrets: ClientSecrets,
    pub metrics: Arc<Metrics>,
    /// Client registrations, remembered for a few seconds.
    pub clients: Arc<ClientCache>,
    /// Cookie names and attributes of the hosted pages, chosen from the issuer.
    pub cookies: Arc<CookiePolicy>,
    /// Signs CSRF tokens and the interactions carried through login and consent.
    pub page_mac: MacKey,
    /// Slows password guessing at every door of [`crate::authn`].
    pub login_throttle: Arc<dyn Throttle>,
    /// When no process was up, for the refresh reuse window ([`crate::uptime`]).
    pub uptime: Arc<crate::uptime::Uptime>,
    /// Issues and checks DPoP server nonces, the same in every process.
    pub dpop_nonces: DpopNonces,
    /// The accepted age and skew of DPoP proofs (`Config::dpop_window`).
    pub dpop_window: ProofWindow,
    /// The keys of DPoP proof headers that verified, so a client's next proof skips parsing.
    pub dpop_keys: Arc<EmbeddedKeyCache>,
    /// The upstream client and the sealer of upstream client secrets.
    pub federation: Arc<Federation>,
    /// Queues e-mails for the outbox worker ([`crate::mail`]).
    pub outbox: crate::mail::Outbox,
    /// The hosted pages' and e-mails' branding, stylesheet and message catalogue.
    pub presentation: Arc<crate::pages::Presentation>,
}

/// Token lifetimes for one client: its overrides, else the server defaults (seconds).
#[derive(Debug, Clone, Copy)]
pub struct ClientPolicy {
    pub access_token_ttl: i64,
    pub refresh_idle_ttl: i64,
    pub refresh_absolute_ttl: i64,
    pub reuse_window: i64,
}

/// A configured duration in whole seconds (saturating).
pub(crate) fn seconds(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

impl AppState {
    /// The server-wide defaults.
    pub fn policy_defaults(&self) -> ClientPolicy {
        let config = &self.config;
        ClientPolicy {
            access_token_ttl: seconds(config.access_token_ttl),
            refresh_idle_ttl: seconds(config.refresh_idle_ttl),
            refresh_absolute_ttl: seconds(config.refresh_absolute_ttl),
            reuse_window: seconds(config.refresh_reuse_window),
        }
    }

    /// The defaults with the client's overrides applied.
    pub fn policy(&self, client: &Client) -> ClientPolicy {
        let defaults = self.policy_defaults();
        ClientPolicy {
            access_token_ttl: client.access_token_ttl.unwrap_or(defaults.access_token_ttl),
            refresh_idle_ttl: client.refresh_idle_ttl.unwrap_or(defaults.refresh_idle_ttl),
            refresh_absolute_ttl: client.refresh_absolute_ttl.unwrap_or(defaults.refresh_absolute_ttl),
            reuse_window: client.reuse_window.unwrap_or(defaults.reuse_window),
        }
    }
}
