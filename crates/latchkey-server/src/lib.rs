//! The Latchkey HTTP server: axum routes over the protocol engine (`latchkey-core`), the
//! cryptography (`latchkey-crypto`) and the storage (`latchkey-store`).
//!
//! [`App::build`] returns everything a server needs from a [`Config`], a master key and a
//! store — no global state — so one test process can run many servers.

// Public: what the `latchkey` binary, the `testing` feature and the tests use. The rest is
// the server's own business.
pub(crate) mod account_links;
pub mod admin;
pub mod admin_api;
pub mod backchannel_logout;
pub mod client_ip;
pub mod config;
pub mod federation;
pub mod instance;
pub mod janitor;
pub mod keys;
pub mod known_device;
pub mod master_key;
pub mod password_pool;
#[cfg(feature = "testing")]
pub mod testing;
pub mod throttle;
pub mod tokens;
pub mod uptime;

pub(crate) mod authn;
pub(crate) mod bearer;
pub(crate) mod browser;
pub(crate) mod client_auth;
pub(crate) mod client_cache;
pub(crate) mod cookies;
pub(crate) mod dpop;
pub(crate) mod error;
pub(crate) mod i18n;
pub(crate) mod issuer;
pub(crate) mod mail;
pub(crate) mod metrics;
pub(crate) mod mfa;
pub(crate) mod pages;
pub mod passkeys;
pub(crate) mod public_urls;
mod request_deadline;
mod request_log;
pub(crate) mod routes;
mod serve;
pub(crate) mod state;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use latchkey_core::clock::Clock;
use latchkey_crypto::dpop_nonce::{DpopNonces, NONCE_KEY_PURPOSE};
use latchkey_crypto::{random, MasterKey, PasswordHasher};
use latchkey_store::Store;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;

pub use config::{Config, LogFormat};
pub use routes::MAX_BODY_BYTES;

use cookies::CookiePolicy;
use keys::SigningKeys;
use password_pool::PasswordPool;
use public_urls::PublicUrls;
use state::AppState;
use tokens::client_secret::ClientSecrets;
use tokens::refresh_token::RefreshTokenCodec;

/// Key-derivation labels: each MAC key has one purpose.
const REFRESH_TOKEN_KEY_PURPOSE: &str = "latchkey refresh-token mac v1";
const CLIENT_SECRET_KEY_PURPOSE: &str = "latchkey client-secret mac v1";
const PAGES_KEY_PURPOSE: &str = "latchkey hosted-pages mac v1";

/// The client-secret hasher for a master key (also used by the CLI to register clients).
pub fn client_secrets(master: &MasterKey) -> ClientSecrets {
    ClientSecrets::new(master.derive_mac_key(CLIENT_SECRET_KEY_PURPOSE))
}

/// How often dead sessions are swept.
const JANITOR_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);
/// How often each process looks for due back-channel logouts (docs/architecture.md,
/// "Back-channel logout").
const BACKCHANNEL_LOGOUT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// A built server, ready to serve.
pub struct App {
    state: AppState,
    /// Where the outbox worker sends e-mails.
    mail_transport: Arc<mail::Transport>,
    /// Set when the binary serves TLS itself (`tls_cert`, `tls_key`).
    tls: Option<serve::tls::TlsAcceptor>,
}

impl App {
    /// Validates the issuer ([`issuer::Issuer`]) and the key-rotation settings, performs the
    /// due key transitions (on a first start: creates the keys), loads the keys and
    /// assembles the state. The store must already be migrated.
    pub async fn build(
        config: Config,
        master: &MasterKey,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let urls = PublicUrls::new(config.issuer()?);
        let tls = config.tls()?;
        let presentation = Arc::new(pages::Presentation::from_config(&config)?);
        let keys = SigningKeys::load(store.as_ref(), master, &config, clock.now()).await?;
        let hasher = PasswordHasher::new(config.argon2_params())?;
        let uptime = uptime::Uptime::start(store.as_ref(), clock.now()).await?;
        let dpop_window = config.dpop_window();
        let federation = Arc::new(federation::Federation::new(master, clock.clone())?);
        let mail_transport = Arc::new(mail::Transport::from_config(&config)?);
        // One copy of the master key for what seals at run time: the outbox (e-mails carry
        // secret links) and the admin API's key operations.
        let shared_master = Arc::new(MasterKey::from_base64(&master.to_base64())?);
        let outbox = mail::Outbox::new(store.clone(), clock.clone(), shared_master.clone());
        let state = AppState::new(state::SharedState {
            uptime: Arc::new(uptime),
            cookies: Arc::new(CookiePolicy::for_issuer(&urls)),
            page_mac: master.derive_mac_key(PAGES_KEY_PURPOSE),
            login_throttle: Arc::new(throttle::StoreThrottle::new(store.clone())),
            issuer: urls.issuer().as_str().into(),
            audience: config.audience()?.into(),
            urls: Arc::new(urls),
            config: Arc::new(config),
            store,
            master: shared_master,
            clock,
            keys: Arc::new(keys),
            passwords: PasswordPool::new(hasher),
            refresh_tokens: RefreshTokenCodec::new(master.derive_mac_key(REFRESH_TOKEN_KEY_PURPOSE)),
            dpop_nonces: DpopNonces::new(master.derive_mac_key(NONCE_KEY_PURPOSE)),
            dpop_window,
            dpop_keys: Arc::default(),
            client_secrets: client_secrets(master),
            metrics: Arc::default(),
            clients: Arc::default(),
            federation,
            outbox,
            presentation,
        });
        Ok(Self { state, mail_transport, tls })
    }

