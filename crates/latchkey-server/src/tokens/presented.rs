//! Telling which of our tokens a client presented to `/revoke` or `/introspect`: a refresh
//! token (its MAC checks out for that client), an access token (its signature checks out
//! against our keys), or neither. RFC 7009 §2.1 and RFC 7662 §2.1 let the server search
//! every type whatever `token_type_hint` says; both checks are cheap and need no database.

use latchkey_core::claims::AccessTokenClaims;
use latchkey_crypto::verify_jwt;

use super::refresh_token::RefreshTokenCodec;
use super::session_id::SessionId;
use crate::error::ApiError;
use crate::state::AppState;

pub enum PresentedToken {
    /// One of this client's refresh tokens.
    Refresh { session_id: SessionId, generation: i64 },
    /// An access token signed by this server (any client's; callers check `client_id`).
    Access { typ: Option<String>, kid: Option<String>, claims: Box<AccessTokenClaims> },
    /// Not a token of ours, or a refresh token of another client.
    Unknown,
}

pub fn identify(state: &AppState, token: &str, client_id: &str) -> PresentedToken {
    if let Some((session_id, generation)) = state.refresh_tokens.open(token, client_id) {
        return PresentedToken::Refresh { session_id, generation };
    }
    match verify_jwt::<AccessTokenClaims>(token, &state.keys.verifiers()) {
        Ok(verified) => PresentedToken::Access {
            typ: verified.header.typ,
            kid: verified.header.kid,
            claims: Box::new(verified.claims),
        },
        Err(_) => PresentedToken::Unknown,
    }
}

/// Whether `token` is a genuine token of ours issued to a client other than `client_id`:
/// an access token with another `client_id`, or a refresh token whose MAC checks out for
/// the client of the session it names. RFC 7009 §2.1 has such a revocation refused.
pub async fn belongs_to_another_client(
    state: &AppState,
    token: &PresentedToken,
    raw: &str,
    client_id: &str,
) -> Result<bool, ApiError> {
    match token {
        PresentedToken::Refresh { .. } => Ok(false),
        PresentedToken::Access { claims, .. } => Ok(claims.client_id != client_id),
        PresentedToken::Unknown => {
            let Some(session_id) = RefreshTokenCodec::claimed_session(raw) else { return Ok(false) };
            let Some(found) = state.store.session(&session_id.to_string()).await? else { return Ok(false) };
            let owner = found.session.client_id;
            Ok(owner != client_id && state.refresh_tokens.open(raw, &owner).is_some())
        }
    }
}
