//! What can go wrong when talking to an authorization server, typed so that callers can act
//! on it: the RFC 6749 error code is kept as an [`ErrorCode`] (§5.2 for the token endpoint,
//! §4.1.2.1 for the authorization redirect), a spent session is one distinct
//! [`ClientError::LoginRequired`], and transient failures say so ([`ClientError::is_transient`])
//! so a caller retries those and never a revoked session.
//!
//! Errors are `Clone` because one single-flight refresh hands its result to every waiter.

use std::fmt;
use std::sync::Arc;

use latchkey_core::step_up::StepUp;
use serde::Deserialize;

/// An OAuth 2.0 error code (RFC 6749 §5.2 and §4.1.2.1). `Display` is the code itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    AccessDenied,
    UnsupportedResponseType,
    ServerError,
    TemporarilyUnavailable,
    /// An extension code (RFC 6749 §8.5), kept verbatim.
    Other(String),
}

impl ErrorCode {
    /// The code as it travels on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::Other(code) => code,
        }
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        match code {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_scope" => Self::InvalidScope,
            "access_denied" => Self::AccessDenied,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error the server answered in the RFC 6749 format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    /// The HTTP status of a token-endpoint answer; `None` for an authorization redirect.
    pub status: Option<u16>,
    pub code: ErrorCode,
    /// `error_description`: for the developer, not the end user (RFC 6749 §5.2).
    pub description: Option<String>,
    pub uri: Option<String>,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(description) = &self.description {
            write!(f, ": {description}")?;
        }
        Ok(())
    }
}

/// The JSON body of an RFC 6749 §5.2 error response.
#[derive(Deserialize)]
pub(crate) struct ErrorBody {
    error: String,
    error_description: Option<String>,
    error_uri: Option<String>,
}

impl ErrorBody {
    pub(crate) fn into_error(self, status: Option<u16>) -> OAuthError {
        OAuthError {
            status,
            code: ErrorCode::from(self.error.as_str()),
            description: self.error_description,
            uri: self.error_uri,
        }
    }
}

/// Why the redirect of a native-app login (RFC 8252 §7.1, §7.3) was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// `state` is missing or differs from the one sent: possibly a forged redirect
    /// (RFC 6749 §10.12).
    #[error("the redirect's state does not match the request (possible CSRF)")]
    StateMismatch,
    /// `iss` names another server (RFC 9207 §2.4): a mix-up attack.
    #[error("the redirect came from issuer {found:?}, expected {expected:?}")]
    IssuerMismatch { expected: String, found: String },
    /// The server announced RFC 9207 support but the redirect carries no `iss`.
    #[error("the redirect carries no iss parameter although the server announces one")]
    IssuerMissing,
    #[error("the redirect carries neither a code nor an error")]
    MissingCode,
    /// The URL handed to the app is not the redirect URI of the pending request (another
    /// app's scheme, another path).
    #[error("the redirect is not the request's redirect URI")]
    OtherRedirectUri,
    #[error("no redirect arrived in time")]
    TimedOut,
}

/// Everything an [`OAuthClient`](crate::OAuthClient) or
/// [`TokenManager`](crate::TokenManager) can fail with.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ClientError {
    /// No usable session: never logged in, the refresh token was refused (`invalid_grant`:
    /// revoked, expired or replayed), or there is no refresh token. Show the login screen;
    /// retrying cannot help.
    #[error("login required: the session has ended")]
    LoginRequired,
    /// A resource server asks for a stronger or more recent sign-in than the token's
    /// (RFC 9470 §3): sign the user in again asking for this
    /// ([`OAuthClient::begin_step_up`](crate::OAuthClient::begin_step_up)), then retry.
    /// Renewing the token cannot help: a refresh keeps the sign-in it started from.
    #[error("the resource needs a stronger or more recent sign-in ({})", .0.description())]
    StepUpRequired(StepUp),
    /// The server answered an RFC 6749 error.
    #[error("the authorization server refused: {0}")]
    OAuth(OAuthError),
    /// The server answered something that is neither a token nor an RFC 6749 error.
    #[error("unexpected answer from the authorization server (HTTP {status})")]
    UnexpectedResponse { status: u16 },
    /// The request did not complete (connection, timeout, unreadable body).
    #[error("HTTP request failed: {0}")]
    Http(Arc<reqwest::Error>),
    /// Discovery or endpoint configuration is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// The refresh-token store failed.
    #[error("refresh-token store: {0}")]
    Store(Arc<dyn std::error::Error + Send + Sync>),
    /// The native-app redirect was refused.
    #[error("authorization redirect: {0}")]
    Callback(#[from] CallbackError),
    /// Local I/O: the loopback listener or the browser launcher.
    #[error("local I/O: {0}")]
    Io(Arc<std::io::Error>),
    /// The operating system's random source failed.
    #[error("no randomness available: {0}")]
    Random(getrandom::Error),
}

impl ClientError {
    /// The RFC 6749 error code, when the server sent one.
    pub fn oauth_code(&self) -> Option<&ErrorCode> {
        match self {
            Self::OAuth(error) => Some(&error.code),
            _ => None,
        }
    }

    /// True for failures worth retrying later with the same tokens: transport errors, 5xx
    /// answers, `temporarily_unavailable`. Never true for [`ClientError::LoginRequired`].
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Http(_) => true,
            Self::UnexpectedResponse { status } => *status >= 500,
            Self::OAuth(error) => {
                error.code == ErrorCode::TemporarilyUnavailable
                    || error.code == ErrorCode::ServerError
                    || error.status.is_some_and(|s| s >= 500)
            }
            _ => false,
        }
    }
}

impl From<reqwest::Error> for ClientError {
    fn from(error: reqwest::Error) -> Self {
        Self::Http(Arc::new(error))
    }
}

impl From<std::io::Error> for ClientError {
    fn from(error: std::io::Error) -> Self {
        Self::Io(Arc::new(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_extensions_are_kept() {
        for code in ["invalid_grant", "invalid_client", "temporarily_unavailable", "access_denied"] {
            assert_eq!(ErrorCode::from(code).as_str(), code);
        }
        assert_eq!(ErrorCode::from("slow_down"), ErrorCode::Other("slow_down".into()));
    }

    #[test]
    fn only_server_side_trouble_is_transient() {
        let oauth = |code: &str, status| {
            ClientError::OAuth(OAuthError {
                status: Some(status),
                code: code.into(),
                description: None,
                uri: None,
            })
        };
        assert!(oauth("temporarily_unavailable", 503).is_transient());
        assert!(!oauth("invalid_grant", 400).is_transient());
        assert!(!ClientError::LoginRequired.is_transient());
        assert!(ClientError::UnexpectedResponse { status: 502 }.is_transient());
        assert!(!ClientError::UnexpectedResponse { status: 404 }.is_transient());
    }
}
