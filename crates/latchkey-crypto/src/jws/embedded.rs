//! Verifying a compact JWS signed by the key it carries in its `jwk` header (RFC 7515
//! §4.1.3), as DPoP proofs are (RFC 9449 §4.2).
//!
//! This is the opposite trust model of [`crate::verify_jwt`]: the signature proves only that
//! the sender holds the private half of the embedded key, and the caller decides what that
//! key may do (for DPoP: its RFC 7638 thumbprint must match the token's `cnf.jkt`). The same
//! safeguards apply: the algorithm must be one of the caller's allowlist *and* the key's own
//! (a `none`, HMAC or swapped `alg` never reaches a verification routine), `crit` is refused,
//! and the claims are decoded only after the signature verifies. A `jwk` with a private member
//! (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, or a symmetric `k`) is refused: RFC 9449 §4.3
//! check 7, and a sender that publishes its private key has no key to prove.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use std::sync::Arc;

use super::compact::{parse_json, split, with_decoded, with_signature, Parts};
use super::JwsError;
use crate::algorithm::Algorithm;
use crate::jwk::Jwk;
use crate::keys::VerifyingKey;
use crate::memo::BoundedMemo;

/// JWK members that only a private (or symmetric) key has (RFC 7518 §6.2.2, §6.3.2, §6.4).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// A JWS whose signature verified with the public key in its own header, borrowed from the
/// token and the key cache: the payload is decoded but not parsed, so the caller can parse its
/// claims into borrowed strings (see [`EmbeddedKeyCache::verify_payload`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmbeddedKeyPayload<'a> {
    /// The algorithm it was signed with (one of the caller's allowlist).
    pub alg: Algorithm,
    /// The header's `typ`, as written.
    pub typ: Option<&'a str>,
    /// The RFC 7638 thumbprint of the embedded public key (SHA-256, base64url).
    pub thumbprint: &'a str,
    /// The decoded payload; not yet checked to be UTF-8 or JSON.
    pub payload: &'a [u8],
}

impl<'a> EmbeddedKeyPayload<'a> {
    /// The payload parsed as JSON claims `C`, which may borrow from it.
    pub fn claims<C: Deserialize<'a>>(&self) -> Result<C, JwsError> {
        parse_json(self.payload)
    }

    fn into_owned<C: DeserializeOwned>(self) -> Result<EmbeddedKeyJws<C>, JwsError> {
        Ok(EmbeddedKeyJws {
            alg: self.alg,
            typ: self.typ.map(str::to_owned),
            thumbprint: self.thumbprint.to_owned(),
            claims: self.claims()?,
        })
    }
}

/// A JWS whose signature verified with the public key in its own header.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddedKeyJws<C> {
    /// The algorithm it was signed with (one of the caller's allowlist).
    pub alg: Algorithm,
    /// The header's `typ`, as written.
    pub typ: Option<String>,
    /// The RFC 7638 thumbprint of the embedded public key (SHA-256, base64url).
    pub thumbprint: String,
    /// The payload, deserialized.
    pub claims: C,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    jwk: Option<Map<String, Value>>,
    #[serde(default)]
    crit: Option<Value>,
}

fn malformed(reason: &str) -> JwsError {
    JwsError::Malformed(reason.to_owned())
}

/// What one header segment says: its algorithm, `typ`, and the embedded key, parsed.
struct HeaderKey {
    alg: Algorithm,
    typ: Option<String>,
    thumbprint: String,
    key: VerifyingKey,
}

