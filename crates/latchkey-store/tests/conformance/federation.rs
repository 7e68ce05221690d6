//! Federation storage on every backend: providers (the sealed secret kept byte for byte),
//! per-client provider lists, linked identities unique per (provider, subject), the single
//! use of a flow under concurrency, and a new user and its identity committed together.

use latchkey_store::testing::TestDatabase;
use latchkey_store::{
    FederatedIdentity, FederationFlow, FederationStore, StoreError, Transactional, UpstreamProviderRecord,
    UpstreamTokenRecord, UserStore,
};

use super::{new_user, seeded, NOW};

pub fn provider(name: &str) -> UpstreamProviderRecord {
    UpstreamProviderRecord {
        name: name.into(),
        kind: "oidc".into(),
        flavor: "google".into(),
        issuer: Some("https://accounts.example".into()),
        endpoints: r#"{"token_endpoint":"https://tokens.example/t"}"#.into(),
        client_id: "latchkey-at-upstream".into(),
        sealed_client_secret: vec![1, 0, 255, 7],
        scopes: vec!["openid".into(), "email".into()],
        linking: "prompt".into(),
        create_users: true,
        store_tokens: false,
        pkce: "auto".into(),
        claim_mapping: r#"{"email":"/email"}"#.into(),
        native_client_ids: vec!["ios-app".into()],
        created_at: NOW,
        updated_at: NOW,
        version: 0,
    }
}

fn identity(provider: &str, subject: &str, user_id: &str) -> FederatedIdentity {
    FederatedIdentity {
        provider: provider.into(),
        subject: subject.into(),
        user_id: user_id.into(),
        email: Some("alice@example.com".into()),
        linked_at: NOW,
        last_login_at: NOW,
    }
}

fn flow(state_hash: &str, expires_at: i64) -> FederationFlow {
    FederationFlow {
        state_hash: state_hash.into(),
        provider: "google".into(),
        nonce: "n".into(),
        pkce_verifier: Some("v".repeat(43)),
        interaction: "sealed-interaction".into(),
        browser_hash: "b".into(),
        created_at: NOW,
        expires_at,
        used_at: None,
    }
}

