//! Verifying compact-serialized JWS tokens (RFC 7515 §7.1), e.g. RFC 9068 JWT access tokens
//! and OpenID Connect ID tokens.
//!
//! Hand-written on aws-lc-rs rather than taken from a JOSE library, for three reasons:
//!
//! 1. **The algorithm comes from the key, never from the token.** The `kid` in the header picks
//!    a [`VerifyingKey`] from the caller's [`KeySet`]; that key was bound to one algorithm when
//!    it was loaded, and the header's `alg` must equal it exactly or the token is refused
//!    ([`JwsError::AlgorithmMismatch`]). `none`, HS256-with-the-public-key and
//!    asymmetric-algorithm swaps cannot reach a verification routine. Keys embedded in or
//!    pointed to by the token (`jwk`, `jku`, `x5u`, `x5c`; RFC 7515 §4.1.2-§4.1.6) are ignored.
//! 2. **Speed.** Verification runs on every API request the resource servers see; it must stay
//!    within a few microseconds of the raw signature check. The token is split without
//!    copying (vectorized dot search), base64url is decoded with SIMD into uninitialized stack
//!    buffers, the signature is checked over the original bytes, and the claims are
//!    deserialized straight from the decoded slice. Each key also remembers the few header
//!    encodings that have verified with it (all tokens of one issuer, key and `typ` share one),
//!    so the header is parsed once per kind of token rather than once per token; see
//!    [`verify_jwt_with`] for why that cannot change an outcome.
//! 3. **Scope.** Only three algorithms (ES256, RS256, EdDSA) and one serialization are needed;
//!    the whole path fits in a page and can be reviewed.
//!
//! The claims are decoded only after the signature verifies, so unauthenticated payload bytes
//! never reach serde. A `crit` header parameter fails verification (RFC 7515 §4.1.11: we
//! understand no extensions); other unknown header parameters are ignored (§4).
//! Expiry, issuer and audience (RFC 9068 §4) are the caller's job.

mod compact;
mod embedded;

pub use embedded::{verify_with_embedded_jwk, EmbeddedKeyCache, EmbeddedKeyJws, EmbeddedKeyPayload};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::keys::{KeySet, VerifyingKey};
use compact::{parse_header, parse_json, split, with_decoded};

/// Largest token accepted, in bytes. Ours are under 2 KiB; the limit bounds the work an
/// attacker can make a verifier do before the signature check.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The JOSE header members Latchkey reads (RFC 7515 §4.1). Unknown members are ignored.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct JwsHeader {
    /// The algorithm the token claims (RFC 7515 §4.1.1); must equal the key's.
    pub alg: String,
    /// Media type of the token, e.g. `at+jwt` for RFC 9068 access tokens (RFC 7515 §4.1.9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// The id of the key that signed it (RFC 7515 §4.1.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

/// A token whose signature verified, with its header and claims.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified<C> {
    /// The protected header.
    pub header: JwsHeader,
    /// The payload, deserialized.
    pub claims: C,
}

/// Why a token was refused.
#[derive(Debug, Error, PartialEq)]
pub enum JwsError {
    /// Longer than [`MAX_TOKEN_LEN`].
    #[error("the token is longer than {MAX_TOKEN_LEN} bytes")]
    TooLarge,
    /// Not a well-formed compact JWS.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The header names no key.
    #[error("the token header has no \"kid\", so no key can be chosen to verify it")]
    MissingKid,
    /// No key with this kid is known (possibly truncated for the log).
    #[error("no key with id \"{0}\" is known")]
    UnknownKid(String),
    /// The header's `alg` is not the key's algorithm.
    #[error("the token header says alg \"{header}\" but its key is for {key}")]
    AlgorithmMismatch {
        /// What the header claimed (possibly truncated for the log).
        header: String,
        /// The key's algorithm.
        key: String,
    },
    /// The signature does not verify.
    #[error("the token signature is not valid")]
    BadSignature,
    /// The header has a `crit` parameter (RFC 7515 §4.1.11).
    #[error("the token header has a \"crit\" parameter, and this server supports no critical extensions")]
    CriticalHeader,
    /// The payload is not the expected claims JSON.
    #[error("the token claims are not valid: {0}")]
    InvalidClaims(String),
}

/// Attacker-chosen strings are cut to this many characters before they go into an error.
const ECHO_LIMIT: usize = 64;

