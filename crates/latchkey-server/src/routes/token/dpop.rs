//! The DPoP proof of a token request (RFC 9449 §5), by the client's setting: `off` ignores
//! the header, `optional` binds the tokens when a proof comes, `required` refuses a request
//! without one. A refused proof is `invalid_dpop_proof`; a missing or stale nonce is
//! `use_dpop_nonce` with a fresh `DPoP-Nonce` (§8).

use axum::http::HeaderMap;
use latchkey_core::dpop::{DpopError, DpopPolicy};
use latchkey_core::{ErrorCode, OAuthError};
use latchkey_store::Client;

use crate::dpop::{check_request_proof, ProofRequest};
use crate::error::ApiError;
use crate::public_urls::Endpoint;
use crate::state::AppState;

/// The thumbprint of the key the request proved it holds, if it sent a proof.
pub(super) async fn proven_key(
    state: &AppState,
    client: &Client,
    headers: &HeaderMap,
) -> Result<Option<String>, ApiError> {
    if client.dpop == DpopPolicy::Off {
        return Ok(None);
    }
    let request = ProofRequest {
        method: "POST",
        route: Endpoint::Token.route(),
        access_token: None,
        bound_jkt: None,
        nonce_required: client.dpop_nonce,
    };
    match check_request_proof(state, headers, &request).await? {
        Ok(Some(accepted)) => Ok(Some(accepted.jkt)),
        Ok(None) if client.dpop == DpopPolicy::Required => {
            Err(OAuthError::new(ErrorCode::InvalidDpopProof, "this client must send a DPoP proof").into())
        }
        Ok(None) => Ok(None),
        Err(refused @ DpopError::UseNonce) => {
            let error = OAuthError::new(refused.code(), refused.description());
            Err(ApiError::WithDpopNonce(Box::new(error.into()), state.dpop_nonces.current(state.clock.now())))
        }
        Err(refused) => Err(OAuthError::new(refused.code(), refused.description()).into()),
    }
}
