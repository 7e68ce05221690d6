//! `/account/...`: a user sees and ends their own sessions with an access token (RFC 6750).

use serde_json::{json, Value};

use crate::testkit::{TestServer, PASSWORD};
use latchkey_store::on_both_backends;

on_both_backends!(
    user_lists_sessions_and_sees_which_is_current,
    user_ends_another_session_and_cannot_touch_other_users,
    logout_ends_the_current_session,
    password_change_needs_current_password_and_ends_other_sessions,
    missing_and_bad_tokens_get_rfc6750_challenges,
);

fn token(login: &Value) -> &str {
    login["access_token"].as_str().unwrap()
}

async fn sessions(server: &TestServer, access_token: &str) -> Vec<Value> {
    let response =
        server.http.get(server.url("/account/sessions")).bearer_auth(access_token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn user_lists_sessions_and_sees_which_is_current(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let phone = server.login_alice(&app).await;
    let laptop = server
        .http
        .post(server.url("/token"))
        .header("user-agent", "laptop-browser/1.0")
        .form(&[
            ("grant_type", "password"),
            ("client_id", &app),
            ("username", "alice"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let listed = sessions(&server, token(&laptop)).await;
    assert_eq!(listed.len(), 2);
    let current: Vec<&Value> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["user_agent"], "laptop-browser/1.0");
    assert_eq!(current[0]["ip"], "127.0.0.1");
    assert_eq!(current[0]["client_name"], "test client");
    assert!(listed.iter().all(|s| s["created_at"].is_i64() && s["last_used_at"].is_i64()));
    let _ = phone;
}

async fn user_ends_another_session_and_cannot_touch_other_users(server: TestServer) {
    let app = server.with_app_and_alice().await;
    server.add_user("bob", &[]).await;
    let phone = server.login_alice(&app).await;
    let laptop = server.login_alice(&app).await;
    let bob: Value = server.password_login(&app, "bob", PASSWORD).await.json().await.unwrap();

    let phone_id = sessions(&server, token(&phone)).await.into_iter().find(|s| s["current"] == true).unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_bob = server
        .http
        .delete(server.url(&format!("/account/sessions/{phone_id}")))
        .bearer_auth(token(&bob))
        .send()
        .await
        .unwrap();
    assert_eq!(by_bob.status(), 404, "another user's session is not found");
    let ended = server
        .http
        .delete(server.url(&format!("/account/sessions/{phone_id}")))
        .bearer_auth(token(&laptop))
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 204);
    assert_eq!(server.refresh(&app, phone["refresh_token"].as_str().unwrap()).await.status(), 400);
    assert_eq!(sessions(&server, token(&laptop)).await.len(), 1);
}

async fn logout_ends_the_current_session(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let login = server.login_alice(&app).await;
    let response =
        server.http.post(server.url("/account/logout")).bearer_auth(token(&login)).send().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(server.refresh(&app, login["refresh_token"].as_str().unwrap()).await.status(), 400);
    let after =
        server.http.get(server.url("/account/sessions")).bearer_auth(token(&login)).send().await.unwrap();
    assert_eq!(after.status(), 401, "the access token died with its session");
}

async fn password_change_needs_current_password_and_ends_other_sessions(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let other = server.login_alice(&app).await;
    let current = server.login_alice(&app).await;
    let change = |current_password: &str| {
        server
            .http
            .post(server.url("/account/password"))
            .bearer_auth(token(&current))
            .json(&json!({"current_password": current_password, "new_password": "a brand new passphrase"}))
            .send()
    };
    assert_eq!(change("wrong").await.unwrap().status(), 400);
    let changed = change(PASSWORD).await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(changed.json::<Value>().await.unwrap()["other_sessions_ended"], 1);
    assert_eq!(server.refresh(&app, other["refresh_token"].as_str().unwrap()).await.status(), 400);
    assert_eq!(server.refresh(&app, current["refresh_token"].as_str().unwrap()).await.status(), 200);
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 400);
    assert_eq!(server.password_login(&app, "alice", "a brand new passphrase").await.status(), 200);
}

async fn missing_and_bad_tokens_get_rfc6750_challenges(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let login = server.login_alice(&app).await;
    let missing = server.http.get(server.url("/account/sessions")).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers().get("www-authenticate").unwrap(), "Bearer realm=\"latchkey\"");

    let mut tampered = token(&login).to_owned();
    tampered.push('A');
    let bad = server.http.get(server.url("/account/sessions")).bearer_auth(&tampered).send().await.unwrap();
    assert_eq!(bad.status(), 401);
    let challenge = bad.headers().get("www-authenticate").unwrap().to_str().unwrap().to_owned();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");

    let lowercase_scheme = server
        .http
        .get(server.url("/account/sessions"))
        .header("authorization", format!("bearer {}", token(&login)))
        .send()
        .await
        .unwrap();
    assert_eq!(lowercase_scheme.status(), 200, "the scheme is case-insensitive");

    server.clock.advance(301);
    let expired =
        server.http.get(server.url("/account/sessions")).bearer_auth(token(&login)).send().await.unwrap();
    assert_eq!(expired.status(), 401);
}
