//! The store conformance suite: every case is written once and run against every backend.
//!
//! `on_both_backends!` expands each case into `<case>::sqlite` and `<case>::postgres`. The
//! PostgreSQL variants need `LATCHKEY_TEST_POSTGRES_URL` (each test gets a schema of its own);
//! without it they print `skipped: ...` and pass.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use latchkey_store::testing::TestDatabase;
use latchkey_store::{
    AuditEvent, AuditStore, ClientKind, ClientStore, GrantType, KeyStore, NewClient, NewSession, NewUser,
    Revocation, RevocationKind, RevocationStore, SessionStore, SigningKeyRecord, SqlStore, Store, StoreError,
    UserStore,
};

latchkey_store::on_both_backends!(
    migrate_ping_and_backend,
    users_crud,
    duplicate_username_conflicts,
    replace_password_hash_is_compare_and_swap,
    clients_round_trip,
    remove_client_cascades_to_sessions,
    create_and_read_session,
    rotate_wins_once_per_generation,
    rotate_refused_on_dead_sessions,
    rotate_caps_idle_at_absolute,
    rotate_reports_user_state,
    revoke_is_idempotent,
    revoke_user_sessions_with_except,
    list_live_sessions_filters,
    janitor_deletes_only_dead_sessions_and_respects_limit,
    concurrent_rotation_one_pool,
    concurrent_rotation_two_pools,
    signing_keys_round_trip,
    audit_events_round_trip,
    closed_store_is_unavailable,
    access_token_revocation_is_idempotent_and_expires,
    revocation_feed_lists_sessions_and_tokens_since_a_time,
    authorization_code_redeems_once,
    authorization_code_concurrent_redemption_has_one_winner,
    authorization_code_janitor,
    browser_sessions_and_their_refresh_sessions,
    consents_are_remembered_per_scope_set,
    revocation_feed_lists_sessions_that_expired,
    unit_of_work_commits_all_its_writes_at_once,
    unit_of_work_dropped_without_commit_leaves_nothing,
    failed_second_statement_undoes_the_first,
    instance_settings_are_compare_and_set,
    only_one_first_signing_key_per_algorithm,
    throttle_counts_per_key_and_restarts_the_window,
    throttle_counts_every_concurrent_failure_once,
);

#[path = "conformance/instance.rs"]
mod instance;
use instance::{instance_settings_are_compare_and_set, only_one_first_signing_key_per_algorithm};

#[path = "conformance/unit_of_work.rs"]
mod unit_of_work;
use unit_of_work::{
    failed_second_statement_undoes_the_first, unit_of_work_commits_all_its_writes_at_once,
    unit_of_work_dropped_without_commit_leaves_nothing,
};

#[path = "conformance/liveness.rs"]
mod liveness;
use liveness::revocation_feed_lists_sessions_that_expired;

#[path = "conformance/throttle.rs"]
mod throttle;
use throttle::{
    throttle_counts_every_concurrent_failure_once, throttle_counts_per_key_and_restarts_the_window,
};

#[path = "conformance/authorization.rs"]
mod authorization;
use authorization::{
    authorization_code_concurrent_redemption_has_one_winner, authorization_code_janitor,
    authorization_code_redeems_once, browser_sessions_and_their_refresh_sessions,
    consents_are_remembered_per_scope_set,
};

const NOW: i64 = 1_700_000_000;
const IDLE: i64 = 3_600;
const ABSOLUTE: i64 = 30 * 24 * 3_600;

fn new_user(id: &str, username: &str) -> NewUser {
    NewUser {
        id: id.into(),
        username: username.into(),
        email: Some(format!("{username}@example.com")),
        roles: vec!["admin".into(), "teller".into()],
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$salt$hash-of-{username}"),
    }
}

fn new_client(id: &str) -> NewClient {
    NewClient {
        id: id.into(),
        name: format!("client {id}"),
        kind: ClientKind::Confidential,
        secret_hash: Some(vec![0, 1, 2, 254, 255]),
        grant_types: vec![GrantType::Password, GrantType::RefreshToken],
        scopes: vec!["openid".into(), "accounts:read".into()],
        access_token_ttl: Some(300),
        refresh_idle_ttl: Some(IDLE),
        refresh_absolute_ttl: Some(ABSOLUTE),
        reuse_window: Some(5),
        redirect_uris: vec!["https://app.example/cb".into(), "http://127.0.0.1/cb".into()],
        post_logout_redirect_uris: vec!["https://app.example/bye".into()],
        require_consent: true,
        pkce_required: true,
    }
}

