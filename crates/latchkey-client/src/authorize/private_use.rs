//! The native-app login through a private-use URI scheme (RFC 8252 §7.1): the app registers
//! `com.example.app:/callback` with the operating system, opens the browser on
//! [`PendingAuthorization::url`], and when the OS hands the redirect back to the app it calls
//! [`OAuthClient::finish_authorization`]. The redirect is checked exactly as on loopback
//! (`state`, RFC 9207 `iss`, error or code), after checking that it is the pending request's
//! redirect URI, then the code is redeemed with the PKCE verifier (RFC 7636 §4.5): another
//! app that claimed the same scheme learns a code it cannot redeem (RFC 8252 §8.1).

use latchkey_core::step_up::StepUp;
use reqwest::Url;

use crate::authorize::loopback::check_redirect;
use crate::authorize::{AuthorizationRequest, ExpectedRedirect};
use crate::error::{CallbackError, ClientError};
use crate::oauth_client::OAuthClient;
use crate::pkce::{PkceVerifier, State};
use crate::token::TokenResponse;

/// An authorization request waiting for the OS to deliver its redirect. Keep it (in memory, or
/// serialized by the app) until the redirect arrives; it holds the PKCE verifier.
#[derive(Debug)]
pub struct PendingAuthorization {
    request: AuthorizationRequest,
    url: Url,
}

impl PendingAuthorization {
    /// The URL to open in the system browser.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The `state` of the request.
    pub fn state(&self) -> &State {
        &self.request.state
    }
}

/// Whether `redirect` is `redirect_uri` followed by nothing but a query (RFC 6749 §3.1.2: the
/// server appends its parameters to the registered URI).
fn is_redirect_to(redirect: &str, redirect_uri: &str) -> bool {
    redirect.strip_prefix(redirect_uri).is_some_and(|rest| rest.is_empty() || rest.starts_with('?'))
        && !redirect_uri.contains('?')
}

impl OAuthClient {
    /// Starts a login whose redirect comes back through `redirect_uri`, a private-use scheme
    /// the client registered (`com.example.app:/callback`).
    pub fn begin_authorization(
        &self,
        redirect_uri: &str,
        scope: Option<&str>,
    ) -> Result<PendingAuthorization, ClientError> {
        self.begin_step_up(redirect_uri, scope, &StepUp::default())
    }

    /// As [`begin_authorization`](Self::begin_authorization), asking for the sign-in a
    /// resource demanded ([`ClientError::StepUpRequired`], RFC 9470 §4).
    pub fn begin_step_up(
        &self,
        redirect_uri: &str,
        scope: Option<&str>,
        step_up: &StepUp,
    ) -> Result<PendingAuthorization, ClientError> {
        let endpoint =
            self.endpoints().authorization.as_ref().ok_or_else(|| {
                ClientError::Config("the server announces no authorization_endpoint".into())
            })?;
        let request = AuthorizationRequest {
            client_id: self.client_id().to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scope: scope.map(str::to_owned),
            state: State::generate()?,
            verifier: PkceVerifier::generate()?,
            step_up: step_up.clone(),
        };
        let url = request.url(endpoint);
        Ok(PendingAuthorization { request, url })
    }

    /// Checks the redirect the OS handed to the app and redeems its code. A refused redirect
    /// leaves `pending` usable for the genuine one.
    pub async fn finish_authorization(
        &self,
        pending: &PendingAuthorization,
        redirect: &str,
    ) -> Result<TokenResponse, ClientError> {
        let code = self.check_private_use_redirect(pending, redirect)?;
        self.exchange_code(&code, &pending.request.verifier, &pending.request.redirect_uri).await
    }

    fn check_private_use_redirect(
        &self,
        pending: &PendingAuthorization,
        redirect: &str,
    ) -> Result<String, ClientError> {
        if !is_redirect_to(redirect, &pending.request.redirect_uri) {
            return Err(CallbackError::OtherRedirectUri.into());
        }
        let url = Url::parse(redirect).map_err(|_| CallbackError::OtherRedirectUri)?;
        let endpoints = self.endpoints();
        let expected = ExpectedRedirect {
            state: &pending.request.state,
            issuer: &endpoints.issuer,
            issuer_required: endpoints.authorization_response_iss,
        };
        check_redirect(&url, expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_pending_redirect_uri_with_a_query_is_accepted() {
        let uri = "com.example.bank:/oauth/callback";
        assert!(is_redirect_to("com.example.bank:/oauth/callback?code=a&state=b", uri));
        assert!(is_redirect_to(uri, uri));
        assert!(!is_redirect_to("com.example.bank:/oauth/callbackx?code=a", uri));
        assert!(!is_redirect_to("com.example.bank:/oauth/callback/x?code=a", uri));
        assert!(!is_redirect_to("com.example.evil:/oauth/callback?code=a", uri));
        assert!(!is_redirect_to("com.example.bank:/oauth/callback#code=a", uri));
    }
}
