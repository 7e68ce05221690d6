//! `grant_type=refresh_token`: rotation, concurrent duplicates, reuse detection, lifetimes.

use futures::future::join_all;
use latchkey_core::claims::AccessTokenClaims;
use latchkey_core::client::ClientKind;
use latchkey_core::clock::Clock;
use latchkey_core::grant::GrantType;
use latchkey_crypto::decode_unverified;
use serde_json::Value;

use crate::testkit::{assert_oauth_error, TestServer};
use latchkey_store::on_both_backends;

on_both_backends!(
    refresh_rotates_and_keeps_the_session,
    concurrent_refreshes_all_get_the_same_successor,
    duplicate_within_window_gets_same_successor,
    replay_after_window_revokes_the_session,
    replay_after_successor_used_revokes_the_session,
    token_of_another_client_is_refused_without_revoking,
    forged_and_truncated_tokens_are_refused,
    refresh_may_narrow_scope_but_not_widen,
    idle_timeout_and_absolute_lifetime_end_the_session,
    disabling_the_user_ends_refresh,
);

fn claims_of(body: &Value) -> AccessTokenClaims {
    let (_, claims) = decode_unverified(body["access_token"].as_str().unwrap()).unwrap();
    serde_json::from_value(claims).unwrap()
}

fn refresh_token_of(body: &Value) -> String {
    body["refresh_token"].as_str().unwrap().to_owned()
}

async fn ok_json(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn refresh_rotates_and_keeps_the_session(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let login = server.login_alice(&client_id).await;
    let first = refresh_token_of(&login);
    let refreshed = ok_json(server.refresh(&client_id, &first).await).await;
    let second = refresh_token_of(&refreshed);
    assert_ne!(first, second, "rotation on every use");
    assert_eq!(claims_of(&login).sid, claims_of(&refreshed).sid, "same session");
    assert_eq!(claims_of(&login).sub, claims_of(&refreshed).sub);
    let third = refresh_token_of(&ok_json(server.refresh(&client_id, &second).await).await);
    assert_ne!(second, third);
}

async fn concurrent_refreshes_all_get_the_same_successor(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let login = server.login_alice(&client_id).await;
    let sid = claims_of(&login).sid.unwrap();
    let token = refresh_token_of(&login);
    let responses = join_all((0..50).map(|_| server.refresh(&client_id, &token))).await;
    let mut successors = Vec::new();
    for response in responses {
        let body = ok_json(response).await;
        successors.push(refresh_token_of(&body));
    }
    successors.dedup();
    assert_eq!(successors.len(), 1, "every concurrent caller gets the same successor");
    let session = server.store.session(&sid).await.unwrap().unwrap().session;
    assert_eq!(session.generation, 1, "exactly one rotation happened");
    ok_json(server.refresh(&client_id, &successors[0]).await).await;
}

async fn duplicate_within_window_gets_same_successor(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let token = refresh_token_of(&server.login_alice(&client_id).await);
    let a = ok_json(server.refresh(&client_id, &token).await).await;
    server.clock.advance(9);
    let b = ok_json(server.refresh(&client_id, &token).await).await;
    assert_eq!(refresh_token_of(&a), refresh_token_of(&b));
    let (ca, cb) = (claims_of(&a), claims_of(&b));
    assert_eq!((ca.sid, ca.sub, ca.scope), (cb.sid, cb.sub, cb.scope), "equivalent access token");
}

async fn replay_after_window_revokes_the_session(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let login = server.login_alice(&client_id).await;
    let sid = claims_of(&login).sid.unwrap();
    let token = refresh_token_of(&login);
    let successor = refresh_token_of(&ok_json(server.refresh(&client_id, &token).await).await);
    server.clock.advance(11);
    assert_oauth_error(server.refresh(&client_id, &token).await, 400, "invalid_grant").await;
    let session = server.store.session(&sid).await.unwrap().unwrap().session;
    assert_eq!(session.revoke_reason.as_deref(), Some("replay_after_window"));
    assert_oauth_error(server.refresh(&client_id, &successor).await, 400, "invalid_grant").await;
    let events = server.store.audit_events(Some(&sid), 10).await.unwrap();
    assert!(events.iter().any(|e| e.kind == "refresh_token_reuse"), "{events:?}");
    let metrics =
        server.http.get(server.latchkey.metrics_url().unwrap()).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("latchkey_refresh_reuse_total{cause=\"replay_after_window\"} 1"), "{metrics}");
    assert!(
        metrics.contains("latchkey_refresh_reuse_total{cause=\"successor_already_used\"} 0"),
        "{metrics}"
    );
}

