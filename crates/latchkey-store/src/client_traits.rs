//! Storage of registered OAuth clients (RFC 6749 §2): registration, the admin API's reads
//! (keyset pages) and compare-and-swap updates (docs/architecture.md, "Admin API").

use async_trait::async_trait;

use crate::client_model::{Client, NewClient};
use crate::error::StoreError;

#[async_trait]
pub trait ClientStore: Send + Sync {
    /// [`StoreError::Conflict`] when the id is taken.
    async fn create_client(&self, client: &NewClient, now: i64) -> Result<Client, StoreError>;
    async fn client_by_id(&self, id: &str) -> Result<Option<Client>, StoreError>;
    /// Ordered by id.
    async fn list_clients(&self) -> Result<Vec<Client>, StoreError>;
    /// A page of clients in the order of their ids (keyset pagination): at most `limit` whose
    /// id sorts after `after`.
    async fn clients_page(&self, after: Option<&str>, limit: i64) -> Result<Vec<Client>, StoreError>;
    /// The admin update, a compare-and-swap on the client's `version` in ONE statement: sets
    /// every setting of `client` (not its id, type, secret or creation time) and bumps the
    /// version where `client.id` and `expected_version` match. `None` when nothing matched
    /// (no such client, or another update came first).
    async fn update_client(
        &self,
        client: &NewClient,
        expected_version: i64,
    ) -> Result<Option<Client>, StoreError>;
    /// Replaces a confidential client's secret hash; false when there is no such confidential
    /// client.
    async fn set_client_secret_hash(&self, id: &str, secret_hash: &[u8]) -> Result<bool, StoreError>;
    /// Deletes the client and (by `ON DELETE CASCADE`) its sessions; false when absent.
    async fn remove_client(&self, id: &str) -> Result<bool, StoreError>;
}
