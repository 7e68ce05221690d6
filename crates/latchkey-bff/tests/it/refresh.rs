//! One refresh per session, however many requests and BFF processes want one; a session
//! revoked at Latchkey ends the BFF session.

use latchkey_client::Clock;
use latchkey_store::on_both_backends;
use reqwest::Method;

use crate::testkit::Harness;

/// Latchkey's default access-token lifetime.
const ACCESS_TTL: i64 = 300;

on_both_backends!(
    fifty_parallel_calls_through_two_bffs_with_an_expired_token_refresh_once,
    a_session_revoked_at_latchkey_ends_the_bff_session,
);

async fn bearer_of(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 200);
    let seen: serde_json::Value = response.json().await.unwrap();
    seen["authorization"].as_str().unwrap().to_owned()
}

async fn fifty_parallel_calls_through_two_bffs_with_an_expired_token_refresh_once(h: Harness) {
    let first = h.start_bff().await;
    let second = h.start_bff().await;
    let mut one = h.browser(&first);
    one.sign_in("/").await;
    let mut two = h.browser(&second);
    two.set_session_cookie(&one.session_cookie().unwrap());
    let before = bearer_of(one.api(Method::GET, "/api/accounts").send().await.unwrap()).await;
    assert_eq!(bearer_of(two.api(Method::GET, "/api/accounts").send().await.unwrap()).await, before);
    assert_eq!(h.refresh_metric("rotated").await, 0);

    h.clock.advance(ACCESS_TTL + 1);
    let calls = (0..50).map(|i| {
        let browser = if i % 2 == 0 { &one } else { &two };
        browser.api(Method::POST, "/api/deposit").body(format!("{i}")).send()
    });
    let responses = futures::future::join_all(calls).await;
    let mut bearers = std::collections::HashSet::new();
    for response in responses {
        bearers.insert(bearer_of(response.unwrap()).await);
    }
    assert_eq!(bearers.len(), 1, "every call used the one refreshed token");
    assert!(!bearers.contains(&before));
    assert_eq!(h.refresh_metric("rotated").await, 1, "exactly one refresh at Latchkey");
    assert_eq!(h.refresh_metric("duplicate").await, 0, "not even an idempotent retry");
}

async fn a_session_revoked_at_latchkey_ends_the_bff_session(h: Harness) {
    let bff = h.start_bff().await;
    let mut browser = h.browser(&bff);
    browser.sign_in("/").await;
    assert_eq!(browser.api(Method::GET, "/api/accounts").send().await.unwrap().status(), 200);
    h.latchkey.store.revoke_user_sessions(&h.alice.id, h.clock.now(), "test", None).await.unwrap();
    h.clock.advance(ACCESS_TTL + 1);
    let response = browser.api(Method::GET, "/api/accounts").send().await.unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "login_required");
    assert_eq!(
        browser.api(Method::GET, "/bff/user").send().await.unwrap().status(),
        401,
        "the BFF session is gone"
    );
}
