//! The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID Connect Core §3.1.2.1),
//! parsed in two steps because its errors go to two places:
//!
//! 1. [`Target`]: `client_id` and `redirect_uri`. Until both are known to be the client's,
//!    nothing may redirect (RFC 6749 §4.1.2.1: an open redirector otherwise); the server shows
//!    an error page instead.
//! 2. [`AuthorizationRequest`]: everything else. Its errors redirect back to the client with
//!    `error`, the byte-exact `state` and `iss` (RFC 9207).
//!
//! Unknown parameters are ignored (RFC 6749 §3.1); a repeated one is `invalid_request`.

use crate::pkce::CodeChallenge;
use crate::scope::Scope;
use crate::{ErrorCode, OAuthError};

/// Longest `nonce`, `login_hint` and `state` kept.
pub const MAX_VALUE_LEN: usize = 1024;

/// Where the response of an authorization request may go: not yet checked against the
/// client's registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub client_id: String,
    pub redirect_uri: Option<String>,
}

fn values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs.iter().filter(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str()).collect()
}

/// The one non-empty value of `name`; `Err` when it is repeated.
fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ()> {
    match pairs.iter().filter(|(n, _)| n == name).count() {
        0 => Ok(None),
        1 => Ok(values(pairs, name).first().copied()),
        _ => Err(()),
    }
}

impl Target {
    /// `client_id` (required, once) and `redirect_uri` (optional, once). The error is a
    /// description for the error page.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, String> {
        let client_id = single(pairs, "client_id")
            .map_err(|()| "client_id is repeated".to_owned())?
            .ok_or_else(|| "the request has no client_id".to_owned())?;
        let redirect_uri =
            single(pairs, "redirect_uri").map_err(|()| "redirect_uri is repeated".to_owned())?;
        Ok(Self { client_id: client_id.to_owned(), redirect_uri: redirect_uri.map(str::to_owned) })
    }
}

/// OpenID Connect Core §3.1.2.1 `prompt`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
}

/// A valid authorization request for the code flow.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationRequest {
    /// `None` asks for everything the client may have.
    pub scope: Option<Scope>,
    pub nonce: Option<String>,
    pub code_challenge: Option<CodeChallenge>,
    pub prompt: Prompt,
    /// OpenID Connect Core §3.1.2.1: the longest time in seconds since the user last
    /// authenticated that the client accepts.
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// RFC 9449 §10: the thumbprint of the DPoP key the code is to be bound to.
    pub dpop_jkt: Option<String>,
    /// OpenID Connect Core §3.1.2.1: the authentication context classes asked for, in order
    /// of preference (docs/architecture.md, "Multi-factor authentication").
    pub acr_values: Vec<String>,
}

/// The `state` to echo: the one value, byte-exact, or nothing when it is repeated (which is
/// then reported as `invalid_request`).
pub fn state_of(pairs: &[(String, String)]) -> Option<String> {
    single(pairs, "state").ok().flatten().map(str::to_owned)
}

