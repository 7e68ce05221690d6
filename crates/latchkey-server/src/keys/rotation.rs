//! Performing the rotation schedule (`latchkey_core::key_rotation`) against the store: every
//! process calls [`perform_due`] at start and every `key_reload_interval`; each transition is
//! one compare-and-swap, so when several processes find the same one due, one performs it
//! and the others find it done.

use latchkey_core::key_rotation::{
    due_transitions, KeyPurpose, KeyState, KeyTimes, RotationPolicy, Series, Transition,
};
use latchkey_crypto::{Algorithm, MasterKey, SigningKey};
use latchkey_store::{SigningKeyRecord, Store};

use super::ring::sealing_aad;
use super::ID_TOKEN_ALGORITHM;
use crate::config::Config;
use crate::state::seconds;

/// The longest lifetime an access token issued now could have: the server default or a
/// client's override, whichever is longer.
pub async fn longest_access_token_ttl(store: &dyn Store, config: &Config) -> anyhow::Result<i64> {
    let clients = store.list_clients().await?;
    Ok(clients.iter().filter_map(|c| c.access_token_ttl).fold(seconds(config.access_token_ttl), i64::max))
}

/// The schedule's numbers for this configuration and the clients registered now; fails
/// when they would let a token reach a resource server before its key (checked at start).
pub async fn policy(store: &dyn Store, config: &Config) -> anyhow::Result<RotationPolicy> {
    let reload = seconds(config.key_reload_interval);
    let policy = RotationPolicy::new(
        seconds(config.key_rotation_period),
        seconds(config.key_publish_lead),
        longest_access_token_ttl(store, config).await?,
        seconds(config.id_token_grace),
        reload,
    );
    policy.check(seconds(config.jwks_max_age), reload)?;
    Ok(policy)
}

/// The configured series: access tokens in the configured algorithm, ID tokens in RS256.
pub(super) fn series(config: &Config) -> Vec<Series> {
    vec![
        Series { purpose: KeyPurpose::AccessToken, alg: config.access_token_algorithm.as_str().to_owned() },
        Series { purpose: KeyPurpose::IdToken, alg: ID_TOKEN_ALGORITHM.as_str().to_owned() },
    ]
}

fn times(record: &SigningKeyRecord) -> KeyTimes {
    KeyTimes {
        kid: record.kid.clone(),
        purpose: record.purpose,
        alg: record.alg.clone(),
        state: record.state,
        created_at: record.created_at,
        activate_at: record.activate_at,
        retire_at: record.retire_at,
        delete_at: record.delete_at,
    }
}

/// Performs every transition due at `now`; returns those this call performed.
pub async fn perform_due(
    store: &dyn Store,
    master: &MasterKey,
    config: &Config,
    now: i64,
) -> anyhow::Result<Vec<Transition>> {
    let policy = policy(store, config).await?;
    let keys: Vec<KeyTimes> = store.signing_keys().await?.iter().map(times).collect();
    let mut performed = Vec::new();
    for transition in due_transitions(&keys, &series(config), &policy, now) {
        if perform(store, master, &transition, now).await? {
            tracing::info!(?transition, "signing-key transition");
            performed.push(transition);
        }
    }
    Ok(performed)
}

/// Performs one transition; `false` when another process did it first.
pub(super) async fn perform(
    store: &dyn Store,
    master: &MasterKey,
    transition: &Transition,
    now: i64,
) -> anyhow::Result<bool> {
    Ok(match transition {
        Transition::CreateActive { purpose, alg } => {
            store
                .insert_signing_key(&new_key(master, *purpose, alg, KeyState::Active, now, now).await?)
                .await?
        }
        Transition::CreatePending { purpose, alg, activate_at } => {
            let record = new_key(master, *purpose, alg, KeyState::Pending, now, *activate_at).await?;
            store.insert_signing_key(&record).await?
        }
        Transition::Activate { kid, replaces, retire_at, delete_at } => {
            store.activate_signing_key(kid, replaces.as_deref(), now, *retire_at, *delete_at).await?
        }
        Transition::StopSigning { kid, retire_at, delete_at } => {
            store.stop_signing_key(kid, *retire_at, *delete_at).await?
        }
        Transition::Retire { kid } => store.retire_signing_key(kid).await?,
        Transition::Delete { kid } => store.delete_signing_key(kid, now).await?,
    })
}

/// Generates a key (RSA generation takes a while: off the async workers) and seals its
/// private half under the master key.
pub(super) async fn new_key(
    master: &MasterKey,
    purpose: KeyPurpose,
    alg: &str,
    state: KeyState,
    now: i64,
    activate_at: i64,
) -> anyhow::Result<SigningKeyRecord> {
    let alg: Algorithm = alg.parse()?;
    let key = tokio::task::spawn_blocking(move || SigningKey::generate(alg)).await??;
    Ok(SigningKeyRecord {
        kid: key.kid().to_owned(),
        alg: alg.as_str().to_owned(),
        purpose,
        state,
        sealed_private_key: master.seal(&key.to_pkcs8()?, &sealing_aad(key.kid()))?,
        public_jwk: serde_json::to_string(&key.public_jwk())?,
        created_at: now,
        activate_at: Some(activate_at),
        retire_at: None,
        delete_at: None,
        revoked_at: None,
    })
}
