//! RFC 6750, the bearer-token rules shared by every Latchkey resource: the server's own
//! (`/userinfo`, `/account/*`) and the ones `latchkey-guard` protects. One place decides how
//! a token is found in the `Authorization` header (§2.1) or a form body (§2.2, the server's
//! `POST /userinfo` only: the guard does not read bodies), which error a refusal is (§3.1),
//! its HTTP status, its JSON body and its `WWW-Authenticate` challenge (§3), so the two
//! sides answer the same bad request the same way. No HTTP types: the callers put the
//! status, challenge and body into their own responses.

use serde_json::{json, Value};

use crate::error::ErrorCode;
use crate::form::{is_form_content_type, FormParams};
use crate::step_up::StepUp;

/// Longest access token accepted, in bytes. Latchkey's are under 2 KiB; anything longer is
/// refused before it is parsed (§3.1 `invalid_request`), bounding the work a request can
/// cause.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Room for the scheme and spaces in front of the token.
const MAX_HEADER_LEN: usize = MAX_TOKEN_LEN + 64;

/// Why a request to a protected resource is refused (RFC 6750 §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BearerError {
    /// No bearer token at all (no `Authorization` header, or another scheme): `401` with a
    /// bare challenge and no error code (§3.1: "the resource server SHOULD NOT include an
    /// error code or other error information").
    MissingToken,
    /// The request is malformed (two `Authorization` headers, an empty or far too large
    /// token, a header that is not text): `400 invalid_request`.
    InvalidRequest(String),
    /// The token is malformed, forged, expired, for someone else or revoked:
    /// `401 invalid_token`.
    InvalidToken(String),
    /// The token lacks the scope named here: `403 insufficient_scope`, naming it (§3).
    InsufficientScope(String),
    /// RFC 9449 §7.1: the DPoP proof is missing, malformed or does not fit the request or
    /// the token: `401 invalid_dpop_proof`.
    InvalidDpopProof(String),
    /// RFC 9449 §9: the proof must carry the server's current nonce: `401 use_dpop_nonce`.
    UseDpopNonce,
    /// RFC 9470 §3: the sign-in behind the token is not strong or recent enough:
    /// `401 insufficient_user_authentication`, with what to ask for at `/authorize`.
    InsufficientUserAuthentication(StepUp),
}

/// The authentication scheme a request used (RFC 6750 §2.1, RFC 9449 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    /// `Authorization: DPoP <token>`, with a proof in the `DPoP` header.
    Dpop,
}

impl Scheme {
    /// The scheme name as challenges spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bearer => "Bearer",
            Self::Dpop => "DPoP",
        }
    }
}

impl BearerError {
    /// `400 invalid_request`: refused by size alone.
    pub fn too_large() -> Self {
        Self::InvalidRequest(format!("the bearer token is longer than {MAX_TOKEN_LEN} bytes"))
    }

    /// The HTTP status of §3.1.
    pub fn status(&self) -> u16 {
        match self {
            Self::MissingToken
            | Self::InvalidToken(_)
            | Self::InvalidDpopProof(_)
            | Self::UseDpopNonce
            | Self::InsufficientUserAuthentication(_) => 401,
            Self::InvalidRequest(_) => 400,
            Self::InsufficientScope(_) => 403,
        }
    }

