//! The schedule's decisions, and a simulated year under the default policy: every token
//! verifies for its whole lifetime against what a resource server caching the JWKS for its
//! `max-age` holds, and no key signs before it was published for `publish_lead`.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

const DAY: i64 = 24 * 3600;
const START: i64 = 1_800_000_000;
const MAX_AGE: i64 = 300;
const RELOAD: i64 = 30;
/// The longest access-token lifetime of any client in the simulation (a client override).
const ACCESS_TTL: i64 = 3600;
const ID_TOKEN_GRACE: i64 = 30 * DAY;

fn default_policy() -> RotationPolicy {
    RotationPolicy::new(30 * DAY, DAY, ACCESS_TTL, ID_TOKEN_GRACE, RELOAD)
}

fn series() -> Vec<Series> {
    vec![
        Series { purpose: KeyPurpose::AccessToken, alg: "ES256".into() },
        Series { purpose: KeyPurpose::IdToken, alg: "RS256".into() },
    ]
}

/// Performs transitions on an in-memory key list the way the store does.
struct World {
    keys: Vec<KeyTimes>,
    next_id: u32,
}

impl World {
    fn apply(&mut self, transition: Transition, now: i64) {
        let find = |keys: &mut Vec<KeyTimes>, kid: &str| keys.iter().position(|k| k.kid == kid).unwrap();
        match transition {
            Transition::CreateActive { purpose, alg } => {
                self.insert(purpose, alg, KeyState::Active, now, now)
            }
            Transition::CreatePending { purpose, alg, activate_at } => {
                self.insert(purpose, alg, KeyState::Pending, now, activate_at)
            }
            Transition::Activate { kid, replaces, retire_at, delete_at } => {
                if let Some(old) = replaces {
                    let i = find(&mut self.keys, &old);
                    self.keys[i].state = KeyState::Retiring;
                    self.keys[i].retire_at = Some(retire_at);
                    self.keys[i].delete_at = Some(delete_at);
                }
                let i = find(&mut self.keys, &kid);
                self.keys[i].state = KeyState::Active;
                self.keys[i].activate_at = Some(now);
            }
            Transition::StopSigning { kid, retire_at, delete_at } => {
                let i = find(&mut self.keys, &kid);
                self.keys[i].state = KeyState::Retiring;
                self.keys[i].retire_at = Some(retire_at);
                self.keys[i].delete_at = Some(delete_at);
            }
            Transition::Retire { kid } => {
                let i = find(&mut self.keys, &kid);
                self.keys[i].state = KeyState::Retired;
            }
            Transition::Delete { kid } => self.keys.retain(|k| k.kid != kid),
        }
    }

    fn insert(&mut self, purpose: KeyPurpose, alg: String, state: KeyState, now: i64, activate_at: i64) {
        self.next_id += 1;
        self.keys.push(KeyTimes {
            kid: format!("k{}", self.next_id),
            purpose,
            alg,
            state,
            created_at: now,
            activate_at: Some(activate_at),
            retire_at: None,
            delete_at: None,
        });
    }

    fn tick(&mut self, now: i64) {
        for transition in due_transitions(&self.keys, &series(), &default_policy(), now) {
            self.apply(transition, now);
        }
    }

    fn published(&self) -> BTreeSet<String> {
        self.keys.iter().filter(|k| k.state.is_published()).map(|k| k.kid.clone()).collect()
    }

    fn signer(&self, purpose: KeyPurpose) -> String {
        let active = self.keys.iter().filter(|k| k.purpose == purpose && k.state == KeyState::Active);
        let kids: Vec<&str> = active.map(|k| k.kid.as_str()).collect();
        assert_eq!(kids.len(), 1, "exactly one signer per purpose");
        kids[0].to_owned()
    }
}

