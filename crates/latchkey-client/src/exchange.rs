//! Native apps' token exchange (RFC 8693 §2.1): an app that signed the user in with a
//! platform SDK (Sign in with Apple, Google Sign-In, Facebook Login) sends the provider's
//! token once to Latchkey and keeps Latchkey's tokens; the provider token never reaches the
//! app's API.
//!
//! For an ID token, first ask [`OAuthClient::native_nonce`], pass the nonce to the SDK (for a
//! provider that hashes it, such as Apple, pass its hex SHA-256, as Apple's guide does), and
//! send the same nonce with the exchange. Latchkey uses each nonce once.

use serde::Deserialize;

use crate::error::ClientError;
use crate::metadata::parse_url;
use crate::oauth_client::{error_of, OAuthClient};
use crate::token::TokenResponse;

/// RFC 8693 §2.1 `grant_type`.
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

/// The provider token the app holds.
#[derive(Clone, Copy)]
pub enum SubjectToken<'a> {
    /// An OpenID Connect ID token (Google, Apple); needs the nonce it carries.
    IdToken { id_token: &'a str, nonce: &'a str },
    /// An OAuth 2.0 access token of a provider Latchkey can inspect (Facebook).
    AccessToken(&'a str),
}

impl std::fmt::Debug for SubjectToken<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::IdToken { .. } => "SubjectToken::IdToken(..)",
            Self::AccessToken(_) => "SubjectToken::AccessToken(..)",
        })
    }
}

#[derive(Deserialize)]
struct NonceBody {
    nonce: String,
}

impl OAuthClient {
    /// A single-use nonce from `GET {issuer}/native/nonce`, for the provider SDK's sign-in.
    pub async fn native_nonce(&self) -> Result<String, ClientError> {
        let issuer = self.endpoints().issuer.trim_end_matches('/');
        let url = parse_url("nonce endpoint", &format!("{issuer}/native/nonce"))?;
        let response = self.http().get(url).send().await?;
        if !response.status().is_success() {
            return Err(error_of(response).await);
        }
        let status = response.status().as_u16();
        let body: NonceBody =
            response.json().await.map_err(|_| ClientError::UnexpectedResponse { status })?;
        Ok(body.nonce)
    }

    /// Exchanges the provider token for Latchkey's tokens at the provider Latchkey knows as
    /// `provider`.
    pub async fn exchange_token(
        &self,
        provider: &str,
        subject: SubjectToken<'_>,
        scope: Option<&str>,
    ) -> Result<TokenResponse, ClientError> {
        let mut form = vec![("grant_type", GRANT_TYPE), ("provider", provider)];
        match subject {
            SubjectToken::IdToken { id_token, nonce } => form.extend([
                ("subject_token", id_token),
                ("subject_token_type", "urn:ietf:params:oauth:token-type:id_token"),
                ("nonce", nonce),
            ]),
            SubjectToken::AccessToken(token) => form.extend([
                ("subject_token", token),
                ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"),
            ]),
        }
        form.extend(scope.map(|s| ("scope", s)));
        self.token_request(&form).await
    }
}
