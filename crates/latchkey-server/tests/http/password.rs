//! `grant_type=password` (RFC 6749 §4.3).

use latchkey_core::claims::{check_access_token, AccessTokenClaims, ClaimChecks};
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_crypto::verify_jwt;
use latchkey_store::NewUser;
use serde_json::Value;

use crate::testkit::{assert_oauth_error, TestServer, PASSWORD, START};
use latchkey_store::on_both_backends;

on_both_backends!(
    login_issues_rfc9068_access_token_and_refresh_token,
    every_login_failure_looks_the_same,
    client_without_password_grant_is_unauthorized,
    scope_wider_than_client_is_refused,
    bcrypt_user_logs_in_and_hash_is_upgraded,
    disabled_user_cannot_log_in,
);

async fn login_issues_rfc9068_access_token_and_refresh_token(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let response = server.password_login(&client_id, "alice", PASSWORD).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["scope"], "bank:read bank:write profile");
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43);

    let token = body["access_token"].as_str().unwrap();
    let verified = verify_jwt::<AccessTokenClaims>(token, &server.jwks().await).unwrap();
    let claims = &verified.claims;
    let checks = ClaimChecks { issuer: Some(&server.issuer), audience: Some(&server.issuer), leeway: 0 };
    assert!(check_access_token(verified.header.typ.as_deref(), claims, &checks, START).is_empty());
    assert_eq!(verified.header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(verified.header.alg, "ES256");
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    assert_eq!(claims.sub, alice.id);
    assert_eq!(claims.client_id, client_id);
    assert_eq!(claims.exp - claims.iat, 300);
    assert_eq!(claims.preferred_username.as_deref(), Some("alice"));
    assert_eq!(claims.roles, ["customer"]);
    let sid = claims.sid.as_deref().unwrap();
    assert!(server.store.session(sid).await.unwrap().is_some(), "sid names a stored session");
}

async fn every_login_failure_looks_the_same(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let wrong_password = assert_oauth_error(
        server.password_login(&client_id, "alice", "wrong password").await,
        400,
        "invalid_grant",
    )
    .await;
    let unknown_user = assert_oauth_error(
        server.password_login(&client_id, "mallory", PASSWORD).await,
        400,
        "invalid_grant",
    )
    .await;
    assert_eq!(wrong_password, unknown_user, "the body must not reveal which usernames exist");
}

async fn client_without_password_grant_is_unauthorized(server: TestServer) {
    server.add_user("alice", &[]).await;
    let (client_id, _) = server.add_client(ClientKind::Public, &[GrantType::RefreshToken], "").await;
    let response = server.password_login(&client_id, "alice", PASSWORD).await;
    assert_oauth_error(response, 400, "unauthorized_client").await;
}

async fn scope_wider_than_client_is_refused(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let response = server
        .post_form(
            "/token",
            &[
                ("grant_type", "password"),
                ("client_id", &client_id),
                ("username", "alice"),
                ("password", PASSWORD),
                ("scope", "bank:read admin"),
            ],
        )
        .await;
    assert_oauth_error(response, 400, "invalid_scope").await;
}

async fn bcrypt_user_logs_in_and_hash_is_upgraded(server: TestServer) {
    let legacy = bcrypt::hash(PASSWORD, 4).unwrap().replacen("$2b$", "$2y$", 1);
    let user = NewUser {
        id: "legacy-1".into(),
        username: "bob".into(),
        email: None,
        email_verified: false,
        profile: Default::default(),
        roles: vec![],
        password_hash: legacy.clone(),
        verification_required: false,
    };
    server.store.create_user(&user, START).await.unwrap();
    let (client_id, _) = server.add_client(ClientKind::Public, &[GrantType::Password], "").await;
    assert_eq!(server.password_login(&client_id, "bob", PASSWORD).await.status(), 200);
    let stored = server.store.user_by_username("bob").await.unwrap().unwrap().password_hash;
    assert!(stored.starts_with("$argon2id$"), "hash not upgraded: {stored}");
    assert_eq!(
        server.password_login(&client_id, "bob", PASSWORD).await.status(),
        200,
        "upgraded hash verifies"
    );
    assert_oauth_error(
        server.password_login(&client_id, "bob", "not the password").await,
        400,
        "invalid_grant",
    )
    .await;
}

async fn disabled_user_cannot_log_in(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    server.store.set_user_disabled(&alice.id, true, START).await.unwrap();
    assert_oauth_error(server.password_login(&client_id, "alice", PASSWORD).await, 400, "invalid_grant")
        .await;
}
