//! Writes that belong together commit together: when the database fails to end the other
//! sessions, a password change leaves the old password in force (not a new password with the
//! old sessions still live), disabling a user leaves them enabled, and a logout leaves the
//! browser signed in rather than signed out with its sessions live. The failure is a
//! trigger injected into the real database, on SQLite and PostgreSQL.

use latchkey_core::clock::Clock;
use latchkey_server::admin;
use latchkey_store::testing::{FailingSessionRevocations, TestDatabase};
use serde_json::json;

use crate::flow::{tokens_for_alice, Browser, Rp};
use crate::testkit::{test_config, TestServer, PASSWORD};

/// Like `on_both_backends!`, for tests that need the database itself (to inject the fault).
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use latchkey_store::testing::TestDatabase;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(TestDatabase::sqlite()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = TestDatabase::postgres() {
                    super::$name(db).await;
                }
            }
        }
    )*};
}

on_both_databases!(
    failed_password_change_keeps_the_old_password,
    failed_disable_keeps_the_user_enabled,
    failed_logout_keeps_the_browser_signed_in,
);

/// `latchkey users disable` and the server share `admin::disable_user`.
async fn failed_disable_keeps_the_user_enabled(db: TestDatabase) {
    let url = db.url.clone();
    let server = TestServer::start_on(db, None, test_config()).await;
    let app = server.with_app_and_alice().await;
    let login = server.login_alice(&app).await;
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();

    let fault = FailingSessionRevocations::install(&url).await;
    assert!(admin::disable_user(server.store.as_ref(), &alice, server.clock.now()).await.is_err());
    fault.remove().await;

    assert!(!server.store.user_by_id(&alice.id).await.unwrap().unwrap().disabled);
    assert_eq!(server.refresh(&app, login["refresh_token"].as_str().unwrap()).await.status(), 200);
    assert_eq!(admin::disable_user(server.store.as_ref(), &alice, server.clock.now()).await.unwrap(), 1);
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 400);
}

async fn failed_password_change_keeps_the_old_password(db: TestDatabase) {
    let url = db.url.clone();
    let server = TestServer::start_on(db, None, test_config()).await;
    let app = server.with_app_and_alice().await;
    let other = server.login_alice(&app).await;
    let current = server.login_alice(&app).await;

    let fault = FailingSessionRevocations::install(&url).await;
    let response = server
        .http
        .post(server.url("/account/password"))
        .bearer_auth(current["access_token"].as_str().unwrap())
        .json(&json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_server_error(), "{}", response.status());
    fault.remove().await;

    assert_eq!(server.password_login(&app, "alice", "a brand new passphrase").await.status(), 400);
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 200, "the old password stands");
    assert_eq!(server.refresh(&app, other["refresh_token"].as_str().unwrap()).await.status(), 200);
}

async fn failed_logout_keeps_the_browser_signed_in(db: TestDatabase) {
    let url = db.url.clone();
    let server = TestServer::start_on(db, None, test_config()).await;
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let body = tokens_for_alice(&server, &mut browser, &rp, &[]).await;
    let logout = format!(
        "/logout?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("id_token_hint", body["id_token"].as_str().unwrap())
            .finish()
    );

    let fault = FailingSessionRevocations::install(&url).await;
    let response = browser.get(&logout).await;
    assert!(response.status().is_server_error(), "{}", response.status());
    fault.remove().await;

    let response = browser.get(&rp.authorize_url(&[])).await;
    let signed_in = response.status() == 303 || !response.text().await.unwrap().contains("action=\"/login\"");
    assert!(signed_in, "the browser session was not ended on its own");
    assert_eq!(server.refresh(&rp.client_id, body["refresh_token"].as_str().unwrap()).await.status(), 200);
}
