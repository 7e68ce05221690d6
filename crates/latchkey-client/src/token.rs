//! The successful token response (RFC 6749 §5.1), checked the way §7.1 asks: a client must
//! not use a token whose type it does not understand, and this SDK speaks only Bearer
//! (RFC 6750).

use std::fmt;

use serde::Deserialize;

use crate::error::ClientError;

/// A token endpoint's answer.
#[derive(Clone, Deserialize, PartialEq, Eq)]
pub struct TokenResponse {
    pub access_token: String,
    /// `Bearer` (compared case-insensitively, RFC 6749 §5.1).
    pub token_type: String,
    /// Lifetime of the access token in seconds, when the server says.
    pub expires_in: Option<i64>,
    /// Present for grants that start or continue a session; with rotation it is a new one
    /// on every refresh and the old one is spent.
    pub refresh_token: Option<String>,
    /// The granted scope, when it differs from the requested one or always (Latchkey).
    pub scope: Option<String>,
    /// The OpenID Connect ID token (Core §3.1.3.3), when `openid` was granted.
    #[serde(default)]
    pub id_token: Option<String>,
}

impl TokenResponse {
    /// Refuses token types other than Bearer, and DPoP when the request sent a proof
    /// (RFC 6749 §7.1, RFC 9449 §5).
    pub(crate) fn checked(self, dpop: bool) -> Result<Self, ClientError> {
        if self.token_type.eq_ignore_ascii_case("bearer")
            || (dpop && self.token_type.eq_ignore_ascii_case("dpop"))
        {
            Ok(self)
        } else {
            Err(ClientError::Config(format!("unsupported token type {:?}", self.token_type)))
        }
    }
}

/// Tokens are credentials: `Debug` shows their shape, never their value.
impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "<redacted>"))
            .field("scope", &self.scope)
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(token_type: &str) -> TokenResponse {
        TokenResponse {
            access_token: "secret-at".into(),
            token_type: token_type.into(),
            expires_in: Some(300),
            refresh_token: Some("secret-rt".into()),
            scope: None,
            id_token: None,
        }
    }

    #[test]
    fn bearer_in_any_case_is_accepted_and_other_types_refused() {
        assert!(response("bearer").checked(false).is_ok());
        assert!(response("Bearer").checked(false).is_ok());
        assert!(matches!(response("DPoP").checked(false), Err(ClientError::Config(_))));
        assert!(response("DPoP").checked(true).is_ok());
    }

    #[test]
    fn debug_redacts_the_tokens() {
        let shown = format!("{:?}", response("Bearer"));
        assert!(!shown.contains("secret"), "{shown}");
    }
}
