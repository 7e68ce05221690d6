//! `/admin/providers` and `/admin/users/{id}/identities` over HTTP: upstream providers are
//! registered, listed a page at a time, read with their `ETag`, updated with `If-Match` (of
//! two updates with one ETag exactly one wins), dry-run and removed; the client secret goes
//! in and never comes out. A user's linked identities are listed and unlinked, never the last
//! way in. From the attacker's side: no token, a non-admin token and an expired one are
//! refused on every new route.

use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_server::federation::providers::{self, SecretSealer};
use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_kit::{admin, admin_token, assert_problem, token_of};
use crate::identities::link;
use crate::testkit::TestServer;
use latchkey_store::on_both_backends;

on_both_backends!(
    providers_are_registered_listed_updated_and_removed_and_never_show_their_secret,
    of_two_provider_updates_with_one_etag_exactly_one_wins,
    a_users_identities_are_listed_and_unlinked_but_never_the_last_way_in,
    the_provider_and_identity_routes_refuse_callers_without_a_live_admin_token,
);

const SECRET: &str = "upstream-secret-0123456789";

fn corp(name: &str) -> Value {
    json!({"name": name, "kind": "oidc", "issuer": "https://sso.example", "client_id": "lk",
        "client_secret": SECRET, "linking": "prompt", "scopes": ["openid", "email"]})
}

async fn register(server: &TestServer, token: &str, body: &Value) -> reqwest::Response {
    admin(server, token, Method::POST, "/providers").json(body).send().await.unwrap()
}

async fn patch(
    server: &TestServer,
    token: &str,
    name: &str,
    etag: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = admin(server, token, Method::PATCH, &format!("/providers/{name}"))
        .header("content-type", "application/merge-patch+json")
        .body(body.to_string());
    if let Some(etag) = etag {
        request = request.header("if-match", etag);
    }
    request.send().await.unwrap()
}

/// The client secret the server would use for `name`, unsealed with its master key.
async fn stored_secret(server: &TestServer, name: &str) -> String {
    let sealer = SecretSealer::new(&server.latchkey.master).unwrap();
    let provider = providers::load(server.store.as_ref(), &sealer, name).await.unwrap().unwrap();
    provider.config.client_secret.to_string()
}

