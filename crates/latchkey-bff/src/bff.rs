//! The BFF itself: its configuration, its Latchkey client, its session store and key, and
//! the router of its routes.

use std::sync::Arc;

use axum::routing::{any, get, post};
use axum::Router;
use latchkey_client::{Clock, Credentials, OAuthClient, SystemClock};
use latchkey_crypto::MasterKey;

use crate::config::BffConfig;
use crate::error::BffError;
use crate::layer::BffLayer;
use crate::store::SessionStore;
use crate::{backchannel, login, logout, proxy};

/// A BFF; cheap to clone.
#[derive(Clone)]
pub struct Bff {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: BffConfig,
    pub(crate) client: OAuthClient,
    pub(crate) store: SessionStore,
    /// Seals the tokens in session rows and the pending-login cookie.
    pub(crate) key: MasterKey,
    pub(crate) clock: Arc<dyn Clock>,
    /// For Latchkey (discovery, JWKS, token endpoint) and the proxied APIs; never follows
    /// redirects. Its overall timeout bounds a refresh, and so how long a session's row lock
    /// is held; proxied requests set their own (`upstream_timeout`).
    pub(crate) http: reqwest::Client,
    /// Origins allowed by the CSRF check.
    pub(crate) origins: Vec<String>,
}

impl Bff {
    /// Discovers the issuer's endpoints and opens the session store at `database_url`.
    /// `key` must be the same in every process sharing the database.
    pub async fn new(config: BffConfig, database_url: &str, key: MasterKey) -> Result<Self, BffError> {
        Self::with_clock(config, database_url, key, Arc::new(SystemClock)).await
    }

    /// [`Bff::new`] with a clock of the caller's (tests move it).
    pub async fn with_clock(
        config: BffConfig,
        database_url: &str,
        key: MasterKey,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, BffError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|_| BffError::Internal("HTTP client"))?;
        let credentials = Credentials {
            client_id: config.client_id.clone(),
            client_secret: Some(config.client_secret.clone()),
        };
        let client =
            OAuthClient::discover(http.clone(), &config.issuer, credentials).await.map_err(|error| {
                tracing::error!(%error, "BFF discovery");
                BffError::BadGateway("the issuer's metadata could not be read")
            })?;
        let store = SessionStore::connect(database_url).await?;
        let mut origins = vec![config.origin()];
        origins.extend(config.extra_origins.iter().cloned());
        Ok(Self { inner: Arc::new(Inner { config, client, store, key, clock, http, origins }) })
    }

    pub fn config(&self) -> &BffConfig {
        &self.inner.config
    }

    /// The BFF's own routes under the configured prefix, and the proxied API prefixes.
    pub fn router(&self) -> Router {
        let prefix = &self.inner.config.prefix;
        let mut router = Router::new()
            .route(&format!("{prefix}/login"), get(login::login))
            .route(&format!("{prefix}/callback"), get(login::callback))
            .route(&format!("{prefix}/user"), get(logout::user))
            .route(&format!("{prefix}/logout"), post(logout::logout))
            .route(&format!("{prefix}/backchannel-logout"), post(backchannel::backchannel_logout));
        for route in &self.inner.config.routes {
            router = router
                .route(&route.prefix, any(proxy::forward))
                .route(&format!("{}/{{*rest}}", route.prefix), any(proxy::forward));
        }
        router.with_state(self.clone())
    }

    /// The layer that turns the session cookie into a bearer token for the embedding app's
    /// routes under [`BffConfig::embedded_prefixes`].
    pub fn layer(&self) -> BffLayer {
        BffLayer::new(self.clone())
    }
}
