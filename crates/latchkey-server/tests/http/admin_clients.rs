//! `PATCH /admin/clients/{id}`: a JSON merge patch (RFC 7396) with `If-Match`, checked by the
//! rules of registration, and in force at the token endpoint at once.

use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_kit::{admin, admin_token, assert_problem};
use crate::testkit::TestServer;
use latchkey_store::on_both_backends;

on_both_backends!(
    client_updates_merge_the_patch_under_the_registration_rules,
    of_two_client_updates_with_one_etag_exactly_one_wins,
    a_narrowed_client_is_refused_what_it_lost_at_once,
);

async fn register(server: &TestServer, token: &str, body: Value) -> Value {
    let response = admin(server, token, Method::POST, "/clients").json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn patch(
    server: &TestServer,
    token: &str,
    id: &str,
    etag: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = admin(server, token, Method::PATCH, &format!("/clients/{id}"))
        .header("content-type", "application/merge-patch+json")
        .body(body.to_string());
    if let Some(etag) = etag {
        request = request.header("if-match", etag);
    }
    request.send().await.unwrap()
}

async fn etag_of(server: &TestServer, token: &str, id: &str) -> String {
    let response = admin(server, token, Method::GET, &format!("/clients/{id}")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.headers()["etag"].to_str().unwrap().to_owned()
}

async fn client_updates_merge_the_patch_under_the_registration_rules(server: TestServer) {
    let token = admin_token(&server).await;
    let shop = register(
        &server,
        &token,
        json!({"name": "shop", "type": "public",
        "grant_types": ["authorization_code", "refresh_token"], "scopes": ["openid", "orders"],
        "redirect_uris": ["https://shop.example/cb"]}),
    )
    .await;
    let id = shop["client_id"].as_str().unwrap();
    assert_eq!(etag_of(&server, &token, id).await, "\"0\"");
    let change = json!({"name": "Shop", "redirect_uris": ["https://shop.example/callback"],
        "dpop": "required", "backchannel_logout_uri": "https://shop.example/logout"});
    assert_problem(patch(&server, &token, id, None, &change).await, 428).await;
    assert_problem(patch(&server, &token, id, Some("\"7\""), &change).await, 412).await;
    let response = patch(&server, &token, id, Some("\"0\""), &change).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let updated: Value = response.json().await.unwrap();
    assert_eq!(
        (&updated["name"], &updated["redirect_uris"], &updated["dpop"], &updated["backchannel_logout_uri"]),
        (
            &json!("Shop"),
            &json!(["https://shop.example/callback"]),
            &json!("required"),
            &json!("https://shop.example/logout")
        )
    );
    assert_eq!(updated["scopes"], shop["scopes"], "members not in the patch stay");
    assert_eq!(updated["client_id"], shop["client_id"]);

    // Each is refused by a rule of `clients add`, or because it is not a setting; none changes
    // the client.
    for refused in [
        json!({"redirect_uris": ["http://shop.example/cb"]}),
        json!({"redirect_uris": null}),
        json!({"grant_types": ["client_credentials"]}),
        json!({"access_token_ttl": 0}),
        json!({"scopes": ["latchkey:admin"]}),
        json!({"backchannel_logout_uri": null, "backchannel_logout_session_required": true}),
        json!({"type": "confidential"}),
        json!({"client_id": "mine"}),
        json!({"admin": true}),
        json!({"name": 5}),
        json!({"colour": "blue"}),
        json!(["name", "Shop"]),
    ] {
        let body = assert_problem(patch(&server, &token, id, Some("\"1\""), &refused).await, 400).await;
        let detail = body["detail"].as_str().unwrap();
        assert!(!detail.contains("colour") && !detail.contains("mine"), "no echo: {detail}");
    }
    assert_eq!(etag_of(&server, &token, id).await, "\"1\"", "no refused patch changed the client");
    // `null` puts a setting back to its registration default.
    let reset = patch(&server, &token, id, Some("\"1\""), &json!({"dpop": null})).await;
    assert_eq!(reset.status(), 200);
    assert_eq!(reset.json::<Value>().await.unwrap()["dpop"], "optional");
    let missing = patch(&server, &token, "no-such-client", Some("\"0\""), &json!({"name": "x"})).await;
    assert_problem(missing, 404).await;
}

async fn of_two_client_updates_with_one_etag_exactly_one_wins(server: TestServer) {
    let token = admin_token(&server).await;
    let reports = register(
        &server,
        &token,
        json!({"name": "reports", "type": "confidential",
        "grant_types": ["client_credentials"], "scopes": ["reports:read"]}),
    )
    .await;
    let id = reports["client_id"].as_str().unwrap();
    let bodies: Vec<Value> = (0..6).map(|i| json!({"name": format!("reports {i}")})).collect();
    let attempts = bodies.iter().map(|body| patch(&server, &token, id, Some("\"0\""), body));
    let statuses: Vec<u16> =
        futures::future::join_all(attempts).await.into_iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 412).count(), 5, "{statuses:?}");
}

async fn client_credentials_token(server: &TestServer, client: &Value, scope: &str) -> reqwest::Response {
    server
        .http
        .post(server.url("/token"))
        .basic_auth(client["client_id"].as_str().unwrap(), client["client_secret"].as_str())
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await
        .unwrap()
}

/// The attacker holds the secret of a client whose scope an operator narrowed: the next token
/// request is refused, without waiting for any cache (the server that applied the change
/// forgets its copy).
async fn a_narrowed_client_is_refused_what_it_lost_at_once(server: TestServer) {
    let token = admin_token(&server).await;
    let reports = register(
        &server,
        &token,
        json!({"name": "reports", "type": "confidential",
        "grant_types": ["client_credentials"], "scopes": ["reports:read", "reports:write"]}),
    )
    .await;
    let id = reports["client_id"].as_str().unwrap();
    assert_eq!(client_credentials_token(&server, &reports, "reports:write").await.status(), 200);
    let narrowed = patch(&server, &token, id, Some("\"0\""), &json!({"scopes": ["reports:read"]})).await;
    assert_eq!(narrowed.status(), 200);
    let refused = client_credentials_token(&server, &reports, "reports:write").await;
    assert_eq!(refused.status(), 400);
    assert_eq!(refused.json::<Value>().await.unwrap()["error"], "invalid_scope");
    assert_eq!(client_credentials_token(&server, &reports, "reports:read").await.status(), 200);
}
