//! Federation storage (`docs/architecture.md`, "Federation"): upstream providers, the
//! upstream identities linked to local users, and the outbound logins in flight. The store
//! keeps these rows and their invariants (one user per upstream identity, one use per
//! flow); what a provider's settings mean is the server's business.

use async_trait::async_trait;

use crate::error::StoreError;
use crate::model::User;

/// An upstream identity provider as stored. `endpoints` and `claim_mapping` are JSON
/// documents the server reads; `sealed_client_secret` is sealed under the master key before
/// it gets here and is never logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamProviderRecord {
    pub name: String,
    /// `oidc` or `oauth2`.
    pub kind: String,
    /// The preset whose quirks apply (`generic`, `google`, `github`, ...).
    pub flavor: String,
    /// OpenID Connect providers: the issuer, compared byte for byte with discovery's.
    pub issuer: Option<String>,
    /// The endpoint URLs and overrides, a JSON object.
    pub endpoints: String,
    pub client_id: String,
    pub sealed_client_secret: Vec<u8>,
    pub scopes: Vec<String>,
    /// `never`, `prompt` or `auto`.
    pub linking: String,
    pub create_users: bool,
    pub store_tokens: bool,
    /// `auto`, `force` or `never`.
    pub pkce: String,
    /// The claim mapping, JSON.
    pub claim_mapping: String,
    /// Extra accepted audiences (native apps' client ids at the provider).
    pub native_client_ids: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Bumped by every update: the admin API's `ETag` (docs/architecture.md, "Admin API").
    pub version: i64,
}

/// An upstream account linked to a local user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederatedIdentity {
    pub provider: String,
    /// The provider's subject (`sub`; GitHub's and Facebook's ids as decimal strings).
    pub subject: String,
    pub user_id: String,
    /// The upstream e-mail address when the identity was linked.
    pub email: Option<String>,
    pub linked_at: i64,
    pub last_login_at: i64,
}

/// One outbound login in flight. Only the SHA-256 of `state` and of the browser's flow
/// cookie are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationFlow {
    pub state_hash: String,
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: Option<String>,
    /// The sealed interaction of the authorization request to resume afterwards.
    pub interaction: String,
    pub browser_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// When the callback consumed it; a flow is consumed at most once.
    pub used_at: Option<i64>,
}

/// A user's tokens at a provider, sealed (AES-256-GCM under the master key, bound to the
/// provider and the user) before they get here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamTokenRecord {
    pub provider: String,
    pub user_id: String,
    pub sealed_tokens: Vec<u8>,
    /// When the upstream access token expires, when the provider said.
    pub access_expires_at: Option<i64>,
    /// The retention limit: the janitor deletes the row after it.
    pub retain_until: i64,
    pub updated_at: i64,
}

#[async_trait]
pub trait FederationStore: Send + Sync {
    /// [`StoreError::Conflict`] when the name is taken.
    async fn create_upstream_provider(&self, provider: &UpstreamProviderRecord) -> Result<(), StoreError>;
    async fn upstream_provider(&self, name: &str) -> Result<Option<UpstreamProviderRecord>, StoreError>;
    /// Ordered by name.
    async fn list_upstream_providers(&self) -> Result<Vec<UpstreamProviderRecord>, StoreError>;
    /// A page of providers in the order of their names (keyset pagination): at most `limit`
    /// whose name sorts after `after`.
    async fn upstream_providers_page(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<UpstreamProviderRecord>, StoreError>;
    /// Replaces the settings of the provider called `provider.name` (all but its name and
    /// creation time) and bumps its version, in ONE compare-and-swap statement: only while
    /// its version is `expected_version`, so of N admins with the same `ETag` exactly one
    /// wins. `None` when the version moved on or there is no such provider.
    async fn update_upstream_provider(
        &self,
        provider: &UpstreamProviderRecord,
        expected_version: i64,
    ) -> Result<Option<UpstreamProviderRecord>, StoreError>;
    /// Deletes the provider, its linked identities and flows (`ON DELETE CASCADE`; the users
    /// stay); false when absent.
    async fn remove_upstream_provider(&self, name: &str) -> Result<bool, StoreError>;
    /// Limits the providers the client's login page offers to `providers`; an empty list
    /// offers them all again.
    async fn set_client_upstream_providers(
        &self,
        client_id: &str,
        providers: &[String],
    ) -> Result<(), StoreError>;
    /// The providers the client's login page offers, by name: all of them unless limited.
    async fn client_upstream_providers(&self, client_id: &str) -> Result<Vec<String>, StoreError>;
    /// Whether the client's login page offers the password form (true unless turned off).
    async fn client_password_login(&self, client_id: &str) -> Result<bool, StoreError>;
    async fn set_client_password_login(&self, client_id: &str, allowed: bool) -> Result<(), StoreError>;

    /// The users whose e-mail address is `email` (case-insensitive): the candidates for
    /// linking, never a way to sign anyone in.
    async fn users_with_email(&self, email: &str) -> Result<Vec<User>, StoreError>;

    async fn federated_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<FederatedIdentity>, StoreError>;
    /// Ordered by provider.
    async fn federated_identities_of_user(&self, user_id: &str)
        -> Result<Vec<FederatedIdentity>, StoreError>;
    /// Records a login through the identity; false when it is not linked (any more).
    async fn touch_federated_identity(
        &self,
        provider: &str,
        subject: &str,
        now: i64,
    ) -> Result<bool, StoreError>;

    async fn create_federation_flow(&self, flow: &FederationFlow) -> Result<(), StoreError>;
    /// The single-use compare-and-swap, in ONE statement: where `state_hash` matches, the flow
    /// is unused and `expires_at > now`, set `used_at = now` and return it. Exactly one of N
    /// concurrent callers gets `Some`, on both backends and across processes.
    async fn consume_federation_flow(
        &self,
        state_hash: &str,
        now: i64,
    ) -> Result<Option<FederationFlow>, StoreError>;
    /// Binds an unused, unexpired flow to a browser, once: in ONE statement, where
    /// `browser_hash` is still `unbound_hash`, set it to `browser_hash`. True for exactly one
    /// of N concurrent callers (an account link opened in two browsers: the first keeps it).
    async fn bind_federation_flow(
        &self,
        state_hash: &str,
        unbound_hash: &str,
        browser_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError>;
    /// The flow whatever its state (to tell a replay from an unknown `state`).
    async fn federation_flow(&self, state_hash: &str) -> Result<Option<FederationFlow>, StoreError>;
    /// Janitor: deletes up to `limit` flows that expired before `cutoff`; returns how many.
    async fn delete_expired_federation_flows(&self, cutoff: i64, limit: i64) -> Result<u64, StoreError>;

    /// Keeps (or replaces) a user's tokens at a provider.
    async fn put_upstream_tokens(&self, tokens: &UpstreamTokenRecord) -> Result<(), StoreError>;
    async fn upstream_tokens(
        &self,
        provider: &str,
        user_id: &str,
    ) -> Result<Option<UpstreamTokenRecord>, StoreError>;
    /// Janitor: deletes up to `limit` rows past their retention at `now`; returns how many.
    async fn delete_expired_upstream_tokens(&self, now: i64, limit: i64) -> Result<u64, StoreError>;
}
