//! The Latchkey protocol engine: parsed OAuth requests in, typed decisions or an OAuth error
//! out. No I/O, no HTTP framework, no database: time is passed in through [`clock::Clock`], so
//! expiry and reuse windows are testable without sleeping.
//!
//! Values that reach this crate's functions are already valid: [`client::ClientId`],
//! [`scope::Scope`] and [`grant::GrantType`] can only be built by their fallible `parse`.

pub mod authorize;
pub mod bearer;
pub mod claims;
pub mod client;
pub mod clock;
pub mod dpop;
pub mod error;
pub mod federation_linking;
pub mod form;
pub mod grant;
pub mod key_rotation;
pub mod mfa;
pub mod password_policy;
pub mod pkce;
pub mod redirect_uri;
pub mod refresh;
pub mod scope;
pub mod session;
pub mod step_up;
pub mod token_exchange;
pub mod token_request;

pub use error::{ErrorCode, OAuthError};
