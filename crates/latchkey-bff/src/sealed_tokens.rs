//! A session's tokens at rest: JSON sealed with AES-256-GCM under the BFF's session key
//! (`latchkey-crypto`'s sealed box), with the row's id hash as associated data so a blob
//! copied into another row does not open. A dump of the BFF's database yields no token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::MasterKey;
use serde::{Deserialize, Serialize};

use crate::error::BffError;

/// What the BFF holds for one signed-in browser.
#[derive(Clone, Serialize, Deserialize)]
pub struct SessionTokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// The ID token's claims, shown by `GET /bff/user`.
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for SessionTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionTokens(..)")
    }
}

impl SessionTokens {
    pub fn seal(&self, key: &MasterKey, id_hash: &str) -> Result<String, BffError> {
        let json = zeroize::Zeroizing::new(
            serde_json::to_vec(self).map_err(|_| BffError::Internal("serialize tokens"))?,
        );
        let sealed = key.seal(&json, id_hash.as_bytes()).map_err(|_| BffError::Internal("seal"))?;
        Ok(URL_SAFE_NO_PAD.encode(sealed))
    }

    pub fn open(sealed: &str, key: &MasterKey, id_hash: &str) -> Result<Self, BffError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(sealed)
            .map_err(|_| BffError::Internal("sealed tokens are not base64url"))?;
        let json = key.open(&bytes, id_hash.as_bytes()).map_err(|_| BffError::Internal("open"))?;
        serde_json::from_slice(&json).map_err(|_| BffError::Internal("sealed tokens are not JSON"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> SessionTokens {
        SessionTokens {
            access_token: "at-secret".into(),
            refresh_token: Some("rt-secret".into()),
            claims: serde_json::Map::new(),
        }
    }

    #[test]
    fn sealed_tokens_open_only_in_their_row() {
        let key = MasterKey::generate().unwrap();
        let sealed = tokens().seal(&key, "row-a").unwrap();
        assert!(!sealed.contains("at-secret"));
        assert_eq!(SessionTokens::open(&sealed, &key, "row-a").unwrap().access_token, "at-secret");
        assert!(SessionTokens::open(&sealed, &key, "row-b").is_err());
        assert!(SessionTokens::open(&sealed, &MasterKey::generate().unwrap(), "row-a").is_err());
    }
}
