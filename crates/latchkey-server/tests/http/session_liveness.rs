//! One rule for "is this session alive": an access token whose session passed its idle or
//! absolute deadline is dead everywhere at once — `/introspect` (RFC 7662 §2.2), `/userinfo`,
//! the account endpoints and the revocation feed — not only once the token itself expires.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use serde_json::{json, Value};

use crate::testkit::{TestServer, PASSWORD};
use latchkey_store::on_both_backends;

on_both_backends!(
    access_token_dies_with_its_session_at_the_idle_deadline,
    access_token_dies_with_its_session_at_the_absolute_deadline,
);

/// Access tokens live 300 s; the session's deadlines are what the test sets.
async fn login_with_deadlines(server: &TestServer, idle: i64, absolute: i64) -> (Value, (String, String)) {
    server.add_user("alice", &[]).await;
    let (app, _) = server
        .add_client_with(
            ClientKind::Public,
            &[GrantType::Password, GrantType::RefreshToken],
            "openid",
            |spec| {
                spec.access_token_ttl = Some(300);
                spec.refresh_idle_ttl = Some(idle);
                spec.refresh_absolute_ttl = Some(absolute);
            },
        )
        .await;
    let (rs, rs_secret) =
        server.add_client(ClientKind::Confidential, &[GrantType::ClientCredentials], "").await;
    let response = server
        .post_form(
            "/token",
            &[
                ("grant_type", "password"),
                ("client_id", &app),
                ("username", "alice"),
                ("password", PASSWORD),
                ("scope", "openid"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    (response.json().await.unwrap(), (rs, rs_secret.unwrap()))
}

fn basic((id, secret): &(String, String)) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

async fn introspect(server: &TestServer, rs: &(String, String), token: &str) -> Value {
    let request = server.http.post(server.url("/introspect")).header("authorization", basic(rs));
    request.form(&[("token", token)]).send().await.unwrap().json().await.unwrap()
}

async fn status(server: &TestServer, path: &str, token: &str) -> u16 {
    server.http.get(server.url(path)).bearer_auth(token).send().await.unwrap().status().as_u16()
}

async fn feed(server: &TestServer, rs: &(String, String)) -> Value {
    let request = server.http.get(server.url("/revocations?since=0")).header("authorization", basic(rs));
    request.send().await.unwrap().json().await.unwrap()
}

/// Asserts the token works now, then moves the clock past `deadline` (still inside the
/// token's 300 s) and asserts it is dead at every endpoint.
async fn assert_dies_at(server: &TestServer, login: &Value, rs: &(String, String), deadline: i64) {
    let token = login["access_token"].as_str().unwrap();
    assert_eq!(introspect(server, rs, token).await["active"], true);
    assert_eq!(status(server, "/userinfo", token).await, 200);
    assert_eq!(status(server, "/account/sessions", token).await, 200);
    let feed_before = feed(server, rs).await;
    assert_eq!(feed_before["revocations"], json!([]));

    server.clock.advance(deadline);
    assert_eq!(introspect(server, rs, token).await, json!({"active": false}));
    assert_eq!(status(server, "/userinfo", token).await, 401);
    assert_eq!(status(server, "/account/sessions", token).await, 401);
    let refresh = login["refresh_token"].as_str().unwrap();
    assert_eq!(introspect(server, rs, refresh).await, json!({"active": false}));
    let feed = feed(server, rs).await;
    let entries = feed["revocations"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{feed}");
    assert_eq!(entries[0]["type"], "session");
}

async fn access_token_dies_with_its_session_at_the_idle_deadline(server: TestServer) {
    let (login, rs) = login_with_deadlines(&server, 60, 3_600).await;
    assert_dies_at(&server, &login, &rs, 60).await;
}

async fn access_token_dies_with_its_session_at_the_absolute_deadline(server: TestServer) {
    let (login, rs) = login_with_deadlines(&server, 3_600, 100).await;
    assert_dies_at(&server, &login, &rs, 100).await;
}
