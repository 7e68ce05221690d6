//! The linking policy over HTTP, against the real upstream of `federation.rs`, on both
//! backends: `never` makes a new user beside an existing one, `prompt` links only after the
//! existing account's password (a wrong one links nothing) and ends its other sessions,
//! `auto` links at once when both addresses are verified and never when the upstream one is
//! not, a provider that creates no users refuses; and two concurrent callbacks for one new
//! identity create exactly one user.

use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::federation_linking::Linking;
use latchkey_core::grant::GrantType;
use latchkey_store::UserProfile;
use serde_json::Value;

use crate::federation::{add_upstream, add_upstream_with, follow, follow_until, payload, Upstream};
use crate::flow::{hidden, query_of, Browser, Rp};
use crate::testkit::{TestServer, PASSWORD};

latchkey_store::on_both_backends!(
    never_and_unverified_make_new_users_and_no_creation_refuses,
    prompt_links_after_the_password_and_ends_other_sessions,
    auto_links_when_both_addresses_are_verified,
    concurrent_callbacks_for_a_new_identity_create_one_user,
);

/// alice, with her address verified, signed in once by the password grant; her refresh token.
async fn verified_alice(server: &TestServer) -> (String, String) {
    server.clock.set(SystemClock.now());
    let alice = server.add_user("alice", &[]).await;
    let mut work = server.store.begin().await.unwrap();
    work.set_user_profile(&alice.id, Some("alice@example.com"), true, &UserProfile::new(), SystemClock.now())
        .await
        .unwrap();
    work.commit().await.unwrap();
    let (client_id, _) = server
        .add_client(ClientKind::Public, &[GrantType::Password, GrantType::RefreshToken], "openid")
        .await;
    let tokens = server.login_alice(&client_id).await;
    (alice.id, format!("{client_id} {}", tokens["refresh_token"].as_str().unwrap()))
}

async fn rp(server: &TestServer) -> Rp {
    Rp::register_with(server, ClientKind::Public, "openid email", |c| c.require_consent = false).await
}

fn start_url(rp: &Rp) -> String {
    rp.authorize_url(&[("scope", "openid email"), ("state", "s"), ("idp_hint", "up")])
}

async fn sub_of(server: &TestServer, rp: &Rp, back: &str) -> String {
    let tokens: Value = rp.exchange(server, &query_of(back)["code"]).await.json().await.unwrap();
    payload(tokens["id_token"].as_str().unwrap())["sub"].as_str().unwrap().to_owned()
}

async fn refresh_works(server: &TestServer, client_and_token: &str) -> bool {
    let (client_id, token) = client_and_token.split_once(' ').unwrap();
    server.refresh(client_id, token).await.status() == 200
}

async fn never_and_unverified_make_new_users_and_no_creation_refuses(server: TestServer) {
    let Some(upstream) = Upstream::start(&server, "up", &[]).await else { return };
    let (alice, _) = verified_alice(&server).await;
    add_upstream(&server, "up", &upstream.issuer, Linking::Never).await;
    let rp = rp(&server).await;
    let (_, back, _) = follow(&mut Browser::new(&server), &start_url(&rp)).await;
    assert_ne!(sub_of(&server, &rp, &back.unwrap()).await, alice, "never: a new user");
    assert_eq!(server.store.list_users().await.unwrap().len(), 2);

    // Auto, but the provider does not say the address is verified: a new user again.
    let Some(unverified) =
        Upstream::start(&server, "up2", &[("UPSTREAM_EMAIL_VERIFIED", "false"), ("UPSTREAM_SUB", "u2")])
            .await
    else {
        return;
    };
    add_upstream(&server, "up2", &unverified.issuer, Linking::Auto).await;
    let start = rp.authorize_url(&[("scope", "openid email"), ("idp_hint", "up2")]);
    let (_, back, _) = follow(&mut Browser::new(&server), &start).await;
    assert_ne!(sub_of(&server, &rp, &back.unwrap()).await, alice, "auto without a verified address");

    // A provider that creates no users refuses an unknown account, with a page.
    let Some(closed) = Upstream::start(&server, "up3", &[("UPSTREAM_SUB", "u3")]).await else { return };
    add_upstream_with(&server, "up3", &closed.issuer, Linking::Never, false).await;
    let start = rp.authorize_url(&[("scope", "openid email"), ("idp_hint", "up3")]);
    let (status, back, _) = follow(&mut Browser::new(&server), &start).await;
    assert_eq!((status, back), (403, None));
    assert_eq!(server.store.list_users().await.unwrap().len(), 3);
}

