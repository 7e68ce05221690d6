//! The one user-authentication door: the password grant and `POST /account/password` are
//! throttled like the hosted login, and a throttled attempt looks like a wrong password.

use latchkey_server::throttle::ACCOUNT_IP_FREE_FAILURES;
use serde_json::{json, Value};

use crate::testkit::{assert_oauth_error, TestServer, PASSWORD};
use latchkey_store::on_both_backends;

on_both_backends!(password_grant_is_throttled_per_account, password_change_is_throttled_per_account);

async fn password_grant_is_throttled_per_account(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let mut wrong = Value::Null;
    for _ in 0..ACCOUNT_IP_FREE_FAILURES {
        wrong = assert_oauth_error(server.password_login(&app, "alice", "guess").await, 400, "invalid_grant")
            .await;
    }
    let throttled =
        assert_oauth_error(server.password_login(&app, "alice", PASSWORD).await, 400, "invalid_grant").await;
    assert_eq!(throttled, wrong, "a throttled attempt answers exactly like a wrong password");

    server.clock.advance(1);
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 200, "the wait is over");
}

async fn password_change_is_throttled_per_account(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let login = server.login_alice(&app).await;
    let access_token = login["access_token"].as_str().unwrap();
    let change = |current_password: &str| {
        server
            .http
            .post(server.url("/account/password"))
            .bearer_auth(access_token)
            .json(&json!({"current_password": current_password, "new_password": "a brand new passphrase"}))
            .send()
    };
    let mut wrong = Value::Null;
    for _ in 0..ACCOUNT_IP_FREE_FAILURES {
        wrong = assert_oauth_error(change("guess").await.unwrap(), 400, "invalid_request").await;
    }
    let throttled = assert_oauth_error(change(PASSWORD).await.unwrap(), 400, "invalid_request").await;
    assert_eq!(throttled, wrong, "a throttled attempt answers exactly like a wrong password");
    // The password grant shares the account's throttle.
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 400);

    server.clock.advance(1);
    assert_eq!(change(PASSWORD).await.unwrap().status(), 200, "the wait is over");
}
