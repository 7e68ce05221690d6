//! A signed-in user links a provider from the account API (`POST /account/identities/up`),
//! through the real upstream of `federation.rs`, on both backends: the link is listed and
//! ends the user's other sessions but not the one that asked; an authentication older than
//! five minutes is refused with RFC 9470's `insufficient_user_authentication`; an identity
//! of another user is not taken over; a replayed callback, or one after the asking session
//! ended, links nothing; `return_to` is a path on this server or refused; the link belongs
//! to the first browser that opens it: the same URL in another browser, or the provider URL
//! it led to, links nothing.

use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::federation_linking::Linking;
use latchkey_core::grant::GrantType;
use latchkey_store::FederatedIdentity;
use serde_json::{json, Value};

use crate::federation::{add_upstream, follow_until, Upstream};
use crate::flow::{location, Browser};
use crate::testkit::{assert_oauth_error, TestServer};

latchkey_store::on_both_backends!(
    linking_from_the_account_api_lists_the_provider_and_ends_other_sessions,
    linking_needs_a_sign_in_of_the_last_five_minutes,
    an_identity_of_another_user_is_not_linked,
    a_replayed_or_orphaned_link_callback_links_nothing,
    a_link_opened_in_another_browser_links_nothing,
);

/// The upstream `up`, alice, and a client for her password and refresh grants.
async fn setup(server: &TestServer) -> Option<(Upstream, String, String)> {
    let upstream = Upstream::start(server, "up", &[]).await?;
    server.clock.set(SystemClock.now());
    add_upstream(server, "up", &upstream.issuer, Linking::Never).await;
    let alice = server.add_user("alice", &[]).await;
    let (client_id, _) = server
        .add_client(ClientKind::Public, &[GrantType::Password, GrantType::RefreshToken], "openid")
        .await;
    Some((upstream, alice.id, client_id))
}

async fn start_link(server: &TestServer, access_token: &str, body: Option<Value>) -> reqwest::Response {
    let request = server.http.post(server.url("/account/identities/up")).bearer_auth(access_token);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    request.send().await.unwrap()
}

/// The authorization URL of a link started with `access_token`.
async fn link_url(server: &TestServer, access_token: &str, body: Option<Value>) -> String {
    let response = start_link(server, access_token, body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    body["authorization_url"].as_str().unwrap().to_owned()
}

async fn linked_providers(server: &TestServer, access_token: &str) -> Vec<String> {
    let response =
        server.http.get(server.url("/account/identities")).bearer_auth(access_token).send().await.unwrap();
    let body: Value = response.json().await.unwrap();
    let identities = body["identities"].as_array().unwrap();
    identities.iter().map(|identity| identity["provider"].as_str().unwrap().to_owned()).collect()
}

fn token(tokens: &Value, name: &str) -> String {
    tokens[name].as_str().unwrap().to_owned()
}

async fn audit_details(server: &TestServer) -> Vec<String> {
    let events = server.store.audit_events(None, 50).await.unwrap();
    events.iter().map(|e| format!("{} {}", e.kind, e.detail.clone().unwrap_or_default())).collect()
}

async fn linking_from_the_account_api_lists_the_provider_and_ends_other_sessions(server: TestServer) {
    let Some((_upstream, alice, client_id)) = setup(&server).await else { return };
    let other = server.login_alice(&client_id).await;
    let current = server.login_alice(&client_id).await;
    let url = link_url(&server, &token(&current, "access_token"), None).await;
    assert!(url.starts_with(&server.url("/federation/up/open-link?ticket=")), "{url}");

    let stop = follow_until(&mut Browser::new(&server), &url, false).await;
    assert_eq!(stop.status, 200, "{}", stop.body);
    assert!(stop.body.contains("Sign-in method linked"), "{}", stop.body);
    assert_eq!(linked_providers(&server, &token(&current, "access_token")).await, ["up"]);
    let identity = server.store.federated_identity("up", "upstream-user-1").await.unwrap().unwrap();
    assert_eq!(identity.user_id, alice);
    assert_eq!(server.store.list_users().await.unwrap().len(), 1, "no user created");

    let refused = server.refresh(&client_id, &token(&other, "refresh_token")).await;
    assert_oauth_error(refused, 400, "invalid_grant").await;
    let kept = server.refresh(&client_id, &token(&current, "refresh_token")).await;
    assert_eq!(kept.status(), 200, "the session that asked for the link goes on");
    assert!(audit_details(&server).await.iter().any(|e| e == "identity_linked provider=up"));
}

async fn linking_needs_a_sign_in_of_the_last_five_minutes(server: TestServer) {
    let Some((_upstream, _, client_id)) = setup(&server).await else { return };
    let tokens = server.login_alice(&client_id).await;
    server.clock.advance(300);
    // A refreshed access token keeps its session's authentication time.
    let response = server.refresh(&client_id, &token(&tokens, "refresh_token")).await;
    let tokens: Value = response.json().await.unwrap();
    link_url(&server, &token(&tokens, "access_token"), None).await;

    server.clock.advance(1);
    let response = server.refresh(&client_id, &token(&tokens, "refresh_token")).await;
    let tokens: Value = response.json().await.unwrap();
    let refused = start_link(&server, &token(&tokens, "access_token"), None).await;
    assert_eq!(refused.status(), 401);
    let challenge = refused.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("error=\"insufficient_user_authentication\""), "{challenge}");
    assert!(challenge.contains("max_age=300"), "{challenge}");
    assert_eq!(refused.headers()["cache-control"], "no-store");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "insufficient_user_authentication");
    assert!(body["error_description"].as_str().unwrap().contains("sign in again"), "{body}");

    // Signing in again is enough; a return address elsewhere, or an unknown provider, is not.
    let fresh = token(&server.login_alice(&client_id).await, "access_token");
    for evil in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
        let response = start_link(&server, &fresh, Some(json!({ "return_to": evil }))).await;
        assert_oauth_error(response, 400, "invalid_request").await;
    }
    let url = server.url("/account/identities/nope");
    let unknown = server.http.post(url).bearer_auth(&fresh).send().await.unwrap();
    assert_oauth_error(unknown, 404, "invalid_request").await;
    let unauthenticated = server.http.post(server.url("/account/identities/up")).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
}

