//! The numbers of the rotation schedule and the start-up check that they keep the
//! publish-before-sign rule (docs/architecture.md, "Signing-key rotation").

/// How long a retired key's row is kept (unpublished) before it is deleted, so `keys list`
/// and `token inspect` can still name the key of a token seen in a log.
pub const RETIRED_KEPT_SECS: i64 = 7 * 24 * 3600;

/// The schedule's durations, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationPolicy {
    /// A key signs this long, then the next one takes over.
    pub rotation_period: i64,
    /// A new key is published at least this long before it signs.
    pub publish_lead: i64,
    /// A key that stopped signing stays published this long: the longest access-token
    /// lifetime of any client, plus the ID-token grace, plus the key-reload interval (a
    /// process may sign with the old key until it reloads).
    pub keep_published: i64,
}

/// Settings that would let a resource server see a token before the key that signed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error(
        "key_publish_lead ({publish_lead} s) must be at least twice jwks_max_age ({jwks_max_age} s): \
         resource servers caching the JWKS would reject tokens of a new key"
    )]
    LeadShorterThanTwiceMaxAge { publish_lead: i64, jwks_max_age: i64 },
    #[error(
        "key_publish_lead ({publish_lead} s) must cover jwks_max_age plus key_reload_interval ({needed} s)"
    )]
    LeadShorterThanReload { publish_lead: i64, needed: i64 },
    #[error(
        "key_rotation_period ({rotation_period} s) must be longer than key_publish_lead ({publish_lead} s)"
    )]
    PeriodNotLongerThanLead { rotation_period: i64, publish_lead: i64 },
}

impl RotationPolicy {
    /// The policy for the configured durations and the longest access-token lifetime any
    /// client has now.
    pub fn new(
        rotation_period: i64,
        publish_lead: i64,
        longest_access_token_ttl: i64,
        id_token_grace: i64,
        reload_interval: i64,
    ) -> Self {
        Self {
            rotation_period,
            publish_lead,
            keep_published: longest_access_token_ttl
                .saturating_add(id_token_grace)
                .saturating_add(reload_interval),
        }
    }

    /// Checked at start: the lead must cover two JWKS cache lifetimes (a resource server
    /// that fetched just before the key appeared, and one more for clock skew and a failed
    /// refetch), and at least one cache lifetime plus the time a process takes to reload.
    pub fn check(&self, jwks_max_age: i64, reload_interval: i64) -> Result<(), PolicyError> {
        let publish_lead = self.publish_lead;
        if publish_lead < jwks_max_age.saturating_mul(2) {
            return Err(PolicyError::LeadShorterThanTwiceMaxAge { publish_lead, jwks_max_age });
        }
        let needed = jwks_max_age.saturating_add(reload_interval);
        if publish_lead < needed {
            return Err(PolicyError::LeadShorterThanReload { publish_lead, needed });
        }
        if self.rotation_period <= publish_lead {
            return Err(PolicyError::PeriodNotLongerThanLead {
                rotation_period: self.rotation_period,
                publish_lead,
            });
        }
        Ok(())
    }

    /// When a key that stops signing at `now` leaves the JWKS, and when its row is deleted.
    pub fn retirement(&self, now: i64) -> (i64, i64) {
        let retire_at = now.saturating_add(self.keep_published);
        (retire_at, retire_at.saturating_add(RETIRED_KEPT_SECS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 3600;

    #[test]
    fn the_default_lead_passes_and_a_short_one_is_refused() {
        let policy = RotationPolicy::new(30 * DAY, DAY, 3600, 30 * DAY, 30);
        assert_eq!(policy.check(300, 30), Ok(()));
        let short = RotationPolicy { publish_lead: 599, ..policy };
        assert!(matches!(short.check(300, 30), Err(PolicyError::LeadShorterThanTwiceMaxAge { .. })));
        let slow_reload = RotationPolicy { publish_lead: 600, ..policy };
        assert!(matches!(slow_reload.check(300, 301), Err(PolicyError::LeadShorterThanReload { .. })));
        let long_lead = RotationPolicy { rotation_period: DAY, ..policy };
        assert!(matches!(long_lead.check(300, 30), Err(PolicyError::PeriodNotLongerThanLead { .. })));
    }

    #[test]
    fn a_stopped_key_stays_published_for_every_token_it_signed() {
        let policy = RotationPolicy::new(30 * DAY, DAY, 3600, 30 * DAY, 30);
        assert_eq!(policy.keep_published, 3600 + 30 * DAY + 30);
        assert_eq!(
            policy.retirement(100),
            (100 + policy.keep_published, 100 + policy.keep_published + RETIRED_KEPT_SECS)
        );
    }
}
