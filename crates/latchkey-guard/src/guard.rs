//! The public face of the crate: [`Guard`], which verifies access tokens for one resource
//! server, and [`GuardBuilder`], which configures it. The verification itself is
//! `verifier.rs`; discovery and the first fetches are `setup.rs`; the tower middleware is
//! `layer.rs`. Nothing here is imported back by those modules.

use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use latchkey_core::claims::AccessTokenClaims;
use latchkey_core::clock::Clock;
use latchkey_core::dpop::ProofWindow;
use reqwest::Client;

use crate::dpop::ReplayStore;
use crate::error::{GuardError, Rejection};
use crate::fetch::Credentials;
use crate::layer::GuardLayer;
use crate::setup::{self, Settings};
use crate::verifier::Verifier;

/// Verifies access tokens for one resource server. Cheap to clone (one `Arc`); background
/// tasks (key refresh, revocation feed) stop when the last clone is dropped.
#[derive(Clone)]
pub struct Guard {
    verifier: Arc<Verifier>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.verifier.fmt(f)
    }
}

impl Guard {
    /// Starts configuring a guard.
    pub fn builder() -> GuardBuilder {
        GuardBuilder::default()
    }

    /// The tower layer that protects a router with this guard.
    pub fn layer(&self) -> GuardLayer {
        GuardLayer::new(self.verifier.clone())
    }

    /// The `realm` of this guard's `WWW-Authenticate` challenges (RFC 6750 §3).
    pub fn realm(&self) -> &str {
        &self.verifier.realm
    }

    /// Finds the access token in `headers` (or the configured cookie) and verifies it; a
    /// DPoP-bound token needs the `DPoP` scheme and a proof for `method` and `path`.
    pub async fn authenticate(
        &self,
        method: &str,
        path: &str,
        headers: &HeaderMap,
    ) -> Result<AccessTokenClaims, Rejection> {
        self.verifier.authenticate(method, path, headers).await.map(|(claims, _)| claims)
    }

    /// Verifies `token` offline: signature, `typ`, `iss`, `aud`, `exp`/`nbf`, revocation.
    /// An unknown `kid` makes the guard refetch the JWKS (at most once per interval) and try
    /// once more, so keys rotated at the issuer are picked up without a restart.
    pub async fn verify(&self, token: &str) -> Result<AccessTokenClaims, Rejection> {
        self.verifier.verify(token).await
    }

    /// Verifies `token` offline, then asks the authorization server whether it is still
    /// active (RFC 7662). Needs [`GuardBuilder::introspection`].
    pub async fn introspect(&self, token: &str) -> Result<AccessTokenClaims, Rejection> {
        let claims = self.verifier.verify(token).await?;
        self.verifier.confirm_active(token).await?;
        Ok(claims)
    }
}

/// Configures a [`Guard`]; see [`Guard::builder`].
#[derive(Default)]
pub struct GuardBuilder {
    settings: Settings,
}

