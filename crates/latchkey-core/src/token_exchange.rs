//! The token-exchange grant of native apps (RFC 8693 §2.1; `docs/architecture.md`, "Native
//! apps"): an app that signed the user in with a platform SDK (Sign in with Apple, Google
//! Sign-In, Facebook Login) sends the provider's token once and gets Latchkey's tokens.
//!
//! The request rules live here: the subject token types accepted (an OpenID Connect ID token,
//! or an OAuth 2.0 access token of a provider that can inspect it), the provider selector
//! (Latchkey's `provider` parameter: the name the operator gave the provider), the nonce an
//! ID token must carry, and how a provider writes that nonce into its ID tokens (raw, as
//! Google does, or the hex SHA-256 the app passed, as Apple does). Delegation (`actor_token`)
//! is not offered, and only an access token can be requested.
//!
//! Every refusal of the subject token is `invalid_request` (RFC 8693 §2.2.2).

use std::fmt;

use sha2::{Digest, Sha256};

use crate::form::FormParams;
use crate::token_request::Secret;
use crate::OAuthError;

/// The `grant_type` (RFC 8693 §2.1).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// RFC 8693 §3 token type identifiers.
pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
/// Longest subject token accepted (ID tokens are a few kilobytes).
pub const MAX_SUBJECT_TOKEN_LEN: usize = 16 * 1024;
/// Longest nonce accepted; Latchkey's are 43 characters.
pub const MAX_NONCE_LEN: usize = 128;
/// Longest provider name accepted (names are at most 64 characters).
const MAX_PROVIDER_LEN: usize = 64;

/// What the subject token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectTokenType {
    /// An OpenID Connect ID token, validated like the browser flow's, with the provider's
    /// native client ids among the accepted audiences, and our nonce.
    IdToken,
    /// An OAuth 2.0 access token, accepted only from a provider with an inspection endpoint
    /// that says which app it was issued to (Facebook `debug_token`).
    AccessToken,
}

impl SubjectTokenType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdToken => ID_TOKEN_TYPE,
            Self::AccessToken => ACCESS_TOKEN_TYPE,
        }
    }

    fn parse(raw: &str) -> Result<Self, OAuthError> {
        match raw {
            ID_TOKEN_TYPE => Ok(Self::IdToken),
            ACCESS_TOKEN_TYPE => Ok(Self::AccessToken),
            _ => Err(OAuthError::invalid_request(
                "subject_token_type must be urn:ietf:params:oauth:token-type:id_token or ...:access_token",
            )),
        }
    }
}

/// The exchange's own parameters (the scope is parsed with every grant's).
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeParams {
    pub subject_token: Secret,
    pub subject_token_type: SubjectTokenType,
    /// The configured provider's name.
    pub provider: String,
    /// The nonce from `GET /native/nonce` the app put in its provider login (ID tokens).
    pub nonce: Option<Secret>,
}

impl ExchangeParams {
    pub fn from_form(form: &FormParams) -> Result<Self, OAuthError> {
        if form.get("actor_token").is_some() {
            return Err(OAuthError::invalid_request("delegation (actor_token) is not supported"));
        }
        if form.get("requested_token_type").is_some_and(|t| t != ACCESS_TOKEN_TYPE) {
            return Err(OAuthError::invalid_request(
                "only an access token can be requested (requested_token_type)",
            ));
        }
        let subject_token = form.require("subject_token")?;
        if subject_token.len() > MAX_SUBJECT_TOKEN_LEN {
            return Err(OAuthError::invalid_request(format!(
                "the subject_token parameter is longer than {MAX_SUBJECT_TOKEN_LEN} bytes"
            )));
        }
        let subject_token_type = SubjectTokenType::parse(form.require("subject_token_type")?)?;
        let provider = form.require("provider")?;
        if provider.len() > MAX_PROVIDER_LEN {
            return Err(OAuthError::invalid_request("unknown provider"));
        }
        let nonce = form.get("nonce");
        if nonce.is_some_and(|n| n.len() > MAX_NONCE_LEN) {
            return Err(OAuthError::invalid_request("the nonce is not one this server issued"));
        }
        if subject_token_type == SubjectTokenType::IdToken && nonce.is_none() {
            return Err(OAuthError::invalid_request(
                "nonce is required with an ID token: get one from /native/nonce and pass it to the provider's SDK",
            ));
        }
        Ok(Self {
            subject_token: Secret::new(subject_token),
            subject_token_type,
            provider: provider.to_owned(),
            nonce: nonce.map(Secret::new),
        })
    }
}

