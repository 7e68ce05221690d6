//! `latchkey-crypto`: every cryptographic operation of the Latchkey server, in one place.
//!
//! What lives here and why it is a separate crate: signing and verifying JWTs (RFC 7515 JWS
//! compact serialization with the RFC 7518 algorithms ES256 and RS256 and the RFC 8037 EdDSA
//! algorithm), publishing keys as RFC 7517 JWKs named by their RFC 7638 thumbprint, encrypting
//! private keys at rest under a master key, the HMAC that makes refresh tokens unforgeable, and
//! password hashing (Argon2id, with legacy bcrypt verification for imported users).
//!
//! Keeping it apart from the protocol engine means the code an attacker's bytes reach first
//! (token parsing, hash parsing) is small, reviewed as a unit, and never panics: every input
//! error is a typed error ([`CryptoError`] or [`JwsError`]).
//!
//! All primitives come from `aws-lc-rs`, except password hashing (`argon2`, `bcrypt`), which
//! aws-lc-rs does not provide, and RFC 6238 one-time passwords (`totp-rs`, see [`totp`]).

pub mod algorithm;
mod b64;
pub mod digest;
pub mod dpop_nonce;
pub mod error;
pub mod jwk;
pub mod jws;
pub mod keys;
pub mod mac;
pub mod memo;
pub mod password;
pub mod random;
pub mod sealed;
pub mod totp;

pub use algorithm::Algorithm;
pub use error::CryptoError;
pub use jwk::{Jwk, JwkSet};
pub use jws::{decode_unverified, verify_jwt, verify_jwt_with, JwsError, JwsHeader, Verified, MAX_TOKEN_LEN};
pub use keys::{KeySet, SigningKey, VerifyingKey};
pub use mac::MacKey;
pub use password::{Argon2Memory, Argon2Params, PasswordCheck, PasswordHasher};
pub use sealed::MasterKey;

#[cfg(test)]
mod tests {
    /// The server shares these across tasks and threads.
    #[test]
    fn shared_types_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::SigningKey>();
        assert_send_sync::<crate::VerifyingKey>();
        assert_send_sync::<crate::KeySet>();
        assert_send_sync::<crate::MasterKey>();
        assert_send_sync::<crate::MacKey>();
        assert_send_sync::<crate::PasswordHasher>();
        assert_send_sync::<crate::JwsError>();
        assert_send_sync::<crate::CryptoError>();
    }
}
