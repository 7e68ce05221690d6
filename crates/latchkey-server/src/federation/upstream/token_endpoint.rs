//! The provider's token endpoint (RFC 6749 §3.2): the authorization-code exchange (§4.1.3,
//! with the PKCE `code_verifier` of RFC 7636 §4.5) and the refresh grant (§6).
//!
//! Client authentication is `client_secret_basic` (§2.3.1) unless the provider takes the
//! secret in the body (`client_secret_post`): GitHub, Facebook and Apple, or an OpenID Connect
//! provider whose discovery lists only that.
//!
//! The response is parsed whatever its content type: JSON (§5.1), or the
//! `application/x-www-form-urlencoded` GitHub answers with when not asked for JSON. An
//! `error` member is an error whatever the status: GitHub says `200 OK` with
//! `{"error":"bad_verification_code",...}`. Only the error code, charset-checked, is kept.

use serde_json::{Map, Value};
use url::Url;
use zeroize::Zeroizing;

use super::apple;
use super::error::error_code;
use super::http::{Auth, Reply};
use super::{ProviderConfig, Upstream, UpstreamError, UpstreamTokens};

/// How we authenticate to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientAuth {
    /// `client_secret_basic` (RFC 6749 §2.3.1).
    Basic,
    /// `client_secret_post`: `client_id` and `client_secret` in the body.
    Post,
}

impl Upstream {
    /// Refreshes the upstream access token with `refresh_token` (RFC 6749 §6). When the
    /// answer has no new refresh token, the old one stays valid (§6: "MAY issue").
    pub async fn refresh(
        &self,
        p: &ProviderConfig,
        refresh_token: &str,
    ) -> Result<UpstreamTokens, UpstreamError> {
        let endpoints = self.endpoints(p).await?;
        let params = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
        self.token_request(p, &endpoints.token, endpoints.client_auth, &params).await
    }

    /// POSTs a token request and parses the answer.
    pub(crate) async fn token_request(
        &self,
        p: &ProviderConfig,
        endpoint: &Url,
        client_auth: ClientAuth,
        params: &[(&str, &str)],
    ) -> Result<UpstreamTokens, UpstreamError> {
        let secret = apple::client_secret(p, self.clock.now())?;
        let mut form: Vec<(&str, &str)> = params.to_vec();
        let auth = match client_auth {
            ClientAuth::Basic => Auth::Basic { user: &p.client_id, password: &secret },
            ClientAuth::Post => {
                form.push(("client_id", &p.client_id));
                form.push(("client_secret", &secret));
                Auth::None
            }
        };
        let reply = self.http.post_form(endpoint, auth, &form).await?;
        parse_token_response(&reply)
    }
}

/// The members of a token response, from JSON or a form body.
fn members(reply: &Reply) -> Option<Map<String, Value>> {
    let form = || {
        let pairs =
            form_urlencoded::parse(&reply.body).map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())));
        let map: Map<String, Value> = pairs.collect();
        (!map.is_empty()).then_some(map)
    };
    if reply.content_type.starts_with("application/x-www-form-urlencoded") {
        return form();
    }
    match reply.json() {
        Some(Value::Object(map)) => Some(map),
        Some(_) => None,
        None if reply.content_type.starts_with("text/plain") || reply.content_type.is_empty() => form(),
        None => None,
    }
}

