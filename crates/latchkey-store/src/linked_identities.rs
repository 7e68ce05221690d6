//! Unlinking an upstream identity from its user (`docs/architecture.md`, "Native apps",
//! linked sign-in methods): never the user's last way to sign in. The rule is checked by the
//! `DELETE` itself, with the user locked, so a user without a password keeps at least one
//! identity even when two unlinks race.

use async_trait::async_trait;

use crate::error::StoreError;

/// What an unlink did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlinked {
    Unlinked,
    /// The user has no identity at that provider.
    NotLinked,
    /// It is the user's only way to sign in (no password, no other identity): kept.
    LastWay,
}

#[async_trait]
pub trait LinkedIdentityStore: Send + Sync {
    /// Deletes the user's identity at `provider` unless it is their last way to sign in: no
    /// other identity and a password hash equal to `no_password_hash`.
    async fn unlink_federated_identity(
        &self,
        user_id: &str,
        provider: &str,
        no_password_hash: &str,
    ) -> Result<Unlinked, StoreError>;
}