    /// The §3.1 error code; none when no credentials were sent.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::MissingToken => None,
            Self::InvalidRequest(_) => Some(ErrorCode::InvalidRequest),
            Self::InvalidToken(_) => Some(ErrorCode::InvalidToken),
            Self::InsufficientScope(_) => Some(ErrorCode::InsufficientScope),
            Self::InvalidDpopProof(_) => Some(ErrorCode::InvalidDpopProof),
            Self::UseDpopNonce => Some(ErrorCode::UseDpopNonce),
            Self::InsufficientUserAuthentication(_) => Some(ErrorCode::InsufficientUserAuthentication),
        }
    }

    /// A human-readable description, for `error_description`.
    pub fn description(&self) -> String {
        match self {
            Self::MissingToken => "this resource needs a bearer access token".to_owned(),
            Self::InvalidRequest(why) | Self::InvalidToken(why) | Self::InvalidDpopProof(why) => why.clone(),
            Self::UseDpopNonce => "the DPoP proof must carry the nonce of the DPoP-Nonce header".to_owned(),
            Self::InsufficientScope(scope) => format!("this resource needs the scope {scope}"),
            Self::InsufficientUserAuthentication(step_up) => step_up.description(),
        }
    }

    /// The JSON body: `error` and `error_description` as in RFC 6749 §5.2, without `error`
    /// when no credentials were sent; a step-up also names what to ask for, as its challenge
    /// does (for a browser script that cannot read the challenge easily).
    pub fn body(&self) -> Value {
        let mut body = match self.code() {
            Some(code) => json!({ "error": code.as_str(), "error_description": self.description() }),
            None => json!({ "error_description": self.description() }),
        };
        if let Self::InsufficientUserAuthentication(step_up) = self {
            if let Some(acr_values) = &step_up.acr_values {
                body["acr_values"] = acr_values.as_str().into();
            }
            if let Some(max_age) = step_up.max_age {
                body["max_age"] = max_age.into();
            }
        }
        body
    }

    /// The `WWW-Authenticate` value (§3): `Bearer` with the realm, and for a refused token
    /// the error code, its description and (for `insufficient_scope`) the scope needed, or
    /// (for `insufficient_user_authentication`) the `acr_values` and `max_age` to ask for
    /// (RFC 9470 §3, `max_age` quoted as in its examples).
    /// Without credentials the challenge is bare: only the realm.
    pub fn challenge(&self, realm: Option<&str>) -> String {
        self.challenge_for(Scheme::Bearer, realm, None)
    }

    /// The `WWW-Authenticate` value for `scheme`: as [`Self::challenge`], and for DPoP with
    /// the `algs` parameter listing the proof algorithms accepted (RFC 9449 §7.1).
    pub fn challenge_for(&self, scheme: Scheme, realm: Option<&str>, algs: Option<&str>) -> String {
        let mut params = Vec::new();
        if let Some(realm) = realm {
            params.push(format!("realm={}", quoted_string(realm)));
        }
        if let Some(algs) = algs {
            params.push(format!("algs={}", quoted_string(algs)));
        }
        if let Some(code) = self.code() {
            params.push(format!("error=\"{}\"", code.as_str()));
            params.push(format!("error_description=\"{}\"", restricted(&self.description())));
        }
        if let Self::InsufficientScope(scope) = self {
            params.push(format!("scope=\"{}\"", restricted(scope)));
        }
        if let Self::InsufficientUserAuthentication(step_up) = self {
            if let Some(acr_values) = &step_up.acr_values {
                params.push(format!("acr_values={}", quoted_string(acr_values)));
            }
            if let Some(max_age) = step_up.max_age {
                params.push(format!("max_age=\"{max_age}\""));
            }
        }
        if params.is_empty() {
            scheme.as_str().to_owned()
        } else {
            format!("{} {}", scheme.as_str(), params.join(", "))
        }
    }
}

/// The bearer token of a request, from all its `Authorization` header values (RFC 6750
/// §2.1: `Bearer 1*SP b64token`; the scheme is case-insensitive, RFC 9110 §11.1).
///
/// `Ok(None)` when there is no `Authorization` header (the caller may look elsewhere, e.g.
/// a cookie); [`BearerError::MissingToken`] for another scheme (e.g. `Basic`): not a bearer
/// token, so the answer is the bare challenge. Size is checked first, on the raw bytes, so a
/// far-too-large header is refused before any parsing.
pub fn token_from_authorization<'a, I>(values: I) -> Result<Option<&'a str>, BearerError>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    match credentials_from_authorization(values)? {
        None => Ok(None),
        Some((Scheme::Bearer, token)) => Ok(Some(token)),
        Some((Scheme::Dpop, _)) => Err(BearerError::MissingToken),
    }
}

