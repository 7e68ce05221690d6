//! Slowing down password guessing at the hosted login page, per account and per client IP.
//!
//! After a few free failures, each further failure makes the key wait twice as long before
//! its next attempt is even checked (up to 15 minutes). A login tried while its account or
//! IP is waiting fails with the same message as a wrong password, without spending an Argon2
//! verify, so the lockout reveals nothing and costs the server nothing.
//!
//! The state is in memory, per process: it bounds an attacker's rate against one server
//! without a database write per failure. It never grows past [`MAX_KEYS`] entries.

use std::collections::HashMap;
use std::sync::Mutex;

/// Failures an account may have before it has to wait.
pub const ACCOUNT_FREE_FAILURES: u32 = 5;
/// Failures one IP address may have (across accounts) before it has to wait.
pub const IP_FREE_FAILURES: u32 = 20;
/// The longest wait, in seconds.
pub const MAX_DELAY: i64 = 900;
/// Entries untouched this long are forgotten.
const FORGET_AFTER: i64 = 3_600;
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: i64,
}

/// One throttled key: `account:<username>` or `ip:<address>`, with its free failures.
pub struct Key {
    pub name: String,
    pub free: u32,
}

impl Key {
    pub fn account(username: &str) -> Self {
        Self { name: format!("account:{}", username.to_lowercase()), free: ACCOUNT_FREE_FAILURES }
    }

    pub fn ip(ip: &str) -> Self {
        Self { name: format!("ip:{ip}"), free: IP_FREE_FAILURES }
    }
}

/// The seconds to wait after `failures` failures when `free` of them cost nothing.
fn delay(failures: u32, free: u32) -> i64 {
    if failures < free {
        return 0;
    }
    let exponent = (failures - free).min(10);
    (1_i64 << exponent).min(MAX_DELAY)
}

#[derive(Default)]
pub struct LoginThrottle {
    entries: Mutex<HashMap<String, Entry>>,
}

impl LoginThrottle {
    /// Whether any of `keys` must still wait at `now`.
    pub fn blocked(&self, keys: &[Key], now: i64) -> bool {
        let Ok(entries) = self.entries.lock() else { return false };
        keys.iter().any(|key| {
            entries.get(&key.name).is_some_and(|e| now < e.last_failure + delay(e.failures, key.free))
        })
    }

    pub fn record_failure(&self, keys: &[Key], now: i64) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.len() >= MAX_KEYS {
            entries.retain(|_, e| now - e.last_failure < FORGET_AFTER);
            if entries.len() >= MAX_KEYS {
                entries.clear();
            }
        }
        for key in keys {
            let entry = entries.entry(key.name.clone()).or_insert(Entry { failures: 0, last_failure: now });
            if now - entry.last_failure >= FORGET_AFTER {
                entry.failures = 0;
            }
            entry.failures = entry.failures.saturating_add(1);
            entry.last_failure = now;
        }
    }

    /// A successful login clears its account's failures (not its IP's).
    pub fn record_success(&self, account: &Key) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&account.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_free_failures() {
        let throttle = LoginThrottle::default();
        let keys = [Key::account("alice")];
        for _ in 0..ACCOUNT_FREE_FAILURES - 1 {
            throttle.record_failure(&keys, 100);
            assert!(!throttle.blocked(&keys, 100));
        }
        throttle.record_failure(&keys, 100);
        assert!(throttle.blocked(&keys, 100));
        assert!(!throttle.blocked(&keys, 101));
        throttle.record_failure(&keys, 101);
        assert!(throttle.blocked(&keys, 102));
        assert!(!throttle.blocked(&keys, 103));
        throttle.record_success(&keys[0]);
        assert!(!throttle.blocked(&keys, 101));
    }
}
