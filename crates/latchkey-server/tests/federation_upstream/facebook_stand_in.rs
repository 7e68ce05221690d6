//! A Facebook stand-in, shared by the upstream tests and the HTTP token-exchange tests: the
//! token endpoint answers JSON, `/me` REQUIRES a correct `appsecret_proof` (hex HMAC-SHA256
//! of the access token under the app secret), answering a Graph API error object otherwise,
//! and `/debug_token` inspects a token for the app that authenticates with its app token
//! (`app_id|app_secret`), in the documented shape
//! `{"data":{"app_id","type","application","expires_at","is_valid","scopes","user_id"}}`.
//!
//! The app secret and access token are RFC 4231 test case 2's key and data, so the proof the
//! stand-in expects is the RFC's published tag, not one computed by the code under test.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use latchkey_core::federation_linking::Linking;
use latchkey_server::federation::providers::ProviderSpec;
use latchkey_server::federation::upstream::{preset, EndpointOverrides, PkceMode};
use serde_json::json;
use url::Url;
use zeroize::Zeroizing;

pub const APP_ID: &str = "fb-app";
pub const APP_SECRET: &str = "Jefe";
/// Our app's user token (app-scoped user [`USER_ID`]).
pub const TOKEN: &str = "what do ya want for nothing?";
pub const PROOF: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
pub const USER_ID: &str = "10158000000000001";
/// A user token Facebook issued to another app.
pub const OTHER_APP_TOKEN: &str = "token-of-another-app";
/// A token Facebook no longer honours (`is_valid: false`).
pub const INVALID_TOKEN: &str = "token-revoked-by-the-user";

async fn access_token() -> Json<serde_json::Value> {
    Json(json!({"access_token": TOKEN, "token_type": "bearer", "expires_in": 5183944}))
}

fn graph_error(message: &str, code: u32) -> Response {
    let error =
        json!({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "A1"}});
    (StatusCode::BAD_REQUEST, Json(error)).into_response()
}

async fn me(headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    if bearer != Some(&format!("Bearer {TOKEN}")) {
        return graph_error(
            "An active access token must be used to query information about the current user.",
            2500,
        );
    }
    if query.get("appsecret_proof").map(String::as_str) != Some(PROOF) {
        return graph_error("Invalid appsecret_proof provided in the API argument", 100);
    }
    assert_eq!(query.get("fields").map(String::as_str), Some("id,name,email,picture"));
    Json(json!({"id": USER_ID, "name": "Mark", "email": "mark@example.com",
        "picture": {"data": {"height": 50, "is_silhouette": false, "url": "https://platform-lookaside.fbsbx.com/p.jpg", "width": 50}}}))
    .into_response()
}

/// `GET /debug_token?input_token=...`, for our app's token only; tokens expire at `now + 1 h`.
async fn debug_token(
    State(now): State<i64>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    if bearer != Some(&format!("Bearer {APP_ID}|{APP_SECRET}")) {
        return graph_error("Invalid OAuth access token signature.", 190);
    }
    let (app_id, application, is_valid, user_id) = match query.get("input_token").map(String::as_str) {
        Some(TOKEN) => (APP_ID, "Our App", true, USER_ID),
        Some(OTHER_APP_TOKEN) => ("other-app", "Another App", true, "10158000000000999"),
        Some(INVALID_TOKEN) => (APP_ID, "Our App", false, USER_ID),
        _ => return graph_error("Invalid OAuth access token.", 190),
    };
    Json(json!({"data": {"app_id": app_id, "type": "USER", "application": application,
        "data_access_expires_at": now + 7_776_000, "expires_at": now + 3600, "is_valid": is_valid,
        "scopes": ["email", "public_profile"], "user_id": user_id}}))
    .into_response()
}

/// Serves the stand-in under `/v19.0/` on a loopback port; `now` is the clock its token
/// expiries are counted from. Returns the base URL.
pub async fn start(now: i64) -> String {
    let router = Router::new()
        .route("/v19.0/oauth/access_token", post(access_token))
        .route("/v19.0/me", get(me))
        .route("/v19.0/debug_token", get(debug_token))
        .with_state(now);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(std::future::IntoFuture::into_future(axum::serve(listener, router)));
    format!("http://{addr}")
}

/// The stand-in at `base` as the provider `facebook` to register: the preset, our app's id
/// and secret, the endpoints here, users created, never linked.
pub fn provider_spec(base: &str) -> ProviderSpec {
    let facebook = preset("facebook").unwrap();
    let endpoint = |path: &str| Some(Url::parse(&format!("{base}/v19.0/{path}")).unwrap());
    ProviderSpec {
        name: "facebook".into(),
        kind: facebook.kind,
        flavor: facebook.flavor,
        client_id: APP_ID.into(),
        client_secret: Zeroizing::new(APP_SECRET.into()),
        scopes: facebook.scopes,
        linking: Linking::Never,
        create_users: true,
        store_tokens: false,
        pkce: PkceMode::Auto,
        mapping: facebook.mapping,
        overrides: EndpointOverrides {
            token_endpoint: endpoint("oauth/access_token"),
            userinfo_endpoint: endpoint("me"),
            ..Default::default()
        },
        native_client_ids: vec![],
    }
}
