//! Bearer-token authentication of Latchkey's own resource endpoints (`/account/...`),
//! RFC 6750: the token from `Authorization: Bearer`, verified offline against this server's
//! keys and then against the session it names, so a revoked session's tokens stop at once.
//! Failures answer 401 with a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::claims::{check_access_token, AccessTokenClaims, ClaimChecks};
use latchkey_crypto::verify_jwt;
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// Why a request carries no acceptable bearer token.
#[derive(Debug)]
pub enum BearerError {
    /// No credentials at all: a bare challenge (RFC 6750 §3.1, "SHOULD NOT include an
    /// error code").
    Missing,
    /// `invalid_token`, with a description for the developer.
    Invalid(String),
    /// The token is fine but the request needs something else (e.g. the database).
    Api(ApiError),
}

impl From<ApiError> for BearerError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<latchkey_store::StoreError> for BearerError {
    fn from(error: latchkey_store::StoreError) -> Self {
        Self::Api(error.into())
    }
}

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let (challenge, body) = match self {
            Self::Api(error) => return error.into_response(),
            Self::Missing => (
                "Bearer realm=\"latchkey\"".to_owned(),
                json!({ "error": "invalid_request", "error_description": "an access token is required" }),
            ),
            Self::Invalid(description) => {
                let quoted = description.replace(['"', '\\'], "'");
                (
                    format!(
                        "Bearer realm=\"latchkey\", error=\"invalid_token\", error_description=\"{quoted}\""
                    ),
                    json!({ "error": "invalid_token", "error_description": description }),
                )
            }
        };
        let mut response = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// The token from `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 9110
/// §11.1).
pub fn bearer_token(parts: &Parts) -> Result<&str, BearerError> {
    bearer_token_from_headers(&parts.headers)
}

/// [`bearer_token`] from the headers alone.
pub fn bearer_token_from_headers(headers: &axum::http::HeaderMap) -> Result<&str, BearerError> {
    let value = headers.get(header::AUTHORIZATION).ok_or(BearerError::Missing)?;
    let value =
        value.to_str().map_err(|_| BearerError::Invalid("the Authorization header is not ASCII".into()))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim())
        }
        _ => Err(BearerError::Missing),
    }
}

/// Verifies one of this server's access tokens: signature, `typ`, issuer, audience, expiry,
/// its own revocation and its session's. Returns the claims of an active token.
pub async fn verify_access_token(state: &AppState, token: &str) -> Result<AccessTokenClaims, BearerError> {
    let verified = verify_jwt::<AccessTokenClaims>(token, state.keys.verifiers())
        .map_err(|e| BearerError::Invalid(format!("the access token is not valid: {e}")))?;
    let checks = ClaimChecks { issuer: Some(&state.issuer), audience: Some(&state.audience), leeway: 0 };
    let problems =
        check_access_token(verified.header.typ.as_deref(), &verified.claims, &checks, state.clock.now());
    if let Some(problem) = problems.first() {
        return Err(BearerError::Invalid(format!("the access token is not valid: {problem}")));
    }
    let claims = verified.claims;
    if state.store.is_access_token_revoked(&claims.jti).await? {
        return Err(BearerError::Invalid("the access token was revoked".into()));
    }
    if let Some(sid) = &claims.sid {
        let live = state.store.session(sid).await?.is_some_and(|s| s.session.is_live(state.clock.now()));
        if !live {
            return Err(BearerError::Invalid("the session of this access token has ended".into()));
        }
    }
    Ok(claims)
}

/// An authenticated end user: the claims of a valid, unrevoked access token with a session.
pub struct AccountUser {
    pub claims: AccessTokenClaims,
    /// The session the token belongs to.
    pub session_id: String,
}

impl FromRequestParts<AppState> for AccountUser {
    type Rejection = BearerError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        let claims = verify_access_token(state, token).await?;
        let session_id = claims.sid.clone().ok_or_else(|| {
            BearerError::Invalid("this access token has no user session (client credentials?)".into())
        })?;
        Ok(Self { claims, session_id })
    }
}
