//! `/admin/users` over HTTP: create, read, list in pages, update with `If-Match` (one of two
//! concurrent updates wins), the actions, and delete; errors are problem details.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_kit::{admin, admin_token, assert_problem};
use crate::testkit::{TestServer, PASSWORD};
use latchkey_store::on_both_backends;

on_both_backends!(
    users_are_created_read_listed_and_deleted,
    updates_need_the_current_etag,
    of_two_updates_with_one_etag_exactly_one_wins,
    user_actions_do_what_the_cli_does,
    malformed_requests_are_problems_not_500s,
);

async fn create(server: &TestServer, token: &str, username: &str) -> Value {
    let body = json!({"username": username, "email": format!("{username}@example.com"),
        "roles": ["teller"], "password": PASSWORD});
    let response = admin(server, token, Method::POST, "/users").json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers().get("etag").unwrap(), "\"0\"");
    response.json().await.unwrap()
}

async fn users_are_created_read_listed_and_deleted(server: TestServer) {
    let token = admin_token(&server).await;
    let carol = create(&server, &token, "carol").await;
    assert!(carol.get("password_hash").is_none() && carol.get("password").is_none());
    for name in ["alice", "bob", "dave"] {
        create(&server, &token, name).await;
    }
    let again = json!({"username": "alice", "password": PASSWORD});
    assert_problem(admin(&server, &token, Method::POST, "/users").json(&again).send().await.unwrap(), 409)
        .await;
    let id = carol["id"].as_str().unwrap();
    let read: Value = admin(&server, &token, Method::GET, &format!("/users/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read, carol);
    // Pages of two, by username.
    let mut names = Vec::new();
    let mut path = "/users?limit=2".to_owned();
    loop {
        let page: Value =
            admin(&server, &token, Method::GET, &path).send().await.unwrap().json().await.unwrap();
        names.extend(
            page["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/users?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(names, ["alice", "bob", "carol", "dave"]);
    let deleted = admin(&server, &token, Method::DELETE, &format!("/users/{id}")).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_problem(admin(&server, &token, Method::GET, &format!("/users/{id}")).send().await.unwrap(), 404)
        .await;
    assert_problem(
        admin(&server, &token, Method::DELETE, &format!("/users/{id}")).send().await.unwrap(),
        404,
    )
    .await;
}

async fn updates_need_the_current_etag(server: TestServer) {
    let token = admin_token(&server).await;
    let id = create(&server, &token, "alice").await["id"].as_str().unwrap().to_owned();
    let path = format!("/users/{id}");
    let change = json!({"email": null, "roles": ["auditor"]});
    let without = admin(&server, &token, Method::PATCH, &path).json(&change).send().await.unwrap();
    assert_problem(without, 428).await;
    let stale = admin(&server, &token, Method::PATCH, &path)
        .header("if-match", "\"7\"")
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412).await;
    let response = admin(&server, &token, Method::PATCH, &path)
        .header("if-match", "\"0\"")
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("etag").unwrap(), "\"1\"");
    let user: Value = response.json().await.unwrap();
    assert_eq!((user["email"].clone(), user["roles"].clone()), (Value::Null, json!(["auditor"])));
    // Disabling changes the user: the old ETag is stale.
    assert_eq!(
        admin(&server, &token, Method::POST, &format!("{path}/disable")).send().await.unwrap().status(),
        200
    );
    let after = admin(&server, &token, Method::PATCH, &path)
        .header("if-match", "\"1\"")
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_problem(after, 412).await;
}

async fn of_two_updates_with_one_etag_exactly_one_wins(server: TestServer) {
    let token = admin_token(&server).await;
    let id = create(&server, &token, "alice").await["id"].as_str().unwrap().to_owned();
    let path = format!("/users/{id}");
    let attempts = (0..6).map(|i| {
        let body = json!({"email": format!("admin{i}@example.com")});
        admin(&server, &token, Method::PATCH, &path).header("if-match", "\"0\"").json(&body).send()
    });
    let statuses: Vec<u16> =
        futures::future::join_all(attempts).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 412).count(), 5, "{statuses:?}");
}

async fn user_actions_do_what_the_cli_does(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let token = admin_token(&server).await;
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    let tokens = server.login_alice(&app).await;
    let path = format!("/users/{}", alice.id);
    let ended: Value = admin(&server, &token, Method::POST, &format!("{path}/disable"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ended, json!({"sessions_ended": 1}));
    let refresh = server.refresh(&app, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refresh.status(), 400, "the session ended with the disable");
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 400, "disabled");
    let enabled: Value = admin(&server, &token, Method::POST, &format!("{path}/enable"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(enabled["disabled"], false);
    server.login_alice(&app).await;
    let new_password = json!({"password": "a whole new passphrase"});
    let short = admin(&server, &token, Method::POST, &format!("{path}/password"))
        .json(&json!({"password": "short"}))
        .send()
        .await
        .unwrap();
    assert_problem(short, 400).await;
    let ended: Value = admin(&server, &token, Method::POST, &format!("{path}/password"))
        .json(&new_password)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ended, json!({"sessions_ended": 1}));
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 400, "old password");
    assert_eq!(server.password_login(&app, "alice", "a whole new passphrase").await.status(), 200);
    let ended: Value = admin(&server, &token, Method::POST, &format!("{path}/revoke-sessions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ended, json!({"sessions_ended": 1}));
    let unlocked: Value = admin(&server, &token, Method::POST, &format!("{path}/unlock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unlocked, json!({"was_locked": false}));
}

async fn malformed_requests_are_problems_not_500s(server: TestServer) {
    let token = admin_token(&server).await;
    let not_json = admin(&server, &token, Method::POST, "/users")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_problem(not_json, 400).await;
    let unknown_field = json!({"username": "x", "password": PASSWORD, "is_admin": true});
    let response = admin(&server, &token, Method::POST, "/users").json(&unknown_field).send().await.unwrap();
    assert_problem(response, 422).await;
    let bad_name = json!({"username": "has space", "password": PASSWORD});
    assert_problem(admin(&server, &token, Method::POST, "/users").json(&bad_name).send().await.unwrap(), 400)
        .await;
    assert_problem(admin(&server, &token, Method::GET, "/users?limit=many").send().await.unwrap(), 400).await;
    assert_problem(admin(&server, &token, Method::GET, "/nothing-here").send().await.unwrap(), 404).await;
    assert_problem(admin(&server, &token, Method::PUT, "/users").send().await.unwrap(), 405).await;
    assert_problem(
        admin(&server, &token, Method::GET, "/audit-events?cursor=abc").send().await.unwrap(),
        400,
    )
    .await;
}
