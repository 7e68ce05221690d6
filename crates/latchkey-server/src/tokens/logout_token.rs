//! Logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.4): signed with the ID-token key,
//! `typ: logout+jwt` (§2.4, RFC 8725 §3.11, so one is never taken for an ID token), naming the
//! user (`sub`) and the browser session (`sid`, as ID tokens carry it), with the back-channel
//! logout event and a `jti`; never a `nonce` (§2.4: that is how an RP tells it from an ID
//! token).
//!
//! `sid` for a session that has no browser session (the password grant, the token exchange:
//! no ID token was ever issued in it): a client registered with
//! `backchannel_logout_session_required` (§2.2, "REQUIRED if ... true" in §2.4) gets the
//! refresh session's own id, the `sid` its access tokens carry, never a token without `sid`
//! (which §2.4 reads as "every session of this user" and would end the user's browser
//! sessions at the RP too). Other clients get `sub` alone, as before.

use anyhow::Context;
use latchkey_crypto::random;
use latchkey_store::BackchannelLogout;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// The event member of every logout token (§2.4).
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// How long a logout token is valid: §2.4 recommends a short life, minutes at most.
pub const LOGOUT_TOKEN_TTL: i64 = 120;

/// The claims of a logout token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogoutTokenClaims {
    pub iss: String,
    pub sub: String,
    /// The client id.
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub events: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// The `sid` claim: the browser session ID tokens carried; for a client that requires a
/// `sid` and a session without a browser session, the refresh session (see the module doc).
fn sid(delivery: &BackchannelLogout) -> Option<String> {
    let refresh_session = || delivery.session_id.clone();
    delivery.browser_session_id.clone().or_else(|| delivery.session_required.then(refresh_session))
}

/// Signs the logout token of one delivery, valid from now for [`LOGOUT_TOKEN_TTL`], on the
/// blocking pool (an RS256 signature, as for ID tokens).
pub async fn issue(state: &AppState, delivery: &BackchannelLogout) -> anyhow::Result<String> {
    let now = state.clock.now();
    let claims = LogoutTokenClaims {
        iss: state.issuer.to_string(),
        sub: delivery.user_id.clone(),
        aud: delivery.client_id.clone(),
        iat: now,
        exp: now + LOGOUT_TOKEN_TTL,
        jti: random::token(16)?,
        events: serde_json::json!({ BACKCHANNEL_LOGOUT_EVENT: {} }),
        sid: sid(delivery),
    };
    let keys = state.keys.clone();
    tokio::task::spawn_blocking(move || keys.id_token_signer().sign_jwt("logout+jwt", &claims))
        .await
        .context("the logout-token signing task failed")?
        .context("cannot sign a logout token")
}
