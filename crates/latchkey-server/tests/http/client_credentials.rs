//! `grant_type=client_credentials` (RFC 6749 §4.4) and client authentication (§2.3).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use latchkey_core::claims::AccessTokenClaims;
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_crypto::verify_jwt;
use serde_json::Value;

use crate::testkit::{assert_oauth_error, TestServer};
use latchkey_store::on_both_backends;

on_both_backends!(
    basic_and_post_authentication_both_work,
    wrong_secret_is_401_with_www_authenticate,
    two_authentication_methods_at_once_are_refused,
    public_client_cannot_use_client_credentials,
    unknown_client_is_invalid_client,
);

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

async fn service(server: &TestServer) -> (String, String) {
    let (id, secret) =
        server.add_client(ClientKind::Confidential, &[GrantType::ClientCredentials], "reports:read").await;
    (id, secret.unwrap())
}

async fn basic_and_post_authentication_both_work(server: TestServer) {
    let (id, secret) = service(&server).await;
    let response = server
        .http
        .post(server.url("/token"))
        .header("authorization", basic(&id, &secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("refresh_token").is_none(), "no refresh token for client credentials");
    let claims =
        verify_jwt::<AccessTokenClaims>(body["access_token"].as_str().unwrap(), &server.jwks().await)
            .unwrap()
            .claims;
    assert_eq!(claims.sub, id);
    assert_eq!(claims.client_id, id);
    assert_eq!(claims.scope.as_deref(), Some("reports:read"));
    assert!(claims.sid.is_none());

    let post = server
        .post_form(
            "/token",
            &[("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", &secret)],
        )
        .await;
    assert_eq!(post.status(), 200);
}

async fn wrong_secret_is_401_with_www_authenticate(server: TestServer) {
    let (id, secret) = service(&server).await;
    let response = server
        .http
        .post(server.url("/token"))
        .header("authorization", basic(&id, &format!("{secret}x")))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let challenge = response.headers().get("www-authenticate").unwrap().to_str().unwrap().to_owned();
    assert!(challenge.starts_with("Basic"), "{challenge}");
    assert_oauth_error(response, 401, "invalid_client").await;

    let missing_secret =
        server.post_form("/token", &[("grant_type", "client_credentials"), ("client_id", &id)]).await;
    assert_oauth_error(missing_secret, 401, "invalid_client").await;
}

async fn two_authentication_methods_at_once_are_refused(server: TestServer) {
    let (id, secret) = service(&server).await;
    let response = server
        .http
        .post(server.url("/token"))
        .header("authorization", basic(&id, &secret))
        .form(&[("grant_type", "client_credentials"), ("client_secret", &secret)])
        .send()
        .await
        .unwrap();
    assert_oauth_error(response, 400, "invalid_request").await;
}

async fn public_client_cannot_use_client_credentials(server: TestServer) {
    let (id, _) = server.add_client(ClientKind::Public, &[GrantType::Password], "").await;
    let response =
        server.post_form("/token", &[("grant_type", "client_credentials"), ("client_id", &id)]).await;
    assert_oauth_error(response, 400, "unauthorized_client").await;
}

async fn unknown_client_is_invalid_client(server: TestServer) {
    let response =
        server.post_form("/token", &[("grant_type", "client_credentials"), ("client_id", "nobody")]).await;
    assert_oauth_error(response, 401, "invalid_client").await;
    let response = server
        .http
        .post(server.url("/token"))
        .header("authorization", "Basic !!!not-base64")
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_oauth_error(response, 401, "invalid_client").await;
}
