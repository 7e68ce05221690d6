//! The set of verifying keys a verifier accepts, looked up by `kid` (RFC 7515 §4.1.4).
//!
//! Key sets are small (the current key plus one or two during rotation, or a peer's JWKS), so
//! lookup is a linear scan over a vector: for a handful of 43-byte kids that is faster than
//! hashing the kid, and it keeps the JWKS order.

use std::fmt;

use super::verifying::VerifyingKey;
use crate::error::CryptoError;
use crate::jwk::JwkSet;
use crate::jws::JwsHeader;

/// Verifying keys by `kid`. Each kid appears once; the first key with a given kid wins.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: Vec<VerifyingKey>,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.keys.iter()).finish()
    }
}

impl KeySet {
    /// A set of `keys`; later keys whose kid is already present are dropped.
    pub fn new(keys: Vec<VerifyingKey>) -> Self {
        let mut set = KeySet { keys: Vec::with_capacity(keys.len()) };
        for key in keys {
            // Duplicates are dropped silently here; `from_jwks` reports them.
            let _ = set.insert(key);
        }
        set
    }

    /// Builds a set from a JWKS (RFC 7517 §5), as fetched from a `jwks_uri`. Keys that cannot
    /// verify signatures (an `enc` key, an unknown `kty`, a short RSA key, no `kid`, a
    /// duplicate `kid`, ...) are skipped and reported, so one bad entry does not take the
    /// others down (RFC 7517 §5: "implementations SHOULD ignore JWKs ... they do not
    /// understand").
    pub fn from_jwks(set: &JwkSet) -> (Self, Vec<CryptoError>) {
        let mut keys = KeySet::default();
        let mut errors = Vec::new();
        for jwk in &set.keys {
            match VerifyingKey::from_jwk(jwk) {
                Ok(key) => {
                    if let Err(e) = keys.insert(key) {
                        errors.push(e);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        (keys, errors)
    }

    /// Adds `key` unless a key with the same kid is already present.
    pub fn insert(&mut self, key: VerifyingKey) -> Result<(), CryptoError> {
        if self.get(key.kid()).is_some() {
            return Err(CryptoError::DuplicateKid(key.kid().to_owned()));
        }
        self.keys.push(key);
        Ok(())
    }

    /// The key named `kid`.
    #[inline]
    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|key| key.kid() == kid)
    }

    /// The key that has already verified a token with exactly this header segment, and the
    /// header it parsed to (see [`VerifyingKey::known_header`]).
    #[inline]
    pub(crate) fn find_by_header(&self, segment: &str) -> Option<(&VerifyingKey, &JwsHeader)> {
        self.keys.iter().find_map(|key| key.known_header(segment).map(|header| (key, header)))
    }

    /// Whether the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// The kids, in insertion order.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(VerifyingKey::kid)
    }

    /// The keys, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &VerifyingKey> {
        self.keys.iter()
    }

    /// The public JWKS of these keys, for serving at a `jwks_uri`.
    pub fn to_jwks(&self) -> JwkSet {
        JwkSet { keys: self.keys.iter().map(|key| key.jwk().clone()).collect() }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::{Algorithm, Jwk, SigningKey};

    #[test]
    fn from_jwks_skips_and_reports_unusable_keys() {
        let good = SigningKey::generate(Algorithm::EdDSA).unwrap().public_jwk();
        let mut enc = SigningKey::generate(Algorithm::ES256).unwrap().public_jwk();
        enc.use_ = Some("enc".into());
        let oct: Jwk = serde_json::from_str(r#"{"kty":"oct","kid":"h","k":"c2VjcmV0"}"#).unwrap();
        let set = JwkSet { keys: vec![good.clone(), enc, oct, good.clone()] };
        let (keys, errors) = KeySet::from_jwks(&set);
        assert_eq!(keys.len(), 1);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(matches!(errors[2], CryptoError::DuplicateKid(_)));
        assert!(keys.get(good.kid.as_deref().unwrap()).is_some());
        assert!(keys.get("nope").is_none());
        assert_eq!(keys.kids().collect::<Vec<_>>(), vec![good.kid.as_deref().unwrap()]);
        assert_eq!(keys.to_jwks().keys, vec![good]);
    }

    #[test]
    fn new_keeps_the_first_of_duplicate_kids() {
        let a = SigningKey::generate(Algorithm::ES256).unwrap().verifying_key();
        let b = SigningKey::generate(Algorithm::EdDSA).unwrap().verifying_key();
        let set = KeySet::new(vec![a.clone(), b.clone(), a.clone()]);
        assert_eq!(set.len(), 2);
        assert!(!set.is_empty());
        assert!(KeySet::default().is_empty());
        assert_eq!(set.get(a.kid()).unwrap().alg(), Algorithm::ES256);
    }
}
