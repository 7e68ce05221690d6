//! The master key, and sealing secrets at rest under it.
//!
//! Signing keys are stored in the database encrypted ("sealed") under a 32-byte master key
//! that lives only in the server's configuration or environment, so a database dump does not
//! yield the signing keys. The master key is never used directly: HKDF-SHA256 (RFC 5869, via
//! `aws_lc_rs::hkdf`) derives one subkey per purpose: the AES-256-GCM sealing key, and the
//! HMAC keys handed out by [`MasterKey::derive_mac_key`] (e.g. the refresh-token MAC key).
//!
//! Sealed format: `version (1 byte, = 1) || nonce (12 bytes) || ciphertext || tag (16 bytes)`.
//! The nonce is random (NIST SP 800-38D §8.2.2): sealing happens once per key rotation, far
//! from the 2^32-messages bound for random 96-bit nonces. The caller's associated data binds a
//! ciphertext to its use (e.g. the key id), so a sealed blob moved to another row does not open.

use std::fmt;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::hkdf::{Salt, HKDF_SHA256};
use aws_lc_rs::hmac;
use base64::alphabet;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use zeroize::{Zeroize, Zeroizing};

use crate::error::CryptoError;
use crate::mac::MacKey;
use crate::random;

const KEY_LEN: usize = 32;
const VERSION: u8 = 1;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + NONCE_LEN;
/// HKDF `info` of the sealing subkey.
const SEAL_PURPOSE: &str = "latchkey sealed-box aes-256-gcm v1";

/// Lenient decoders for operator-supplied keys: padding optional.
const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);

/// A 32-byte master key, wiped from memory when dropped. `Debug` prints `MasterKey(..)`.
pub struct MasterKey {
    bytes: Zeroizing<[u8; KEY_LEN]>,
    seal_key: LessSafeKey,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A fresh random master key.
    pub fn generate() -> Result<Self, CryptoError> {
        let bytes = Zeroizing::new(random::bytes::<KEY_LEN>()?);
        Self::from_array(bytes)
    }

    /// A master key from exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let mut array = Zeroizing::new([0u8; KEY_LEN]);
        if bytes.len() != KEY_LEN {
            return Err(CryptoError::InvalidMasterKey(format!(
                "expected {KEY_LEN} bytes, got {}",
                bytes.len()
            )));
        }
        for (dst, src) in array.iter_mut().zip(bytes) {
            *dst = *src;
        }
        Self::from_array(array)
    }

    /// A master key from base64url or standard base64 (padding optional, surrounding
    /// whitespace ignored) of exactly 32 bytes. Errors never echo the input.
    pub fn from_base64(encoded: &str) -> Result<Self, CryptoError> {
        let text = encoded.trim();
        let decoded = URL_SAFE_LENIENT
            .decode(text)
            .or_else(|_| STANDARD_LENIENT.decode(text))
            .map(Zeroizing::new)
            .map_err(|_| {
                CryptoError::InvalidMasterKey(format!(
                    "not valid base64url or base64; expected {KEY_LEN} bytes encoded as base64url"
                ))
            })?;
        if decoded.len() != KEY_LEN {
            return Err(CryptoError::InvalidMasterKey(format!(
                "expected {KEY_LEN} bytes, but it decodes to {} bytes",
                decoded.len()
            )));
        }
        Self::from_bytes(&decoded)
    }

    fn from_array(bytes: Zeroizing<[u8; KEY_LEN]>) -> Result<Self, CryptoError> {
        let mut seal_bytes = hkdf_sha256(bytes.as_ref(), SEAL_PURPOSE.as_bytes());
        let unbound = UnboundKey::new(&AES_256_GCM, &seal_bytes);
        seal_bytes.zeroize();
        let seal_key =
            LessSafeKey::new(unbound.map_err(|_| {
                CryptoError::InvalidMasterKey("the AES-256-GCM key could not be set up".into())
            })?);
        Ok(MasterKey { bytes, seal_key })
    }

    /// The key as base64url without padding, for writing into configuration.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(URL_SAFE_NO_PAD.encode(self.bytes.as_ref()))
    }

    /// Encrypts `plaintext` with AES-256-GCM under a fresh random 96-bit nonce; `aad` is
    /// authenticated but not stored, and must be given again to [`MasterKey::open`].
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce = random::bytes::<NONCE_LEN>()?;
        let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let body = out.get_mut(HEADER_LEN..).ok_or(CryptoError::Seal)?;
        let tag = self
            .seal_key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), body)
            .map_err(|_| CryptoError::Seal)?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Decrypts what [`MasterKey::seal`] produced with the same `aad`. A wrong key, wrong
    /// `aad`, any altered byte, or a truncated input gives [`CryptoError::Open`].
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < HEADER_LEN + TAG_LEN || sealed.first() != Some(&VERSION) {
            return Err(CryptoError::Open);
        }
        let nonce = sealed
            .get(1..HEADER_LEN)
            .and_then(|n| Nonce::try_assume_unique_for_key(n).ok())
            .ok_or(CryptoError::Open)?;
        let mut buf = Zeroizing::new(sealed.get(HEADER_LEN..).unwrap_or_default().to_vec());
        let len = self
            .seal_key
            .open_in_place(nonce, Aad::from(aad), buf.as_mut_slice())
            .map_err(|_| CryptoError::Open)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }

    /// An HMAC-SHA256 key for one `purpose` (the HKDF `info`, e.g.
    /// `"latchkey refresh-token mac v1"`). Different purposes give independent keys; the same
    /// purpose always gives the same key.
    pub fn derive_mac_key(&self, purpose: &str) -> MacKey {
        MacKey::from_bytes(hkdf_sha256(self.bytes.as_ref(), purpose.as_bytes()))
    }
}

