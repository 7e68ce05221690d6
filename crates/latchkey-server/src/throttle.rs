//! Slowing down password guessing, with the counts in the database every process shares
//! (OWASP ASVS 2.2.1), so that N processes do not give an attacker N times the guesses.
//!
//! Each attempt is counted against four keys: its account (from anywhere), its account from
//! its IP, its IP (IPv6 by /64, [`crate::client_ip::throttle_group`]) across accounts, and its
//! OAuth client. After a key's free failures, each further failure makes it wait twice as
//! long (up to 15 minutes) — a progressive delay, not a lockout: the counts are forgotten an
//! hour after the last failure. One statement counts a failure against all four keys
//! ([`latchkey_store::ThrottleStore::record_throttle_failures`]), so concurrent failures from
//! several processes are each counted exactly once.
//!
//! What a waiting key means to the caller is [`Verdict`]: an IP that must wait is told so
//! (429 with `Retry-After`, it is the attacker's own address); an account or client that must
//! wait is answered exactly like a wrong password, after the same work, so that the answer
//! tells a guesser nothing.

use std::net::IpAddr;

use std::sync::Arc;

use async_trait::async_trait;
use latchkey_store::Store;

use crate::authn::Throttle;
use crate::client_ip::throttle_group;
use crate::error::ApiError;

/// Failures one account may have, from anywhere, before it has to wait. Higher than per
/// (account, IP): a distributed guesser is slowed, a user mistyping from one place first.
pub const ACCOUNT_FREE_FAILURES: u32 = 10;
/// Failures one account may have from one IP before that pair has to wait.
pub const ACCOUNT_IP_FREE_FAILURES: u32 = 5;
/// Failures one IP address (IPv6: one /64) may have across accounts before it has to wait.
pub const IP_FREE_FAILURES: u32 = 20;
/// Failures through one OAuth client, across accounts and IPs, before it has to wait.
pub const CLIENT_FREE_FAILURES: u32 = 100;
/// E-mails (forgotten password, sign-up) one address may be sent before it has to wait.
pub const MAIL_ADDRESS_FREE_REQUESTS: u32 = 3;
/// Nonces (`GET /native/nonce`) one IP address (IPv6: one /64) may fetch before it has to
/// wait: each is a database row, so a flood must not fill the table. Generous, since one
/// carrier-grade NAT may hold many app users.
pub const NATIVE_NONCE_FREE_REQUESTS: u32 = 60;
/// Wrong second-factor codes one user may enter before having to wait.
pub const SECOND_FACTOR_FREE_FAILURES: u32 = 5;
/// The longest wait, in seconds.
pub const MAX_DELAY: i64 = 900;
/// A key's failures are forgotten this long after its last one.
pub const WINDOW: i64 = 3_600;

/// What a waiting key means for the attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The account (from anywhere or from one IP): refused like a wrong password; a known
    /// device is exempt; a success clears it.
    Account,
    /// The OAuth client: like an account, but a success (one user's) does not clear it.
    Client,
    /// The caller's own IP: refused as rate limited (429).
    Ip,
}

/// One throttled key, with its free failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    pub free: u32,
    pub scope: Scope,
}

impl Key {
    pub fn account(username: &str) -> Self {
        Self {
            name: format!("account:{}", username.to_lowercase()),
            free: ACCOUNT_FREE_FAILURES,
            scope: Scope::Account,
        }
    }

    /// `account_ip:<username> <IP group>`: usernames have no spaces, so
    /// [`account_ip_prefix`] names exactly one account's keys.
    pub fn account_ip(username: &str, ip: IpAddr) -> Self {
        Self {
            name: format!("{}{}", account_ip_prefix(username), throttle_group(ip)),
            free: ACCOUNT_IP_FREE_FAILURES,
            scope: Scope::Account,
        }
    }

    pub fn ip(ip: IpAddr) -> Self {
        Self { name: format!("ip:{}", throttle_group(ip)), free: IP_FREE_FAILURES, scope: Scope::Ip }
    }

    /// Requests that e-mail one address (forgotten password, sign-up, a new verification
    /// link): a waiting address gets the same answer, and no e-mail.
    pub fn mail_address(email: &str) -> Self {
        Self {
            name: format!("mail:{}", email.to_lowercase()),
            free: MAIL_ADDRESS_FREE_REQUESTS,
            scope: Scope::Account,
        }
    }

