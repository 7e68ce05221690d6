//! Against a real Latchkey: its access tokens pass, and a revoked session's tokens — or the
//! tokens of a signing key revoked in an emergency — stop passing within one poll of the
//! revocation feed, or at once with introspection.

use std::time::{Duration, Instant};

use latchkey_guard::{Guard, GuardError};

use crate::latchkey::{kid_of, Latchkey};
use crate::protected::Protected;
use latchkey_store::on_both_backends;

on_both_backends!(
    latchkey_access_tokens_pass_the_guard,
    a_revoked_session_is_refused_within_the_poll_interval,
    introspection_refuses_a_revoked_session_at_once,
    a_revoked_signing_key_is_refused_within_the_poll_interval,
    a_wrong_feed_secret_fails_the_build,
);

fn access(login: &serde_json::Value) -> &str {
    login["access_token"].as_str().unwrap()
}

fn refresh(login: &serde_json::Value) -> &str {
    login["refresh_token"].as_str().unwrap()
}

fn guard(server: &Latchkey) -> latchkey_guard::GuardBuilder {
    // Latchkey's default audience is its issuer URL.
    Guard::builder().issuer(server.issuer.clone()).audience(server.issuer.clone())
}

/// Polls until the guard refuses `token` as revoked; fails after `seconds`.
async fn refused_within_seconds(app: &Protected, token: &str, seconds: u64) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let reply = loop {
        let reply = app.get("/me", token).await;
        if reply.status != 200 {
            break reply;
        }
        assert!(Instant::now() < deadline, "the revoked token still passes after {seconds} s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    reply.assert_invalid_token();
    assert!(reply.description().contains("revoked"), "{}", reply.description());
}

async fn latchkey_access_tokens_pass_the_guard(server: Latchkey) {
    let app = Protected::start(guard(&server).build().await.unwrap()).await;
    let login = server.login().await;
    let reply = app.get("/me", access(&login)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["iss"], server.issuer);
    assert!(reply.body["sid"].is_string(), "{}", reply.body);
    assert_eq!(app.get("/write", access(&login)).await.status, 200);

    let guard = Guard::builder().issuer(server.issuer.clone()).audience("https://not-me.example");
    let elsewhere = Protected::start(guard.build().await.unwrap()).await;
    elsewhere.get("/me", access(&login)).await.assert_invalid_token();
}

async fn a_revoked_session_is_refused_within_the_poll_interval(server: Latchkey) {
    let (id, secret) = &server.resource_server;
    let fast = guard(&server).revocation_feed(id, secret, Duration::from_millis(200)).build().await.unwrap();
    let app = Protected::start(fast).await;
    let victim = server.login().await;
    let bystander = server.login().await;
    assert_eq!(app.get("/me", access(&victim)).await.status, 200);

    server.revoke(refresh(&victim)).await;
    refused_within_seconds(&app, access(&victim), 5).await;
    assert_eq!(app.get("/me", access(&bystander)).await.status, 200, "another session is untouched");

    // A guard started after the revocation learns it from the feed's history.
    let (id, secret) = &server.resource_server;
    let late = guard(&server).revocation_feed(id, secret, Duration::from_secs(3600)).build().await.unwrap();
    assert!(late.verify(access(&victim)).await.is_err());
    assert!(late.verify(access(&bystander)).await.is_ok());
}

async fn introspection_refuses_a_revoked_session_at_once(server: Latchkey) {
    let (id, secret) = &server.resource_server;
    let app = Protected::start(guard(&server).introspection(id, secret).build().await.unwrap()).await;
    let login = server.login().await;
    let reply = app.get("/critical", access(&login)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    server.revoke(refresh(&login)).await;
    app.get("/critical", access(&login)).await.assert_invalid_token();
    // Offline verification alone (no feed here) cannot know yet: that is the trade-off.
    assert_eq!(app.get("/me", access(&login)).await.status, 200);
}

async fn a_wrong_feed_secret_fails_the_build(server: Latchkey) {
    let (id, _) = &server.resource_server;
    let error =
        guard(&server).revocation_feed(id, "wrong", Duration::from_secs(1)).build().await.unwrap_err();
    assert!(matches!(error, GuardError::Fetch { .. }), "{error}");
}

async fn a_revoked_signing_key_is_refused_within_the_poll_interval(server: Latchkey) {
    let (id, secret) = &server.resource_server;
    let fast = guard(&server).revocation_feed(id, secret, Duration::from_millis(200)).build().await.unwrap();
    let app = Protected::start(fast).await;
    let before = server.login().await;
    let token = access(&before);
    assert_eq!(app.get("/me", token).await.status, 200);

    // The guard's cached JWKS still holds the key; only the feed tells it.
    server.revoke_key(&kid_of(token)).await;
    refused_within_seconds(&app, token, 5).await;

    // The new signer's tokens pass (an unknown kid: the guard refetches the JWKS).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let fresh = server.login().await;
        if kid_of(access(&fresh)) != kid_of(token) {
            assert_eq!(app.get("/me", access(&fresh)).await.status, 200);
            break;
        }
        assert!(Instant::now() < deadline, "no new signer after 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
