//! What the database remembers about its deployment, on every backend: settings written by a
//! compare-and-set insert, whichever process comes first, and the processes' heartbeat and
//! downtimes.

use latchkey_core::refresh::Downtime;
use latchkey_store::testing::TestDatabase;
use latchkey_store::{InstanceStore, SqlStore, Store, UptimeStore};

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

/// Migration 0001's comment was corrected after release: a database migrated before holds
/// its old checksum and still migrates; any other checksum is still refused by sqlx.
pub async fn a_database_migrated_before_the_0001_comment_fix_still_migrates(db: TestDatabase) {
    let store = db.store().await;
    store.set_migration_checksum(1, store.old_checksum_of_0001()).await.unwrap();
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store.set_migration_checksum(1, &[0; 48]).await.unwrap();
    assert!(store.migrate().await.is_err(), "a migration that differs otherwise is still refused");
}
