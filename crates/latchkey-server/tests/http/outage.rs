//! A database outage answers 503 and the server recovers by itself when the database
//! returns. PostgreSQL only: the server reaches it through a TCP proxy the test cuts and
//! restores (an embedded SQLite file cannot go away the same way).

use std::time::{Duration, Instant};

use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_server::Config;
use latchkey_store::testing::{CuttableProxy, TestDatabase};

use crate::flow::Rp;
use crate::testkit::{assert_oauth_error, test_config, TestServer, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_is_503_and_the_server_recovers() {
    let Some(db) = TestDatabase::postgres() else { return };
    let (proxy, url) = CuttableProxy::in_front_of(&db).await.unwrap();
    let server = TestServer::start_on(db, Some(url), test_config()).await;

    server.add_user("alice", &[]).await;
    let (client_id, _) = server.add_client(ClientKind::Public, &[GrantType::Password], "").await;
    assert_eq!(server.password_login(&client_id, "alice", PASSWORD).await.status(), 200);

    proxy.cut().await;
    let ready = server.http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    let login = server.password_login(&client_id, "alice", PASSWORD).await;
    assert!(login.headers().get("retry-after").is_some());
    assert_oauth_error(login, 503, "temporarily_unavailable").await;
    assert_eq!(
        server.http.get(server.url("/healthz")).send().await.unwrap().status(),
        200,
        "alive while the database is down"
    );
    let jwks = server.http.get(server.url("/jwks.json")).send().await.unwrap();
    assert_eq!(jwks.status(), 200, "the keys loaded last are still published");
    let jwks: serde_json::Value = jwks.json().await.unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);

    proxy.restore().await.unwrap();
    let mut recovered = false;
    for _ in 0..50 {
        if server.http.get(server.url("/readyz")).send().await.unwrap().status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recovered, "readiness came back after the database did");
    assert_eq!(server.password_login(&client_id, "alice", PASSWORD).await.status(), 200);
}

/// A link that silently stops answering (packets dropped, nothing refused) must not hang the
/// requests that reach it: they are answered 503 within the request timeout, and those after
/// them too, instead of waiting for the link to come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blackholed_database_is_503_within_seconds() {
    let Some(db) = TestDatabase::postgres() else { return };
    let (proxy, url) = CuttableProxy::in_front_of(&db).await.unwrap();
    let config = Config { request_timeout: Duration::from_secs(2), ..test_config() };
    let server = TestServer::start_on(db, Some(url), config).await;
    server.add_user("alice", &[]).await;
    let (client_id, _) = server.add_client(ClientKind::Public, &[GrantType::Password], "").await;
    assert_eq!(server.password_login(&client_id, "alice", PASSWORD).await.status(), 200);

    proxy.blackhole();
    for attempt in 0..3 {
        let started = Instant::now();
        let login = server.password_login(&client_id, "alice", PASSWORD).await;
        let took = started.elapsed();
        assert!(login.headers().get("retry-after").is_some());
        assert_oauth_error(login, 503, "temporarily_unavailable").await;
        assert!(took < Duration::from_secs(5), "attempt {attempt} answered after {took:?}");
    }
    let started = Instant::now();
    assert_eq!(server.http.get(server.url("/readyz")).send().await.unwrap().status(), 503);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// The authorization endpoint is a browser's: an outage there is an error page (503, with the
/// pages' security headers), not a JSON body the user cannot read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_at_authorize_is_an_error_page() {
    let Some(db) = TestDatabase::postgres() else { return };
    let (proxy, url) = CuttableProxy::in_front_of(&db).await.unwrap();
    let server = TestServer::start_on(db, Some(url), test_config()).await;
    let rp = Rp::register(&server, "openid").await;

    proxy.cut().await;
    let response = server.http.get(server.url(&rp.authorize_url(&[]))).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(response.headers().contains_key("content-security-policy"));
    assert!(response.text().await.unwrap().contains("temporarily unavailable"));
}
