//! The default store: the refresh token lives only as long as the process, the safest choice
//! when the app can simply log in again.

use std::sync::Mutex;

use async_trait::async_trait;

use super::{RefreshTokenStore, StoreError};

/// Keeps the refresh token in memory.
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<Option<String>>);

impl MemoryStore {
    fn with<T>(&self, f: impl FnOnce(&mut Option<String>) -> T) -> Result<T, StoreError> {
        let mut slot = self.0.lock().map_err(|_| "the memory store's lock is poisoned")?;
        Ok(f(&mut slot))
    }
}

#[async_trait]
impl RefreshTokenStore for MemoryStore {
    async fn load(&self) -> Result<Option<String>, StoreError> {
        self.with(|slot| slot.clone())
    }

    async fn save(&self, refresh_token: &str) -> Result<(), StoreError> {
        self.with(|slot| *slot = Some(refresh_token.to_owned()))
    }

    async fn clear(&self) -> Result<(), StoreError> {
        self.with(|slot| *slot = None)
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
        store.clear().await.unwrap();
        assert_eq!(store.load().await.unwrap(), None);
    }
}
