//! Linked sign-in methods over HTTP (`/account/identities`), on both backends: a user created
//! by a token exchange sees the provider and no password, cannot unlink their only way in, and
//! can unlink one provider once another is linked; a password user may unlink their only
//! provider; another user's or an unknown provider is "not found".

use latchkey_core::federation_linking::Linking;
use latchkey_core::token_exchange::ID_TOKEN_TYPE;
use latchkey_store::FederatedIdentity;
use serde_json::Value;

use crate::exchange_kit::{exchange, id_token, nonce, payload, setup};
use crate::testkit::{assert_oauth_error, TestServer, START};

latchkey_store::on_both_backends!(unlinking_keeps_the_last_way_to_sign_in,);

async fn identities(server: &TestServer, access_token: &str) -> Value {
    let response =
        server.http.get(server.url("/account/identities")).bearer_auth(access_token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn unlink(server: &TestServer, access_token: &str, provider: &str) -> reqwest::Response {
    let url = server.url(&format!("/account/identities/{provider}"));
    server.http.delete(url).bearer_auth(access_token).send().await.unwrap()
}

pub async fn link(server: &TestServer, provider: &str, subject: &str, user_id: &str) {
    let mut work = latchkey_store::Transactional::begin(server.store.as_ref()).await.unwrap();
    let identity = FederatedIdentity {
        provider: provider.into(),
        subject: subject.into(),
        user_id: user_id.into(),
        email: None,
        linked_at: START,
        last_login_at: START,
    };
    work.link_federated_identity(&identity).await.unwrap();
    work.commit().await.unwrap();
}

async fn unlinking_keeps_the_last_way_to_sign_in(server: TestServer) {
    let setup = setup(&server, Linking::Never).await;
    let n = nonce(&server).await;
    let token = id_token(&setup, &n, |_| {});
    let body: Value =
        exchange(&server, &setup.app, "acme", &token, ID_TOKEN_TYPE, Some(&n)).await.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    let user_id = payload(&access)["sub"].as_str().unwrap().to_owned();
    let methods = identities(&server, &access).await;
    assert_eq!(methods["password"], false);
    assert_eq!(methods["identities"][0]["provider"], "acme");
    assert_eq!(methods["identities"][0]["linked_at"], START);
    assert_eq!(methods["identities"].as_array().unwrap().len(), 1);

    let refused = unlink(&server, &access, "acme").await;
    let error = assert_oauth_error(refused, 409, "invalid_request").await;
    assert!(error["error_description"].as_str().unwrap().contains("only way"), "{error}");
    assert_eq!(unlink(&server, &access, "github").await.status(), 404);

    // A second provider linked: the first may go now, and the second is again the last.
    let other = setup_other(&server).await;
    link(&server, &other, "user-1-there", &user_id).await;
    assert_eq!(unlink(&server, &access, "acme").await.status(), 204);
    let methods = identities(&server, &access).await;
    assert_eq!(methods["identities"].as_array().unwrap().len(), 1);
    assert_eq!(methods["identities"][0]["provider"], other.as_str());
    assert_eq!(unlink(&server, &access, &other).await.status(), 409);

    // A password user may unlink their only provider; alice's list says she has a password.
    server.add_user("alice", &[]).await;
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    link(&server, "acme", "alice-at-acme", &alice.id).await;
    let app = server.with_app_and_alice_client().await;
    let login = server.login_alice(&app).await;
    let alice_token = login["access_token"].as_str().unwrap();
    assert_eq!(identities(&server, alice_token).await["password"], true);
    assert_eq!(unlink(&server, alice_token, "acme").await.status(), 204);
    assert!(identities(&server, alice_token).await["identities"].as_array().unwrap().is_empty());
    assert_eq!(server.http.get(server.url("/account/identities")).send().await.unwrap().status(), 401);
}

/// Another configured provider's name.
async fn setup_other(server: &TestServer) -> String {
    crate::exchange_kit::setup_named(server, "other", Linking::Never).await;
    "other".to_owned()
}
