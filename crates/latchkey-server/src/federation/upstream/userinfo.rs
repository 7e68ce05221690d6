//! Who signed in, for OpenID Connect providers (the validated ID token, completed by UserInfo,
//! OpenID Connect Core §5.3) and for generic OAuth 2.0 providers (their profile API).
//!
//! UserInfo's `sub` must equal the ID token's (Core §5.3.2: else the response "MUST NOT be
//! used"): [`UpstreamError::SubjectMismatch`]. The ID token's claims win over UserInfo's, being
//! signed. Apple has no UserInfo: its name arrives once, in the unsigned `user` form field of
//! the first login, from which only the name is taken, never the e-mail.

use serde_json::{Map, Value};
use url::Url;

use super::http::{Auth, UpstreamHttp};
use super::{
    CallbackInput, Flavor, IdTokenExpectations, ProviderConfig, Upstream, UpstreamError, UpstreamTokens,
};

/// A provider's subject and the claims the profile is mapped from.
pub(crate) struct Identity {
    pub subject: String,
    pub claims: Value,
}

impl Upstream {
    pub(crate) async fn oidc_identity(
        &self,
        p: &ProviderConfig,
        userinfo_endpoint: Option<&Url>,
        tokens: &UpstreamTokens,
        cb: &CallbackInput,
    ) -> Result<Identity, UpstreamError> {
        let id_token =
            tokens.id_token.as_deref().ok_or(UpstreamError::IdToken("the provider returned none"))?;
        let audiences = [p.client_id.clone()];
        let expect = IdTokenExpectations {
            audiences: &audiences,
            nonce: Some(&cb.nonce),
            access_token: Some(&tokens.access_token),
        };
        let mut claims = self.validate_id_token(p, id_token, &expect).await?;
        let subject = claims.get("sub").and_then(Value::as_str).unwrap_or_default().to_owned();
        if let (Some(url), true) = (userinfo_endpoint, p.flavor != Flavor::Apple) {
            let info = fetch_profile(&self.http, url, Auth::Bearer(&tokens.access_token), "application/json")
                .await?;
            if info.get("sub").and_then(Value::as_str) != Some(subject.as_str()) {
                return Err(UpstreamError::SubjectMismatch);
            }
            fill_missing(&mut claims, info);
        }
        if let (Flavor::Apple, Some(user)) = (p.flavor, &cb.apple_user) {
            fill_missing(&mut claims, apple_name(user));
        }
        Ok(Identity { subject, claims })
    }
}

/// A generic OAuth 2.0 provider: the profile's `sub`, or else its `id` (string or integer).
pub(crate) async fn oauth2_identity(
    http: &UpstreamHttp,
    url: &Url,
    access_token: &str,
) -> Result<Identity, UpstreamError> {
    let mut profile = fetch_profile(http, url, Auth::Bearer(access_token), "application/json").await?;
    let subject = match profile.get("sub") {
        Some(sub) => subject_of(sub),
        None => profile.get("id").and_then(subject_of),
    }
    .ok_or(UpstreamError::Profile("it has no usable subject (sub or id)"))?;
    profile.insert("sub".into(), Value::String(subject.clone()));
    Ok(Identity { subject, claims: Value::Object(profile) })
}

/// A subject: a non-empty string of at most 255 characters, or a non-negative integer
/// written in decimal.
pub(crate) fn subject_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() && s.len() <= 255 => Some(s.clone()),
        Value::Number(n) => n.as_u64().map(|id| id.to_string()),
        _ => None,
    }
}

/// GETs a JSON object from a profile API; anything else is [`UpstreamError::Profile`].
pub(crate) async fn fetch_profile(
    http: &UpstreamHttp,
    url: &Url,
    auth: Auth<'_>,
    accept: &str,
) -> Result<Map<String, Value>, UpstreamError> {
    let reply = http.get(url, auth, accept).await?;
    if !reply.is_success() {
        return Err(UpstreamError::Profile("the provider refused the profile request"));
    }
    if reply.content_type.starts_with("application/jwt") {
        return Err(UpstreamError::Profile("signed UserInfo responses are not supported"));
    }
    match reply.json() {
        Some(Value::Object(map)) => Ok(map),
        _ => Err(UpstreamError::Profile("the profile is not a JSON object")),
    }
}

/// Adds `extra`'s members that `claims` does not have.
fn fill_missing(claims: &mut Value, extra: Map<String, Value>) {
    if let Value::Object(claims) = claims {
        for (name, value) in extra {
            claims.entry(name).or_insert(value);
        }
    }
}

/// The name from Apple's `user` field: `{"name":{"firstName":..,"lastName":..},"email":..}`.
fn apple_name(user: &str) -> Map<String, Value> {
    let parsed: Value = serde_json::from_str(user).unwrap_or_default();
    let part =
        |name: &str| parsed.pointer(&format!("/name/{name}")).and_then(Value::as_str).map(str::to_owned);
    let mut out = Map::new();
    let (given, family) = (part("firstName"), part("lastName"));
    let full: Vec<&str> = [given.as_deref(), family.as_deref()].into_iter().flatten().collect();
    if !full.is_empty() {
        out.insert("name".into(), Value::String(full.join(" ")));
    }
    if let Some(given) = given {
        out.insert("given_name".into(), Value::String(given));
    }
    if let Some(family) = family {
        out.insert("family_name".into(), Value::String(family));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn apple_user_gives_the_name_only() {
        let user = r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"attacker@example.com"}"#;
        let name = apple_name(user);
        assert_eq!(name.get("name").unwrap(), "Ada Lovelace");
        assert_eq!(name.get("given_name").unwrap(), "Ada");
        assert!(!name.contains_key("email"));
        assert!(apple_name("not json").is_empty());
    }

    #[test]
    fn id_token_claims_win_over_userinfo() {
        let mut claims = serde_json::json!({"sub": "1", "email": "signed@example.com"});
        let info = serde_json::json!({"sub": "1", "email": "other@example.com", "picture": "https://p"});
        let Value::Object(info) = info else { unreachable!() };
        fill_missing(&mut claims, info);
        assert_eq!(claims["email"], "signed@example.com");
        assert_eq!(claims["picture"], "https://p");
    }

    #[test]
    fn subjects_are_strings_or_decimal_integers() {
        assert_eq!(subject_of(&serde_json::json!(583231)).as_deref(), Some("583231"));
        assert_eq!(subject_of(&serde_json::json!("abc")).as_deref(), Some("abc"));
        for bad in
            [serde_json::json!(-1), serde_json::json!(1.5), serde_json::json!(""), serde_json::json!(null)]
        {
            assert_eq!(subject_of(&bad), None, "{bad}");
        }
    }
}
