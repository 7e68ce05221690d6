//! A hostile OpenID Connect provider: discovery, JWKS, token and UserInfo endpoints whose
//! answers each test sets (the ID token to hand out, the issuer discovery claims, the keys).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_core::clock::ManualClock;
use latchkey_crypto::{digest, Algorithm, JwkSet, SigningKey};
use latchkey_server::federation::mapping::ClaimMapping;
use latchkey_server::federation::upstream::{
    CallbackInput, EndpointOverrides, Flavor, PkceMode, ProviderConfig, ProviderKind, Upstream,
};
use serde_json::{json, Value};
use url::Url;
use zeroize::Zeroizing;

/// The provider's and our clock: 2027-01-15.
pub const NOW: i64 = 1_800_000_000;
pub const CLIENT_ID: &str = "our-client";
pub const CLIENT_SECRET: &str = "our-secret";
pub const NONCE: &str = "nonce-0123456789abcdef";
pub const ACCESS_TOKEN: &str = "upstream-access-token-1";

/// A token request as received: its Authorization header and form.
pub type TokenRequest = (Option<String>, Vec<(String, String)>);

#[derive(Default)]
pub struct ProviderState {
    /// The `issuer` discovery claims (default: the real one).
    pub discovery_issuer: Mutex<Option<String>>,
    pub discovery_hits: AtomicUsize,
    /// Advertise RFC 9207 `iss` in authorization responses.
    pub advertise_response_iss: AtomicBool,
    pub jwks: Mutex<JwkSet>,
    pub jwks_hits: AtomicUsize,
    /// Answer 503 at the JWKS.
    pub jwks_down: AtomicBool,
    /// The ID token the token endpoint hands out.
    pub id_token: Mutex<String>,
    pub userinfo: Mutex<Value>,
    /// Each token request: its Authorization header and form.
    pub token_requests: Mutex<Vec<TokenRequest>>,
}

pub struct HostileProvider {
    pub issuer: String,
    pub state: Arc<ProviderState>,
    pub key: SigningKey,
    pub clock: Arc<ManualClock>,
    pub upstream: Upstream,
}

async fn discovery(State((issuer, state)): State<(String, Arc<ProviderState>)>) -> Json<Value> {
    state.discovery_hits.fetch_add(1, Ordering::SeqCst);
    let claimed = state.discovery_issuer.lock().unwrap().clone().unwrap_or_else(|| issuer.clone());
    Json(json!({
        "issuer": claimed,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "code_challenge_methods_supported": ["S256"],
        "id_token_signing_alg_values_supported": ["ES256", "RS256"],
        "authorization_response_iss_parameter_supported": state.advertise_response_iss.load(Ordering::SeqCst),
    }))
}

async fn jwks(State((_, state)): State<(String, Arc<ProviderState>)>) -> Result<Json<JwkSet>, StatusCode> {
    state.jwks_hits.fetch_add(1, Ordering::SeqCst);
    if state.jwks_down.load(Ordering::SeqCst) {
        return Err(StatusCode::SERVICE_UNAVAILABLE);
    }
    Ok(Json(state.jwks.lock().unwrap().clone()))
}

async fn token(
    State((_, state)): State<(String, Arc<ProviderState>)>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Json<Value> {
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    state.token_requests.lock().unwrap().push((authorization, form));
    let id_token = state.id_token.lock().unwrap().clone();
    Json(json!({"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600,
        "refresh_token": "upstream-refresh-1", "id_token": id_token}))
}

async fn userinfo(State((_, state)): State<(String, Arc<ProviderState>)>, headers: HeaderMap) -> Json<Value> {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    if bearer != Some(&format!("Bearer {ACCESS_TOKEN}")) {
        return Json(json!({"error": "invalid_token"}));
    }
    Json(state.userinfo.lock().unwrap().clone())
}

impl HostileProvider {
    pub async fn start() -> Self {
        let state = Arc::new(ProviderState::default());
        let key = SigningKey::generate(Algorithm::ES256).unwrap();
        state.jwks.lock().unwrap().keys.push(key.public_jwk());
        *state.userinfo.lock().unwrap() = json!({"sub": "user-1", "picture": "https://img.example/u1.png"});
        // The router needs the issuer, which needs the port: bind first.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/token", post(token))
            .route("/userinfo", get(userinfo))
            .with_state((issuer.clone(), state.clone()));
        tokio::spawn(std::future::IntoFuture::into_future(axum::serve(listener, router)));
        let clock = Arc::new(ManualClock::new(NOW));
        let upstream = Upstream::new(clock.clone());
        HostileProvider { issuer, state, key, clock, upstream }
    }

    pub fn config(&self) -> ProviderConfig {
        ProviderConfig {
            name: "hostile".into(),
            kind: ProviderKind::Oidc { issuer: self.issuer.clone() },
            flavor: Flavor::Generic,
            client_id: CLIENT_ID.into(),
            client_secret: Zeroizing::new(CLIENT_SECRET.into()),
            scopes: vec!["email".into()],
            pkce: PkceMode::Auto,
            mapping: ClaimMapping::for_flavor(Flavor::Generic),
            overrides: EndpointOverrides::default(),
            native_client_ids: vec![],
        }
    }

    /// Claims of a good ID token for `user-1`.
    pub fn good_claims(&self) -> Value {
        json!({
            "iss": self.issuer, "sub": "user-1", "aud": CLIENT_ID, "exp": NOW + 300, "iat": NOW - 2,
            "nonce": NONCE, "at_hash": at_hash(ACCESS_TOKEN),
            "email": "ada@example.com", "email_verified": true, "name": "Ada",
        })
    }

    /// Makes the token endpoint hand out `id_token` next.
    pub fn hand_out(&self, id_token: String) {
        *self.state.id_token.lock().unwrap() = id_token;
    }

    pub fn callback(&self) -> CallbackInput {
        CallbackInput {
            code: "code-1".into(),
            redirect_uri: Url::parse("https://latchkey.example/federation/callback").unwrap(),
            pkce_verifier: Some("verifier-0123456789012345678901234567890123".into()),
            nonce: NONCE.into(),
            apple_user: None,
        }
    }

    pub fn jwks_hits(&self) -> usize {
        self.state.jwks_hits.load(Ordering::SeqCst)
    }
}

pub fn at_hash(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(&digest::sha256(access_token.as_bytes())[..16])
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A compact JWS with this exact header, signed by `sign` over `header.payload`.
pub fn token_with_header(header: &Value, claims: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let input = format!(
        "{}.{}",
        b64(&serde_json::to_vec(header).unwrap()),
        b64(&serde_json::to_vec(claims).unwrap())
    );
    let signature = sign(input.as_bytes());
    format!("{input}.{}", b64(&signature))
}
