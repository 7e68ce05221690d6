//! A session that ended at the server ends here with one `LoginRequired`, not a retry loop.

use futures::future::join_all;
use latchkey_client::{AuthorizedClient, ClientError, RefreshTokenStore};

use crate::testkit::{TestServer, ACCESS_TTL};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revoked_refresh_token_gives_every_waiter_login_required_after_one_request() {
    let server = TestServer::start().await;
    let (manager, clock, store) = server.alice_logged_in().await;
    let refresh_token = store.load().await.unwrap().unwrap();
    manager.client().revoke(&refresh_token).await.unwrap();
    clock.advance(ACCESS_TTL + 1);
    assert_eq!(server.token_requests(), 1);

    let waiters = (0..50).map(|_| {
        let manager = manager.clone();
        tokio::spawn(async move { manager.access_token().await })
    });
    for result in join_all(waiters).await {
        assert!(matches!(result.unwrap(), Err(ClientError::LoginRequired)));
    }
    assert_eq!(server.token_requests(), 2, "exactly one refresh was tried");
    assert_eq!(store.load().await.unwrap(), None, "the dead token is forgotten");

    assert!(matches!(manager.access_token().await, Err(ClientError::LoginRequired)));
    assert!(matches!(manager.on_unauthorized("anything").await, Err(ClientError::LoginRequired)));
    assert_eq!(server.token_requests(), 2, "no request without a session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_account_logout_concurrent_api_calls_end_in_one_login_required() {
    let server = TestServer::start().await;
    let (manager, _, _) = server.alice_logged_in().await;
    let api = AuthorizedClient::new(server.http.clone(), manager);
    let logout = api.send(api.post(server.url("/account/logout"))).await.unwrap();
    assert_eq!(logout.status(), 204);

    let sessions = server.url("/account/sessions");
    let calls = (0..50).map(|_| {
        let (api, sessions) = (api.clone(), sessions.clone());
        tokio::spawn(async move { api.send(api.get(&sessions)).await })
    });
    for result in join_all(calls).await {
        assert!(matches!(result.unwrap(), Err(ClientError::LoginRequired)));
    }
    assert_eq!(server.token_requests(), 2, "the login and one refused refresh");
    assert_eq!(server.refresh_metric("rotated").await, 0);
}
