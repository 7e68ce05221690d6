//! The protocol error: RFC 6749 §5.2 error codes plus a human description.
//!
//! `Display` prints the RFC code only, so logging an error never leaks more than the client
//! would see; the description is meant for the client (it never contains secrets, and never
//! repeats request values: an attacker's `<script>` must not come back in a redirect).
//! Every description passes through [`OAuthError::new`], which keeps it to the characters
//! RFC 6749 §4.1.2.1 and §5.2 allow, whatever path (JSON, redirect, header) carries it.

use std::fmt;

/// RFC 6749 §5.2 (token endpoint) and RFC 6750 §3.1 (resource) error codes that Latchkey uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    /// RFC 6750 §3.1: the access token is expired, revoked, malformed or otherwise invalid.
    InvalidToken,
    /// RFC 6750 §3.1: the token lacks a scope the resource requires.
    InsufficientScope,
    /// RFC 6749 §4.1.2.1: the server cannot handle the request right now (database outage).
    TemporarilyUnavailable,
    /// RFC 6749 §4.1.2.1: the authorization server does not support this `response_type`.
    UnsupportedResponseType,
    /// RFC 6749 §4.1.2.1: the user (or the server) denied the request.
    AccessDenied,
    /// OpenID Connect Core §3.1.2.6: `prompt=none` but the user must log in.
    LoginRequired,
    /// OpenID Connect Core §3.1.2.6: `prompt=none` but the user must consent.
    ConsentRequired,
    /// OpenID Connect Core §3.1.2.6: `prompt=none` but the user must interact (here: present
    /// a second factor).
    InteractionRequired,
    /// OpenID Connect Core §6.1: the `request` parameter is not supported.
    RequestNotSupported,
    /// OpenID Connect Core §6.2: the `request_uri` parameter is not supported.
    RequestUriNotSupported,
    /// RFC 9449 §12.2: the DPoP proof is missing, malformed or does not fit the request.
    InvalidDpopProof,
    /// RFC 9449 §8: the DPoP proof must carry the server's current nonce.
    UseDpopNonce,
    /// RFC 9470 §3: the token's sign-in is not strong or recent enough for this resource.
    InsufficientUserAuthentication,
    /// RFC 6749 §4.1.2.1: an unexpected condition; details go to the log, never to the client.
    ServerError,
}

impl ErrorCode {
    /// The code exactly as the RFC spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::ServerError => "server_error",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::AccessDenied => "access_denied",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::InteractionRequired => "interaction_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::InvalidDpopProof => "invalid_dpop_proof",
            Self::UseDpopNonce => "use_dpop_nonce",
            Self::InsufficientUserAuthentication => "insufficient_user_authentication",
        }
    }
}

/// An OAuth protocol error with an optional `error_description` for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: ErrorCode,
    description: Option<String>,
}

/// RFC 6749 §4.1.2.1, §5.2 and RFC 6750 §3: `error_description` may only use
/// `%x20-21 / %x23-5B / %x5D-7E`, printable ASCII without `"` and `\` (which also need no
/// escaping in a quoted header value). Those two become `'`, anything else `?`.
pub fn description_chars(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' | '\\' => '\'',
            ' '..='~' => c,
            _ => '?',
        })
        .collect()
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self { code, description: Some(description_chars(&description.into())) }
    }

    /// The `error_description`, already restricted to the characters the RFCs allow.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidClient, description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidScope, description)
    }

    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::UnauthorizedClient, description)
    }

    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::UnsupportedGrantType, description)
    }

    pub fn temporarily_unavailable() -> Self {
        Self::new(ErrorCode::TemporarilyUnavailable, "the service is temporarily unavailable; retry shortly")
    }

    pub fn server_error() -> Self {
        Self::new(ErrorCode::ServerError, "an unexpected error occurred")
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())
    }
}

impl std::error::Error for OAuthError {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn descriptions_keep_to_the_allowed_characters() {
        let error = OAuthError::invalid_request("a \"quoted\" \\ caf\u{e9}\n<b>!");
        assert_eq!(error.description(), Some("a 'quoted' ' caf??<b>!"));
        let allowed = |b: u8| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E);
        assert!(error.description().unwrap().bytes().all(allowed));
    }
}
