//! Proof Key for Code Exchange (RFC 7636). Latchkey accepts only the `S256` method: `plain`
//! offers no protection when the authorization request can be observed (RFC 9700 §2.1.1).
//!
//! This module checks the formats; the SHA-256 comparison happens where the hash function
//! lives (`latchkey-crypto`), since this crate does no cryptography.

use crate::OAuthError;

/// RFC 7636 §4.1: `code-verifier = 43*128unreserved`.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// An S256 code challenge: `BASE64URL(SHA256(verifier))`, exactly 43 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// Parses `code_challenge` and `code_challenge_method` from an authorization request.
    /// A missing method means `plain` (RFC 7636 §4.3), which is refused like an explicit one.
    pub fn parse(challenge: &str, method: Option<&str>) -> Result<Self, OAuthError> {
        match method {
            Some("S256") => {}
            Some("plain") | None => {
                return Err(OAuthError::invalid_request(
                    "code_challenge_method must be S256; plain is not accepted",
                ))
            }
            Some(_) => return Err(OAuthError::invalid_request("code_challenge_method must be S256")),
        }
        let valid = challenge.len() == 43
            && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(OAuthError::invalid_request(
                "code_challenge must be the base64url SHA-256 of the verifier (43 characters)",
            ));
        }
        Ok(Self(challenge.to_owned()))
    }

    /// A challenge read back from storage (validated when it was stored).
    pub fn from_stored(challenge: String) -> Self {
        Self(challenge)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a `code_verifier`'s form (RFC 7636 §4.1: 43 to 128 unreserved characters).
pub fn check_verifier(verifier: &str) -> Result<(), OAuthError> {
    if (43..=128).contains(&verifier.len()) && verifier.bytes().all(is_unreserved) {
        Ok(())
    } else {
        Err(OAuthError::invalid_grant("code_verifier must be 43 to 128 unreserved characters"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_s256_is_accepted() {
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(CodeChallenge::parse(challenge, Some("S256")).is_ok());
        assert!(CodeChallenge::parse(challenge, Some("plain")).is_err());
        assert!(CodeChallenge::parse(challenge, None).is_err());
        assert!(CodeChallenge::parse("short", Some("S256")).is_err());
    }

    #[test]
    fn verifier_format() {
        assert!(check_verifier(&"a".repeat(43)).is_ok());
        assert!(check_verifier(&"a".repeat(42)).is_err());
        assert!(check_verifier(&"a".repeat(129)).is_err());
        assert!(check_verifier(&format!("{}+", "a".repeat(43))).is_err());
    }
}
