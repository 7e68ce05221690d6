//! The proof of one request: the `DPoP` header, its signature (the key of a header seen before
//! comes from `AppState::dpop_keys`), the RFC 9449 §4.3 checks with
//! this server's clock and public URL, the nonce when required, and the replay check, which
//! records the proof in the table every process shares (one atomic statement).

use axum::http::{HeaderMap, HeaderValue};
use latchkey_core::dpop::{
    access_token_sha256, check_proof, proof_from_headers, AcceptedProof, DpopError, Expected, ProofClaims,
};
use latchkey_crypto::Algorithm;

use crate::error::ApiError;
use crate::state::AppState;

/// The proof algorithms accepted, as listed in discovery and `WWW-Authenticate: DPoP algs`.
pub(crate) const SUPPORTED_ALGS: [Algorithm; 3] = Algorithm::ALL;

/// What the request the proof must fit says.
pub(crate) struct ProofRequest<'a> {
    pub method: &'a str,
    /// The server's route, e.g. `/token`; the proof's `htu` is compared with its public URL.
    pub route: &'a str,
    pub access_token: Option<&'a str>,
    pub bound_jkt: Option<&'a str>,
    pub nonce_required: bool,
}

/// Checks the request's proof and records it as used. `Ok(Ok(None))`: no `DPoP` header;
/// `Ok(Err(..))`: a proof that is refused; `Err`: the store failed.
pub(crate) async fn check_request_proof(
    state: &AppState,
    headers: &HeaderMap,
    request: &ProofRequest<'_>,
) -> Result<Result<Option<AcceptedProof>, DpopError>, ApiError> {
    let values = headers.get_all(latchkey_core::dpop::HEADER).iter().map(HeaderValue::as_bytes);
    let proof = match proof_from_headers(values) {
        Ok(Some(proof)) => proof,
        Ok(None) => return Ok(Ok(None)),
        Err(refused) => return Ok(Err(refused)),
    };
    let now = state.clock.now();
    // In a block: the nonce closure is not `Send`, and must be gone before the store is awaited.
    let checked = {
        let url = state.urls.url_of_route(request.route);
        let nonces = &state.dpop_nonces;
        let valid_nonce = |nonce: &str| nonces.is_valid(nonce, now);
        let expected = Expected {
            method: request.method,
            url,
            access_token_sha256: request.access_token.map(access_token_sha256),
            bound_jkt: request.bound_jkt,
            nonce: request.nonce_required.then_some(&valid_nonce as &dyn Fn(&str) -> bool),
        };
        let verified = state.dpop_keys.verify_payload(proof, &SUPPORTED_ALGS, |signed| {
            let claims: ProofClaims<'_> = signed.claims()?;
            Ok(check_proof(signed.typ, signed.thumbprint, &claims, &expected, state.dpop_window, now))
        });
        match verified {
            Ok(checked) => checked,
            Err(_) => {
                return Ok(Err(DpopError::InvalidProof(
                    "the DPoP proof is not a JWS signed by the key in its header",
                )))
            }
        }
    };
    let accepted = match checked {
        Ok(accepted) => accepted,
        Err(refused) => return Ok(Err(refused)),
    };
    if !state.store.record_dpop_proof(&accepted.replay_key, accepted.remember_until).await? {
        return Ok(Err(DpopError::InvalidProof("the DPoP proof was already used")));
    }
    Ok(Ok(Some(accepted)))
}
