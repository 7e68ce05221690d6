//! The upstream JWKS (RFC 7517 §5), cached per `jwks_uri`.
//!
//! Keys are fetched when first needed and again after an hour. A token naming an unknown
//! `kid` (the provider rotated its keys) triggers one refetch, but at most one per
//! [`REFETCH_COOLDOWN`] per `jwks_uri`, however many such tokens arrive at once: refetches are
//! serialized per entry, and whoever finds the cooldown running gets the cached keys. So a
//! flood of tokens with made-up `kid`s costs the provider one request a minute, not one each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use latchkey_crypto::{JwkSet, KeySet};
use url::Url;

use super::http::{Auth, UpstreamHttp};
use super::UpstreamError;

/// How long fetched keys are used before they are fetched again, in seconds.
const JWKS_TTL: i64 = 3600;
/// Least time between two refetches for unknown `kid`s, in seconds.
pub(crate) const REFETCH_COOLDOWN: i64 = 60;

#[derive(Default)]
pub(crate) struct JwksCache {
    entries: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Entry>>>>,
}

#[derive(Default)]
struct Entry {
    keys: Option<KeySet>,
    fetched_at: i64,
    last_refetch: Option<i64>,
}

impl JwksCache {
    /// The keys at `uri`: cached while fresh, else fetched (stale keys are kept when the
    /// fetch fails, so a provider's short outage does not stop logins).
    pub async fn keys(&self, http: &UpstreamHttp, uri: &Url, now: i64) -> Result<KeySet, UpstreamError> {
        let entry = self.entry(uri);
        let mut entry = entry.lock().await;
        match &entry.keys {
            Some(keys) if now - entry.fetched_at < JWKS_TTL => Ok(keys.clone()),
            _ => entry.fetch(http, uri, now).await,
        }
    }

    /// The keys at `uri` refetched because a token named a `kid` not among them; the cached
    /// keys instead while the cooldown since the last such refetch runs.
    pub async fn refetch(&self, http: &UpstreamHttp, uri: &Url, now: i64) -> Result<KeySet, UpstreamError> {
        let entry = self.entry(uri);
        let mut entry = entry.lock().await;
        if let (Some(keys), Some(last)) = (&entry.keys, entry.last_refetch) {
            if now - last < REFETCH_COOLDOWN {
                return Ok(keys.clone());
            }
        }
        entry.last_refetch = Some(now);
        entry.fetch(http, uri, now).await
    }

    fn entry(&self, uri: &Url) -> Arc<tokio::sync::Mutex<Entry>> {
        match self.entries.lock() {
            Ok(mut entries) => entries.entry(uri.as_str().to_owned()).or_default().clone(),
            // A poisoned map (a panic elsewhere): work uncached rather than fail.
            Err(_) => Arc::default(),
        }
    }
}

impl Entry {
    async fn fetch(&mut self, http: &UpstreamHttp, uri: &Url, now: i64) -> Result<KeySet, UpstreamError> {
        match fetch(http, uri).await {
            Ok(keys) => {
                self.keys = Some(keys.clone());
                self.fetched_at = now;
                Ok(keys)
            }
            Err(e) => {
                let stale = self.keys.clone().ok_or(e)?;
                // Keep using the keys we have, and ask the provider again in a minute rather
                // than on every login while it is down.
                self.fetched_at = now - JWKS_TTL + REFETCH_COOLDOWN;
                Ok(stale)
            }
        }
    }
}

async fn fetch(http: &UpstreamHttp, uri: &Url) -> Result<KeySet, UpstreamError> {
    let reply = http.get(uri, Auth::None, "application/json").await?;
    if !reply.is_success() {
        return Err(UpstreamError::Discovery("the provider's keys (JWKS) could not be fetched"));
    }
    let set: JwkSet = serde_json::from_slice(&reply.body)
        .map_err(|_| UpstreamError::Discovery("the provider's keys (JWKS) are not a valid JWK set"))?;
    let (keys, skipped) = KeySet::from_jwks(&set);
    for error in skipped {
        tracing::debug!(%error, jwks_uri = uri.as_str(), "upstream JWK skipped");
    }
    Ok(keys)
}
