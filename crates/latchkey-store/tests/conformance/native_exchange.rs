//! Native token-exchange storage on every backend: a nonce is used once (also by racing
//! callers on two pools, i.e. two processes) and never after it expired; a subject token is
//! recorded once; the janitor forgets expired rows; a provider's nonce comparison round-trips;
//! unlinking never removes a user's last way to sign in.

use latchkey_store::testing::TestDatabase;
use latchkey_store::{
    FederatedIdentity, FederationStore, LinkedIdentityStore, NativeExchangeStore, NewUser, Transactional,
    Unlinked, UserStore,
};

use super::federation::provider;
use super::{new_user, seeded, NOW};

/// The password hash of a user without a password (the server's federated users).
const NO_PASSWORD: &str = "!federated";

fn identity(provider: &str, subject: &str, user_id: &str) -> FederatedIdentity {
    FederatedIdentity {
        provider: provider.into(),
        subject: subject.into(),
        user_id: user_id.into(),
        email: None,
        linked_at: NOW,
        last_login_at: NOW,
    }
}

pub async fn a_native_nonce_is_used_once_and_never_after_expiry(db: TestDatabase) {
    let store = seeded(&db).await;
    let second = db.store().await;
    store.create_native_nonce("h1", NOW, NOW + 300).await.unwrap();
    store.create_native_nonce("h2", NOW, NOW + 300).await.unwrap();
    assert!(!store.consume_native_nonce("unknown", NOW).await.unwrap());
    assert!(!store.consume_native_nonce("h2", NOW + 300).await.unwrap(), "expired");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 { store.clone() } else { second.clone() };
        tasks.push(tokio::spawn(async move { store.consume_native_nonce("h1", NOW + 1).await.unwrap() }));
    }
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap());
    }
    assert_eq!(winners, 1);
    assert!(!store.consume_native_nonce("h1", NOW + 2).await.unwrap());
}

pub async fn a_subject_token_is_recorded_once_until_purged(db: TestDatabase) {
    let store = seeded(&db).await;
    let second = db.store().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 { store.clone() } else { second.clone() };
        tasks.push(tokio::spawn(async move {
            store.record_subject_token("https://idp.example", "jti-1", NOW + 60).await.unwrap()
        }));
    }
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap());
    }
    assert_eq!(winners, 1);
    assert!(
        store.record_subject_token("https://other.example", "jti-1", NOW + 60).await.unwrap(),
        "per issuer"
    );
    store.create_native_nonce("old", NOW - 600, NOW - 300).await.unwrap();
    store.create_native_nonce("live", NOW, NOW + 300).await.unwrap();
    assert_eq!(store.delete_expired_native_exchange(NOW, 100).await.unwrap(), 1, "only the expired nonce");
    assert!(!store.record_subject_token("https://idp.example", "jti-1", NOW + 60).await.unwrap());
    assert_eq!(store.delete_expired_native_exchange(NOW + 60, 100).await.unwrap(), 2);
    assert!(store.record_subject_token("https://idp.example", "jti-1", NOW + 120).await.unwrap());
    assert!(store.consume_native_nonce("live", NOW + 1).await.unwrap(), "a live nonce is kept");
}

pub async fn a_provider_nonce_comparison_round_trips(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_upstream_provider(&provider("apple")).await.unwrap();
    assert_eq!(store.provider_nonce_hashing("apple").await.unwrap(), None);
    assert!(store.set_provider_nonce_hashing("apple", Some("sha256")).await.unwrap());
    assert_eq!(store.provider_nonce_hashing("apple").await.unwrap().as_deref(), Some("sha256"));
    assert!(store.set_provider_nonce_hashing("apple", None).await.unwrap());
    assert_eq!(store.provider_nonce_hashing("apple").await.unwrap(), None);
    assert!(!store.set_provider_nonce_hashing("nobody", Some("raw")).await.unwrap());
    assert!(store.set_provider_nonce_hashing("apple", Some("md5")).await.is_err(), "CHECK constraint");
}

/// Unlinking keeps a user's last way to sign in: a user without a password keeps their only
/// identity; with two identities one may go; with a password, the last one may go too.
pub async fn unlinking_never_removes_the_last_way_to_sign_in(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_upstream_provider(&provider("google")).await.unwrap();
    store.create_upstream_provider(&provider("apple")).await.unwrap();
    let fed = NewUser { password_hash: NO_PASSWORD.into(), ..new_user("u9", "fed-only") };
    store.create_user(&fed, NOW).await.unwrap();
    let mut work = store.begin().await.unwrap();
    for (name, user) in [("google", "u9"), ("apple", "u9"), ("google-2", "u1")] {
        let provider = name.trim_end_matches("-2");
        let identity = identity(provider, &format!("{name}-sub"), user);
        work.link_federated_identity(&identity).await.unwrap();
    }
    work.commit().await.unwrap();
    assert_eq!(
        store.unlink_federated_identity("u9", "github", NO_PASSWORD).await.unwrap(),
        Unlinked::NotLinked
    );
    assert_eq!(
        store.unlink_federated_identity("u9", "google", NO_PASSWORD).await.unwrap(),
        Unlinked::Unlinked
    );
    assert_eq!(store.unlink_federated_identity("u9", "apple", NO_PASSWORD).await.unwrap(), Unlinked::LastWay);
    assert_eq!(store.federated_identities_of_user("u9").await.unwrap().len(), 1);
    // u1 has a password: its only identity may go.
    assert_eq!(
        store.unlink_federated_identity("u1", "google", NO_PASSWORD).await.unwrap(),
        Unlinked::Unlinked
    );
}

/// Two unlinks of a password-less user's two identities, at once from two pools (two
/// processes): exactly one succeeds, one identity remains.
pub async fn concurrent_unlinks_keep_one_way_in(db: TestDatabase) {
    let store = seeded(&db).await;
    let second = db.store().await;
    store.create_upstream_provider(&provider("google")).await.unwrap();
    store.create_upstream_provider(&provider("apple")).await.unwrap();
    store
        .create_user(&NewUser { password_hash: NO_PASSWORD.into(), ..new_user("u9", "fed-only") }, NOW)
        .await
        .unwrap();
    let mut work = store.begin().await.unwrap();
    for name in ["google", "apple"] {
        let identity = identity(name, &format!("{name}-sub"), "u9");
        work.link_federated_identity(&identity).await.unwrap();
    }
    work.commit().await.unwrap();
    for _ in 0..5 {
        let (a, b) = (store.clone(), second.clone());
        let (first, other) = tokio::join!(
            tokio::spawn(
                async move { a.unlink_federated_identity("u9", "google", NO_PASSWORD).await.unwrap() }
            ),
            tokio::spawn(
                async move { b.unlink_federated_identity("u9", "apple", NO_PASSWORD).await.unwrap() }
            ),
        );
        let outcomes = [first.unwrap(), other.unwrap()];
        assert_eq!(outcomes.iter().filter(|o| **o == Unlinked::Unlinked).count(), 1, "{outcomes:?}");
        assert_eq!(store.federated_identities_of_user("u9").await.unwrap().len(), 1);
        // Link the unlinked one back for the next round.
        let gone = if outcomes[0] == Unlinked::Unlinked { "google" } else { "apple" };
        let mut work = store.begin().await.unwrap();
        let identity = identity(gone, &format!("{gone}-sub"), "u9");
        work.link_federated_identity(&identity).await.unwrap();
        work.commit().await.unwrap();
    }
}