/// Parses a header segment and the key in it, for one of the `allowed` algorithms.
fn header_key(segment: &str, allowed: &[Algorithm]) -> Result<HeaderKey, JwsError> {
    let header = with_decoded(segment, |bytes| serde_json::from_slice::<Header>(bytes))
        .ok_or_else(|| malformed("the header is not valid base64url"))?
        .map_err(|_| malformed("the header is not a JSON object with a string \"alg\""))?;
    if header.crit.is_some() {
        return Err(JwsError::CriticalHeader);
    }
    let alg: Algorithm = header
        .alg
        .parse()
        .ok()
        .filter(|alg| allowed.contains(alg))
        .ok_or_else(|| malformed("the \"alg\" is not one of the asymmetric algorithms allowed here"))?;
    let members = header.jwk.ok_or_else(|| malformed("the header has no \"jwk\""))?;
    if PRIVATE_MEMBERS.iter().any(|name| members.contains_key(*name)) {
        return Err(malformed("the \"jwk\" contains a private key member"));
    }
    let mut jwk: Jwk = serde_json::from_value(Value::Object(members))
        .map_err(|_| malformed("the \"jwk\" is not a JSON Web Key"))?;
    let thumbprint = jwk.thumbprint().map_err(|_| malformed("the \"jwk\" is not a usable public key"))?;
    // The key's own id and use are the sender's words, not ours: name it by its thumbprint.
    jwk.kid = Some(thumbprint.clone());
    jwk.use_ = None;
    let key =
        VerifyingKey::from_jwk(&jwk).map_err(|_| malformed("the \"jwk\" is not a usable public key"))?;
    if key.alg() != alg {
        return Err(JwsError::AlgorithmMismatch { header: alg.to_string(), key: key.alg().to_string() });
    }
    Ok(HeaderKey { alg, typ: header.typ, thumbprint, key })
}

/// The signature check with the header's key, then `f` on the decoded payload.
fn verify_parts<R>(
    parts: &Parts<'_>,
    header: &HeaderKey,
    f: impl FnOnce(EmbeddedKeyPayload<'_>) -> Result<R, JwsError>,
) -> Result<R, JwsError> {
    with_signature(parts.signature, |signature| {
        header.key.verify_raw(parts.signing_input.as_bytes(), signature)
    })?
    .map_err(|_| JwsError::BadSignature)?;
    with_decoded(parts.payload, |payload| {
        f(EmbeddedKeyPayload {
            alg: header.alg,
            typ: header.typ.as_deref(),
            thumbprint: &header.thumbprint,
            payload,
        })
    })
    .ok_or_else(|| malformed("the payload is not valid base64url"))?
}

fn split_bounded(token: &str) -> Result<Parts<'_>, JwsError> {
    if token.len() > super::MAX_TOKEN_LEN {
        return Err(JwsError::TooLarge);
    }
    split(token)
}

/// Verifies `token` with the public JWK in its header, for one of the `allowed` algorithms.
pub fn verify_with_embedded_jwk<C: DeserializeOwned>(
    token: &str,
    allowed: &[Algorithm],
) -> Result<EmbeddedKeyJws<C>, JwsError> {
    let parts = split_bounded(token)?;
    verify_parts(&parts, &header_key(parts.header, allowed)?, |signed| signed.into_owned())
}

/// Header segments the cache holds before it starts over.
const CACHE_CAPACITY: usize = 4096;

/// [`verify_with_embedded_jwk`] that remembers the keys of headers that verified. A client
/// sends the same header (same `typ`, `alg` and key) with every proof, so its next proof skips
/// the JWK parse and thumbprint, which cost as much as an RS256 signature check. A
/// byte-identical segment parses to the same header, so the cache changes no outcome; only
/// headers whose signature verified are kept ([`BoundedMemo`]), so an entry costs a sender a
/// signature with a key of its own.
pub struct EmbeddedKeyCache {
    known: BoundedMemo<Arc<HeaderKey>>,
}

impl Default for EmbeddedKeyCache {
    fn default() -> Self {
        Self { known: BoundedMemo::new(CACHE_CAPACITY) }
    }
}

impl std::fmt::Debug for EmbeddedKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedKeyCache").finish_non_exhaustive()
    }
}

impl EmbeddedKeyCache {
    /// As [`verify_with_embedded_jwk`].
    pub fn verify<C: DeserializeOwned>(
        &self,
        token: &str,
        allowed: &[Algorithm],
    ) -> Result<EmbeddedKeyJws<C>, JwsError> {
        self.verify_payload(token, allowed, |signed| signed.into_owned())
    }