async fn replay_after_successor_used_revokes_the_session(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let login = server.login_alice(&client_id).await;
    let sid = claims_of(&login).sid.unwrap();
    let stolen = refresh_token_of(&login);
    let second = refresh_token_of(&ok_json(server.refresh(&client_id, &stolen).await).await);
    let third = refresh_token_of(&ok_json(server.refresh(&client_id, &second).await).await);
    // The thief replays the first token inside the window: its successor was already used.
    assert_oauth_error(server.refresh(&client_id, &stolen).await, 400, "invalid_grant").await;
    let session = server.store.session(&sid).await.unwrap().unwrap().session;
    assert_eq!(session.revoke_reason.as_deref(), Some("successor_already_used"));
    assert_oauth_error(server.refresh(&client_id, &third).await, 400, "invalid_grant").await;
}

async fn token_of_another_client_is_refused_without_revoking(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let (other, _) = server.add_client(ClientKind::Public, &[GrantType::RefreshToken], "profile").await;
    let login = server.login_alice(&client_id).await;
    let token = refresh_token_of(&login);
    assert_oauth_error(server.refresh(&other, &token).await, 400, "invalid_grant").await;
    ok_json(server.refresh(&client_id, &token).await).await;
}

async fn forged_and_truncated_tokens_are_refused(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let token = refresh_token_of(&server.login_alice(&client_id).await);
    let mut forged = token.clone().into_bytes();
    let i = forged.len() / 2;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    for bad in [
        String::from_utf8(forged).unwrap(),
        token[..token.len() - 4].to_owned(),
        "garbage".into(),
        "x".repeat(600),
    ] {
        let response = server.refresh(&client_id, &bad).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 400);
        assert!(body["error"] == "invalid_grant" || body["error"] == "invalid_request", "{body}");
    }
    ok_json(server.refresh(&client_id, &token).await).await;
}

async fn refresh_may_narrow_scope_but_not_widen(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let token = refresh_token_of(&server.login_alice(&client_id).await);
    let wider = server
        .post_form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &client_id),
                ("refresh_token", &token),
                ("scope", "bank:read admin"),
            ],
        )
        .await;
    assert_oauth_error(wider, 400, "invalid_scope").await;
    let narrower = server
        .post_form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &client_id),
                ("refresh_token", &token),
                ("scope", "bank:read"),
            ],
        )
        .await;
    let body = ok_json(narrower).await;
    assert_eq!(body["scope"], "bank:read");
    // The session keeps its full scope for the next refresh (RFC 6749 §6).
    let next = ok_json(server.refresh(&client_id, &refresh_token_of(&body)).await).await;
    assert_eq!(next["scope"], "bank:read bank:write profile");
}

async fn idle_timeout_and_absolute_lifetime_end_the_session(server: TestServer) {
    server.add_user("alice", &[]).await;
    let (client_id, _) = server
        .add_client_with(ClientKind::Public, &[GrantType::Password, GrantType::RefreshToken], "", |spec| {
            spec.refresh_idle_ttl = Some(100);
            spec.refresh_absolute_ttl = Some(250);
        })
        .await;
    let token = refresh_token_of(&server.login_alice(&client_id).await);
    server.clock.advance(101);
    assert_oauth_error(server.refresh(&client_id, &token).await, 400, "invalid_grant").await;

    let mut token = refresh_token_of(&server.login_alice(&client_id).await);
    for _ in 0..2 {
        server.clock.advance(90);
        token = refresh_token_of(&ok_json(server.refresh(&client_id, &token).await).await);
    }
    server.clock.advance(90); // 270 s after login: past the absolute lifetime despite activity
    assert_oauth_error(server.refresh(&client_id, &token).await, 400, "invalid_grant").await;
}

async fn disabling_the_user_ends_refresh(server: TestServer) {
    let client_id = server.with_app_and_alice().await;
    let token = refresh_token_of(&server.login_alice(&client_id).await);
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    latchkey_server::admin::disable_user(server.store.as_ref(), &alice, server.clock.now()).await.unwrap();
    assert_oauth_error(server.refresh(&client_id, &token).await, 400, "invalid_grant").await;
}