/// HKDF-SHA256 (RFC 5869) with an empty salt (§3.1: the master key is already uniformly
/// random), 32 bytes of output.
fn hkdf_sha256(ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let prk = Salt::new(HKDF_SHA256, &[]).extract(ikm);
    let info = [info];
    let mut out = [0u8; 32];
    match prk.expand(&info, HKDF_SHA256).and_then(|okm| okm.fill(&mut out)) {
        Ok(()) => out,
        // aws-lc-rs only fails for outputs over 255 * 32 bytes, so this arm is unreachable;
        // it computes the same bytes by the RFC's definition instead of panicking.
        Err(_) => hkdf_sha256_by_definition(ikm, info[0]),
    }
}

/// RFC 5869 §2.2-2.3 spelled out with HMAC, for an output of one hash length:
/// `PRK = HMAC(salt = zeros, IKM)`, `OKM = T(1) = HMAC(PRK, info || 0x01)`.
fn hkdf_sha256_by_definition(ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &[0u8; 32]), ikm);
    let mut ctx = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()));
    ctx.update(info);
    ctx.update(&[1]);
    let t1 = ctx.sign();
    let mut out = [0u8; 32];
    for (dst, src) in out.iter_mut().zip(t1.as_ref()) {
        *dst = *src;
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hkdf_matches_rfc5869_test_case_3() {
        // RFC 5869 A.3: IKM = 22 x 0x0b, empty salt and info; the first 32 bytes of the OKM.
        let ikm = [0x0bu8; 22];
        let expected = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d";
        assert_eq!(hex(&hkdf_sha256(&ikm, &[])), expected);
        assert_eq!(hex(&hkdf_sha256_by_definition(&ikm, &[])), expected);
        assert_eq!(hkdf_sha256(&ikm, b"purpose"), hkdf_sha256_by_definition(&ikm, b"purpose"));
    }

    #[test]
    fn mac_keys_depend_on_purpose_and_key() {
        let master = MasterKey::from_bytes(&[1u8; 32]).unwrap();
        let a = master.derive_mac_key("latchkey refresh-token mac v1");
        let a2 = master.derive_mac_key("latchkey refresh-token mac v1");
        let b = master.derive_mac_key("latchkey something-else v1");
        let other = MasterKey::from_bytes(&[2u8; 32]).unwrap();
        let c = other.derive_mac_key("latchkey refresh-token mac v1");
        assert_eq!(a.tag(b"x"), a2.tag(b"x"));
        assert_ne!(a.tag(b"x"), b.tag(b"x"));
        assert_ne!(a.tag(b"x"), c.tag(b"x"));
    }

    #[test]
    fn sealed_layout_is_version_nonce_ciphertext_tag() {
        let master = MasterKey::generate().unwrap();
        let sealed = master.seal(b"hello", b"kid").unwrap();
        assert_eq!(sealed.len(), 1 + 12 + 5 + 16);
        assert_eq!(sealed[0], 1);
        let again = master.seal(b"hello", b"kid").unwrap();
        assert_ne!(sealed[1..13], again[1..13], "nonces must differ");
    }
}
