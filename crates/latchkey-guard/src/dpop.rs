//! DPoP at the resource server (RFC 9449 §7): a bound token (`cnf.jkt`) is accepted only with
//! `Authorization: DPoP` and a proof for this request signed by its key, carrying the token's
//! hash (`ath`). The proof rules are [`latchkey_core::dpop`], the signature check
//! [`latchkey_crypto::jws::EmbeddedKeyCache`]: the same code the Latchkey server runs.
//!
//! A proof is accepted once (§11.1). The [`ReplayStore`] that remembers used proofs is
//! pluggable: [`InMemoryReplayStore`] for one process; several instances of one resource
//! server need a store they all share (a database), or a proof used at one instance replays
//! at the next, so building a guard for several instances with a store that is not shared
//! fails (`GuardError::ReplayStoreNotShared`). Server nonces (§9) are stateless HMACs over a
//! time step ([`latchkey_crypto::dpop_nonce`]); instances that share the key accept each
//! other's nonces. See docs/architecture.md, "Sender-constrained tokens (DPoP)".

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, HeaderValue};
use latchkey_core::bearer::BearerError;
use latchkey_core::dpop::{
    access_token_sha256, check_proof, proof_from_headers, DpopError, EndpointUrl, Expected, ProofClaims,
    ProofWindow, HEADER,
};
use latchkey_crypto::dpop_nonce::DpopNonces;
use latchkey_crypto::jws::EmbeddedKeyCache;
use latchkey_crypto::memo::BoundedMemo;
use latchkey_crypto::Algorithm;

use crate::error::Rejection;

/// The proof algorithms accepted, as `WWW-Authenticate: DPoP algs` lists them.
pub(crate) const SUPPORTED_ALGS: [Algorithm; 3] = Algorithm::ALL;

/// What a [`ReplayStore`] call returns: whether the proof was new, or why the store failed.
pub type ReplayFuture<'a> = Pin<Box<dyn Future<Output = Result<bool, String>> + Send + 'a>>;

/// Remembers the DPoP proofs already used.
pub trait ReplayStore: Send + Sync + 'static {
    /// Records `replay_key` as used until `expires_at`; `Ok(true)` the first time, `Ok(false)`
    /// for a replay. Must be atomic: of concurrent calls with one key, one gets `true`.
    fn record(&self, replay_key: &str, expires_at: i64, now: i64) -> ReplayFuture<'_>;

    /// Whether every instance of the resource server records into this same store.
    fn is_shared(&self) -> bool;
}

/// Most proofs an [`InMemoryReplayStore`] holds before it refuses new ones (a flood of
/// distinct proofs must not exhaust memory; expired ones are dropped first).
const IN_MEMORY_CAPACITY: usize = 100_000;

/// A replay store in this process's memory: right for one instance only.
#[derive(Default)]
pub struct InMemoryReplayStore {
    seen: Mutex<HashMap<String, i64>>,
}

impl ReplayStore for InMemoryReplayStore {
    fn record(&self, replay_key: &str, expires_at: i64, now: i64) -> ReplayFuture<'_> {
        let outcome = match self.seen.lock() {
            Ok(mut seen) => {
                if seen.len() >= IN_MEMORY_CAPACITY {
                    seen.retain(|_, until| *until > now);
                }
                match seen.get(replay_key) {
                    Some(until) if *until > now => Ok(false),
                    _ if seen.len() >= IN_MEMORY_CAPACITY => Err("the DPoP replay store is full".to_owned()),
                    _ => {
                        seen.insert(replay_key.to_owned(), expires_at);
                        Ok(true)
                    }
                }
            }
            Err(_) => Err("the DPoP replay store is poisoned".to_owned()),
        };
        Box::pin(std::future::ready(outcome))
    }

    fn is_shared(&self) -> bool {
        false
    }
}

/// Bound tokens whose hash the guard remembers before it starts over.
const TOKEN_HASHES_CAPACITY: usize = 1024;

/// The SHA-256 of the bound access tokens seen lately, which a proof's `ath` must encode
/// (RFC 9449 §4.2). A client presents one token on many requests, and hashing the whole token
/// is, after the JSON, the largest fixed cost of a DPoP request (docs/architecture.md,
/// "Performance budgets"). Keyed by the whole token, so a hit is the hash of exactly these
/// bytes; filled only with tokens whose signature verified, which are useless without their
/// DPoP key.
pub(crate) struct TokenHashes {
    known: BoundedMemo<[u8; 32]>,
}

impl Default for TokenHashes {
    fn default() -> Self {
        Self { known: BoundedMemo::new(TOKEN_HASHES_CAPACITY) }
    }
}

