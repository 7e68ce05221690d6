//! Base64url without padding (RFC 7515 §2 "Base64url Encoding"), the only encoding JOSE uses.
//!
//! Decoding is strict: padding characters and non-canonical trailing bits are refused, so each
//! byte string has exactly one accepted encoding.
//!
//! Decoding uses `base64-simd` (SSSE3/AVX2/NEON with a scalar fallback): a token has about a
//! kilobyte of base64url to decode on every verification, and this made up a quarter of the
//! JOSE overhead above the raw signature check with a scalar decoder. It decodes into
//! uninitialized stack buffers, so there is no zeroing either. Encoding (signing, JWKs) is off
//! the hot path and uses the `base64` crate.

use std::mem::MaybeUninit;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use base64_simd::{Out, URL_SAFE_NO_PAD as SIMD_URL_SAFE_NO_PAD};

/// Encodes `bytes` as base64url without padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Appends the base64url encoding of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// Decodes base64url without padding; `None` on any invalid input.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    SIMD_URL_SAFE_NO_PAD.decode_to_vec(text).ok()
}

/// The exact decoded length of `text`, or `None` if no valid encoding has its length.
pub(crate) fn decoded_len(text: &[u8]) -> Option<usize> {
    SIMD_URL_SAFE_NO_PAD.decoded_length(text).ok()
}

/// Decodes `text` into `out` (which need not be initialized) and returns the decoded bytes;
/// `None` on invalid input or when `out` is too short.
pub(crate) fn decode_into<'o>(text: &[u8], out: &'o mut [MaybeUninit<u8>]) -> Option<&'o [u8]> {
    let len = decoded_len(text)?;
    let out = out.get_mut(..len)?;
    SIMD_URL_SAFE_NO_PAD.decode(text, Out::from_uninit_slice(out)).ok().map(|bytes| &*bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn decoding_is_strict() {
        assert_eq!(decode("YQ").unwrap(), b"a");
        assert_eq!(decode("").unwrap(), b"");
        for bad in ["YQ==", "YR", "Y", "YQ.", "Y+8", "Y/8", "YQ\n", " YQ"] {
            assert!(decode(bad).is_none(), "{bad:?}");
        }
        assert_eq!(decode("-_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn decode_into_checks_room_and_matches_decode() {
        let text = encode(&(0u8..=255).collect::<Vec<_>>());
        let mut buf = [MaybeUninit::uninit(); 300];
        assert_eq!(decode_into(text.as_bytes(), &mut buf).unwrap(), decode(&text).unwrap());
        let mut small = [MaybeUninit::uninit(); 255];
        assert!(decode_into(text.as_bytes(), &mut small).is_none());
        assert!(decode_into(b"YQ=", &mut buf).is_none());
    }
}
