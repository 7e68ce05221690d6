//! The DPoP proof of a token request (RFC 9449 §5), by the client's setting: `off` ignores
//! the header, `optional` binds the tokens when a proof comes, `required` refuses a request
//! without one. A refused proof is `invalid_dpop_proof`; a missing or stale nonce is
//! `use_dpop_nonce` with a fresh `DPoP-Nonce` (§8); a nonce that is still valid but due to
//! change gets its successor on the successful answer (§8.2), so a client never has to be
//! refused to learn it.

use axum::http::HeaderMap;
use latchkey_core::dpop::{DpopError, DpopPolicy};
use latchkey_core::{ErrorCode, OAuthError};
use latchkey_store::Client;

use crate::dpop::{check_request_proof, ProofRequest};
use crate::error::ApiError;
use crate::public_urls::Endpoint;
use crate::state::AppState;

/// What the request's proof established.
#[derive(Default)]
pub(super) struct ProvenKey {
    /// The thumbprint of the key the request proved it holds, if it sent a proof.
    pub(super) jkt: Option<String>,
    /// The `DPoP-Nonce` to send with a successful answer, when the proof's is due to change.
    pub(super) next_nonce: Option<String>,
}

/// Checks the request's proof by the client's setting.
pub(super) async fn proven_key(
    state: &AppState,
    client: &Client,
    headers: &HeaderMap,
) -> Result<ProvenKey, ApiError> {
    if client.dpop == DpopPolicy::Off {
        return Ok(ProvenKey::default());
    }
    let request = ProofRequest {
        method: "POST",
        route: Endpoint::Token.route(),
        access_token: None,
        bound_jkt: None,
        nonce_required: client.dpop_nonce,
    };
    match check_request_proof(state, headers, &request).await? {
        Ok(Some(accepted)) => {
            let now = state.clock.now();
            let next_nonce = accepted.nonce.and_then(|nonce| state.dpop_nonces.replacement(&nonce, now));
            Ok(ProvenKey { jkt: Some(accepted.jkt), next_nonce })
        }
        Ok(None) if client.dpop == DpopPolicy::Required => {
            Err(OAuthError::new(ErrorCode::InvalidDpopProof, "this client must send a DPoP proof").into())
        }
        Ok(None) => Ok(ProvenKey::default()),
        Err(refused @ DpopError::UseNonce) => {
            let error = OAuthError::new(refused.code(), refused.description());
            Err(ApiError::WithDpopNonce(Box::new(error.into()), state.dpop_nonces.current(state.clock.now())))
        }
        Err(refused) => Err(OAuthError::new(refused.code(), refused.description()).into()),
    }
}
