//! Grant types (RFC 6749 §4, §6) that Latchkey implements.

use std::fmt;

use crate::OAuthError;

/// A grant type a client may be allowed to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GrantType {
    /// RFC 6749 §4.3, for first-party clients that were explicitly given it.
    Password,
    /// RFC 6749 §6.
    RefreshToken,
    /// RFC 6749 §4.4, confidential clients only.
    ClientCredentials,
    /// RFC 6749 §4.1 with PKCE (RFC 7636), the flow for browsers and third-party apps.
    AuthorizationCode,
    /// RFC 8693: a native app exchanges a provider's token for ours (`token_exchange`).
    TokenExchange,
}

impl GrantType {
    pub const ALL: [GrantType; 5] = [
        Self::AuthorizationCode,
        Self::Password,
        Self::RefreshToken,
        Self::ClientCredentials,
        Self::TokenExchange,
    ];

    /// The `grant_type` value as the RFC spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::RefreshToken => "refresh_token",
            Self::ClientCredentials => "client_credentials",
            Self::AuthorizationCode => "authorization_code",
            Self::TokenExchange => crate::token_exchange::GRANT_TYPE,
        }
    }

    /// A grant as an operator types it: the RFC's value, or `token_exchange` for the RFC 8693
    /// URN.
    pub fn parse_short(raw: &str) -> Result<Self, OAuthError> {
        match raw {
            "token_exchange" | "token-exchange" => Ok(Self::TokenExchange),
            _ => Self::parse(raw),
        }
    }

    pub fn parse(raw: &str) -> Result<Self, OAuthError> {
        Self::ALL.into_iter().find(|g| g.as_str() == raw).ok_or_else(|| {
            OAuthError::unsupported_grant_type(
                "this grant_type is not supported; use one of: authorization_code, password, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:token-exchange",
            )
        })
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