impl TokenHashes {
    /// [`access_token_sha256`] of `token`, remembered.
    fn sha256(&self, token: &str) -> [u8; 32] {
        if let Some(hash) = self.known.get(token) {
            return hash;
        }
        let hash = access_token_sha256(token);
        self.known.insert(token, hash);
        hash
    }
}

/// How the guard checks proofs, fixed at build time.
pub(crate) struct DpopCheck {
    /// The resource server's public base URL without a trailing slash: `htu` is compared
    /// with it plus the path.
    pub(crate) public_url: String,
    pub(crate) replay: Arc<dyn ReplayStore>,
    pub(crate) window: ProofWindow,
    /// When set, proofs must carry a current nonce of this key.
    pub(crate) nonces: Option<DpopNonces>,
    /// The keys of proof headers that verified, so a client's next proof skips parsing.
    pub(crate) keys: EmbeddedKeyCache,
    /// The hashes of the bound tokens seen lately, so a client's next request skips hashing.
    pub(crate) token_hashes: TokenHashes,
}

fn refused(why: impl Into<String>) -> Rejection {
    Rejection::Dpop { error: BearerError::InvalidDpopProof(why.into()), nonce: None }
}

impl DpopCheck {
    /// Checks the request's proof for `token`, bound to `jkt`, and records it as used. With
    /// nonces, the answer is the nonce to send with the response when the proof's is due to
    /// change (RFC 9449 §8.2), so a busy client never meets `use_dpop_nonce` again.
    pub(crate) async fn check(
        &self,
        headers: &HeaderMap,
        method: &str,
        path: &str,
        token: &str,
        jkt: &str,
        now: i64,
    ) -> Result<Option<String>, Rejection> {
        let values = headers.get_all(HEADER).iter().map(HeaderValue::as_bytes);
        let proof = proof_from_headers(values)
            .map_err(|e| refused(e.description()))?
            .ok_or_else(|| refused("a DPoP proof is required"))?;
        // In a block: the nonce closure is not `Send`, and must be gone before the store is awaited.
        let checked = {
            let valid_nonce = |nonce: &str| self.nonces.as_ref().is_some_and(|n| n.is_valid(nonce, now));
            let expected = Expected {
                method,
                url: EndpointUrl { base: &self.public_url, path },
                access_token_sha256: Some(self.token_hashes.sha256(token)),
                bound_jkt: Some(jkt),
                nonce: self.nonces.is_some().then_some(&valid_nonce as &dyn Fn(&str) -> bool),
            };
            self.keys
                .verify_payload(proof, &SUPPORTED_ALGS, |signed| {
                    let claims: ProofClaims<'_> = signed.claims()?;
                    Ok(check_proof(signed.typ, signed.thumbprint, &claims, &expected, self.window, now))
                })
                .map_err(|_| refused("the DPoP proof is not a JWS signed by the key in its header"))?
        };
        let accepted = checked.map_err(|error| match (error, &self.nonces) {
            (DpopError::UseNonce, Some(nonces)) => {
                Rejection::Dpop { error: BearerError::UseDpopNonce, nonce: Some(nonces.current(now)) }
            }
            (error, _) => refused(error.description()),
        })?;
        match self.replay.record(&accepted.replay_key, accepted.remember_until, now).await {
            Ok(true) => Ok(self
                .nonces
                .as_ref()
                .zip(accepted.nonce.as_deref())
                .and_then(|(nonces, nonce)| nonces.replacement(nonce, now))),
            Ok(false) => Err(refused("the DPoP proof was already used")),
            Err(why) => {
                tracing::error!(error = %why, "the DPoP replay store failed");
                Err(Rejection::Unavailable("the DPoP replay store is unavailable".into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_remembered_token_hash_is_that_tokens_and_the_memo_is_bounded() {
        let hashes = TokenHashes::default();
        for _ in 0..2 {
            assert_eq!(hashes.sha256("a.b.c"), access_token_sha256("a.b.c"));
            assert_eq!(hashes.sha256("a.b.d"), access_token_sha256("a.b.d"));
            assert_eq!(hashes.known.len(), 2, "each token's hash is remembered once");
        }
        assert_eq!(hashes.known.get("a.b.c"), Some(access_token_sha256("a.b.c")));
        for i in 0..TOKEN_HASHES_CAPACITY + 1 {
            assert_eq!(hashes.sha256(&i.to_string()), access_token_sha256(&i.to_string()));
        }
        assert!(hashes.known.len() <= TOKEN_HASHES_CAPACITY);
    }

    #[tokio::test]
    async fn the_in_memory_store_accepts_a_key_once_until_it_expires() {
        let store = InMemoryReplayStore::default();
        assert!(store.record("k", 100, 10).await.unwrap());
        assert!(!store.record("k", 100, 50).await.unwrap());
        assert!(store.record("k", 200, 100).await.unwrap(), "forgotten once expired");
        assert!(!store.is_shared());
    }
}