/// The access token of a request and the scheme it came with: `Bearer` (RFC 6750 §2.1) or
/// `DPoP` (RFC 9449 §7.1), from all the `Authorization` header values; the same size and
/// count checks as [`token_from_authorization`].
pub fn credentials_from_authorization<'a, I>(values: I) -> Result<Option<(Scheme, &'a str)>, BearerError>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut values = values.into_iter();
    let Some(value) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(BearerError::InvalidRequest("more than one Authorization header".into()));
    }
    if value.len() > MAX_HEADER_LEN {
        return Err(BearerError::too_large());
    }
    // UTF-8 (word-at-a-time) rather than a byte-by-byte visible-ASCII check: the JWS parser
    // refuses every character outside base64url anyway.
    let value = std::str::from_utf8(value)
        .map_err(|_| BearerError::InvalidRequest("the Authorization header is not text".into()))?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Scheme::Dpop
    } else {
        return Err(BearerError::MissingToken);
    };
    checked_token(rest.trim_matches(' ')).map(|token| Some((scheme, token)))
}

/// The `access_token` parameter of a request body (RFC 6750 §2.2). The caller reads a body
/// only for a method that gives it meaning (§2.2: never `GET`). §2.2 covers a single-part
/// `application/x-www-form-urlencoded` body only: any other body (JSON, `multipart/...`)
/// carries no token here (`Ok(None)`). A form that cannot be decoded or repeats a parameter
/// is `invalid_request`; an empty `access_token` counts as absent (RFC 6749 §3.1).
pub fn token_from_form_body(content_type: Option<&str>, body: &[u8]) -> Result<Option<String>, BearerError> {
    if !content_type.is_some_and(is_form_content_type) {
        return Ok(None);
    }
    let params = FormParams::parse(body).map_err(|error| {
        BearerError::InvalidRequest(error.description().unwrap_or("the form body is malformed").to_owned())
    })?;
    params.get("access_token").map(|token| checked_token(token).map(str::to_owned)).transpose()
}

/// The one access token of a request, and its scheme, that may come in the `Authorization`
/// header (§2.1, or `DPoP`, RFC 9449 §7.1)
/// or in a form body (§2.2, a bearer method). Both at once is `invalid_request` (§3.1: a request that "uses
/// more than one method for including an access token"); neither is
/// [`BearerError::MissingToken`]. An `Authorization` header with another scheme (`Basic`) is
/// not a bearer method, so a body token next to it is the request's one token.
pub fn token_from_header_or_form<'a, I>(
    authorization: I,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(Scheme, String), BearerError>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let from_header = match credentials_from_authorization(authorization) {
        Err(BearerError::MissingToken) => None,
        other => other?,
    };
    match (from_header, token_from_form_body(content_type, body)?) {
        (Some(_), Some(_)) => Err(BearerError::InvalidRequest(
            "the access token is in both the Authorization header and the body; RFC 6750 section 3.1 \
             allows one method"
                .into(),
        )),
        (Some((scheme, token)), None) => Ok((scheme, token.to_owned())),
        // §2.2 is a bearer method: a DPoP-bound token always travels in the header (RFC 9449 §7.1).
        (None, Some(token)) => Ok((Scheme::Bearer, token)),
        (None, None) => Err(BearerError::MissingToken),
    }
}

/// Presence and size of a token found anywhere (header or cookie). The `b64token` syntax
/// (§2.1) is not checked here: the JWS parser accepts only base64url and dots, a strict
/// subset, and refuses anything else as a malformed token (`invalid_token`) without a second
/// pass over the bytes.
pub fn checked_token(token: &str) -> Result<&str, BearerError> {
    if token.is_empty() {
        return Err(BearerError::InvalidRequest("the bearer token is empty".into()));
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(BearerError::too_large());
    }
    Ok(token)
}

/// An auth-param value as an RFC 9110 §5.6.4 `quoted-string`: `"` and `\` are escaped with
/// a backslash (§11.2 allows either token or quoted-string; quoted always parses). Control
/// characters and non-ASCII, which a header value cannot carry as text, become `?`.
fn quoted_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            ' '..='~' | '\t' => quoted.push(c),
            _ => quoted.push('?'),
        }
    }
    quoted.push('"');
    quoted
}

/// RFC 6750 §3: `error_description` and `scope` may only use %x20-21 / %x23-5B / %x5D-7E
/// (the same rule as RFC 6749 §5.2), so an attacker-chosen `kid` echoed in a description
/// cannot break the header.
fn restricted(text: &str) -> String {
    crate::error::description_chars(text)
}

#[cfg(test)]
#[path = "bearer_tests.rs"]
mod tests;
