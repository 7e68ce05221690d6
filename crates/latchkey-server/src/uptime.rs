//! When no server process was up, so that the refresh reuse window does not run through a
//! restart: a rotation answered just before a crash, retried by the client right after a
//! restart that took longer than the window, is still a duplicate and not theft
//! ([`latchkey_core::refresh::uptime_between`]; docs/architecture.md, "Refresh tokens").
//!
//! Every process writes a heartbeat to the shared database every [`HEARTBEAT_EVERY`]. A
//! process that starts and finds the last heartbeat older than [`DOWN_AFTER`] records the
//! stretch from that heartbeat to its start as a downtime: no process was beating, so none
//! was up (up to one heartbeat period of the last process's life counts as down too, which
//! only errs towards "duplicate", as does a database outage that stops every heartbeat for a
//! while). The downtimes of the last [`HORIZON`] are kept in memory,
//! read at start and again with every heartbeat, so a refresh costs no extra query.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use latchkey_core::clock::Clock;
use latchkey_core::refresh::Downtime;
use latchkey_store::{Store, StoreError};
use tokio::task::JoinHandle;

/// How often each process writes its heartbeat.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);
/// A heartbeat older than this, in seconds, at a process's start means every process was down.
pub const DOWN_AFTER: i64 = 5;
/// How far back downtimes matter: longer than any sensible reuse window. The janitor forgets
/// older ones.
pub const HORIZON: i64 = 24 * 3600;

/// The recent downtimes, shared by the request handlers and refreshed by the heartbeat.
pub struct Uptime {
    downtimes: RwLock<Arc<[Downtime]>>,
}

impl Uptime {
    /// At start: records the downtime that ends now, if every process was down, then the
    /// first heartbeat, and reads the recent downtimes.
    pub async fn start(store: &dyn Store, now: i64) -> Result<Self, StoreError> {
        if let Some(last) = store.last_heartbeat().await? {
            if now - last > DOWN_AFTER {
                store.record_downtime(last, now).await?;
                tracing::info!(
                    seconds = now - last,
                    "no server process was up; that time does not count against refresh reuse windows"
                );
            }
        }
        let uptime = Self { downtimes: RwLock::new(Arc::from([])) };
        uptime.beat(store, now).await?;
        Ok(uptime)
    }

    /// The downtimes of the last [`HORIZON`], oldest first.
    pub fn downtimes(&self) -> Arc<[Downtime]> {
        self.downtimes.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// One heartbeat, and a fresh read of the downtimes (another process may have recorded
    /// one when it started).
    async fn beat(&self, store: &dyn Store, now: i64) -> Result<(), StoreError> {
        store.record_heartbeat(now).await?;
        let recent: Arc<[Downtime]> = store.downtimes_since(now - HORIZON).await?.into();
        *self.downtimes.write().unwrap_or_else(PoisonError::into_inner) = recent;
        Ok(())
    }
}

/// Beats every [`HEARTBEAT_EVERY`] until the returned task is aborted.
pub(crate) fn spawn(uptime: Arc<Uptime>, store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(HEARTBEAT_EVERY);
        loop {
            ticker.tick().await;
            // Bounded: sqlx has no socket timeout, and a beat stuck on a silently dropped link
            // would stop every later one.
            match tokio::time::timeout(HEARTBEAT_EVERY, uptime.beat(store.as_ref(), clock.now())).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "heartbeat failed; will retry"),
                Err(_elapsed) => tracing::warn!("heartbeat timed out; will retry"),
            }
        }
    })
}
