//! Private signing keys and compact-JWS (RFC 7515 §7.1) token signing.
//!
//! A `SigningKey` holds one aws-lc-rs key pair, the algorithm it is for, and the matching
//! [`VerifyingKey`] built from its own public JWK, so what we publish in the JWKS is exactly
//! what verifies our tokens. Its `kid` is the RFC 7638 thumbprint of that public JWK.
//!
//! Key material never leaves except through [`SigningKey::to_pkcs8`] (which the caller seals
//! under the master key before storing); `Debug` prints only the algorithm and kid.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256,
};
use serde::Serialize;
use zeroize::Zeroizing;

use super::verifying::VerifyingKey;
use crate::algorithm::Algorithm;
use crate::b64;
use crate::error::CryptoError;
use crate::jwk::Jwk;

enum Pair {
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

/// A private key for one algorithm. Not `Clone`: share it behind an `Arc`.
pub struct SigningKey {
    pair: Pair,
    verifying: VerifyingKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid())
            .field("alg", &self.alg())
            .finish_non_exhaustive()
    }
}

/// The protected header we emit, fields in this order: `alg`, `typ`, `kid`.
#[derive(Serialize)]
struct Header<'a> {
    alg: &'a str,
    typ: &'a str,
    kid: &'a str,
}

impl SigningKey {
    /// Generates a fresh key: P-256 for ES256, Ed25519 for EdDSA, RSA 2048 for RS256.
    pub fn generate(alg: Algorithm) -> Result<Self, CryptoError> {
        let pair = match alg {
            Algorithm::ES256 => EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .map(Pair::Ec)
                .map_err(|_| CryptoError::KeyGeneration("P-256"))?,
            Algorithm::EdDSA => {
                Ed25519KeyPair::generate().map(Pair::Ed).map_err(|_| CryptoError::KeyGeneration("Ed25519"))?
            }
            Algorithm::RS256 => RsaKeyPair::generate(KeySize::Rsa2048)
                .map(Pair::Rsa)
                .map_err(|_| CryptoError::KeyGeneration("RSA 2048"))?,
        };
        Self::from_pair(pair)
    }