fn new_session(id: &str, user_id: &str, client_id: &str, created_at: i64) -> NewSession {
    NewSession {
        id: id.into(),
        user_id: user_id.into(),
        client_id: client_id.into(),
        scope: "openid accounts:read".into(),
        auth_time: created_at - 1,
        created_at,
        idle_expires_at: created_at + IDLE,
        absolute_expires_at: created_at + ABSOLUTE,
        ip: Some("192.0.2.7".into()),
        user_agent: Some("test-agent/1.0".into()),
        browser_session_id: None,
    }
}

/// A migrated store with user `u1` (alice) and client `c1`.
async fn seeded(db: &TestDatabase) -> SqlStore {
    let store = db.store().await;
    store.create_user(&new_user("u1", "alice"), NOW).await.unwrap();
    store.create_client(&new_client("c1"), NOW).await.unwrap();
    store
}

async fn migrate_ping_and_backend(db: TestDatabase) {
    let store = db.store().await;
    assert_eq!(store.backend(), db.backend());
    store.ping().await.unwrap();
    // Migrating again is a no-op, as is migrating from a second pool (a second process).
    store.migrate().await.unwrap();
    SqlStore::connect(&db.url).await.unwrap().migrate().await.unwrap();
    // The server holds it as `Arc<dyn Store>`.
    let dynamic: Arc<dyn Store> = Arc::new(store);
    dynamic.ping().await.unwrap();
    assert!(dynamic.list_users().await.unwrap().is_empty());
}

async fn users_crud(db: TestDatabase) {
    let store = db.store().await;
    let bob = store.create_user(&new_user("u2", "bob"), NOW).await.unwrap();
    assert_eq!(bob.username, "bob");
    assert!(!bob.disabled);
    assert_eq!((bob.created_at, bob.updated_at), (NOW, NOW));
    let mut carol = new_user("u3", "carol");
    carol.email = None;
    carol.roles = vec![];
    store.create_user(&carol, NOW).await.unwrap();
    store.create_user(&new_user("u1", "alice"), NOW).await.unwrap();

    let alice = store.user_by_username("alice").await.unwrap().unwrap();
    assert_eq!(alice.id, "u1");
    assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
    assert_eq!(alice.roles, ["admin", "teller"]);
    assert_eq!(alice.password_hash, new_user("u1", "alice").password_hash);
    let carol = store.user_by_id("u3").await.unwrap().unwrap();
    assert_eq!((carol.email, carol.roles.len()), (None, 0));
    assert!(store.user_by_username("nobody").await.unwrap().is_none());
    assert!(store.user_by_id("nobody").await.unwrap().is_none());

    let names: Vec<String> = store.list_users().await.unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(names, ["alice", "bob", "carol"]);

    assert!(store.set_password_hash("u2", "$argon2id$new", NOW + 10).await.unwrap());
    let bob = store.user_by_id("u2").await.unwrap().unwrap();
    assert_eq!(
        (bob.password_hash.as_str(), bob.updated_at, bob.created_at),
        ("$argon2id$new", NOW + 10, NOW)
    );
    assert!(!store.set_password_hash("nobody", "x", NOW).await.unwrap());

    assert!(store.set_user_disabled("u2", true, NOW + 20).await.unwrap());
    let bob = store.user_by_id("u2").await.unwrap().unwrap();
    assert!(bob.disabled);
    assert_eq!(bob.updated_at, NOW + 20);
    assert!(store.set_user_disabled("u2", false, NOW + 30).await.unwrap());
    assert!(!store.user_by_id("u2").await.unwrap().unwrap().disabled);
    assert!(!store.set_user_disabled("nobody", true, NOW).await.unwrap());
}

async fn duplicate_username_conflicts(db: TestDatabase) {
    let store = db.store().await;
    store.create_user(&new_user("u1", "alice"), NOW).await.unwrap();
    let err = store.create_user(&new_user("u2", "alice"), NOW).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(what) if what == "user alice"), "{err:?}");
    assert_eq!(err.to_string(), "user alice already exists");
    assert!(!err.is_unavailable());
    // A duplicate id is a conflict too.
    let err = store.create_user(&new_user("u1", "alicia"), NOW).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.list_users().await.unwrap().len(), 1);
}