#[test]
fn a_simulated_year_never_breaks_a_token_and_never_signs_unpublished() {
    let step = 60;
    let mut world = World { keys: Vec::new(), next_id: 0 };
    world.tick(START);
    // A process signs with the signer it loaded up to one reload interval ago.
    let mut signers_seen: Vec<(i64, BTreeMap<KeyPurpose, String>)> = Vec::new();
    // Resource servers that fetched the JWKS at different moments, each caching it for max-age.
    let mut guards: Vec<(i64, BTreeSet<String>)> =
        (0..MAX_AGE / step).map(|i| (START - i * step, world.published())).collect();
    let mut first_published: BTreeMap<String, i64> =
        world.published().into_iter().map(|k| (k, START)).collect();
    let bootstrap: BTreeSet<String> = world.published();
    // Per key, the latest moment a token it signed is still usable.
    let mut needed_until: BTreeMap<String, i64> = BTreeMap::new();
    let mut rotations = BTreeSet::new();
    let mut checks = 0u64;

    let mut now = START;
    while now < START + 365 * DAY {
        now += step;
        world.tick(now);
        for kid in world.published() {
            first_published.entry(kid).or_insert(now);
        }
        let current: BTreeMap<KeyPurpose, String> =
            KeyPurpose::ALL.into_iter().map(|p| (p, world.signer(p))).collect();
        signers_seen.push((now, current.clone()));
        signers_seen.retain(|(at, _)| *at >= now - RELOAD);
        for (_, signers) in &signers_seen {
            for (purpose, kid) in signers {
                rotations.insert(kid.clone());
                if !bootstrap.contains(kid) {
                    let published = first_published[kid];
                    assert!(
                        now - published >= DAY,
                        "{kid} signed {} s after it was published",
                        now - published
                    );
                }
                let lifetime = if *purpose == KeyPurpose::IdToken { ID_TOKEN_GRACE } else { ACCESS_TTL };
                let until = needed_until.entry(kid.clone()).or_default();
                *until = (*until).max(now + lifetime);
            }
        }
        needed_until.retain(|_, until| *until > now);
        for (fetched_at, cached) in &mut guards {
            if now - *fetched_at >= MAX_AGE {
                *fetched_at = now;
                *cached = world.published();
            }
            for (kid, until) in &needed_until {
                checks += 1;
                assert!(
                    cached.contains(kid),
                    "at +{} s a guard lacks {kid}, needed until {until}",
                    now - START
                );
            }
        }
    }
    // 365 / 30: twelve rotations of each purpose, plus the first keys.
    assert!(rotations.len() >= 24, "{} keys signed", rotations.len());
    assert!(checks > 1_000_000, "{checks} checks");
    assert!(world.keys.len() <= 8, "old keys are deleted: {} rows", world.keys.len());
}

#[test]
fn nothing_is_due_for_a_fresh_key_and_the_next_one_is_published_a_lead_early() {
    let policy = default_policy();
    let mut world = World { keys: Vec::new(), next_id: 0 };
    world.tick(START);
    assert_eq!(world.keys.len(), 2);
    assert!(due_transitions(&world.keys, &series(), &policy, START + 28 * DAY).is_empty());
    let due = due_transitions(&world.keys, &series(), &policy, START + 29 * DAY);
    assert!(due.iter().all(
        |t| matches!(t, Transition::CreatePending { activate_at, .. } if *activate_at == START + 30 * DAY)
    ));
    assert_eq!(due.len(), 2);
}

#[test]
fn a_late_tick_still_gives_the_full_lead() {
    let policy = default_policy();
    let mut world = World { keys: Vec::new(), next_id: 0 };
    world.tick(START);
    // Every process was down for 40 days: the next key still waits a full lead.
    let late = START + 40 * DAY;
    let due = due_transitions(&world.keys, &series(), &policy, late);
    assert!(due
        .iter()
        .all(|t| matches!(t, Transition::CreatePending { activate_at, .. } if *activate_at == late + DAY)));
}

#[test]
fn without_a_signer_the_pending_key_signs_at_once() {
    let policy = default_policy();
    let mut world = World { keys: Vec::new(), next_id: 0 };
    world.tick(START);
    world.tick(START + 29 * DAY);
    // The access signer was revoked in an emergency.
    let signer = world.signer(KeyPurpose::AccessToken);
    world.keys.iter_mut().find(|k| k.kid == signer).unwrap().state = KeyState::Revoked;
    let due = due_transitions(&world.keys, &series(), &policy, START + 29 * DAY + 1);
    assert!(matches!(&due[..], [Transition::Activate { replaces: None, .. }]), "{due:?}");
}

#[test]
fn a_changed_algorithm_gets_a_signer_and_the_old_one_stops() {
    let policy = default_policy();
    let mut world = World { keys: Vec::new(), next_id: 0 };
    world.tick(START);
    let eddsa = vec![
        Series { purpose: KeyPurpose::AccessToken, alg: "EdDSA".into() },
        Series { purpose: KeyPurpose::IdToken, alg: "RS256".into() },
    ];
    let due = due_transitions(&world.keys, &eddsa, &policy, START + 10);
    assert!(due.contains(&Transition::CreateActive { purpose: KeyPurpose::AccessToken, alg: "EdDSA".into() }));
    assert!(due.iter().any(|t| matches!(t, Transition::StopSigning { kid, .. } if kid == "k1")));
}
