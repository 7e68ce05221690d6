//! Access-token authentication of Latchkey's own resource endpoints (`/userinfo`,
//! `/account/...`): the token from `Authorization: Bearer` (RFC 6750) or, for a DPoP-bound
//! token, `Authorization: DPoP` with a proof of its key (RFC 9449 §7) — and for `POST /userinfo`
//! a form body's `access_token` (RFC 6750 §2.2) — verified offline
//! against this server's keys and then against the session it names, so a revoked session's
//! tokens stop at once. How the token is found and how a refusal answers (status, RFC 6750 §3
//! challenge, body) is [`latchkey_core::bearer`], the rules `latchkey-guard` applies too.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use latchkey_core::bearer::{credentials_from_authorization, token_from_header_or_form, BearerError, Scheme};
use latchkey_core::claims::{check_access_token, AccessTokenClaims, ClaimChecks};
use latchkey_core::dpop::required_proof_key;
use latchkey_crypto::verify_jwt;

use crate::dpop::{check_request_proof, ProofRequest};
use crate::error::ApiError;
use crate::keys;
use crate::state::AppState;

/// `invalid_token` (RFC 6750 §3.1), with a description for the developer.
fn invalid(description: impl Into<String>) -> ApiError {
    BearerError::InvalidToken(description.into()).into()
}

/// Verifies one of this server's access tokens: signature, `typ`, issuer, audience, expiry,
/// its key's revocation, its own and its session's. Returns the claims of an active token.
pub(crate) async fn verify_access_token(
    state: &AppState,
    token: &str,
) -> Result<AccessTokenClaims, ApiError> {
    let verified = verify_jwt::<AccessTokenClaims>(token, &state.keys.verifiers())
        .map_err(|e| invalid(format!("the access token is not valid: {e}")))?;
    let checks = ClaimChecks { issuer: Some(&state.issuer), audience: Some(&state.audience), leeway: 0 };
    let problems =
        check_access_token(verified.header.typ.as_deref(), &verified.claims, &checks, state.clock.now());
    if let Some(problem) = problems.first() {
        return Err(invalid(format!("the access token is not valid: {problem}")));
    }
    if !keys::is_published(state.store.as_ref(), verified.header.kid.as_deref()).await? {
        return Err(invalid("the key that signed this access token was revoked"));
    }
    let claims = verified.claims;
    if state.store.is_access_token_revoked(&claims.jti).await? {
        return Err(invalid("the access token was revoked"));
    }
    if let Some(sid) = &claims.sid {
        let live = state.store.session(sid).await?.is_some_and(|s| s.session.is_live(state.clock.now()));
        if !live {
            return Err(invalid("the session of this access token has ended"));
        }
    }
    Ok(claims)
}

/// The claims of the request's access token, sent as `Bearer`, or as `DPoP` with a proof
/// for `method` and `route` signed by the key the token is bound to (RFC 9449 §7.1). A
/// bound token sent as `Bearer` is refused (§7.2), and so is an unbound one sent as `DPoP`.
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    method: &str,
    route: &str,
) -> Result<AccessTokenClaims, ApiError> {
    let values = headers.get_all(header::AUTHORIZATION).iter().map(HeaderValue::as_bytes);
    let (scheme, token) = credentials_from_authorization(values)?.ok_or(BearerError::MissingToken)?;
    check_credentials(state, headers, scheme, token, method, route).await
}

/// As [`authenticate`], for a `POST` whose form body may carry the token instead of the
/// header (RFC 6750 §2.2), never both.
pub(crate) async fn authenticate_header_or_form(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    method: &str,
    route: &str,
) -> Result<AccessTokenClaims, ApiError> {
    let values = headers.get_all(header::AUTHORIZATION).iter().map(HeaderValue::as_bytes);
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    let (scheme, token) = token_from_header_or_form(values, content_type, body)?;
    check_credentials(state, headers, scheme, &token, method, route).await
}

async fn check_credentials(
    state: &AppState,
    headers: &HeaderMap,
    scheme: Scheme,
    token: &str,
    method: &str,
    route: &str,
) -> Result<AccessTokenClaims, ApiError> {
    let claims = verify_access_token(state, token).await.map_err(|error| match (scheme, error) {
        (Scheme::Dpop, ApiError::Bearer(error)) => ApiError::Dpop(error),
        (_, error) => error,
    })?;
    let Some(bound_jkt) = required_proof_key(scheme, claims.cnf.as_ref()).map_err(ApiError::Dpop)? else {
        return Ok(claims);
    };
    let request = ProofRequest {
        method,
        route,
        access_token: Some(token),
        bound_jkt: Some(bound_jkt),
        nonce_required: false,
    };
    match check_request_proof(state, headers, &request).await? {
        Ok(Some(_)) => Ok(claims),
        Ok(None) => Err(ApiError::Dpop(BearerError::InvalidDpopProof("a DPoP proof is required".into()))),
        Err(refused) => Err(ApiError::Dpop(BearerError::InvalidDpopProof(refused.description().into()))),
    }
}

/// An authenticated end user: the claims of a valid, unrevoked access token with a session.
pub(crate) struct AccountUser {
    pub claims: AccessTokenClaims,
    /// The session the token belongs to.
    pub session_id: String,
}

impl FromRequestParts<AppState> for AccountUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let claims = authenticate(state, &parts.headers, parts.method.as_str(), parts.uri.path()).await?;
        let session_id = claims
            .sid
            .clone()
            .ok_or_else(|| invalid("this access token has no user session (client credentials?)"))?;
        Ok(Self { claims, session_id })
    }
}
