//! Storage of the native apps' token exchange (RFC 8693; `docs/architecture.md`, "Native
//! apps"): the single-use nonces an app puts in its provider login, the subject tokens already
//! exchanged (so a replayed provider token is refused by every process), and each provider's
//! nonce comparison. The store keeps the rows and their single-use invariants; what a nonce
//! mode means is the server's business.

use async_trait::async_trait;

use crate::error::StoreError;

#[async_trait]
pub trait NativeExchangeStore: Send + Sync {
    /// Records a nonce by its hash.
    async fn create_native_nonce(
        &self,
        nonce_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    /// The single-use compare-and-swap, in ONE statement: true when the nonce exists, is unused
    /// and `expires_at > now`, and it is now used. Exactly one of N concurrent callers gets
    /// true, on both backends and across processes.
    async fn consume_native_nonce(&self, nonce_hash: &str, now: i64) -> Result<bool, StoreError>;
    /// Records that the subject token (`issuer`, `token_id`: its `jti` or hash) was exchanged;
    /// false when it was already (`INSERT ... ON CONFLICT DO NOTHING`: one winner).
    async fn record_subject_token(
        &self,
        issuer: &str,
        token_id: &str,
        expires_at: i64,
    ) -> Result<bool, StoreError>;
    /// Janitor: deletes up to `limit` nonces and up to `limit` replay rows that expired before
    /// `cutoff`; returns how many rows went.
    async fn delete_expired_native_exchange(&self, cutoff: i64, limit: i64) -> Result<u64, StoreError>;
    /// The provider's nonce comparison (`raw` or `sha256`), `None` for the flavor's default
    /// (or no such provider).
    async fn provider_nonce_hashing(&self, provider: &str) -> Result<Option<String>, StoreError>;
    /// Sets it (`None`: back to the default); false when there is no such provider.
    async fn set_provider_nonce_hashing(
        &self,
        provider: &str,
        mode: Option<&str>,
    ) -> Result<bool, StoreError>;
}
