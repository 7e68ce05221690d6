//! Proof Key for Code Exchange (RFC 7636) and the CSRF `state` value (RFC 6749 §10.12).
//!
//! The verifier is 32 bytes from the operating system's CSPRNG, base64url-encoded without
//! padding: 43 characters of the unreserved set, the shape §4.1 recommends. Only the S256
//! method is offered (§4.2): `plain` protects nothing against an attacker who can read the
//! authorization request, and OAuth 2.1 forbids it for new clients.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::ClientError;

/// Random bytes behind a verifier or a state (RFC 7636 §7.1: at least 256 bits of entropy).
const RANDOM_BYTES: usize = 32;

fn random_b64url() -> Result<String, ClientError> {
    let mut bytes = [0u8; RANDOM_BYTES];
    getrandom::getrandom(&mut bytes).map_err(ClientError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A `code_verifier` (RFC 7636 §4.1): 43 to 128 characters of `[A-Za-z0-9-._~]`.
#[derive(Clone, PartialEq, Eq)]
pub struct PkceVerifier(String);

impl PkceVerifier {
    /// A fresh verifier from 32 random bytes.
    pub fn generate() -> Result<Self, ClientError> {
        random_b64url().map(Self)
    }

    /// Accepts an existing verifier, checking the §4.1 grammar.
    pub fn parse(value: &str) -> Result<Self, ClientError> {
        let unreserved = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
        if (43..=128).contains(&value.len()) && value.chars().all(unreserved) {
            Ok(Self(value.to_owned()))
        } else {
            Err(ClientError::Config("a PKCE verifier is 43 to 128 unreserved characters".into()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The S256 `code_challenge`: `BASE64URL(SHA256(ASCII(verifier)))` (RFC 7636 §4.2).
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes()))
    }
}

/// The verifier is a secret until the code is redeemed.
impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PkceVerifier(<redacted>)")
    }
}

/// An unguessable `state` that binds the redirect to this login attempt (RFC 6749 §10.12).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State(String);

impl State {
    pub fn generate() -> Result<Self, ClientError> {
        random_b64url().map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        // The 32 octets of Appendix B, their base64url verifier, and its S256 challenge.
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105,
            214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = PkceVerifier::parse(&URL_SAFE_NO_PAD.encode(octets)).unwrap();
        assert_eq!(verifier.as_str(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(verifier.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn generated_verifiers_are_well_formed_and_distinct() {
        let a = PkceVerifier::generate().unwrap();
        let b = PkceVerifier::generate().unwrap();
        assert_eq!(a.as_str().len(), 43);
        assert!(PkceVerifier::parse(a.as_str()).is_ok());
        assert_ne!(a, b);
        assert_ne!(State::generate().unwrap(), State::generate().unwrap());
    }

    #[test]
    fn parse_enforces_length_and_alphabet() {
        assert!(PkceVerifier::parse(&"a".repeat(42)).is_err());
        assert!(PkceVerifier::parse(&"a".repeat(43)).is_ok());
        assert!(PkceVerifier::parse(&"~".repeat(128)).is_ok());
        assert!(PkceVerifier::parse(&"a".repeat(129)).is_err());
        assert!(PkceVerifier::parse(&format!("{}+", "a".repeat(43))).is_err());
    }

    #[test]
    fn debug_hides_the_verifier() {
        let verifier = PkceVerifier::generate().unwrap();
        assert!(!format!("{verifier:?}").contains(verifier.as_str()));
    }
}
