//! A Latchkey server on a free port with a manual clock, and a count of the requests its
//! token endpoint received, to prove how many refreshes a client sent.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use latchkey_client::{Credentials, Endpoints, ManualClock, MemoryStore, OAuthClient, TokenManager};
use latchkey_core::client::ClientKind;
use latchkey_core::clock::Clock;
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_core::token_request::Secret;
use latchkey_crypto::{MasterKey, PasswordHasher};
use latchkey_server::admin::{self, ClientSpec, UserSpec};
use latchkey_server::password_pool::PasswordPool;
use latchkey_server::{App, Config};
use latchkey_store::testing::TestDatabase;
use latchkey_store::{SqlStore, Store};
use tokio::sync::oneshot;

pub const START: i64 = 1_800_000_000;
pub const PASSWORD: &str = "correct horse battery staple";
/// The server's default access-token lifetime.
pub const ACCESS_TTL: i64 = 300;

pub struct TestServer {
    pub issuer: String,
    pub http: reqwest::Client,
    pub store: Arc<dyn Store>,
    /// The server's clock.
    pub clock: Arc<ManualClock>,
    master: MasterKey,
    token_requests: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
    _db: TestDatabase,
}

fn test_config() -> Config {
    Config { argon2_memory_kib: 1024, argon2_iterations: 1, argon2_parallelism: 1, ..Config::default() }
}

impl TestServer {
    pub async fn start() -> Self {
        let db = TestDatabase::sqlite();
        let store = SqlStore::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        let store: Arc<dyn Store> = Arc::new(store);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let issuer = format!("http://{addr}");
        let config = Config { listen: addr, issuer: Some(issuer.clone()), ..test_config() };
        let clock = Arc::new(ManualClock::new(START));
        let master = MasterKey::generate().unwrap();
        let app = App::build(config, &master, store.clone(), clock.clone()).await.unwrap();
        let token_requests = Arc::new(AtomicUsize::new(0));
        let counter = token_requests.clone();
        let router =
            app.router().unwrap().layer(axum::middleware::from_fn(move |request: Request, next: Next| {
                if request.uri().path() == "/token" {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                next.run(request)
            }));
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
        });
        Self {
            issuer,
            http: reqwest::Client::new(),
            store,
            clock,
            master,
            token_requests,
            shutdown: Some(tx),
            _db: db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// Requests the token endpoint has received so far.
    pub fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::SeqCst)
    }

    /// `latchkey_refresh_total{outcome=...}` from `GET /metrics`.
    pub async fn refresh_metric(&self, outcome: &str) -> u64 {
        let text = self.http.get(self.url("/metrics")).send().await.unwrap().text().await.unwrap();
        let prefix = format!("latchkey_refresh_total{{outcome=\"{outcome}\"}} ");
        let line = text.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap();
        line.trim().parse().unwrap()
    }

    pub async fn add_alice(&self) {
        let passwords = PasswordPool::new(PasswordHasher::new(test_config().argon2_params()).unwrap());
        let spec = UserSpec { username: "alice".into(), email: None, roles: vec!["customer".into()] };
        admin::add_user(self.store.as_ref(), &passwords, spec, &Secret::new(PASSWORD), self.clock.now())
            .await
            .unwrap();
    }

    /// Registers a client; returns its credentials.
    pub async fn add_client(&self, kind: ClientKind, grants: &[GrantType], scope: &str) -> Credentials {
        self.add_client_with_redirects(kind, grants, scope, vec![]).await
    }

    /// Registers a client with redirect URIs (the authorization-code flow).
    pub async fn add_client_with_redirects(
        &self,
        kind: ClientKind,
        grants: &[GrantType],
        scope: &str,
        redirect_uris: Vec<String>,
    ) -> Credentials {
        let spec = ClientSpec {
            redirect_uris,
            require_consent: false,
            ..ClientSpec::new("sdk test", kind, grants, Scope::parse(scope).unwrap())
        };
        let secrets = latchkey_server::client_secrets(&self.master);
        let (client, secret) =
            admin::add_client(self.store.as_ref(), &secrets, spec, self.clock.now()).await.unwrap();
        Credentials { client_id: client.id, client_secret: secret }
    }

    /// A discovered client. The revocation endpoint is filled in when the metadata does not
    /// list it.
    pub async fn client(&self, credentials: Credentials) -> OAuthClient {
        let mut endpoints = Endpoints::discover(&self.http, &self.issuer).await.unwrap();
        if endpoints.revocation.is_none() {
            endpoints.revocation = Some(self.url("/revoke").parse().unwrap());
        }
        OAuthClient::new(self.http.clone(), endpoints, credentials)
    }

    /// Alice, a public app with the password and refresh grants, and a manager on a manual
    /// clock with a shared memory store, logged in. Returns the manager, its clock and store.
    pub async fn alice_logged_in(&self) -> (TokenManager, Arc<ManualClock>, Arc<MemoryStore>) {
        self.add_alice().await;
        let credentials = self
            .add_client(
                ClientKind::Public,
                &[GrantType::Password, GrantType::RefreshToken],
                "profile bank:read bank:write",
            )
            .await;
        let clock = Arc::new(ManualClock::new(START));
        let store = Arc::new(MemoryStore::default());
        let manager = TokenManager::builder(self.client(credentials).await)
            .clock(clock.clone())
            .store(store.clone())
            .build();
        manager.password_login("alice", PASSWORD, None).await.unwrap();
        (manager, clock, store)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
