//! A Latchkey server (SQLite, manual clock, metrics listener), alice, a confidential client
//! registered for the BFF, an echo API, and BFF instances on the fixture's database.
//!
//! The BFF's public URL is `https://app.bank.example` (so its cookies carry `Secure` and the
//! `__Host-` prefix, as in production) while it listens on a loopback port; the scripted
//! browser (`latchkey_bff::testing`) maps the one to the other.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use latchkey_bff::{ApiRoute, Bff, BffConfig};
use latchkey_client::{Clock, ManualClock};
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_crypto::MasterKey;
use latchkey_server::admin::NewClient;
use latchkey_server::testing::{test_config, TestLatchkey};
use latchkey_store::testing::{Fixture, TestDatabase};
use latchkey_store::Store;
use latchkey_store::User;

pub const START: i64 = 1_800_000_000;
pub const PASSWORD: &str = "correct horse battery staple";
pub const PUBLIC_URL: &str = "https://app.bank.example";

pub struct Harness {
    pub latchkey: TestLatchkey,
    pub clock: Arc<ManualClock>,
    pub alice: User,
    pub client_id: String,
    pub client_secret: String,
    /// The echo API's base URL.
    pub echo: String,
    /// The fixture's database, for the BFF's sessions.
    pub bff_db: TestDatabase,
    session_key: [u8; 32],
    _latchkey_db: TestDatabase,
}

impl Fixture for Harness {
    async fn on(bff_db: TestDatabase) -> Self {
        let latchkey_db = TestDatabase::sqlite();
        let store: Arc<dyn Store> = Arc::new(latchkey_db.store().await);
        let clock = Arc::new(ManualClock::new(START));
        let latchkey = TestLatchkey::start(store, clock.clone(), test_config()).await.unwrap();
        let alice = latchkey.add_user("alice", &["customer"], PASSWORD, START).await.unwrap();
        let (client, secret) = latchkey.add_client(client_spec(), START).await.unwrap();
        Self {
            latchkey,
            clock,
            alice,
            client_id: client.registration.id,
            client_secret: secret.unwrap(),
            echo: start_echo().await,
            bff_db,
            session_key: *b"0123456789abcdef0123456789abcdef",
            _latchkey_db: latchkey_db,
        }
    }
}

/// The BFF's confidential client at Latchkey.
fn client_spec() -> NewClient {
    NewClient {
        redirect_uris: vec![format!("{PUBLIC_URL}/bff/callback")],
        post_logout_redirect_uris: vec![format!("{PUBLIC_URL}/")],
        require_consent: false,
        ..NewClient::new(
            "bank web",
            ClientKind::Confidential,
            &[GrantType::AuthorizationCode, GrantType::RefreshToken],
            Scope::parse("openid profile").unwrap(),
        )
    }
}

impl Harness {
    pub fn config(&self) -> BffConfig {
        let mut config = BffConfig::new(
            &self.latchkey.issuer,
            &self.client_id,
            &self.client_secret,
            PUBLIC_URL.parse().unwrap(),
        );
        config.routes = vec![ApiRoute::parse(&format!("/api={}/v1", self.echo)).unwrap()];
        config
    }

    /// A BFF instance on the fixture's database, served on a loopback port; returns its
    /// base URL. Every instance shares the session key, as processes behind one load
    /// balancer do.
    pub async fn start_bff(&self) -> String {
        self.start_bff_with(self.config()).await
    }

    pub async fn start_bff_with(&self, config: BffConfig) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.start_bff_on(listener, config).await
    }

    async fn start_bff_on(&self, listener: tokio::net::TcpListener, config: BffConfig) -> String {
        let key = MasterKey::from_bytes(&self.session_key).unwrap();
        let clock: Arc<dyn Clock> = self.clock.clone();
        let bff = Bff::with_clock(config, &self.bff_db.url, key, clock).await.unwrap();
        serve_on(listener, bff.router())
    }

    /// A BFF instance whose client at Latchkey has the BFF's receiver as its
    /// `backchannel_logout_uri`, so Latchkey sends it logout tokens.
    pub async fn start_bff_receiving_logouts(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = format!("http://{}/bff/backchannel-logout", listener.local_addr().unwrap());
        let spec = NewClient { backchannel_logout_uri: Some(receiver), ..client_spec() };
        let (client, secret) = self.latchkey.add_client(spec, START).await.unwrap();
        let config =
            BffConfig { client_id: client.registration.id, client_secret: secret.unwrap(), ..self.config() };
        self.start_bff_on(listener, config).await
    }

    /// A scripted browser for the BFF listening at `bff`, signing in as alice.
    pub fn browser(&self, bff: &str) -> latchkey_bff::testing::Browser {
        latchkey_bff::testing::Browser::new(bff, PUBLIC_URL, &self.latchkey.issuer, "alice", PASSWORD)
    }

    /// `latchkey_refresh_total{outcome=...}` from Latchkey's metrics listener.
    pub async fn refresh_metric(&self, outcome: &str) -> u64 {
        let text = reqwest::get(self.latchkey.metrics_url().unwrap()).await.unwrap().text().await.unwrap();
        let prefix = format!("latchkey_refresh_total{{outcome=\"{outcome}\"}} ");
        text.lines().find_map(|l| l.strip_prefix(&prefix)).map_or(0, |n| n.trim().parse().unwrap())
    }
}

/// Serves `router` on a free loopback port; returns `http://127.0.0.1:<port>`.
pub async fn serve(router: axum::Router) -> String {
    serve_on(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), router)
}

/// Serves `router` on `listener`; returns `http://127.0.0.1:<port>`.
fn serve_on(listener: tokio::net::TcpListener, router: axum::Router) -> String {
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// What the echo API saw, as JSON; it also tries to set a cookie.
async fn echo(request: Request) -> Response {
    let header = |headers: &HeaderMap, name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    let headers = request.headers().clone();
    let method = request.method().to_string();
    let uri = request.uri().to_string();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20).await.unwrap();
    let seen = serde_json::json!({
        "method": method,
        "uri": uri,
        "authorization": header(&headers, "authorization"),
        "cookie": header(&headers, "cookie"),
        "csrf": header(&headers, "x-latchkey-csrf"),
        "body": String::from_utf8_lossy(&body),
    });
    ([("set-cookie", "upstream=planted; Path=/")], axum::Json(seen)).into_response()
}

async fn start_echo() -> String {
    serve(axum::Router::new().fallback(echo)).await
}
