//! Calling a protected API with reqwest: attach `Authorization: Bearer` (RFC 6750 §2.1),
//! send, and when the resource server answers 401 (the token expired early, or its session
//! was touched) renew through [`TokenManager::on_unauthorized`] and retry exactly once. A
//! second 401 goes back to the caller: looping would only hammer the server.
//!
//! A 401 with an RFC 9470 step-up challenge is not retried: it becomes
//! [`ClientError::StepUpRequired`], since a renewed token carries the same sign-in.
//!
//! A session bound to a DPoP key (RFC 9449 §7) sends `Authorization: DPoP` and a fresh proof
//! with each attempt, with the nonce last seen from that origin; a 401 `use_dpop_nonce` that
//! brings a new nonce is retried once with it, without renewing the token (§9).
//!
//! Retrying needs a second copy of the request. [`reqwest::Request::try_clone`] gives one
//! unless the body is a stream; such a request is sent once, and on a 401 the token is
//! still renewed (so the caller's own retry uses the new one) and the 401 is returned.

use std::sync::Arc;

use reqwest::header::{HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::{IntoUrl, Method, Request, RequestBuilder, Response, StatusCode};

use crate::dpop::DpopKey;
use crate::error::ClientError;
use crate::manager::TokenManager;
use crate::step_up;

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
    /// is over), a step-up challenge ([`ClientError::StepUpRequired`], RFC 9470: no renewal,
    /// the user must sign in again) or a transport failure.
    pub async fn send(&self, request: RequestBuilder) -> Result<Response, ClientError> {
        let token = self.tokens.access_token().await?;
        let key = self.tokens.dpop_key().await;
        let request = request.build()?;
        let mut retry = request.try_clone();
        let mut response = self.attempt(request, &token, key.as_ref()).await?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        if key.is_some() && self.asks_for_nonce(&response) {
            let Some(again) = retry else { return Ok(response) };
            retry = again.try_clone();
            response = self.attempt(again, &token, key.as_ref()).await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
        }
        let challenge = response.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok());
        if let Some(step_up) = challenge.and_then(step_up::from_challenge) {
            return Err(ClientError::StepUpRequired(step_up));
        }
        let renewed = self.tokens.on_unauthorized(&token).await?;
        match retry {
            Some(retry) => Ok(self.attempt(retry, &renewed, self.tokens.dpop_key().await.as_ref()).await?),
            None => Ok(response),
        }
    }

    /// Sends `request` with `token`: as a bearer token, or with `DPoP` and a proof of `key`.
    async fn attempt(
        &self,
        mut request: Request,
        token: &str,
        key: Option<&Arc<DpopKey>>,
    ) -> Result<Response, ClientError> {
        let nonces = self.tokens.client().nonces();
        let scheme = match key {
            Some(key) => {
                let nonce = nonces.get(request.url());
                let proof =
                    key.proof(request.method().as_str(), request.url(), Some(token), nonce.as_deref())?;
                request.headers_mut().insert("DPoP", header_value(&proof)?);
                "DPoP"
            }
            None => "Bearer",
        };
        request.headers_mut().insert(AUTHORIZATION, header_value(&format!("{scheme} {token}"))?);
        let url = request.url().clone();
        let response = self.http.execute(request).await?;
        if key.is_some() {
            nonces.remember(&url, response.headers());
        }
        Ok(response)
    }

    /// A 401 that names `use_dpop_nonce` and brings a `DPoP-Nonce` (RFC 9449 §9).
    fn asks_for_nonce(&self, response: &Response) -> bool {
        let challenge = response.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok());
        challenge.is_some_and(|c| c.contains("use_dpop_nonce"))
            && response.headers().contains_key(latchkey_core::dpop::NONCE_HEADER)
    }
}

fn header_value(text: &str) -> Result<HeaderValue, ClientError> {
    HeaderValue::from_str(text)
        .map_err(|_| ClientError::Config("a token or proof is not a valid header value".into()))
}