    /// Loads an unencrypted PKCS#8 (RFC 5208/5958) private key for `alg`. The key must be of the
    /// algorithm's type: a P-256 key for ES256, Ed25519 for EdDSA, RSA of 2048 bits or more
    /// for RS256.
    pub fn from_pkcs8(alg: Algorithm, pkcs8_der: &[u8]) -> Result<Self, CryptoError> {
        let rejected = |e: aws_lc_rs::error::KeyRejected| {
            CryptoError::InvalidPrivateKey(format!("not a usable {alg} key in PKCS#8 form ({e})"))
        };
        let pair = match alg {
            Algorithm::ES256 => Pair::Ec(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8_der).map_err(rejected)?,
            ),
            Algorithm::EdDSA => Pair::Ed(Ed25519KeyPair::from_pkcs8(pkcs8_der).map_err(rejected)?),
            Algorithm::RS256 => Pair::Rsa(RsaKeyPair::from_pkcs8(pkcs8_der).map_err(rejected)?),
        };
        Self::from_pair(pair)
    }

    /// Builds the public JWK, names it by its thumbprint and parses it into the verifying key.
    fn from_pair(pair: Pair) -> Result<Self, CryptoError> {
        let mut jwk = public_jwk_of(&pair)?;
        jwk.kid = Some(jwk.thumbprint()?);
        let verifying = VerifyingKey::from_jwk(&jwk)
            .map_err(|e| CryptoError::InvalidPrivateKey(format!("its public key is refused: {e}")))?;
        Ok(SigningKey { pair, verifying })
    }

    /// The private key as unencrypted PKCS#8 v1 DER, wiped from memory when dropped.
    pub fn to_pkcs8(&self) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let failed = |_| CryptoError::InvalidPrivateKey("could not encode the key as PKCS#8".into());
        let der = match &self.pair {
            Pair::Ec(k) => Zeroizing::new(k.to_pkcs8v1().map_err(failed)?.as_ref().to_vec()),
            Pair::Ed(k) => Zeroizing::new(k.to_pkcs8v1().map_err(failed)?.as_ref().to_vec()),
            Pair::Rsa(k) => {
                let der: Pkcs8V1Der<'static> = k.as_der().map_err(failed)?;
                Zeroizing::new(der.as_ref().to_vec())
            }
        };
        Ok(der)
    }

    /// The RFC 7638 thumbprint of the public JWK: SHA-256, base64url without padding.
    pub fn kid(&self) -> &str {
        self.verifying.kid()
    }

    /// The algorithm this key signs with.
    pub fn alg(&self) -> Algorithm {
        self.verifying.alg()
    }

    /// The public JWK for the JWKS, with `kid`, `alg` and `use: "sig"`.
    pub fn public_jwk(&self) -> Jwk {
        self.verifying.jwk().clone()
    }

    /// The matching public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.verifying.clone()
    }

    /// Signs `claims` as a compact JWS (RFC 7515 §7.1) with the protected header
    /// `{"alg":..,"typ":..,"kid":..}` in that order; the payload is the claims' JSON.
    /// ES256 signatures are the 64-byte `R || S` form of RFC 7518 §3.4.
    pub fn sign_jwt<C: Serialize>(&self, typ: &str, claims: &C) -> Result<String, CryptoError> {
        self.sign_with_header(&Header { alg: self.alg().as_str(), typ, kid: self.kid() }, claims)
    }

    /// Signs `claims` as a compact JWS under the caller's protected `header`, e.g. a DPoP
    /// proof whose header carries the public JWK (RFC 9449 §4.2). The header must name this
    /// key's algorithm for the result to verify.
    pub fn sign_with_header<H: Serialize, C: Serialize>(
        &self,
        header: &H,
        claims: &C,
    ) -> Result<String, CryptoError> {
        let header = serde_json::to_vec(header).map_err(|e| CryptoError::Serialization(e.to_string()))?;
        let payload = serde_json::to_vec(claims).map_err(|e| CryptoError::Serialization(e.to_string()))?;

        let sig_len = match &self.pair {
            Pair::Rsa(k) => k.public_modulus_len(),
            Pair::Ec(_) | Pair::Ed(_) => 64,
        };
        let mut token = String::with_capacity((header.len() + payload.len() + sig_len) * 4 / 3 + 8);
        b64::encode_into(&header, &mut token);
        token.push('.');
        b64::encode_into(&payload, &mut token);
        let signature = self.sign_raw(token.as_bytes())?;
        token.push('.');
        b64::encode_into(&signature, &mut token);
        Ok(token)
    }

    /// A raw signature over `message` with this key's algorithm (the benchmark baseline).
    pub fn sign_raw(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match &self.pair {
            Pair::Ec(k) => k
                .sign(&SystemRandom::new(), message)
                .map(|sig| sig.as_ref().to_vec())
                .map_err(|_| CryptoError::Signing),
            Pair::Ed(k) => {
                k.try_sign(message).map(|sig| sig.as_ref().to_vec()).map_err(|_| CryptoError::Signing)
            }
            Pair::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
                    .map_err(|_| CryptoError::Signing)?;
                Ok(sig)
            }
        }
    }
}

