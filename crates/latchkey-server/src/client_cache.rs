//! A few seconds of memory for client registrations, so the token endpoint does not read
//! the database for the client on every request (on PostgreSQL that was a second round trip
//! per grant). Registrations change rarely; a change made by another process (the CLI, a
//! second server) is seen within [`TTL`]. Unknown ids are remembered too, so random client
//! ids cannot turn into database load; the map is cleared when it grows past [`MAX_ENTRIES`].
//! Registrations are handed out as [`Arc`]s: a request shares the cached one instead of
//! copying its strings and lists (redirect URIs, scopes, grant types) every time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use latchkey_store::{Client, Store, StoreError};

/// How long a registration is trusted without reading it again.
pub const TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 10_000;

/// When a registration was read, and what was read (`None`: no such client).
type Entry = (Instant, Option<Arc<Client>>);

#[derive(Default)]
pub struct ClientCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl ClientCache {
    /// The registration of `id`, from memory when read less than [`TTL`] ago.
    pub async fn get(&self, store: &dyn Store, id: &str) -> Result<Option<Arc<Client>>, StoreError> {
        if let Ok(entries) = self.entries.lock() {
            if let Some((read_at, client)) = entries.get(id) {
                if read_at.elapsed() < TTL {
                    return Ok(client.clone());
                }
            }
        }
        let client = store.client_by_id(id).await?.map(Arc::new);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(id.to_owned(), (Instant::now(), client.clone()));
        }
        Ok(client)
    }

    /// Forgets a registration this process changed, so its next request reads the change.
    pub fn forget(&self, id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(id);
        }
    }
}