fn string(members: &Map<String, Value>, name: &str) -> Option<String> {
    members.get(name).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Parses a token-endpoint answer (RFC 6749 §5.1 success, §5.2 error).
pub(crate) fn parse_token_response(reply: &Reply) -> Result<UpstreamTokens, UpstreamError> {
    let invalid = || UpstreamError::TokenEndpoint("invalid_response".into());
    let Some(members) = members(reply) else {
        return Err(invalid());
    };
    if let Some(error) = members.get("error") {
        return Err(UpstreamError::TokenEndpoint(error_code(error.as_str().unwrap_or_default())));
    }
    if !reply.is_success() {
        return Err(invalid());
    }
    let access_token = string(&members, "access_token").ok_or_else(invalid)?;
    if let Some(token_type) = string(&members, "token_type") {
        if !token_type.eq_ignore_ascii_case("bearer") {
            return Err(UpstreamError::TokenEndpoint("unsupported_token_type".into()));
        }
    }
    let expires_in = match members.get("expires_in") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    Ok(UpstreamTokens {
        access_token: Zeroizing::new(access_token),
        refresh_token: string(&members, "refresh_token").map(Zeroizing::new),
        id_token: string(&members, "id_token"),
        expires_in,
        scope: string(&members, "scope"),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn reply(status: u16, content_type: &str, body: &str) -> Reply {
        Reply { status, content_type: content_type.into(), body: body.as_bytes().to_vec() }
    }

    #[test]
    fn parses_json_and_form_bodies() {
        let json = reply(
            200,
            "application/json",
            r#"{"access_token":"a","token_type":"Bearer","expires_in":3600,"refresh_token":"r","id_token":"i"}"#,
        );
        let tokens = parse_token_response(&json).unwrap();
        assert_eq!((tokens.access_token.as_str(), tokens.expires_in), ("a", Some(3600)));
        assert_eq!(tokens.refresh_token.as_deref().map(String::as_str), Some("r"));
        assert_eq!(tokens.id_token.as_deref(), Some("i"));

        let form = reply(
            200,
            "application/x-www-form-urlencoded; charset=utf-8",
            "access_token=gho_x&scope=read%3Auser%2Cuser%3Aemail&token_type=bearer",
        );
        let tokens = parse_token_response(&form).unwrap();
        assert_eq!(tokens.access_token.as_str(), "gho_x");
        assert_eq!(tokens.scope.as_deref(), Some("read:user,user:email"));

        let string_expiry = reply(200, "text/plain", "access_token=a&expires_in=60");
        assert_eq!(parse_token_response(&string_expiry).unwrap().expires_in, Some(60));
    }

    #[test]
    fn an_error_member_is_an_error_even_in_a_200() {
        let github = reply(
            200,
            "application/json",
            r#"{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired.","error_uri":"https://docs.github.com"}"#,
        );
        assert_eq!(
            parse_token_response(&github).unwrap_err(),
            UpstreamError::TokenEndpoint("bad_verification_code".into())
        );
        let form = reply(
            200,
            "application/x-www-form-urlencoded",
            "error=bad_verification_code&error_description=x",
        );
        assert_eq!(
            parse_token_response(&form).unwrap_err(),
            UpstreamError::TokenEndpoint("bad_verification_code".into())
        );
        let hostile = reply(400, "application/json", r#"{"error":"<img src=x onerror=alert(1)>"}"#);
        assert_eq!(
            parse_token_response(&hostile).unwrap_err(),
            UpstreamError::TokenEndpoint("invalid_response".into())
        );
        let graph = reply(
            400,
            "application/json",
            r#"{"error":{"message":"secret-ish","type":"OAuthException","code":100}}"#,
        );
        assert_eq!(
            parse_token_response(&graph).unwrap_err(),
            UpstreamError::TokenEndpoint("invalid_response".into())
        );
    }

    #[test]
    fn refuses_answers_without_a_bearer_access_token() {
        for body in [r#"{"token_type":"bearer"}"#, r#"{"access_token":""}"#, r#"[1]"#, "<html>"] {
            assert!(parse_token_response(&reply(200, "application/json", body)).is_err(), "{body}");
        }
        let dpop = reply(200, "application/json", r#"{"access_token":"a","token_type":"DPoP"}"#);
        assert_eq!(
            parse_token_response(&dpop).unwrap_err(),
            UpstreamError::TokenEndpoint("unsupported_token_type".into())
        );
        let not_ok = reply(401, "application/json", r#"{"access_token":"a"}"#);
        assert!(parse_token_response(&not_ok).is_err());
    }
}
