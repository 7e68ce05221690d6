//! JWT signing and verification as the server and a resource server see them: tokens signed
//! with `SigningKey::sign_jwt`, verified against a `KeySet` built from the JWKS JSON. The
//! attacks on verification are in `jwt_attacks.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/access_claims.rs"]
mod access_claims;
#[path = "support/jwt.rs"]
mod support;

use latchkey_crypto::{decode_unverified, verify_jwt, JwsError};

use access_claims::{claims, AccessClaims};
use support::{keys, published};

#[test]
fn round_trip_for_every_algorithm_through_published_jwks() {
    for key in keys() {
        let set = published(&[&key]);
        let token = key.sign_jwt("at+jwt", &claims()).unwrap();
        let verified = verify_jwt::<AccessClaims>(&token, &set).unwrap();
        assert_eq!(verified.claims, claims());
        assert_eq!(verified.header.alg, key.alg().as_str());
        assert_eq!(verified.header.typ.as_deref(), Some("at+jwt"));
        assert_eq!(verified.header.kid.as_deref(), Some(key.kid()));

        let (header, value) = decode_unverified(&token).unwrap();
        assert_eq!(header, verified.header);
        assert_eq!(value, serde_json::to_value(claims()).unwrap());
    }
}

#[test]
fn published_kid_is_the_rfc7638_thumbprint() {
    for key in keys() {
        let jwk = key.public_jwk();
        assert_eq!(jwk.kid.as_deref(), Some(key.kid()));
        assert_eq!(jwk.thumbprint().unwrap(), key.kid());
    }
}

#[test]
fn rfc7638_example_key_thumbprint() {
    let jwk: latchkey_crypto::Jwk = serde_json::from_str(r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#).unwrap();
    assert_eq!(jwk.thumbprint().unwrap(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

#[test]
fn several_keys_in_one_set_each_verify_their_own_tokens() {
    let all = keys();
    let set = published(&all.iter().collect::<Vec<_>>());
    assert_eq!(set.len(), 3);
    for key in &all {
        let token = key.sign_jwt("at+jwt", &claims()).unwrap();
        assert!(verify_jwt::<AccessClaims>(&token, &set).is_ok());
    }
}

#[test]
fn errors_read_as_plain_words() {
    let msg = JwsError::AlgorithmMismatch { header: "none".into(), key: "ES256".into() }.to_string();
    assert!(msg.contains("none") && msg.contains("ES256"), "{msg}");
    assert!(JwsError::TooLarge.to_string().contains("16384"));
}
