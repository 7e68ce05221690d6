//! Storage for the flows users run themselves (docs/architecture.md, "Account recovery" and
//! "E-mail delivery"): the outbox of e-mails and the single-use links they carry.

use async_trait::async_trait;

use crate::error::StoreError;
use crate::model::User;

/// An e-mail waiting in the outbox. `sealed_message` is opaque to the store (the server seals
/// it under the master key: the links it carries are secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: String,
    pub recipient: String,
    pub sealed_message: String,
    /// Delivery attempts so far, this one included once claimed.
    pub attempts: i64,
}

/// A single-use link's stored half: the hash of its token, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountToken {
    pub user_id: String,
    /// `password_reset`, `email_verification` or `email_change`.
    pub purpose: String,
    pub token_hash: String,
    /// The address the link was sent to (for a verification: the address it verifies).
    pub email: String,
    /// A digest of the password hash the link was issued under.
    pub password_mark: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What using an `email_change` link did ([`AccountTokenStore::change_email`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailChange {
    /// The used link; its `email` is the new address.
    pub link: AccountToken,
    /// The address the account had before (to notify), when it had one.
    pub previous_email: Option<String>,
    /// False when another account uses the new address by now: the link is used up and
    /// nothing changed.
    pub changed: bool,
}

/// The outbox every process drains (docs/architecture.md, "E-mail delivery").
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Queues an e-mail, due at `now`.
    async fn enqueue_mail(&self, mail: &OutboxMail, now: i64) -> Result<(), StoreError>;
    /// Claims up to `limit` due e-mails (`next_attempt_at <= now`, unclaimed or whose claim
    /// ended) until `claimed_until`, counting an attempt: ONE compare-and-swap statement, so
    /// of several processes claiming at once each e-mail goes to exactly one.
    async fn claim_mail(
        &self,
        now: i64,
        claimed_until: i64,
        limit: i64,
    ) -> Result<Vec<OutboxMail>, StoreError>;
    /// The e-mail was sent: its row is deleted.
    async fn mail_sent(&self, id: &str) -> Result<(), StoreError>;
    /// The attempt failed: released, due again at `next_attempt_at`.
    async fn mail_failed(&self, id: &str, next_attempt_at: i64, error: &str) -> Result<(), StoreError>;
    /// How many e-mails wait (for tests and metrics).
    async fn outbox_len(&self) -> Result<i64, StoreError>;
}

/// Single-use links and the accounts they name.
#[async_trait]
pub trait AccountTokenStore: Send + Sync {
    /// The oldest account whose e-mail is `email`, whatever its case.
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;
    /// Stores a link, replacing the user's previous link of the same purpose in ONE upsert
    /// (a newer link invalidates the older one).
    async fn issue_account_token(&self, token: &AccountToken) -> Result<(), StoreError>;
    /// Uses an `email_verification` link (the single-use compare-and-swap) and, in the same
    /// transaction, marks the user's e-mail verified when it is still the address the link was
    /// sent to. Returns the link; `None` when it is not live.
    async fn verify_email(&self, token_hash: &str, now: i64) -> Result<Option<AccountToken>, StoreError>;
    /// Uses an `email_change` link (the single-use compare-and-swap) and, in the same
    /// transaction, makes its address the user's, verified, unless another account has that
    /// address by now. `None` when the link is not live.
    async fn change_email(&self, token_hash: &str, now: i64) -> Result<Option<EmailChange>, StoreError>;
    /// The link whose token hashes to `token_hash`, if it has this purpose, is unused and
    /// `expires_at > now`.
    async fn live_account_token(
        &self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<AccountToken>, StoreError>;
}
