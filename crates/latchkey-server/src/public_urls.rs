//! Where each endpoint is, as the server routes it and as the world reaches it: the one place
//! that knows both, so no handler or page writes `"/login"` itself.
//!
//! An issuer with a path (`https://example.com/auth`) is served behind a reverse proxy that
//! strips that path before forwarding (`/auth/token` arrives as `/token`): the server's
//! routes stay at the root, and every URL it prints — the metadata's endpoints (RFC 8414
//! §2), form actions, the `Location` of its own redirects and the cookies' `Path` — carries
//! the issuer's path. With an issuer at the root of its host (the default) both are the same.
//! The server is not also mounted under the path: a request for `/auth/token` that reaches
//! it unstripped is a 404, which shows a misconfigured proxy at once.
//!
//! One address lies outside the issuer's path: RFC 8414 §3.1 puts the metadata of
//! `https://example.com/auth` at `https://example.com/.well-known/oauth-authorization-server/auth`.
//! The server also answers that path as it is ([`PublicUrls::path_inserted_metadata_route`]),
//! so the proxy forwards it unchanged; OpenID Connect Discovery 1.0 §4's
//! `{issuer}/.well-known/openid-configuration` goes through the prefix like every other URL.

use latchkey_core::dpop::EndpointUrl;

use crate::issuer::Issuer;

/// An endpoint this server serves and prints the address of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    OpenIdConfiguration,
    AuthorizationServerMetadata,
    Jwks,
    Token,
    Authorize,
    /// Where the login form sends the browser back into the authorization request.
    AuthorizeResume,
    Login,
    Consent,
    UserInfo,
    Logout,
    Revoke,
    Introspect,
    Revocations,
    /// The form that links an upstream identity after the account's password.
    FederationLink,
    /// The forgotten-password form and request.
    ForgotPassword,
    /// Where a forgotten-password link leads.
    ResetPassword,
    /// Self-registration (`self_registration`).
    Signup,
    /// Where an e-mail verification link leads.
    VerifyEmail,
    /// The account page and its forms.
    AccountPage,
    AccountEndSession,
    AccountEndSessions,
    AccountChangePassword,
    AccountChangeEmail,
    /// Passkeys (docs/architecture.md, "Passkeys"): the script of the ceremonies, the
    /// sign-in ceremony's options and answer, and the account page's.
    PasskeyScript,
    PasskeySignInOptions,
    PasskeySignIn,
    AccountPasskeyOptions,
    AccountAddPasskey,
    AccountRemovePasskey,
    /// The second factor after the password, and the TOTP enrolment during sign-in.
    SecondFactor,
    EnrolTotp,
    /// A passkey as that second factor (its options, its answer), and a passkey enrolled
    /// instead of an authenticator app during sign-in.
    SecondFactorPasskeyOptions,
    SecondFactorPasskey,
    EnrolPasskeyOptions,
    EnrolPasskey,
    /// The account page's second-factor forms.
    AccountTotpBegin,
    AccountTotpConfirm,
    AccountRecoveryCodes,
    AccountRemoveFactor,
}

impl Endpoint {
    /// The path the server's router serves it at.
    pub const fn route(self) -> &'static str {
        match self {
            Self::OpenIdConfiguration => "/.well-known/openid-configuration",
            Self::AuthorizationServerMetadata => "/.well-known/oauth-authorization-server",
            Self::Jwks => "/jwks.json",
            Self::Token => "/token",
            Self::Authorize => "/authorize",
            Self::AuthorizeResume => "/authorize/resume",
            Self::Login => "/login",
            Self::Consent => "/consent",
            Self::UserInfo => "/userinfo",
            Self::Logout => "/logout",
            Self::Revoke => "/revoke",
            Self::Introspect => "/introspect",
            Self::Revocations => "/revocations",
            Self::FederationLink => "/federation/link",
            Self::ForgotPassword => "/forgot-password",
            Self::ResetPassword => "/reset-password",
            Self::Signup => "/signup",
            Self::VerifyEmail => "/verify-email",
            Self::AccountPage => "/account",
            Self::AccountEndSession => "/account/end-session",
            Self::AccountEndSessions => "/account/end-sessions",
            Self::AccountChangePassword => "/account/change-password",
            Self::AccountChangeEmail => "/account/change-email",
            Self::PasskeyScript => "/passkeys.js",
            Self::PasskeySignInOptions => "/login/passkey/options",
            Self::PasskeySignIn => "/login/passkey",
            Self::AccountPasskeyOptions => "/account/passkeys/options",
            Self::AccountAddPasskey => "/account/passkeys/add",
            Self::AccountRemovePasskey => "/account/passkeys/remove",
            Self::SecondFactor => "/login/second-factor",
            Self::EnrolTotp => "/login/enrol-totp",
            Self::SecondFactorPasskeyOptions => "/login/second-factor/passkey/options",
            Self::SecondFactorPasskey => "/login/second-factor/passkey",
            Self::EnrolPasskeyOptions => "/login/enrol-passkey/options",
            Self::EnrolPasskey => "/login/enrol-passkey",
            Self::AccountTotpBegin => "/account/totp/begin",
            Self::AccountTotpConfirm => "/account/totp/confirm",
            Self::AccountRecoveryCodes => "/account/recovery-codes",
            Self::AccountRemoveFactor => "/account/remove-factor",
        }
    }
}

