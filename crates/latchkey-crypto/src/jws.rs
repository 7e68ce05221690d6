//! Verifying compact-serialized JWS tokens (RFC 7515 §7.1), e.g. RFC 9068 JWT access tokens
//! and OpenID Connect ID tokens.
//!
//! Hand-written on aws-lc-rs rather than taken from a JOSE library, for three reasons:
//!
//! 1. **The algorithm comes from the key, never from the token.** The `kid` in the header picks
//!    a [`VerifyingKey`](crate::VerifyingKey) from the caller's [`KeySet`]; that key was bound
//!    to one algorithm when it was loaded, and the header's `alg` must equal it exactly or the
//!    token is refused ([`JwsError::AlgorithmMismatch`]). `none`, HS256-with-the-public-key and
//!    asymmetric-algorithm swaps cannot reach a verification routine. Keys embedded in or
//!    pointed to by the token (`jwk`, `jku`, `x5u`, `x5c`; RFC 7515 §4.1.2-§4.1.6) are ignored.
//! 2. **Speed.** Verification runs on every API request the resource servers see; it must stay
//!    within a few microseconds of the raw signature check. The token is split without
//!    copying, the header and signature are decoded into stack buffers, the signature is
//!    checked over the original bytes, and the claims are deserialized from a decoded slice.
//! 3. **Scope.** Only three algorithms (ES256, RS256, EdDSA) and one serialization are needed;
//!    the whole path fits in a page and can be reviewed.
//!
//! The claims are decoded only after the signature verifies, so unauthenticated payload bytes
//! never reach serde. A `crit` header parameter fails verification (RFC 7515 §4.1.11: we
//! understand no extensions); other unknown header parameters are ignored (§4).
//! Expiry, issuer and audience (RFC 9068 §4) are the caller's job.

mod compact;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::keys::KeySet;
use compact::{parse_header, split, with_decoded, SIG_BUF_LEN};

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
pub fn verify_jwt<C: DeserializeOwned>(
    token: &str,
    keys: &KeySet,
) -> Result<Verified<C>, JwsError> {
    let parts = split(token)?;
    let header = parse_header(parts.header)?;
    if header.crit {
        return Err(JwsError::CriticalHeader);
    }
    let kid = header.kid.as_deref().ok_or(JwsError::MissingKid)?;
    let key = keys
        .get(kid)
        .ok_or_else(|| JwsError::UnknownKid(echo(kid)))?;
    if header.alg != key.alg().as_str() {
        return Err(JwsError::AlgorithmMismatch {
            header: echo(&header.alg),
            key: key.alg().as_str().to_owned(),
        });
    }

    // Signatures are at most 1024 bytes (RSA-8192); anything longer cannot verify.
    if compact::decoded_len_bound(parts.signature.len()) > SIG_BUF_LEN {
        return Err(JwsError::BadSignature);
    }
    let mut sig_buf = [0u8; SIG_BUF_LEN];
    let sig_len = compact::decode_into(parts.signature.as_bytes(), &mut sig_buf)
        .ok_or_else(|| JwsError::Malformed("the signature is not valid base64url".into()))?;
    let signature = sig_buf.get(..sig_len).unwrap_or_default();
    key.verify_raw(parts.signing_input.as_bytes(), signature)
        .map_err(|_| JwsError::BadSignature)?;

    let claims = with_decoded(parts.payload, |payload| {
        serde_json::from_slice::<C>(payload).map_err(|e| JwsError::InvalidClaims(e.to_string()))
    })
    .ok_or_else(|| JwsError::Malformed("the payload is not valid base64url".into()))??;

    Ok(Verified {
        header: header.into_public(),
        claims,
    })
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
        return Err(JwsError::Malformed(
            "the signature is not valid base64url".into(),
        ));
    }
    Ok((header.into_public(), claims))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn echo_truncates_long_attacker_strings() {
        assert_eq!(echo("short"), "short");
        let long = "é".repeat(100);
        let cut = echo(&long);
        assert_eq!(cut.chars().count(), ECHO_LIMIT + 3);
    }
}