async fn providers_are_registered_listed_updated_and_removed_and_never_show_their_secret(server: TestServer) {
    let token = admin_token(&server).await;
    let created = register(&server, &token, &corp("corp")).await;
    assert_eq!((created.status().as_u16(), created.headers()["etag"].to_str().unwrap()), (201, "\"0\""));
    let text = created.text().await.unwrap();
    assert!(!text.contains(SECRET) && !text.contains("secret"), "write-only: {text}");
    let view: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((&view["kind"], &view["linking"]), (&json!("oidc"), &json!("prompt")));
    assert_eq!(view["redirect_uri"], format!("{}/federation/corp/callback", server.issuer));
    assert_eq!(stored_secret(&server, "corp").await, SECRET, "sealed, and opens");
    let github = json!({"name": "gh", "preset": "github", "client_id": "Iv1", "client_secret": "s"});
    assert_eq!(register(&server, &token, &github).await.status(), 201);
    assert_problem(register(&server, &token, &corp("corp")).await, 409).await;
    for refused in [
        json!({"name": "x", "kind": "oauth2", "client_id": "a", "client_secret": "s"}),
        json!({"name": "Bad/Name", "preset": "google", "client_id": "a", "client_secret": "s"}),
        json!({"name": "nosecret", "preset": "google", "client_id": "a"}),
    ] {
        assert_problem(register(&server, &token, &refused).await, 400).await;
    }
    let unknown =
        json!({"name": "x", "preset": "google", "client_id": "a", "client_secret": "s", "extra": 1});
    assert_problem(register(&server, &token, &unknown).await, 422).await;

    // A page at a time, in the order of names; no secret anywhere.
    let first = admin(&server, &token, Method::GET, "/providers?limit=1").send().await.unwrap();
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["items"][0]["name"], "corp");
    let next = first["next_cursor"].as_str().unwrap();
    let url = format!("/providers?limit=1&cursor={next}");
    let second: Value = admin(&server, &token, Method::GET, &url).send().await.unwrap().json().await.unwrap();
    assert_eq!((&second["items"][0]["name"], second.get("next_cursor")), (&json!("gh"), None));
    assert!(!format!("{first}{second}").contains("secret"));

    // Updates: If-Match required and current; the rules of registration; the secret replaced
    // only when the patch has one.
    let change = json!({"linking": "auto", "client_id": "lk2"});
    assert_problem(patch(&server, &token, "corp", None, &change).await, 428).await;
    assert_problem(patch(&server, &token, "corp", Some("\"5\""), &change).await, 412).await;
    for refused in [json!({"name": "other"}), json!({"kind": "oauth2"}), json!({"linking": "sometimes"})] {
        assert_problem(patch(&server, &token, "corp", Some("\"0\""), &refused).await, 400).await;
    }
    let updated = patch(&server, &token, "corp", Some("\"0\""), &change).await;
    assert_eq!((updated.status().as_u16(), updated.headers()["etag"].to_str().unwrap()), (200, "\"1\""));
    let updated: Value = updated.json().await.unwrap();
    assert_eq!((&updated["linking"], &updated["client_id"]), (&json!("auto"), &json!("lk2")));
    assert_eq!(
        (&updated["issuer"], &updated["scopes"]),
        (&view["issuer"], &view["scopes"]),
        "the rest stays"
    );
    assert_eq!(stored_secret(&server, "corp").await, SECRET, "kept");
    let rekeyed =
        patch(&server, &token, "corp", Some("\"1\""), &json!({"client_secret": "new-secret-42"})).await;
    let rekeyed = rekeyed.text().await.unwrap();
    assert!(!rekeyed.contains("new-secret-42"), "{rekeyed}");
    assert_eq!(stored_secret(&server, "corp").await, "new-secret-42");
    let got = admin(&server, &token, Method::GET, "/providers/corp").send().await.unwrap();
    assert_eq!(got.headers()["etag"], "\"2\"");

    // The dry run and the login page's choice.
    let claims = json!({"sub": "s1", "email": "a@example.com", "email_verified": true});
    let url = "/providers/corp/test-mapping";
    let dry: Value =
        admin(&server, &token, Method::POST, url).json(&claims).send().await.unwrap().json().await.unwrap();
    assert_eq!((&dry["subject"], &dry["profile"]["email"]), (&json!("s1"), &json!("a@example.com")));
    let (app, _) = server.add_client(ClientKind::Public, &[GrantType::Password], "").await;
    let options = json!({"providers": ["gh"], "password_login": false});
    let url = format!("/clients/{app}/providers");
    let offered = admin(&server, &token, Method::PUT, &url).json(&options).send().await.unwrap();
    assert_eq!(offered.json::<Value>().await.unwrap(), options);
    assert!(!server.store.client_password_login(&app).await.unwrap());
    let nobody = admin(&server, &token, Method::PUT, "/clients/nobody/providers").json(&options).send().await;
    assert_problem(nobody.unwrap(), 404).await;
    let unknown = json!({"providers": ["gh", "nowhere"]});
    let refused = admin(&server, &token, Method::PUT, &url).json(&unknown).send().await.unwrap();
    assert_problem(refused, 400).await;
    assert_eq!(server.store.client_upstream_providers(&app).await.unwrap(), ["gh"], "unchanged");

    let delete = || admin(&server, &token, Method::DELETE, "/providers/corp").send();
    assert_eq!(delete().await.unwrap().status(), 204);
    assert_problem(delete().await.unwrap(), 404).await;
    assert_problem(admin(&server, &token, Method::GET, "/providers/corp").send().await.unwrap(), 404).await;
    let gone = admin(&server, &token, Method::POST, "/providers/corp/test-mapping").json(&claims).send();
    assert_problem(gone.await.unwrap(), 404).await;
}

