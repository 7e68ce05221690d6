//! DPoP (RFC 9449) state: the client settings, the replay cache shared by every process
//! (one `INSERT ... ON CONFLICT DO NOTHING` per proof) and its janitor, and rotation of a
//! session bound to a key.

use latchkey_core::dpop::DpopPolicy;
use latchkey_store::testing::TestDatabase;
use latchkey_store::{ClientStore, DpopProofStore, SessionStore};

use super::{new_client, new_session, seeded, IDLE, NOW};

pub async fn dpop_client_settings_round_trip(db: TestDatabase) {
    let store = seeded(&db).await;
    let c1 = store.client_by_id("c1").await.unwrap().unwrap();
    assert_eq!((c1.dpop, c1.dpop_nonce), (DpopPolicy::Required, true));
    let mut off = new_client("off");
    (off.dpop, off.dpop_nonce) = (DpopPolicy::Off, false);
    let created = store.create_client(&off, NOW).await.unwrap();
    assert_eq!((created.dpop, created.dpop_nonce), (DpopPolicy::Off, false));
    let read = store.client_by_id("off").await.unwrap().unwrap();
    assert_eq!((read.dpop, read.dpop_nonce), (DpopPolicy::Off, false));
}

pub async fn dpop_proof_is_recorded_once_across_pools_and_purged(db: TestDatabase) {
    let first = db.store().await;
    let second = db.store().await;
    // The same proof at two "processes" at once: exactly one records it.
    let (a, b) =
        tokio::join!(first.record_dpop_proof("k1", NOW + 60), second.record_dpop_proof("k1", NOW + 60));
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|fresh| **fresh).count(), 1);
    assert!(!first.record_dpop_proof("k1", NOW + 60).await.unwrap(), "a replay is refused");
    assert!(first.record_dpop_proof("k2", NOW + 120).await.unwrap(), "another proof is fresh");

    assert_eq!(first.delete_expired_dpop_proofs(NOW + 59, 10).await.unwrap(), 0);
    assert_eq!(first.delete_expired_dpop_proofs(NOW + 60, 10).await.unwrap(), 1);
    assert!(first.record_dpop_proof("k1", NOW + 200).await.unwrap(), "forgotten once expired");
    assert_eq!(second.delete_expired_dpop_proofs(NOW + 500, 1).await.unwrap(), 1, "limit honoured");
}

/// Many proofs at once in one process — on SQLite one group-committed batch, some keys
/// repeated within it: each key is fresh for exactly one caller.
pub async fn dpop_proofs_queued_together_are_each_recorded_once(db: TestDatabase) {
    let store = std::sync::Arc::new(db.store().await);
    let keys: Vec<String> = (0..48).map(|i| format!("k{}", i % 12)).collect();
    let tasks: Vec<_> = keys
        .iter()
        .map(|key| {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move { store.record_dpop_proof(&key, NOW + 60).await.unwrap() })
        })
        .collect();
    let mut fresh = Vec::new();
    for (key, task) in keys.iter().zip(tasks) {
        if task.await.unwrap() {
            fresh.push(key.clone());
        }
    }
    fresh.sort();
    let mut expected: Vec<String> = (0..12).map(|i| format!("k{i}")).collect();
    expected.sort();
    assert_eq!(fresh, expected, "each key recorded exactly once");
}

pub async fn bound_session_rotates_only_with_its_key(db: TestDatabase) {
    let store = seeded(&db).await;
    let mut bound = new_session("s1", "u1", "c1", NOW);
    bound.dpop_jkt = Some("key-a".into());
    assert_eq!(store.create_session(&bound).await.unwrap().dpop_jkt.as_deref(), Some("key-a"));
    let t = NOW + 1;
    assert!(store.rotate_session("s1", 0, t, t + IDLE, None).await.unwrap().is_none(), "no key");
    assert!(store.rotate_session("s1", 0, t, t + IDLE, Some("key-b")).await.unwrap().is_none(), "other key");
    let found = store.session("s1").await.unwrap().unwrap();
    assert_eq!((found.session.generation, found.session.dpop_jkt.as_deref()), (0, Some("key-a")));
    let rotated = store.rotate_session("s1", 0, t, t + IDLE, Some("key-a")).await.unwrap().unwrap();
    assert_eq!(rotated.session.generation, 1);

    // An unbound session rotates with or without a key.
    store.create_session(&new_session("s2", "u1", "c1", NOW)).await.unwrap();
    assert!(store.rotate_session("s2", 0, t, t + IDLE, Some("key-a")).await.unwrap().is_some());
    assert!(store.rotate_session("s2", 1, t, t + IDLE, None).await.unwrap().is_some());
}
