//! An issuer the tests control: RFC 8414 metadata and a JWKS whose fetches are counted, so
//! tests can forge tokens with their own keys, rotate keys, and see how often the guard
//! fetches.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use latchkey_crypto::{Algorithm, JwkSet, SigningKey};
use latchkey_guard::{Guard, GuardBuilder};
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::serve::serve;

pub const AUDIENCE: &str = "https://bank.example.com";

#[derive(Clone, Default)]
struct Published {
    keys: Arc<Mutex<JwkSet>>,
    fetches: Arc<AtomicUsize>,
    issuer: Arc<Mutex<String>>,
    /// When set, the JWKS answers 500.
    failing: Arc<AtomicBool>,
}

pub struct FakeIssuer {
    pub url: String,
    /// The key tokens are signed with unless a test says otherwise.
    pub key: SigningKey,
    published: Published,
    _shutdown: oneshot::Sender<()>,
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

impl FakeIssuer {
    pub async fn start() -> Self {
        let key = SigningKey::generate(Algorithm::ES256).unwrap();
        let published = Published::default();
        published.keys.lock().unwrap().keys.push(key.public_jwk());
        let app = Router::new()
            .route("/.well-known/oauth-authorization-server", get(metadata))
            .route("/jwks.json", get(jwks))
            .with_state(published.clone());
        let (url, shutdown) = serve(app).await;
        // Set before any request can arrive: nobody knows the URL yet.
        *published.issuer.lock().unwrap() = url.clone();
        Self { url, key, published, _shutdown: shutdown }
    }

    /// A guard for this issuer, discovered through its metadata.
    pub fn guard(&self) -> GuardBuilder {
        Guard::builder().issuer(self.url.clone()).audience(AUDIENCE)
    }

    /// Adds `key` to the published JWKS (a rotation at the issuer).
    pub fn publish(&self, key: &SigningKey) {
        self.published.keys.lock().unwrap().keys.push(key.public_jwk());
    }

    /// Makes the metadata name another issuer.
    pub fn claim_to_be(&self, issuer: &str) {
        *self.published.issuer.lock().unwrap() = issuer.to_owned();
    }

    /// Makes the JWKS endpoint answer 500 (an outage at the issuer), or work again.
    pub fn fail_jwks(&self, failing: bool) {
        self.published.failing.store(failing, Ordering::SeqCst);
    }

    pub fn jwks_fetches(&self) -> usize {
        self.published.fetches.load(Ordering::SeqCst)
    }

    /// RFC 9068 claims as Latchkey issues them, valid now for this issuer and [`AUDIENCE`].
    pub fn claims(&self) -> Value {
        let now = now();
        json!({
            "iss": self.url, "sub": "user-1", "aud": AUDIENCE, "exp": now + 300, "iat": now,
            "jti": format!("jti-{}", next_id()), "client_id": "bank-web",
            "scope": "profile bank:read", "sid": "session-1", "preferred_username": "alice",
        })
    }

    /// A genuine access token for `claims`, signed with the issuer's key.
    pub fn sign(&self, claims: &Value) -> String {
        self.key.sign_jwt("at+jwt", claims).unwrap()
    }

    pub fn token(&self) -> String {
        self.sign(&self.claims())
    }
}

fn next_id() -> u64 {
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

async fn metadata(State(published): State<Published>) -> Json<Value> {
    let issuer = published.issuer.lock().unwrap().clone();
    // The JWKS lives at the real address even when the metadata lies about the issuer.
    Json(json!({ "issuer": issuer, "jwks_uri": format!("{}/jwks.json", issuer) }))
}

async fn jwks(State(published): State<Published>) -> Response {
    published.fetches.fetch_add(1, Ordering::SeqCst);
    if published.failing.load(Ordering::SeqCst) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    Json(published.keys.lock().unwrap().clone()).into_response()
}
