//! `/admin/clients`, `/admin/sessions`, `/admin/keys`, `/admin/audit-events` over HTTP, and
//! the admin API on a listener of its own (`admin_listen`).

use std::net::SocketAddr;

use latchkey_core::clock::Clock;
use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_kit::{admin, admin_client, admin_token, assert_problem, token_of};
use crate::testkit::{test_config, TestServer};
use latchkey_store::on_both_backends;
use latchkey_store::testing::TestDatabase;

on_both_backends!(
    clients_are_registered_listed_rotated_and_removed,
    sessions_are_listed_and_ended,
    keys_are_listed_rotated_and_revoked,
    audit_events_are_filtered_and_paged,
    with_admin_listen_the_api_leaves_the_public_port,
);

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

async fn clients_are_registered_listed_rotated_and_removed(server: TestServer) {
    let caller = admin_client(&server).await;
    let token = token_of(&server, &caller).await;
    for (method, path) in [
        (Method::DELETE, format!("/clients/{}", caller.0)),
        (Method::POST, format!("/clients/{}/rotate-secret", caller.0)),
    ] {
        let response = admin(&server, &token, method, &path).send().await.unwrap();
        assert_problem(response, 409).await; // an admin client cannot lock itself out
    }
    let created = admin(&server, &token, Method::POST, "/clients")
        .json(&json!({"name": "ops", "admin": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created = json_of(created).await;
    assert_eq!(
        (created["type"].as_str(), created["scopes"].clone()),
        (Some("confidential"), json!(["latchkey:admin"]))
    );
    let id = created["client_id"].as_str().unwrap().to_owned();
    let old = (id.clone(), created["client_secret"].as_str().unwrap().to_owned());
    token_of(&server, &old).await;
    let listed = json_of(admin(&server, &token, Method::GET, "/clients").send().await.unwrap()).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "the caller and the new one");
    let rotated = json_of(
        admin(&server, &token, Method::POST, &format!("/clients/{id}/rotate-secret")).send().await.unwrap(),
    )
    .await;
    let new = (id.clone(), rotated["client_secret"].as_str().unwrap().to_owned());
    let refused = server
        .http
        .post(server.url("/token"))
        .basic_auth(&old.0, Some(&old.1))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401, "the old secret stops at once");
    token_of(&server, &new).await;
    let public = json!({"name": "spa", "type": "public", "grant_types": ["authorization_code"],
        "redirect_uris": ["https://app.example/cb"]});
    let spa =
        json_of(admin(&server, &token, Method::POST, "/clients").json(&public).send().await.unwrap()).await;
    assert_eq!(spa["client_secret"], Value::Null);
    let spa_id = spa["client_id"].as_str().unwrap();
    assert_problem(
        admin(&server, &token, Method::POST, &format!("/clients/{spa_id}/rotate-secret"))
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    assert_eq!(
        admin(&server, &token, Method::DELETE, &format!("/clients/{id}")).send().await.unwrap().status(),
        204
    );
    assert_problem(admin(&server, &token, Method::GET, &format!("/clients/{id}")).send().await.unwrap(), 404)
        .await;
}

async fn sessions_are_listed_and_ended(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let token = admin_token(&server).await;
    let tokens = server.login_alice(&app).await;
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    let listed = json_of(
        admin(&server, &token, Method::GET, &format!("/sessions?user_id={}", alice.id)).send().await.unwrap(),
    )
    .await;
    let sessions = listed["items"].as_array().unwrap();
    assert_eq!(sessions.len(), 1);
    let id = sessions[0]["id"].as_str().unwrap();
    let one =
        json_of(admin(&server, &token, Method::GET, &format!("/sessions/{id}")).send().await.unwrap()).await;
    assert_eq!(one["client_id"], app.as_str());
    assert_eq!(
        admin(&server, &token, Method::DELETE, &format!("/sessions/{id}")).send().await.unwrap().status(),
        204
    );
    assert_eq!(server.refresh(&app, tokens["refresh_token"].as_str().unwrap()).await.status(), 400);
    assert_problem(
        admin(&server, &token, Method::DELETE, &format!("/sessions/{id}")).send().await.unwrap(),
        404,
    )
    .await;
    let none = json_of(admin(&server, &token, Method::GET, "/sessions").send().await.unwrap()).await;
    assert_eq!(none["items"], json!([]));
}

async fn keys_are_listed_rotated_and_revoked(server: TestServer) {
    let token = admin_token(&server).await;
    let before = json_of(admin(&server, &token, Method::GET, "/keys").send().await.unwrap()).await;
    let before = before["items"].as_array().unwrap().clone();
    assert!(before.iter().all(|k| k["state"] == "active" && k.get("sealed_private_key").is_none()));
    let rotated = json_of(
        admin(&server, &token, Method::POST, "/keys/rotate")
            .json(&json!({"now": true}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let new_kid = rotated[0]["kid"].as_str().unwrap().to_owned();
    assert_eq!(rotated[0]["activate_at"], server.clock.now());
    let jwks: Value = server.http.get(server.url("/jwks.json")).send().await.unwrap().json().await.unwrap();
    assert!(
        jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == new_kid.as_str()),
        "published at once"
    );
    let revoked = json_of(
        admin(&server, &token, Method::POST, &format!("/keys/{new_kid}/revoke")).send().await.unwrap(),
    )
    .await;
    assert_eq!(revoked, json!({"kid": new_kid, "previous_state": "active"}));
    assert_problem(
        admin(&server, &token, Method::POST, &format!("/keys/{new_kid}/revoke")).send().await.unwrap(),
        404,
    )
    .await;
}

async fn audit_events_are_filtered_and_paged(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let token = admin_token(&server).await;
    for _ in 0..3 {
        server.login_alice(&app).await;
    }
    assert_eq!(server.password_login(&app, "alice", "wrong password").await.status(), 400);
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    let all = server.store.find_audit_events(&Default::default(), 100).await.unwrap();
    let of_alice: Vec<_> =
        all.iter().filter(|(_, e)| e.user_id.as_deref() == Some(alice.id.as_str())).collect();
    assert!(of_alice.len() >= 4, "{all:?}");
    let mut seen = Vec::new();
    let mut path = format!("/audit-events?user_id={}&limit=2", alice.id);
    loop {
        let page = json_of(admin(&server, &token, Method::GET, &path).send().await.unwrap()).await;
        seen.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/audit-events?user_id={}&limit=2&cursor={cursor}", alice.id),
            None => break,
        }
    }
    let kinds: Vec<&str> = seen.iter().map(|e| e["type"].as_str().unwrap()).collect();
    let expected: Vec<&str> = of_alice.iter().map(|(_, e)| e.kind.as_str()).collect();
    assert_eq!(kinds, expected, "every event of alice, newest first, across pages");
    let failed_kind = expected[0];
    let filtered = json_of(
        admin(&server, &token, Method::GET, &format!("/audit-events?type={failed_kind}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(filtered["items"].as_array().unwrap().iter().all(|e| e["type"] == failed_kind));
    let future = json_of(
        admin(&server, &token, Method::GET, &format!("/audit-events?since={}", server.clock.now() + 1))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(future["items"], json!([]));
}

async fn with_admin_listen_the_api_leaves_the_public_port(db: TestDatabase) {
    let config = latchkey_server::Config {
        admin_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        ..test_config()
    };
    let server = TestServer::start_on(db, None, config).await;
    let token = admin_token(&server).await;
    let public = admin(&server, &token, Method::GET, "/users").send().await.unwrap();
    assert_eq!(public.status(), 404, "not on the public listener");
    let base = server.latchkey.admin_url().unwrap();
    let response = server.http.get(format!("{base}/users")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let spec: Value =
        server.http.get(format!("{base}/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
}
