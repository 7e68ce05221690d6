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
    ClientKind, ClientSignup, ClientStore, GrantType, NewClient, NewSession, NewUser, Revocation,
    RevocationKind, RevocationStore, SessionStore, SqlStore, Store, StoreError, UserStore,
};

latchkey_store::on_both_backends!(
    totp_enrolment_confirms_once_and_steps_are_used_once,
    recovery_codes_are_single_use_and_replaced_together,
    step_up_and_required_client_sessions,
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
    a_database_migrated_before_the_0001_comment_fix_still_migrates,
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
    dpop_proofs_queued_together_are_each_recorded_once,
    bound_session_rotates_only_with_its_key,
    upstream_providers_round_trip_and_are_unique,
    an_upstream_identity_links_to_one_user,
    concurrent_first_logins_create_one_user,
    a_federated_profile_is_stored_and_replaced,
    a_federation_flow_is_consumed_once,
    a_federation_flow_is_bound_to_one_browser_once,
    a_native_nonce_is_used_once_and_never_after_expiry,
    a_subject_token_is_recorded_once_until_purged,
    a_provider_nonce_comparison_round_trips,
    unlinking_never_removes_the_last_way_to_sign_in,
    concurrent_unlinks_keep_one_way_in,
    user_update_is_compare_and_swap_on_version,
    concurrent_user_updates_with_one_version_have_one_winner,
    deleting_a_user_and_rotating_a_client_secret,
    audit_events_are_filtered_paged_and_expired,
    an_admin_email_change_unverifies_the_address,
    sessions_are_paged_in_the_database_by_id_with_filters,
    signing_keys_are_paged_in_the_database_by_kid,
    a_provider_update_is_compare_and_swap_on_version,
    concurrent_provider_updates_with_one_version_have_one_winner,
    every_ended_session_enqueues_one_backchannel_logout,
    a_backchannel_logout_is_claimed_once_across_pools,
    rotations_of_one_token_queued_together_have_one_winner,
    rotations_queued_together_each_get_their_own_session,
    a_bound_session_in_a_batch_rotates_only_with_its_key,
    proofs_and_rotations_queued_together_are_each_answered,
    a_refused_write_fails_alone_in_its_batch,
);

#[path = "conformance/batches.rs"]
mod batches;
use batches::{
    a_bound_session_in_a_batch_rotates_only_with_its_key, a_refused_write_fails_alone_in_its_batch,
    proofs_and_rotations_queued_together_are_each_answered,
    rotations_of_one_token_queued_together_have_one_winner,
    rotations_queued_together_each_get_their_own_session,
};

#[path = "conformance/admin.rs"]
mod admin;
use admin::{
    an_admin_email_change_unverifies_the_address, audit_events_are_filtered_paged_and_expired,
    concurrent_user_updates_with_one_version_have_one_winner, deleting_a_user_and_rotating_a_client_secret,
    user_update_is_compare_and_swap_on_version,
};

#[path = "conformance/admin_pages.rs"]
mod admin_pages;
use admin_pages::{
    a_provider_update_is_compare_and_swap_on_version,
    concurrent_provider_updates_with_one_version_have_one_winner,
    sessions_are_paged_in_the_database_by_id_with_filters, signing_keys_are_paged_in_the_database_by_kid,
};

#[path = "conformance/accounts.rs"]
mod accounts;

#[path = "conformance/passkeys.rs"]
mod passkeys;

#[path = "conformance/backchannel_logout.rs"]
mod backchannel_logout;
use backchannel_logout::{
    a_backchannel_logout_is_claimed_once_across_pools, every_ended_session_enqueues_one_backchannel_logout,
};

#[path = "conformance/second_factors.rs"]
mod second_factors;
use second_factors::{
    recovery_codes_are_single_use_and_replaced_together, step_up_and_required_client_sessions,
    totp_enrolment_confirms_once_and_steps_are_used_once,
};

#[path = "conformance/dpop.rs"]
mod dpop;
use dpop::{
    bound_session_rotates_only_with_its_key, dpop_client_settings_round_trip,
    dpop_proof_is_recorded_once_across_pools_and_purged, dpop_proofs_queued_together_are_each_recorded_once,
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
    a_federated_profile_is_stored_and_replaced, a_federation_flow_is_bound_to_one_browser_once,
    a_federation_flow_is_consumed_once, an_upstream_identity_links_to_one_user,
    concurrent_first_logins_create_one_user, upstream_providers_round_trip_and_are_unique,
};

#[path = "conformance/instance.rs"]
mod instance;
use instance::{
    a_database_migrated_before_the_0001_comment_fix_still_migrates, heartbeat_and_downtimes_round_trip,
    instance_settings_are_compare_and_set,
};

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
        verification_required: false,
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
        signup: ClientSignup { self_registration: Some(true), require_verified_email: true },
        mfa: latchkey_core::mfa::MfaPolicy::Off,
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

#[path = "conformance/users_and_clients.rs"]
mod users_and_clients;
use users_and_clients::{
    clients_round_trip, closed_store_is_unavailable, duplicate_username_conflicts,
    remove_client_cascades_to_sessions, replace_password_hash_is_compare_and_swap, users_crud,
};

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
