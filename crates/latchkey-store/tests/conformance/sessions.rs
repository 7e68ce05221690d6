//! Refresh sessions on every backend: creation, the rotation compare-and-swap (once per
//! generation, under 50 racers on one pool and on two), revocation, listing and the janitor.

use std::sync::Arc;

use latchkey_store::testing::TestDatabase;
use latchkey_store::{NewSession, SessionStore, SqlStore, StoreError, UserStore};

use super::{new_session, new_user, seeded, ABSOLUTE, IDLE, NOW};

pub async fn create_and_read_session(db: TestDatabase) {
    let store = seeded(&db).await;
    let created = store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    assert_eq!((created.generation, created.last_used_at, created.rotated_at), (0, NOW, None));

    let read = store.session("s1").await.unwrap().unwrap();
    let s = &read.session;
    assert_eq!((s.id.as_str(), s.user_id.as_str(), s.client_id.as_str()), ("s1", "u1", "c1"));
    assert_eq!(s.scope, "openid accounts:read");
    assert_eq!((s.generation, s.rotated_at, s.revoked_at, s.revoke_reason.as_deref()), (0, None, None, None));
    assert_eq!((s.auth_time, s.created_at, s.last_used_at), (NOW - 1, NOW, NOW));
    assert_eq!((s.idle_expires_at, s.absolute_expires_at), (NOW + IDLE, NOW + ABSOLUTE));
    assert_eq!((s.ip.as_deref(), s.user_agent.as_deref()), (Some("192.0.2.7"), Some("test-agent/1.0")));
    assert!(s.is_live(NOW));
    assert_eq!(read.username, "alice");
    assert_eq!(read.email.as_deref(), Some("alice@example.com"));
    assert_eq!(read.roles, ["admin", "teller"]);
    assert!(!read.user_disabled);

    let mut bare = new_session("s2", "u1", "c1", NOW);
    (bare.ip, bare.user_agent) = (None, None);
    store.create_session(&bare).await.unwrap();
    let s2 = store.session("s2").await.unwrap().unwrap().session;
    assert_eq!((s2.ip, s2.user_agent), (None, None));

    assert!(store.session("nobody").await.unwrap().is_none());
    let err = store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(what) if what == "session s1"), "{err:?}");
    // Foreign keys are enforced (SQLite needs `foreign_keys=ON` for that).
    let err = store.create_session(&new_session("s3", "ghost", "c1", NOW)).await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
    let err = store.create_session(&new_session("s3", "u1", "ghost", NOW)).await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
}

pub async fn rotate_wins_once_per_generation(db: TestDatabase) {
    let store = seeded(&db).await;
    let federated = latchkey_store::SignInMethod::federated("google");
    store
        .create_session(&NewSession { method: federated.clone(), ..new_session("s1", "u1", "c1", NOW) })
        .await
        .unwrap();

    let t1 = NOW + 60;
    let rotated = store.rotate_session("s1", 0, t1, t1 + IDLE).await.unwrap().unwrap();
    let s = &rotated.session;
    assert_eq!((s.generation, s.rotated_at, s.last_used_at, s.idle_expires_at), (1, Some(t1), t1, t1 + IDLE));
    assert_eq!((s.created_at, s.auth_time, s.absolute_expires_at), (NOW, NOW - 1, NOW + ABSOLUTE));
    assert_eq!(rotated.username, "alice");
    assert_eq!(rotated.roles, ["admin", "teller"]);
    assert_eq!(rotated.email.as_deref(), Some("alice@example.com"));
    assert_eq!(s.method, federated, "the sign-in method outlives rotation");

    // The stale generation loses, now and later; the row is untouched.
    assert!(store.rotate_session("s1", 0, t1, t1 + IDLE).await.unwrap().is_none());
    assert!(store.rotate_session("s1", 0, t1 + 1, t1 + 1 + IDLE).await.unwrap().is_none());
    // A generation from the future loses too.
    assert!(store.rotate_session("s1", 5, t1 + 1, t1 + 1 + IDLE).await.unwrap().is_none());
    let stored = store.session("s1").await.unwrap().unwrap().session;
    assert_eq!((stored.generation, stored.rotated_at, stored.last_used_at), (1, Some(t1), t1));

    let t2 = NOW + 120;
    let again = store.rotate_session("s1", 1, t2, t2 + IDLE).await.unwrap().unwrap();
    assert_eq!((again.session.generation, again.session.rotated_at), (2, Some(t2)));
    assert!(store.rotate_session("nobody", 0, t2, t2 + IDLE).await.unwrap().is_none());
}

