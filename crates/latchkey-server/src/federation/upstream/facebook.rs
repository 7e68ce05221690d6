//! Facebook (an OAuth 2.0 provider for this purpose): who signed in is the Graph API's
//! `GET /me?fields=id,name,email,picture`, called with `appsecret_proof`, the hex
//! HMAC-SHA256 of the access token under the app secret (Graph API "Securing Requests"), so a
//! stolen access token alone cannot call the API on our app's behalf.
//!
//! The `id` is an app-scoped decimal string. Facebook returns `email` only when the user has
//! one, and says nothing about verification: the default mapping treats it as unverified
//! (`mapping.rs`), so a Facebook login is never linked to an account on its e-mail.

use latchkey_crypto::MacKey;
use serde_json::Value;
use url::Url;

use super::http::{Auth, UpstreamHttp};
use super::userinfo::{fetch_profile, subject_of, Identity};
use super::{ProviderConfig, UpstreamError};

/// The profile fields requested.
const FIELDS: &str = "id,name,email,picture";

pub(crate) async fn identity(
    http: &UpstreamHttp,
    p: &ProviderConfig,
    profile_url: &Url,
    access_token: &str,
) -> Result<Identity, UpstreamError> {
    let mut url = profile_url.clone();
    url.query_pairs_mut()
        .append_pair("fields", FIELDS)
        .append_pair("appsecret_proof", &appsecret_proof(&p.client_secret, access_token));
    let mut me = fetch_profile(http, &url, Auth::Bearer(access_token), "application/json").await?;
    let subject =
        me.get("id").and_then(subject_of).ok_or(UpstreamError::Profile("the Facebook user has no id"))?;
    me.insert("sub".into(), Value::String(subject.clone()));
    Ok(Identity { subject, claims: Value::Object(me) })
}

/// Hex HMAC-SHA256(app secret, access token).
pub(crate) fn appsecret_proof(app_secret: &str, access_token: &str) -> String {
    MacKey::from_secret(app_secret.as_bytes())
        .tag(access_token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appsecret_proof_is_hex_hmac_sha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            appsecret_proof("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