async fn replace_password_hash_is_compare_and_swap(db: TestDatabase) {
    let store = db.store().await;
    store.create_user(&new_user("u1", "alice"), NOW).await.unwrap();
    let legacy = new_user("u1", "alice").password_hash;
    // Stale expectation: nothing changes.
    assert!(!store.replace_password_hash("u1", "$2b$12$other", "$argon2id$a", NOW + 1).await.unwrap());
    assert_eq!(store.user_by_id("u1").await.unwrap().unwrap().password_hash, legacy);
    // Matching expectation: replaced once.
    assert!(store.replace_password_hash("u1", &legacy, "$argon2id$a", NOW + 2).await.unwrap());
    let alice = store.user_by_id("u1").await.unwrap().unwrap();
    assert_eq!((alice.password_hash.as_str(), alice.updated_at), ("$argon2id$a", NOW + 2));
    assert!(!store.replace_password_hash("u1", &legacy, "$argon2id$b", NOW + 3).await.unwrap());
    assert!(!store.replace_password_hash("nobody", &legacy, "$argon2id$b", NOW).await.unwrap());
    assert_eq!(store.user_by_id("u1").await.unwrap().unwrap().password_hash, "$argon2id$a");
}

async fn clients_round_trip(db: TestDatabase) {
    let store = db.store().await;
    let mut all_grants = new_client("zeta");
    all_grants.grant_types = GrantType::ALL.to_vec();
    let created = store.create_client(&all_grants, NOW).await.unwrap();
    assert_eq!(created.created_at, NOW);
    let public = NewClient {
        id: "alpha".into(),
        name: "Single-page app".into(),
        kind: ClientKind::Public,
        secret_hash: None,
        grant_types: vec![],
        scopes: vec![],
        access_token_ttl: None,
        refresh_idle_ttl: None,
        refresh_absolute_ttl: None,
        reuse_window: None,
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        require_consent: false,
        pkce_required: false,
    };
    store.create_client(&public, NOW + 1).await.unwrap();

    let zeta = store.client_by_id("zeta").await.unwrap().unwrap();
    assert_eq!(zeta.name, "client zeta");
    assert_eq!(zeta.kind, ClientKind::Confidential);
    assert_eq!(zeta.secret_hash.as_deref(), Some(&[0u8, 1, 2, 254, 255][..]));
    assert_eq!(zeta.grant_types, GrantType::ALL);
    assert_eq!(zeta.scopes, ["openid", "accounts:read"]);
    assert_eq!(
        (zeta.access_token_ttl, zeta.refresh_idle_ttl, zeta.refresh_absolute_ttl, zeta.reuse_window),
        (Some(300), Some(IDLE), Some(ABSOLUTE), Some(5))
    );
    assert_eq!(zeta.created_at, NOW);
    assert_eq!(zeta.redirect_uris, ["https://app.example/cb", "http://127.0.0.1/cb"]);
    assert_eq!(zeta.post_logout_redirect_uris, ["https://app.example/bye"]);
    assert!(zeta.require_consent && zeta.pkce_required);

    let alpha = store.client_by_id("alpha").await.unwrap().unwrap();
    assert_eq!(alpha.kind, ClientKind::Public);
    assert_eq!(alpha.secret_hash, None);
    assert!(alpha.grant_types.is_empty() && alpha.scopes.is_empty());
    assert!(alpha.redirect_uris.is_empty() && !alpha.require_consent && !alpha.pkce_required);
    assert_eq!(
        (alpha.access_token_ttl, alpha.refresh_idle_ttl, alpha.refresh_absolute_ttl, alpha.reuse_window),
        (None, None, None, None)
    );
    assert_eq!(alpha.created_at, NOW + 1);

    let ids: Vec<String> = store.list_clients().await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(ids, ["alpha", "zeta"]);
    assert!(store.client_by_id("nobody").await.unwrap().is_none());

    let err = store.create_client(&public, NOW).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(what) if what == "client alpha"), "{err:?}");
}

