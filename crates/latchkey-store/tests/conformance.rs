//! The store conformance suite: every case is written once and run against every backend.
//!
//! `on_both_backends!` expands each case into `<case>::sqlite` and `<case>::postgres`. The
//! PostgreSQL variants need `LATCHKEY_TEST_POSTGRES_URL` (each test gets a schema of its own);
//! without it they print `skipped: ...` and pass.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use latchkey_core::dpop::DpopPolicy;
use latchkey_store::testing::TestDatabase;
use latchkey_store::{
    ClientKind, ClientStore, GrantType, NewClient, NewSession, NewUser, Revocation, RevocationKind,
    RevocationStore, SessionStore, SqlStore, Store, StoreError, UserStore,
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
    one_signer_and_one_next_key_however_many_race,
    retiring_retired_and_deleted_each_happen_once,
    a_revoked_key_is_revoked_once_and_goes_out_on_the_feed,
    keys_of_earlier_versions_keep_signing_after_the_lifecycle_migration,
    throttle_counts_per_key_and_restarts_the_window,
    throttle_counts_every_concurrent_failure_once,
    throttle_prefix_clears_only_that_prefix,
    lockout_counts_locks_once_and_unlocks,
    heartbeat_and_downtimes_round_trip,
    dpop_client_settings_round_trip,
    dpop_proof_is_recorded_once_across_pools_and_purged,
    bound_session_rotates_only_with_its_key,
    upstream_providers_round_trip_and_are_unique,
    an_upstream_identity_links_to_one_user,
    concurrent_first_logins_create_one_user,
    a_federated_profile_is_stored_and_replaced,
    a_federation_flow_is_consumed_once,
    a_native_nonce_is_used_once_and_never_after_expiry,
    a_subject_token_is_recorded_once_until_purged,
    a_provider_nonce_comparison_round_trips,
    unlinking_never_removes_the_last_way_to_sign_in,
    concurrent_unlinks_keep_one_way_in,
    every_ended_session_enqueues_one_backchannel_logout,
    a_backchannel_logout_is_claimed_once_across_pools,
);

#[path = "conformance/backchannel_logout.rs"]
mod backchannel_logout;
use backchannel_logout::{
    a_backchannel_logout_is_claimed_once_across_pools, every_ended_session_enqueues_one_backchannel_logout,
};

#[path = "conformance/dpop.rs"]
mod dpop;
use dpop::{
    bound_session_rotates_only_with_its_key, dpop_client_settings_round_trip,
    dpop_proof_is_recorded_once_across_pools_and_purged,
};

#[path = "conformance/native_exchange.rs"]
mod native_exchange;
use native_exchange::{
    a_native_nonce_is_used_once_and_never_after_expiry, a_provider_nonce_comparison_round_trips,
    a_subject_token_is_recorded_once_until_purged, concurrent_unlinks_keep_one_way_in,
    unlinking_never_removes_the_last_way_to_sign_in,
};

#[path = "conformance/federation.rs"]
mod federation;
use federation::{
    a_federated_profile_is_stored_and_replaced, a_federation_flow_is_consumed_once,
    an_upstream_identity_links_to_one_user, concurrent_first_logins_create_one_user,
    upstream_providers_round_trip_and_are_unique,
};

#[path = "conformance/instance.rs"]
mod instance;
use instance::{heartbeat_and_downtimes_round_trip, instance_settings_are_compare_and_set};

#[path = "conformance/key_rotation.rs"]
mod key_rotation;
use key_rotation::{
    a_revoked_key_is_revoked_once_and_goes_out_on_the_feed,
    keys_of_earlier_versions_keep_signing_after_the_lifecycle_migration,
    one_signer_and_one_next_key_however_many_race, retiring_retired_and_deleted_each_happen_once,
};

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
    lockout_counts_locks_once_and_unlocks, throttle_counts_every_concurrent_failure_once,
    throttle_counts_per_key_and_restarts_the_window, throttle_prefix_clears_only_that_prefix,
};

#[path = "conformance/sessions.rs"]
mod sessions;
use sessions::{
    concurrent_rotation_one_pool, concurrent_rotation_two_pools, create_and_read_session,
    janitor_deletes_only_dead_sessions_and_respects_limit, list_live_sessions_filters, revoke_is_idempotent,
    revoke_user_sessions_with_except, rotate_caps_idle_at_absolute, rotate_refused_on_dead_sessions,
    rotate_reports_user_state, rotate_wins_once_per_generation,
};

#[path = "conformance/keys_and_audit.rs"]
mod keys_and_audit;
use keys_and_audit::{audit_events_round_trip, signing_keys_round_trip};

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
        email_verified: false,
        profile: Default::default(),
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
        dpop: DpopPolicy::Required,
        dpop_nonce: true,
        backchannel_logout_uri: Some("https://app.example/backchannel".into()),
        backchannel_logout_session_required: true,
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
        dpop_jkt: None,
        method: latchkey_store::SignInMethod::password(),
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
        dpop: DpopPolicy::Off,
        dpop_nonce: false,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
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
    assert_eq!(zeta.backchannel_logout_uri.as_deref(), Some("https://app.example/backchannel"));
    assert!(zeta.backchannel_logout_session_required);

    let alpha = store.client_by_id("alpha").await.unwrap().unwrap();
    assert_eq!(alpha.kind, ClientKind::Public);
    assert_eq!(alpha.secret_hash, None);
    assert!(alpha.grant_types.is_empty() && alpha.scopes.is_empty());
    assert!(alpha.redirect_uris.is_empty() && !alpha.require_consent && !alpha.pkce_required);
    assert!(alpha.backchannel_logout_uri.is_none() && !alpha.backchannel_logout_session_required);
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
