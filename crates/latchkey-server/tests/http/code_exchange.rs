//! `grant_type=authorization_code`: single use, bindings, expiry, what is issued.

use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use serde_json::Value;

use crate::flow::{authorize_as_alice, pkce, tokens_for_alice, Browser, Rp, REDIRECT_URI};
use crate::testkit::{assert_oauth_error, TestServer};
use latchkey_store::on_both_backends;

on_both_backends!(
    code_replay_ends_the_first_session,
    concurrent_redemptions_have_one_winner,
    code_is_bound_to_verifier_redirect_uri_and_client,
    code_expires_after_60_seconds,
    refresh_token_follows_offline_access_and_client_policy,
    confidential_client_with_and_without_pkce,
);

async fn userinfo_status(server: &TestServer, access_token: &str) -> u16 {
    server.http.get(server.url("/userinfo")).bearer_auth(access_token).send().await.unwrap().status().as_u16()
}

async fn code_replay_ends_the_first_session(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid offline_access").await;
    let mut browser = Browser::new(&server);
    let params = authorize_as_alice(&mut browser, &rp, &[("scope", "openid offline_access")]).await;
    let first = rp.exchange(&server, &params["code"]).await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let refresh_token = first["refresh_token"].as_str().unwrap();
    let access_token = first["access_token"].as_str().unwrap();
    assert_eq!(userinfo_status(&server, access_token).await, 200);

    assert_oauth_error(rp.exchange(&server, &params["code"]).await, 400, "invalid_grant").await;
    assert_oauth_error(server.refresh(&rp.client_id, refresh_token).await, 400, "invalid_grant").await;
    assert_eq!(userinfo_status(&server, access_token).await, 401, "the first use's access token is revoked");
    let events = server.store.audit_events(None, 10).await.unwrap();
    assert!(events.iter().any(|e| e.kind == "authorization_code_replay"), "{events:?}");
}

async fn concurrent_redemptions_have_one_winner(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let code = authorize_as_alice(&mut browser, &rp, &[]).await["code"].clone();
    let attempts = (0..8).map(|_| rp.exchange(&server, &code));
    let statuses: Vec<u16> =
        futures::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 7, "{statuses:?}");
}

async fn code_is_bound_to_verifier_redirect_uri_and_client(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);

    let code = authorize_as_alice(&mut browser, &rp, &[]).await["code"].clone();
    let (other_verifier, _) = pkce();
    assert_oauth_error(
        rp.exchange_with(&server, &code, &other_verifier, REDIRECT_URI).await,
        400,
        "invalid_grant",
    )
    .await;
    assert_oauth_error(rp.exchange(&server, &code).await, 400, "invalid_grant").await;

    let code = authorize_as_alice(&mut browser, &rp, &[]).await["code"].clone();
    assert_oauth_error(rp.exchange_with(&server, &code, "", REDIRECT_URI).await, 400, "invalid_grant").await;

    let code = authorize_as_alice(&mut browser, &rp, &[]).await["code"].clone();
    let response = rp.exchange_with(&server, &code, &rp.verifier, "https://app.example/other").await;
    assert_oauth_error(response, 400, "invalid_grant").await;

    // redirect_uri was in the request, so the token request must repeat it.
    let code = authorize_as_alice(&mut browser, &rp, &[]).await["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("client_id", rp.client_id.as_str()),
        ("code_verifier", rp.verifier.as_str()),
    ];
    assert_oauth_error(server.post_form("/token", &form).await, 400, "invalid_grant").await;

    // Another client cannot redeem it, and trying does not burn it for its owner.
    let code = authorize_as_alice(&mut browser, &rp, &[]).await["code"].clone();
    let mut thief = Rp::register(&server, "openid").await;
    thief.verifier = rp.verifier.clone();
    assert_oauth_error(thief.exchange(&server, &code).await, 400, "invalid_grant").await;
    assert_eq!(rp.exchange(&server, &code).await.status(), 200);

    assert_oauth_error(rp.exchange(&server, "made-up-code").await, 400, "invalid_grant").await;
}

async fn code_expires_after_60_seconds(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let code = authorize_as_alice(&mut browser, &rp, &[]).await["code"].clone();
    server.clock.advance(61);
    assert_oauth_error(rp.exchange(&server, &code).await, 400, "invalid_grant").await;

    let code = authorize_as_alice(&mut browser, &rp, &[]).await["code"].clone();
    server.clock.advance(59);
    assert_eq!(rp.exchange(&server, &code).await.status(), 200);
}

