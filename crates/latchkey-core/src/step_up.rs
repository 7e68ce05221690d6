//! Step-up authentication (RFC 9470): a resource that needs a stronger or more recent sign-in
//! than the one behind an access token says so with `401 insufficient_user_authentication`
//! and what to ask for at `/authorize` (`acr_values`, `max_age`, OpenID Connect Core
//! §3.1.2.1). One place decides whether a token's `acr` and `auth_time` meet a resource's
//! [`AuthenticationRequirement`]; `latchkey-guard` answers with the challenge that
//! [`crate::bearer::BearerError::InsufficientUserAuthentication`] spells, and the client SDK
//! reads the same [`StepUp`] back out of it. See docs/architecture.md, "Step-up
//! authentication".

/// What a resource requires of the sign-in behind a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthenticationRequirement {
    /// Acceptable authentication context classes: the token's `acr` must be one of them
    /// (exact match, RFC 9470 §3). Empty: any `acr`, or none.
    pub acr_values: Vec<String>,
    /// Longest time since the user authenticated (`auth_time`), in seconds. A token without
    /// `auth_time` (client credentials) never meets it.
    pub max_age: Option<i64>,
}

/// What a client should ask for at `/authorize` to meet a requirement: the RFC 9470 §3
/// challenge parameters. `acr_values` is space-separated, in order of preference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepUp {
    pub acr_values: Option<String>,
    pub max_age: Option<i64>,
}

impl AuthenticationRequirement {
    /// Whether nothing is required.
    pub fn is_empty(&self) -> bool {
        self.acr_values.is_empty() && self.max_age.is_none()
    }

    /// `Ok` when a token with `acr` and `auth_time` meets the requirement at `now`; else what
    /// to ask for. The whole requirement is asked for even when one part is met, so that the
    /// new sign-in meets both.
    pub fn check(&self, acr: Option<&str>, auth_time: Option<i64>, now: i64) -> Result<(), StepUp> {
        let acr_met =
            self.acr_values.is_empty() || acr.is_some_and(|acr| self.acr_values.iter().any(|v| v == acr));
        let age_met = match self.max_age {
            None => true,
            Some(max_age) => auth_time.is_some_and(|at| now.saturating_sub(at) <= max_age),
        };
        if acr_met && age_met {
            return Ok(());
        }
        Err(StepUp {
            acr_values: (!self.acr_values.is_empty()).then(|| self.acr_values.join(" ")),
            max_age: self.max_age,
        })
    }
}

impl StepUp {
    /// A description for `error_description`, naming what is missing.
    pub fn description(&self) -> String {
        match (&self.acr_values, self.max_age) {
            (Some(acr), Some(age)) => {
                format!("this operation needs a sign-in of class {acr} within the last {age} seconds")
            }
            (Some(acr), None) => format!("this operation needs a sign-in of class {acr}"),
            (None, Some(age)) => format!("this operation needs a sign-in within the last {age} seconds"),
            (None, None) => "this operation needs a stronger sign-in".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000_000;

    fn requirement(acr: &[&str], max_age: Option<i64>) -> AuthenticationRequirement {
        AuthenticationRequirement { acr_values: acr.iter().map(|a| (*a).to_owned()).collect(), max_age }
    }

    #[test]
    fn an_empty_requirement_accepts_any_token() {
        assert!(requirement(&[], None).is_empty());
        assert_eq!(requirement(&[], None).check(None, None, NOW), Ok(()));
    }

    #[test]
    fn acr_must_be_one_of_the_values_exactly() {
        let mfa = requirement(&["urn:latchkey:acr:mfa", "urn:latchkey:acr:hwk"], None);
        assert_eq!(mfa.check(Some("urn:latchkey:acr:hwk"), None, NOW), Ok(()));
        let asked =
            StepUp { acr_values: Some("urn:latchkey:acr:mfa urn:latchkey:acr:hwk".into()), max_age: None };
        assert_eq!(mfa.check(None, Some(NOW), NOW), Err(asked.clone()), "acr missing");
        assert_eq!(
            mfa.check(Some("urn:latchkey:acr:pwd"), Some(NOW), NOW),
            Err(asked.clone()),
            "insufficient"
        );
        assert_eq!(mfa.check(Some("urn:latchkey:acr:MFA"), None, NOW), Err(asked), "case matters");
    }

    #[test]
    fn auth_time_must_be_recent_and_present() {
        let recent = requirement(&[], Some(300));
        assert_eq!(recent.check(None, Some(NOW - 300), NOW), Ok(()));
        let asked = Err(StepUp { acr_values: None, max_age: Some(300) });
        assert_eq!(recent.check(None, Some(NOW - 301), NOW), asked, "too old");
        assert_eq!(recent.check(None, None, NOW), asked, "no auth_time: client credentials");
        assert_eq!(recent.check(None, Some(i64::MIN), NOW), asked, "no overflow");
    }

    #[test]
    fn the_whole_requirement_is_asked_for_when_one_part_fails() {
        let both = requirement(&["urn:latchkey:acr:mfa"], Some(60));
        let asked = StepUp { acr_values: Some("urn:latchkey:acr:mfa".into()), max_age: Some(60) };
        assert_eq!(both.check(Some("urn:latchkey:acr:mfa"), Some(NOW - 61), NOW), Err(asked.clone()));
        assert_eq!(both.check(None, Some(NOW), NOW), Err(asked.clone()));
        assert_eq!(
            asked.description(),
            "this operation needs a sign-in of class urn:latchkey:acr:mfa within the last 60 seconds"
        );
    }
}
