//! Proof Key for Code Exchange (RFC 7636): every PKCE rule Latchkey applies, in one place.
//!
//! - **The challenge** ([`CodeChallenge::parse`], at the authorization endpoint): only the
//!   `S256` method (RFC 7636 §4.2, §4.3); `plain` offers no protection when the authorization
//!   request can be observed (RFC 9700 §2.1.1).
//! - **Who must use it** ([`require_for`]): every client (OAuth 2.1 §4.1.1, RFC 9700
//!   §2.1.1: a secret does not stop an injected code). A confidential legacy client may be
//!   registered without (`pkce_required` false); a public client never, having no secret to
//!   bind the code to.
//! - **The verification** ([`verify`], at the token endpoint): the verifier's form
//!   (RFC 7636 §4.1) and `BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge`
//!   (RFC 7636 §4.6), and no downgrade: a verifier for a code issued without a challenge is
//!   refused too (RFC 9700 §4.8.2).
//!
//! The S256 hash comes from the `sha2` crate rather than from `latchkey-crypto`: this crate
//! does no other cryptography, and one hash function is a small price for the whole rule to
//! live in one file (a challenge is public, so the comparison needs no constant time).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::client::ClientKind;
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

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// OAuth 2.1 §4.1.1 and RFC 9700 §2.1.1: a client must send a code challenge, unless it is a
/// confidential client registered as a legacy client without PKCE (`pkce_required` false).
pub fn require_for(
    kind: ClientKind,
    pkce_required: bool,
    challenge: Option<&CodeChallenge>,
) -> Result<(), OAuthError> {
    let required = kind == ClientKind::Public || pkce_required;
    if required && challenge.is_none() {
        return Err(OAuthError::invalid_request("code_challenge is required: use PKCE with S256"));
    }
    Ok(())
}

/// Checks a `code_verifier`'s form (RFC 7636 §4.1: 43 to 128 unreserved characters).
fn check_verifier(verifier: &str) -> Result<(), OAuthError> {
    if (43..=128).contains(&verifier.len()) && verifier.bytes().all(is_unreserved) {
        Ok(())
    } else {
        Err(OAuthError::invalid_grant("code_verifier must be 43 to 128 unreserved characters"))
    }
}

/// RFC 7636 §4.6: the token request's `code_verifier` against the `code_challenge` stored with
/// the code. Both present and matching, or both absent; anything else is `invalid_grant`.
pub fn verify(stored_challenge: Option<&str>, verifier: Option<&str>) -> Result<(), OAuthError> {
    match (stored_challenge, verifier) {
        (Some(challenge), Some(verifier)) => {
            check_verifier(verifier)?;
            if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != challenge {
                return Err(OAuthError::invalid_grant("code_verifier does not match the code_challenge"));
            }
            Ok(())
        }
        (Some(_), None) => Err(OAuthError::invalid_grant("code_verifier is required")),
        // RFC 9700 §4.8.2: a verifier for a code issued without a challenge is a downgrade.
        (None, Some(_)) => Err(OAuthError::invalid_grant("the authorization request had no code_challenge")),
        (None, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ErrorCode;

    /// RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn only_s256_is_accepted() {
        assert!(CodeChallenge::parse(CHALLENGE, Some("S256")).is_ok());
        assert!(CodeChallenge::parse(CHALLENGE, Some("plain")).is_err());
        assert!(CodeChallenge::parse(CHALLENGE, None).is_err());
        assert!(CodeChallenge::parse("short", Some("S256")).is_err());
    }

    #[test]
    fn verifier_format() {
        assert!(check_verifier(&"a".repeat(43)).is_ok());
        assert!(check_verifier(&"a".repeat(42)).is_err());
        assert!(check_verifier(&"a".repeat(129)).is_err());
        assert!(check_verifier(&format!("{}+", "a".repeat(43))).is_err());
    }

    #[test]
    fn every_client_must_send_a_challenge_but_opted_out_confidential_ones() {
        let challenge = CodeChallenge::parse(CHALLENGE, Some("S256")).unwrap();
        for kind in [ClientKind::Public, ClientKind::Confidential] {
            assert!(require_for(kind, true, Some(&challenge)).is_ok());
            assert_eq!(require_for(kind, true, None).unwrap_err().code, ErrorCode::InvalidRequest);
        }
        assert!(require_for(ClientKind::Public, false, None).is_err(), "public clients cannot opt out");
        assert!(require_for(ClientKind::Confidential, false, None).is_ok());
    }

    #[test]
    fn s256_verification_of_the_rfc_example() {
        assert!(verify(Some(CHALLENGE), Some(VERIFIER)).is_ok());
        let other = "a".repeat(43);
        assert_eq!(verify(Some(CHALLENGE), Some(&other)).unwrap_err().code, ErrorCode::InvalidGrant);
        assert_eq!(verify(Some(CHALLENGE), Some("short")).unwrap_err().code, ErrorCode::InvalidGrant);
        assert_eq!(verify(Some(CHALLENGE), None).unwrap_err().code, ErrorCode::InvalidGrant);
        assert_eq!(verify(None, Some(VERIFIER)).unwrap_err().code, ErrorCode::InvalidGrant);
        assert!(verify(None, None).is_ok());
    }
}