fn bounded(pairs: &[(String, String)], name: &str) -> Result<Option<String>, OAuthError> {
    match single(pairs, name).map_err(|()| repeated(name))? {
        Some(v) if v.len() > MAX_VALUE_LEN => {
            Err(OAuthError::invalid_request(format!("{name} is longer than {MAX_VALUE_LEN} bytes")))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

/// `dpop_jkt`: a JWK SHA-256 thumbprint, 43 base64url characters (RFC 9449 §10, RFC 7638).
fn dpop_jkt(pairs: &[(String, String)]) -> Result<Option<String>, OAuthError> {
    let is_thumbprint = |jkt: &str| {
        jkt.len() == 43 && jkt.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    match single(pairs, "dpop_jkt").map_err(|()| repeated("dpop_jkt"))? {
        Some(jkt) if !is_thumbprint(jkt) => {
            Err(OAuthError::invalid_request("dpop_jkt must be a base64url SHA-256 JWK thumbprint"))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

fn repeated(name: &str) -> OAuthError {
    OAuthError::invalid_request(format!(
        "parameter {name:?} is repeated; RFC 6749 section 3.1 allows each once"
    ))
}

impl AuthorizationRequest {
    /// Parses the rest of the request once [`Target`] checked out.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, OAuthError> {
        for (i, (name, _)) in pairs.iter().enumerate() {
            if pairs[..i].iter().any(|(n, _)| n == name) {
                return Err(repeated(name));
            }
        }
        if single(pairs, "request").map_err(|()| repeated("request"))?.is_some() {
            return Err(OAuthError::new(ErrorCode::RequestNotSupported, "request objects are not supported"));
        }
        if single(pairs, "request_uri").map_err(|()| repeated("request_uri"))?.is_some() {
            return Err(OAuthError::new(ErrorCode::RequestUriNotSupported, "request_uri is not supported"));
        }
        match single(pairs, "response_type").map_err(|()| repeated("response_type"))? {
            None => return Err(OAuthError::invalid_request("response_type is required")),
            Some("code") => {}
            Some(_) => {
                return Err(OAuthError::new(
                    ErrorCode::UnsupportedResponseType,
                    "this response_type is not supported; use code",
                ))
            }
        }
        if let Some(mode) = single(pairs, "response_mode").map_err(|()| repeated("response_mode"))? {
            if mode != "query" {
                return Err(OAuthError::invalid_request("response_mode must be query"));
            }
        }
        let scope = single(pairs, "scope").map_err(|()| repeated("scope"))?.map(Scope::parse).transpose()?;
        let method =
            single(pairs, "code_challenge_method").map_err(|()| repeated("code_challenge_method"))?;
        let code_challenge = match single(pairs, "code_challenge").map_err(|()| repeated("code_challenge"))? {
            Some(challenge) => Some(CodeChallenge::parse(challenge, method)?),
            None if method.is_some() => {
                return Err(OAuthError::invalid_request("code_challenge_method without code_challenge"))
            }
            None => None,
        };
        let mut prompt = Prompt::default();
        if let Some(raw) = single(pairs, "prompt").map_err(|()| repeated("prompt"))? {
            for value in raw.split(' ').filter(|v| !v.is_empty()) {
                match value {
                    "none" => prompt.none = true,
                    // OpenID Connect Core §3.1.2.1: the user is to pick an account; the
                    // hosted login is where one signs in as someone else, so it is `login`
                    // (and with `none`, refused below as any combination is).
                    "login" | "select_account" => prompt.login = true,
                    "consent" => prompt.consent = true,
                    _ => return Err(OAuthError::invalid_request("a prompt value is not supported")),
                }
            }
            if prompt.none && (prompt.login || prompt.consent) {
                return Err(OAuthError::invalid_request("prompt=none cannot be combined with other values"));
            }
        }
        let max_age = match single(pairs, "max_age").map_err(|()| repeated("max_age"))? {
            Some(raw) => Some(
                raw.parse::<u32>()
                    .map(i64::from)
                    .map_err(|_| OAuthError::invalid_request("max_age must be a non-negative integer"))?,
            ),
            None => None,
        };
        if single(pairs, "state").map_err(|()| repeated("state"))?.is_some_and(|s| s.len() > MAX_VALUE_LEN) {
            return Err(OAuthError::invalid_request(format!("state is longer than {MAX_VALUE_LEN} bytes")));
        }
        Ok(Self {
            scope,
            nonce: bounded(pairs, "nonce")?,
            code_challenge,
            prompt,
            max_age,
            login_hint: bounded(pairs, "login_hint")?,
            dpop_jkt: dpop_jkt(pairs)?,
            acr_values: bounded(pairs, "acr_values")?
                .map(|values| values.split(' ').filter(|v| !v.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::form::FormParams;

    fn pairs(raw: &str) -> Vec<(String, String)> {
        FormParams::parse_all(raw.as_bytes()).unwrap()
    }

    #[test]
    fn target_needs_one_client_id() {
        assert!(Target::parse(&pairs("redirect_uri=x")).is_err());
        assert!(Target::parse(&pairs("client_id=a&client_id=b")).is_err());
        assert!(Target::parse(&pairs("client_id=a&redirect_uri=x&redirect_uri=y")).is_err());
        let t = Target::parse(&pairs("client_id=a")).unwrap();
        assert_eq!(t.redirect_uri, None);
    }

    #[test]
    fn dpop_jkt_is_a_thumbprint() {
        let jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
        let request =
            AuthorizationRequest::parse(&pairs(&format!("response_type=code&dpop_jkt={jkt}"))).unwrap();
        assert_eq!(request.dpop_jkt.as_deref(), Some(jkt));
        for bad in ["short", "0ZcOCORZNYy+DWpqq30jZyJGHTN0d2HglBV3uiguA4I", &format!("{jkt}A")] {
            let raw = format!("response_type=code&dpop_jkt={}", bad.replace('+', "%2B"));
            assert!(AuthorizationRequest::parse(&pairs(&raw)).is_err(), "{bad}");
        }
    }

    #[test]
    fn response_types_and_repeats() {
        let ok = "response_type=code&client_id=a&foo=bar";
        assert!(AuthorizationRequest::parse(&pairs(ok)).is_ok());
        let err = AuthorizationRequest::parse(&pairs("response_type=token")).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedResponseType);
        let err = AuthorizationRequest::parse(&pairs("response_type=code+id_token")).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedResponseType);
        let err = AuthorizationRequest::parse(&pairs("response_type=code&scope=a&scope=b")).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn prompt_and_max_age() {
        let r =
            AuthorizationRequest::parse(&pairs("response_type=code&prompt=login+consent&max_age=0")).unwrap();
        assert!(r.prompt.login && r.prompt.consent && !r.prompt.none);
        assert_eq!(r.max_age, Some(0));
        assert!(AuthorizationRequest::parse(&pairs("response_type=code&prompt=none+login")).is_err());
        assert!(AuthorizationRequest::parse(&pairs("response_type=code&max_age=-1")).is_err());
    }
}
