//! `latchkey-guard`: the resource-server side of Latchkey — what `express-jwt` is to Express,
//! for axum and any tower service.
//!
//! A [`Guard`] verifies RFC 9068 JWT access tokens offline, with no network call per request:
//! the bearer token (RFC 6750 §2.1, or a cookie) is checked against the issuer's JWKS
//! (RFC 7517), cached and refreshed in the background; the algorithm comes from the key, never
//! from the token; `typ` must be `at+jwt` (RFC 9068 §4) so an ID token cannot pass for an
//! access token; `iss`, `aud`, `exp` and `nbf` are checked with a small leeway; and the
//! token's session (`sid`), id (`jti`) and signing key (`kid`) are looked up in a revocation
//! cache fed by the server's revocation feed, so revoking a session — or, in an emergency, a
//! signing key — takes effect within one poll interval rather than at expiry. Routes that must see a revocation at once can ask the server by
//! introspection (RFC 7662) instead.
//!
//! [`GuardLayer`] wraps a router: it refuses requests with `401` and an RFC 6750 §3
//! `WWW-Authenticate: Bearer` challenge, lets configured public paths through, and hands the
//! verified claims to handlers through the [`Claims`] extractor; [`RequireScope`] and
//! [`Claims::require_scope`] answer `403 insufficient_scope` (RFC 6750 §3.1); [`SignIn`]
//! asks for a stronger or more recent sign-in with `401 insufficient_user_authentication`
//! (RFC 9470).
//!
//! ```no_run
//! # async fn demo() -> Result<(), latchkey_guard::GuardError> {
//! use axum::{routing::get, Router};
//! use latchkey_guard::{Claims, Guard, RequireScope, ScopeName};
//!
//! struct BankRead;
//! impl ScopeName for BankRead {
//!     const NAME: &'static str = "bank:read";
//! }
//!
//! async fn balance(Claims(claims): Claims, _: RequireScope<BankRead>) -> String {
//!     format!("balance of {}", claims.sub)
//! }
//!
//! let guard = Guard::builder()
//!     .issuer("https://id.example.com")
//!     .audience("https://bank.example.com")
//!     .public_paths(["/healthz", "/docs/*"])
//!     .build()
//!     .await?;
//! let app: Router = Router::new().route("/balance", get(balance)).layer(guard.layer());
//! # let _ = app; Ok(()) }
//! ```

mod bearer;
mod challenge;
mod dpop;
mod error;
mod extract;
mod fetch;
mod guard;
mod introspect;
mod keys;
mod layer;
mod paths;
mod revocation;
mod setup;
mod step_up;
mod verifier;

pub use dpop::{InMemoryReplayStore, ReplayFuture, ReplayStore};
pub use error::{GuardError, Rejection};
pub use extract::{Claims, Introspected, RequireScope, ScopeName};
pub use guard::{Guard, GuardBuilder};
pub use latchkey_core::bearer::{BearerError, MAX_TOKEN_LEN};
pub use latchkey_core::claims::{AccessTokenClaims, Audience};
pub use latchkey_core::step_up::{AuthenticationRequirement, StepUp};
pub use layer::{GuardLayer, GuardService};
pub use step_up::SignIn;
