//! [`BffLayer`]: the BFF in front of an axum API in the same process. Requests under the
//! configured prefixes pass the same gate as proxied ones ([`crate::gate`]: CSRF, session,
//! fresh token) and reach the API with `Authorization: Bearer` instead of the browser's
//! cookies (the headers rewritten as by [`crate::proxy`]); the API verifies the token as it
//! would any other (e.g. with `latchkey-guard`). Other paths pass untouched.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::bff::Bff;
use crate::{gate, proxy};

#[derive(Clone)]
pub struct BffLayer {
    bff: Bff,
}

impl BffLayer {
    pub(crate) fn new(bff: Bff) -> Self {
        Self { bff }
    }
}

impl<S> Layer<S> for BffLayer {
    type Service = BffService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BffService { bff: self.bff.clone(), inner }
    }
}

#[derive(Clone)]
pub struct BffService<S> {
    bff: Bff,
    inner: S,
}

impl<S> Service<Request> for BffService<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        // The clone that was polled ready serves this request (tower's documented pattern).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let bff = self.bff.clone();
        let guarded = {
            let path = request.uri().path();
            bff.config().embedded_prefixes.iter().any(|prefix| {
                path.strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        };
        Box::pin(async move {
            if !guarded {
                return inner.call(request).await;
            }
            let token = match gate::access_token(&bff, request.headers()).await {
                Ok(token) => token,
                Err(error) => return Ok(error.into_response()),
            };
            if let Err(error) = proxy::to_upstream(request.headers_mut(), &token) {
                return Ok(error.into_response());
            }
            let mut response = inner.call(request).await?;
            proxy::to_browser(response.headers_mut());
            Ok(response)
        })
    }
}
