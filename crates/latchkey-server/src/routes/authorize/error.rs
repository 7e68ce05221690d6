//! How a failed authorization request is answered: the one error type of every step of the
//! pipeline and of the hosted forms, so each of them can use `?`.
//!
//! RFC 6749 §4.1.2.1 gives it two outcomes, and which one is decided by whether the request
//! can be tied to one of the client's registered redirect URIs:
//!
//! - not yet (unknown client, unregistered or missing `redirect_uri`, an expired or refused
//!   form, a server failure): an **error page** for the user, never a redirect, or the server
//!   would be an open redirector;
//! - once it can ([`ReturnTo`]): a **redirect back to the client** with `error`,
//!   `error_description`, the byte-exact `state` and, RFC 9207, `iss`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::OAuthError;
use latchkey_crypto::CryptoError;
use latchkey_store::StoreError;

use super::redirect::redirect_to;
use crate::error::ApiError;
use crate::pages::{tr, ErrorPage};

/// Why an authorization request, or a hosted form on its way, stopped.
#[derive(Debug)]
pub enum AuthorizeError {
    /// Shown to the user.
    Page(ErrorPage),
    /// Sent back to the client's redirect URI.
    Redirect { to: ReturnTo, error: OAuthError },
}

/// The title of the error pages of the authorization flow.
pub fn title() -> String {
    tr("error-title")
}

impl AuthorizeError {
    /// A 400 error page saying `message`.
    pub fn page(message: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        Self::Page(ErrorPage::bad_request(title(), message))
    }
}

impl From<ErrorPage> for AuthorizeError {
    fn from(page: ErrorPage) -> Self {
        Self::Page(page)
    }
}

/// A server failure in the browser flow: logged, and a page with the status the API would
/// answer (503 while the database is unreachable, 500 otherwise). Details stay in the log.
impl From<ApiError> for AuthorizeError {
    fn from(error: ApiError) -> Self {
        let page = match &error {
            ApiError::Unavailable(_) => {
                tracing::warn!(%error, "database unavailable");
                ErrorPage::new(StatusCode::SERVICE_UNAVAILABLE, title(), tr("error-unavailable"))
            }
            _ => {
                tracing::error!(%error, "authorization request failed");
                ErrorPage::new(StatusCode::INTERNAL_SERVER_ERROR, title(), tr("error-internal"))
            }
        };
        Self::Page(page)
    }
}

impl From<StoreError> for AuthorizeError {
    fn from(error: StoreError) -> Self {
        ApiError::from(error).into()
    }
}

impl From<CryptoError> for AuthorizeError {
    fn from(error: CryptoError) -> Self {
        ApiError::from(error).into()
    }
}

impl IntoResponse for AuthorizeError {
    fn into_response(self) -> Response {
        match self {
            Self::Page(page) => page.into_response(),
            Self::Redirect { to, error } => {
                let mut params = vec![("error", error.code.as_str())];
                if let Some(description) = error.description() {
                    params.push(("error_description", description));
                }
                to.respond(params)
            }
        }
    }
}

/// Where the response of an authorization request goes once its redirect URI is known to be
/// the client's (RFC 6749 §4.1.2): the URI, the client's `state` to echo byte for byte, and
/// this server's issuer for RFC 9207's `iss`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnTo {
    pub redirect_uri: String,
    pub client_state: Option<String>,
    pub issuer: String,
}

impl ReturnTo {
    /// `error` for the client (RFC 6749 §4.1.2.1).
    pub fn error(&self, error: OAuthError) -> AuthorizeError {
        AuthorizeError::Redirect { to: self.clone(), error }
    }

    /// The authorization code for the client (RFC 6749 §4.1.2).
    pub fn code(&self, code: &str) -> Response {
        self.respond(vec![("code", code)])
    }

    /// The redirect with `params`, then `state` and `iss`.
    fn respond<'a>(&'a self, mut params: Vec<(&'a str, &'a str)>) -> Response {
        if let Some(client_state) = self.client_state.as_deref() {
            params.push(("state", client_state));
        }
        params.push(("iss", &self.issuer));
        redirect_to(&self.redirect_uri, &params)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use axum::http::header;

    use super::*;

    fn location(response: &Response) -> &str {
        response.headers()[header::LOCATION].to_str().unwrap()
    }

    #[test]
    fn redirects_carry_state_byte_exact_and_iss() {
        let to = ReturnTo {
            redirect_uri: "https://app.example/cb?x=1".to_owned(),
            client_state: Some("a b&c=d".to_owned()),
            issuer: "https://id.example".to_owned(),
        };
        let response = to.error(OAuthError::invalid_request("bad")).into_response();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            location(&response),
            "https://app.example/cb?x=1&error=invalid_request&error_description=bad\
             &state=a+b%26c%3Dd&iss=https%3A%2F%2Fid.example"
        );
        let response = to.code("c0de");
        assert_eq!(
            location(&response),
            "https://app.example/cb?x=1&code=c0de&state=a+b%26c%3Dd&iss=https%3A%2F%2Fid.example"
        );
    }

    #[test]
    fn server_failures_are_pages_with_the_api_status() {
        let unavailable = AuthorizeError::from(ApiError::Unavailable(anyhow::anyhow!("down")));
        assert_eq!(unavailable.into_response().status(), StatusCode::SERVICE_UNAVAILABLE);
        let internal = AuthorizeError::from(ApiError::OAuth(OAuthError::server_error())).into_response();
        assert_eq!(internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(internal.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    }
}
