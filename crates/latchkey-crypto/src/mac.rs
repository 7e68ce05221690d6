//! HMAC-SHA256 (RFC 2104, via `aws_lc_rs::hmac`) under a server-held key.
//!
//! This is what makes refresh tokens unforgeable without storing them: a refresh token is
//! `session_id || generation || HMAC(k, session_id || generation)`, so a database dump alone
//! cannot mint tokens, and checking one is a constant-time compare (see `docs/architecture.md`,
//! "Refresh tokens"). Keys come from [`crate::MasterKey::derive_mac_key`], one per purpose.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::hmac;
use zeroize::Zeroize;

/// An HMAC-SHA256 key. `Debug` does not show the key.
///
/// Cloning shares the key: copying an `hmac::Key` copies and later wipes its HMAC contexts,
/// and the server state that holds several keys is cloned for every request (measured: a
/// tenth of a refresh's CPU time went to those copies; docs/architecture.md, "Performance
/// budgets").
#[derive(Clone)]
pub struct MacKey {
    key: Arc<hmac::Key>,
}

impl fmt::Debug for MacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MacKey(..)")
    }
}

impl MacKey {
    /// A key from 32 secret bytes (the caller's copy is not wiped; ours is).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let mut bytes = bytes;
        let key = hmac::Key::new(hmac::HMAC_SHA256, &bytes);
        bytes.zeroize();
        MacKey { key: Arc::new(key) }
    }

    /// A key from a secret of any length that someone else chose, e.g. a Facebook app secret
    /// for its `appsecret_proof` (HMAC-SHA256 of the access token under the app secret).
    /// RFC 2104 §2 hashes keys longer than the block size and zero-pads shorter ones.
    pub fn from_secret(secret: &[u8]) -> Self {
        MacKey { key: Arc::new(hmac::Key::new(hmac::HMAC_SHA256, secret)) }
    }

    /// The 32-byte HMAC-SHA256 tag of `data`.
    pub fn tag(&self, data: &[u8]) -> [u8; 32] {
        let tag = hmac::sign(&self.key, data);
        let mut out = [0u8; 32];
        for (dst, src) in out.iter_mut().zip(tag.as_ref()) {
            *dst = *src;
        }
        out
    }

    /// Whether `tag` is the tag of `data`, compared in constant time. Tags of any other
    /// length are simply wrong.
    pub fn verify(&self, data: &[u8], tag: &[u8]) -> bool {
        hmac::verify(&self.key, data, tag).is_ok()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_test_case_2() {
        // RFC 4231 §4.3 uses the 4-byte key "Jefe"; HMAC pads keys shorter than the block
        // with zeros, so the same key zero-extended to 32 bytes gives the same tag.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let mac = MacKey::from_bytes(key);
        let tag = mac.tag(b"what do ya want for nothing?");
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }

    #[test]
    fn rfc4231_test_case_6_with_a_key_longer_than_the_block() {
        let mac = MacKey::from_secret(&[0xaa; 131]);
        let tag = mac.tag(b"Test Using Larger Than Block-Size Key - Hash Key First");
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
        assert_eq!(MacKey::from_secret(b"Jefe").tag(b"x"), {
            let mut key = [0u8; 32];
            key[..4].copy_from_slice(b"Jefe");
            MacKey::from_bytes(key).tag(b"x")
        });
    }

    #[test]
    fn verify_accepts_only_the_right_tag() {
        let mac = MacKey::from_bytes([7u8; 32]);
        let tag = mac.tag(b"session|1");
        assert!(mac.verify(b"session|1", &tag));
        assert!(!mac.verify(b"session|2", &tag));
        let mut bad = tag;
        bad[0] ^= 1;
        assert!(!mac.verify(b"session|1", &bad));
        assert!(!mac.verify(b"session|1", &tag[..31]));
        assert!(!mac.verify(b"session|1", &[]));
        assert!(!MacKey::from_bytes([8u8; 32]).verify(b"session|1", &tag));
        assert_eq!(format!("{mac:?}"), "MacKey(..)");
    }
}
