//! What a signing key is for and where it stands in its life; stored as text.

use std::fmt;
use std::str::FromStr;

/// What a key signs. Each purpose rotates on its own, so ID tokens can keep RS256 (OpenID
/// Connect Core §15.1) while access tokens use another algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyPurpose {
    /// Access tokens (RFC 9068).
    AccessToken,
    /// ID tokens (OpenID Connect Core §2).
    IdToken,
}

/// A key's place in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyState {
    /// Published, not signing yet: resource servers learn it before its first token.
    Pending,
    /// Published and signing: one per purpose and algorithm.
    Active,
    /// Published, no longer signing: its tokens may still be alive.
    Retiring,
    /// No longer published; kept a while so operators can still name it, then deleted.
    Retired,
    /// Withdrawn in an emergency: unpublished at once and its tokens refused.
    Revoked,
}

/// A stored purpose or state this version does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key {what} {value:?}")]
pub struct UnknownValue {
    what: &'static str,
    value: String,
}

impl KeyPurpose {
    pub const ALL: [Self; 2] = [Self::AccessToken, Self::IdToken];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessToken => "access_token",
            Self::IdToken => "id_token",
        }
    }
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Retiring => "retiring",
            Self::Retired => "retired",
            Self::Revoked => "revoked",
        }
    }

    /// Whether the key is in the JWKS and verifies this server's own tokens.
    pub fn is_published(self) -> bool {
        matches!(self, Self::Pending | Self::Active | Self::Retiring)
    }
}

impl FromStr for KeyPurpose {
    type Err = UnknownValue;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|purpose| purpose.as_str() == value)
            .ok_or_else(|| UnknownValue { what: "purpose", value: value.to_owned() })
    }
}

impl FromStr for KeyState {
    type Err = UnknownValue;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        [Self::Pending, Self::Active, Self::Retiring, Self::Retired, Self::Revoked]
            .into_iter()
            .find(|state| state.as_str() == value)
            .ok_or_else(|| UnknownValue { what: "state", value: value.to_owned() })
    }
}

impl fmt::Display for KeyPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for KeyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for purpose in KeyPurpose::ALL {
            assert_eq!(purpose.as_str().parse::<KeyPurpose>(), Ok(purpose));
        }
        assert_eq!("retiring".parse::<KeyState>(), Ok(KeyState::Retiring));
        assert!("compromised".parse::<KeyState>().is_err());
        assert!(!KeyState::Revoked.is_published() && !KeyState::Retired.is_published());
    }
}
