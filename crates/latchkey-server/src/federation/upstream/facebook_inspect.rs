//! Facebook's token inspection (Graph API `GET /debug_token`), the only way to learn which app
//! an opaque Facebook access token was issued to. Token exchange (RFC 8693) of an access token
//! needs it: calling `/me` alone would accept a token issued to ANY app (the Keycloak v1 trap),
//! so a token another app obtained could sign its user in here.
//!
//! The request authenticates with our app token, `app_id|app_secret` (Graph API "Access
//! Tokens"), sent as a bearer token rather than in the URL. The answer's documented shape is
//! `{"data":{"app_id","type","application","expires_at","is_valid","scopes","user_id"}}`;
//! Latchkey requires `is_valid: true`, `app_id` equal to ours, `expires_at` in the future (a
//! token that never expires, `0`, is not a user login) and an app-scoped `user_id`.

use serde_json::Value;
use url::Url;

use super::http::{Auth, UpstreamHttp};
use super::userinfo::subject_of;
use super::{ProviderConfig, UpstreamError};

/// What `debug_token` vouched for.
pub(crate) struct Inspected {
    /// The app-scoped user id.
    pub user_id: String,
    pub expires_at: i64,
}

/// `debug_token` beside the profile endpoint: `https://graph.facebook.com/v19.0/me` →
/// `.../v19.0/debug_token`.
pub(crate) fn debug_token_url(profile_url: &Url) -> Result<Url, UpstreamError> {
    profile_url.join("debug_token").map_err(|_| UpstreamError::Profile("no token inspection endpoint"))
}

pub(crate) async fn inspect(
    http: &UpstreamHttp,
    p: &ProviderConfig,
    profile_url: &Url,
    access_token: &str,
    now: i64,
) -> Result<Inspected, UpstreamError> {
    let mut url = debug_token_url(profile_url)?;
    url.query_pairs_mut().append_pair("input_token", access_token);
    let app_token = zeroize::Zeroizing::new(format!("{}|{}", p.client_id, p.client_secret.as_str()));
    let reply = http.get(&url, Auth::Bearer(&app_token), "application/json").await?;
    if !reply.is_success() {
        return Err(UpstreamError::Profile("the provider refused to inspect the token"));
    }
    let answer = reply.json().unwrap_or_default();
    let data = answer.get("data").ok_or(UpstreamError::Profile("the token inspection has no data"))?;
    check(p, data, now)
}

fn check(p: &ProviderConfig, data: &Value, now: i64) -> Result<Inspected, UpstreamError> {
    if data.get("is_valid") != Some(&Value::Bool(true)) {
        return Err(UpstreamError::Profile("the provider says the access token is not valid"));
    }
    if data.get("app_id").and_then(subject_of).as_deref() != Some(p.client_id.as_str()) {
        return Err(UpstreamError::Profile("the access token was issued to another app"));
    }
    if data.get("type").and_then(Value::as_str).is_some_and(|t| t != "USER") {
        return Err(UpstreamError::Profile("the access token is not a user's"));
    }
    let expires_at = data.get("expires_at").and_then(Value::as_i64).unwrap_or(0);
    if expires_at <= now {
        return Err(UpstreamError::Profile("the access token has expired or never expires"));
    }
    let user_id = data
        .get("user_id")
        .and_then(subject_of)
        .ok_or(UpstreamError::Profile("the access token names no user"))?;
    Ok(Inspected { user_id, expires_at })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_token_sits_beside_me() {
        let me = Url::parse("https://graph.facebook.com/v19.0/me").unwrap();
        assert_eq!(debug_token_url(&me).unwrap().as_str(), "https://graph.facebook.com/v19.0/debug_token");
    }
}
