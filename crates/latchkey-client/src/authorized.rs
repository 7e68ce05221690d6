//! Calling a protected API with reqwest: attach `Authorization: Bearer` (RFC 6750 §2.1),
//! send, and when the resource server answers 401 (the token expired early, or its session
//! was touched) renew through [`TokenManager::on_unauthorized`] and retry exactly once. A
//! second 401 goes back to the caller: looping would only hammer the server.
//!
//! Retrying needs a second copy of the request. [`reqwest::RequestBuilder::try_clone`]
//! gives one unless the body is a stream; such a request is sent once, and on a 401 the
//! token is still renewed (so the caller's own retry uses the new one) and the 401 is
//! returned.

use reqwest::{IntoUrl, Method, RequestBuilder, Response, StatusCode};

use crate::error::ClientError;
use crate::manager::TokenManager;

/// A reqwest client whose requests carry the manager's access token.
#[derive(Clone)]
pub struct AuthorizedClient {
    http: reqwest::Client,
    tokens: TokenManager,
}

impl AuthorizedClient {
    pub fn new(http: reqwest::Client, tokens: TokenManager) -> Self {
        Self { http, tokens }
    }

    pub fn tokens(&self) -> &TokenManager {
        &self.tokens
    }

    /// A request to fill in (body, query, headers) and pass to [`send`](Self::send). Do not
    /// set `Authorization` yourself.
    pub fn request(&self, method: Method, url: impl IntoUrl) -> RequestBuilder {
        self.http.request(method, url)
    }

    pub fn get(&self, url: impl IntoUrl) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    pub fn post(&self, url: impl IntoUrl) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    /// Sends `request` with a bearer token, renewing it and retrying once on a 401.
    /// Any response other than that first 401 — including error statuses — is returned
    /// as is; errors are a failed renewal ([`ClientError::LoginRequired`] when the session
    /// is over) or a transport failure.
    pub async fn send(&self, request: RequestBuilder) -> Result<Response, ClientError> {
        let token = self.tokens.access_token().await?;
        let retry = request.try_clone();
        let response = request.bearer_auth(&token).send().await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let renewed = self.tokens.on_unauthorized(&token).await?;
        match retry {
            Some(retry) => Ok(retry.bearer_auth(renewed).send().await?),
            None => Ok(response),
        }
    }
}
