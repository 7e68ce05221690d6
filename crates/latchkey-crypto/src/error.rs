//! The error type of every fallible operation in this crate except JWT verification (which has
//! its own, finer [`crate::JwsError`], because callers map its variants to distinct RFC 6750
//! `error_description`s and log lines).
//!
//! Messages are plain words meant for operators' logs and CLI output. They never contain key
//! material, plaintext, or passwords.

use thiserror::Error;

/// What went wrong in a cryptographic operation.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CryptoError {
    /// An algorithm name that is not one of the three this server implements.
    #[error("unsupported algorithm \"{0}\": supported algorithms are ES256, RS256 and EdDSA")]
    UnsupportedAlgorithm(String),

    /// Generating a new key pair failed inside the crypto library.
    #[error("could not generate a {0} key pair")]
    KeyGeneration(&'static str),

    /// A private key (PKCS#8) could not be used.
    #[error("the private key was rejected: {0}")]
    InvalidPrivateKey(String),

    /// A JWK could not be turned into a verifying key (RFC 7517, RFC 7518 §6, RFC 8037 §2).
    #[error("cannot use the JWK with kid {kid}: {reason}")]
    InvalidJwk {
        /// The key's `kid` in quotes, or `(none)` when the key has no `kid`.
        kid: String,
        /// Why the key was refused.
        reason: String,
    },

    /// Two keys in one key set have the same `kid`; only the first is kept.
    #[error("duplicate key id \"{0}\" in the key set; only the first key with this id is used")]
    DuplicateKid(String),

    /// Producing a signature failed inside the crypto library.
    #[error("signing failed")]
    Signing,

    /// A signature did not verify.
    #[error("the signature is not valid for this key and message")]
    BadSignature,

    /// Serializing the JWS header or claims to JSON failed.
    #[error("could not serialize the token: {0}")]
    Serialization(String),

    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,

    /// A master key of the wrong length or encoding.
    #[error("invalid master key: {0}")]
    InvalidMasterKey(String),

    /// Encryption under the master key failed.
    #[error("encryption failed")]
    Seal,

    /// Decryption failed: wrong key, wrong associated data, altered or truncated ciphertext.
    #[error(
        "decryption failed: the data was altered, truncated, or sealed under a different key or purpose"
    )]
    Open,

    /// Argon2 parameters outside what the algorithm or this server accepts.
    #[error("invalid Argon2 parameters: {0}")]
    InvalidPasswordParams(String),

    /// Hashing a password failed.
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
}

impl CryptoError {
    /// An [`CryptoError::InvalidJwk`] for the key named `kid`.
    pub(crate) fn invalid_jwk(kid: Option<&str>, reason: impl Into<String>) -> Self {
        CryptoError::InvalidJwk {
            kid: match kid {
                Some(kid) => format!("\"{kid}\""),
                None => "(none)".to_owned(),
            },
            reason: reason.into(),
        }
    }
}
