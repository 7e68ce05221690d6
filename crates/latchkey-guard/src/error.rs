//! The two ways the guard says no: [`GuardError`] when it cannot be built (configuration,
//! discovery, the first key fetch), and [`Rejection`] when a request is refused.
//!
//! A [`Rejection`] names its RFC 6750 §3.1 error code; `challenge.rs` turns it into the
//! status, `WWW-Authenticate` header and JSON body.

use thiserror::Error;

/// Why a [`Guard`](crate::Guard) could not be built.
#[derive(Debug, Error)]
pub enum GuardError {
    /// A guard must know which audience its tokens are for (RFC 9068 §4: the resource server
    /// MUST check that `aud` contains an identifier for itself).
    #[error("no audience configured: call .audience(...) with this resource server's identifier")]
    MissingAudience,
    /// Neither `.issuer(...)` nor `.jwks_uri(...)` was called.
    #[error("no key source configured: call .issuer(...) (discovery) or .jwks_uri(...)")]
    MissingKeySource,
    /// The revocation feed and introspection live at the issuer (RFC 7662 §2).
    #[error("{0} needs the issuer URL: call .issuer(...)")]
    NeedsIssuer(&'static str),
    /// The configured issuer is not an absolute URL without query or fragment (RFC 8414 §2).
    #[error("the issuer {0}")]
    InvalidIssuer(String),
    /// A request to the authorization server failed or answered nonsense.
    #[error("fetching {url} failed: {reason}")]
    Fetch {
        /// What was fetched.
        url: String,
        /// Why it failed.
        reason: String,
    },
    /// The metadata document is not the configured issuer's (RFC 8414 §3.3).
    #[error("the metadata names issuer {found:?}, not the configured {expected:?} (RFC 8414 §3.3)")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The metadata's `issuer`.
        found: String,
    },
    /// The JWKS has no key that can verify signatures.
    #[error("the JWKS at {0} has no usable signing key")]
    NoUsableKeys(String),
}

/// Why a request was refused (RFC 6750 §3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// No bearer token was sent: `401` with a bare challenge and no error code (§3.1).
    MissingToken,
    /// The request is malformed (two `Authorization` headers, a header far too large):
    /// `400 invalid_request`.
    InvalidRequest(String),
    /// The token is malformed, forged, expired, for someone else or revoked:
    /// `401 invalid_token`.
    InvalidToken(String),
    /// The token lacks the scope named here: `403 insufficient_scope`.
    InsufficientScope(String),
    /// The authorization server could not be asked (introspection only): `503`.
    Unavailable(String),
}

impl Rejection {
    /// The RFC 6750 §3.1 error code, if any.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Self::MissingToken => None,
            Self::InvalidRequest(_) => Some("invalid_request"),
            Self::InvalidToken(_) => Some("invalid_token"),
            Self::InsufficientScope(_) => Some("insufficient_scope"),
            Self::Unavailable(_) => Some("temporarily_unavailable"),
        }
    }

    /// A human-readable description, for `error_description`.
    pub fn description(&self) -> String {
        match self {
            Self::MissingToken => "this resource needs a bearer access token".to_owned(),
            Self::InvalidRequest(why) | Self::InvalidToken(why) | Self::Unavailable(why) => why.clone(),
            Self::InsufficientScope(scope) => format!("this resource needs the scope {scope}"),
        }
    }
}