    /// Nonces fetched by one IP address (a key of its own: fetching nonces must not slow that
    /// address's password sign-ins).
    pub fn native_nonce(ip: IpAddr) -> Self {
        Self {
            name: format!("native_nonce:{}", throttle_group(ip)),
            free: NATIVE_NONCE_FREE_REQUESTS,
            scope: Scope::Ip,
        }
    }

    /// Wrong second-factor codes (TOTP or recovery) of one user, wherever they come from:
    /// a six-digit code has few values, so few free failures.
    pub fn second_factor(user_id: &str) -> Self {
        Self {
            name: format!("second_factor:{user_id}"),
            free: SECOND_FACTOR_FREE_FAILURES,
            scope: Scope::Account,
        }
    }

    pub fn client(client_id: &str) -> Self {
        Self { name: format!("client:{client_id}"), free: CLIENT_FREE_FAILURES, scope: Scope::Client }
    }
}

/// The start of every [`Key::account_ip`] of one account.
pub fn account_ip_prefix(username: &str) -> String {
    format!("account_ip:{} ", username.to_lowercase())
}

/// Forgets every throttle count of one account (from anywhere and from each IP), for the
/// admin unlock. Its IPs' and clients' counts stay: they are other people's too.
pub async fn clear_account(store: &dyn Store, username: &str) -> Result<(), latchkey_store::StoreError> {
    store.clear_throttle(&Key::account(username).name).await?;
    store.clear_throttle_prefix(&account_ip_prefix(username)).await?;
    Ok(())
}

/// Whether an attempt may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Open,
    /// An account-scoped key waits: refuse like a wrong password.
    Wait,
    /// The IP waits this many more seconds.
    RateLimited {
        retry_after: i64,
    },
}

/// Counts a request that costs the server something whether or not it is legitimate (an
/// e-mail sent, a nonce stored) against `keys`, unless a key already waits: the verdict
/// says whether it may go ahead. A refused request is not counted, so a flood's wait stops
/// growing once it is being refused.
pub async fn admit_request(throttle: &dyn Throttle, keys: &[Key], now: i64) -> Result<Verdict, ApiError> {
    let verdict = throttle.check(keys, now).await?;
    if !matches!(verdict, Verdict::RateLimited { .. }) {
        throttle.record_failure(keys, now).await?;
    }
    Ok(verdict)
}

/// The seconds to wait after `failures` failures when `free` of them cost nothing.
fn delay(failures: i64, free: u32) -> i64 {
    let over = failures - i64::from(free);
    if over < 0 {
        return 0;
    }
    (1_i64 << over.min(10)).min(MAX_DELAY)
}

/// The throttle over the shared store.
pub struct StoreThrottle {
    store: Arc<dyn Store>,
}

impl StoreThrottle {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

fn names(keys: &[Key]) -> Vec<&str> {
    keys.iter().map(|key| key.name.as_str()).collect()
}

#[async_trait]
impl Throttle for StoreThrottle {
    async fn check(&self, keys: &[Key], now: i64) -> Result<Verdict, ApiError> {
        let counts = self.store.throttle_counts(&names(keys), now).await?;
        let mut verdict = Verdict::Open;
        for count in counts {
            let Some(key) = keys.iter().find(|key| key.name == count.key) else { continue };
            let until = count.last_failure.saturating_add(delay(count.failures, key.free));
            if now >= until {
                continue;
            }
            verdict = match (key.scope, verdict) {
                (Scope::Ip, Verdict::RateLimited { retry_after }) => {
                    Verdict::RateLimited { retry_after: retry_after.max(until - now) }
                }
                (Scope::Ip, _) => Verdict::RateLimited { retry_after: until - now },
                (Scope::Account | Scope::Client, Verdict::Open) => Verdict::Wait,
                (Scope::Account | Scope::Client, other) => other,
            };
        }
        Ok(verdict)
    }

    async fn record_failure(&self, keys: &[Key], now: i64) -> Result<(), ApiError> {
        self.store.record_throttle_failures(&names(keys), now, WINDOW).await?;
        Ok(())
    }

    async fn record_success(&self, keys: &[Key]) -> Result<(), ApiError> {
        for key in keys.iter().filter(|key| key.scope == Scope::Account) {
            self.store.clear_throttle(&key.name).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_after_the_free_failures_up_to_the_cap() {
        assert_eq!(delay(4, 5), 0);
        assert_eq!(delay(5, 5), 1);
        assert_eq!(delay(6, 5), 2);
        assert_eq!(delay(14, 5), 512);
        assert_eq!(delay(100, 5), MAX_DELAY);
    }
}