async fn an_identity_of_another_user_is_not_linked(server: TestServer) {
    let Some((_upstream, alice, client_id)) = setup(&server).await else { return };
    let bob = server.add_user("bob", &[]).await;
    let mut work = server.store.begin().await.unwrap();
    let now = SystemClock.now();
    let identity = FederatedIdentity {
        provider: "up".into(),
        subject: "upstream-user-1".into(),
        user_id: bob.id.clone(),
        email: None,
        linked_at: now,
        last_login_at: now,
    };
    work.link_federated_identity(&identity).await.unwrap();
    work.commit().await.unwrap();
    let other = server.login_alice(&client_id).await;
    let current = token(&server.login_alice(&client_id).await, "access_token");

    let stop =
        follow_until(&mut Browser::new(&server), &link_url(&server, &current, None).await, false).await;
    assert_eq!(stop.status, 409);
    assert!(stop.body.contains("already linked to another account"), "{}", stop.body);
    assert!(server.store.federated_identities_of_user(&alice).await.unwrap().is_empty());
    let still = server.store.federated_identity("up", "upstream-user-1").await.unwrap().unwrap();
    assert_eq!(still.user_id, bob.id);
    let refresh = server.refresh(&client_id, &token(&other, "refresh_token")).await;
    assert_eq!(refresh.status(), 200, "nothing linked, no session ended");
    let audit = audit_details(&server).await;
    assert!(audit.iter().any(|e| e.ends_with("reason=linked_to_another_user")), "{audit:?}");
}

async fn a_replayed_or_orphaned_link_callback_links_nothing(server: TestServer) {
    let Some((_upstream, alice, client_id)) = setup(&server).await else { return };
    let tokens = server.login_alice(&client_id).await;
    let access = token(&tokens, "access_token");

    // A session that ends before the callback: nothing is linked.
    let url = link_url(&server, &access, None).await;
    let mut browser = Browser::new(&server);
    let callback = follow_until(&mut browser, &url, true).await.callback.unwrap();
    let fresh = server.login_alice(&client_id).await;
    let revoke = [("token", token(&tokens, "refresh_token")), ("client_id", client_id.clone())];
    assert_eq!(server.http.post(server.url("/revoke")).form(&revoke).send().await.unwrap().status(), 200);
    let orphaned = browser.get(&callback).await;
    assert_eq!(orphaned.status(), 400);
    assert!(orphaned.text().await.unwrap().contains("Sign in again"));
    assert!(server.store.federated_identities_of_user(&alice).await.unwrap().is_empty());

    // The callback goes to the path asked for, once.
    let access = token(&fresh, "access_token");
    let url = link_url(&server, &access, Some(json!({ "return_to": "/settings?linked=up" }))).await;
    let mut browser = Browser::new(&server);
    let callback = follow_until(&mut browser, &url, true).await.callback.unwrap();
    let linked = browser.get(&callback).await;
    assert_eq!((linked.status().as_u16(), location(&linked).as_str()), (303, "/settings?linked=up"));
    assert_eq!(server.store.federated_identities_of_user(&alice).await.unwrap().len(), 1);
    let replay = browser.get(&callback).await;
    assert_eq!(replay.status(), 400);
    let audit = audit_details(&server).await;
    assert!(audit.iter().any(|e| e.ends_with("reason=session_ended")), "{audit:?}");
    assert!(audit.iter().any(|e| e.ends_with("reason=replayed")), "{audit:?}");
    assert_eq!(audit.iter().filter(|e| e.starts_with("identity_linked")).count(), 1);
}

/// The attacker got hold of the link URL, or of the provider URL it redirected the user's
/// browser to, and opens it in their own browser to link *their* upstream account to alice.
async fn a_link_opened_in_another_browser_links_nothing(server: TestServer) {
    let Some((_upstream, alice, client_id)) = setup(&server).await else { return };
    let access = token(&server.login_alice(&client_id).await, "access_token");
    let url = link_url(&server, &access, None).await;
    let mut alices_browser = Browser::new(&server);
    let opened = alices_browser.get(&url).await;
    assert_eq!(opened.status(), 303, "the first browser is sent upstream");
    let upstream_url = location(&opened);

    let mut attacker = Browser::new(&server);
    let refused = attacker.get(&url).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("already opened in another browser"));
    let stop = follow_until(&mut attacker, &upstream_url, false).await;
    assert_eq!(stop.status, 400, "the callback in the attacker's browser: {}", stop.body);
    assert!(stop.body.contains("opened in another browser"), "{}", stop.body);
    assert!(server.store.federated_identities_of_user(&alice).await.unwrap().is_empty(), "nothing linked");
    let audit = audit_details(&server).await;
    assert!(audit.iter().any(|e| e.ends_with("reason=link_not_bound")), "{audit:?}");
    assert!(audit.iter().any(|e| e.ends_with("reason=state_mismatch")), "{audit:?}");

    // Alice, in her own browser, can start again and link.
    let url = link_url(&server, &access, None).await;
    let stop = follow_until(&mut alices_browser, &url, false).await;
    assert!(stop.body.contains("Sign-in method linked"), "{}", stop.body);
    assert_eq!(server.store.federated_identities_of_user(&alice).await.unwrap().len(), 1);
}
