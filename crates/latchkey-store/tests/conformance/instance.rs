//! What the database remembers about its deployment, on every backend: settings written by a
//! compare-and-set insert, one first signing key per algorithm however many processes race,
//! and the processes' heartbeat and downtimes.

use latchkey_core::refresh::Downtime;
use latchkey_store::testing::TestDatabase;
use latchkey_store::{InstanceStore, KeyStore, SigningKeyRecord, SqlStore, Store, UptimeStore};

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

/// The heartbeat only moves forward; downtimes recorded at once by two processes are one
/// row with the later end; the janitor forgets old ones.
pub async fn heartbeat_and_downtimes_round_trip(db: TestDatabase) {
    let store = db.store().await;
    assert_eq!(store.last_heartbeat().await.unwrap(), None);
    store.record_heartbeat(NOW).await.unwrap();
    store.record_heartbeat(NOW - 5).await.unwrap();
    assert_eq!(store.last_heartbeat().await.unwrap(), Some(NOW), "a late writer does not move it back");

    store.record_downtime(NOW, NOW + 60).await.unwrap();
    store.record_downtime(NOW, NOW + 61).await.unwrap();
    store.record_downtime(NOW - 900, NOW - 800).await.unwrap();
    assert_eq!(
        store.downtimes_since(NOW - 850).await.unwrap(),
        vec![Downtime { from: NOW - 900, until: NOW - 800 }, Downtime { from: NOW, until: NOW + 61 }]
    );
    assert_eq!(store.downtimes_since(NOW).await.unwrap().len(), 1);
    assert_eq!(store.delete_downtimes_before(NOW).await.unwrap(), 1);
    assert_eq!(store.downtimes_since(0).await.unwrap(), vec![Downtime { from: NOW, until: NOW + 61 }]);
}
