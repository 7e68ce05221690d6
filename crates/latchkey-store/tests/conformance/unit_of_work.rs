//! Units of work on every backend: their writes commit together or not at all, including when
//! the database fails the second statement (an injected trigger).

use latchkey_store::testing::{FailingSessionRevocations, TestDatabase};
use latchkey_store::{
    AuditEvent, AuditStore, BrowserSession, BrowserSessionStore, SessionStore, Transactional, UserStore,
};

use super::{new_session, seeded, NOW};

const NEW_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$salt$new";

pub async fn unit_of_work_commits_all_its_writes_at_once(db: TestDatabase) {
    let store = seeded(&db).await;
    for id in ["s1", "s2"] {
        store.create_session(&new_session(id, "u1", "c1", NOW)).await.unwrap();
    }
    let old_hash = store.user_by_id("u1").await.unwrap().unwrap().password_hash;
    let mut work = store.begin().await.unwrap();
    assert!(work.set_password_hash("u1", NEW_HASH, NOW + 1).await.unwrap());
    assert_eq!(work.revoke_user_sessions("u1", NOW + 1, "password_changed", Some("s1")).await.unwrap(), 1);
    let event = AuditEvent {
        at: NOW + 1,
        kind: "password_changed".into(),
        user_id: Some("u1".into()),
        client_id: None,
        session_id: None,
        detail: None,
    };
    work.record_audit_event(&event).await.unwrap();
    // Nothing is visible before the commit.
    assert_eq!(store.user_by_id("u1").await.unwrap().unwrap().password_hash, old_hash);
    work.commit().await.unwrap();

    assert_eq!(store.user_by_id("u1").await.unwrap().unwrap().password_hash, NEW_HASH);
    assert!(store.session("s1").await.unwrap().unwrap().session.is_live(NOW + 2));
    assert!(!store.session("s2").await.unwrap().unwrap().session.is_live(NOW + 2));
    assert_eq!(store.audit_events(None, 10).await.unwrap(), vec![event]);
}

pub async fn unit_of_work_dropped_without_commit_leaves_nothing(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    {
        let mut work = store.begin().await.unwrap();
        assert!(work.set_user_disabled("u1", true, NOW + 1).await.unwrap());
        assert_eq!(work.revoke_user_sessions("u1", NOW + 1, "user_disabled", None).await.unwrap(), 1);
    }
    assert!(!store.user_by_id("u1").await.unwrap().unwrap().disabled);
    assert!(store.session("s1").await.unwrap().unwrap().session.is_live(NOW + 2));
    // The writer is free again.
    assert!(store.revoke_session("s1", NOW + 3, "logout").await.unwrap());
}

pub async fn failed_second_statement_undoes_the_first(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    let mut in_browser = new_session("s2", "u1", "c1", NOW);
    in_browser.browser_session_id = Some("b1".into());
    let browser = BrowserSession {
        id: "b1".into(),
        user_id: "u1".into(),
        auth_time: NOW,
        created_at: NOW,
        expires_at: NOW + 600,
        ended_at: None,
        method: latchkey_store::SignInMethod::password(),
    };
    store.create_browser_session(&browser, "secret-hash").await.unwrap();
    store.create_session(&in_browser).await.unwrap();
    let old_hash = store.user_by_id("u1").await.unwrap().unwrap().password_hash;
    let fault = FailingSessionRevocations::install(&db.url).await;

    // Password change + ending the other sessions.
    let mut work = store.begin().await.unwrap();
    work.set_password_hash("u1", NEW_HASH, NOW + 1).await.unwrap();
    assert!(work.revoke_user_sessions("u1", NOW + 1, "password_changed", None).await.is_err());
    drop(work);
    // User disable + ending the sessions.
    let mut work = store.begin().await.unwrap();
    work.set_user_disabled("u1", true, NOW + 1).await.unwrap();
    assert!(work.revoke_user_sessions("u1", NOW + 1, "user_disabled", None).await.is_err());
    drop(work);
    // Logout + ending the sessions the browser session started.
    let mut work = store.begin().await.unwrap();
    assert!(work.end_browser_session("b1", NOW + 1).await.unwrap());
    assert!(work.revoke_browser_session_sessions("b1", NOW + 1, "logout").await.is_err());
    drop(work);
    fault.remove().await;

    let user = store.user_by_id("u1").await.unwrap().unwrap();
    assert_eq!(user.password_hash, old_hash, "the password change was rolled back");
    assert!(!user.disabled, "the disable was rolled back");
    assert_eq!(store.browser_session("b1").await.unwrap().unwrap().ended_at, None);
    assert_eq!(store.list_live_sessions(Some("u1"), NOW + 2).await.unwrap().len(), 2);
}
