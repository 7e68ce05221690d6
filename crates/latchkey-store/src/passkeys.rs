//! Storage of WebAuthn passkeys (`docs/architecture.md`, "Passkeys"): each user's registered
//! credentials, and the ceremonies in flight, shared by every process. The store keeps rows
//! and their invariants (a credential id belongs to one user; a ceremony is taken once, before
//! it expires); what the credential and the ceremony state mean is the server's business
//! (webauthn-rs's JSON, opaque here).

use async_trait::async_trait;

use crate::error::StoreError;

/// A registered passkey as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyRecord {
    /// The credential id the authenticator chose, base64url.
    pub credential_id: String,
    pub user_id: String,
    /// The user's label for it ("laptop", "phone").
    pub name: String,
    /// webauthn-rs's `Passkey` as JSON: public key, signature counter, backup flags.
    pub credential: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// What a WebAuthn ceremony is for; a ceremony started for one purpose cannot finish another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyPurpose {
    /// Registering a passkey on the account page.
    Register,
    /// A passwordless sign-in with a discoverable credential.
    SignIn,
    /// A passkey as the second factor of a known user.
    SecondFactor,
}

impl CeremonyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SignIn => "sign_in",
            Self::SecondFactor => "second_factor",
        }
    }
}

/// A ceremony in flight: the hash of the handle the browser holds, the user it is for (none
/// for a passwordless sign-in) and webauthn-rs's state (the challenge) as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    pub handle_hash: String,
    pub purpose: CeremonyPurpose,
    pub user_id: Option<String>,
    pub state: String,
    pub expires_at: i64,
}

#[async_trait]
pub trait PasskeyStore: Send + Sync {
    /// Registers a passkey; [`StoreError::Conflict`] when the credential id is registered
    /// already (to this user or another).
    async fn add_passkey(&self, passkey: &PasskeyRecord) -> Result<(), StoreError>;
    /// The user's passkeys, oldest first.
    async fn passkeys_of_user(&self, user_id: &str) -> Result<Vec<PasskeyRecord>, StoreError>;
    async fn passkey(&self, credential_id: &str) -> Result<Option<PasskeyRecord>, StoreError>;
    /// After an authentication: replaces the credential (its new counter) and sets
    /// `last_used_at`, only while the stored credential is still `old_credential` (a
    /// compare-and-swap: of two concurrent uses of one counter, one wins). False otherwise.
    async fn record_passkey_use(
        &self,
        credential_id: &str,
        old_credential: &str,
        new_credential: &str,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// Removes the user's passkey; false when the user has no such passkey.
    async fn remove_passkey(&self, user_id: &str, credential_id: &str) -> Result<bool, StoreError>;
    async fn create_webauthn_ceremony(&self, ceremony: &Ceremony) -> Result<(), StoreError>;
    /// Takes the ceremony, in ONE statement (`DELETE … RETURNING`): the ceremony when it
    /// exists, is for `purpose` and `expires_at > now`. Exactly one of N concurrent callers
    /// gets it, on both backends and across processes.
    async fn take_webauthn_ceremony(
        &self,
        handle_hash: &str,
        purpose: CeremonyPurpose,
        now: i64,
    ) -> Result<Option<Ceremony>, StoreError>;
    /// Janitor: deletes up to `limit` ceremonies that expired before `cutoff`.
    async fn delete_expired_webauthn_ceremonies(&self, cutoff: i64, limit: i64) -> Result<u64, StoreError>;
}
