//! The default store: the refresh token lives only as long as the process, the safest choice
//! when the app can simply log in again.

use std::sync::Mutex;

use async_trait::async_trait;

use super::{RefreshTokenStore, StoreError};

/// Keeps the refresh token (and the DPoP key) in memory.
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<Saved>);

#[derive(Debug, Default)]
struct Saved {
    refresh_token: Option<String>,
    dpop_key: Option<Vec<u8>>,
}

impl MemoryStore {
    fn with<T>(&self, f: impl FnOnce(&mut Saved) -> T) -> Result<T, StoreError> {
        let mut slot = self.0.lock().map_err(|_| "the memory store's lock is poisoned")?;
        Ok(f(&mut slot))
    }
}

#[async_trait]
impl RefreshTokenStore for MemoryStore {
    async fn load(&self) -> Result<Option<String>, StoreError> {
        self.with(|slot| slot.refresh_token.clone())
    }

    async fn save(&self, refresh_token: &str) -> Result<(), StoreError> {
        self.with(|slot| slot.refresh_token = Some(refresh_token.to_owned()))
    }

    async fn clear(&self) -> Result<(), StoreError> {
        self.with(|slot| *slot = Saved::default())
    }

    async fn load_dpop_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.with(|slot| slot.dpop_key.clone())
    }

    async fn save_dpop_key(&self, pkcs8: &[u8]) -> Result<(), StoreError> {
        self.with(|slot| slot.dpop_key = Some(pkcs8.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn save_load_clear() {
        let store = MemoryStore::default();
        assert_eq!(store.load().await.unwrap(), None);
        store.save("rt-1").await.unwrap();
        store.save("rt-2").await.unwrap();
        assert_eq!(store.load().await.unwrap().as_deref(), Some("rt-2"));
        store.save_dpop_key(b"key").await.unwrap();
        assert_eq!(store.load_dpop_key().await.unwrap().as_deref(), Some(&b"key"[..]));
        store.clear().await.unwrap();
        assert_eq!(store.load().await.unwrap(), None);
        assert_eq!(store.load_dpop_key().await.unwrap(), None);
    }
}
