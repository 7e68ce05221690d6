//! `latchkey-bff`: a Backend-for-Frontend, so that browser apps never hold a token.
//!
//! The IETF's *OAuth 2.0 for Browser-Based Applications* (draft-ietf-oauth-browser-based-apps
//! §6.1, "Backend For Frontend") recommends it: a small backend at the app's own origin runs
//! the authorization-code flow with PKCE as a confidential client (RFC 6749 §4.1, RFC 7636,
//! OpenID Connect Core §3.1), keeps the access and refresh tokens server-side, gives the
//! browser only an HttpOnly session cookie, and attaches the access token (RFC 6750 §2.1)
//! when it forwards the browser's API calls. JavaScript that an attacker injects can then
//! call the API while the page is open, but can never carry a token away.
//!
//! - [`Bff::router`]: `GET {prefix}/login`, `GET {prefix}/callback`, `GET {prefix}/user`,
//!   `POST {prefix}/logout`, and the proxied API prefixes ([`ApiRoute`]), each to one fixed
//!   upstream; `POST {prefix}/backchannel-logout` (OpenID Connect Back-Channel Logout 1.0).
//! - [`Bff::layer`]: the same session-to-bearer step in front of an axum API in the same
//!   process (the bank example), with no HTTP hop.
//!
//! The rules live here: the cookie ([`cookies`]), CSRF ([`csrf`]), `return_to`
//! ([`return_to`]), sessions and their one refresh at a time ([`store`], [`refresh`]), the
//! proxy ([`proxy`]). See docs/architecture.md, "Browser apps (latchkey-bff)".
//!
//! Sessions live in the BFF's own database (SQLite or PostgreSQL, its own migrations in this
//! crate), not in Latchkey's: the BFF runs beside the app, often on another host, and several
//! BFF processes share one database.

mod backchannel;
mod bff;
mod config;
pub mod cookies;
pub mod csrf;
mod error;
mod gate;
mod id_token;
mod layer;
mod login;
mod logout;
pub mod proxy;
pub mod refresh;
pub mod return_to;
mod sealed_tokens;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use bff::Bff;
pub use config::{ApiRoute, BffConfig};
pub use error::BffError;
pub use layer::BffLayer;
