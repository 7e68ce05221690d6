//! The whole native-app login (RFC 8252 §4.1): loopback listener first, so the redirect URI
//! is known; then the browser and the wait run together (a browser launcher that blocks, or
//! one that fails, must not leave the other side hanging); then the code exchange with the
//! same redirect URI and the PKCE verifier (RFC 7636 §4.5).

use std::time::Duration;

use latchkey_core::step_up::StepUp;

use crate::authorize::{AuthorizationRequest, BrowserOpener, ExpectedRedirect, LoopbackListener};
use crate::error::{CallbackError, ClientError};
use crate::oauth_client::OAuthClient;
use crate::pkce::{PkceVerifier, State};
use crate::token::TokenResponse;

impl OAuthClient {
    /// Signs the user in through their browser and returns the tokens. `timeout` bounds the
    /// wait for the redirect (the user may walk away).
    pub async fn login_native(
        &self,
        scope: Option<&str>,
        browser: &dyn BrowserOpener,
        timeout: Duration,
    ) -> Result<TokenResponse, ClientError> {
        self.step_up_native(scope, &StepUp::default(), browser, timeout).await
    }

    /// As [`login_native`](Self::login_native), asking for the sign-in a resource demanded
    /// ([`ClientError::StepUpRequired`], RFC 9470 §4).
    pub async fn step_up_native(
        &self,
        scope: Option<&str>,
        step_up: &StepUp,
        browser: &dyn BrowserOpener,
        timeout: Duration,
    ) -> Result<TokenResponse, ClientError> {
        let endpoints = self.endpoints();
        let endpoint = endpoints
            .authorization
            .as_ref()
            .ok_or_else(|| ClientError::Config("the server announces no authorization_endpoint".into()))?;
        let listener = LoopbackListener::bind().await?;
        let request = AuthorizationRequest {
            client_id: self.client_id().to_owned(),
            redirect_uri: listener.redirect_uri(),
            scope: scope.map(str::to_owned),
            state: State::generate()?,
            verifier: PkceVerifier::generate()?,
            step_up: step_up.clone(),
        };
        let expected = ExpectedRedirect {
            state: &request.state,
            issuer: &endpoints.issuer,
            issuer_required: endpoints.authorization_response_iss,
        };
        let redirect = async {
            tokio::time::timeout(timeout, listener.wait(expected))
                .await
                .map_err(|_| ClientError::from(CallbackError::TimedOut))?
        };
        let url = request.url(endpoint);
        let ((), code) = tokio::try_join!(browser.open(&url), redirect)?;
        self.exchange_code(&code, &request.verifier, &request.redirect_uri).await
    }
}
