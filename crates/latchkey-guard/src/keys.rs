//! The cached JWKS (RFC 7517 §5) the guard verifies with, and how it stays current.
//!
//! Key rotation needs no restart: a token whose `kid` is unknown triggers a refetch, and a
//! background task refetches on the JWKS's `Cache-Control: max-age` (RFC 9111 §5.2.2.1,
//! clamped to [1 min, 1 day]; 1 h without one). Unknown-kid refetches are single-flight
//! (concurrent requests wait for the one fetch in progress) and rate-limited (at most one per
//! `min_refetch_interval`), so a flood of tokens with forged kids costs the issuer at most
//! one request per interval. A fetch that fails or yields no usable key leaves the previous
//! keys in place.

use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use latchkey_crypto::{JwkSet, KeySet};
use reqwest::Client;

use crate::error::GuardError;
use crate::fetch::get_json;

const DEFAULT_REFRESH: Duration = Duration::from_secs(3600);
const MIN_REFRESH: Duration = Duration::from_secs(60);
const MAX_REFRESH: Duration = Duration::from_secs(24 * 3600);
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(60);

/// The current key set and the machinery to replace it.
pub(crate) struct KeyCache {
    jwks_uri: String,
    http: Client,
    current: RwLock<Arc<KeySet>>,
    /// Held while an unknown-kid refetch runs; holds when the last one started.
    refetch: tokio::sync::Mutex<Option<Instant>>,
    min_refetch_interval: Duration,
}

impl KeyCache {
    /// Fetches the keys once; fails when the JWKS cannot be had or has no usable key.
    pub(crate) async fn load(
        http: Client,
        jwks_uri: String,
        min_refetch_interval: Duration,
    ) -> Result<(Arc<Self>, Option<Duration>), GuardError> {
        let (keys, max_age) = fetch(&http, &jwks_uri).await?;
        let cache = Self {
            jwks_uri,
            http,
            current: RwLock::new(Arc::new(keys)),
            refetch: tokio::sync::Mutex::new(None),
            min_refetch_interval,
        };
        Ok((Arc::new(cache), max_age))
    }

    /// The keys in force now.
    #[inline]
    pub(crate) fn current(&self) -> Arc<KeySet> {
        self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    fn replace(&self, keys: KeySet) {
        *self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(keys);
    }

    /// Called when a token names a kid missing from `seen`. Returns whether the key set has
    /// changed since `seen` (fetched here, or by a concurrent caller), i.e. whether verifying
    /// again can succeed.
    pub(crate) async fn refetch_after_unknown_kid(&self, seen: &Arc<KeySet>) -> bool {
        let mut last = self.refetch.lock().await;
        if !Arc::ptr_eq(seen, &self.current()) {
            return true;
        }
        if last.is_some_and(|at| at.elapsed() < self.min_refetch_interval) {
            return false;
        }
        *last = Some(Instant::now());
        match fetch(&self.http, &self.jwks_uri).await {
            Ok((keys, _)) => {
                self.replace(keys);
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "refetching the JWKS for an unknown kid failed");
                false
            }
        }
    }

    /// Refreshes the keys in the background until the cache is dropped.
    pub(crate) fn spawn_refresh(cache: Weak<Self>, first_max_age: Option<Duration>) {
        tokio::spawn(async move {
            let mut wait = refresh_interval(first_max_age);
            loop {
                tokio::time::sleep(wait).await;
                let Some(cache) = cache.upgrade() else { return };
                wait = match fetch(&cache.http, &cache.jwks_uri).await {
                    Ok((keys, max_age)) => {
                        cache.replace(keys);
                        refresh_interval(max_age)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "refreshing the JWKS failed; keeping the current keys");
                        RETRY_AFTER_FAILURE
                    }
                };
            }
        });
    }
}

fn refresh_interval(max_age: Option<Duration>) -> Duration {
    max_age.unwrap_or(DEFAULT_REFRESH).clamp(MIN_REFRESH, MAX_REFRESH)
}

/// Fetches and parses the JWKS; keys that cannot verify are skipped and logged.
async fn fetch(http: &Client, jwks_uri: &str) -> Result<(KeySet, Option<Duration>), GuardError> {
    let fetched = get_json::<JwkSet>(http, jwks_uri, None)
        .await
        .map_err(|reason| GuardError::Fetch { url: jwks_uri.to_owned(), reason })?;
    let (keys, skipped) = KeySet::from_jwks(&fetched.value);
    for problem in skipped {
        tracing::warn!(jwks_uri, error = %problem, "skipping a JWKS key");
    }
    if keys.is_empty() {
        return Err(GuardError::NoUsableKeys(jwks_uri.to_owned()));
    }
    Ok((keys, fetched.max_age))
}
