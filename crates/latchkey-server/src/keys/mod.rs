//! The signing keys of this server (docs/architecture.md, "Signing-key rotation"): the
//! rotation schedule performed against the store (`rotation.rs`), the snapshot a process
//! signs and verifies with (`ring.rs`), and the handle that swaps snapshots, so every
//! process picks up a new signer within `key_reload_interval` without a restart.

mod operations;
mod ring;
mod rotation;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use latchkey_core::clock::Clock;
use latchkey_core::key_rotation::KeyState;
use latchkey_crypto::{Algorithm, KeySet, MasterKey, SigningKey};
use latchkey_store::{SigningKeyRecord, Store, StoreError};
use tokio::task::JoinHandle;

pub use operations::{revoke, rotate, Rotated};
pub use ring::jwks;
pub use rotation::{longest_access_token_ttl, perform_due, policy};

use crate::config::Config;
use ring::{sealing_aad, KeyRing};

/// The algorithm of ID tokens: RS256, the default of OpenID Connect Core §3.1.3.7.
pub const ID_TOKEN_ALGORITHM: Algorithm = Algorithm::RS256;

/// The keys a running process signs and verifies with, reloaded from the store.
pub struct SigningKeys {
    ring: RwLock<Arc<KeyRing>>,
    master: MasterKey,
}

/// Performs the transitions due at `now`, then reads the ring the store holds.
async fn due_ring(
    store: &dyn Store,
    master: &MasterKey,
    config: &Config,
    now: i64,
) -> anyhow::Result<KeyRing> {
    perform_due(store, master, config, now).await?;
    KeyRing::from_records(&store.signing_keys().await?, master, config.access_token_algorithm)
}

impl SigningKeys {
    /// Performs the transitions due now (on a first start: creates the first key of each
    /// purpose; several processes starting at once create one, the store's unique indexes
    /// decide) and loads the ring.
    pub async fn load(
        store: &dyn Store,
        master: &MasterKey,
        config: &Config,
        now: i64,
    ) -> anyhow::Result<Self> {
        let ring = due_ring(store, master, config, now).await?;
        // The handle keeps its own copy of the master key to decrypt future signers.
        let master = MasterKey::from_base64(&master.to_base64())?;
        Ok(Self { ring: RwLock::new(Arc::new(ring)), master })
    }

    fn current(&self) -> Arc<KeyRing> {
        self.ring.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Performs due transitions and swaps in the keys the store holds now.
    pub async fn refresh(&self, store: &dyn Store, config: &Config, now: i64) -> anyhow::Result<()> {
        let ring = due_ring(store, &self.master, config, now).await?;
        *self.ring.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(ring);
        Ok(())
    }

    /// The key that signs access tokens now.
    pub fn access_token_signer(&self) -> Arc<SigningKey> {
        self.current().access_token_signer.clone()
    }

    /// The key that signs ID tokens now (RS256).
    pub fn id_token_signer(&self) -> Arc<SigningKey> {
        self.current().id_token_signer.clone()
    }

    /// Every published key, for verifying this server's own tokens.
    pub fn verifiers(&self) -> Arc<KeySet> {
        self.current().verifiers.clone()
    }

    /// Whether `master` decrypts a stored key: the master key these keys were sealed with.
    pub fn is_sealed_with(master: &MasterKey, record: &SigningKeyRecord) -> bool {
        master.open(&record.sealed_private_key, &sealing_aad(&record.kid)).is_ok()
    }
}

/// Whether the key named `kid` is still published, read from the store so that an emergency
/// revocation by another process counts at once (not only after this process reloads).
pub(crate) async fn is_published(store: &dyn Store, kid: Option<&str>) -> Result<bool, StoreError> {
    let Some(kid) = kid else { return Ok(false) };
    Ok(store.signing_key_state(kid).await?.is_some_and(KeyState::is_published))
}

/// Refreshes `keys` every `key_reload_interval` until the returned task is aborted.
pub(crate) fn spawn_refresh(
    keys: Arc<SigningKeys>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: Arc<Config>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(config.key_reload_interval.max(Duration::from_millis(100)));
        ticker.tick().await;
        loop {
            ticker.tick().await;
            if let Err(e) = keys.refresh(store.as_ref(), &config, clock.now()).await {
                tracing::warn!(error = %e, "refreshing the signing keys failed; keeping the current ones");
            }
        }
    })
}
