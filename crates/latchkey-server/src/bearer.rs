//! Bearer-token authentication of Latchkey's own resource endpoints (`/userinfo`,
//! `/account/...`), RFC 6750: the token from `Authorization: Bearer` (or, for `POST /userinfo`,
//! a form body's `access_token`, §2.2), verified offline against
//! this server's keys and then against the session it names, so a revoked session's tokens
//! stop at once. How the token is found and how a refusal answers (status, RFC 6750 §3
//! challenge, body) is [`latchkey_core::bearer`], the rules `latchkey-guard` applies too.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use latchkey_core::bearer::{token_from_authorization, token_from_header_or_form, BearerError};
use latchkey_core::claims::{check_access_token, AccessTokenClaims, ClaimChecks};
use latchkey_crypto::verify_jwt;

use crate::error::ApiError;
use crate::keys;
use crate::state::AppState;

/// The token from `Authorization: Bearer <token>` (RFC 6750 §2.1).
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, BearerError> {
    let values = headers.get_all(header::AUTHORIZATION).iter().map(HeaderValue::as_bytes);
    token_from_authorization(values)?.ok_or(BearerError::MissingToken)
}

/// The token from the `Authorization` header or the form body of a `POST` (RFC 6750 §2.1,
/// §2.2), exactly one of them.
pub(crate) fn bearer_token_or_form(headers: &HeaderMap, body: &[u8]) -> Result<String, BearerError> {
    let values = headers.get_all(header::AUTHORIZATION).iter().map(HeaderValue::as_bytes);
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    token_from_header_or_form(values, content_type, body)
}

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

/// An authenticated end user: the claims of a valid, unrevoked access token with a session.
pub(crate) struct AccountUser {
    pub claims: AccessTokenClaims,
    /// The session the token belongs to.
    pub session_id: String,
}

impl FromRequestParts<AppState> for AccountUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)?;
        let claims = verify_access_token(state, token).await?;
        let session_id = claims
            .sid
            .clone()
            .ok_or_else(|| invalid("this access token has no user session (client credentials?)"))?;
        Ok(Self { claims, session_id })
    }
}
