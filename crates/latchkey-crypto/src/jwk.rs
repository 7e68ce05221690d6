//! JSON Web Keys (RFC 7517) and their RFC 7638 thumbprints.
//!
//! Only public members are modelled: the struct has no field for `d`, `p`, `q`, ..., so a
//! private key can never be serialized into a JWKS by accident, and private members in parsed
//! input are dropped. Unknown members (`x5c`, `key_ops`, ...) are ignored when parsing, as
//! RFC 7517 §4 requires.
//!
//! Our key ids are the RFC 7638 thumbprint (SHA-256, base64url) of the public key: stable across
//! restarts and exports, derived from the key itself, and identical to what any other JOSE
//! library computes for the same key.

use serde::{Deserialize, Serialize};

use crate::b64;
use crate::error::CryptoError;

/// An RFC 7517 JWK, public parts only.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Jwk {
    /// Key type: `EC`, `RSA` or `OKP` (RFC 7517 §4.1, RFC 8037 §2).
    pub kty: String,
    /// Key id (RFC 7517 §4.5); ours is the RFC 7638 thumbprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Intended algorithm (RFC 7517 §4.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Public key use (RFC 7517 §4.2); only `sig` keys verify tokens.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Curve, for `EC` (RFC 7518 §6.2.1.1) and `OKP` (RFC 8037 §2) keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// X coordinate (EC) or the public key (OKP), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// Y coordinate (EC), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// RSA modulus, base64url big-endian (RFC 7518 §6.3.1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA public exponent, base64url big-endian (RFC 7518 §6.3.1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
}

/// An RFC 7517 §5 JWK Set, as served at the `jwks_uri`.
#[derive(Clone, Debug, Serialize, Deserialize, Default)]
pub struct JwkSet {
    /// The keys, in no particular order.
    pub keys: Vec<Jwk>,
}

impl Jwk {
    /// The RFC 7638 thumbprint: SHA-256 over the required members, in lexicographic order, with
    /// no whitespace (RFC 7638 §3.2), base64url without padding.
    ///
    /// Required members: `crv`, `kty`, `x`, `y` for EC; `e`, `kty`, `n` for RSA (§3.2);
    /// `crv`, `kty`, `x` for OKP (RFC 8037 §2).
    pub fn thumbprint(&self) -> Result<String, CryptoError> {
        let canonical = self.thumbprint_input()?;
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
        Ok(b64::encode(digest.as_ref()))
    }

    /// The canonical JSON the thumbprint hashes (RFC 7638 §3.3).
    fn thumbprint_input(&self) -> Result<String, CryptoError> {
        let kid = self.kid.as_deref();
        fn need<'a>(
            field: &'a Option<String>,
            name: &str,
            kid: Option<&str>,
        ) -> Result<&'a str, CryptoError> {
            field.as_deref().ok_or_else(|| CryptoError::invalid_jwk(kid, format!("\"{name}\" is missing")))
        }
        let members: Vec<(&str, &str)> = match self.kty.as_str() {
            "EC" => vec![
                ("crv", need(&self.crv, "crv", kid)?),
                ("kty", "EC"),
                ("x", need(&self.x, "x", kid)?),
                ("y", need(&self.y, "y", kid)?),
            ],
            "RSA" => vec![("e", need(&self.e, "e", kid)?), ("kty", "RSA"), ("n", need(&self.n, "n", kid)?)],
            "OKP" => {
                vec![("crv", need(&self.crv, "crv", kid)?), ("kty", "OKP"), ("x", need(&self.x, "x", kid)?)]
            }
            other => return Err(CryptoError::invalid_jwk(kid, format!("unsupported key type \"{other}\""))),
        };
        // serde_json writes the string values with the escaping RFC 7638 §3.3 asks for
        // (RFC 8259 minimal escaping); base64url values never need any in practice.
        let mut out = String::with_capacity(512);
        out.push('{');
        for (i, (name, value)) in members.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('"');
            out.push_str(name);
            out.push_str("\":");
            let quoted =
                serde_json::to_string(value).map_err(|e| CryptoError::Serialization(e.to_string()))?;
            out.push_str(&quoted);
        }
        out.push('}');
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// The example key of RFC 7638 §3.1.
    fn rfc7638_example() -> Jwk {
        serde_json::from_str(
            r#"{
              "kty": "RSA",
              "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
              "e": "AQAB",
              "alg": "RS256",
              "kid": "2011-04-29"
            }"#,
        )
        .unwrap()
    }

    #[test]
    fn rfc7638_section_3_1_example_thumbprint() {
        assert_eq!(rfc7638_example().thumbprint().unwrap(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }

    #[test]
    fn thumbprint_ignores_optional_members() {
        let mut jwk = rfc7638_example();
        let before = jwk.thumbprint().unwrap();
        jwk.kid = None;
        jwk.alg = Some("PS256".into());
        jwk.use_ = Some("sig".into());
        assert_eq!(jwk.thumbprint().unwrap(), before);
        jwk.e = Some("AQAC".into());
        assert_ne!(jwk.thumbprint().unwrap(), before);
    }

    #[test]
    fn thumbprint_needs_required_members() {
        let mut jwk = rfc7638_example();
        jwk.n = None;
        assert!(jwk.thumbprint().is_err());
        jwk.kty = "oct".into();
        assert!(jwk.thumbprint().is_err());
    }

    #[test]
    fn serializes_use_and_skips_absent_members() {
        let jwk = Jwk {
            kty: "OKP".into(),
            kid: Some("k".into()),
            alg: Some("EdDSA".into()),
            use_: Some("sig".into()),
            crv: Some("Ed25519".into()),
            x: Some("abc".into()),
            y: None,
            n: None,
            e: None,
        };
        let json = serde_json::to_string(&jwk).unwrap();
        assert_eq!(json, r#"{"kty":"OKP","kid":"k","alg":"EdDSA","use":"sig","crv":"Ed25519","x":"abc"}"#);
        let back: Jwk = serde_json::from_str(&json).unwrap();
        assert_eq!(back, jwk);
    }

    #[test]
    fn private_members_are_dropped_when_parsing() {
        let jwk: Jwk = serde_json::from_str(
            r#"{"kty":"OKP","crv":"Ed25519","x":"abc","d":"secret","key_ops":["sign"]}"#,
        )
        .unwrap();
        let json = serde_json::to_string(&jwk).unwrap();
        assert!(!json.contains("secret") && !json.contains("\"d\""), "{json}");
    }
}
