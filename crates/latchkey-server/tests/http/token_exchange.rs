//! The token exchange of native apps (RFC 8693) over HTTP, on both backends, from the
//! attacker's side: a provider ID token issued to our native app (the hostile in-process
//! provider of `tests/federation_upstream/hostile.rs`, signing what each test asks) or a
//! Facebook access token (the stand-in, with `debug_token`) is exchanged once for our tokens;
//! every refusal answers its RFC 8693 / RFC 6749 error and creates no user.

use latchkey_core::federation_linking::Linking;
use latchkey_core::token_exchange::{NonceHashing, ACCESS_TOKEN_TYPE, ID_TOKEN_TYPE};
use latchkey_server::throttle::IP_FREE_FAILURES;
use latchkey_store::{ClientKind, GrantType};
use reqwest::Response;
use serde_json::{json, Value};

use crate::exchange_kit::{
    add, exchange, id_token, native_app, nonce, payload, register, setup, setup_named,
};
use crate::facebook_stand_in::{self, INVALID_TOKEN, OTHER_APP_TOKEN, TOKEN, USER_ID};
use crate::testkit::{assert_oauth_error, TestServer, PASSWORD, START};

latchkey_store::on_both_backends!(
    an_id_token_is_exchanged_once_for_our_tokens,
    refused_id_tokens_create_no_user,
    apple_style_hashed_nonce_is_compared_hashed,
    an_exchange_never_links_an_existing_account,
    a_facebook_token_is_inspected_before_the_profile,
    the_client_must_be_registered_for_the_grant_and_the_provider,
    refused_subject_tokens_are_throttled_like_passwords,
);

async fn user_count(server: &TestServer) -> usize {
    server.store.list_users().await.unwrap().len()
}

/// Refused with `status`/`code`, the description containing `words`, and no user created.
async fn refused(server: &TestServer, response: Response, status: u16, code: &str, words: &str) {
    let before = user_count(server).await;
    let body = assert_oauth_error(response, status, code).await;
    let description = body["error_description"].as_str().unwrap_or_default();
    assert!(description.contains(words), "expected {words:?} in {description:?}");
    assert_eq!(user_count(server).await, before, "no user created");
}

/// Refused as `invalid_request` (RFC 8693 §2.2.2), no user created.
async fn invalid(server: &TestServer, response: Response, words: &str) {
    refused(server, response, 400, "invalid_request", words).await;
}

async fn an_id_token_is_exchanged_once_for_our_tokens(server: TestServer) {
    let setup = setup(&server, Linking::Never).await;
    let first = nonce(&server).await;
    let token = id_token(&setup, &first, |_| {});
    let response = exchange(&server, &setup.app, "acme", &token, ID_TOKEN_TYPE, Some(&first)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["issued_token_type"], ACCESS_TOKEN_TYPE);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["refresh_token"].is_string(), "the client has the refresh grant");
    let claims = payload(body["access_token"].as_str().unwrap());
    assert_eq!(claims["amr"], json!(["fed"]));
    assert_eq!(claims["idp"], "acme");
    let identity = server.store.federated_identity("acme", "user-1").await.unwrap().unwrap();
    assert_eq!(claims["sub"], identity.user_id);
    assert_eq!(user_count(&server).await, 1);
    let refreshed = server.refresh(&setup.app, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refreshed.status(), 200);

    // The same token again (a fresh nonce does not help: the token carries the old one), and
    // the same token with its nonce: a replay either way.
    let again = exchange(&server, &setup.app, "acme", &token, ID_TOKEN_TYPE, Some(&first)).await;
    invalid(&server, again, "nonce").await;
    let second = nonce(&server).await;
    let replay = exchange(&server, &setup.app, "acme", &token, ID_TOKEN_TYPE, Some(&second)).await;
    invalid(&server, replay, "nonce").await;
    // A second sign-in with a new token: the same user.
    let third = nonce(&server).await;
    let token = id_token(&setup, &third, |_| {});
    let response = exchange(&server, &setup.app, "acme", &token, ID_TOKEN_TYPE, Some(&third)).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(payload(body["access_token"].as_str().unwrap())["sub"], identity.user_id);
    assert_eq!(user_count(&server).await, 1);
}

