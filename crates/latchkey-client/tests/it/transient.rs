//! A server outage is reported as transient and keeps the session for a later try.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use latchkey_client::{
    Credentials, Endpoints, ErrorCode, ManualClock, MemoryStore, OAuthClient, RefreshTokenStore,
    TokenManager, TokenResponse,
};

use crate::fake;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_surfaces_as_transient_and_the_tokens_stay() {
    let (base, token_server) = fake::flaky_token_server().await;
    let endpoints = Endpoints {
        issuer: base.clone(),
        token: format!("{base}/token").parse().unwrap(),
        revocation: None,
        authorization: None,
        authorization_response_iss: false,
        jwks: None,
        end_session: None,
    };
    let credentials = Credentials { client_id: "app".into(), client_secret: None };
    let client = OAuthClient::new(reqwest::Client::new(), endpoints, credentials);
    let clock = Arc::new(ManualClock::new(1_000));
    let store = Arc::new(MemoryStore::default());
    let manager = TokenManager::builder(client).clock(clock.clone()).store(store.clone()).build();
    let login = TokenResponse {
        access_token: "first".into(),
        token_type: "Bearer".into(),
        expires_in: Some(60),
        refresh_token: Some("rt-1".into()),
        scope: None,
        id_token: None,
    };
    manager.set_tokens(&login).await.unwrap();
    clock.advance(60);

    for attempt in 1..=2 {
        let error = manager.access_token().await.unwrap_err();
        assert!(error.is_transient(), "{error:?}");
        assert_eq!(error.oauth_code(), Some(&ErrorCode::TemporarilyUnavailable));
        assert_eq!(token_server.hits(), attempt, "one request per call, no retry loop");
    }
    assert_eq!(store.load().await.unwrap().as_deref(), Some("rt-1"), "the session survives");

    token_server.healthy.store(true, Ordering::SeqCst);
    assert_eq!(manager.access_token().await.unwrap(), "after-outage");
    assert_eq!(store.load().await.unwrap().as_deref(), Some("rt-after-after-outage"));
}
