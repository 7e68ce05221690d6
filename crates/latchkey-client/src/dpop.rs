//! DPoP for the SDK (RFC 9449): a key pair per grant whose private half never leaves the
//! process (or the token store), a fresh proof for every token request and API call, and the
//! server nonces (§8, §9) remembered per origin, so that after one `use_dpop_nonce` the next
//! requests to that origin carry the nonce from the start.
//!
//! Proofs are signed by `latchkey-crypto` (ES256 by default) and carry the `ath` of the access
//! token they accompany (`latchkey_core::dpop::access_token_hash`, the rule the server and
//! the guard check).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use latchkey_core::dpop::{access_token_hash, NONCE_HEADER, PROOF_TYP};
use latchkey_crypto::{random, Algorithm, SigningKey};
use reqwest::header::HeaderMap;
use reqwest::Url;
use serde_json::json;

use crate::error::ClientError;

/// A DPoP key pair. The public key goes into every proof; tokens are bound to its thumbprint.
pub struct DpopKey {
    key: SigningKey,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey").field("thumbprint", &self.thumbprint()).finish_non_exhaustive()
    }
}

fn key_error(error: latchkey_crypto::CryptoError) -> ClientError {
    ClientError::Config(format!("DPoP key: {error}"))
}

impl DpopKey {
    /// A new ES256 (P-256) key.
    pub fn generate() -> Result<Self, ClientError> {
        SigningKey::generate(Algorithm::ES256).map(|key| Self { key }).map_err(key_error)
    }

    /// A key saved with [`to_pkcs8`](Self::to_pkcs8).
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, ClientError> {
        SigningKey::from_pkcs8(Algorithm::ES256, der).map(|key| Self { key }).map_err(key_error)
    }

    /// The private key as PKCS#8 DER, for a token store; keep it as secret as the refresh token.
    pub fn to_pkcs8(&self) -> Result<Vec<u8>, ClientError> {
        self.key.to_pkcs8().map(|der| der.to_vec()).map_err(key_error)
    }

    /// The RFC 7638 thumbprint: the `cnf.jkt` of the tokens bound to this key.
    pub fn thumbprint(&self) -> &str {
        self.key.kid()
    }

    /// A proof for `method` on `url` (query and fragment dropped, RFC 9449 §4.2), with the
    /// hash of `access_token` and `nonce` when given.
    pub(crate) fn proof(
        &self,
        method: &str,
        url: &Url,
        access_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<String, ClientError> {
        let mut htu = url.clone();
        htu.set_query(None);
        htu.set_fragment(None);
        let mut jwk = self.key.public_jwk();
        (jwk.kid, jwk.use_, jwk.alg) = (None, None, None);
        let header = json!({ "typ": PROOF_TYP, "alg": self.key.alg().as_str(), "jwk": jwk });
        let jti = random::token(16).map_err(key_error)?;
        let mut claims = json!({ "jti": jti, "htm": method, "htu": htu.as_str(), "iat": now() });
        if let Some(token) = access_token {
            claims["ath"] = access_token_hash(token).into();
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = nonce.into();
        }
        self.key.sign_with_header(&header, &claims).map_err(key_error)
    }
}

/// Proofs are dated by the system clock: the server judges them by its own.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The last `DPoP-Nonce` each origin sent.
#[derive(Debug, Default)]
pub(crate) struct NonceCache(Mutex<HashMap<String, String>>);

impl NonceCache {
    pub(crate) fn get(&self, url: &Url) -> Option<String> {
        self.0.lock().ok()?.get(&url.origin().ascii_serialization()).cloned()
    }

    /// Remembers the nonce of a response from `url`; true when it carried one.
    pub(crate) fn remember(&self, url: &Url, headers: &HeaderMap) -> bool {
        let Some(nonce) = headers.get(NONCE_HEADER).and_then(|v| v.to_str().ok()) else { return false };
        if let Ok(mut nonces) = self.0.lock() {
            nonces.insert(url.origin().ascii_serialization(), nonce.to_owned());
        }
        true
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use latchkey_crypto::jws::verify_with_embedded_jwk;

    #[test]
    fn a_proof_verifies_with_its_key_and_names_the_request() {
        let key = DpopKey::generate().unwrap();
        let url = Url::parse("https://bank.example/accounts?page=2#top").unwrap();
        let proof = key.proof("GET", &url, Some("the-token"), Some("n1")).unwrap();
        let signed = verify_with_embedded_jwk::<serde_json::Value>(&proof, &Algorithm::ALL).unwrap();
        assert_eq!(signed.thumbprint, key.thumbprint());
        assert_eq!(signed.typ.as_deref(), Some(PROOF_TYP));
        assert_eq!(signed.claims["htu"], "https://bank.example/accounts");
        assert_eq!(signed.claims["ath"], access_token_hash("the-token"));
        assert_eq!(signed.claims["nonce"], "n1");
        let again = DpopKey::from_pkcs8(&key.to_pkcs8().unwrap()).unwrap();
        assert_eq!(again.thumbprint(), key.thumbprint());
    }

    #[test]
    fn nonces_are_kept_per_origin() {
        let cache = NonceCache::default();
        let a = Url::parse("https://a.example/token").unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(NONCE_HEADER, "n-a".parse().unwrap());
        assert!(cache.remember(&a, &headers));
        assert_eq!(cache.get(&Url::parse("https://a.example/other").unwrap()).as_deref(), Some("n-a"));
        assert_eq!(cache.get(&Url::parse("https://b.example/token").unwrap()), None);
        assert!(!cache.remember(&a, &HeaderMap::new()));
    }
}
