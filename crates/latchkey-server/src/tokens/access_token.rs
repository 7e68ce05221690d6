//! JWT access tokens (RFC 9068): `typ: at+jwt`, signed with the server's access-token key.

use latchkey_core::claims::{AccessTokenClaims, Audience, Confirmation, ACCESS_TOKEN_TYP};
use latchkey_core::scope::Scope;
use latchkey_crypto::random;
use latchkey_store::SignInMethod;

use crate::error::ApiError;
use crate::state::AppState;

/// Whom and what an access token is for.
pub struct AccessTokenSpec<'a> {
    /// The user id, or the client id for client credentials.
    pub subject: &'a str,
    pub client_id: &'a str,
    pub scope: &'a Scope,
    pub session_id: Option<&'a str>,
    pub auth_time: Option<i64>,
    pub username: Option<&'a str>,
    pub roles: &'a [String],
    /// How the user signed in (`amr`, `idp`); none for client credentials.
    pub method: Option<&'a SignInMethod>,
    pub ttl: i64,
    /// The DPoP key the token is bound to (`cnf.jkt`, RFC 9449 §6.1), if any.
    pub dpop_jkt: Option<&'a str>,
}

/// A signed access token and its lifetime in seconds.
pub struct IssuedAccessToken {
    pub token: String,
    pub expires_in: i64,
    /// `DPoP` for a token bound to a key (RFC 9449 §5), else `Bearer`.
    pub token_type: &'static str,
}

/// Signs an access token for `spec`, valid from now for `spec.ttl` seconds.
pub fn issue(state: &AppState, spec: &AccessTokenSpec<'_>) -> Result<IssuedAccessToken, ApiError> {
    let now = state.clock.now();
    let claims = AccessTokenClaims {
        iss: state.issuer.to_string(),
        sub: spec.subject.to_owned(),
        aud: Audience::One(state.audience.to_string()),
        exp: now + spec.ttl,
        iat: now,
        nbf: None,
        jti: random::token(16)?,
        client_id: spec.client_id.to_owned(),
        scope: (!spec.scope.is_empty()).then(|| spec.scope.to_string()),
        sid: spec.session_id.map(str::to_owned),
        auth_time: spec.auth_time,
        preferred_username: spec.username.map(str::to_owned),
        roles: spec.roles.to_vec(),
        cnf: spec.dpop_jkt.map(|jkt| Confirmation { jkt: jkt.to_owned() }),
        amr: spec.method.map(|m| m.amr.clone()).unwrap_or_default(),
        acr: None,
        idp: spec.method.and_then(|m| m.idp.clone()),
    };
    let token = state.keys.access_token_signer().sign_jwt(ACCESS_TOKEN_TYP, &claims)?;
    let token_type = if spec.dpop_jkt.is_some() { "DPoP" } else { "Bearer" };
    Ok(IssuedAccessToken { token, expires_in: spec.ttl, token_type })
}
