//! `AuthorizedClient`: bearer tokens on reqwest requests, one renewal and one retry on 401.

use futures::future::join_all;
use latchkey_client::AuthorizedClient;

use crate::fake;
use crate::testkit::{TestServer, ACCESS_TTL};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_requests_refused_with_401_cause_one_refresh_and_no_error() {
    let server = TestServer::start().await;
    let (manager, _, _) = server.alice_logged_in().await;
    let api = AuthorizedClient::new(server.http.clone(), manager.clone());
    let sessions = server.url("/account/sessions");
    assert_eq!(api.send(api.get(&sessions)).await.unwrap().status(), 200);
    let old = manager.access_token().await.unwrap();

    // The server's time passes; the client's does not, so it still trusts its token and
    // learns otherwise from the 401s.
    server.clock.advance(ACCESS_TTL + 1);
    let calls = (0..50).map(|_| {
        let (api, sessions) = (api.clone(), sessions.clone());
        tokio::spawn(async move { api.send(api.get(&sessions)).await })
    });
    for response in join_all(calls).await {
        let response = response.unwrap().unwrap();
        assert_eq!(response.status(), 200, "no 401 reaches the caller");
    }
    assert_eq!(server.refresh_metric("rotated").await, 1, "exactly one refresh");
    assert_eq!(server.refresh_metric("duplicate").await, 0);
    assert_eq!(server.token_requests(), 2, "the login and one refresh");
    assert_ne!(manager.access_token().await.unwrap(), old);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_401_is_returned_not_retried() {
    let server = TestServer::start().await;
    let (manager, _, _) = server.alice_logged_in().await;
    let (base, api_server) = fake::always_401_server().await;
    let api = AuthorizedClient::new(server.http.clone(), manager);
    let response = api.send(api.get(format!("{base}/api"))).await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(api_server.hits(), 2, "the request and exactly one retry");
    assert_eq!(server.refresh_metric("rotated").await, 1, "one renewal in between");
}
