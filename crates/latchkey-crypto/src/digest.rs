//! SHA-256 (FIPS 180-4, via `aws_lc_rs::digest`): for PKCE S256 (RFC 7636 §4.2), the OpenID
//! Connect `at_hash` (Core §3.1.3.6), and storing authorization codes and browser-session
//! secrets as hashes (they have >= 128 bits of entropy, so a fast hash is enough).
//!
//! SHA-512: the `at_hash` of an upstream ID token signed with EdDSA (Ed25519 hashes with
//! SHA-512, and `at_hash` uses the hash of the signature algorithm).

use aws_lc_rs::digest;

/// The SHA-256 digest of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = digest::digest(&digest::SHA256, data);
    let mut out = [0u8; 32];
    for (dst, src) in out.iter_mut().zip(d.as_ref()) {
        *dst = *src;
    }
    out
}

/// The SHA-512 digest of `data`.
pub fn sha512(data: &[u8]) -> [u8; 64] {
    let d = digest::digest(&digest::SHA512, data);
    let mut out = [0u8; 64];
    for (dst, src) in out.iter_mut().zip(d.as_ref()) {
        *dst = *src;
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        let hex: String = sha256(b"abc").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn sha512_of_abc() {
        let hex: String = sha512(b"abc").iter().map(|b| format!("{b:02x}")).collect();
        // FIPS 180-4 example "abc" (also `printf abc | sha512sum`).
        let expected = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                        2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
        assert_eq!(hex, expected);
    }
}
