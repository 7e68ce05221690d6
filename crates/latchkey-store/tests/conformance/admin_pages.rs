//! What the admin API needs of the store beyond users and clients: sessions, signing keys and
//! upstream providers paged in the database (keyset on their primary keys), and the provider
//! update a compare-and-swap on its version (one of several admins with one ETag wins).

use std::sync::Arc;

use latchkey_core::key_rotation::{KeyPurpose, KeyState};
use latchkey_store::testing::TestDatabase;
use latchkey_store::{
    AdminPageStore, FederationStore, KeyStore, SessionFilter, SessionStore, Store, UpstreamProviderRecord,
    UserStore,
};

use super::admin::eight_at_once;
use super::federation::provider;
use super::keys_and_audit::key;
use super::{new_session, new_user, seeded, NOW};

pub async fn sessions_are_paged_in_the_database_by_id_with_filters(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_user(&new_user("u2", "bob"), NOW).await.unwrap();
    for (id, user) in [("s5", "u1"), ("s1", "u1"), ("s3", "u2"), ("s2", "u1"), ("s4", "u2")] {
        store.create_session(&new_session(id, user, "c1", NOW)).await.unwrap();
    }
    store.revoke_session("s2", NOW + 1, "logout").await.unwrap();
    let mut short = new_session("s0", "u1", "c1", NOW);
    short.idle_expires_at = NOW + 5;
    store.create_session(&short).await.unwrap();
    let page = |filter: SessionFilter, after: Option<&'static str>, limit: i64| {
        let store = &store;
        async move {
            let sessions = store.sessions_page(&filter, after, NOW + 10, limit).await.unwrap();
            sessions.into_iter().map(|s| s.id).collect::<Vec<_>>()
        }
    };
    let all = SessionFilter::default();
    assert_eq!(page(all.clone(), None, 2).await, ["s1", "s3"], "live ones only, by id");
    assert_eq!(page(all.clone(), Some("s3"), 2).await, ["s4", "s5"]);
    assert!(page(all, Some("s5"), 2).await.is_empty());
    let bob = SessionFilter { user_id: Some("u2".into()), client_id: None };
    assert_eq!(page(bob.clone(), Some("s3"), 5).await, ["s4"]);
    let bob_at_c1 = SessionFilter { client_id: Some("c1".into()), ..bob };
    assert_eq!(page(bob_at_c1, None, 5).await, ["s3", "s4"]);
    let elsewhere = SessionFilter { user_id: None, client_id: Some("other".into()) };
    assert!(page(elsewhere, None, 5).await.is_empty());
}

pub async fn signing_keys_are_paged_in_the_database_by_kid(db: TestDatabase) {
    let store = db.store().await;
    for (kid, state) in [("k3", KeyState::Active), ("k1", KeyState::Retired), ("k2", KeyState::Pending)] {
        store.insert_signing_key(&key(kid, KeyPurpose::AccessToken, state, NOW)).await.unwrap();
    }
    let kids =
        |keys: Vec<latchkey_store::SigningKeyRecord>| keys.into_iter().map(|k| k.kid).collect::<Vec<_>>();
    assert_eq!(kids(store.signing_keys_page(None, 2).await.unwrap()), ["k1", "k2"], "every state, by kid");
    assert_eq!(kids(store.signing_keys_page(Some("k2"), 2).await.unwrap()), ["k3"]);
}

pub async fn a_provider_update_is_compare_and_swap_on_version(db: TestDatabase) {
    let store = seeded(&db).await;
    for name in ["google", "acme", "github"] {
        store.create_upstream_provider(&provider(name)).await.unwrap();
    }
    let names = |page: Vec<UpstreamProviderRecord>| page.into_iter().map(|p| p.name).collect::<Vec<_>>();
    assert_eq!(names(store.upstream_providers_page(None, 2).await.unwrap()), ["acme", "github"]);
    assert_eq!(names(store.upstream_providers_page(Some("github"), 2).await.unwrap()), ["google"]);

    let mut change = provider("google");
    (change.client_id, change.linking, change.sealed_client_secret) =
        ("new-id".into(), "auto".into(), vec![9]);
    (change.created_at, change.updated_at) = (NOW + 50, NOW + 5);
    let updated = store.update_upstream_provider(&change, 0).await.unwrap().unwrap();
    let expected = provider("google");
    assert_eq!(
        (
            updated.version,
            updated.client_id.as_str(),
            updated.linking.as_str(),
            updated.sealed_client_secret.clone()
        ),
        (1, "new-id", "auto", vec![9])
    );
    assert_eq!((updated.created_at, updated.updated_at), (expected.created_at, NOW + 5), "created_at stays");
    assert_eq!(store.upstream_provider("google").await.unwrap(), Some(updated));
    assert!(store.update_upstream_provider(&change, 0).await.unwrap().is_none(), "stale version");
    assert!(store.update_upstream_provider(&provider("nobody"), 0).await.unwrap().is_none());
}

pub async fn concurrent_provider_updates_with_one_version_have_one_winner(db: TestDatabase) {
    // Two pools on one database: two server processes.
    let first = seeded(&db).await;
    first.create_upstream_provider(&provider("google")).await.unwrap();
    let stores: Vec<Arc<dyn Store>> = vec![Arc::new(first), Arc::new(db.store().await)];
    let winners = eight_at_once(&stores, |store, i| async move {
        let change = UpstreamProviderRecord { client_id: format!("admin{i}"), ..provider("google") };
        store.update_upstream_provider(&change, 0).await.unwrap()
    })
    .await;
    assert_eq!(winners.len(), 1, "exactly one update with version 0 wins");
    let stored = stores[0].upstream_provider("google").await.unwrap().unwrap();
    assert_eq!((stored.version, stored.client_id), (1, winners[0].client_id.clone()));
}
