//! The two ways the guard says no: [`GuardError`] when it cannot be built (configuration,
//! discovery, the first key fetch), and [`Rejection`] when a request is refused.
//!
//! A [`Rejection`] is an RFC 6750 §3.1 [`BearerError`] (or a `503` when introspection cannot
//! reach the server); `challenge.rs` turns it into the status, `WWW-Authenticate` header and
//! JSON body.

use latchkey_core::bearer::BearerError;
use latchkey_core::claims::AccessTokenClaims;
use latchkey_core::ErrorCode;
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
    /// Several instances were configured with a DPoP replay store that is not shared: a proof
    /// used at one instance would replay at the next (RFC 9449 §11.1).
    #[error(
        "this resource server runs as {0} instances, but its DPoP replay store is kept in one \
         process's memory: give .dpop_replay_store(..) a store all instances share"
    )]
    ReplayStoreNotShared(usize),
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// An RFC 6750 §3.1 refusal: no token (`401`, bare challenge), a malformed request
    /// (`400 invalid_request`), a bad token (`401 invalid_token`) or a missing scope
    /// (`403 insufficient_scope`) — decided by [`latchkey_core::bearer`], the same rules as
    /// the Latchkey server's own resources.
    Bearer(BearerError),
    /// A refusal of a request that used the `DPoP` scheme or a DPoP-bound token: the same
    /// codes plus `invalid_dpop_proof` and `use_dpop_nonce`, challenged with `DPoP`
    /// (RFC 9449 §7.1), with a fresh `DPoP-Nonce` when one is needed (§9).
    Dpop {
        /// The refusal.
        error: BearerError,
        /// The nonce to use next, for `use_dpop_nonce`.
        nonce: Option<String>,
    },
    /// The authorization server (introspection) or the DPoP replay store could not be
    /// asked: `503`.
    Unavailable(String),
}

impl Rejection {
    /// The refusal of a request whose token verified, challenged with the scheme that token
    /// must be sent with: `DPoP` for a bound token (RFC 9449 §7.1), else `Bearer`.
    pub(crate) fn for_token(claims: &AccessTokenClaims, error: BearerError) -> Self {
        match claims.cnf {
            Some(_) => Self::Dpop { error, nonce: None },
            None => Self::Bearer(error),
        }
    }
}

impl From<BearerError> for Rejection {
    fn from(error: BearerError) -> Self {
        Self::Bearer(error)
    }
}

impl Rejection {
    /// The error code (RFC 6750 §3.1, or `temporarily_unavailable`), if any.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Self::Bearer(error) | Self::Dpop { error, .. } => error.code().map(ErrorCode::as_str),
            Self::Unavailable(_) => Some(ErrorCode::TemporarilyUnavailable.as_str()),
        }
    }

    /// A human-readable description, for `error_description`.
    pub fn description(&self) -> String {
        match self {
            Self::Bearer(error) | Self::Dpop { error, .. } => error.description(),
            Self::Unavailable(why) => why.clone(),
        }
    }
}