/// The public addresses of the endpoints, built from the issuer at start.
#[derive(Debug, Clone)]
pub struct PublicUrls {
    issuer: Issuer,
}

impl PublicUrls {
    pub fn new(issuer: Issuer) -> Self {
        Self { issuer }
    }

    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The absolute URL of `endpoint` (`https://example.com/auth/token`), for the metadata.
    pub fn url(&self, endpoint: Endpoint) -> String {
        self.url_of_route(endpoint.route()).to_string()
    }

    /// The absolute URL of the server's route `route` (`/account/sessions` →
    /// `https://example.com/auth/account/sessions`): what a DPoP proof's `htu` must name,
    /// whatever `Host` the request came with (RFC 9449 §4.3). In two parts, which a proof's
    /// `htu` is compared with without building the URL.
    pub fn url_of_route<'a>(&'a self, route: &'a str) -> EndpointUrl<'a> {
        EndpointUrl { base: self.issuer.as_str(), path: route }
    }

    /// The absolute path of `endpoint` on the issuer's host (`/auth/login`), for form actions
    /// and the server's redirects to itself: same-origin by construction.
    pub fn path(&self, endpoint: Endpoint) -> String {
        format!("{}{}", self.issuer.path(), endpoint.route())
    }

    /// The absolute path of an upstream provider's route (`/auth/federation/github/start`).
    pub fn federation_path(&self, provider: &str, action: &str) -> String {
        format!("{}/federation/{provider}/{action}", self.issuer.path())
    }

    /// The absolute URL of an upstream provider's route: its callback is the redirect URI
    /// registered at the provider.
    pub fn federation_url(&self, provider: &str, action: &str) -> String {
        format!("{}/federation/{provider}/{action}", self.issuer.as_str())
    }

    /// For an issuer with a path, the route of its RFC 8414 §3.1 metadata: the well-known
    /// segment between the host and the issuer's path (`/.well-known/oauth-authorization-server/auth`).
    pub fn path_inserted_metadata_route(&self) -> Option<String> {
        let path = self.issuer.path();
        (!path.is_empty()).then(|| format!("{}{path}", Endpoint::AuthorizationServerMetadata.route()))
    }

    /// The `Path` of the hosted pages' cookies (RFC 6265 §5.2.4): the issuer's path, or `/`.
    pub fn cookie_path(&self) -> &str {
        match self.issuer.path() {
            "" => "/",
            path => path,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_carry_the_issuer_path() {
        let urls = PublicUrls::new(Issuer::parse("https://Example.com/auth/").unwrap());
        assert_eq!(urls.url(Endpoint::Token), "https://example.com/auth/token");
        assert_eq!(urls.path(Endpoint::AuthorizeResume), "/auth/authorize/resume");
        assert_eq!(urls.cookie_path(), "/auth");
        assert_eq!(
            urls.path_inserted_metadata_route().as_deref(),
            Some("/.well-known/oauth-authorization-server/auth")
        );
    }

    #[test]
    fn root_issuer_urls_are_unchanged() {
        let urls = PublicUrls::new(Issuer::parse("http://127.0.0.1:8080").unwrap());
        assert_eq!(urls.url(Endpoint::Jwks), "http://127.0.0.1:8080/jwks.json");
        assert_eq!(urls.path(Endpoint::Login), "/login");
        assert_eq!(urls.cookie_path(), "/");
        assert_eq!(urls.path_inserted_metadata_route(), None);
    }
}
