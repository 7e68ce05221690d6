//! A Facebook stand-in: the token endpoint answers JSON, and `/me` REQUIRES a correct
//! `appsecret_proof` (hex HMAC-SHA256 of the access token under the app secret), answering a
//! Graph API error object otherwise.
//!
//! The app secret and access token are RFC 4231 test case 2's key and data, so the proof the
//! stand-in expects is the RFC's published tag, not one computed by the code under test.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use latchkey_core::clock::ManualClock;
use latchkey_server::federation::upstream::{
    preset, CallbackInput, PkceMode, ProviderConfig, Upstream, UpstreamError,
};
use serde_json::json;
use url::Url;
use zeroize::Zeroizing;

const APP_SECRET: &str = "Jefe";
const TOKEN: &str = "what do ya want for nothing?";
const PROOF: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

async fn access_token() -> Json<serde_json::Value> {
    Json(json!({"access_token": TOKEN, "token_type": "bearer", "expires_in": 5183944}))
}

async fn me(headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    if bearer != Some(&format!("Bearer {TOKEN}")) {
        let error = json!({"error": {"message": "An active access token must be used to query information about the current user.", "type": "OAuthException", "code": 2500, "fbtrace_id": "A1"}});
        return (StatusCode::BAD_REQUEST, Json(error)).into_response();
    }
    if query.get("appsecret_proof").map(String::as_str) != Some(PROOF) {
        let error = json!({"error": {"message": "Invalid appsecret_proof provided in the API argument", "type": "GraphMethodException", "code": 100, "fbtrace_id": "A2"}});
        return (StatusCode::BAD_REQUEST, Json(error)).into_response();
    }
    assert_eq!(query.get("fields").map(String::as_str), Some("id,name,email,picture"));
    Json(json!({"id": "10158000000000001", "name": "Mark", "email": "mark@example.com",
        "picture": {"data": {"height": 50, "is_silhouette": false, "url": "https://platform-lookaside.fbsbx.com/p.jpg", "width": 50}}}))
    .into_response()
}

async fn config() -> ProviderConfig {
    let router =
        Router::new().route("/v19.0/oauth/access_token", post(access_token)).route("/v19.0/me", get(me));
    let base = crate::serve(router).await;
    let facebook = preset("facebook").unwrap();
    let mut config = ProviderConfig {
        name: "facebook".into(),
        kind: facebook.kind,
        flavor: facebook.flavor,
        client_id: "fb-app".into(),
        client_secret: Zeroizing::new(APP_SECRET.into()),
        scopes: facebook.scopes,
        pkce: PkceMode::Auto,
        mapping: facebook.mapping,
        overrides: Default::default(),
        native_client_ids: vec![],
    };
    config.overrides.token_endpoint = Some(Url::parse(&format!("{base}/v19.0/oauth/access_token")).unwrap());
    config.overrides.userinfo_endpoint = Some(Url::parse(&format!("{base}/v19.0/me")).unwrap());
    config
}

fn callback() -> CallbackInput {
    CallbackInput {
        code: "fb-code".into(),
        redirect_uri: Url::parse("https://latchkey.example/federation/callback").unwrap(),
        pkce_verifier: None,
        nonce: "unused".into(),
        apple_user: None,
    }
}

#[tokio::test]
async fn me_with_appsecret_proof_gives_the_profile_with_an_unverified_email() {
    let upstream = Upstream::new(Arc::new(ManualClock::new(crate::hostile::NOW)));
    let login = upstream.complete(&config().await, &callback()).await.unwrap();
    assert_eq!(login.subject, "10158000000000001");
    assert_eq!(login.profile.email.as_deref(), Some("mark@example.com"));
    assert!(!login.profile.email_verified, "Facebook asserts no verification");
    assert_eq!(login.profile.picture.as_deref(), Some("https://platform-lookaside.fbsbx.com/p.jpg"));
    assert_eq!(login.tokens.expires_in, Some(5183944));
}

#[tokio::test]
async fn a_wrong_app_secret_makes_the_graph_api_refuse_the_profile() {
    let upstream = Upstream::new(Arc::new(ManualClock::new(crate::hostile::NOW)));
    let mut config = config().await;
    config.client_secret = Zeroizing::new("not-the-app-secret".into());
    let err = upstream.complete(&config, &callback()).await.unwrap_err();
    assert_eq!(err, UpstreamError::Profile("the provider refused the profile request"));
    assert!(!err.to_string().contains("appsecret_proof"), "the Graph error is not echoed: {err}");
}