pub async fn rotate_refused_on_dead_sessions(db: TestDatabase) {
    let store = seeded(&db).await;
    // Revoked.
    store.create_session(&new_session("revoked", "u1", "c1", NOW)).await.unwrap();
    assert!(store.revoke_session("revoked", NOW + 1, "logout").await.unwrap());
    assert!(store.rotate_session("revoked", 0, NOW + 2, NOW + 2 + IDLE).await.unwrap().is_none());

    // Idle-expired: at the expiry instant it is already dead (live means `> now`).
    store.create_session(&new_session("idle", "u1", "c1", NOW)).await.unwrap();
    let at = NOW + IDLE;
    assert!(store.rotate_session("idle", 0, at, at + IDLE).await.unwrap().is_none());
    assert!(store.rotate_session("idle", 0, at - 1, at - 1 + IDLE).await.unwrap().is_some());

    // Absolutely expired, although the idle expiry would still allow it.
    let mut old = new_session("old", "u1", "c1", NOW);
    old.absolute_expires_at = NOW + 100;
    old.idle_expires_at = NOW + 1_000;
    store.create_session(&old).await.unwrap();
    assert!(store.rotate_session("old", 0, NOW + 100, NOW + 200).await.unwrap().is_none());
    assert!(store.rotate_session("old", 0, NOW + 500, NOW + 600).await.unwrap().is_none());
    assert_eq!(store.session("old").await.unwrap().unwrap().session.generation, 0);
}

pub async fn rotate_caps_idle_at_absolute(db: TestDatabase) {
    let store = seeded(&db).await;
    let mut s = new_session("s1", "u1", "c1", NOW);
    s.absolute_expires_at = NOW + 1_000;
    s.idle_expires_at = NOW + 500;
    store.create_session(&s).await.unwrap();
    let rotated = store.rotate_session("s1", 0, NOW + 400, NOW + 400 + IDLE).await.unwrap().unwrap();
    assert_eq!(rotated.session.idle_expires_at, NOW + 1_000);
    // Below the cap, the new idle expiry is taken as is (it may even shrink).
    let rotated = store.rotate_session("s1", 1, NOW + 401, NOW + 900).await.unwrap().unwrap();
    assert_eq!(rotated.session.idle_expires_at, NOW + 900);
    assert_eq!(store.session("s1").await.unwrap().unwrap().session.idle_expires_at, NOW + 900);
}

pub async fn rotate_reports_user_state(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    store.set_user_disabled("u1", true, NOW + 1).await.unwrap();
    // The store rotates regardless; refusing a disabled user is the server's decision.
    let rotated = store.rotate_session("s1", 0, NOW + 2, NOW + 2 + IDLE).await.unwrap().unwrap();
    assert!(rotated.user_disabled);
    assert!(store.session("s1").await.unwrap().unwrap().user_disabled);
}

pub async fn revoke_is_idempotent(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    assert!(store.revoke_session("s1", NOW + 5, "reuse_detected").await.unwrap());
    assert!(!store.revoke_session("s1", NOW + 9, "logout").await.unwrap());
    let s = store.session("s1").await.unwrap().unwrap().session;
    assert_eq!((s.revoked_at, s.revoke_reason.as_deref()), (Some(NOW + 5), Some("reuse_detected")));
    assert!(!s.is_live(NOW + 6));
    assert!(!store.revoke_session("nobody", NOW, "logout").await.unwrap());
}

pub async fn revoke_user_sessions_with_except(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_user(&new_user("u2", "bob"), NOW).await.unwrap();
    for id in ["a1", "a2", "a3", "a4"] {
        store.create_session(&new_session(id, "u1", "c1", NOW)).await.unwrap();
    }
    store.create_session(&new_session("b1", "u2", "c1", NOW)).await.unwrap();
    store.revoke_session("a4", NOW + 1, "logout").await.unwrap();

    // Password change from session a1: the others go, a1 stays.
    let n = store.revoke_user_sessions("u1", NOW + 2, "password_changed", Some("a1")).await.unwrap();
    assert_eq!(n, 2);
    let reason = |id: &'static str| {
        let store = store.clone();
        async move { store.session(id).await.unwrap().unwrap().session.revoke_reason }
    };
    assert_eq!(reason("a1").await, None);
    assert_eq!(reason("a2").await.as_deref(), Some("password_changed"));
    assert_eq!(reason("a3").await.as_deref(), Some("password_changed"));
    assert_eq!(reason("a4").await.as_deref(), Some("logout"));
    assert_eq!(reason("b1").await, None);

    // Account disabled: everything.
    assert_eq!(store.revoke_user_sessions("u1", NOW + 3, "disabled", None).await.unwrap(), 1);
    assert_eq!(reason("a1").await.as_deref(), Some("disabled"));
    assert_eq!(store.revoke_user_sessions("u1", NOW + 4, "disabled", None).await.unwrap(), 0);
    assert_eq!(store.revoke_user_sessions("nobody", NOW, "disabled", None).await.unwrap(), 0);
    assert_eq!(reason("b1").await, None);
}

