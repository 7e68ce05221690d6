//! Signing-key transitions on every backend: each is a compare-and-swap, so of several
//! processes (pools) racing the same one exactly one performs it, and the database never
//! holds two signers or two next keys of one purpose and algorithm.

use latchkey_core::key_rotation::{KeyPurpose, KeyState};
use latchkey_store::testing::TestDatabase;
use latchkey_store::{KeyStore, RevocationKind, RevocationStore, SqlStore, Store};

use super::keys_and_audit::key;
use super::NOW;

/// Eight separate pools (as eight processes would have) racing `attempt`; how many won.
async fn race<F, Fut>(db: &TestDatabase, attempt: F) -> usize
where
    F: Fn(SqlStore, usize) -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = SqlStore::connect(&db.url).await.unwrap();
        tasks.push(tokio::spawn(attempt(store, i)));
    }
    let mut won = 0;
    for task in tasks {
        won += usize::from(task.await.unwrap());
    }
    won
}

pub async fn one_signer_and_one_next_key_however_many_race(db: TestDatabase) {
    let store = db.store().await;
    let created = race(&db, |store, i| async move {
        let record = key(&format!("a{i}"), KeyPurpose::AccessToken, KeyState::Active, NOW);
        store.insert_signing_key(&record).await.unwrap()
    })
    .await;
    assert_eq!(created, 1, "one signer");
    let scheduled = race(&db, |store, i| async move {
        let record = key(&format!("p{i}"), KeyPurpose::AccessToken, KeyState::Pending, NOW + 1);
        store.insert_signing_key(&record).await.unwrap()
    })
    .await;
    assert_eq!(scheduled, 1, "one next key");
    assert!(
        store.insert_signing_key(&key("id", KeyPurpose::IdToken, KeyState::Active, NOW)).await.unwrap(),
        "the other purpose has its own signer"
    );
    let keys = store.signing_keys().await.unwrap();
    let active = keys.iter().find(|k| k.state == KeyState::Active && k.purpose == KeyPurpose::AccessToken);
    let pending = keys.iter().find(|k| k.state == KeyState::Pending).unwrap();
    let (active, pending) = (active.unwrap().kid.clone(), pending.kid.clone());

    let activated = race(&db, |store, _| {
        let (active, pending) = (active.clone(), pending.clone());
        async move {
            store.activate_signing_key(&pending, Some(&active), NOW + 5, NOW + 50, NOW + 90).await.unwrap()
        }
    })
    .await;
    assert_eq!(activated, 1, "one activation");
    let keys = store.signing_keys().await.unwrap();
    let find = |kid: &str| keys.iter().find(|k| k.kid == kid).unwrap().clone();
    let (old, new) = (find(&active), find(&pending));
    assert_eq!(
        (old.state, old.retire_at, old.delete_at),
        (KeyState::Retiring, Some(NOW + 50), Some(NOW + 90))
    );
    assert_eq!((new.state, new.activate_at), (KeyState::Active, Some(NOW + 5)));
    assert_eq!(keys.len(), 3);
}

pub async fn retiring_retired_and_deleted_each_happen_once(db: TestDatabase) {
    let store = db.store().await;
    let mut old = key("old", KeyPurpose::AccessToken, KeyState::Active, NOW);
    old.alg = "EdDSA".into();
    store.insert_signing_key(&old).await.unwrap();
    assert!(store.stop_signing_key("old", NOW + 10, NOW + 20).await.unwrap());
    assert!(!store.stop_signing_key("old", NOW + 10, NOW + 20).await.unwrap());
    assert!(!store.delete_signing_key("old", NOW + 30).await.unwrap(), "a retiring key is still published");
    let retired = race(&db, |store, _| async move { store.retire_signing_key("old").await.unwrap() }).await;
    assert_eq!(retired, 1);
    assert!(!store.delete_signing_key("old", NOW + 19).await.unwrap(), "not before delete_at");
    let deleted =
        race(&db, |store, _| async move { store.delete_signing_key("old", NOW + 20).await.unwrap() }).await;
    assert_eq!(deleted, 1);
    assert_eq!(store.signing_key_state("old").await.unwrap(), None, "the row is gone");
}