impl GuardBuilder {
    /// The issuer: tokens must carry exactly this `iss` (RFC 9068 §4), and, unless
    /// [`jwks_uri`](Self::jwks_uri) is given, its `jwks_uri` is discovered from
    /// `/.well-known/oauth-authorization-server` (RFC 8414 §3).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.settings.issuer = Some(issuer.into());
        self
    }

    /// Fetch keys from this JWKS URL instead of discovering it. Without
    /// [`issuer`](Self::issuer) too, `iss` is not checked: any token signed by these keys is
    /// accepted whatever issuer it names.
    pub fn jwks_uri(mut self, jwks_uri: impl Into<String>) -> Self {
        self.settings.jwks_uri = Some(jwks_uri.into());
        self
    }

    /// This resource server's identifier; tokens whose `aud` does not contain it are refused
    /// (RFC 9068 §4). Required.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.settings.audience = Some(audience.into());
        self
    }

    /// Clock-skew allowance for `exp`, `nbf` and `iat`; 5 s by default. Keep it small: it
    /// lengthens every token's life.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.settings.leeway = Some(leeway);
        self
    }

    /// Paths that skip the check: exact (`/healthz`) or prefixes ending in `/*` (`/docs/*`).
    pub fn public_paths<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.settings.public.extend(paths.into_iter().map(Into::into));
        self
    }

    /// Also read the token from this cookie when the request has no `Authorization` header.
    pub fn cookie(mut self, name: impl Into<String>) -> Self {
        self.settings.cookie = Some(name.into());
        self
    }

    /// The `realm` of the `WWW-Authenticate` challenge (RFC 6750 §3); the audience by default.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.settings.realm = Some(realm.into());
        self
    }

    /// Poll the issuer's revocation feed every `poll_interval` as this confidential client,
    /// and refuse tokens of revoked sessions and revoked tokens. Needs [`issuer`](Self::issuer).
    pub fn revocation_feed(mut self, client_id: &str, client_secret: &str, poll_interval: Duration) -> Self {
        self.settings.feed = Some((Credentials::new(client_id, client_secret), poll_interval));
        self
    }

    /// Enable [`Guard::introspect`] and the [`Introspected`](crate::Introspected) extractor,
    /// as this confidential client (RFC 7662 §2.1). Needs [`issuer`](Self::issuer).
    pub fn introspection(mut self, client_id: &str, client_secret: &str) -> Self {
        self.settings.introspection = Some(Credentials::new(client_id, client_secret));
        self
    }

    /// The clock `exp`, `nbf`, `iat` and revocation expiries are checked against; the
    /// system clock by default. Tests inject a [`ManualClock`](latchkey_core::clock::ManualClock)
    /// to see expiry without sleeping, as the Latchkey server does.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.settings.clock = Some(clock);
        self
    }

    /// Accept DPoP-bound tokens (RFC 9449 §7) at this resource server, whose public base URL
    /// (what clients put in a proof's `htu`, before the path) is `public_url`. Without it,
    /// bound tokens are refused.
    pub fn dpop(mut self, public_url: impl Into<String>) -> Self {
        self.settings.dpop_public_url = Some(public_url.into());
        self
    }

    /// Where used DPoP proofs are remembered; in this process's memory by default, which is
    /// right for one instance only (see [`instances`](Self::instances)).
    pub fn dpop_replay_store(mut self, store: Arc<dyn ReplayStore>) -> Self {
        self.settings.dpop_replay = Some(store);
        self
    }

    /// How old (`max_age`) or how far ahead of this server's clock (`max_future`) a DPoP
    /// proof's `iat` may be (RFC 9449 §11.1); 300 s and 60 s by default. Mobile clocks drift:
    /// widen `max_future` for apps on phones rather than refusing their proofs, or require a
    /// nonce ([`dpop_nonce_secret`](Self::dpop_nonce_secret)), which bounds freshness by
    /// the server's own clock instead of `max_age`. Used proofs are remembered for the
    /// whole window.
    pub fn dpop_proof_window(mut self, max_age: Duration, max_future: Duration) -> Self {
        let seconds = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        self.settings.dpop_window =
            Some(ProofWindow { max_age: seconds(max_age), max_future: seconds(max_future) });
        self
    }

    /// Require a server nonce in DPoP proofs (RFC 9449 §9), made with this 32-byte secret;
    /// instances given the same secret accept each other's nonces.
    pub fn dpop_nonce_secret(mut self, secret: [u8; 32]) -> Self {
        self.settings.dpop_nonce_secret = Some(secret);
        self
    }

    /// How many instances of this resource server run behind one address; 1 by default.
    /// With more than one, the DPoP replay store must be shared by all, or building fails.
    pub fn instances(mut self, instances: usize) -> Self {
        self.settings.instances = instances;
        self
    }

    /// The HTTP client for the authorization server (e.g. one with TLS roots or a proxy).
    pub fn http_client(mut self, http: Client) -> Self {
        self.settings.http = Some(http);
        self
    }

    /// Discovers, fetches the keys (and the revocations so far), and starts the background
    /// refresh tasks.
    pub async fn build(self) -> Result<Guard, GuardError> {
        let verifier = setup::start(self.settings).await?;
        Ok(Guard { verifier: Arc::new(verifier) })
    }
}
