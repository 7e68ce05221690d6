//! Amounts: integer minor units (cents), never floating point, so sums are exact. A single
//! operation moves at most [`MAX_AMOUNT`], and no balance exceeds [`MAX_BALANCE`], so no sum
//! can overflow an `i64`.

use serde::Deserialize;

use crate::error::BankError;

/// Largest amount one deposit, withdrawal or transfer may move (10 billion in minor units).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;
/// Largest balance an account may hold.
pub const MAX_BALANCE: i64 = 1_000_000_000_000_000;

/// A positive amount in minor units, validated at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "i64")]
pub struct Amount(i64);

impl Amount {
    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Amount {
    type Error = BankError;

    fn try_from(value: i64) -> Result<Self, BankError> {
        if value <= 0 {
            return Err(BankError::BadRequest(
                "amount must be a positive integer of minor units (cents)".into(),
            ));
        }
        if value > MAX_AMOUNT {
            return Err(BankError::BadRequest(format!("amount must not exceed {MAX_AMOUNT}")));
        }
        Ok(Self(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positive_bounded_integers_are_amounts() {
        assert!(Amount::try_from(1).is_ok());
        assert!(Amount::try_from(0).is_err());
        assert!(Amount::try_from(-5).is_err());
        assert!(Amount::try_from(MAX_AMOUNT + 1).is_err());
        assert!(serde_json::from_str::<Amount>("12.5").is_err(), "fractions of a cent are refused");
    }
}
