//! Signing keys (private, ours) and verifying keys (public, ours or a peer's), and the key set a
//! verifier looks keys up in by `kid`.
//!
//! A key is bound to exactly one algorithm when it is constructed (RFC 7517 §4.4 `alg`, or
//! inferred from `kty`/`crv` per RFC 7518 §6 and RFC 8037 §2), and verification always uses that
//! algorithm. This is what makes algorithm-confusion attacks (`alg: none`, HS256 keyed with the
//! public key, swapping one asymmetric algorithm for another) impossible by construction rather
//! than by a check someone might forget.

mod set;
mod signing;
mod verifying;

pub use set::KeySet;
pub use signing::SigningKey;
pub use verifying::VerifyingKey;