/// How a provider writes the app's nonce into its ID tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceHashing {
    /// The value the app passed to the SDK, which is our nonce (Google).
    Raw,
    /// The app passes the lower-case hex SHA-256 of our nonce to the SDK (Apple's guidance),
    /// so the token carries the hash.
    Sha256,
}

impl NonceHashing {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Sha256 => "sha256",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "raw" => Ok(Self::Raw),
            "sha256" => Ok(Self::Sha256),
            _ => Err("expected raw or sha256".to_owned()),
        }
    }

    /// The `nonce` claim an ID token must carry for our `nonce`.
    pub fn expected_claim(self, nonce: &str) -> String {
        match self {
            Self::Raw => nonce.to_owned(),
            Self::Sha256 => Sha256::digest(nonce.as_bytes()).iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

impl fmt::Display for NonceHashing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ErrorCode;

    fn parse(body: &str) -> Result<ExchangeParams, OAuthError> {
        ExchangeParams::from_form(&FormParams::parse(body.as_bytes()).unwrap())
    }

    const ID: &str = "subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token";

    #[test]
    fn id_token_exchange_needs_a_nonce_and_a_provider() {
        let ok = parse(&format!("{ID}&subject_token=eyJ.x.y&provider=google&nonce=n1")).unwrap();
        assert_eq!(ok.subject_token_type, SubjectTokenType::IdToken);
        assert_eq!(ok.provider, "google");
        assert!(!format!("{ok:?}").contains("eyJ.x.y"), "the subject token is never printed");
        for body in [
            format!("{ID}&subject_token=t&provider=google"),
            format!("{ID}&subject_token=t&nonce=n"),
            format!("{ID}&provider=google&nonce=n"),
            "subject_token=t&provider=p&nonce=n&subject_token_type=urn%3Aexample%3Asaml".to_owned(),
            format!("{ID}&subject_token=t&provider=google&nonce=n&actor_token=a"),
            format!("{ID}&subject_token=t&provider=google&nonce=n&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Arefresh_token"),
            format!("{ID}&subject_token={}&provider=google&nonce=n", "x".repeat(MAX_SUBJECT_TOKEN_LEN + 1)),
            format!("{ID}&subject_token=t&provider=google&nonce={}", "n".repeat(MAX_NONCE_LEN + 1)),
        ] {
            assert_eq!(parse(&body).unwrap_err().code, ErrorCode::InvalidRequest, "{body}");
        }
    }

    #[test]
    fn access_token_exchange_needs_no_nonce() {
        let body = "subject_token=EAAB&provider=facebook&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token";
        assert_eq!(parse(body).unwrap().subject_token_type, SubjectTokenType::AccessToken);
    }

    #[test]
    fn nonce_claims_raw_and_hashed() {
        assert_eq!(NonceHashing::Raw.expected_claim("abc"), "abc");
        // FIPS 180-2 appendix B.1: SHA-256("abc").
        assert_eq!(
            NonceHashing::Sha256.expected_claim("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        for mode in [NonceHashing::Raw, NonceHashing::Sha256] {
            assert_eq!(NonceHashing::parse(mode.as_str()).unwrap(), mode);
        }
        assert!(NonceHashing::parse("md5").is_err());
    }
}