async fn of_two_provider_updates_with_one_etag_exactly_one_wins(server: TestServer) {
    let token = admin_token(&server).await;
    assert_eq!(register(&server, &token, &corp("corp")).await.status(), 201);
    let (from_a, from_b) = (json!({"client_id": "from-a"}), json!({"client_id": "from-b"}));
    let (a, b) = tokio::join!(
        patch(&server, &token, "corp", Some("\"0\""), &from_a),
        patch(&server, &token, "corp", Some("\"0\""), &from_b),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412], "one wins, the other is told to re-read");
    let stored = server.store.upstream_provider("corp").await.unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert!(["from-a", "from-b"].contains(&stored.client_id.as_str()));
}

async fn a_users_identities_are_listed_and_unlinked_but_never_the_last_way_in(server: TestServer) {
    let token = admin_token(&server).await;
    for name in ["corp", "gh"] {
        assert_eq!(register(&server, &token, &corp(name)).await.status(), 201);
    }
    let alice = server.add_user("alice", &[]).await;
    link(&server, "corp", "c-1", &alice.id).await;
    let path = format!("/users/{}/identities", alice.id);
    let listed: Value =
        admin(&server, &token, Method::GET, &path).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["password"], true);
    assert_eq!(listed["identities"][0]["provider"], "corp");
    let unlink =
        |provider: &str| admin(&server, &token, Method::DELETE, &format!("{path}/{provider}")).send();
    assert_problem(unlink("gh").await.unwrap(), 404).await;
    assert_eq!(unlink("corp").await.unwrap().status(), 204);
    assert!(server.store.federated_identity("corp", "c-1").await.unwrap().is_none());
    assert_problem(unlink("corp").await.unwrap(), 404).await;

    // A user who signs in only upstream keeps their last provider.
    let only = server.add_user("only", &[]).await;
    server
        .store
        .set_password_hash(&only.id, latchkey_server::federation::sign_in::NO_PASSWORD, 0)
        .await
        .unwrap();
    link(&server, "gh", "g-1", &only.id).await;
    let path = format!("/users/{}/identities/gh", only.id);
    assert_problem(admin(&server, &token, Method::DELETE, &path).send().await.unwrap(), 409).await;
    assert!(server.store.federated_identity("gh", "g-1").await.unwrap().is_some());
    let audited = server.store.find_audit_events(&Default::default(), 50).await.unwrap();
    assert!(audited
        .iter()
        .any(|(_, e)| e.kind == "identity_unlinked" && e.user_id == Some(alice.id.clone())));
    let nobody = admin(&server, &token, Method::GET, "/users/nobody/identities").send().await.unwrap();
    assert_problem(nobody, 404).await;
}

async fn the_provider_and_identity_routes_refuse_callers_without_a_live_admin_token(server: TestServer) {
    let admin_token = admin_token(&server).await;
    assert_eq!(register(&server, &admin_token, &corp("corp")).await.status(), 201);
    let (id, secret) =
        server.add_client(ClientKind::Confidential, &[GrantType::ClientCredentials], "reports:read").await;
    let other = token_of(&server, &(id, secret.unwrap())).await;
    let routes = [
        (Method::GET, "/providers"),
        (Method::POST, "/providers"),
        (Method::GET, "/providers/corp"),
        (Method::PATCH, "/providers/corp"),
        (Method::DELETE, "/providers/corp"),
        (Method::POST, "/providers/corp/test-mapping"),
        (Method::PUT, "/clients/c/providers"),
        (Method::GET, "/users/u/identities"),
        (Method::DELETE, "/users/u/identities/corp"),
    ];
    for (method, path) in &routes {
        let url = server.url(&format!("/admin{path}"));
        let anonymous = server.http.request(method.clone(), &url).json(&corp("new")).send().await.unwrap();
        assert_problem(anonymous, 401).await;
        let not_admin = admin(&server, &other, method.clone(), path).json(&corp("new")).send().await.unwrap();
        assert_problem(not_admin, 403).await;
    }
    server.clock.advance(301); // the default access-token lifetime is 300 s
    for (method, path) in &routes {
        let expired =
            admin(&server, &admin_token, method.clone(), path).json(&corp("new")).send().await.unwrap();
        assert_problem(expired, 401).await;
    }
    assert!(server.store.upstream_provider("corp").await.unwrap().is_some(), "nothing changed");
    assert!(server.store.upstream_provider("new").await.unwrap().is_none());
}
