//! Telling which of our tokens a client presented to `/revoke` or `/introspect`: a refresh
//! token (its MAC checks out for that client), an access token (its signature checks out
//! against our keys), or neither. RFC 7009 §2.1 and RFC 7662 §2.1 let the server search
//! every type whatever `token_type_hint` says; both checks are cheap and need no database.

use latchkey_core::claims::AccessTokenClaims;
use latchkey_crypto::verify_jwt;

use super::session_id::SessionId;
use crate::state::AppState;

pub enum PresentedToken {
    /// One of this client's refresh tokens.
    Refresh { session_id: SessionId, generation: i64 },
    /// An access token signed by this server (any client's; callers check `client_id`).
    Access { typ: Option<String>, claims: Box<AccessTokenClaims> },
    /// Not a token of ours, or a refresh token of another client.
    Unknown,
}

pub fn identify(state: &AppState, token: &str, client_id: &str) -> PresentedToken {
    if let Some((session_id, generation)) = state.refresh_tokens.open(token, client_id) {
        return PresentedToken::Refresh { session_id, generation };
    }
    match verify_jwt::<AccessTokenClaims>(token, state.keys.verifiers()) {
        Ok(verified) => {
            PresentedToken::Access { typ: verified.header.typ, claims: Box::new(verified.claims) }
        }
        Err(_) => PresentedToken::Unknown,
    }
}
