//! Talking to upstream identity providers: discovery, the JWKS, the authorization URL, the
//! token endpoint, ID-token validation and the profile APIs. No database here: the flow
//! (state, users, linking) lives beside, in `federation` (see `docs/architecture.md`,
//! "Federation").
//!
//! Deviations from `FEDERATION_INTERFACE.md` (read after each merge):
//! - `UpstreamError` has one more variant, `Authorization(code)`, and
//!   `UpstreamError::from_authorization_error(code)` turns the callback's `error` parameter
//!   into `AccessDenied` or `Authorization` (charset-checked code).
//! - `CallbackInput` has `apple_user: Option<String>`: the raw `user` form field Apple posts
//!   on the first login only (the name; unsigned, so its e-mail is never used).
//! - PKCE: always make a verifier and pass its challenge and verifier; `authorization_url` and
//!   `complete` leave them out when the provider's `PkceMode` says so ([`provider::PkceMode`]).
//! - `Upstream::check_response_issuer(p, iss)`: call it on the callback with its `iss`
//!   parameter (RFC 9207 mix-up defence) before `complete`.
//! - `Upstream::with_timeouts` sets the connect/total timeouts (tests); `new` uses 5 s / 15 s.
//! - Apple: the client secret may be the signing key as JSON (`apple.rs`); a fresh
//!   client-secret JWT is then signed for each token request.
//! - `Preset` is `{ name, kind, flavor, scopes, mapping }` (plus `PRESET_NAMES`);
//!   `ProviderConfig::issuer()`; `ClaimMapping::for_flavor(flavor)` and `validate()` (for the
//!   CLI: every pointer must start with `/`); `Flavor`/`PkceMode` have `as_str`/`FromStr`;
//!   the config types are serde (`ProviderKind` tagged `{"kind":"oidc"|"oauth2",...}`).
//! - Failures to show: `UpstreamError`'s `Display` is safe for pages; misconfiguration (a
//!   non-https URL off loopback, an unusable Apple key) is `Discovery(..)`.
//!
//! Limits (documented choices): ID tokens signed with ES256, RS256 or EdDSA only (no PS256,
//! ES384, RS384...; no encrypted ID tokens or signed UserInfo); the token and the JWK must both
//! carry a `kid`; upstream URLs must be https except on loopback; Microsoft needs a tenant
//! issuer (see `presets.rs`).
//!
//! Tests: the hostile provider and the GitHub/Facebook stand-ins are the integration-test
//! target `crates/latchkey-server/tests/federation_upstream/` (`--test federation_upstream`);
//! its `hostile.rs` is a reusable in-process OpenID Connect provider.

mod apple;
mod discovery;
mod error;
mod facebook;
mod facebook_inspect;
mod github;
mod http;
mod id_token;
mod jwks;
mod login;
mod native;
mod presets;
mod provider;
mod token_endpoint;
mod userinfo;

use std::sync::Arc;
use std::time::Duration;

use latchkey_core::clock::Clock;
use url::Url;
use zeroize::Zeroizing;

use crate::federation::mapping::NormalizedProfile;

pub use error::UpstreamError;
pub use native::NativeSubject;
pub use presets::{preset, Preset, PRESET_NAMES};
pub use provider::{EndpointOverrides, Flavor, PkceMode, ProviderConfig, ProviderKind};

/// Default timeouts of every upstream call.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(15);

/// The upstream client: one HTTP client with timeouts, and the discovery and JWKS caches keyed
/// by issuer. One per server process; cheap to share (`Arc`).
pub struct Upstream {
    http: http::UpstreamHttp,
    clock: Arc<dyn Clock>,
    discovery: discovery::DiscoveryCache,
    jwks: jwks::JwksCache,
}

/// What the browser is sent upstream with. `state` and `nonce` are the caller's (≥ 128 bits).
#[derive(Debug, Clone)]
pub struct OutboundRequest {
    pub redirect_uri: Url,
    pub state: String,
    pub nonce: String,
    /// The S256 challenge (RFC 7636 §4.2); left out when the provider does not use PKCE.
    pub pkce_challenge: Option<String>,
    pub login_hint: Option<String>,
}

/// What came back on the callback, with what the flow kept for it.
#[derive(Debug, Clone)]
pub struct CallbackInput {
    pub code: String,
    pub redirect_uri: Url,
    pub pkce_verifier: Option<String>,
    pub nonce: String,
    /// Apple's `user` form field (first login only).
    pub apple_user: Option<String>,
}

/// The provider's tokens (RFC 6749 §5.1).
#[derive(Clone)]
pub struct UpstreamTokens {
    pub access_token: Zeroizing<String>,
    pub refresh_token: Option<Zeroizing<String>>,
    pub id_token: Option<String>,
    pub expires_in: Option<u64>,
    pub scope: Option<String>,
}

impl std::fmt::Debug for UpstreamTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamTokens")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| ".."))
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// A validated upstream login.
#[derive(Debug, Clone)]
pub struct UpstreamLogin {
    /// The provider's subject: OpenID Connect `sub`, GitHub/Facebook `id` as a decimal string.
    pub subject: String,
    /// The claims the profile was mapped from (ID token + UserInfo, or the profile API's).
    pub raw_claims: serde_json::Value,
    pub profile: NormalizedProfile,
    pub tokens: UpstreamTokens,
}

/// What an ID token must satisfy besides the provider's issuer and keys.
#[derive(Debug, Clone, Copy)]
pub struct IdTokenExpectations<'a> {
    /// Accepted `aud` values (our client id, plus native ones for token exchange).
    pub audiences: &'a [String],
    /// The `nonce` sent, when one was.
    pub nonce: Option<&'a str>,
    /// The access token issued with it, to check `at_hash` against when present.
    pub access_token: Option<&'a str>,
}

impl Upstream {
    /// A client with the default timeouts (connect 5 s, total 15 s per call).
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self::with_timeouts(clock, CONNECT_TIMEOUT, TOTAL_TIMEOUT)
    }

    /// A client with other timeouts.
    pub fn with_timeouts(clock: Arc<dyn Clock>, connect: Duration, total: Duration) -> Self {
        Upstream {
            http: http::UpstreamHttp::new(connect, total),
            clock,
            discovery: discovery::DiscoveryCache::default(),
            jwks: jwks::JwksCache::default(),
        }
    }
}