/// The public half of `pair` as an RFC 7517 JWK (no `kid` yet).
fn public_jwk_of(pair: &Pair) -> Result<Jwk, CryptoError> {
    let mut jwk = Jwk {
        kty: String::new(),
        kid: None,
        alg: None,
        use_: Some("sig".to_owned()),
        crv: None,
        x: None,
        y: None,
        n: None,
        e: None,
    };
    let alg = match pair {
        Pair::Ec(k) => {
            // SEC 1 uncompressed point: 0x04 || X (32 bytes) || Y (32 bytes).
            let point = k.public_key().as_ref();
            match (point.first(), point.get(1..33), point.get(33..65), point.len()) {
                (Some(0x04), Some(x), Some(y), 65) => {
                    jwk.x = Some(b64::encode(x));
                    jwk.y = Some(b64::encode(y));
                }
                _ => {
                    return Err(CryptoError::InvalidPrivateKey("unexpected P-256 public key encoding".into()))
                }
            }
            Algorithm::ES256
        }
        Pair::Ed(k) => {
            jwk.x = Some(b64::encode(k.public_key().as_ref()));
            Algorithm::EdDSA
        }
        Pair::Rsa(k) => {
            let parts = PublicKeyComponents::<Vec<u8>>::from(k.public_key());
            jwk.n = Some(b64::encode(&parts.n));
            jwk.e = Some(b64::encode(&parts.e));
            Algorithm::RS256
        }
    };
    jwk.kty = alg.kty().to_owned();
    jwk.crv = alg.crv().map(str::to_owned);
    jwk.alg = Some(alg.as_str().to_owned());
    Ok(jwk)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_round_trip_keeps_the_kid() {
        for alg in Algorithm::ALL {
            let key = SigningKey::generate(alg).unwrap();
            let der = key.to_pkcs8().unwrap();
            let back = SigningKey::from_pkcs8(alg, &der).unwrap();
            assert_eq!(back.kid(), key.kid());
            assert_eq!(back.alg(), alg);
            assert_eq!(back.public_jwk(), key.public_jwk());
        }
    }

    #[test]
    fn pkcs8_of_another_algorithm_is_refused() {
        let ec = SigningKey::generate(Algorithm::ES256).unwrap().to_pkcs8().unwrap();
        assert!(SigningKey::from_pkcs8(Algorithm::EdDSA, &ec).is_err());
        assert!(SigningKey::from_pkcs8(Algorithm::RS256, &ec).is_err());
        assert!(SigningKey::from_pkcs8(Algorithm::ES256, b"not der").is_err());
        assert!(SigningKey::from_pkcs8(Algorithm::ES256, &[]).is_err());
    }

    #[test]
    fn kid_is_the_thumbprint_of_the_public_jwk() {
        for alg in Algorithm::ALL {
            let key = SigningKey::generate(alg).unwrap();
            let jwk = key.public_jwk();
            assert_eq!(jwk.thumbprint().unwrap(), key.kid());
            assert_eq!(jwk.kid.as_deref(), Some(key.kid()));
            assert_eq!(jwk.alg.as_deref(), Some(alg.as_str()));
            assert_eq!(jwk.use_.as_deref(), Some("sig"));
            assert_eq!(key.kid().len(), 43);
        }
    }

    #[test]
    fn raw_signatures_verify_and_have_the_jose_sizes() {
        for (alg, len) in [(Algorithm::ES256, 64), (Algorithm::EdDSA, 64), (Algorithm::RS256, 256)] {
            let key = SigningKey::generate(alg).unwrap();
            let sig = key.sign_raw(b"message").unwrap();
            assert_eq!(sig.len(), len);
            key.verifying_key().verify_raw(b"message", &sig).unwrap();
            assert!(key.verifying_key().verify_raw(b"massage", &sig).is_err());
        }
    }

    #[test]
    fn header_fields_are_in_order() {
        let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
        let token = key.sign_jwt("at+jwt", &serde_json::json!({"sub": "a"})).unwrap();
        let header = b64::decode(token.split('.').next().unwrap()).unwrap();
        assert_eq!(
            String::from_utf8(header).unwrap(),
            format!(r#"{{"alg":"EdDSA","typ":"at+jwt","kid":"{}"}}"#, key.kid())
        );
    }

    #[test]
    fn debug_does_not_print_key_material() {
        let key = SigningKey::generate(Algorithm::ES256).unwrap();
        let dbg = format!("{key:?}");
        assert!(dbg.contains(key.kid()));
        let der = key.to_pkcs8().unwrap();
        assert!(!dbg.contains(&b64::encode(&der[der.len() - 16..])));
        assert!(!dbg.to_lowercase().contains("private"), "{dbg}");
    }
}
