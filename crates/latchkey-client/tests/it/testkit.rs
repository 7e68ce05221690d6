//! A Latchkey server on a free port with a manual clock, and a count of the requests its
//! token endpoint received, to prove how many refreshes a client sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::Next;
use latchkey_client::{Credentials, Endpoints, ManualClock, MemoryStore, OAuthClient, TokenManager};
use latchkey_core::client::ClientKind;
use latchkey_core::clock::Clock;
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_server::admin::NewClient;
use latchkey_server::testing::{test_config, TestLatchkey};
use latchkey_store::testing::TestDatabase;
use latchkey_store::Store;

pub const START: i64 = 1_800_000_000;
pub const PASSWORD: &str = "correct horse battery staple";
/// The server's default access-token lifetime.
pub const ACCESS_TTL: i64 = 300;

pub struct TestServer {
    pub issuer: String,
    pub http: reqwest::Client,
    /// The server's clock.
    pub clock: Arc<ManualClock>,
    token_requests: Arc<AtomicUsize>,
    latchkey: TestLatchkey,
    _db: TestDatabase,
}

impl TestServer {
    pub async fn start() -> Self {
        let db = TestDatabase::sqlite();
        let store: Arc<dyn Store> = Arc::new(db.store().await);
        let clock = Arc::new(ManualClock::new(START));
        let token_requests = Arc::new(AtomicUsize::new(0));
        let counter = token_requests.clone();
        let count_token_requests = move |router: axum::Router| {
            router.layer(axum::middleware::from_fn(move |request: Request, next: Next| {
                if request.uri().path() == "/token" {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                next.run(request)
            }))
        };
        let latchkey = TestLatchkey::start_wrapped(store, clock.clone(), test_config(), count_token_requests)
            .await
            .unwrap();
        Self {
            issuer: latchkey.issuer.clone(),
            http: reqwest::Client::new(),
            clock,
            token_requests,
            latchkey,
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
        let text =
            self.http.get(self.latchkey.metrics_url().unwrap()).send().await.unwrap().text().await.unwrap();
        let prefix = format!("latchkey_refresh_total{{outcome=\"{outcome}\"}} ");
        let line = text.lines().find_map(|l| l.strip_prefix(&prefix)).unwrap();
        line.trim().parse().unwrap()
    }

    /// The server's store and master key (to register upstream providers).
    pub fn latchkey(&self) -> &TestLatchkey {
        &self.latchkey
    }

    pub async fn add_alice(&self) {
        self.latchkey.add_user("alice", &["customer"], PASSWORD, self.clock.now()).await.unwrap();
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
        let spec = NewClient {
            redirect_uris,
            require_consent: false,
            ..NewClient::new("sdk test", kind, grants, Scope::parse(scope).unwrap())
        };
        let (client, secret) = self.latchkey.add_client(spec, self.clock.now()).await.unwrap();
        Credentials { client_id: client.registration.id, client_secret: secret }
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
