//! Unit tests of the ID-token claim checks (`id_token.rs`); the signature and JWKS paths are
//! tested against a hostile provider in `tests/federation_upstream/`.

use serde_json::{json, Value};

use super::*;

const NOW: i64 = 1_800_000_000;
const ISSUER: &str = "https://idp.example";

fn good() -> Value {
    json!({"iss": ISSUER, "sub": "u1", "aud": "our-client", "exp": NOW + 300, "iat": NOW - 5, "nonce": "n1"})
}

fn check(claims: &Value) -> Result<(), UpstreamError> {
    let audiences = ["our-client".to_owned(), "native-app".to_owned()];
    let expect = IdTokenExpectations { audiences: &audiences, nonce: Some("n1"), access_token: Some("at") };
    check_claims(claims, ISSUER, &expect, Algorithm::ES256, NOW)
}

fn with(changes: Value) -> Value {
    let mut claims = good();
    if let (Value::Object(claims), Value::Object(changes)) = (&mut claims, changes) {
        for (k, v) in changes {
            if v.is_null() {
                claims.remove(&k);
            } else {
                claims.insert(k, v);
            }
        }
    }
    claims
}

#[test]
fn the_good_token_passes_and_leeway_is_sixty_seconds() {
    assert_eq!(check(&good()), Ok(()));
    assert_eq!(check(&with(json!({"exp": NOW - LEEWAY + 1}))), Ok(()));
    assert_eq!(check(&with(json!({"iat": NOW + LEEWAY}))), Ok(()));
    assert_eq!(check(&with(json!({"exp": (NOW + 10) as f64 + 0.5}))), Ok(()));
}

#[test]
fn each_bad_claim_is_refused_with_its_reason() {
    let cases = [
        (json!({"iss": "https://idp.example/"}), "(iss)"),
        (json!({"iss": null}), "(iss)"),
        (json!({"sub": ""}), "(sub)"),
        (json!({"sub": "x".repeat(256)}), "(sub)"),
        (json!({"aud": "other"}), "(aud)"),
        (json!({"aud": ["other", "third"], "azp": "other"}), "(aud)"),
        (json!({"aud": ["our-client", "other"]}), "no azp"),
        (json!({"aud": ["our-client", "other"], "azp": "other"}), "(azp)"),
        (json!({"azp": 5}), "(azp)"),
        (json!({"exp": NOW - LEEWAY}), "(exp)"),
        (json!({"exp": null}), "(exp)"),
        (json!({"exp": "soon"}), "(exp)"),
        (json!({"iat": NOW + LEEWAY + 1}), "(iat)"),
        (json!({"iat": null}), "(iat)"),
        (json!({"nbf": NOW + LEEWAY + 1}), "(nbf)"),
        (json!({"nonce": "n2"}), "(nonce)"),
        (json!({"nonce": null}), "(nonce)"),
        (json!({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}), "at_hash"),
    ];
    for (changes, reason) in cases {
        let err = check(&with(changes.clone())).unwrap_err();
        let UpstreamError::IdToken(said) = err else { unreachable!("{err:?}") };
        assert!(said.contains(reason), "{changes}: {said}");
    }
}

#[test]
fn azp_among_our_audiences_is_accepted() {
    assert_eq!(check(&with(json!({"aud": ["our-client", "native-app"], "azp": "native-app"}))), Ok(()));
    assert_eq!(check(&with(json!({"azp": "our-client"}))), Ok(()));
}

#[test]
fn at_hash_is_the_left_half_of_the_algorithms_hash() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let sha256 = URL_SAFE_NO_PAD.encode(&digest::sha256(b"at")[..16]);
    assert_eq!(access_token_hash(Algorithm::RS256, "at"), sha256);
    assert_eq!(access_token_hash(Algorithm::ES256, "at"), sha256);
    assert_eq!(
        access_token_hash(Algorithm::EdDSA, "at"),
        URL_SAFE_NO_PAD.encode(&digest::sha512(b"at")[..32])
    );
    assert_eq!(check(&with(json!({"at_hash": sha256}))), Ok(()));
    // A nonce is not checked when none was sent (token exchange).
    let audiences = ["our-client".to_owned()];
    let expect = IdTokenExpectations { audiences: &audiences, nonce: None, access_token: None };
    assert_eq!(
        check_claims(&with(json!({"nonce": null, "at_hash": "x"})), ISSUER, &expect, Algorithm::ES256, NOW),
        Ok(())
    );
}
