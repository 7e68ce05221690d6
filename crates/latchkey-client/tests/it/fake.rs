//! Tiny stand-in servers for what Latchkey does not serve: they count their hits.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use latchkey_client::PkceVerifier;
use serde_json::json;

/// Serves `router` on a free port; returns its base URL.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

#[derive(Clone, Default)]
pub struct Fake {
    pub hits: Arc<AtomicUsize>,
    pub healthy: Arc<AtomicBool>,
}

impl Fake {
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn token_json(access_token: &str) -> Response {
    Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "refresh_token": format!("rt-after-{access_token}"),
    }))
    .into_response()
}

/// A token endpoint for the authorization-code grant: the code is `code-<challenge>`, and
/// the verifier must hash to that challenge (RFC 7636 §4.6).
async fn code_token(State(fake): State<Fake>, Form(form): Form<HashMap<String, String>>) -> Response {
    fake.hits.fetch_add(1, Ordering::SeqCst);
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let challenge = field("code").strip_prefix("code-").unwrap_or_default().to_owned();
    let verified = PkceVerifier::parse(&field("code_verifier")).is_ok_and(|v| v.challenge() == challenge);
    let redirect = field("redirect_uri");
    if field("grant_type") == "authorization_code"
        && field("client_id") == "native-app"
        && verified
        && redirect.starts_with("http://127.0.0.1:")
        && redirect.ends_with("/callback")
    {
        token_json("from-code")
    } else {
        let body = json!({"error": "invalid_grant", "error_description": "bad code exchange"});
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
}

pub async fn code_exchange_server() -> (String, Fake) {
    let fake = Fake::default();
    let router = Router::new().route("/token", post(code_token)).with_state(fake.clone());
    (serve(router).await, fake)
}

/// A token endpoint that answers 503 `temporarily_unavailable` until made healthy.
async fn flaky_token(State(fake): State<Fake>) -> Response {
    fake.hits.fetch_add(1, Ordering::SeqCst);
    if fake.healthy.load(Ordering::SeqCst) {
        return token_json("after-outage");
    }
    let body = json!({"error": "temporarily_unavailable", "error_description": "database down"});
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

pub async fn flaky_token_server() -> (String, Fake) {
    let fake = Fake::default();
    let router = Router::new().route("/token", post(flaky_token)).with_state(fake.clone());
    (serve(router).await, fake)
}

/// An API that refuses every token.
async fn refuse(State(fake): State<Fake>) -> StatusCode {
    fake.hits.fetch_add(1, Ordering::SeqCst);
    StatusCode::UNAUTHORIZED
}

pub async fn always_401_server() -> (String, Fake) {
    let fake = Fake::default();
    let router = Router::new().route("/api", get(refuse)).with_state(fake.clone());
    (serve(router).await, fake)
}
