//! An in-process Latchkey for other crates' tests (feature `testing`): real HTTP on a free
//! loopback port, with whatever store and clock the test chooses, reloading its signing keys
//! like `latchkey serve` does. The server's own tests,
//! the guard's, the client SDK's and the bank example's all start Latchkey this way.

mod dpop;

pub use dpop::DpopProver;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::Router;
use latchkey_core::clock::Clock;
use latchkey_core::token_request::Secret;
use latchkey_crypto::{MasterKey, PasswordHasher, SigningKey};
use latchkey_store::{Client, Store, User};
use tokio::sync::oneshot;

use crate::admin::{self, NewClient, UserSpec};
use crate::keys::SigningKeys;
use crate::password_pool::PasswordPool;
use crate::serve::{self, ConnectionLimits};
use crate::{App, Config};

/// The defaults with small Argon2 parameters (tests exercise logic, not password cost),
/// `/metrics` on a loopback port of its own, and a data directory of its own under the
/// system's temporary directory (where e-mails go without SMTP), never the working directory.
pub fn test_config() -> Config {
    static SERVERS: AtomicUsize = AtomicUsize::new(0);
    let n = SERVERS.fetch_add(1, Ordering::Relaxed);
    let data_dir = std::env::temp_dir().join(format!("latchkey-test-{}-{n}", std::process::id()));
    Config {
        data_dir,
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        argon2_parallelism: 1,
        metrics_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        ..Config::default()
    }
}

/// A served Latchkey; dropping it stops the server.
pub struct TestLatchkey {
    /// The issuer and default audience: `http://127.0.0.1:<port>` unless the config names
    /// one (e.g. a path-prefix proxy's address).
    pub issuer: String,
    /// Where the server listens.
    pub addr: SocketAddr,
    /// Where `/metrics` is served, when the config has a `metrics_listen`.
    pub metrics_addr: Option<SocketAddr>,
    /// Where the admin API is served, when the config has an `admin_listen`.
    pub admin_addr: Option<SocketAddr>,
    pub store: Arc<dyn Store>,
    pub master: MasterKey,
    pub config: Config,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestLatchkey {
    /// Serves `config` (its `listen` is replaced, and its `issuer` when it has none) over
    /// `store`.
    pub async fn start(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: Config) -> anyhow::Result<Self> {
        Self::start_wrapped(store, clock, config, |router| router).await
    }

    /// Like [`TestLatchkey::start`], with `wrap` applied to the router (e.g. a layer that counts
    /// requests at the server).
    pub async fn start_wrapped(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        mut config: Config,
        wrap: impl FnOnce(Router) -> Router,
    ) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let scheme = config.scheme();
        config.issuer.get_or_insert_with(|| format!("{scheme}://{addr}"));
        let master = MasterKey::generate()?;
        Self::start_keyed(listener, store, clock, config, wrap, master).await
    }

    /// Another server of the same deployment (the same issuer, configuration and master key)
    /// over `store` (the same database), as a second process would be.
    pub async fn start_beside(&self, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let master = MasterKey::from_base64(&self.master.to_base64())?;
        Self::start_keyed(listener, store, clock, self.config.clone(), |router| router, master).await
    }

    async fn start_keyed(
        listener: tokio::net::TcpListener,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        mut config: Config,
        wrap: impl FnOnce(Router) -> Router,
        master: MasterKey,
    ) -> anyhow::Result<Self> {
        let addr = listener.local_addr()?;
        config.listen = addr;
        let app = App::build(config.clone(), &master, store.clone(), clock).await?;
        let key_refresh = app.spawn_key_refresh();
        let mail_worker = app.spawn_mail_worker();
        let logouts = app.spawn_backchannel_logouts()?;
        let issuer = app.issuer().to_owned();
        let router = wrap(app.router()?);
        let tls = app.tls();
        let limits = ConnectionLimits::from_config(&config);
        let metrics = match config.metrics_listen {
            Some(metrics_addr) => Some(tokio::net::TcpListener::bind(metrics_addr).await?),
            None => None,
        };
        let metrics_addr = metrics.as_ref().map(|listener| listener.local_addr()).transpose()?;
        let metrics = metrics.map(|listener| serve::spawn_beside(listener, app.metrics_router(), limits));
        let admin = match config.admin_listen {
            Some(admin_addr) => Some(tokio::net::TcpListener::bind(admin_addr).await?),
            None => None,
        };
        let admin_addr = admin.as_ref().map(|listener| listener.local_addr()).transpose()?;
        let admin = match admin {
            Some(listener) => Some(serve::spawn_beside(listener, app.admin_router()?, limits)),
            None => None,
        };
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = serve::serve(listener, router, limits, tls, async move {
                let _ = stopped.await;
            })
            .await;
            key_refresh.abort();
            mail_worker.abort();
            logouts.abort();
            for beside in [metrics, admin].into_iter().flatten() {
                beside.stop().await;
            }
        });
        Ok(Self { issuer, addr, metrics_addr, admin_addr, store, master, config, shutdown: Some(shutdown) })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// `GET /metrics`'s URL on the metrics listener (`None` without `metrics_listen`).
    pub fn metrics_url(&self) -> Option<String> {
        self.metrics_addr.map(|addr| format!("http://{addr}/metrics"))
    }

    /// The admin API's base URL (`.../admin`) on the admin listener (`None` without
    /// `admin_listen`).
    pub fn admin_url(&self) -> Option<String> {
        self.admin_addr.map(|addr| format!("http://{addr}/admin"))
    }

    /// Creates a user with `password`.
    pub async fn add_user(
        &self,
        username: &str,
        roles: &[&str],
        password: &str,
        now: i64,
    ) -> anyhow::Result<User> {
        let passwords = PasswordPool::new(PasswordHasher::new(self.config.argon2_params())?);
        let spec = UserSpec {
            username: username.into(),
            email: Some(format!("{username}@example.com")),
            email_verified: false,
            roles: roles.iter().map(|r| r.to_string()).collect(),
        };
        admin::add_user(self.store.as_ref(), &passwords, spec, &Secret::new(password), now).await
    }

    /// Registers a client; returns it and its secret (confidential clients only).
    pub async fn add_client(&self, spec: NewClient, now: i64) -> anyhow::Result<(Client, Option<String>)> {
        admin::add_client(self.store.as_ref(), &crate::client_secrets(&self.master), spec, now).await
    }

    /// The key this server signs ID tokens with, for tests that craft tokens a relying party
    /// must accept from it (e.g. back-channel logout tokens).
    pub async fn id_token_signer(&self) -> anyhow::Result<SigningKey> {
        let keys = SigningKeys::load(self.store.as_ref(), &self.master, &self.config, 0).await?;
        let signer = keys.id_token_signer();
        Ok(SigningKey::from_pkcs8(signer.alg(), &signer.to_pkcs8()?)?)
    }
}

impl Drop for TestLatchkey {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
