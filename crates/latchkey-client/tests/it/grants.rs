//! Each grant against the real server, and its errors as typed values.

use std::sync::Arc;

use latchkey_client::{
    ClientError, Credentials, Endpoints, ErrorCode, FileStore, ManualClock, RefreshTokenStore, TokenManager,
};
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;

use crate::testkit::{TestServer, ACCESS_TTL, PASSWORD, START};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_login_and_rotating_refresh_through_the_manager() {
    let server = TestServer::start().await;
    let (manager, clock, store) = server.alice_logged_in().await;
    let first = manager.access_token().await.unwrap();
    let first_rt = store.load().await.unwrap().unwrap();
    assert_eq!(manager.access_token().await.unwrap(), first, "a fresh token is reused");
    assert_eq!(server.token_requests(), 1, "only the login so far");

    clock.advance(ACCESS_TTL - 31);
    assert_eq!(manager.access_token().await.unwrap(), first, "not yet within the skew");
    clock.advance(1);
    let second = manager.access_token().await.unwrap();
    assert_ne!(second, first, "renewed 30 s before expiry");
    let second_rt = store.load().await.unwrap().unwrap();
    assert_ne!(second_rt, first_rt, "the successor was saved");

    clock.advance(ACCESS_TTL);
    let third = manager.access_token().await.unwrap();
    assert_ne!(third, second);
    assert_ne!(store.load().await.unwrap().unwrap(), second_rt);
    assert_eq!(server.refresh_metric("rotated").await, 2);
    assert_eq!(server.refresh_metric("duplicate").await, 0);
    assert_eq!(server.token_requests(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_with_basic_authentication() {
    let server = TestServer::start().await;
    let credentials =
        server.add_client(ClientKind::Confidential, &[GrantType::ClientCredentials], "reports:read").await;
    assert!(credentials.client_secret.is_some());
    let client = server.client(credentials.clone()).await;
    let response = client.client_credentials(Some("reports:read")).await.unwrap();
    assert_eq!(response.token_type, "Bearer");
    assert_eq!(response.expires_in, Some(ACCESS_TTL));
    assert_eq!(response.refresh_token, None);
    assert_eq!(response.scope.as_deref(), Some("reports:read"));

    let wrong = Credentials { client_secret: Some("not the secret".into()), ..credentials };
    let error = server.client(wrong).await.client_credentials(None).await.unwrap_err();
    match error {
        ClientError::OAuth(error) => {
            assert_eq!(error.code, ErrorCode::InvalidClient);
            assert_eq!(error.status, Some(401));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc6749_errors_keep_their_code_and_description() {
    let server = TestServer::start().await;
    server.add_alice().await;
    let credentials = server
        .add_client(ClientKind::Public, &[GrantType::Password, GrantType::RefreshToken], "profile")
        .await;
    let client = server.client(credentials).await;

    let error = client.password_login("alice", "wrong password", None).await.unwrap_err();
    let ClientError::OAuth(error) = error else { panic!("{error:?}") };
    assert_eq!((error.code.as_str(), error.status), ("invalid_grant", Some(400)));
    assert!(error.description.is_some());

    let error = client.refresh("not-a-refresh-token").await.unwrap_err();
    assert!(error
        .oauth_code()
        .is_some_and(|c| *c == ErrorCode::InvalidGrant || *c == ErrorCode::InvalidRequest));
    assert!(!error.is_transient());

    let error = client.password_login("alice", PASSWORD, Some("admin")).await.unwrap_err();
    assert_eq!(error.oauth_code(), Some(&ErrorCode::InvalidScope));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_insists_on_the_exact_issuer() {
    let server = TestServer::start().await;
    let endpoints = Endpoints::discover(&server.http, &server.issuer).await.unwrap();
    assert_eq!(endpoints.issuer, server.issuer);
    assert_eq!(endpoints.token.as_str(), server.url("/token"));
    let with_slash = format!("{}/", server.issuer);
    let error = Endpoints::discover(&server.http, &with_slash).await.unwrap_err();
    assert!(matches!(error, ClientError::Config(_)), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_store_resumes_the_session_after_a_restart() {
    let server = TestServer::start().await;
    server.add_alice().await;
    let credentials = server
        .add_client(ClientKind::Public, &[GrantType::Password, GrantType::RefreshToken], "profile")
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refresh-token");
    let before = TokenManager::builder(server.client(credentials.clone()).await)
        .store(Arc::new(FileStore::new(&path)))
        .build();
    before.password_login("alice", PASSWORD, None).await.unwrap();
    let old_access = before.access_token().await.unwrap();
    drop(before);

    let after = TokenManager::builder(server.client(credentials).await)
        .store(Arc::new(FileStore::new(&path)))
        .clock(Arc::new(ManualClock::new(START)))
        .build();
    assert!(after.restore().await.unwrap());
    let new_access = after.access_token().await.unwrap();
    assert_ne!(new_access, old_access, "a restored session starts with a refresh");
    assert_eq!(server.refresh_metric("rotated").await, 1);
    let saved = FileStore::new(&path).load().await.unwrap().unwrap();
    assert!(!saved.is_empty());

    after.logout().await.unwrap();
    assert_eq!(FileStore::new(&path).load().await.unwrap(), None, "logout clears the file");
    assert!(matches!(after.access_token().await, Err(ClientError::LoginRequired)));
}
