//! Removes dead sessions in small batches, so storage grows with live sessions and never
//! with the number of refreshes, without long locks that would block requests.

use std::sync::Arc;
use std::time::Duration;

use latchkey_core::clock::Clock;
use latchkey_store::Store;
use tokio::task::JoinHandle;

/// Sessions dead (expired or revoked) for less than this are kept, so operators can still
/// see why a session ended.
const RETENTION_SECS: i64 = 24 * 3600;
/// Rows deleted per statement.
const BATCH: i64 = 500;

/// Deletes every session dead for longer than the retention period, one batch at a time.
pub async fn sweep(store: &dyn Store, now: i64) -> Result<u64, latchkey_store::StoreError> {
    let mut total = 0;
    loop {
        let deleted = store.delete_dead_sessions(now - RETENTION_SECS, BATCH).await?;
        total += deleted;
        if deleted < BATCH as u64 {
            break;
        }
        tokio::task::yield_now().await;
    }
    while store.delete_expired_token_revocations(now, BATCH).await? == BATCH as u64 {
        tokio::task::yield_now().await;
    }
    // Codes live 60 s; kept a day longer so a late replay is still recognised as one.
    while store.delete_expired_authorization_codes(now - RETENTION_SECS, BATCH).await? == BATCH as u64 {
        tokio::task::yield_now().await;
    }
    // DPoP proofs whose iat is out of the accepted window could not be replayed anyway.
    while store.delete_expired_dpop_proofs(now, BATCH).await? == BATCH as u64 {
        tokio::task::yield_now().await;
    }
    // A used TOTP step matters while its code is accepted (±1 step): 90 s; kept 5 minutes.
    while store.delete_used_totp_steps(now - 300, BATCH).await? == BATCH as u64 {
        tokio::task::yield_now().await;
    }
    // Federation flows live 10 minutes; kept a day longer, like codes, so a late replayed
    // callback is still recognised as one.
    while store.delete_expired_federation_flows(now - RETENTION_SECS, BATCH).await? == BATCH as u64 {
        tokio::task::yield_now().await;
    }
    // Native nonces (10 minutes) and exchanged subject tokens are refused by their expiry
    // anyway: forgotten as soon as they expire.
    while store.delete_expired_native_exchange(now, BATCH).await? >= BATCH as u64 {
        tokio::task::yield_now().await;
    }
    // Passkey ceremonies (5 minutes) left unfinished: refused by their expiry anyway.
    while store.delete_expired_webauthn_ceremonies(now, BATCH).await? == BATCH as u64 {
        tokio::task::yield_now().await;
    }
    // Kept upstream tokens past their retention.
    while store.delete_expired_upstream_tokens(now, BATCH).await? == BATCH as u64 {
        tokio::task::yield_now().await;
    }
    // Throttle keys whose window ended count nothing any more.
    while store.delete_expired_throttles(now, BATCH).await? == BATCH as u64 {
        tokio::task::yield_now().await;
    }
    // Downtimes older than any reuse window can matter no more.
    store.delete_downtimes_before(now - crate::uptime::HORIZON).await?;
    Ok(total)
}

/// Deletes the audit events older than `retention` (`Config::audit_retention`), one batch at
/// a time; returns how many.
pub async fn expire_audit_events(
    store: &dyn Store,
    now: i64,
    retention: Duration,
) -> Result<u64, latchkey_store::StoreError> {
    let cutoff = now.saturating_sub(crate::state::seconds(retention));
    let mut total = 0;
    loop {
        let deleted = store.delete_audit_events_before(cutoff, BATCH).await?;
        total += deleted;
        if deleted < BATCH as u64 {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}

/// Runs [`sweep`] and [`expire_audit_events`] every `interval` until the returned task is
/// aborted.
pub(crate) fn spawn(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    interval: Duration,
    audit_retention: Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        loop {
            ticker.tick().await;
            match sweep(store.as_ref(), clock.now()).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "janitor removed dead sessions"),
                Err(e) => tracing::warn!(error = %e, "janitor sweep failed; will retry"),
            }
            match expire_audit_events(store.as_ref(), clock.now(), audit_retention).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "janitor removed old audit events"),
                Err(e) => tracing::warn!(error = %e, "janitor audit sweep failed; will retry"),
            }
        }
    })
}
