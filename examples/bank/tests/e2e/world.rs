//! The world of the end-to-end tests: Latchkey (on a manual clock) with users alice and bob
//! and three clients, the bank behind its guard, and what a test needs to drive them.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use latchkey_bank::{router, Ledger, StepUpPolicy};
use latchkey_client::{AuthorizedClient, Credentials, OAuthClient, TokenManager};
use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, ManualClock};
use latchkey_core::dpop::DpopPolicy;
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_guard::Guard;
use latchkey_server::admin::NewClient;
use latchkey_server::testing::{test_config, TestLatchkey};
use latchkey_store::testing::{Fixture, TestDatabase};
use latchkey_store::Store;
use serde_json::Value;

pub const PASSWORD: &str = "correct horse battery staple";

pub fn wall_clock() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Latchkey, the bank in front of it, and what a test needs to drive them.
pub struct World {
    pub issuer: String,
    pub bank: String,
    pub app_client_id: String,
    pub dpop_app_client_id: String,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    pub latchkey: TestLatchkey,
    _db: TestDatabase,
    _bank_db: TestDatabase,
}

fn serve(listener: tokio::net::TcpListener, router: axum::Router) -> String {
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
            .unwrap();
    });
    format!("http://{addr}")
}

/// What `on_both_backends!` hands each test: Latchkey on `db`, the bank's ledger on a second
/// database of the same backend.
impl Fixture for World {
    async fn on(db: TestDatabase) -> Self {
        let bank_db = TestDatabase::of(db.backend()).expect("the backend of the first database is available");
        world(db, bank_db).await
    }
}

async fn world(db: TestDatabase, bank_db: TestDatabase) -> World {
    let store: Arc<dyn Store> = Arc::new(db.store().await);
    let clock = Arc::new(ManualClock::new(wall_clock()));
    let latchkey = TestLatchkey::start(store, clock.clone(), test_config()).await.unwrap();
    for name in ["alice", "bob"] {
        latchkey.add_user(name, &[], PASSWORD, clock.now()).await.unwrap();
    }
    let scope = || Scope::parse("bank:read bank:write").unwrap();
    let grants = [GrantType::Password, GrantType::RefreshToken];
    let app_spec = NewClient::new("bank app", ClientKind::Public, &grants, scope());
    let (app, _) = latchkey.add_client(app_spec, clock.now()).await.unwrap();
    let feed_spec =
        NewClient::new("bank api", ClientKind::Confidential, &[GrantType::ClientCredentials], scope());
    let (feed, feed_secret) = latchkey.add_client(feed_spec, clock.now()).await.unwrap();
    // A public app that must use DPoP with server nonces (RFC 9449 §5, §8).
    let dpop_spec = NewClient {
        dpop: DpopPolicy::Required,
        dpop_nonce: true,
        ..NewClient::new("bank dpop app", ClientKind::Public, &grants, scope())
    };
    let (dpop_app, _) = latchkey.add_client(dpop_spec, clock.now()).await.unwrap();
    let issuer = latchkey.issuer.clone();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let guard = Guard::builder()
        .issuer(&issuer)
        .audience(&issuer)
        .public_paths(["/healthz"])
        .revocation_feed(&feed.id, &feed_secret.unwrap(), Duration::from_millis(200))
        .dpop(format!("http://{}", listener.local_addr().unwrap()))
        .dpop_nonce_secret([9; 32])
        .build()
        .await
        .unwrap();
    let ledger = Ledger::open(&bank_db.url).await.unwrap();
    let bank = serve(listener, router(ledger, &guard, StepUpPolicy::default()));
    World {
        issuer,
        bank,
        app_client_id: app.registration.id,
        dpop_app_client_id: dpop_app.registration.id,
        clock,
        http: reqwest::Client::new(),
        latchkey,
        _db: db,
        _bank_db: bank_db,
    }
}

impl World {
    pub async fn sdk(&self, username: &str, scope: &str) -> (AuthorizedClient, TokenManager) {
        let credentials = Credentials { client_id: self.app_client_id.clone(), client_secret: None };
        let client = OAuthClient::discover(self.http.clone(), &self.issuer, credentials).await.unwrap();
        let tokens = TokenManager::new(client);
        tokens.password_login(username, PASSWORD, Some(scope)).await.unwrap();
        (AuthorizedClient::new(self.http.clone(), tokens.clone()), tokens)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.bank)
    }

    pub async fn write(&self, api: &AuthorizedClient, path: &str, key: &str, body: Value) -> (u16, Value) {
        let request = api.post(self.url(path)).header("idempotency-key", key).json(&body);
        let response = api.send(request).await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    pub async fn balance(&self, api: &AuthorizedClient) -> i64 {
        let response = api.send(api.get(self.url("/balance"))).await.unwrap();
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["balance"].as_i64().unwrap()
    }

    pub async fn refreshes(&self) -> (u64, u64) {
        let text =
            self.http.get(self.latchkey.metrics_url().unwrap()).send().await.unwrap().text().await.unwrap();
        let count = |series: &str| {
            text.lines().find_map(|l| l.strip_prefix(series)).and_then(|v| v.trim().parse().ok()).unwrap()
        };
        (
            count("latchkey_refresh_total{outcome=\"rotated\"}"),
            count("latchkey_refresh_total{outcome=\"duplicate\"}"),
        )
    }
}
