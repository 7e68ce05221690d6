//! Randomness from the operating system's CSPRNG, through `aws_lc_rs::rand::SystemRandom`.
//!
//! Used for nonces, salts, authorization codes, opaque tokens and key ids that must be
//! unguessable (RFC 6749 §10.10: the probability of guessing a code or token must be
//! negligible, at least 128 bits of entropy; RFC 6819 §5.1.4.2.2).

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroize;

use crate::b64;
use crate::error::CryptoError;

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) -> Result<(), CryptoError> {
    SystemRandom::new().fill(buf).map_err(|_| CryptoError::Random)
}

/// `N` random bytes.
pub fn bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    fill(&mut out)?;
    Ok(out)
}

/// `n_bytes` random bytes, base64url-encoded without padding: an opaque token for URLs,
/// headers and form bodies. Use at least 16 bytes (128 bits) for anything an attacker might
/// guess; 32 is the norm here.
pub fn token(n_bytes: usize) -> Result<String, CryptoError> {
    let mut raw = vec![0u8; n_bytes];
    fill(&mut raw)?;
    let encoded = b64::encode(&raw);
    raw.zeroize();
    Ok(encoded)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_the_expected_length_and_differ() {
        let a = token(32).unwrap();
        let b = token(32).unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(token(0).unwrap(), "");
    }

    #[test]
    fn bytes_are_not_all_zero() {
        let a: [u8; 32] = bytes().unwrap();
        assert_ne!(a, [0u8; 32]);
        let mut buf = [0u8; 0];
        fill(&mut buf).unwrap();
    }
}
