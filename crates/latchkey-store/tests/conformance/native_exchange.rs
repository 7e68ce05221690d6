//! Native token-exchange storage on every backend: a nonce is used once (also by racing
//! callers on two pools, i.e. two processes) and never after it expired; a subject token is
//! recorded once; the janitor forgets expired rows; a provider's nonce comparison round-trips.

use latchkey_store::testing::TestDatabase;
use latchkey_store::{FederationStore, NativeExchangeStore};

use super::federation::provider;
use super::{seeded, NOW};

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
