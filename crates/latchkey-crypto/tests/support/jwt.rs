//! What the JWT tests share: key sets as a resource server builds them, forged tokens.
#![allow(dead_code)] // each test file uses part of it

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::{Algorithm, JwkSet, KeySet, SigningKey};

use crate::access_claims::claims;

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The key set a resource server builds: JWKS serialized to JSON and parsed back.
pub fn published(keys: &[&SigningKey]) -> KeySet {
    let jwks = JwkSet { keys: keys.iter().map(|k| k.public_jwk()).collect() };
    let json = serde_json::to_string(&jwks).unwrap();
    let parsed: JwkSet = serde_json::from_str(&json).unwrap();
    let (set, errors) = KeySet::from_jwks(&parsed);
    assert!(errors.is_empty(), "{errors:?}");
    set
}

/// A token with an arbitrary header and payload, signed by `signer` (or with `sig` appended).
pub fn forge(header: &str, payload: &str, signer: Option<&SigningKey>) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let sig = signer.map(|k| k.sign_raw(input.as_bytes()).unwrap()).unwrap_or_default();
    format!("{input}.{}", b64(&sig))
}

pub fn payload_json() -> String {
    serde_json::to_string(&claims()).unwrap()
}

pub fn keys() -> Vec<SigningKey> {
    Algorithm::ALL.iter().map(|&alg| SigningKey::generate(alg).unwrap()).collect()
}
