//! Base64url without padding (RFC 7515 §2 "Base64url Encoding"), the only encoding JOSE uses.
//!
//! Decoding is strict: padding characters and non-canonical trailing bits are refused, so each
//! byte string has exactly one accepted encoding.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

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
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// An upper bound on the decoded length of `encoded_len` base64 characters.
pub(crate) fn decoded_len_bound(encoded_len: usize) -> usize {
    encoded_len.div_ceil(4).saturating_mul(3)
}

/// Decodes into `out`, returning the number of bytes written; `None` on invalid input or when
/// `out` is shorter than [`decoded_len_bound`] of the input.
pub(crate) fn decode_into(text: &[u8], out: &mut [u8]) -> Option<usize> {
    if out.len() < decoded_len_bound(text.len()) {
        return None;
    }
    URL_SAFE_NO_PAD.decode_slice(text, out).ok()
}
