//! The revocation cache: sessions (`sid`), tokens (`jti`) and signing keys (`kid`, the
//! `key_revoked` entries of an emergency key revocation) revoked at the authorization server,
//! learned by polling its revocation feed (`GET /revocations?since=T`). A revoked key's
//! tokens are refused even while a cached JWKS still lists it.
//!
//! JWT access tokens are self-contained, so revocation (RFC 7009) cannot reach a resource
//! server that verifies offline; RFC 9068 §5 leaves that gap to short lifetimes. Latchkey
//! closes most of it: access tokens carry their session's `sid` and their own `jti`, the
//! server publishes what it revoked, and the guard refuses those tokens within one poll
//! interval. Each entry is kept until its `expires_at` (after which every token it covers has
//! expired anyway) plus the leeway, so the cache stays as small as the set of revoked tokens
//! still alive. The feed's cursor (`next_since`) overlaps pages; entries are idempotent.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use latchkey_core::claims::AccessTokenClaims;
use latchkey_core::clock::Clock;
use reqwest::Client;
use serde::Deserialize;

use crate::fetch::{get_json, Credentials};

/// Pages read in one poll, at most; the rest waits for the next poll.
const MAX_PAGES_PER_POLL: usize = 100;

#[derive(Deserialize)]
struct Page {
    revocations: Vec<Entry>,
    next_since: i64,
    more: bool,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Entry {
    Session {
        sid: String,
        expires_at: i64,
    },
    AccessToken {
        jti: String,
        expires_at: i64,
    },
    /// A signing key revoked in an emergency: every token it signed.
    KeyRevoked {
        kid: String,
        expires_at: i64,
    },
    /// A kind this guard does not know (a newer server); ignored.
    #[serde(other)]
    Other,
}

/// Revoked sessions and tokens, each with the time after which it no longer matters.
#[derive(Default)]
pub(crate) struct Revocations {
    entries: RwLock<Entries>,
    leeway: i64,
}

/// Both maps behind one lock: one acquisition per request.
#[derive(Default)]
struct Entries {
    sessions: HashMap<String, i64>,
    tokens: HashMap<String, i64>,
    keys: HashMap<String, i64>,
}

impl Revocations {
    pub(crate) fn new(leeway: i64) -> Self {
        Self { leeway, ..Self::default() }
    }

    /// Whether the token's session, the token itself or the key that signed it is revoked.
    #[inline]
    pub(crate) fn is_revoked(&self, claims: &AccessTokenClaims, kid: Option<&str>) -> bool {
        let entries = self.entries.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let listed = |map: &HashMap<String, i64>, key: &str| !map.is_empty() && map.contains_key(key);
        claims.sid.as_deref().is_some_and(|sid| listed(&entries.sessions, sid))
            || listed(&entries.tokens, &claims.jti)
            || kid.is_some_and(|kid| listed(&entries.keys, kid))
    }

    fn apply(&self, new: Vec<Entry>, now: i64) {
        let mut entries = self.entries.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let live = |expires_at: i64| expires_at + self.leeway > now;
        for entry in new {
            match entry {
                Entry::Session { sid, expires_at } if live(expires_at) => {
                    entries.sessions.insert(sid, expires_at);
                }
                Entry::AccessToken { jti, expires_at } if live(expires_at) => {
                    entries.tokens.insert(jti, expires_at);
                }
                Entry::KeyRevoked { kid, expires_at } if live(expires_at) => {
                    tracing::warn!(kid, "the issuer revoked a signing key; refusing its tokens");
                    entries.keys.insert(kid, expires_at);
                }
                _ => {}
            }
        }
        entries.sessions.retain(|_, expires_at| live(*expires_at));
        entries.tokens.retain(|_, expires_at| live(*expires_at));
        entries.keys.retain(|_, expires_at| live(*expires_at));
    }
}

/// Where and how to poll the feed.
pub(crate) struct Feed {
    pub(crate) url: String,
    pub(crate) http: Client,
    pub(crate) credentials: Credentials,
    pub(crate) interval: Duration,
    /// The guard's clock: entries are dropped once it passes their `expires_at`.
    pub(crate) clock: Arc<dyn Clock>,
}

impl Feed {
    /// Reads the feed from `since` up to now into `revocations`; returns the next cursor.
    pub(crate) async fn poll(&self, revocations: &Revocations, mut since: i64) -> Result<i64, String> {
        for _ in 0..MAX_PAGES_PER_POLL {
            let url = format!("{}?since={since}", self.url);
            let page = get_json::<Page>(&self.http, &url, Some(&self.credentials)).await?.value;
            revocations.apply(page.revocations, self.clock.now());
            since = page.next_since;
            if !page.more {
                break;
            }
        }
        Ok(since)
    }

    /// Polls every `interval` until the revocation cache is dropped (the guard is gone).
    pub(crate) fn spawn(self, revocations: Weak<Revocations>, mut since: i64) {
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(self.interval).await;
                let Some(revocations) = revocations.upgrade() else { return };
                match self.poll(&revocations, since).await {
                    Ok(next) => since = next,
                    Err(e) => {
                        tracing::warn!(error = %e, url = %self.url, "polling the revocation feed failed")
                    }
                }
            }
        });
    }
}