pub async fn upstream_providers_round_trip_and_are_unique(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_upstream_provider(&provider("google")).await.unwrap();
    store.create_upstream_provider(&provider("acme")).await.unwrap();
    assert!(matches!(
        store.create_upstream_provider(&provider("google")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.upstream_provider("google").await.unwrap(), Some(provider("google")));
    let names: Vec<String> =
        store.list_upstream_providers().await.unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["acme", "google"]);

    // Every client offers every provider, until limited.
    assert_eq!(store.client_upstream_providers("c1").await.unwrap(), ["acme", "google"]);
    store.set_client_upstream_providers("c1", &["google".into()]).await.unwrap();
    assert_eq!(store.client_upstream_providers("c1").await.unwrap(), ["google"]);
    store.set_client_upstream_providers("c1", &[]).await.unwrap();
    assert_eq!(store.client_upstream_providers("c1").await.unwrap(), ["acme", "google"]);
    assert!(store.client_password_login("c1").await.unwrap(), "the password form by default");
    store.set_client_password_login("c1", false).await.unwrap();
    assert!(!store.client_password_login("c1").await.unwrap());
    store.set_client_password_login("c1", true).await.unwrap();
    assert!(store.client_password_login("c1").await.unwrap());

    // Removing a provider removes its identities, never the users.
    store.create_federation_flow(&flow("s1", NOW + 600)).await.unwrap();
    let mut work = store.begin().await.unwrap();
    work.link_federated_identity(&identity("google", "sub-1", "u1")).await.unwrap();
    work.commit().await.unwrap();
    assert!(store.remove_upstream_provider("google").await.unwrap());
    assert!(!store.remove_upstream_provider("google").await.unwrap());
    assert!(store.federated_identity("google", "sub-1").await.unwrap().is_none());
    assert!(store.federation_flow("s1").await.unwrap().is_none());
    assert!(store.user_by_id("u1").await.unwrap().is_some());
}

pub async fn an_upstream_identity_links_to_one_user(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_upstream_provider(&provider("google")).await.unwrap();
    store.create_user(&new_user("u2", "bob"), NOW).await.unwrap();
    let mut work = store.begin().await.unwrap();
    work.link_federated_identity(&identity("google", "sub-1", "u1")).await.unwrap();
    work.commit().await.unwrap();
    let mut work = store.begin().await.unwrap();
    let again = work.link_federated_identity(&identity("google", "sub-1", "u2")).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    drop(work);
    assert_eq!(store.federated_identity("google", "sub-1").await.unwrap().unwrap().user_id, "u1");
    assert!(store.federated_identity("google", "sub-2").await.unwrap().is_none());
    let by_email: Vec<String> =
        store.users_with_email("ALICE@example.com").await.unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(by_email, ["u1"], "case-insensitive");
    assert!(store.users_with_email("nobody@example.com").await.unwrap().is_empty());
    // Kept tokens: one row per (provider, user), replaced in place, gone after retention.
    let kept = |sealed: u8, retain_until| UpstreamTokenRecord {
        provider: "google".into(),
        user_id: "u1".into(),
        sealed_tokens: vec![sealed, 0, 255],
        access_expires_at: Some(NOW + 3600),
        retain_until,
        updated_at: NOW,
    };
    store.put_upstream_tokens(&kept(1, NOW + 10)).await.unwrap();
    store.put_upstream_tokens(&kept(2, NOW + 20)).await.unwrap();
    assert_eq!(store.upstream_tokens("google", "u1").await.unwrap(), Some(kept(2, NOW + 20)));
    assert!(store.upstream_tokens("google", "u2").await.unwrap().is_none());
    assert_eq!(store.delete_expired_upstream_tokens(NOW + 19, 10).await.unwrap(), 0);
    assert_eq!(store.delete_expired_upstream_tokens(NOW + 20, 10).await.unwrap(), 1);
    assert!(store.upstream_tokens("google", "u1").await.unwrap().is_none());
    assert!(store.touch_federated_identity("google", "sub-1", NOW + 9).await.unwrap());
    assert!(!store.touch_federated_identity("google", "sub-2", NOW + 9).await.unwrap());
    assert_eq!(
        store.federated_identities_of_user("u1").await.unwrap(),
        vec![FederatedIdentity { last_login_at: NOW + 9, ..identity("google", "sub-1", "u1") }]
    );
}

/// A first login: the user and its identity in one unit of work. Of two racing first logins
/// of the same identity (two pools: two processes), exactly one commits; the other's user
/// is rolled back with its failed link.
pub async fn concurrent_first_logins_create_one_user(db: TestDatabase) {
    let store = seeded(&db).await;
    let second = db.store().await;
    store.create_upstream_provider(&provider("google")).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..6 {
        let store = if i % 2 == 0 { store.clone() } else { second.clone() };
        tasks.push(tokio::spawn(async move {
            let user = latchkey_store::NewUser {
                email_verified: true,
                ..new_user(&format!("fed{i}"), &format!("fed-user-{i}"))
            };
            let mut work = store.begin().await?;
            work.create_user(&user, NOW).await?;
            work.link_federated_identity(&identity("google", "sub-1", &user.id)).await?;
            work.commit().await
        }));
    }
    let mut committed = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => committed += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(committed, 1);
    let users = store.list_users().await.unwrap();
    assert_eq!(users.len(), 2, "alice and one federated user: {users:?}");
    let linked = store.federated_identity("google", "sub-1").await.unwrap().unwrap();
    let user = store.user_by_id(&linked.user_id).await.unwrap().unwrap();
    assert!(user.email_verified);
}

pub async fn a_federated_profile_is_stored_and_replaced(db: TestDatabase) {
    let store = seeded(&db).await;
    let mut profile = latchkey_store::UserProfile::new();
    profile.insert("name".into(), "Alice Liddell".into());
    let mut work = store.begin().await.unwrap();
    assert!(work.set_user_profile("u1", Some("a@example.org"), true, &profile, NOW + 1).await.unwrap());
    assert!(!work.set_user_profile("nobody", None, false, &profile, NOW + 1).await.unwrap());
    work.commit().await.unwrap();
    let user = store.user_by_id("u1").await.unwrap().unwrap();
    assert_eq!(
        (user.email.as_deref(), user.email_verified, user.profile, user.updated_at),
        (Some("a@example.org"), true, profile, NOW + 1)
    );
}

pub async fn a_federation_flow_is_consumed_once(db: TestDatabase) {
    let store = seeded(&db).await;
    let second = db.store().await;
    store.create_upstream_provider(&provider("google")).await.unwrap();
    store.create_federation_flow(&flow("s1", NOW + 600)).await.unwrap();
    assert!(store.consume_federation_flow("s1", NOW + 600).await.unwrap().is_none(), "expired");
    assert!(store.consume_federation_flow("nope", NOW).await.unwrap().is_none());
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 { store.clone() } else { second.clone() };
        tasks.push(tokio::spawn(async move { store.consume_federation_flow("s1", NOW + 1).await.unwrap() }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        winners.extend(task.await.unwrap());
    }
    assert_eq!(winners, vec![FederationFlow { used_at: Some(NOW + 1), ..flow("s1", NOW + 600) }]);
    assert_eq!(
        store.federation_flow("s1").await.unwrap().unwrap().used_at,
        Some(NOW + 1),
        "a replay is told apart"
    );

    store.create_federation_flow(&flow("s2", NOW + 10)).await.unwrap();
    assert_eq!(store.delete_expired_federation_flows(NOW + 10, 1).await.unwrap(), 1);
    assert_eq!(store.delete_expired_federation_flows(NOW + 10, 10).await.unwrap(), 0, "s1 lives longer");
    assert!(store.federation_flow("s1").await.unwrap().is_some());
}

pub async fn a_federation_flow_is_bound_to_one_browser_once(db: TestDatabase) {
    let store = seeded(&db).await;
    let second = db.store().await;
    store.create_upstream_provider(&provider("google")).await.unwrap();
    store.create_federation_flow(&flow("s1", NOW + 600)).await.unwrap();
    assert!(!store.bind_federation_flow("s1", "not-the-unbound-hash", "x", NOW).await.unwrap());
    assert!(!store.bind_federation_flow("s1", "b", "x", NOW + 600).await.unwrap(), "expired");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 { store.clone() } else { second.clone() };
        let browser = format!("browser-{i}");
        tasks.push(tokio::spawn(async move {
            store.bind_federation_flow("s1", "b", &browser, NOW + 1).await.unwrap().then_some(browser)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        winners.extend(task.await.unwrap());
    }
    assert_eq!(winners.len(), 1, "one browser binds it: {winners:?}");
    let bound = store.federation_flow("s1").await.unwrap().unwrap();
    assert_eq!(bound.browser_hash, winners[0]);

    store.consume_federation_flow("s1", NOW + 2).await.unwrap().unwrap();
    assert!(!store.bind_federation_flow("s1", &winners[0], "late", NOW + 3).await.unwrap(), "used");
}
