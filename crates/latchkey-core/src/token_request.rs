//! The token endpoint request (RFC 6749 §4.3.2, §4.4.2, §6), parsed from its form.

use std::fmt;

use crate::form::FormParams;
use crate::grant::GrantType;
use crate::scope::Scope;
use crate::token_exchange::ExchangeParams;
use crate::OAuthError;

/// Longest username accepted; longer input is refused before any lookup or hashing.
pub const MAX_USERNAME_LEN: usize = 256;
/// Longest password accepted, so a huge body cannot buy a huge Argon2 input.
pub const MAX_PASSWORD_LEN: usize = 1024;
/// Longest refresh token accepted; Latchkey's are 76 characters.
pub const MAX_REFRESH_TOKEN_LEN: usize = 512;
/// Longest authorization code accepted; Latchkey's are 43 characters.
pub const MAX_CODE_LEN: usize = 256;

/// A value that must never be printed: `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// What the client asks for, by grant.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenGrant {
    Password {
        username: String,
        password: Secret,
        scope: Option<Scope>,
    },
    RefreshToken {
        refresh_token: Secret,
        scope: Option<Scope>,
    },
    ClientCredentials {
        scope: Option<Scope>,
    },
    /// RFC 6749 §4.1.3 with the PKCE `code_verifier` (RFC 7636 §4.5).
    AuthorizationCode {
        code: Secret,
        redirect_uri: Option<String>,
        code_verifier: Option<Secret>,
    },
    /// RFC 8693 §2.1, a native app's provider token ([`crate::token_exchange`]).
    TokenExchange {
        params: ExchangeParams,
        scope: Option<Scope>,
    },
}

impl TokenGrant {
    pub fn grant_type(&self) -> GrantType {
        match self {
            Self::Password { .. } => GrantType::Password,
            Self::RefreshToken { .. } => GrantType::RefreshToken,
            Self::ClientCredentials { .. } => GrantType::ClientCredentials,
            Self::AuthorizationCode { .. } => GrantType::AuthorizationCode,
            Self::TokenExchange { .. } => GrantType::TokenExchange,
        }
    }
}

/// A token request: the grant, plus client credentials sent in the body
/// (`client_secret_post`, or `client_id` alone for public clients, RFC 6749 §2.3.1).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRequest {
    pub grant: TokenGrant,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
}

impl TokenRequest {
    pub fn from_form(form: &FormParams) -> Result<Self, OAuthError> {
        let grant_type = GrantType::parse(form.require("grant_type")?)?;
        let scope = form.get("scope").map(Scope::parse).transpose()?;
        let grant = match grant_type {
            GrantType::Password => TokenGrant::Password {
                username: bounded(form, "username", MAX_USERNAME_LEN)?.to_owned(),
                password: Secret::new(bounded(form, "password", MAX_PASSWORD_LEN)?),
                scope,
            },
            GrantType::RefreshToken => TokenGrant::RefreshToken {
                refresh_token: Secret::new(bounded(form, "refresh_token", MAX_REFRESH_TOKEN_LEN)?),
                scope,
            },
            GrantType::ClientCredentials => TokenGrant::ClientCredentials { scope },
            GrantType::AuthorizationCode => TokenGrant::AuthorizationCode {
                code: Secret::new(bounded(form, "code", MAX_CODE_LEN)?),
                redirect_uri: form.get("redirect_uri").map(str::to_owned),
                code_verifier: form.get("code_verifier").map(Secret::new),
            },
            GrantType::TokenExchange => {
                TokenGrant::TokenExchange { params: ExchangeParams::from_form(form)?, scope }
            }
        };
        Ok(Self {
            grant,
            client_id: form.get("client_id").map(str::to_owned),
            client_secret: form.get("client_secret").map(Secret::new),
        })
    }
}

fn bounded<'f>(form: &'f FormParams, name: &str, max: usize) -> Result<&'f str, OAuthError> {
    let value = form.require(name)?;
    if value.len() > max {
        return Err(OAuthError::invalid_request(format!("the {name} parameter is longer than {max} bytes")));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ErrorCode;

    fn parse(body: &str) -> Result<TokenRequest, OAuthError> {
        TokenRequest::from_form(&FormParams::parse(body.as_bytes()).unwrap())
    }

    #[test]
    fn password_grant_parses_and_hides_password() {
        let req = parse("grant_type=password&username=alice&password=s3cret&client_id=app").unwrap();
        assert_eq!(req.client_id.as_deref(), Some("app"));
        assert!(!format!("{req:?}").contains("s3cret"));
    }

    #[test]
    fn unknown_grant_type_is_unsupported() {
        let err = parse("grant_type=urn:example:magic").unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedGrantType);
    }

    #[test]
    fn missing_grant_type_is_invalid_request() {
        assert_eq!(parse("username=a").unwrap_err().code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn oversized_password_is_refused() {
        let body = format!("grant_type=password&username=a&password={}", "x".repeat(2000));
        assert_eq!(parse(&body).unwrap_err().code, ErrorCode::InvalidRequest);
    }

    #[test]
    fn bad_scope_is_invalid_scope() {
        let err = parse("grant_type=client_credentials&scope=%22").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidScope);
    }
}