    /// Verifies `token` as [`verify_with_embedded_jwk`] does, then hands the verified header
    /// and decoded payload to `f` (only when the signature verified), so that claims can be
    /// parsed and checked without copying them out.
    pub fn verify_payload<R>(
        &self,
        token: &str,
        allowed: &[Algorithm],
        f: impl FnOnce(EmbeddedKeyPayload<'_>) -> Result<R, JwsError>,
    ) -> Result<R, JwsError> {
        let parts = split_bounded(token)?;
        if let Some(header) = self.known.get(parts.header).filter(|header| allowed.contains(&header.alg)) {
            return verify_parts(&parts, &header, f);
        }
        let header = Arc::new(header_key(parts.header, allowed)?);
        let verified = verify_parts(&parts, &header, f)?;
        self.known.insert(parts.header, header);
        Ok(verified)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::SigningKey;
    use serde_json::json;

    fn proof(key: &SigningKey, header: Value) -> String {
        key.sign_with_header(&header, &json!({"jti": "x"})).unwrap()
    }

    fn header_for(key: &SigningKey) -> Value {
        let mut jwk = serde_json::to_value(key.public_jwk()).unwrap();
        jwk.as_object_mut().unwrap().remove("kid");
        json!({"typ": "dpop+jwt", "alg": key.alg().as_str(), "jwk": jwk})
    }

    #[test]
    fn verifies_each_algorithm_and_names_the_key_by_its_thumbprint() {
        for alg in Algorithm::ALL {
            let key = SigningKey::generate(alg).unwrap();
            let token = proof(&key, header_for(&key));
            let verified = verify_with_embedded_jwk::<Value>(&token, &Algorithm::ALL).unwrap();
            assert_eq!(verified.alg, alg);
            assert_eq!(verified.thumbprint, key.kid());
            assert_eq!(verified.typ.as_deref(), Some("dpop+jwt"));
        }
    }

    #[test]
    fn refuses_algorithms_outside_the_allowlist_or_not_the_keys() {
        let key = SigningKey::generate(Algorithm::ES256).unwrap();
        let token = proof(&key, header_for(&key));
        assert!(verify_with_embedded_jwk::<Value>(&token, &[Algorithm::EdDSA]).is_err());
        for alg in ["none", "HS256", "EdDSA", "RS256"] {
            let mut header = header_for(&key);
            header["alg"] = json!(alg);
            let token = proof(&key, header);
            assert!(verify_with_embedded_jwk::<Value>(&token, &Algorithm::ALL).is_err(), "{alg}");
        }
    }

    #[test]
    fn refuses_private_members_crit_a_missing_jwk_and_another_signer() {
        let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
        for (name, value) in [("d", json!("AAAA")), ("k", json!("AAAA"))] {
            let mut header = header_for(&key);
            header["jwk"][name] = value;
            assert!(verify_with_embedded_jwk::<Value>(&proof(&key, header), &Algorithm::ALL).is_err());
        }
        let mut header = header_for(&key);
        header["crit"] = json!(["x"]);
        let err = verify_with_embedded_jwk::<Value>(&proof(&key, header), &Algorithm::ALL).unwrap_err();
        assert_eq!(err, JwsError::CriticalHeader);
        let mut header = header_for(&key);
        header.as_object_mut().unwrap().remove("jwk");
        assert!(verify_with_embedded_jwk::<Value>(&proof(&key, header), &Algorithm::ALL).is_err());

        let other = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let forged = proof(&other, header_for(&key));
        let err = verify_with_embedded_jwk::<Value>(&forged, &Algorithm::ALL).unwrap_err();
        assert_eq!(err, JwsError::BadSignature);
    }

    #[test]
    fn the_cache_remembers_only_verified_headers_and_changes_no_outcome() {
        let cache = EmbeddedKeyCache::default();
        let key = SigningKey::generate(Algorithm::RS256).unwrap();
        let other = SigningKey::generate(Algorithm::RS256).unwrap();
        let forged = proof(&other, header_for(&key));
        assert_eq!(cache.verify::<Value>(&forged, &Algorithm::ALL).unwrap_err(), JwsError::BadSignature);
        assert!(cache.known.is_empty(), "a forged proof is not remembered");
        let genuine = proof(&key, header_for(&key));
        for _ in 0..2 {
            assert_eq!(cache.verify::<Value>(&genuine, &Algorithm::ALL).unwrap().thumbprint, key.kid());
        }
        assert_eq!(cache.known.len(), 1);
        assert_eq!(cache.verify::<Value>(&forged, &Algorithm::ALL).unwrap_err(), JwsError::BadSignature);
        assert!(cache.verify::<Value>(&genuine, &[Algorithm::ES256]).is_err(), "the allowlist still applies");
    }
}