fn echo(text: &str) -> String {
    match text.char_indices().nth(ECHO_LIMIT) {
        Some((cut, _)) => format!("{}...", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

/// Verifies a compact JWS with the key named by its `kid` in `keys`.
///
/// The algorithm used is the key's; the header's `alg` must equal it exactly, else
/// [`JwsError::AlgorithmMismatch`]. Does not check `exp`, `nbf`, `iss` or `aud`: the caller
/// does, with its own clock and configuration.
pub fn verify_jwt<C: DeserializeOwned>(token: &str, keys: &KeySet) -> Result<Verified<C>, JwsError> {
    verify_jwt_with(token, keys, |header, claims| Verified { header: header.clone(), claims })
}

/// [`verify_jwt`] that lends the header to `f` instead of copying it into the result: on the
/// common path it is the key's memo of this header segment, so a caller that only reads a
/// member or two (a resource server's `typ` and `kid` on every request) allocates nothing for
/// the header. `f` runs only once the signature has verified and the claims have parsed.
pub fn verify_jwt_with<C: DeserializeOwned, R>(
    token: &str,
    keys: &KeySet,
    f: impl FnOnce(&JwsHeader, C) -> R,
) -> Result<R, JwsError> {
    let parts = split(token)?;

    // Fast path: this exact header segment already verified with a key of the set (the common
    // case: every token of one issuer, key and `typ` has the same header). Byte-identical
    // input parses to the same header, so the checks below (no `crit`, kid names this key,
    // alg is this key's) already passed for it; only the signature and claims remain.
    if let Some((key, header)) = keys.find_by_header(parts.header) {
        check_signature(&parts, key)?;
        return Ok(f(header, decode_claims(&parts)?));
    }

    let header = parse_header(parts.header)?;
    if header.crit {
        return Err(JwsError::CriticalHeader);
    }
    let kid = header.kid.as_deref().ok_or(JwsError::MissingKid)?;
    let key = keys.get(kid).ok_or_else(|| JwsError::UnknownKid(echo(kid)))?;
    if header.alg != key.alg().as_str() {
        return Err(JwsError::AlgorithmMismatch {
            header: echo(&header.alg),
            key: key.alg().as_str().to_owned(),
        });
    }
    check_signature(&parts, key)?;
    let header = header.into_public();
    key.remember_header(parts.header, &header);
    Ok(f(&header, decode_claims(&parts)?))
}

/// Checks the signature over the original `header.payload` bytes with `key`'s algorithm.
#[inline]
fn check_signature(parts: &compact::Parts<'_>, key: &VerifyingKey) -> Result<(), JwsError> {
    compact::with_signature(parts.signature, |signature| {
        key.verify_raw(parts.signing_input.as_bytes(), signature)
    })?
    .map_err(|_| JwsError::BadSignature)
}

/// Decodes and deserializes the payload; called only once the signature has verified.
#[inline]
fn decode_claims<C: DeserializeOwned>(parts: &compact::Parts<'_>) -> Result<C, JwsError> {
    with_decoded(parts.payload, |payload| parse_json::<C>(payload))
        .ok_or_else(|| JwsError::Malformed("the payload is not valid base64url".into()))?
}

/// Decodes the header and claims without verifying anything, for the `token inspect`
/// debugger. Same size and format checks as [`verify_jwt`]; a `crit` header is not an error
/// here (nothing is being relied on), and the signature part is only checked to be base64url.
pub fn decode_unverified(token: &str) -> Result<(JwsHeader, serde_json::Value), JwsError> {
    let parts = split(token)?;
    let header = parse_header(parts.header)?;
    let claims = with_decoded(parts.payload, |payload| {
        serde_json::from_slice::<serde_json::Value>(payload)
            .map_err(|e| JwsError::InvalidClaims(e.to_string()))
    })
    .ok_or_else(|| JwsError::Malformed("the payload is not valid base64url".into()))??;
    if !compact::is_base64url(parts.signature) {
        return Err(JwsError::Malformed("the signature is not valid base64url".into()));
    }
    Ok((header.into_public(), claims))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    use crate::{Algorithm, SigningKey};

    #[test]
    fn only_headers_of_verified_tokens_are_remembered() {
        let victim = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let attacker = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let keys = KeySet::new(vec![victim.verifying_key()]);
        let claims = serde_json::json!({"sub": "a"});

        // Same header (same kid, alg, typ), signed by the wrong key: refused, not remembered.
        let forged = attacker.sign_jwt("at+jwt", &claims).unwrap();
        let forged = forged.replacen(
            forged.split('.').next().unwrap(),
            victim.sign_jwt("at+jwt", &claims).unwrap().split('.').next().unwrap(),
            1,
        );
        let segment = forged.split('.').next().unwrap().to_owned();
        assert_eq!(verify_jwt::<serde_json::Value>(&forged, &keys).unwrap_err(), JwsError::BadSignature);
        assert!(keys.find_by_header(&segment).is_none());

        // The genuine token is remembered, with the header it parsed to.
        let genuine = victim.sign_jwt("at+jwt", &claims).unwrap();
        let verified = verify_jwt::<serde_json::Value>(&genuine, &keys).unwrap();
        let (key, header) = keys.find_by_header(&segment).unwrap();
        assert_eq!(key.kid(), victim.kid());
        assert_eq!(header, &verified.header);

        // And the forged token is still refused on the remembered path.
        assert_eq!(verify_jwt::<serde_json::Value>(&forged, &keys).unwrap_err(), JwsError::BadSignature);
    }

    #[test]
    fn claims_must_be_utf8_even_where_they_are_not_read() {
        #[derive(Deserialize)]
        struct Subject {
            #[allow(dead_code)]
            sub: String,
        }
        let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let keys = KeySet::new(vec![key.verifying_key()]);
        let header = crate::b64::encode(format!(r#"{{"alg":"EdDSA","kid":"{}"}}"#, key.kid()).as_bytes());
        let sign = |payload: &[u8]| {
            let input = format!("{header}.{}", crate::b64::encode(payload));
            format!("{input}.{}", crate::b64::encode(&key.sign_raw(input.as_bytes()).unwrap()))
        };
        assert!(verify_jwt::<Subject>(&sign(br#"{"sub":"a","x":"ok"}"#), &keys).is_ok());
        // RFC 7519 §7.2 step 9: the claims set is UTF-8, also in a claim nobody reads.
        let invalid = sign(b"{\"sub\":\"a\",\"x\":\"\xff\"}");
        assert!(matches!(verify_jwt::<Subject>(&invalid, &keys), Err(JwsError::InvalidClaims(_))));
    }

    #[test]
    fn echo_truncates_long_attacker_strings() {
        assert_eq!(echo("short"), "short");
        let long = "é".repeat(100);
        let cut = echo(&long);
        assert_eq!(cut.chars().count(), ECHO_LIMIT + 3);
    }
}
