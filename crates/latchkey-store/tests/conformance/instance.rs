//! What the database remembers about its deployment, on every backend: settings written by a
//! compare-and-set insert, whichever process comes first.

use latchkey_store::testing::TestDatabase;
use latchkey_store::{InstanceStore, SqlStore, Store};

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