pub async fn a_revoked_key_is_revoked_once_and_goes_out_on_the_feed(db: TestDatabase) {
    let store = db.store().await;
    store.insert_signing_key(&key("signer", KeyPurpose::AccessToken, KeyState::Active, NOW)).await.unwrap();
    let revoked = race(&db, |store, _| async move {
        store.revoke_signing_key("signer", NOW + 10, NOW + 1000).await.unwrap() == Some(KeyState::Active)
    })
    .await;
    assert_eq!(revoked, 1, "one revocation reports the signer it took down");
    assert_eq!(store.revoke_signing_key("nope", NOW, NOW).await.unwrap(), None);
    assert_eq!(store.signing_key_state("signer").await.unwrap(), Some(KeyState::Revoked));
    // A new signer may take the slot at once.
    assert!(store
        .insert_signing_key(&key("next", KeyPurpose::AccessToken, KeyState::Active, NOW + 10))
        .await
        .unwrap());

    let feed = store.revocations_since(NOW + 10, NOW + 11, 100).await.unwrap();
    let entry = feed.iter().find(|e| e.kind == RevocationKind::SigningKey).unwrap();
    assert_eq!(
        (entry.id.as_str(), entry.revoked_at, entry.expires_at),
        ("signer", NOW + 10, Some(NOW + 1000))
    );
    assert!(store.revocations_since(NOW + 11, NOW + 12, 100).await.unwrap().is_empty());
    assert!(!store.delete_signing_key("signer", NOW + 999).await.unwrap());
    assert!(store.delete_signing_key("signer", NOW + 1000).await.unwrap());
}

/// Keys written before rotation existed (migration 0006: one first key per algorithm, signing
/// from its creation) become what they were: the oldest of each algorithm the active signer
/// (RS256 for ID tokens), any later one retiring at once, a retired one retired.
pub async fn keys_of_earlier_versions_keep_signing_after_the_lifecycle_migration(db: TestDatabase) {
    let store = SqlStore::connect(&db.url).await.unwrap();
    store.migrate_up_to(6).await.unwrap();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let legacy = [
        ("es", "ES256", NOW, None, Some("ES256")),
        ("rs", "RS256", NOW, None, Some("RS256")),
        ("es-later", "ES256", NOW + 10, None, None),
        ("es-old", "ES256", NOW - 10, Some(NOW - 5), None),
    ];
    for (kid, alg, created_at, retired_at, first_of_alg) in legacy {
        sqlx::query(
            "INSERT INTO signing_keys (kid, alg, sealed_private_key, public_jwk, created_at, retired_at, first_of_alg) \
             VALUES ($1, $2, $3, '{}', $4, $5, $6)",
        )
        .bind(kid)
        .bind(alg)
        .bind(vec![1u8, 2, 3])
        .bind(created_at)
        .bind(retired_at)
        .bind(first_of_alg)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
    store.migrate().await.unwrap();
    let keys = store.signing_keys().await.unwrap();
    let find = |kid: &str| keys.iter().find(|k| k.kid == kid).unwrap().clone();
    let (es, rs, later, old) = (find("es"), find("rs"), find("es-later"), find("es-old"));
    assert_eq!(
        (es.purpose, es.state, es.activate_at),
        (KeyPurpose::AccessToken, KeyState::Active, Some(NOW))
    );
    assert_eq!((rs.purpose, rs.state), (KeyPurpose::IdToken, KeyState::Active));
    assert_eq!((later.state, later.retire_at), (KeyState::Retiring, Some(NOW + 10)));
    assert_eq!((old.state, old.delete_at), (KeyState::Retired, Some(NOW - 5)));
}
