//! Where the refresh token lives between runs. It is the long-lived credential (RFC 6749
//! §10.4), so where it is kept is the application's decision: in memory only (the default),
//! a private file, or a platform keychain behind this trait.
//!
//! With rotation every refresh spends the stored token, so [`TokenManager`](crate::TokenManager)
//! saves the successor after every refresh and clears the store when the session ends.

mod file;
mod memory;

use async_trait::async_trait;

pub use file::FileStore;
pub use memory::MemoryStore;

/// An error of a store implementation.
pub type StoreError = Box<dyn std::error::Error + Send + Sync>;

/// Persistence of one refresh token.
#[async_trait]
pub trait RefreshTokenStore: Send + Sync {
    /// The saved token, if any.
    async fn load(&self) -> Result<Option<String>, StoreError>;
    /// Replaces the saved token.
    async fn save(&self, refresh_token: &str) -> Result<(), StoreError>;
    /// Forgets the token and the DPoP key (logout, or the session ended at the server).
    async fn clear(&self) -> Result<(), StoreError>;
    /// The DPoP private key of the session (PKCS#8 DER), if one was saved.
    async fn load_dpop_key(&self) -> Result<Option<Vec<u8>>, StoreError>;
    /// Keeps the DPoP private key the session's tokens are bound to (RFC 9449): without it a
    /// restored bound refresh token is useless. As secret as the refresh token.
    async fn save_dpop_key(&self, pkcs8: &[u8]) -> Result<(), StoreError>;
}