pub async fn list_live_sessions_filters(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_user(&new_user("u2", "bob"), NOW).await.unwrap();
    store.create_session(&new_session("old", "u1", "c1", NOW)).await.unwrap();
    store.create_session(&new_session("new", "u1", "c1", NOW + 10)).await.unwrap();
    store.create_session(&new_session("bob", "u2", "c1", NOW + 5)).await.unwrap();
    store.create_session(&new_session("revoked", "u1", "c1", NOW + 20)).await.unwrap();
    store.revoke_session("revoked", NOW + 21, "logout").await.unwrap();
    let mut idle = new_session("idle", "u1", "c1", NOW + 30);
    idle.idle_expires_at = NOW + 40;
    store.create_session(&idle).await.unwrap();
    let mut absolute = new_session("absolute", "u1", "c1", NOW + 30);
    absolute.absolute_expires_at = NOW + 40;
    store.create_session(&absolute).await.unwrap();

    let ids = |sessions: Vec<latchkey_store::Session>| -> Vec<String> {
        sessions.into_iter().map(|s| s.id).collect()
    };
    // Newest first; equal creation times by id, descending.
    let now = NOW + 35;
    assert_eq!(
        ids(store.list_live_sessions(Some("u1"), now).await.unwrap()),
        ["idle", "absolute", "new", "old"]
    );
    assert_eq!(ids(store.list_live_sessions(Some("u2"), now).await.unwrap()), ["bob"]);
    assert_eq!(
        ids(store.list_live_sessions(None, now).await.unwrap()),
        ["idle", "absolute", "new", "bob", "old"]
    );
    // At NOW + 40 both short-lived sessions are dead.
    assert_eq!(ids(store.list_live_sessions(None, NOW + 40).await.unwrap()), ["new", "bob", "old"]);
    assert!(store.list_live_sessions(Some("nobody"), now).await.unwrap().is_empty());
}

pub async fn janitor_deletes_only_dead_sessions_and_respects_limit(db: TestDatabase) {
    let store = seeded(&db).await;
    // Live at the cutoff.
    store.create_session(&new_session("live", "u1", "c1", NOW)).await.unwrap();
    // Revoked after the cutoff: kept for now (reuse detection, audit).
    store.create_session(&new_session("recently-revoked", "u1", "c1", NOW)).await.unwrap();
    store.revoke_session("recently-revoked", NOW + 200, "logout").await.unwrap();
    // Dead at the cutoff, three ways, twice each.
    for i in 0..2 {
        let id = format!("revoked-{i}");
        store.create_session(&new_session(&id, "u1", "c1", NOW)).await.unwrap();
        store.revoke_session(&id, NOW + 50, "logout").await.unwrap();
        let mut idle = new_session(&format!("idle-{i}"), "u1", "c1", NOW);
        idle.idle_expires_at = NOW + 60;
        store.create_session(&idle).await.unwrap();
        let mut absolute = new_session(&format!("absolute-{i}"), "u1", "c1", NOW);
        absolute.absolute_expires_at = NOW + 100;
        store.create_session(&absolute).await.unwrap();
    }

    let cutoff = NOW + 100;
    assert_eq!(store.delete_dead_sessions(cutoff, 4).await.unwrap(), 4);
    assert_eq!(store.delete_dead_sessions(cutoff, 4).await.unwrap(), 2);
    assert_eq!(store.delete_dead_sessions(cutoff, 4).await.unwrap(), 0);
    assert_eq!(store.delete_dead_sessions(cutoff, 0).await.unwrap(), 0);
    for id in ["live", "recently-revoked"] {
        assert!(store.session(id).await.unwrap().is_some(), "{id} was deleted");
    }
    for i in 0..2 {
        for kind in ["revoked", "idle", "absolute"] {
            assert!(store.session(&format!("{kind}-{i}")).await.unwrap().is_none());
        }
    }
    // Later, the recently revoked one goes too.
    assert_eq!(store.delete_dead_sessions(NOW + 200, 100).await.unwrap(), 1);
    assert!(store.session("live").await.unwrap().is_some());
}

const RACERS: usize = 50;

/// `RACERS` tasks rotate the same (session, generation) at once, alternating between `stores`;
/// exactly one must win. Repeated for a few generations.
async fn race(stores: &[SqlStore]) {
    let rounds: i64 = 3;
    for generation in 0..rounds {
        let now = NOW + 10 * (generation + 1);
        let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
        let tasks: Vec<_> = (0..RACERS)
            .map(|i| {
                let store = stores[i % stores.len()].clone();
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.rotate_session("s1", generation, now, now + IDLE).await
                })
            })
            .collect();
        let mut winners = Vec::new();
        for task in tasks {
            if let Some(won) = task.await.unwrap().unwrap() {
                winners.push(won);
            }
        }
        assert_eq!(winners.len(), 1, "generation {generation}: {} winners", winners.len());
        assert_eq!(winners[0].session.generation, generation + 1);
        assert_eq!(winners[0].username, "alice");
    }
    let final_state = stores[0].session("s1").await.unwrap().unwrap().session;
    assert_eq!(final_state.generation, rounds);
}

pub async fn concurrent_rotation_one_pool(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    race(&[store]).await;
}

pub async fn concurrent_rotation_two_pools(db: TestDatabase) {
    // Two pools on one database: two server processes.
    let first = seeded(&db).await;
    first.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    let second = db.store().await;
    race(&[first, second]).await;
}