    /// The issuer URL this server answers as.
    pub fn issuer(&self) -> &str {
        &self.state.issuer
    }

    /// The TLS acceptor of the public listener, if it serves TLS.
    pub fn tls(&self) -> Option<serve::tls::TlsAcceptor> {
        self.tls.clone()
    }

    /// The audience of the access tokens it issues.
    pub fn audience(&self) -> &str {
        &self.state.audience
    }

    /// The full router with logging, request ids and panic safety; with the admin API unless
    /// it has a listener of its own (`admin_listen`).
    pub fn router(&self) -> anyhow::Result<Router> {
        let mut router = routes::router(self.state.clone());
        if self.state.config.admin_listen.is_none() {
            router = router.merge(admin_api::router(self.state.clone()));
        }
        self.wrap(router)
    }

    /// The admin API alone, for `admin_listen`, with the same logging and safety.
    pub fn admin_router(&self) -> anyhow::Result<Router> {
        self.wrap(admin_api::router(self.state.clone()))
    }

    /// Metrics need the matched route, so they wrap each route (`Router::layer`); the rest
    /// wraps the router once, outside it: axum boxes every route again per `Router::layer`
    /// and clones a route's boxes on every request, so each layer there costs allocations on
    /// every request (docs/architecture.md, "Performance budgets"). The deadline sits inside
    /// the panic guard because it answers with axum's `Response`, which the guard's boxed
    /// body is not.
    fn wrap(&self, router: Router) -> anyhow::Result<Router> {
        let prefix = random::token(6)?;
        let deadline = self.state.config.request_timeout;
        let wrapped = ServiceBuilder::new()
            .layer(request_log::layer(prefix))
            .layer(CatchPanicLayer::new())
            .layer(request_deadline::AnswerWithinLayer { deadline })
            .service(router.layer(metrics::MetricsLayer::new(&self.state)));
        Ok(Router::new().fallback_service(wrapped))
    }

    /// Performs due key transitions and reloads the keys every `key_reload_interval`, until
    /// the returned task is aborted (docs/architecture.md, "Signing-key rotation").
    pub fn spawn_key_refresh(&self) -> tokio::task::JoinHandle<()> {
        let state = &self.state;
        keys::spawn_refresh(
            state.keys.clone(),
            state.store.clone(),
            state.clock.clone(),
            state.config.clone(),
        )
    }

    /// Drains the e-mail outbox until the returned task is aborted (docs/architecture.md,
    /// "E-mail delivery").
    pub fn spawn_mail_worker(&self) -> tokio::task::JoinHandle<()> {
        mail::spawn(self.state.outbox.clone(), self.mail_transport.clone())
    }

    /// Sends due back-channel logout tokens every second, until the returned task is aborted
    /// (docs/architecture.md, "Back-channel logout").
    pub fn spawn_backchannel_logouts(&self) -> anyhow::Result<tokio::task::JoinHandle<()>> {
        backchannel_logout::spawn(self.state.clone(), BACKCHANNEL_LOGOUT_INTERVAL)
    }

    /// `GET /metrics`, for the metrics listener only.
    pub fn metrics_router(&self) -> Router {
        routes::metrics_router(self.state.clone())
    }

    /// Serves on `listener` (and `/metrics` on `metrics`, the admin API on `admin`, when
    /// given) until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        metrics: Option<TcpListener>,
        admin: Option<TcpListener>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = self.router()?;
        let limits = serve::ConnectionLimits::from_config(&self.state.config);
        let config = &self.state.config;
        let janitor = janitor::spawn(
            self.state.store.clone(),
            self.state.clock.clone(),
            JANITOR_INTERVAL,
            config.audit_retention,
        );
        let heartbeat =
            uptime::spawn(self.state.uptime.clone(), self.state.store.clone(), self.state.clock.clone());
        let key_refresh = self.spawn_key_refresh();
        let mail_worker = self.spawn_mail_worker();
        let logouts = self.spawn_backchannel_logouts()?;
        let metrics = metrics.map(|listener| serve::spawn_beside(listener, self.metrics_router(), limits));
        let admin = match admin {
            Some(listener) => Some(serve::spawn_beside(listener, self.admin_router()?, limits)),
            None => None,
        };
        let served = serve::serve(listener, router, limits, self.tls.clone(), shutdown).await;
        janitor.abort();
        heartbeat.abort();
        key_refresh.abort();
        mail_worker.abort();
        logouts.abort();
        for beside in [metrics, admin].into_iter().flatten() {
            beside.stop().await;
        }
        Ok(served?)
    }
}
