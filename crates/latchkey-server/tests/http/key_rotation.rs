//! Signing-key rotation over HTTP (docs/architecture.md, "Signing-key rotation"): the JWKS
//! publishes pending, active and retiring keys with a `max-age` and a strong `ETag`, never a
//! private member; an emergency revocation takes a key out of the JWKS and makes
//! `/introspect` and `/userinfo` refuse its tokens at once, and a new key signs within the
//! reload interval.

use std::sync::Arc;
use std::time::{Duration, Instant};

use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, ManualClock};
use latchkey_core::grant::GrantType;
use latchkey_core::key_rotation::KeyState;
use latchkey_crypto::decode_unverified;
use latchkey_server::keys;
use latchkey_server::testing::TestLatchkey;
use latchkey_store::on_both_backends;
use latchkey_store::testing::TestDatabase;
use latchkey_store::Store;
use serde_json::{json, Value};

use crate::revocation::{basic, introspect};
use crate::testkit::{test_config, TestServer, PASSWORD, START};

on_both_backends!(
    jwks_is_cacheable_revalidates_with_an_etag_and_never_publishes_a_private_member,
    a_revoked_key_is_refused_at_once_and_a_new_signer_takes_over,
);

#[tokio::test]
async fn a_publish_lead_shorter_than_twice_the_jwks_max_age_is_refused_at_start() {
    let db = TestDatabase::sqlite();
    let store: Arc<dyn Store> = Arc::new(db.store().await);
    let hour = Duration::from_secs(3600);
    let config = latchkey_server::Config { jwks_max_age: hour, key_publish_lead: hour, ..test_config() };
    let refused = TestLatchkey::start(store.clone(), Arc::new(ManualClock::new(START)), config).await;
    let message = format!("{:#}", refused.err().expect("the server refuses to start"));
    assert!(message.contains("key_publish_lead (3600 s) must be at least twice jwks_max_age"), "{message}");
    assert!(store.signing_keys().await.unwrap().is_empty(), "nothing was created");
}

/// The kid in a JWS header.
fn kid_of(token: &str) -> String {
    decode_unverified(token).unwrap().0.kid.unwrap()
}

async fn get_jwks(server: &TestServer, if_none_match: Option<&str>) -> reqwest::Response {
    let mut request = server.http.get(server.url("/jwks.json"));
    if let Some(etag) = if_none_match {
        request = request.header("if-none-match", etag);
    }
    request.send().await.unwrap()
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect()
}

async fn jwks_is_cacheable_revalidates_with_an_etag_and_never_publishes_a_private_member(server: TestServer) {
    let first = get_jwks(&server, None).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "public, max-age=300, must-revalidate");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "a strong validator: {etag}");
    let before: Value = first.json().await.unwrap();
    assert_eq!(kids(&before).len(), 2, "one access-token and one ID-token key");

    let unchanged = get_jwks(&server, Some(&etag)).await;
    assert_eq!(unchanged.status(), 304);
    assert_eq!(unchanged.headers()["etag"], etag.as_str());
    assert!(unchanged.bytes().await.unwrap().is_empty());
    assert_eq!(get_jwks(&server, Some("\"something-else\"")).await.status(), 200);

    // A scheduled rotation publishes the next keys at once, well before they sign.
    let latchkey = &server.latchkey;
    let now = server.clock.now();
    let rotated =
        keys::rotate(server.store.as_ref(), &latchkey.master, &latchkey.config, now, false).await.unwrap();
    assert!(rotated.iter().all(|next| next.created && next.activate_at == now + 24 * 3600));
    let after = get_jwks(&server, Some(&etag)).await;
    assert_eq!(after.status(), 200, "a changed JWKS is not 304");
    assert_ne!(after.headers()["etag"], etag.as_str());
    let after: Value = after.json().await.unwrap();
    assert_eq!(kids(&after).len(), 4, "pending keys are published");
    for key in after["keys"].as_array().unwrap() {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k", "oth"] {
            assert!(key.get(private).is_none(), "private member {private} published: {key}");
        }
    }
    // Tokens are still signed by the active key, which the JWKS still holds.
    let app = server.with_app_and_alice().await;
    let login = server.login_alice(&app).await;
    let signer = kid_of(login["access_token"].as_str().unwrap());
    assert!(kids(&after).contains(&signer));
    assert!(rotated.iter().all(|next| next.kid != signer), "a pending key never signs");
}

async fn a_revoked_key_is_refused_at_once_and_a_new_signer_takes_over(db: TestDatabase) {
    let config = latchkey_server::Config { key_reload_interval: Duration::from_millis(200), ..test_config() };
    let server = TestServer::start_on(db, None, config).await;
    server.add_user("alice", &[]).await;
    let (app, _) = server.add_client(ClientKind::Public, &[GrantType::Password], "openid profile").await;
    let (rs, secret) = server.add_client(ClientKind::Confidential, &[GrantType::ClientCredentials], "").await;
    let rs = (rs, secret.unwrap());
    let login = server.password_login(&app, "alice", PASSWORD).await.json::<Value>().await.unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    let victim = kid_of(&token);
    assert_eq!(introspect(&server, &rs, &token).await["active"], true);
    let userinfo = || server.http.get(server.url("/userinfo")).bearer_auth(&token).send();
    assert_eq!(userinfo().await.unwrap().status(), 200);

    let latchkey = &server.latchkey;
    let now = server.clock.now();
    let before = keys::revoke(server.store.as_ref(), &latchkey.master, &latchkey.config, &victim, now);
    assert_eq!(before.await.unwrap(), Some(KeyState::Active));

    // At once, without waiting for this process to reload its keys.
    assert_eq!(introspect(&server, &rs, &token).await, json!({"active": false}));
    let refused = userinfo().await.unwrap();
    assert_eq!(refused.status(), 401);
    let challenge = refused.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("invalid_token"), "{challenge}");
    let jwks: Value = get_jwks(&server, None).await.json().await.unwrap();
    assert!(!kids(&jwks).contains(&victim), "the key left the JWKS");
    let feed: Value = server
        .http
        .get(server.url("/revocations?since=0"))
        .header("authorization", basic(&rs))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry = feed["revocations"].as_array().unwrap().iter().find(|e| e["type"] == "key_revoked").unwrap();
    assert_eq!(entry["kid"], victim.as_str());
    assert!(entry["expires_at"].as_i64().unwrap() > now + 300, "listed while its tokens live: {entry}");

    // The process picks up the new signer within its reload interval.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let fresh = server.password_login(&app, "alice", PASSWORD).await.json::<Value>().await.unwrap();
        let fresh = fresh["access_token"].as_str().unwrap();
        if kid_of(fresh) != victim {
            assert!(kids(&jwks).contains(&kid_of(fresh)), "the new signer is published");
            assert_eq!(introspect(&server, &rs, fresh).await["active"], true);
            break;
        }
        assert!(Instant::now() < deadline, "still signing with the revoked key after 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Revoking again, or a key that does not exist, changes nothing.
    let again = keys::revoke(server.store.as_ref(), &latchkey.master, &latchkey.config, &victim, now);
    assert_eq!(again.await.unwrap(), None);
}
