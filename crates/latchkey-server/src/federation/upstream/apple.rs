//! Apple's client secret. Sign in with Apple does not take a fixed secret: the "client secret"
//! is a JWT signed (ES256) with a private key from the Apple developer account, naming the
//! team (`iss`), our Services ID (`sub`), Apple (`aud`), valid at most six months (Apple,
//! "Creating a client secret").
//!
//! The operator supplies either such a JWT as the client secret (and replaces it before it
//! expires), or, better, the signing key itself as the client secret, in JSON:
//! `{"team_id": "...", "key_id": "...", "private_key": "-----BEGIN PRIVATE KEY-----..."}`
//! (the downloaded `.p8` file). Latchkey then signs a fresh five-minute secret for every
//! token request, and the key stays sealed under the master key with the other upstream
//! secrets.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use latchkey_crypto::{Algorithm, SigningKey};
use serde::Deserialize;
use serde_json::json;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{Flavor, ProviderConfig, UpstreamError};

/// Lifetime of a client secret we sign, in seconds.
const SECRET_LIFETIME: i64 = 300;

#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
struct AppleSigningKey {
    team_id: String,
    key_id: String,
    private_key: String,
}

const UNUSABLE: UpstreamError = UpstreamError::Discovery("the Apple signing key is not usable");

/// The client secret to send to the token endpoint: as configured, or for Apple with a
/// signing key, a JWT signed now.
pub(crate) fn client_secret(p: &ProviderConfig, now: i64) -> Result<Zeroizing<String>, UpstreamError> {
    if p.flavor != Flavor::Apple || !p.client_secret.trim_start().starts_with('{') {
        return Ok(p.client_secret.clone());
    }
    let key: AppleSigningKey = serde_json::from_str(&p.client_secret).map_err(|_| UNUSABLE)?;
    let der = pem_body(&key.private_key).ok_or(UNUSABLE)?;
    let signer = SigningKey::from_pkcs8(Algorithm::ES256, &der).map_err(|_| UNUSABLE)?;
    let header = json!({"alg": "ES256", "kid": &key.key_id});
    let claims = json!({
        "iss": &key.team_id, "iat": now, "exp": now + SECRET_LIFETIME,
        "aud": p.issuer().unwrap_or("https://appleid.apple.com"), "sub": p.client_id,
    });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = signer.sign_raw(input.as_bytes()).map_err(|_| UNUSABLE)?;
    Ok(Zeroizing::new(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))))
}

/// The DER inside a PEM block (RFC 7468 §2): the base64 between the boundary lines.
fn pem_body(pem: &str) -> Option<Zeroizing<Vec<u8>>> {
    let body: Zeroizing<String> =
        Zeroizing::new(pem.lines().map(str::trim).filter(|line| !line.starts_with("-----")).collect());
    STANDARD.decode(body.as_bytes()).ok().filter(|der| !der.is_empty()).map(Zeroizing::new)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pem_body_decodes_the_block_and_refuses_junk() {
        let pem = "-----BEGIN PRIVATE KEY-----\nAAEC\nAwQ=\n-----END PRIVATE KEY-----\n";
        assert_eq!(pem_body(pem).unwrap().as_slice(), &[0, 1, 2, 3, 4]);
        assert!(pem_body("-----BEGIN PRIVATE KEY-----\n***\n-----END PRIVATE KEY-----").is_none());
        assert!(pem_body("").is_none());
    }
}