async fn remove_client_cascades_to_sessions(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_client(&new_client("c2"), NOW).await.unwrap();
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    store.create_session(&new_session("s2", "u1", "c1", NOW)).await.unwrap();
    store.create_session(&new_session("s3", "u1", "c2", NOW)).await.unwrap();

    assert!(store.remove_client("c1").await.unwrap());
    assert!(store.client_by_id("c1").await.unwrap().is_none());
    assert!(store.session("s1").await.unwrap().is_none());
    assert!(store.session("s2").await.unwrap().is_none());
    assert!(store.session("s3").await.unwrap().is_some());
    assert!(!store.remove_client("c1").await.unwrap());
}

async fn create_and_read_session(db: TestDatabase) {
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

async fn rotate_wins_once_per_generation(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();

    let t1 = NOW + 60;
    let rotated = store.rotate_session("s1", 0, t1, t1 + IDLE).await.unwrap().unwrap();
    let s = &rotated.session;
    assert_eq!((s.generation, s.rotated_at, s.last_used_at, s.idle_expires_at), (1, Some(t1), t1, t1 + IDLE));
    assert_eq!((s.created_at, s.auth_time, s.absolute_expires_at), (NOW, NOW - 1, NOW + ABSOLUTE));
    assert_eq!(rotated.username, "alice");
    assert_eq!(rotated.roles, ["admin", "teller"]);
    assert_eq!(rotated.email.as_deref(), Some("alice@example.com"));

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

async fn rotate_refused_on_dead_sessions(db: TestDatabase) {
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

async fn rotate_caps_idle_at_absolute(db: TestDatabase) {
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

async fn rotate_reports_user_state(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    store.set_user_disabled("u1", true, NOW + 1).await.unwrap();
    // The store rotates regardless; refusing a disabled user is the server's decision.
    let rotated = store.rotate_session("s1", 0, NOW + 2, NOW + 2 + IDLE).await.unwrap().unwrap();
    assert!(rotated.user_disabled);
    assert!(store.session("s1").await.unwrap().unwrap().user_disabled);
}

async fn revoke_is_idempotent(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    assert!(store.revoke_session("s1", NOW + 5, "reuse_detected").await.unwrap());
    assert!(!store.revoke_session("s1", NOW + 9, "logout").await.unwrap());
    let s = store.session("s1").await.unwrap().unwrap().session;
    assert_eq!((s.revoked_at, s.revoke_reason.as_deref()), (Some(NOW + 5), Some("reuse_detected")));
    assert!(!s.is_live(NOW + 6));
    assert!(!store.revoke_session("nobody", NOW, "logout").await.unwrap());
}

async fn revoke_user_sessions_with_except(db: TestDatabase) {
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

async fn list_live_sessions_filters(db: TestDatabase) {
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

async fn janitor_deletes_only_dead_sessions_and_respects_limit(db: TestDatabase) {
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

async fn concurrent_rotation_one_pool(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    race(&[store]).await;
}

async fn concurrent_rotation_two_pools(db: TestDatabase) {
    // Two pools on one database: two server processes.
    let first = seeded(&db).await;
    first.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    let second = db.store().await;
    race(&[first, second]).await;
}

async fn signing_keys_round_trip(db: TestDatabase) {
    let store = db.store().await;
    let key = |kid: &str, created_at: i64, retired_at: Option<i64>| SigningKeyRecord {
        kid: kid.into(),
        alg: "ES256".into(),
        sealed_private_key: vec![0, 159, 146, 150, 255, 0, kid.len() as u8],
        public_jwk: format!(r#"{{"kty":"EC","crv":"P-256","kid":"{kid}"}}"#),
        created_at,
        retired_at,
    };
    store.insert_signing_key(&key("k1", NOW, None)).await.unwrap();
    store.insert_signing_key(&key("k2", NOW + 10, None)).await.unwrap();
    store.insert_signing_key(&key("k0", NOW - 10, Some(NOW))).await.unwrap();
    let keys = store.signing_keys().await.unwrap();
    let kids: Vec<&str> = keys.iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(kids, ["k2", "k1"]);
    let k2 = &keys[0];
    let expected = key("k2", NOW + 10, None);
    assert_eq!(
        (&k2.alg, &k2.sealed_private_key, &k2.public_jwk, k2.created_at, k2.retired_at),
        (&expected.alg, &expected.sealed_private_key, &expected.public_jwk, expected.created_at, None)
    );
    let err = store.insert_signing_key(&key("k1", NOW, None)).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(what) if what == "signing key k1"), "{err:?}");
}

async fn audit_events_round_trip(db: TestDatabase) {
    let store = db.store().await;
    let event = |at: i64, kind: &str, session: Option<&str>| AuditEvent {
        at,
        kind: kind.into(),
        user_id: session.map(|_| "u1".to_owned()),
        client_id: session.map(|_| "c1".to_owned()),
        session_id: session.map(str::to_owned),
        detail: session.map(|s| format!(r#"{{"session":"{s}"}}"#)),
    };
    let events = [
        event(NOW, "login", Some("s1")),
        event(NOW + 1, "refresh", Some("s1")),
        event(NOW + 1, "login", Some("s2")),
        event(NOW + 2, "reuse_detected", Some("s1")),
        event(NOW + 3, "key_rotated", None),
    ];
    for e in &events {
        store.record_audit_event(e).await.unwrap();
    }
    let all = store.audit_events(None, 100).await.unwrap();
    // Newest first; events at the same second in reverse insertion order.
    let expected: Vec<AuditEvent> = events.iter().rev().cloned().collect();
    assert_eq!(all, expected);
    assert_eq!(store.audit_events(None, 2).await.unwrap(), expected[..2]);
    let s1: Vec<String> =
        store.audit_events(Some("s1"), 100).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(s1, ["reuse_detected", "refresh", "login"]);
    assert_eq!(store.audit_events(Some("s1"), 1).await.unwrap().len(), 1);
    assert!(store.audit_events(Some("nobody"), 10).await.unwrap().is_empty());
    assert!(store.audit_events(None, 0).await.unwrap().is_empty());
}

async fn closed_store_is_unavailable(db: TestDatabase) {
    let store = db.store().await;
    store.ping().await.unwrap();
    store.close().await;
    let err = store.ping().await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    let err = store.user_by_id("u1").await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
}

// Connection setup and failure behaviour, backend by backend (not part of the shared suite).
#[path = "conformance/setup.rs"]
mod setup;

async fn access_token_revocation_is_idempotent_and_expires(db: TestDatabase) {
    let store = seeded(&db).await;
    assert!(!store.is_access_token_revoked("j1").await.unwrap());
    assert!(store.revoke_access_token("j1", Some("s1"), NOW + 300, NOW).await.unwrap());
    assert!(!store.revoke_access_token("j1", Some("s1"), NOW + 300, NOW + 1).await.unwrap());
    assert!(store.is_access_token_revoked("j1").await.unwrap());
    store.revoke_access_token("j2", None, NOW + 900, NOW).await.unwrap();
    // Only the entry whose token has expired is forgotten.
    assert_eq!(store.delete_expired_token_revocations(NOW + 301, 100).await.unwrap(), 1);
    assert!(!store.is_access_token_revoked("j1").await.unwrap());
    assert!(store.is_access_token_revoked("j2").await.unwrap());
}

async fn revocation_feed_lists_sessions_and_tokens_since_a_time(db: TestDatabase) {
    let store = seeded(&db).await;
    for id in ["s1", "s2", "s3"] {
        store.create_session(&new_session(id, "u1", "c1", NOW)).await.unwrap();
    }
    store.revoke_session("s1", NOW + 10, "logout").await.unwrap();
    store.revoke_session("s2", NOW + 30, "logout").await.unwrap();
    store.revoke_access_token("j1", Some("s3"), NOW + 400, NOW + 20).await.unwrap();
    let feed = store.revocations_since(NOW + 15, NOW + 40, 100).await.unwrap();
    assert_eq!(
        feed,
        vec![
            Revocation {
                kind: RevocationKind::AccessToken,
                id: "j1".into(),
                revoked_at: NOW + 20,
                expires_at: Some(NOW + 400)
            },
            Revocation {
                kind: RevocationKind::Session,
                id: "s2".into(),
                revoked_at: NOW + 30,
                expires_at: None
            },
        ]
    );
    assert_eq!(store.revocations_since(NOW, NOW + 40, 100).await.unwrap().len(), 3);
    assert_eq!(store.revocations_since(NOW, NOW + 40, 1).await.unwrap().len(), 1, "limit");
}
