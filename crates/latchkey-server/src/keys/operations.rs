//! What an operator does to the keys (`latchkey keys rotate` / `keys revoke`), on top of the
//! automatic schedule (docs/architecture.md, "Signing-key rotation").

use anyhow::Context as _;
use latchkey_core::key_rotation::{KeyPurpose, KeyState};
use latchkey_crypto::MasterKey;
use latchkey_store::{AuditEvent, Store};

use super::rotation::{new_key, perform_due, policy, series};
use crate::config::Config;

/// The next key of one purpose, after `keys rotate`.
#[derive(Debug, Clone)]
pub struct Rotated {
    pub kid: String,
    pub purpose: KeyPurpose,
    pub alg: String,
    /// When it signs (now, with `--now`).
    pub activate_at: i64,
    /// False when a next key was already scheduled (this is it).
    pub created: bool,
}

/// Schedules the next key of every purpose: published now, signing after `publish_lead`.
/// With `immediately`, it signs at once — resource servers that cached the JWKS reject its
/// tokens until they refetch, which is why the schedule never does this by itself.
pub async fn rotate(
    store: &dyn Store,
    master: &MasterKey,
    config: &Config,
    now: i64,
    immediately: bool,
) -> anyhow::Result<Vec<Rotated>> {
    let policy = policy(store, config).await?;
    let mut rotated = Vec::new();
    for series in series(config) {
        let activate_at = if immediately { now } else { now.saturating_add(policy.publish_lead) };
        let record =
            new_key(master, series.purpose, &series.alg, KeyState::Pending, now, activate_at).await?;
        let created = store.insert_signing_key(&record).await?;
        let keys = store.signing_keys().await?;
        let of_series = |state: KeyState| {
            keys.iter().find(|k| k.state == state && k.purpose == series.purpose && k.alg == series.alg)
        };
        let pending = of_series(KeyState::Pending).context("the next key vanished; try again")?;
        let mut next = Rotated {
            kid: pending.kid.clone(),
            purpose: series.purpose,
            alg: series.alg.clone(),
            activate_at: pending.activate_at.unwrap_or(activate_at),
            created,
        };
        if immediately {
            let (retire_at, delete_at) = policy.retirement(now);
            let active = of_series(KeyState::Active).map(|k| k.kid.as_str());
            store.activate_signing_key(&next.kid, active, now, retire_at, delete_at).await?;
            next.activate_at = now;
        }
        rotated.push(next);
    }
    Ok(rotated)
}

/// Emergency revocation: the key leaves the JWKS at once, goes out on the revocation feed as
/// `key_revoked`, and `/introspect` and `/userinfo` refuse its tokens; when it was a signer,
/// a new one signs at once (the next key if one was published, else a new one). Returns the
/// state the key had; `None` when there is no such key or it was revoked already.
pub async fn revoke(
    store: &dyn Store,
    master: &MasterKey,
    config: &Config,
    kid: &str,
    now: i64,
) -> anyhow::Result<Option<KeyState>> {
    let policy = policy(store, config).await?;
    // Listed on the feed until every token it signed has expired.
    let (until, _) = policy.retirement(now);
    let before = store.revoke_signing_key(kid, now, until).await?;
    if before.is_some() {
        store
            .record_audit_event(&AuditEvent {
                at: now,
                kind: "signing_key_revoked".into(),
                user_id: None,
                client_id: None,
                session_id: None,
                detail: Some(kid.to_owned()),
            })
            .await?;
        perform_due(store, master, config, now).await?;
    }
    Ok(before)
}
