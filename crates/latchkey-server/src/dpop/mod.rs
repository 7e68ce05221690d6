//! DPoP (RFC 9449) at the server: checking the proof of a request (the rules are
//! [`latchkey_core::dpop`], the signature [`latchkey_crypto::jws::verify_with_embedded_jwk`]),
//! accepting it once across every process (the store's replay table), and server nonces.
//! See docs/architecture.md, "Sender-constrained tokens (DPoP)".

mod proof;

pub(crate) use proof::{check_request_proof, ProofRequest, SUPPORTED_ALGS};

/// The accepted proof algorithms, space-separated, for `WWW-Authenticate: DPoP algs`.
pub(crate) fn supported_algs() -> String {
    SUPPORTED_ALGS.map(|alg| alg.as_str()).join(" ")
}