async fn refresh_token_follows_offline_access_and_client_policy(server: TestServer) {
    server.add_user("alice", &[]).await;
    // offline_access is among the client's scopes: a refresh token only when asked for.
    let rp = Rp::register(&server, "openid offline_access").await;
    let mut browser = Browser::new(&server);
    let body = tokens_for_alice(&server, &mut browser, &rp, &[("scope", "openid")]).await;
    assert!(body.get("refresh_token").is_none(), "{body}");
    let body = tokens_for_alice(&server, &mut browser, &rp, &[("scope", "openid offline_access")]).await;
    let refresh_token = body["refresh_token"].as_str().unwrap();
    let refreshed = server.refresh(&rp.client_id, refresh_token).await;
    assert_eq!(refreshed.status(), 200, "the refresh token rotates as usual");

    // No offline_access in the registration: the refresh grant is the policy.
    let always = Rp::register(&server, "openid").await;
    let body = tokens_for_alice(&server, &mut browser, &always, &[]).await;
    assert!(body["refresh_token"].is_string(), "{body}");

    // Without the refresh grant: never.
    let (client_id, _) = server
        .add_client_with(ClientKind::Public, &[GrantType::AuthorizationCode], "openid offline_access", |s| {
            s.redirect_uris = vec![REDIRECT_URI.into()];
        })
        .await;
    let mut none = Rp::register(&server, "openid").await;
    none.client_id = client_id;
    let body = tokens_for_alice(&server, &mut browser, &none, &[("scope", "openid offline_access")]).await;
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body["access_token"].is_string() && body["id_token"].is_string());
}

fn url_without_pkce(rp: &Rp) -> String {
    format!(
        "/authorize?response_type=code&client_id={}&redirect_uri={}",
        rp.client_id,
        form_urlencoded::byte_serialize(REDIRECT_URI.as_bytes()).collect::<String>()
    )
}

/// OAuth 2.1 §4.1.1: a confidential client must use PKCE too, unless registered as a legacy
/// client without it (`clients add --no-pkce`).
async fn confidential_client_with_and_without_pkce(server: TestServer) {
    server.add_user("alice", &[]).await;
    let modern = Rp::register_with(&server, ClientKind::Confidential, "openid", |_| {}).await;
    let mut browser = Browser::new(&server);
    let response = browser.get(&url_without_pkce(&modern)).await;
    assert_eq!(response.status(), 303);
    let refused = crate::flow::query_of(&crate::flow::location(&response));
    assert_eq!(refused["error"], "invalid_request");
    assert!(refused["error_description"].contains("code_challenge"), "{refused:?}");
    assert!(!refused.contains_key("code"));

    let mut rp =
        Rp::register_with(&server, ClientKind::Confidential, "openid", |spec| spec.pkce_required = false)
            .await;
    // A legacy confidential client may omit PKCE (it authenticates at the token endpoint)...
    let mut response = browser.get(&url_without_pkce(&rp)).await;
    let code = loop {
        if response.status() == 303 {
            let next = crate::flow::location(&response);
            if next.starts_with(REDIRECT_URI) {
                break crate::flow::query_of(&next)["code"].clone();
            }
            response = browser.get(&next).await;
            continue;
        }
        let html = response.text().await.unwrap();
        response = if html.contains("/login") {
            crate::flow::sign_in(&mut browser, &html, "alice", crate::testkit::PASSWORD).await
        } else {
            crate::flow::answer_consent(&mut browser, &html, "allow").await
        };
    };
    // ...but then a verifier is a downgrade attempt.
    let verifier = rp.verifier.clone();
    assert_oauth_error(rp.exchange_with(&server, &code, &verifier, REDIRECT_URI).await, 400, "invalid_grant")
        .await;

    // And without its secret it is not the client.
    let code = authorize_as_alice(&mut browser, &rp, &[]).await["code"].clone();
    let secret = rp.secret.take();
    assert_oauth_error(rp.exchange(&server, &code).await, 401, "invalid_client").await;
    rp.secret = secret;
    assert_eq!(rp.exchange(&server, &code).await.status(), 200);
}
