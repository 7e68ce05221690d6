//! What the database remembers about its deployment, on every backend: settings written by a
//! compare-and-set insert, and one first signing key per algorithm however many processes race.

use latchkey_store::testing::TestDatabase;
use latchkey_store::{InstanceStore, KeyStore, SigningKeyRecord, SqlStore, Store};

use super::NOW;

pub async fn instance_settings_are_compare_and_set(db: TestDatabase) {
    let store = SqlStore::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.instance_setting("issuer").await.unwrap(), None);
    assert_eq!(
        store.init_instance_setting("issuer", "https://a.example").await.unwrap(),
        "https://a.example"
    );
    assert_eq!(
        store.init_instance_setting("issuer", "https://b.example").await.unwrap(),
        "https://a.example",
        "the first value stays"
    );
    store.replace_instance_setting("issuer", "https://b.example").await.unwrap();
    assert_eq!(store.instance_setting("issuer").await.unwrap().as_deref(), Some("https://b.example"));
}

pub async fn only_one_first_signing_key_per_algorithm(db: TestDatabase) {
    let store = SqlStore::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let key = |kid: &str, alg: &str| SigningKeyRecord {
        kid: kid.into(),
        alg: alg.into(),
        sealed_private_key: vec![1, 2, 3],
        public_jwk: "{}".into(),
        created_at: NOW,
        retired_at: None,
    };
    let attempts = (0..8).map(|i| {
        let store = store.clone();
        let record = key(&format!("es{i}"), "ES256");
        tokio::spawn(async move { store.insert_first_signing_key(&record).await.unwrap() })
    });
    let mut won = 0;
    for attempt in attempts {
        won += usize::from(attempt.await.unwrap());
    }
    assert_eq!(won, 1, "one of the racing inserts wins");
    assert!(
        store.insert_first_signing_key(&key("rs", "RS256")).await.unwrap(),
        "another algorithm has its own"
    );
    store.insert_signing_key(&key("es-later", "ES256")).await.unwrap();
    let mut algs: Vec<_> = store.signing_keys().await.unwrap().into_iter().map(|k| k.alg).collect();
    algs.sort();
    assert_eq!(algs, ["ES256", "ES256", "RS256"], "later keys are not first keys");
}
