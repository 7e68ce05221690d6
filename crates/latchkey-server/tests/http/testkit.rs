//! Starts a real Latchkey server on a free port, over a fresh database, with a clock the
//! test controls, and drives it over HTTP.

use std::sync::Arc;

use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, ManualClock};
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_crypto::{JwkSet, KeySet};
use latchkey_server::admin::NewClient;
pub use latchkey_server::testing::test_config;
use latchkey_server::testing::TestLatchkey;
use latchkey_server::Config;
use latchkey_store::testing::{Fixture, TestDatabase};
use latchkey_store::{SqlStore, Store};
use reqwest::Response;
use serde_json::Value;

pub const START: i64 = 1_800_000_000;
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub issuer: String,
    pub latchkey: TestLatchkey,
    _db: TestDatabase,
}

/// What `latchkey_store::on_both_backends!` hands each HTTP test: a server with the test
/// configuration on the backend under test.
impl Fixture for TestServer {
    async fn on(db: TestDatabase) -> Self {
        Self::start_on(db, None, test_config()).await
    }
}

impl TestServer {
    /// Starts a server on `db`, reached through `url` when given (e.g. through a proxy).
    pub async fn start_on(db: TestDatabase, url: Option<String>, config: Config) -> Self {
        let store = SqlStore::connect(url.as_deref().unwrap_or(&db.url)).await.unwrap();
        store.migrate().await.unwrap();
        let store: Arc<dyn Store> = Arc::new(store);
        let clock = Arc::new(ManualClock::new(START));
        let latchkey = TestLatchkey::start(store.clone(), clock.clone(), config).await.unwrap();
        Self {
            base: latchkey.issuer.clone(),
            issuer: latchkey.issuer.clone(),
            http: reqwest::Client::new(),
            store,
            clock,
            latchkey,
            _db: db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn add_user(&self, username: &str, roles: &[&str]) -> latchkey_store::User {
        self.latchkey.add_user(username, roles, PASSWORD, self.clock.now()).await.unwrap()
    }

    /// Registers a client; returns its id and secret (confidential only).
    pub async fn add_client(
        &self,
        kind: ClientKind,
        grants: &[GrantType],
        scope: &str,
    ) -> (String, Option<String>) {
        self.add_client_with(kind, grants, scope, |_| {}).await
    }

    pub async fn add_client_with(
        &self,
        kind: ClientKind,
        grants: &[GrantType],
        scope: &str,
        adjust: impl FnOnce(&mut NewClient),
    ) -> (String, Option<String>) {
        let mut spec = NewClient::new("test client", kind, grants, Scope::parse(scope).unwrap());
        adjust(&mut spec);
        let (client, secret) = self.latchkey.add_client(spec, self.clock.now()).await.unwrap();
        (client.registration.id, secret)
    }

    /// A public client with the password and refresh grants (alice must exist).
    pub async fn with_app_and_alice_client(&self) -> String {
        self.add_client(
            ClientKind::Public,
            &[GrantType::Password, GrantType::RefreshToken],
            "profile bank:read bank:write",
        )
        .await
        .0
    }

    /// A public client with the password and refresh grants, and a user `alice`.
    pub async fn with_app_and_alice(&self) -> String {
        self.add_user("alice", &["customer"]).await;
        self.add_client(
            ClientKind::Public,
            &[GrantType::Password, GrantType::RefreshToken],
            "profile bank:read bank:write",
        )
        .await
        .0
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.http.post(self.url(path)).form(form).send().await.unwrap()
    }

    pub async fn password_login(&self, client_id: &str, username: &str, password: &str) -> Response {
        self.post_form(
            "/token",
            &[
                ("grant_type", "password"),
                ("client_id", client_id),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }

    pub async fn refresh(&self, client_id: &str, refresh_token: &str) -> Response {
        self.post_form(
            "/token",
            &[("grant_type", "refresh_token"), ("client_id", client_id), ("refresh_token", refresh_token)],
        )
        .await
    }

    /// Logs alice in and returns the token response.
    pub async fn login_alice(&self, client_id: &str) -> Value {
        let response = self.password_login(client_id, "alice", PASSWORD).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn jwks(&self) -> KeySet {
        let set: JwkSet = self.http.get(self.url("/jwks.json")).send().await.unwrap().json().await.unwrap();
        KeySet::from_jwks(&set).0
    }
}

/// Asserts an RFC 6749 §5.2 error response and returns its body.
pub async fn assert_oauth_error(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    let content_type = response.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
    assert!(content_type.starts_with("application/json"), "{content_type}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], code, "{body}");
    body
}
