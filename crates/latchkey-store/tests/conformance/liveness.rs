//! The one liveness rule on every backend: a session whose deadline passed is as dead as a
//! revoked one, in the queries and in the revocation feed.

use latchkey_store::testing::TestDatabase;
use latchkey_store::{Revocation, RevocationKind, RevocationStore, SessionStore};

use super::{new_session, seeded, NOW};

pub async fn revocation_feed_lists_sessions_that_expired(db: TestDatabase) {
    let store = seeded(&db).await;
    let mut idle = new_session("idle", "u1", "c1", NOW);
    idle.idle_expires_at = NOW + 40;
    let mut absolute = new_session("absolute", "u1", "c1", NOW);
    absolute.absolute_expires_at = NOW + 20;
    absolute.idle_expires_at = NOW + 60;
    let live = new_session("live", "u1", "c1", NOW);
    for session in [&idle, &absolute, &live] {
        store.create_session(session).await.unwrap();
    }
    let entry = |id: &str, at: i64| Revocation {
        kind: RevocationKind::Session,
        id: id.into(),
        revoked_at: at,
        expires_at: None,
    };

    assert_eq!(store.revocations_since(NOW, NOW + 19, 100).await.unwrap(), vec![], "nothing ended yet");
    assert_eq!(
        store.revocations_since(NOW, NOW + 40, 100).await.unwrap(),
        vec![entry("absolute", NOW + 20), entry("idle", NOW + 40)],
        "a deadline equal to now has passed"
    );
    assert_eq!(
        store.revocations_since(NOW + 21, NOW + 100, 100).await.unwrap(),
        vec![entry("idle", NOW + 40)],
        "since is inclusive, earlier deadlines are not repeated"
    );

    // A revoked session is listed once, at its revocation.
    store.revoke_session("idle", NOW + 50, "logout").await.unwrap();
    assert_eq!(
        store.revocations_since(NOW + 21, NOW + 100, 100).await.unwrap(),
        vec![entry("idle", NOW + 50)]
    );
    assert_eq!(store.list_live_sessions(Some("u1"), NOW + 30).await.unwrap().len(), 1);
    assert!(store.session("live").await.unwrap().unwrap().session.is_live(NOW + 100));
    assert!(!store.session("absolute").await.unwrap().unwrap().session.is_live(NOW + 20));
}