async fn refused_id_tokens_create_no_user(server: TestServer) {
    let setup = setup(&server, Linking::Never).await;
    let app = setup.app.as_str();
    let cases = [
        ("(aud)", "aud", json!("com.other.app")),
        ("expired", "exp", json!(START - 120)),
        ("issuer", "iss", json!("https://evil.example")),
    ];
    for (words, claim, value) in cases {
        let n = nonce(&server).await;
        let token = id_token(&setup, &n, |c| {
            c.insert(claim.into(), value);
        });
        let response = exchange(&server, app, "acme", &token, ID_TOKEN_TYPE, Some(&n)).await;
        invalid(&server, response, words).await;
    }
    // The nonce: missing, never issued, in the token but not the one sent, used already.
    let n = nonce(&server).await;
    let token = id_token(&setup, &n, |_| {});
    invalid(&server, exchange(&server, app, "acme", &token, ID_TOKEN_TYPE, None).await, "nonce").await;
    let forged = "forged-nonce-never-issued-by-latchkey-000000";
    let token = id_token(&setup, forged, |_| {});
    invalid(&server, exchange(&server, app, "acme", &token, ID_TOKEN_TYPE, Some(forged)).await, "nonce")
        .await;
    let other = nonce(&server).await;
    let token = id_token(&setup, &n, |_| {});
    invalid(&server, exchange(&server, app, "acme", &token, ID_TOKEN_TYPE, Some(&other)).await, "nonce")
        .await;
    let token = id_token(&setup, &other, |_| {});
    invalid(&server, exchange(&server, app, "acme", &token, ID_TOKEN_TYPE, Some(&other)).await, "nonce")
        .await;
    // An expired nonce (10 minutes).
    let late = nonce(&server).await;
    server.clock.advance(601);
    let token = id_token(&setup, &late, |c| {
        c.insert("exp".into(), json!(START + 900));
    });
    invalid(&server, exchange(&server, app, "acme", &token, ID_TOKEN_TYPE, Some(&late)).await, "nonce").await;
    // A provider nobody configured, and an ID token passed off as an access token of an
    // OpenID Connect provider (its UserInfo would accept any app's token).
    invalid(
        &server,
        exchange(&server, app, "nobody", &token, ID_TOKEN_TYPE, Some(&late)).await,
        "unknown provider",
    )
    .await;
    invalid(&server, exchange(&server, app, "acme", "opaque", ACCESS_TOKEN_TYPE, None).await, "which app")
        .await;
    assert!(server.store.federated_identity("acme", "user-1").await.unwrap().is_none());
}

async fn apple_style_hashed_nonce_is_compared_hashed(server: TestServer) {
    let setup = setup(&server, Linking::Never).await;
    assert!(server.store.set_provider_nonce_hashing("acme", Some("sha256")).await.unwrap());
    let n = nonce(&server).await;
    let raw = id_token(&setup, &n, |_| {});
    invalid(&server, exchange(&server, &setup.app, "acme", &raw, ID_TOKEN_TYPE, Some(&n)).await, "nonce")
        .await;
    let n = nonce(&server).await;
    let hashed = id_token(&setup, &NonceHashing::Sha256.expected_claim(&n), |_| {});
    assert_eq!(exchange(&server, &setup.app, "acme", &hashed, ID_TOKEN_TYPE, Some(&n)).await.status(), 200);
}

