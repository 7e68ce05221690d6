//! The three JWS signature algorithms Latchkey implements, by their registered names.
//!
//! - `ES256`: ECDSA on P-256 with SHA-256 (RFC 7518 §3.4). The default: small keys and
//!   signatures, and universally supported by OIDC relying parties.
//! - `RS256`: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3). Mandatory for OpenID Connect
//!   Core §15.1 interoperability, so it stays available.
//! - `EdDSA`: Ed25519 (RFC 8037 §3.1).
//!
//! `none` and the HMAC algorithms are deliberately absent: the type cannot even name them, so a
//! token header that says `none` or `HS256` can never select a verification path.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::CryptoError;

/// A JWS signature algorithm (RFC 7518 §3.1 / RFC 8037 §3.1 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Algorithm {
    /// ECDSA P-256 SHA-256, 64-byte `R || S` signatures (RFC 7518 §3.4).
    ES256,
    /// RSASSA-PKCS1-v1_5 SHA-256, keys of at least 2048 bits (RFC 7518 §3.3).
    RS256,
    /// Ed25519 (RFC 8037 §3.1).
    EdDSA,
}

impl Algorithm {
    /// Every supported algorithm, in order of preference.
    pub const ALL: [Algorithm; 3] = [Algorithm::ES256, Algorithm::EdDSA, Algorithm::RS256];

    /// The registered `alg` name, exactly as it appears in JWS headers and JWKs.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::ES256 => "ES256",
            Algorithm::RS256 => "RS256",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// The JWK `kty` of keys for this algorithm (RFC 7518 §6.1, RFC 8037 §2).
    pub fn kty(self) -> &'static str {
        match self {
            Algorithm::ES256 => "EC",
            Algorithm::RS256 => "RSA",
            Algorithm::EdDSA => "OKP",
        }
    }

    /// The JWK `crv` of keys for this algorithm, if the key type has curves.
    pub fn crv(self) -> Option<&'static str> {
        match self {
            Algorithm::ES256 => Some("P-256"),
            Algorithm::RS256 => None,
            Algorithm::EdDSA => Some("Ed25519"),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = CryptoError;

    /// Parses a registered name; exact and case-sensitive, as JWS `alg` values are (RFC 7515 §4.1.1).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ES256" => Ok(Algorithm::ES256),
            "RS256" => Ok(Algorithm::RS256),
            "EdDSA" => Ok(Algorithm::EdDSA),
            other => Err(CryptoError::UnsupportedAlgorithm(other.to_owned())),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_display_fromstr_and_serde() {
        for alg in Algorithm::ALL {
            assert_eq!(alg.to_string().parse::<Algorithm>().unwrap(), alg);
            let json = serde_json::to_string(&alg).unwrap();
            assert_eq!(json, format!("\"{}\"", alg.as_str()));
            assert_eq!(serde_json::from_str::<Algorithm>(&json).unwrap(), alg);
        }
    }

    #[test]
    fn rejects_other_names_and_says_what_is_supported() {
        for bad in ["none", "HS256", "es256", "Ed25519", ""] {
            let err = bad.parse::<Algorithm>().unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains("ES256") && msg.contains("RS256") && msg.contains("EdDSA"), "{msg}");
            assert!(serde_json::from_str::<Algorithm>(&format!("\"{bad}\"")).is_err());
        }
    }
}
