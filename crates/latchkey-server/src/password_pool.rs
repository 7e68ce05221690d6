//! Password hashing off the async runtime, at most one hash per core at a time.
//!
//! Argon2id is deliberately slow (tens of milliseconds). Run on the async workers it would
//! stall every other request; run unbounded on the blocking pool a login flood would queue
//! hundreds of hashes and starve refresh and JWKS requests of CPU. A semaphore sized to the
//! core count bounds the work, and the dummy verify for unknown users costs the same as a
//! real one, so response time does not reveal which usernames exist.

use std::sync::Arc;

use anyhow::Context;
use latchkey_crypto::{PasswordCheck, PasswordHasher};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// A bounded pool for password work.
#[derive(Clone)]
pub struct PasswordPool {
    hasher: PasswordHasher,
    permits: Arc<Semaphore>,
}

impl PasswordPool {
    pub fn new(hasher: PasswordHasher) -> Self {
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
        Self { hasher, permits: Arc::new(Semaphore::new(cores)) }
    }

    async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&PasswordHasher) -> T + Send + 'static,
    {
        let _permit = self.permits.acquire().await.context("the password pool is closed")?;
        let hasher = self.hasher.clone();
        tokio::task::spawn_blocking(move || work(&hasher))
            .await
            .context("the password task failed")
            .map_err(ApiError::from)
    }

    /// Verifies `password` against a stored hash.
    pub async fn verify(&self, password: String, stored_hash: String) -> Result<PasswordCheck, ApiError> {
        self.run(move |hasher| hasher.verify(&password, &stored_hash)).await
    }

    /// Burns the time of a verify, for a user that does not exist or may not log in.
    pub async fn dummy_verify(&self, password: String) -> Result<(), ApiError> {
        self.run(move |hasher| hasher.dummy_verify(&password)).await
    }

    /// Hashes a new password with Argon2id.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move |hasher| hasher.hash(&password)).await?.map_err(ApiError::from)
    }
}
