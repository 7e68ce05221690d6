//! The back-channel logout outbox on every backend: every revocation of a session of a client
//! with a `backchannel_logout_uri` enqueues one delivery (in the revoking statement's own
//! transaction, by trigger), none for other clients or for a second revocation; a delivery is
//! claimed by one of several racing pools (processes), released for a retry, and finished.

use latchkey_store::testing::TestDatabase;
use latchkey_store::{BackchannelLogoutStore, ClientStore, NewClient, SessionStore, Transactional};

use super::{new_client, new_session, seeded, NOW};

pub async fn every_ended_session_enqueues_one_backchannel_logout(db: TestDatabase) {
    let store = seeded(&db).await;
    let quiet = NewClient { backchannel_logout_uri: None, ..new_client("c2") };
    store.create_client(&quiet, NOW).await.unwrap();
    let mut with_sid = new_session("s1", "u1", "c1", NOW);
    with_sid.browser_session_id = Some("b1".into());
    store.create_session(&with_sid).await.unwrap();
    store.create_session(&new_session("s2", "u1", "c1", NOW)).await.unwrap();
    store.create_session(&new_session("s3", "u1", "c2", NOW)).await.unwrap();
    assert!(store.claim_backchannel_logouts(NOW, 30, 10).await.unwrap().is_empty(), "nothing ended");

    let mut work = store.begin().await.unwrap();
    assert_eq!(work.revoke_browser_session_sessions("b1", NOW + 1, "logout").await.unwrap(), 1);
    work.commit().await.unwrap();
    assert_eq!(store.revoke_user_sessions("u1", NOW + 2, "password_changed", None).await.unwrap(), 2);
    assert!(!store.revoke_session("s1", NOW + 3, "revoked_by_client").await.unwrap());

    let mut due = store.claim_backchannel_logouts(NOW + 3, 30, 10).await.unwrap();
    due.sort_by(|a, b| a.session_id.cmp(&b.session_id));
    let summary: Vec<_> = due
        .iter()
        .map(|d| {
            (d.session_id.as_str(), d.client_id.as_str(), d.user_id.as_str(), d.browser_session_id.as_deref())
        })
        .collect();
    assert_eq!(summary, [("s1", "c1", "u1", Some("b1")), ("s2", "c1", "u1", None)], "not c2's session");
    assert!(due.iter().all(|d| d.uri == "https://app.example/backchannel" && d.attempts == 0));
}

pub async fn a_backchannel_logout_is_claimed_once_across_pools(db: TestDatabase) {
    let store = seeded(&db).await;
    let second = db.store().await;
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    store.revoke_session("s1", NOW, "logout").await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 { store.clone() } else { second.clone() };
        tasks.push(tokio::spawn(
            async move { store.claim_backchannel_logouts(NOW, 30, 10).await.unwrap().len() },
        ));
    }
    let mut claimed = 0;
    for task in tasks {
        claimed += task.await.unwrap();
    }
    assert_eq!(claimed, 1, "one claim among racing processes");
    assert!(store.claim_backchannel_logouts(NOW + 29, 30, 10).await.unwrap().is_empty(), "leased");

    store.retry_backchannel_logout("s1", NOW + 10).await.unwrap();
    assert!(store.claim_backchannel_logouts(NOW + 9, 30, 10).await.unwrap().is_empty(), "backing off");
    let retried = store.claim_backchannel_logouts(NOW + 10, 30, 10).await.unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].attempts, 1, "the first attempt counted");

    store.finish_backchannel_logout("s1").await.unwrap();
    assert!(store.claim_backchannel_logouts(NOW + 3600, 30, 10).await.unwrap().is_empty(), "done");
}
