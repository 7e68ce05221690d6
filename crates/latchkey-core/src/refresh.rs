//! What a refresh-token presentation means once the rotation compare-and-swap has failed.
//!
//! Rotation (`docs/architecture.md`, "Refresh tokens") is one compare-and-swap on the session
//! row that moves generation `g` to `g + 1`. When it does not match, the session row tells
//! why: a concurrent duplicate of the winning request (answer with the same successor, never a
//! logout), a replay of a rotated token (theft: revoke the whole family, RFC 9700 §4.14.2),
//! or a session that simply ended.
//!
//! The reuse window counts only time during which some server process was up: a rotation
//! answered just before a crash and retried just after a long restart is still a duplicate
//! ([`uptime_between`]; the downtimes come from the processes' heartbeats, see
//! docs/architecture.md, "Refresh tokens").

use crate::session::{SessionLifetime, SessionStatus};

/// The facts about a session that the decision needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionState {
    pub generation: i64,
    pub rotated_at: Option<i64>,
    pub lifetime: SessionLifetime,
}

/// Why a presentation of an old generation is treated as theft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReuseCause {
    /// The token's successor exists but the reuse window has passed.
    ReplayAfterWindow,
    /// The token's successor was itself already used.
    SuccessorAlreadyUsed,
}

impl ReuseCause {
    /// Stable name for audit events and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReplayAfterWindow => "replay_after_window",
            Self::SuccessorAlreadyUsed => "successor_already_used",
        }
    }
}

/// The meaning of a presentation whose rotation did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailedRotation {
    /// A concurrent duplicate: answer with the successor generation's token.
    Duplicate { successor_generation: i64 },
    /// Theft: revoke the session and answer `invalid_grant`.
    Reuse(ReuseCause),
    /// The session was revoked before; answer `invalid_grant`.
    Revoked,
    /// Idle timeout or absolute lifetime reached; answer `invalid_grant`.
    Expired,
    /// The session is still at the presented generation: the compare-and-swap lost to a
    /// transient condition (e.g. an expiry instant between the two reads); answer
    /// `invalid_grant` without revoking.
    Stale,
}

/// A stretch of time, in seconds since the epoch, during which no server process was up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Downtime {
    pub from: i64,
    pub until: i64,
}

/// The seconds from `since` to `now` during which a server was up: the time between them
/// less every downtime within it (overlapping downtimes count once).
pub fn uptime_between(since: i64, now: i64, downtimes: &[Downtime]) -> i64 {
    let mut clipped: Vec<(i64, i64)> = downtimes
        .iter()
        .map(|down| (down.from.max(since), down.until.min(now)))
        .filter(|(from, until)| from < until)
        .collect();
    clipped.sort_unstable();
    let (mut down, mut covered_until) = (0, since);
    for (from, until) in clipped {
        let from = from.max(covered_until);
        if until > from {
            down += until - from;
            covered_until = until;
        }
    }
    (now - since - down).max(0)
}

/// Classifies a presentation of `presented` generation against the session as it is now.
/// `reuse_window` is in seconds of server uptime (`downtimes` do not count); 0 disables the
/// duplicate grace entirely.
pub fn classify_failed_rotation(
    session: &SessionState,
    presented: i64,
    now: i64,
    reuse_window: i64,
    downtimes: &[Downtime],
) -> FailedRotation {
    match session.lifetime.status(now) {
        SessionStatus::Revoked => return FailedRotation::Revoked,
        SessionStatus::Expired => return FailedRotation::Expired,
        SessionStatus::Live => {}
    }
    if presented >= session.generation {
        return FailedRotation::Stale;
    }
    if presented + 1 < session.generation {
        return FailedRotation::Reuse(ReuseCause::SuccessorAlreadyUsed);
    }
    let within_window = session.rotated_at.is_some_and(|rotated_at| {
        reuse_window > 0 && uptime_between(rotated_at, now, downtimes) <= reuse_window
    });
    if within_window {
        FailedRotation::Duplicate { successor_generation: session.generation }
    } else {
        FailedRotation::Reuse(ReuseCause::ReplayAfterWindow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(generation: i64, rotated_at: i64) -> SessionState {
        SessionState {
            generation,
            rotated_at: Some(rotated_at),
            lifetime: SessionLifetime {
                revoked_at: None,
                idle_expires_at: 10_000,
                absolute_expires_at: 20_000,
            },
        }
    }

    #[test]
    fn duplicate_within_window_gets_the_successor() {
        let s = session(5, 100);
        assert_eq!(
            classify_failed_rotation(&s, 4, 110, 10, &[]),
            FailedRotation::Duplicate { successor_generation: 5 }
        );
    }

    #[test]
    fn duplicate_after_window_is_replay() {
        let s = session(5, 100);
        assert_eq!(
            classify_failed_rotation(&s, 4, 111, 10, &[]),
            FailedRotation::Reuse(ReuseCause::ReplayAfterWindow)
        );
    }

    #[test]
    fn zero_window_turns_grace_off() {
        let s = session(5, 100);
        assert_eq!(
            classify_failed_rotation(&s, 4, 100, 0, &[]),
            FailedRotation::Reuse(ReuseCause::ReplayAfterWindow)
        );
    }

    #[test]
    fn time_no_server_was_up_does_not_count_against_the_window() {
        let s = session(5, 100);
        // Rotated at 100, every process down from 99 (last heartbeat) to 160, retried at 165.
        let down = [Downtime { from: 99, until: 160 }];
        assert_eq!(uptime_between(100, 165, &down), 5);
        assert_eq!(
            classify_failed_rotation(&s, 4, 165, 10, &down),
            FailedRotation::Duplicate { successor_generation: 5 }
        );
        assert_eq!(
            classify_failed_rotation(&s, 4, 171, 10, &down),
            FailedRotation::Reuse(ReuseCause::ReplayAfterWindow),
            "uptime after the restart still counts"
        );
        let before = [Downtime { from: 10, until: 90 }];
        assert_eq!(
            classify_failed_rotation(&s, 4, 165, 10, &before),
            FailedRotation::Reuse(ReuseCause::ReplayAfterWindow),
            "a downtime before the rotation changes nothing"
        );
    }

    #[test]
    fn overlapping_downtimes_count_once() {
        let down = [Downtime { from: 120, until: 150 }, Downtime { from: 110, until: 130 }];
        assert_eq!(uptime_between(100, 200, &down), 60);
        assert_eq!(uptime_between(140, 145, &down), 0);
        assert_eq!(uptime_between(100, 200, &[]), 100);
    }

    #[test]
    fn older_generation_is_theft_even_inside_window() {
        let s = session(5, 100);
        assert_eq!(
            classify_failed_rotation(&s, 3, 101, 10, &[]),
            FailedRotation::Reuse(ReuseCause::SuccessorAlreadyUsed)
        );
    }

    #[test]
    fn revoked_and_expired_sessions_are_not_reclassified() {
        let mut s = session(5, 100);
        s.lifetime.revoked_at = Some(100);
        assert_eq!(classify_failed_rotation(&s, 4, 101, 10, &[]), FailedRotation::Revoked);
        let s = session(5, 100);
        assert_eq!(classify_failed_rotation(&s, 4, 10_000, 10, &[]), FailedRotation::Expired);
    }
}
