//! Revocation (RFC 7009), introspection (RFC 7662) and the revocation feed.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use serde_json::{json, Value};

use crate::testkit::{assert_oauth_error, TestServer};
use latchkey_store::on_both_backends;

on_both_backends!(
    revoking_a_refresh_token_ends_the_session_and_its_access_tokens,
    revoking_an_access_token_denies_it_until_expiry,
    revoke_refuses_other_clients_tokens,
    introspection_says_only_inactive_for_dead_tokens,
    introspection_needs_a_confidential_client,
    feed_lists_revoked_sessions_and_tokens_since_a_cursor,
);

struct Fixture {
    app: String,
    resource_server: (String, String),
    login: Value,
}

async fn fixture(server: &TestServer) -> Fixture {
    let app = server.with_app_and_alice().await;
    let (rs_id, rs_secret) =
        server.add_client(ClientKind::Confidential, &[GrantType::ClientCredentials], "").await;
    let login = server.login_alice(&app).await;
    Fixture { app, resource_server: (rs_id, rs_secret.unwrap()), login }
}

pub fn basic((id, secret): &(String, String)) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

pub async fn introspect(server: &TestServer, rs: &(String, String), token: &str) -> Value {
    let response = server
        .http
        .post(server.url("/introspect"))
        .header("authorization", basic(rs))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    response.json().await.unwrap()
}

async fn revoke(server: &TestServer, client_id: &str, token: &str, hint: &str) -> u16 {
    let form = [("client_id", client_id), ("token", token), ("token_type_hint", hint)];
    server.post_form("/revoke", &form).await.status().as_u16()
}

fn access(login: &Value) -> &str {
    login["access_token"].as_str().unwrap()
}

fn refresh(login: &Value) -> &str {
    login["refresh_token"].as_str().unwrap()
}

async fn account_status(server: &TestServer, access_token: &str) -> u16 {
    let response =
        server.http.get(server.url("/account/sessions")).bearer_auth(access_token).send().await.unwrap();
    response.status().as_u16()
}

async fn revoking_a_refresh_token_ends_the_session_and_its_access_tokens(server: TestServer) {
    let f = fixture(&server).await;
    assert_eq!(introspect(&server, &f.resource_server, access(&f.login)).await["active"], true);
    assert_eq!(revoke(&server, &f.app, refresh(&f.login), "refresh_token").await, 200);
    assert_eq!(server.refresh(&f.app, refresh(&f.login)).await.status(), 400);
    assert_eq!(introspect(&server, &f.resource_server, access(&f.login)).await, json!({"active": false}));
    assert_eq!(account_status(&server, access(&f.login)).await, 401);
}

async fn revoking_an_access_token_denies_it_until_expiry(server: TestServer) {
    let f = fixture(&server).await;
    // A wrong hint does not stop the search (RFC 7009 §2.1).
    assert_eq!(revoke(&server, &f.app, access(&f.login), "refresh_token").await, 200);
    assert_eq!(introspect(&server, &f.resource_server, access(&f.login)).await, json!({"active": false}));
    assert_eq!(account_status(&server, access(&f.login)).await, 401);
    // The session itself lives on: its refresh token still works.
    let refreshed: Value = server.refresh(&f.app, refresh(&f.login)).await.json().await.unwrap();
    assert_eq!(introspect(&server, &f.resource_server, access(&refreshed)).await["active"], true);
}

/// RFC 7009 §2.1: another client's token is refused with `invalid_request` and stays valid;
/// an unknown token is answered 200 (§2.2).
async fn revoke_refuses_other_clients_tokens(server: TestServer) {
    let f = fixture(&server).await;
    let (other, _) = server.add_client(ClientKind::Public, &[GrantType::RefreshToken], "").await;
    for (token, hint) in [(refresh(&f.login), "refresh_token"), (access(&f.login), "access_token")] {
        let response = server
            .post_form("/revoke", &[("client_id", &other), ("token", token), ("token_type_hint", hint)])
            .await;
        assert_oauth_error(response, 400, "invalid_request").await;
    }
    assert_eq!(revoke(&server, &other, "not-a-token", "").await, 200);
    assert_eq!(introspect(&server, &f.resource_server, access(&f.login)).await["active"], true);
    assert_eq!(server.refresh(&f.app, refresh(&f.login)).await.status(), 200);
}

async fn introspection_says_only_inactive_for_dead_tokens(server: TestServer) {
    let f = fixture(&server).await;
    let active = introspect(&server, &f.resource_server, access(&f.login)).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["username"], "alice");
    assert_eq!(active["client_id"], f.app);
    assert_eq!(active["scope"], "bank:read bank:write profile");
    assert!(active["sid"].is_string() && active["exp"].is_i64());

    for junk in ["garbage", "a.b.c", &"x".repeat(5000)] {
        assert_eq!(introspect(&server, &f.resource_server, junk).await, json!({"active": false}));
    }
    // A refresh token is bound to its client: another client learns nothing from it.
    assert_eq!(introspect(&server, &f.resource_server, refresh(&f.login)).await, json!({"active": false}));
    server.clock.advance(301);
    assert_eq!(introspect(&server, &f.resource_server, access(&f.login)).await, json!({"active": false}));
}

async fn introspection_needs_a_confidential_client(server: TestServer) {
    let f = fixture(&server).await;
    let response =
        server.post_form("/introspect", &[("client_id", &f.app), ("token", access(&f.login))]).await;
    assert_eq!(response.status(), 401);
    let response = server.post_form("/introspect", &[("token", access(&f.login))]).await;
    assert_eq!(response.status(), 401);
}

async fn feed_lists_revoked_sessions_and_tokens_since_a_cursor(server: TestServer) {
    let f = fixture(&server).await;
    let second = server.login_alice(&f.app).await;
    let get_feed = |since: i64| {
        let request = server
            .http
            .get(server.url(&format!("/revocations?since={since}")))
            .header("authorization", basic(&f.resource_server));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let empty = get_feed(0).await;
    assert_eq!(empty["revocations"], json!([]));
    let cursor = empty["next_since"].as_i64().unwrap();

    server.clock.advance(10);
    revoke(&server, &f.app, refresh(&f.login), "").await;
    revoke(&server, &f.app, access(&second), "").await;
    let page = get_feed(cursor).await;
    let entries = page["revocations"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{page}");
    let session = entries.iter().find(|e| e["type"] == "session").unwrap();
    assert_eq!(session["expires_at"].as_i64().unwrap(), session["revoked_at"].as_i64().unwrap() + 300);
    let token = entries.iter().find(|e| e["type"] == "access_token").unwrap();
    assert!(token["jti"].is_string());

    server.clock.advance(60);
    let later = get_feed(page["next_since"].as_i64().unwrap() + 60).await;
    assert_eq!(later["revocations"], json!([]), "nothing new since");

    let anonymous = server.http.get(server.url("/revocations?since=0")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}
