//! [`GuardLayer`]: the tower middleware that puts a [`Guard`] in front of a service.
//!
//! Requests to public paths pass unchecked; all others must present a valid access token or
//! are answered `401`/`400` with an RFC 6750 §3 challenge, without reaching the service. A
//! verified request carries its [`AccessTokenClaims`] (read them with
//! [`Claims`](crate::Claims)) and the guard's verifier (for the introspection extractor) in
//! its extensions. On the way out, challenges made by those extractors get
//! the guard's realm, and a DPoP client whose nonce is about to expire gets the next one in
//! `DPoP-Nonce` (RFC 9449 §8.2).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::{HeaderValue, Request};
use axum::response::{IntoResponse, Response};
use latchkey_core::claims::AccessTokenClaims;
use latchkey_core::dpop::NONCE_HEADER;
use tower::{Layer, Service};

use crate::challenge::add_realm;
use crate::verifier::Verifier;

/// Protects a service with a [`Guard`](crate::Guard); made by
/// [`Guard::layer`](crate::Guard::layer).
#[derive(Clone, Debug)]
pub struct GuardLayer {
    guard: Arc<Verifier>,
}

impl GuardLayer {
    pub(crate) fn new(guard: Arc<Verifier>) -> Self {
        Self { guard }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = GuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService { guard: self.guard.clone(), inner }
    }
}

/// The service [`GuardLayer`] wraps around `S`.
#[derive(Clone, Debug)]
pub struct GuardService<S> {
    guard: Arc<Verifier>,
    inner: S,
}

impl<S, B> Service<Request<B>> for GuardService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // The clone that was polled ready serves this request (tower's usual pattern).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let guard = self.guard.clone();
        Box::pin(async move {
            let mut next_nonce = None;
            if !guard.is_public(request.uri().path()) {
                let (method, path) = (request.method().as_str(), request.uri().path());
                match guard.authenticate(method, path, request.headers()).await {
                    Ok((claims, nonce)) => {
                        request.extensions_mut().insert::<AccessTokenClaims>(claims);
                        next_nonce = nonce;
                    }
                    Err(rejection) => {
                        let mut response = rejection.into_response();
                        add_realm(&mut response, &guard.realm);
                        return Ok(response);
                    }
                }
            }
            request.extensions_mut().insert(guard.clone());
            let mut response = inner.call(request).await?;
            add_realm(&mut response, &guard.realm);
            if let Some(nonce) = next_nonce.and_then(|nonce| HeaderValue::from_str(&nonce).ok()) {
                response.headers_mut().insert(NONCE_HEADER, nonce);
            }
            Ok(response)
        })
    }
}
