//! Federation (issue 10): signing users in through an upstream identity provider (Google,
//! GitHub, Facebook, Apple, Microsoft or any OpenID Connect provider), then issuing our own
//! tokens with normalized claims (see `docs/architecture.md`, "Federation").
//!
//! - [`upstream`]: everything that talks to the upstream provider (discovery, JWKS, the token
//!   endpoint, ID-token validation, UserInfo and the GitHub/Facebook profile APIs); no database.
//! - [`mapping`]: the declarative claim mapping from upstream claims to our normalized profile.

pub mod exchange;
pub mod identities;
pub mod kept_tokens;
pub mod mapping;
pub mod provider_ops;
pub mod provider_request;
pub mod providers;
pub mod sign_in;
pub mod upstream;

use std::sync::Arc;

use latchkey_core::clock::Clock;
use latchkey_crypto::MasterKey;

/// What the flow needs of federation at run time: the upstream client (its discovery and
/// JWKS caches live as long as the server) and the sealer of upstream client secrets.
pub struct Federation {
    pub upstream: upstream::Upstream,
    pub sealer: providers::SecretSealer,
}

impl Federation {
    pub fn new(master: &MasterKey, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        Ok(Self { upstream: upstream::Upstream::new(clock), sealer: providers::SecretSealer::new(master)? })
    }
}
