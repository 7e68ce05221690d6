//! Step-up for large transfers (RFC 9470): a transfer above [`StepUpPolicy::above`] needs a
//! sign-in that meets [`StepUpPolicy::requirement`] — by default one within the last 5
//! minutes with a second factor (`acr` [`DEFAULT_ACR`], Latchkey's default multi-factor
//! class: docs/architecture.md, "Multi-factor authentication"), so that a stolen password
//! re-entered is not enough. A token from an older or weaker sign-in gets the guard's
//! `401 insufficient_user_authentication` challenge, and the client signs the user in again
//! asking for it. Smaller transfers, deposits and withdrawals pass with any sign-in.

use latchkey_guard::{AuthenticationRequirement, SignIn};

use crate::error::BankError;
use crate::money::Amount;

/// Transfers above this many minor units need a step-up by default (1,000.00).
pub const DEFAULT_ABOVE: i64 = 100_000;
/// How recent the sign-in must be by default, in seconds.
pub const DEFAULT_MAX_AGE: i64 = 300;
/// The `acr` the sign-in must carry by default: Latchkey's multi-factor class (its
/// `acr_multi_factor` setting's default).
pub const DEFAULT_ACR: &str = "urn:latchkey:acr:mfa";

/// Which transfers need which sign-in.
#[derive(Debug, Clone)]
pub struct StepUpPolicy {
    /// Transfers of more than this many minor units need the requirement.
    pub above: i64,
    pub requirement: AuthenticationRequirement,
}

impl Default for StepUpPolicy {
    fn default() -> Self {
        Self {
            above: DEFAULT_ABOVE,
            requirement: AuthenticationRequirement {
                acr_values: vec![DEFAULT_ACR.to_owned()],
                max_age: Some(DEFAULT_MAX_AGE),
            },
        }
    }
}

impl StepUpPolicy {
    /// `Ok` for a transfer of `amount` by the holder of `sign_in`, else the guard's challenge.
    pub fn check_transfer(&self, amount: Amount, sign_in: &SignIn) -> Result<(), BankError> {
        if amount.get() <= self.above {
            return Ok(());
        }
        sign_in.require(&self.requirement).map_err(BankError::Authentication)
    }
}
