//! When a session (a refresh-token family) is alive: the one rule every endpoint applies.
//!
//! A session is live while it is not revoked and neither of its deadlines has passed: the
//! idle deadline (moved forward by every rotation) and the absolute one (fixed at login).
//! Refresh, `/userinfo`, `/introspect` (RFC 7662 §2.2: a token of an ended session is not
//! active), the account endpoints, the bearer check and the revocation feed all decide with
//! [`SessionLifetime`]; the store's SQL filter `live_at!` in `latchkey-store` is the same
//! rule written as SQL, kept next to the only other place that needs it.

/// The facts that decide whether a session is live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetime {
    pub revoked_at: Option<i64>,
    pub idle_expires_at: i64,
    pub absolute_expires_at: i64,
}

/// What a session is at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    Live,
    /// Ended on purpose (logout, password change, reuse detection, ...).
    Revoked,
    /// The idle or the absolute deadline has passed.
    Expired,
}

impl SessionLifetime {
    /// The session's status at `now` (Unix seconds). A deadline equal to `now` has passed.
    pub fn status(&self, now: i64) -> SessionStatus {
        if self.revoked_at.is_some() {
            SessionStatus::Revoked
        } else if self.expires_at() <= now {
            SessionStatus::Expired
        } else {
            SessionStatus::Live
        }
    }

    /// Not revoked and neither deadline passed at `now`.
    pub fn is_live(&self, now: i64) -> bool {
        self.status(now) == SessionStatus::Live
    }

    /// When the session ends unless it is used (or revoked) before: the earlier deadline.
    pub fn expires_at(&self) -> i64 {
        self.idle_expires_at.min(self.absolute_expires_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIFETIME: SessionLifetime =
        SessionLifetime { revoked_at: None, idle_expires_at: 100, absolute_expires_at: 200 };

    #[test]
    fn live_until_the_earlier_deadline() {
        assert_eq!(LIFETIME.status(99), SessionStatus::Live);
        assert_eq!(LIFETIME.status(100), SessionStatus::Expired);
        let capped = SessionLifetime { absolute_expires_at: 50, ..LIFETIME };
        assert_eq!(capped.status(50), SessionStatus::Expired);
        assert!(capped.is_live(49));
        assert_eq!(capped.expires_at(), 50);
    }

    #[test]
    fn revoked_is_never_live() {
        let revoked = SessionLifetime { revoked_at: Some(10), ..LIFETIME };
        assert_eq!(revoked.status(0), SessionStatus::Revoked);
        assert!(!revoked.is_live(0));
    }
}
