//! Federation (issue 10): signing users in through an upstream identity provider (Google,
//! GitHub, Facebook, Apple, Microsoft or any OpenID Connect provider), then issuing our own
//! tokens with normalized claims (see `docs/architecture.md`, "Federation").
//!
//! - [`upstream`]: everything that talks to the upstream provider (discovery, JWKS, the token
//!   endpoint, ID-token validation, UserInfo and the GitHub/Facebook profile APIs); no database.
//! - [`mapping`]: the declarative claim mapping from upstream claims to our normalized profile.

pub mod mapping;
pub mod upstream;
