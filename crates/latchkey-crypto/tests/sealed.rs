//! Sealing secrets at rest under the master key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use latchkey_crypto::{Algorithm, CryptoError, MasterKey, SigningKey};

#[test]
fn seal_open_round_trip_of_a_signing_key() {
    let master = MasterKey::generate().unwrap();
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    let der = key.to_pkcs8().unwrap();
    let sealed = master.seal(&der, key.kid().as_bytes()).unwrap();
    assert!(!sealed.windows(der.len()).any(|w| w == der.as_slice()));
    let opened = master.open(&sealed, key.kid().as_bytes()).unwrap();
    assert_eq!(opened.as_slice(), der.as_slice());
    let back = SigningKey::from_pkcs8(Algorithm::ES256, &opened).unwrap();
    assert_eq!(back.kid(), key.kid());
}

#[test]
fn empty_plaintext_and_aad_round_trip() {
    let master = MasterKey::generate().unwrap();
    let sealed = master.seal(b"", b"").unwrap();
    assert!(master.open(&sealed, b"").unwrap().is_empty());
}

#[test]
fn wrong_aad_fails() {
    let master = MasterKey::generate().unwrap();
    let sealed = master.seal(b"secret", b"kid-1").unwrap();
    assert_eq!(master.open(&sealed, b"kid-2"), Err(CryptoError::Open));
    assert_eq!(master.open(&sealed, b""), Err(CryptoError::Open));
}

#[test]
fn every_flipped_bit_fails() {
    let master = MasterKey::generate().unwrap();
    let sealed = master.seal(b"secret", b"aad").unwrap();
    for i in 0..sealed.len() * 8 {
        let mut bad = sealed.clone();
        bad[i / 8] ^= 1 << (i % 8);
        assert_eq!(master.open(&bad, b"aad"), Err(CryptoError::Open), "bit {i}");
    }
}

#[test]
fn truncated_input_fails() {
    let master = MasterKey::generate().unwrap();
    let sealed = master.seal(b"secret", b"aad").unwrap();
    for len in 0..sealed.len() {
        assert_eq!(master.open(&sealed[..len], b"aad"), Err(CryptoError::Open), "len {len}");
    }
    let mut longer = sealed.clone();
    longer.push(0);
    assert_eq!(master.open(&longer, b"aad"), Err(CryptoError::Open));
}

#[test]
fn wrong_key_fails() {
    let a = MasterKey::generate().unwrap();
    let b = MasterKey::generate().unwrap();
    let sealed = a.seal(b"secret", b"aad").unwrap();
    assert_eq!(b.open(&sealed, b"aad"), Err(CryptoError::Open));
}

#[test]
fn base64_forms_and_lengths() {
    let master = MasterKey::generate().unwrap();
    let encoded = master.to_base64();
    assert_eq!(encoded.len(), 43);
    let again = MasterKey::from_base64(&format!("  {}\n", encoded.as_str())).unwrap();
    let sealed = master.seal(b"x", b"").unwrap();
    assert_eq!(again.open(&sealed, b"").unwrap().as_slice(), b"x");

    // Standard base64 with padding, of bytes that use '+' and '/'.
    let bytes = [0xfbu8; 32];
    let standard = "+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/v7+/s=";
    let url = "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s";
    let from_std = MasterKey::from_base64(standard).unwrap();
    let from_url = MasterKey::from_base64(url).unwrap();
    let from_raw = MasterKey::from_bytes(&bytes).unwrap();
    assert_eq!(from_std.to_base64().as_str(), url);
    assert_eq!(from_url.to_base64().as_str(), url);
    assert_eq!(from_raw.to_base64().as_str(), url);

    for bad in ["", "AAAA", "not base64 at all!", &"A".repeat(44)] {
        let err = MasterKey::from_base64(bad).unwrap_err().to_string();
        assert!(err.contains("32 bytes"), "{err}");
    }
    assert!(MasterKey::from_bytes(&[0u8; 31]).is_err());
    assert!(MasterKey::from_bytes(&[0u8; 33]).is_err());
    assert_eq!(format!("{master:?}"), "MasterKey(..)");
}

#[test]
fn derived_mac_keys_are_stable_across_reloads() {
    let master = MasterKey::generate().unwrap();
    let reloaded = MasterKey::from_base64(&master.to_base64()).unwrap();
    let purpose = "latchkey refresh-token mac v1";
    let tag = master.derive_mac_key(purpose).tag(b"session|7");
    assert!(reloaded.derive_mac_key(purpose).verify(b"session|7", &tag));
    assert!(!reloaded.derive_mac_key("other").verify(b"session|7", &tag));
}
