//! The login itself: where to send the browser (RFC 6749 §4.1.1, OpenID Connect Core
//! §3.1.2.1), and, on the callback, code → tokens → validated identity → normalized profile.
//!
//! Endpoints come from discovery for OpenID Connect providers and from the configuration for
//! OAuth 2.0 ones; any of them may be overridden ([`super::EndpointOverrides`]).

use url::Url;

use super::http::check_transport;
use super::token_endpoint::ClientAuth;
use super::{
    facebook, github, userinfo, CallbackInput, Flavor, OutboundRequest, PkceMode, ProviderConfig,
    ProviderKind, Upstream, UpstreamError, UpstreamLogin,
};

/// The endpoints and methods used with one provider.
pub(crate) struct Endpoints {
    pub authorization: Url,
    pub token: Url,
    pub userinfo: Option<Url>,
    pub client_auth: ClientAuth,
    /// Whether PKCE (S256) is sent.
    pub pkce: bool,
}

/// Providers that take the client secret in the token request body.
fn posts_client_secret(flavor: Flavor) -> bool {
    matches!(flavor, Flavor::GitHub | Flavor::Facebook | Flavor::Apple)
}

impl Upstream {
    pub(crate) async fn endpoints(&self, p: &ProviderConfig) -> Result<Endpoints, UpstreamError> {
        let o = &p.overrides;
        match &p.kind {
            ProviderKind::Oidc { issuer } => {
                let m = self.discovery.get(&self.http, issuer, self.clock.now()).await?;
                let token = o.token_endpoint.clone().or_else(|| m.token_endpoint.clone());
                let client_auth = if posts_client_secret(p.flavor) || m.wants_client_secret_post() {
                    ClientAuth::Post
                } else {
                    ClientAuth::Basic
                };
                Ok(Endpoints {
                    authorization: o
                        .authorization_endpoint
                        .clone()
                        .unwrap_or_else(|| m.authorization_endpoint.clone()),
                    token: token.ok_or(UpstreamError::Discovery("the provider has no token endpoint"))?,
                    userinfo: o.userinfo_endpoint.clone().or_else(|| m.userinfo_endpoint.clone()),
                    client_auth,
                    pkce: match p.pkce {
                        PkceMode::Auto => m.supports_s256(),
                        PkceMode::Force => true,
                        PkceMode::Never => false,
                    },
                })
            }
            ProviderKind::OAuth2 { authorization_endpoint, token_endpoint, userinfo_endpoint } => {
                Ok(Endpoints {
                    authorization: o
                        .authorization_endpoint
                        .clone()
                        .unwrap_or_else(|| authorization_endpoint.clone()),
                    token: o.token_endpoint.clone().unwrap_or_else(|| token_endpoint.clone()),
                    userinfo: Some(o.userinfo_endpoint.clone().unwrap_or_else(|| userinfo_endpoint.clone())),
                    client_auth: if posts_client_secret(p.flavor) {
                        ClientAuth::Post
                    } else {
                        ClientAuth::Basic
                    },
                    pkce: p.pkce != PkceMode::Never,
                })
            }
        }
    }

    /// Where to send the browser to sign in at `p`.
    pub async fn authorization_url(
        &self,
        p: &ProviderConfig,
        req: &OutboundRequest,
    ) -> Result<Url, UpstreamError> {
        let endpoints = self.endpoints(p).await?;
        let mut url = endpoints.authorization;
        // The browser is sent there, not us: the same https rule as for our own requests.
        check_transport(&url)?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &p.client_id)
                .append_pair("redirect_uri", req.redirect_uri.as_str())
                .append_pair("scope", &p.scope_param())
                .append_pair("state", &req.state);
            if p.issuer().is_some() {
                query.append_pair("nonce", &req.nonce);
            }
            if let (true, Some(challenge)) = (endpoints.pkce, &req.pkce_challenge) {
                query.append_pair("code_challenge", challenge).append_pair("code_challenge_method", "S256");
            }
            if let Some(hint) = &req.login_hint {
                query.append_pair("login_hint", hint);
            }
            // Apple requires form_post when it is asked for the name or e-mail.
            if p.flavor == Flavor::Apple {
                query.append_pair("response_mode", "form_post");
            }
        }
        Ok(url)
    }

    /// RFC 9207 mix-up defence, for the callback's `iss` parameter: when present it must be the
    /// provider's issuer exactly, and it must be present when the provider's discovery says it
    /// sends it (§2.4). OAuth 2.0 providers have no issuer to compare with.
    pub async fn check_response_issuer(
        &self,
        p: &ProviderConfig,
        iss: Option<&str>,
    ) -> Result<(), UpstreamError> {
        let ProviderKind::Oidc { issuer } = &p.kind else {
            return Ok(());
        };
        let mismatch = || UpstreamError::Authorization("invalid_issuer".into());
        match iss {
            Some(iss) if iss == issuer => Ok(()),
            Some(_) => Err(mismatch()),
            None => {
                let m = self.discovery.get(&self.http, issuer, self.clock.now()).await?;
                if m.authorization_response_iss_parameter_supported {
                    Err(mismatch())
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Exchanges the callback's code and validates who signed in.
    pub async fn complete(
        &self,
        p: &ProviderConfig,
        cb: &CallbackInput,
    ) -> Result<UpstreamLogin, UpstreamError> {
        let endpoints = self.endpoints(p).await?;
        let mut params = vec![
            ("grant_type", "authorization_code"),
            ("code", cb.code.as_str()),
            ("redirect_uri", cb.redirect_uri.as_str()),
        ];
        if let (true, Some(verifier)) = (endpoints.pkce, &cb.pkce_verifier) {
            params.push(("code_verifier", verifier));
        }
        let tokens = self.token_request(p, &endpoints.token, endpoints.client_auth, &params).await?;
        let access_token = tokens.access_token.as_str();
        let identity = match (&p.kind, p.flavor) {
            (ProviderKind::Oidc { .. }, _) => {
                self.oidc_identity(p, endpoints.userinfo.as_ref(), &tokens, cb).await?
            }
            (ProviderKind::OAuth2 { .. }, flavor) => {
                let profile_url =
                    endpoints.userinfo.as_ref().ok_or(UpstreamError::Profile("no profile endpoint"))?;
                match flavor {
                    Flavor::GitHub => github::identity(&self.http, p, profile_url, access_token).await?,
                    Flavor::Facebook => facebook::identity(&self.http, p, profile_url, access_token).await?,
                    _ => userinfo::oauth2_identity(&self.http, profile_url, access_token).await?,
                }
            }
        };
        let profile = p.mapping.normalize(p.flavor, &identity.claims);
        Ok(UpstreamLogin { subject: identity.subject, raw_claims: identity.claims, profile, tokens })
    }
}
