//! A bounded memo keyed by text, for the per-request caches of verification: the keys of DPoP
//! proof headers (`jws::EmbeddedKeyCache`) and the hashes of DPoP-bound access tokens
//! (`latchkey-guard`). Callers insert only what verified, so a sender cannot fill it with
//! junk; when full it is emptied and starts over, which costs a recomputation, never a
//! wrong answer.
//!
//! Keys are whole header segments or tokens (up to a few KiB) hashed on every request, so the
//! map uses foldhash rather than SipHash: several times cheaper, still seeded at random per
//! process.

use std::collections::HashMap;
use std::sync::RwLock;

/// At most `capacity` values by text key; see the module doc.
pub struct BoundedMemo<V> {
    capacity: usize,
    known: RwLock<HashMap<Box<str>, V, foldhash::fast::RandomState>>,
}

impl<V: Clone> BoundedMemo<V> {
    /// An empty memo that holds at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self { capacity, known: RwLock::default() }
    }

    /// The value remembered for exactly `key`.
    pub fn get(&self, key: &str) -> Option<V> {
        self.known.read().ok().and_then(|known| known.get(key).cloned())
    }

    /// Remembers `value` for `key`, emptying the memo first when it is full.
    pub fn insert(&self, key: &str, value: V) {
        if let Ok(mut known) = self.known.write() {
            if known.len() >= self.capacity {
                known.clear();
            }
            known.insert(key.into(), value);
        }
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.known.read().map_or(0, |known| known.len())
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn remembers_exact_keys_and_starts_over_when_full() {
        let memo = BoundedMemo::new(2);
        memo.insert("a", 1);
        memo.insert("b", 2);
        assert_eq!((memo.get("a"), memo.get("b"), memo.get("A")), (Some(1), Some(2), None));
        memo.insert("c", 3);
        assert_eq!((memo.len(), memo.get("a"), memo.get("c")), (1, None, Some(3)));
    }
}
