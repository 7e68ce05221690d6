//! The rotation schedule: which transitions are due at `now`. Pure, so a simulated year runs
//! in milliseconds; the server performs each transition as one compare-and-swap in the store,
//! so of several processes that see the same one due, exactly one performs it.

use super::lifecycle::{KeyPurpose, KeyState};
use super::policy::RotationPolicy;

/// What the schedule needs to know about a stored key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTimes {
    pub kid: String,
    pub purpose: KeyPurpose,
    pub alg: String,
    pub state: KeyState,
    pub created_at: i64,
    /// When the key signs (pending), or started signing (active and later).
    pub activate_at: Option<i64>,
    /// When a retiring key leaves the JWKS.
    pub retire_at: Option<i64>,
    /// When a retired or revoked key's row is deleted.
    pub delete_at: Option<i64>,
}

/// A configured sequence of keys: one purpose, one algorithm, one signer at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub purpose: KeyPurpose,
    pub alg: String,
}

/// A change the schedule wants made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Nothing signs for the series: a new key signs at once. Only on a first start (no
    /// token can exist yet) or after an emergency revocation of the signer.
    CreateActive { purpose: KeyPurpose, alg: String },
    /// Publish the next key now; it signs from `activate_at`, at least `publish_lead` later.
    CreatePending { purpose: KeyPurpose, alg: String, activate_at: i64 },
    /// The pending key signs from now; the key it replaces stops signing and stays published
    /// until `retire_at`.
    Activate { kid: String, replaces: Option<String>, retire_at: i64, delete_at: i64 },
    /// An active key of a series no longer configured (the algorithm changed) stops signing.
    StopSigning { kid: String, retire_at: i64, delete_at: i64 },
    /// A retiring key whose tokens have all expired leaves the JWKS.
    Retire { kid: String },
    /// A retired or revoked key's row goes.
    Delete { kid: String },
}

/// The transitions due at `now`, in the order they should be performed.
pub fn due_transitions(
    keys: &[KeyTimes],
    series: &[Series],
    policy: &RotationPolicy,
    now: i64,
) -> Vec<Transition> {
    let mut due = Vec::new();
    for wanted in series {
        let of_series = |state: KeyState| {
            keys.iter()
                .filter(move |k| k.state == state && k.purpose == wanted.purpose && k.alg == wanted.alg)
                .max_by_key(|k| (k.activate_at, k.created_at))
        };
        let active = of_series(KeyState::Active);
        let pending = of_series(KeyState::Pending);
        match (active, pending) {
            (active, Some(pending)) if active.is_none() || pending.activate_at.is_none_or(|at| at <= now) => {
                let (retire_at, delete_at) = policy.retirement(now);
                due.push(Transition::Activate {
                    kid: pending.kid.clone(),
                    replaces: active.map(|a| a.kid.clone()),
                    retire_at,
                    delete_at,
                });
            }
            (None, _) => {
                due.push(Transition::CreateActive { purpose: wanted.purpose, alg: wanted.alg.clone() })
            }
            (Some(active), None) => {
                let next =
                    active.activate_at.unwrap_or(active.created_at).saturating_add(policy.rotation_period);
                if now >= next.saturating_sub(policy.publish_lead) {
                    due.push(Transition::CreatePending {
                        purpose: wanted.purpose,
                        alg: wanted.alg.clone(),
                        activate_at: next.max(now.saturating_add(policy.publish_lead)),
                    });
                }
            }
            (Some(_), Some(_)) => {}
        }
    }
    for key in keys {
        let configured = series.iter().any(|s| s.purpose == key.purpose && s.alg == key.alg);
        let passed = |at: Option<i64>| at.is_some_and(|at| at <= now);
        match key.state {
            KeyState::Active if !configured => {
                let (retire_at, delete_at) = policy.retirement(now);
                due.push(Transition::StopSigning { kid: key.kid.clone(), retire_at, delete_at });
            }
            KeyState::Retiring if passed(key.retire_at) => {
                due.push(Transition::Retire { kid: key.kid.clone() })
            }
            KeyState::Retired | KeyState::Revoked if passed(key.delete_at) => {
                due.push(Transition::Delete { kid: key.kid.clone() })
            }
            _ => {}
        }
    }
    due
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
