//! The janitor removes dead sessions in batches and leaves live ones alone: storage grows with
//! live sessions, not with refreshes.

use crate::testkit::TestServer;
use latchkey_store::on_both_backends;

on_both_backends!(
    janitor_removes_only_long_dead_sessions,
    refreshes_do_not_grow_storage,
    expired_native_exchange_rows_are_swept,
);

async fn janitor_removes_only_long_dead_sessions(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let mut revoked = Vec::new();
    for _ in 0..3 {
        let login = server.login_alice(&app).await;
        let form = [("client_id", app.as_str()), ("token", login["refresh_token"].as_str().unwrap())];
        server.post_form("/revoke", &form).await;
        revoked.push(login);
    }
    let live = server.login_alice(&app).await;
    let now = latchkey_core::clock::Clock::now(server.clock.as_ref());
    assert_eq!(
        latchkey_server::janitor::sweep(server.store.as_ref(), now).await.unwrap(),
        0,
        "kept a day for operators"
    );
    server.clock.advance(2 * 24 * 3600);
    let later = latchkey_core::clock::Clock::now(server.clock.as_ref());
    assert_eq!(latchkey_server::janitor::sweep(server.store.as_ref(), later).await.unwrap(), 3);
    let remaining = server.store.list_live_sessions(None, later).await.unwrap();
    assert_eq!(remaining.len(), 1);
    assert_eq!(server.refresh(&app, live["refresh_token"].as_str().unwrap()).await.status(), 200);
}

async fn refreshes_do_not_grow_storage(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let mut token = server.login_alice(&app).await["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..20 {
        let body: serde_json::Value = server.refresh(&app, &token).await.json().await.unwrap();
        token = body["refresh_token"].as_str().unwrap().to_owned();
    }
    let now = latchkey_core::clock::Clock::now(server.clock.as_ref());
    let sessions = server.store.list_live_sessions(None, now).await.unwrap();
    assert_eq!(sessions.len(), 1, "one row per session, whatever the number of refreshes");
    assert_eq!(sessions[0].generation, 20);
}

/// Exchanged subject tokens and native nonces are forgotten once expired: the same token id
/// can be recorded again only after the sweep.
async fn expired_native_exchange_rows_are_swept(server: TestServer) {
    let store = server.store.as_ref();
    let now = crate::testkit::START;
    assert!(store.record_subject_token("https://idp.example", "jti:1", now + 60).await.unwrap());
    store.create_native_nonce("nonce-hash", now, now + 60).await.unwrap();
    latchkey_server::janitor::sweep(store, now).await.unwrap();
    assert!(!store.record_subject_token("https://idp.example", "jti:1", now + 60).await.unwrap(), "kept");
    latchkey_server::janitor::sweep(store, now + 60).await.unwrap();
    assert!(store.record_subject_token("https://idp.example", "jti:1", now + 120).await.unwrap(), "swept");
    assert!(!store.consume_native_nonce("nonce-hash", now).await.unwrap(), "the nonce row is gone");
}
