//! Validating an upstream ID token (OpenID Connect Core §3.1.3.7), every check of issue 10:
//!
//! - signature with a key of the provider's JWKS, chosen by `kid`; an unknown `kid` refetches
//!   the JWKS once (rate limited, see `jwks.rs`);
//! - algorithm allowlist: ES256, RS256, EdDSA only (never `none`, never HS*), and the header's
//!   `alg` must be the key's: `latchkey_crypto::verify_jwt` binds each key to one algorithm, so
//!   HS256 "signed" with the public key never reaches a verification routine;
//! - `iss` byte for byte, `aud` containing one of the accepted audiences, `azp` required when
//!   there are several audiences and always one of ours when present;
//! - `exp`, `iat` (and `nbf`) with [`LEEWAY`] seconds of clock skew, on the injected clock;
//! - `nonce` equal to the one sent; `at_hash` (§3.1.3.8 / §3.2.2.9) when present: the
//!   left half of the hash of the access token, the hash being the signature algorithm's.

use latchkey_crypto::{decode_unverified, digest, verify_jwt, Algorithm, JwsError};
use serde_json::Value;

use super::{IdTokenExpectations, ProviderConfig, Upstream, UpstreamError};

/// Allowed clock skew between us and the provider, in seconds.
pub(crate) const LEEWAY: i64 = 60;
/// Longest `sub` (OpenID Connect Core §2: at most 255 ASCII characters).
const MAX_SUBJECT_LEN: usize = 255;

type Refused = UpstreamError;

impl Upstream {
    /// Validates `id_token` from the OpenID Connect provider `p`; returns its claims.
    pub async fn validate_id_token(
        &self,
        p: &ProviderConfig,
        id_token: &str,
        expect: &IdTokenExpectations<'_>,
    ) -> Result<Value, UpstreamError> {
        let issuer = p.issuer().ok_or(Refused::IdToken("this provider does not issue ID tokens"))?;
        let metadata = self.discovery.get(&self.http, issuer, self.clock.now()).await?;
        let jwks_uri = p.overrides.jwks_uri.as_ref().unwrap_or(&metadata.jwks_uri);

        let (header, _) = decode_unverified(id_token).map_err(jws_refusal)?;
        let alg: Algorithm =
            header.alg.parse().map_err(|_| Refused::IdToken("its signing algorithm is not allowed"))?;
        let kid = header.kid.ok_or(Refused::IdToken("its header names no key (kid)"))?;
        let mut keys = self.jwks.keys(&self.http, jwks_uri, self.clock.now()).await?;
        if keys.get(&kid).is_none() {
            keys = self.jwks.refetch(&self.http, jwks_uri, self.clock.now()).await?;
        }
        let verified = verify_jwt::<Value>(id_token, &keys).map_err(jws_refusal)?;
        check_claims(&verified.claims, issuer, expect, alg, self.clock.now())?;
        Ok(verified.claims)
    }
}

fn jws_refusal(error: JwsError) -> UpstreamError {
    Refused::IdToken(match error {
        JwsError::TooLarge => "it is too large",
        JwsError::MissingKid => "its header names no key (kid)",
        JwsError::UnknownKid(_) => "it is signed with a key the provider does not publish",
        JwsError::AlgorithmMismatch { .. } => "its signing algorithm is not the algorithm of its key",
        JwsError::BadSignature => "its signature is not valid",
        JwsError::CriticalHeader => "its header has critical extensions",
        JwsError::Malformed(_) | JwsError::InvalidClaims(_) => "it is not a well-formed JWT",
    })
}

/// The claim checks, after the signature verified.
pub(crate) fn check_claims(
    claims: &Value,
    issuer: &str,
    expect: &IdTokenExpectations<'_>,
    alg: Algorithm,
    now: i64,
) -> Result<(), UpstreamError> {
    if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err(Refused::IdToken("it was issued by another issuer (iss)"));
    }
    let subject = claims.get("sub").and_then(Value::as_str).unwrap_or_default();
    if subject.is_empty() || subject.len() > MAX_SUBJECT_LEN {
        return Err(Refused::IdToken("it has no valid subject (sub)"));
    }
    check_audience(claims, expect.audiences)?;
    check_times(claims, now)?;
    if let Some(nonce) = expect.nonce {
        if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
            return Err(Refused::IdToken("its nonce is not the one sent (nonce)"));
        }
    }
    if let (Some(at_hash), Some(access_token)) = (claims.get("at_hash"), expect.access_token) {
        if at_hash.as_str() != Some(access_token_hash(alg, access_token).as_str()) {
            return Err(Refused::IdToken("its at_hash does not match the access token"));
        }
    }
    Ok(())
}

fn check_audience(claims: &Value, accepted: &[String]) -> Result<(), UpstreamError> {
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let ours = |aud: &str| accepted.iter().any(|a| a == aud);
    if !audiences.iter().any(|aud| ours(aud)) {
        return Err(Refused::IdToken("it was issued to another client (aud)"));
    }
    match claims.get("azp") {
        Some(azp) if !azp.as_str().is_some_and(ours) => {
            Err(Refused::IdToken("it was issued to another client (azp)"))
        }
        None if audiences.len() > 1 => Err(Refused::IdToken("it has several audiences but no azp")),
        _ => Ok(()),
    }
}

fn numeric_date(claims: &Value, name: &str) -> Option<i64> {
    let value = claims.get(name)?;
    // NumericDate may have a fraction (RFC 7519 §2); whole seconds are enough here.
    #[allow(clippy::cast_possible_truncation)]
    value.as_i64().or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

fn check_times(claims: &Value, now: i64) -> Result<(), UpstreamError> {
    let exp = numeric_date(claims, "exp").ok_or(Refused::IdToken("it has no expiry (exp)"))?;
    if now.saturating_sub(LEEWAY) >= exp {
        return Err(Refused::IdToken("it has expired (exp)"));
    }
    let iat = numeric_date(claims, "iat").ok_or(Refused::IdToken("it has no issue time (iat)"))?;
    if iat > now.saturating_add(LEEWAY) {
        return Err(Refused::IdToken("it was issued in the future (iat)"));
    }
    if numeric_date(claims, "nbf").is_some_and(|nbf| nbf > now.saturating_add(LEEWAY)) {
        return Err(Refused::IdToken("it is not valid yet (nbf)"));
    }
    Ok(())
}

/// `at_hash`: base64url of the left half of the access token's hash, with the hash of the
/// signature algorithm (SHA-256 for ES256/RS256; SHA-512 for Ed25519, which hashes with it).
pub(crate) fn access_token_hash(alg: Algorithm, access_token: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    match alg {
        Algorithm::ES256 | Algorithm::RS256 => {
            URL_SAFE_NO_PAD.encode(&digest::sha256(access_token.as_bytes())[..16])
        }
        Algorithm::EdDSA => URL_SAFE_NO_PAD.encode(&digest::sha512(access_token.as_bytes())[..32]),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "id_token_tests.rs"]
mod tests;