async fn an_exchange_never_links_an_existing_account(server: TestServer) {
    let alice = server.add_user("alice", &[]).await;
    let mut work = latchkey_store::Transactional::begin(server.store.as_ref()).await.unwrap();
    work.set_user_profile(&alice.id, Some("ada@example.com"), true, &Default::default(), START)
        .await
        .unwrap();
    work.commit().await.unwrap();
    for linking in [Linking::Prompt, Linking::Auto] {
        let name = format!("acme-{}", linking.as_str());
        let setup = setup_named(&server, &name, linking).await;
        let n = nonce(&server).await;
        let token = id_token(&setup, &n, |_| {});
        let response = exchange(&server, &setup.app, &name, &token, ID_TOKEN_TYPE, Some(&n)).await;
        invalid(&server, response, "browser flow").await;
        assert!(server.store.federated_identity(&name, "user-1").await.unwrap().is_none(), "not linked");
    }
}

async fn a_facebook_token_is_inspected_before_the_profile(server: TestServer) {
    add(&server, facebook_stand_in::provider_spec(&facebook_stand_in::start(START).await)).await;
    let app = native_app(&server).await;
    for (token, words) in [(OTHER_APP_TOKEN, "another app"), (INVALID_TOKEN, "not valid")] {
        let response = exchange(&server, &app, "facebook", token, ACCESS_TOKEN_TYPE, None).await;
        invalid(&server, response, words).await;
    }
    let response = exchange(&server, &app, "facebook", TOKEN, ACCESS_TOKEN_TYPE, None).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(payload(body["access_token"].as_str().unwrap())["idp"], "facebook");
    assert!(server.store.federated_identity("facebook", USER_ID).await.unwrap().is_some());
    let replay = exchange(&server, &app, "facebook", TOKEN, ACCESS_TOKEN_TYPE, None).await;
    invalid(&server, replay, "already exchanged").await;
}

async fn the_client_must_be_registered_for_the_grant_and_the_provider(server: TestServer) {
    let setup = setup(&server, Linking::Never).await;
    let password_app = server.add_client(ClientKind::Public, &[GrantType::Password], "profile").await.0;
    let n = nonce(&server).await;
    let token = id_token(&setup, &n, |_| {});
    let response = exchange(&server, &password_app, "acme", &token, ID_TOKEN_TYPE, Some(&n)).await;
    refused(&server, response, 400, "unauthorized_client", "token-exchange").await;
    // Limited to another provider, the client cannot name this one.
    register(&server, "other", "https://other.example", "c", Linking::Never, &[]).await;
    server.store.set_client_upstream_providers(&setup.app, &["other".into()]).await.unwrap();
    let response = exchange(&server, &setup.app, "acme", &token, ID_TOKEN_TYPE, Some(&n)).await;
    invalid(&server, response, "unknown provider").await;
    // The nonce was not spent on a refused client.
    server.store.set_client_upstream_providers(&setup.app, &[]).await.unwrap();
    assert_eq!(exchange(&server, &setup.app, "acme", &token, ID_TOKEN_TYPE, Some(&n)).await.status(), 200);
}

/// Through the same door as passwords: refused subject tokens count against the IP, and once
/// it must wait, a good token and a password alike get 429 with `Retry-After`.
async fn refused_subject_tokens_are_throttled_like_passwords(server: TestServer) {
    let setup = setup(&server, Linking::Never).await;
    let forged = "forged-nonce-never-issued-by-latchkey-000000";
    let token = id_token(&setup, forged, |_| {});
    for _ in 0..IP_FREE_FAILURES {
        invalid(
            &server,
            exchange(&server, &setup.app, "acme", &token, ID_TOKEN_TYPE, Some(forged)).await,
            "nonce",
        )
        .await;
    }
    let n = nonce(&server).await;
    let good = id_token(&setup, &n, |_| {});
    let limited = exchange(&server, &setup.app, "acme", &good, ID_TOKEN_TYPE, Some(&n)).await;
    assert_eq!(limited.status(), 429);
    let retry_after: i64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    let app = server.with_app_and_alice().await;
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 429, "one door");
    server.clock.advance(retry_after);
    let response = exchange(&server, &setup.app, "acme", &good, ID_TOKEN_TYPE, Some(&n)).await;
    assert_eq!(response.status(), 200, "the nonce was not spent while the IP waited");
}
