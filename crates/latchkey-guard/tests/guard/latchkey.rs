//! A real Latchkey server in process, on a free port, over a fresh SQLite database (or a
//! PostgreSQL schema when LATCHKEY_TEST_POSTGRES_URL is set), with the system clock — the
//! guard and the interop servers check expiry against the real time.

use std::sync::Arc;

use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_core::token_request::Secret;
use latchkey_crypto::MasterKey;
use latchkey_server::admin::{self, ClientSpec, UserSpec};
use latchkey_server::password_pool::PasswordPool;
use latchkey_server::{App, Config};
use latchkey_store::testing::TestDatabase;
use latchkey_store::{SqlStore, Store};
use serde_json::Value;
use tokio::sync::oneshot;

/// Which database a test runs on.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Expands each listed async test fn into a SQLite and a PostgreSQL test.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(server) = $crate::latchkey::Latchkey::start($crate::latchkey::Backend::Sqlite).await {
                    super::$name(server).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(server) = $crate::latchkey::Latchkey::start($crate::latchkey::Backend::Postgres).await {
                    super::$name(server).await;
                }
            }
        }
    )*};
}

pub const PASSWORD: &str = "correct horse battery staple";

/// A running server with a public app client (password + refresh grants, bank scopes), a
/// confidential resource-server client (for the feed and introspection) and a user alice.
pub struct Latchkey {
    pub issuer: String,
    pub app_client: String,
    pub resource_server: (String, String),
    http: reqwest::Client,
    _shutdown: oneshot::Sender<()>,
    _db: TestDatabase,
}

impl Latchkey {
    pub async fn start(backend: Backend) -> Option<Self> {
        let db = match backend {
            Backend::Sqlite => TestDatabase::sqlite(),
            Backend::Postgres => TestDatabase::postgres()?,
        };
        let store = SqlStore::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        let store: Arc<dyn Store> = Arc::new(store);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let issuer = format!("http://{addr}");
        // Small Argon2 parameters: the tests exercise the guard, not the password cost.
        let config = Config {
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            argon2_parallelism: 1,
            listen: addr,
            issuer: Some(issuer.clone()),
            ..Config::default()
        };
        let passwords =
            PasswordPool::new(latchkey_crypto::PasswordHasher::new(config.argon2_params()).unwrap());
        let master = MasterKey::generate().unwrap();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let now = clock.now();

        let user = UserSpec { username: "alice".into(), email: None, roles: vec!["customer".into()] };
        admin::add_user(store.as_ref(), &passwords, user, &Secret::new(PASSWORD), now).await.unwrap();
        let secrets = latchkey_server::client_secrets(&master);
        let spec = |kind, grant_types: Vec<GrantType>, scope: &str| {
            ClientSpec::new("guard test", kind, &grant_types, Scope::parse(scope).unwrap())
        };
        let app_spec = spec(
            ClientKind::Public,
            vec![GrantType::Password, GrantType::RefreshToken],
            "profile bank:read bank:write",
        );
        let (app_client, _) = admin::add_client(store.as_ref(), &secrets, app_spec, now).await.unwrap();
        let rs_spec = spec(ClientKind::Confidential, vec![GrantType::ClientCredentials], "");
        let (rs_client, rs_secret) = admin::add_client(store.as_ref(), &secrets, rs_spec, now).await.unwrap();

        let app = App::build(config, &master, store, clock).await.unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(app.serve(listener, async move {
            let _ = rx.await;
        }));
        Some(Self {
            issuer,
            app_client: app_client.id,
            resource_server: (rs_client.id, rs_secret.unwrap()),
            http: reqwest::Client::new(),
            _shutdown: tx,
            _db: db,
        })
    }

    /// Alice logs in with the password grant; returns the token response.
    pub async fn login(&self) -> Value {
        let form = [
            ("grant_type", "password"),
            ("client_id", self.app_client.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ];
        let response = self.http.post(format!("{}/token", self.issuer)).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// Revokes a refresh token (RFC 7009), which ends its session.
    pub async fn revoke(&self, refresh_token: &str) {
        let form = [
            ("client_id", self.app_client.as_str()),
            ("token", refresh_token),
            ("token_type_hint", "refresh_token"),
        ];
        let response = self.http.post(format!("{}/revoke", self.issuer)).form(&form).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }
}
