//! One request per grant against the token endpoint (RFC 6749 §4.1.3, §4.3, §4.4, §6) and
//! the revocation endpoint (RFC 7009), with client authentication per §2.3.1: a public
//! client names itself with `client_id` in the body; a confidential one uses HTTP Basic with
//! its form-encoded id and secret.
//!
//! This type is stateless: it does not remember tokens. [`TokenManager`](crate::TokenManager)
//! holds them and decides when to refresh.

use std::fmt;
use std::sync::Arc;

use reqwest::{RequestBuilder, Response};

use crate::dpop::{DpopKey, NonceCache};
use crate::error::{ClientError, ErrorBody};
use crate::metadata::Endpoints;
use crate::token::TokenResponse;

/// How this client identifies itself to the server.
#[derive(Clone)]
pub struct Credentials {
    pub client_id: String,
    /// `None` for a public client (native and browser apps cannot keep a secret).
    pub client_secret: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// A client of one authorization server. Cheap to clone.
#[derive(Clone, Debug)]
pub struct OAuthClient {
    http: reqwest::Client,
    endpoints: Arc<Endpoints>,
    credentials: Arc<Credentials>,
    /// The key whose proofs go with every token request ([`Self::with_dpop`]).
    dpop: Option<Arc<DpopKey>>,
    /// `DPoP-Nonce`s per origin, shared by the clones (and the API calls of
    /// [`AuthorizedClient`](crate::AuthorizedClient)).
    nonces: Arc<NonceCache>,
}

/// RFC 6749 Appendix B: the id and secret are form-encoded before Basic encoding.
fn form_encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

impl OAuthClient {
    /// A client with known endpoints.
    pub fn new(http: reqwest::Client, endpoints: Endpoints, credentials: Credentials) -> Self {
        Self {
            http,
            endpoints: Arc::new(endpoints),
            credentials: Arc::new(credentials),
            dpop: None,
            nonces: Arc::default(),
        }
    }

    /// This client with every token request carrying a DPoP proof of `key` (RFC 9449 §5):
    /// the tokens are bound to it, and a refresh token of a public client must then always
    /// be used with it.
    pub fn with_dpop(&self, key: Arc<DpopKey>) -> Self {
        Self { dpop: Some(key), ..self.clone() }
    }

    pub(crate) fn nonces(&self) -> &NonceCache {
        &self.nonces
    }

    /// A client whose endpoints come from the issuer's RFC 8414 metadata.
    pub async fn discover(
        http: reqwest::Client,
        issuer: &str,
        credentials: Credentials,
    ) -> Result<Self, ClientError> {
        let endpoints = Endpoints::discover(&http, issuer).await?;
        Ok(Self::new(http, endpoints, credentials))
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    pub fn client_id(&self) -> &str {
        &self.credentials.client_id
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A form POST to `url`, authenticated as this client (RFC 6749 §2.3.1).
    fn post(&self, url: &reqwest::Url, form: &[(&str, &str)]) -> RequestBuilder {
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        let request = self.http.post(url.clone());
        let request = match &self.credentials.client_secret {
            Some(secret) => {
                request.basic_auth(form_encode(&self.credentials.client_id), Some(form_encode(secret)))
            }
            None => {
                fields.push(("client_id", &self.credentials.client_id));
                request
            }
        };
        request.form(&fields)
    }

    /// One token request; with a DPoP key, a proof goes with it, and one `use_dpop_nonce`
    /// answer is retried with the nonce it brought (RFC 9449 §8).
    pub(crate) async fn token_request(&self, form: &[(&str, &str)]) -> Result<TokenResponse, ClientError> {
        let url = &self.endpoints.token;
        let mut nonce_retry = self.dpop.is_some();
        loop {
            let mut request = self.post(url, form);
            if let Some(key) = &self.dpop {
                request =
                    request.header("DPoP", key.proof("POST", url, None, self.nonces.get(url).as_deref())?);
            }
            let response = request.send().await?;
            let new_nonce = self.dpop.is_some() && self.nonces.remember(url, response.headers());
            if response.status().is_success() {
                let status = response.status().as_u16();
                let body: TokenResponse =
                    response.json().await.map_err(|_| ClientError::UnexpectedResponse { status })?;
                return body.checked(self.dpop.is_some());
            }
            let error = error_of(response).await;
            let use_nonce = error.oauth_code().is_some_and(|code| code.as_str() == "use_dpop_nonce");
            if !(nonce_retry && new_nonce && use_nonce) {
                return Err(error);
            }
            nonce_retry = false;
        }
    }

    /// Resource owner password credentials (RFC 6749 §4.3), for first-party apps that the
    /// server allows it.
    pub async fn password_login(
        &self,
        username: &str,
        password: &str,
        scope: Option<&str>,
    ) -> Result<TokenResponse, ClientError> {
        let mut form = vec![("grant_type", "password"), ("username", username), ("password", password)];
        form.extend(scope.map(|s| ("scope", s)));
        self.token_request(&form).await
    }

    /// Exchanges a refresh token (RFC 6749 §6). With rotation the answer carries the
    /// successor and `refresh_token` is spent; an `invalid_grant` means the session is over.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, ClientError> {
        self.token_request(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
    }

    /// Client credentials (RFC 6749 §4.4): a confidential client acting for itself.
    pub async fn client_credentials(&self, scope: Option<&str>) -> Result<TokenResponse, ClientError> {
        let mut form = vec![("grant_type", "client_credentials")];
        form.extend(scope.map(|s| ("scope", s)));
        self.token_request(&form).await
    }

    /// Redeems an authorization code with its PKCE verifier (RFC 6749 §4.1.3, RFC 7636 §4.5).
    /// `redirect_uri` must be the one the authorization request carried.
    pub async fn exchange_code(
        &self,
        code: &str,
        verifier: &crate::PkceVerifier,
        redirect_uri: &str,
    ) -> Result<TokenResponse, ClientError> {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier.as_str()),
        ])
        .await
    }

    /// Revokes a token (RFC 7009 §2.1). Revoking a refresh token ends its whole session at
    /// Latchkey. The server answers 200 for unknown tokens too (§2.2).
    pub async fn revoke(&self, token: &str) -> Result<(), ClientError> {
        let url = self
            .endpoints
            .revocation
            .as_ref()
            .ok_or_else(|| ClientError::Config("the server announces no revocation_endpoint".into()))?;
        let response = self.post(url, &[("token", token)]).send().await?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(error_of(response).await)
    }
}

/// Reads an RFC 6749 §5.2 error body, or reports the bare status when there is none.
pub(crate) async fn error_of(response: Response) -> ClientError {
    let status = response.status().as_u16();
    match response.json::<ErrorBody>().await {
        Ok(body) => ClientError::OAuth(body.into_error(Some(status))),
        Err(_) => ClientError::UnexpectedResponse { status },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        assert_eq!(form_encode("a b:c/é"), "a+b%3Ac%2F%C3%A9");
    }

    #[test]
    fn debug_hides_the_secret() {
        let credentials = Credentials { client_id: "app".into(), client_secret: Some("s3cret".into()) };
        assert!(!format!("{credentials:?}").contains("s3cret"));
    }
}
