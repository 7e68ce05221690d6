//! Attacks on JWT verification from the resource server's side: `alg` confusion, forged and
//! tampered signatures, oversized and malformed tokens, critical headers, claims of the wrong
//! shape — and the same attacks once the verified-header memo is warm.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/access_claims.rs"]
mod access_claims;
#[path = "support/jwt.rs"]
mod support;

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_crypto::{
    decode_unverified, verify_jwt, Algorithm, JwsError, KeySet, SigningKey, MAX_TOKEN_LEN,
};

use access_claims::{claims, AccessClaims};
use support::{b64, forge, keys, payload_json, published};

#[test]
fn forged_tokens_verify_when_honest() {
    // Sanity check of the `forge` helper used by the attack tests below.
    for key in keys() {
        let header = format!(r#"{{"alg":"{}","kid":"{}"}}"#, key.alg(), key.kid());
        let token = forge(&header, &payload_json(), Some(&key));
        assert!(verify_jwt::<AccessClaims>(&token, &published(&[&key])).is_ok());
    }
}

#[test]
fn alg_none_with_empty_signature_is_refused() {
    for key in keys() {
        let set = published(&[&key]);
        let header = format!(r#"{{"alg":"none","typ":"at+jwt","kid":"{}"}}"#, key.kid());
        let token = forge(&header, &payload_json(), None);
        assert!(token.ends_with('.'));
        assert_eq!(
            verify_jwt::<AccessClaims>(&token, &set).unwrap_err(),
            JwsError::AlgorithmMismatch { header: "none".into(), key: key.alg().as_str().into() }
        );
        let no_kid = forge(r#"{"alg":"none"}"#, &payload_json(), None);
        assert_eq!(verify_jwt::<AccessClaims>(&no_kid, &set).unwrap_err(), JwsError::MissingKid);
    }
}

#[test]
fn hs256_keyed_with_the_public_key_is_refused() {
    for key in keys() {
        let set = published(&[&key]);
        let jwk = key.public_jwk();
        let jwk_json = serde_json::to_string(&jwk).unwrap();
        let raw_public = [jwk.x.clone(), jwk.y.clone(), jwk.n.clone()]
            .into_iter()
            .flatten()
            .flat_map(|part| URL_SAFE_NO_PAD.decode(part).unwrap())
            .collect::<Vec<u8>>();
        for secret in [jwk_json.as_bytes(), raw_public.as_slice(), key.kid().as_bytes()] {
            let header = format!(r#"{{"alg":"HS256","typ":"at+jwt","kid":"{}"}}"#, key.kid());
            let input = format!("{}.{}", b64(header.as_bytes()), b64(payload_json().as_bytes()));
            let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), input.as_bytes());
            let token = format!("{input}.{}", b64(tag.as_ref()));
            assert!(matches!(
                verify_jwt::<AccessClaims>(&token, &set),
                Err(JwsError::AlgorithmMismatch { .. })
            ));
        }
    }
}

#[test]
fn header_alg_swapped_to_another_asymmetric_algorithm_is_refused() {
    let all = keys();
    for victim in &all {
        let set = published(&[victim]);
        for attacker in &all {
            if attacker.alg() == victim.alg() {
                continue;
            }
            // The attacker signs with its own key, of another algorithm, under the victim's kid.
            let header = format!(r#"{{"alg":"{}","kid":"{}"}}"#, attacker.alg(), victim.kid());
            let token = forge(&header, &payload_json(), Some(attacker));
            assert_eq!(
                verify_jwt::<AccessClaims>(&token, &set).unwrap_err(),
                JwsError::AlgorithmMismatch {
                    header: attacker.alg().as_str().into(),
                    key: victim.alg().as_str().into()
                }
            );
            // The victim's genuine token with only the header's alg changed.
            let genuine = victim.sign_jwt("at+jwt", &claims()).unwrap();
            let mut parts = genuine.split('.');
            let _ = parts.next();
            let header = format!(r#"{{"alg":"{}","kid":"{}"}}"#, attacker.alg(), victim.kid());
            let swapped =
                format!("{}.{}.{}", b64(header.as_bytes()), parts.next().unwrap(), parts.next().unwrap());
            assert!(matches!(
                verify_jwt::<AccessClaims>(&swapped, &set),
                Err(JwsError::AlgorithmMismatch { .. })
            ));
        }
    }
}

#[test]
fn same_kid_from_a_different_key_is_a_bad_signature() {
    for alg in Algorithm::ALL {
        let victim = SigningKey::generate(alg).unwrap();
        let attacker = SigningKey::generate(alg).unwrap();
        let header = format!(r#"{{"alg":"{alg}","typ":"at+jwt","kid":"{}"}}"#, victim.kid());
        let token = forge(&header, &payload_json(), Some(&attacker));
        assert_eq!(
            verify_jwt::<AccessClaims>(&token, &published(&[&victim])).unwrap_err(),
            JwsError::BadSignature,
            "{alg}"
        );
    }
}

#[test]
fn tampered_payload_is_a_bad_signature() {
    for key in keys() {
        let set = published(&[&key]);
        let token = key.sign_jwt("at+jwt", &claims()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let mut evil = claims();
        evil.sub = "admin".into();
        evil.roles.push("admin".into());
        let tampered =
            format!("{}.{}.{}", parts[0], b64(serde_json::to_string(&evil).unwrap().as_bytes()), parts[2]);
        assert_eq!(verify_jwt::<AccessClaims>(&tampered, &set).unwrap_err(), JwsError::BadSignature);
    }
}

#[test]
fn truncated_or_reencoded_signatures_are_refused() {
    for key in keys() {
        let set = published(&[&key]);
        let token = key.sign_jwt("at+jwt", &claims()).unwrap();
        let (input, sig) = token.rsplit_once('.').unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        for keep in [0, 1, sig.len() / 2, sig.len() - 1] {
            let truncated = format!("{input}.{}", b64(&sig[..keep]));
            assert_eq!(
                verify_jwt::<AccessClaims>(&truncated, &set).unwrap_err(),
                JwsError::BadSignature,
                "{keep} bytes kept"
            );
        }
        // Cutting the text instead leaves non-canonical base64url or a shorter signature.
        for cut in 1..=4 {
            let truncated = &token[..token.len() - cut];
            assert!(matches!(
                verify_jwt::<AccessClaims>(truncated, &set),
                Err(JwsError::BadSignature | JwsError::Malformed(_))
            ));
        }
        assert_eq!(
            verify_jwt::<AccessClaims>(&format!("{input}."), &set).unwrap_err(),
            JwsError::BadSignature
        );
        // Padded base64 is not base64url (RFC 7515 §2).
        let padded = format!("{token}==");
        assert!(matches!(verify_jwt::<AccessClaims>(&padded, &set), Err(JwsError::Malformed(_))));
        // A signature longer than any RSA-8192 signature.
        let long = format!("{input}.{}", b64(&[7u8; 1100]));
        assert_eq!(verify_jwt::<AccessClaims>(&long, &set).unwrap_err(), JwsError::BadSignature);
    }
}

#[test]
fn es256_der_signatures_are_refused() {
    // RFC 7518 §3.4: the JWS signature is R || S, not the ASN.1 DER form.
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let token = key.sign_jwt("at+jwt", &claims()).unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    let int = |x: &[u8]| {
        let mut v = x.to_vec();
        if v[0] & 0x80 != 0 {
            v.insert(0, 0);
        }
        let mut out = vec![0x02, v.len() as u8];
        out.extend(v);
        out
    };
    let (r, s) = (int(&sig[..32]), int(&sig[32..]));
    let mut der = vec![0x30, (r.len() + s.len()) as u8];
    der.extend(r);
    der.extend(s);
    let token = format!("{input}.{}", b64(&der));
    assert_eq!(verify_jwt::<AccessClaims>(&token, &published(&[&key])).unwrap_err(), JwsError::BadSignature);
}

#[test]
fn unknown_and_missing_kid() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let other = SigningKey::generate(Algorithm::ES256).unwrap();
    let token = other.sign_jwt("at+jwt", &claims()).unwrap();
    assert_eq!(
        verify_jwt::<AccessClaims>(&token, &published(&[&key])).unwrap_err(),
        JwsError::UnknownKid(other.kid().to_owned())
    );
    assert_eq!(
        verify_jwt::<AccessClaims>(&token, &KeySet::default()).unwrap_err(),
        JwsError::UnknownKid(other.kid().to_owned())
    );
    let no_kid = forge(r#"{"alg":"ES256","typ":"at+jwt"}"#, &payload_json(), Some(&key));
    assert_eq!(verify_jwt::<AccessClaims>(&no_kid, &published(&[&key])).unwrap_err(), JwsError::MissingKid);
    let long_kid = format!(r#"{{"alg":"ES256","kid":"{}"}}"#, "k".repeat(5000));
    match verify_jwt::<AccessClaims>(&forge(&long_kid, "{}", None), &published(&[&key])) {
        Err(JwsError::UnknownKid(kid)) => assert!(kid.len() < 100, "kid echoed in full"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn oversized_tokens_are_refused_before_parsing() {
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let set = published(&[&key]);
    let mut big = claims();
    big.scope = "x".repeat(MAX_TOKEN_LEN);
    let token = key.sign_jwt("at+jwt", &big).unwrap();
    assert!(token.len() > MAX_TOKEN_LEN);
    assert_eq!(verify_jwt::<AccessClaims>(&token, &set).unwrap_err(), JwsError::TooLarge);
    assert_eq!(decode_unverified(&token).unwrap_err(), JwsError::TooLarge);
    assert_eq!(
        verify_jwt::<AccessClaims>(&"a".repeat(MAX_TOKEN_LEN + 1), &set).unwrap_err(),
        JwsError::TooLarge
    );
    // Just under the limit still works, and decodes the payload on the heap.
    let mut fits = claims();
    fits.scope = "x".repeat(MAX_TOKEN_LEN / 2);
    let token = key.sign_jwt("at+jwt", &fits).unwrap();
    assert!(token.len() <= MAX_TOKEN_LEN);
    assert_eq!(verify_jwt::<AccessClaims>(&token, &set).unwrap().claims, fits);
}

#[test]
fn malformed_tokens_are_refused_with_malformed() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let set = published(&[&key]);
    let token = key.sign_jwt("at+jwt", &claims()).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let cases = [
        "".to_owned(),
        "garbage".to_owned(),
        "!!!.???.***".to_owned(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{token}.{}", parts[2]),
        format!("{}.{}.{}.{}", parts[0], parts[1], parts[2], parts[2]),
        format!("{}.{}.{}", b64(b"not json"), parts[1], parts[2]),
        format!("{}.{}.{}", b64(b"[\"ES256\"]"), parts[1], parts[2]),
        format!("{}.{}.{}", b64(b"{\"kid\":\"x\"}"), parts[1], parts[2]),
        format!("{}.{}.{}", "a", parts[1], parts[2]),
        format!("{}.{}.{}", parts[0], parts[1], "%%%%"),
        format!(".{}.{}", parts[1], parts[2]),
        format!(" {token}"),
    ];
    for bad in &cases {
        match verify_jwt::<AccessClaims>(bad, &set) {
            Err(JwsError::Malformed(msg)) => assert!(!msg.is_empty()),
            other => panic!("{bad:?}: expected Malformed, got {other:?}"),
        }
        assert!(decode_unverified(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn crit_header_fails_verification_even_when_signed() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let header = format!(r#"{{"alg":"ES256","kid":"{}","crit":["exp"],"exp":1}}"#, key.kid());
    let token = forge(&header, &payload_json(), Some(&key));
    assert_eq!(
        verify_jwt::<AccessClaims>(&token, &published(&[&key])).unwrap_err(),
        JwsError::CriticalHeader
    );
    // The debugger still shows it.
    assert!(decode_unverified(&token).is_ok());
}

#[test]
fn unknown_header_fields_and_embedded_keys_are_ignored() {
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let attacker = SigningKey::generate(Algorithm::ES256).unwrap();
    let embedded = serde_json::to_string(&attacker.public_jwk()).unwrap();
    let header = format!(
        r#"{{"alg":"ES256","kid":"{}","jwk":{embedded},"jku":"https://evil.example/jwks","x":1}}"#,
        key.kid()
    );
    // Signed by the attacker with its embedded key: refused.
    let token = forge(&header, &payload_json(), Some(&attacker));
    assert_eq!(verify_jwt::<AccessClaims>(&token, &published(&[&key])).unwrap_err(), JwsError::BadSignature);
    // Signed by the real key: the extra members do not matter.
    let token = forge(&header, &payload_json(), Some(&key));
    assert!(verify_jwt::<AccessClaims>(&token, &published(&[&key])).is_ok());
}

#[test]
fn claims_of_the_wrong_shape_are_invalid_claims_after_a_good_signature() {
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let set = published(&[&key]);
    let token = key.sign_jwt("at+jwt", &serde_json::json!({"sub": 5})).unwrap();
    assert!(matches!(verify_jwt::<AccessClaims>(&token, &set), Err(JwsError::InvalidClaims(_))));
    let header = format!(r#"{{"alg":"EdDSA","kid":"{}"}}"#, key.kid());
    let not_json = forge(&header, "not json", Some(&key));
    assert!(matches!(verify_jwt::<serde_json::Value>(&not_json, &set), Err(JwsError::InvalidClaims(_))));
    assert!(matches!(decode_unverified(&not_json), Err(JwsError::InvalidClaims(_))));
}

/// After a genuine token verified, the key remembers its header encoding and later tokens with
/// the same header skip parsing it. The attacks must fail exactly as before on that path.
#[test]
fn attacks_still_fail_once_the_header_memo_is_warm() {
    for alg in Algorithm::ALL {
        let victim = SigningKey::generate(alg).unwrap();
        let set = published(&[&victim]);
        let genuine = victim.sign_jwt("at+jwt", &claims()).unwrap();
        let first = verify_jwt::<AccessClaims>(&genuine, &set).unwrap();
        let second = verify_jwt::<AccessClaims>(&genuine, &set).unwrap();
        assert_eq!(first, second, "memoized and parsed headers must agree");

        // Same kid, alg and typ, hence a byte-identical header, signed by another key.
        let attacker = SigningKey::generate(alg).unwrap();
        let header_segment = genuine.split('.').next().unwrap();
        let input = format!("{header_segment}.{}", b64(payload_json().as_bytes()));
        let forged = format!("{input}.{}", b64(&attacker.sign_raw(input.as_bytes()).unwrap()));
        assert_eq!(verify_jwt::<AccessClaims>(&forged, &set).unwrap_err(), JwsError::BadSignature, "{alg}");

        // Tampered payload under the genuine header and signature.
        let parts: Vec<&str> = genuine.split('.').collect();
        let mut evil = claims();
        evil.sub = "admin".into();
        let tampered =
            format!("{}.{}.{}", parts[0], b64(serde_json::to_string(&evil).unwrap().as_bytes()), parts[2]);
        assert_eq!(verify_jwt::<AccessClaims>(&tampered, &set).unwrap_err(), JwsError::BadSignature);

        // Truncated, empty and oversized signatures.
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        for bad in [&sig[..sig.len() - 1], &[][..], &[0u8; 1100][..]] {
            let token = format!("{}.{}.{}", parts[0], parts[1], b64(bad));
            assert_eq!(verify_jwt::<AccessClaims>(&token, &set).unwrap_err(), JwsError::BadSignature);
        }

        // Other headers still go through the full checks.
        let none = forge(
            &format!(r#"{{"alg":"none","typ":"at+jwt","kid":"{}"}}"#, victim.kid()),
            &payload_json(),
            None,
        );
        assert!(matches!(verify_jwt::<AccessClaims>(&none, &set), Err(JwsError::AlgorithmMismatch { .. })));
        let crit = forge(
            &format!(r#"{{"alg":"{alg}","kid":"{}","crit":["b64"]}}"#, victim.kid()),
            &payload_json(),
            Some(&victim),
        );
        assert_eq!(verify_jwt::<AccessClaims>(&crit, &set).unwrap_err(), JwsError::CriticalHeader);
        // A token with a new `typ` verifies, and so does the first kind still.
        let id_token = victim.sign_jwt("JWT", &claims()).unwrap();
        let verified = verify_jwt::<AccessClaims>(&id_token, &set).unwrap();
        assert_eq!(verified.header.typ.as_deref(), Some("JWT"));
        assert!(verify_jwt::<AccessClaims>(&genuine, &set).is_ok());
    }
}

#[test]
fn many_header_variants_verify_correctly_whether_remembered_or_not() {
    let victim = SigningKey::generate(Algorithm::ES256).unwrap();
    let attacker = SigningKey::generate(Algorithm::ES256).unwrap();
    let set = published(&[&victim]);
    // Many forged tokens with distinct headers (enough to fill every slot if they counted).
    for i in 0..10 {
        let header = format!(r#"{{"alg":"ES256","kid":"{}","n":{i}}}"#, victim.kid());
        let forged = forge(&header, &payload_json(), Some(&attacker));
        assert_eq!(verify_jwt::<AccessClaims>(&forged, &set).unwrap_err(), JwsError::BadSignature);
        assert_eq!(verify_jwt::<AccessClaims>(&forged, &set).unwrap_err(), JwsError::BadSignature);
    }
    // Genuine tokens with many header variants: all verify, memo full or not.
    for i in 0..10 {
        let header = format!(r#"{{"alg":"ES256","kid":"{}","n":{i}}}"#, victim.kid());
        let token = forge(&header, &payload_json(), Some(&victim));
        assert!(verify_jwt::<AccessClaims>(&token, &set).is_ok());
        assert!(verify_jwt::<AccessClaims>(&token, &set).is_ok());
    }
}