async fn prompt_links_after_the_password_and_ends_other_sessions(server: TestServer) {
    let Some(upstream) = Upstream::start(&server, "up", &[]).await else { return };
    let (alice, session) = verified_alice(&server).await;
    add_upstream(&server, "up", &upstream.issuer, Linking::Prompt).await;
    let rp = rp(&server).await;
    let mut browser = Browser::new(&server);
    let stop = follow_until(&mut browser, &start_url(&rp), false).await;
    assert_eq!(stop.status, 200);
    assert!(stop.body.contains("Link your account"), "{}", stop.body);
    let form = |password: &'static str| {
        let (pending, csrf) = (hidden(&stop.body, "pending"), hidden(&stop.body, "csrf"));
        (pending, csrf, password)
    };

    let (pending, csrf, _) = form("wrong");
    let wrong = browser
        .post(
            "/federation/link",
            &[("pending", &pending), ("csrf", &csrf), ("password", "wrong password")],
            None,
        )
        .await;
    assert_eq!(wrong.status(), 401);
    assert!(server.store.federated_identities_of_user(&alice).await.unwrap().is_empty());
    assert!(refresh_works(&server, &session).await);

    let linked = browser
        .post("/federation/link", &[("pending", &pending), ("csrf", &csrf), ("password", PASSWORD)], None)
        .await;
    assert_eq!(linked.status(), 303);
    let (_, back, _) = follow(&mut browser, &crate::flow::location(&linked)).await;
    assert_eq!(sub_of(&server, &rp, &back.unwrap()).await, alice);
    assert_eq!(server.store.federated_identities_of_user(&alice).await.unwrap().len(), 1);
    assert!(!refresh_works(&server, &session).await, "linking ends the user's other sessions");
    assert_eq!(server.store.list_users().await.unwrap().len(), 1);

    // From now on the identity signs alice in directly.
    let (_, back, _) = follow(&mut Browser::new(&server), &start_url(&rp)).await;
    assert_eq!(sub_of(&server, &rp, &back.unwrap()).await, alice);
    let stored = server.store.user_by_id(&alice).await.unwrap().unwrap();
    assert!(stored.profile.is_empty(), "a linked local account keeps its own profile: {:?}", stored.profile);
    assert_ne!(stored.password_hash, latchkey_server::federation::sign_in::NO_PASSWORD);
}

async fn auto_links_when_both_addresses_are_verified(server: TestServer) {
    let Some(upstream) = Upstream::start(&server, "up", &[]).await else { return };
    let (alice, session) = verified_alice(&server).await;
    add_upstream(&server, "up", &upstream.issuer, Linking::Auto).await;
    let rp = rp(&server).await;
    let (_, back, _) = follow(&mut Browser::new(&server), &start_url(&rp)).await;
    assert_eq!(sub_of(&server, &rp, &back.unwrap()).await, alice);
    assert!(!refresh_works(&server, &session).await, "linking ends the user's other sessions");
    assert_eq!(server.store.list_users().await.unwrap().len(), 1);
}

async fn concurrent_callbacks_for_a_new_identity_create_one_user(server: TestServer) {
    let Some(upstream) = Upstream::start(&server, "up", &[]).await else { return };
    server.clock.set(SystemClock.now());
    add_upstream(&server, "up", &upstream.issuer, Linking::Never).await;
    let rp = rp(&server).await;
    let mut browsers = Vec::new();
    for _ in 0..4 {
        let mut browser = Browser::new(&server);
        let stop = follow_until(&mut browser, &start_url(&rp), true).await;
        browsers.push((browser, stop.callback.unwrap()));
    }
    let tasks = browsers.into_iter().map(|(mut browser, callback)| {
        tokio::spawn(async move { browser.get(&callback).await.status().as_u16() })
    });
    let statuses: Vec<u16> = futures::future::join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(statuses, [303, 303, 303, 303], "every callback signs in");
    assert_eq!(server.store.list_users().await.unwrap().len(), 1, "exactly one user");
}
