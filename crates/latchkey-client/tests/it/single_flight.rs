//! However many tasks ask at once, one refresh reaches the server.

use futures::future::join_all;
use latchkey_client::TokenManager;

use crate::testkit::{TestServer, ACCESS_TTL};

async fn fifty_concurrent(manager: &TokenManager) -> Vec<String> {
    let tasks = (0..50).map(|_| {
        let manager = manager.clone();
        tokio::spawn(async move { manager.access_token().await })
    });
    join_all(tasks).await.into_iter().map(|joined| joined.unwrap().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_callers_with_an_expired_token_cause_one_refresh() {
    let server = TestServer::start().await;
    let (manager, clock, _) = server.alice_logged_in().await;
    let old = manager.access_token().await.unwrap();
    clock.advance(ACCESS_TTL + 1);

    let tokens = fifty_concurrent(&manager).await;
    assert_eq!(tokens.len(), 50);
    assert!(tokens.iter().all(|t| *t == tokens[0]), "every caller got the same token");
    assert_ne!(tokens[0], old);
    assert_eq!(server.refresh_metric("rotated").await, 1, "exactly one rotation");
    assert_eq!(server.refresh_metric("duplicate").await, 0, "no duplicate refresh");
    assert_eq!(server.token_requests(), 2, "the login and one refresh");

    // A caller arriving after the refresh finished uses its result.
    assert_eq!(manager.access_token().await.unwrap(), tokens[0]);
    assert_eq!(server.token_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_401_for_an_already_replaced_token_does_not_refresh_again() {
    let server = TestServer::start().await;
    let (manager, _, _) = server.alice_logged_in().await;
    let old = manager.access_token().await.unwrap();
    let renewed = manager.on_unauthorized(&old).await.unwrap();
    assert_ne!(renewed, old, "the current token was refused: refreshed");
    assert_eq!(server.token_requests(), 2);

    let late = (0..20).map(|_| {
        let manager = manager.clone();
        let old = old.clone();
        tokio::spawn(async move { manager.on_unauthorized(&old).await })
    });
    for result in join_all(late).await {
        assert_eq!(result.unwrap().unwrap(), renewed, "late 401s get the newer token");
    }
    assert_eq!(server.token_requests(), 2, "no further refresh");
    assert_eq!(server.refresh_metric("rotated").await, 1);
}
