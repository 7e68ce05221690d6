//! Step-up authentication at the resource server (RFC 9470): a route that needs a stronger or
//! more recent sign-in than the token's asks for it with the [`SignIn`] extractor, and the
//! guard answers `401 insufficient_user_authentication` with the `acr_values` and `max_age`
//! the client should send to `/authorize` — challenged as `DPoP` when the token is
//! DPoP-bound (RFC 9449 §7.1), else `Bearer`. Whether a token meets a requirement is decided
//! by [`latchkey_core::step_up`], with the guard's clock. See docs/architecture.md,
//! "Step-up authentication".
//!
//! ```no_run
//! use latchkey_guard::{AuthenticationRequirement, Rejection, SignIn};
//!
//! async fn close_account(sign_in: SignIn) -> Result<&'static str, Rejection> {
//!     let recent = AuthenticationRequirement { acr_values: vec![], max_age: Some(300) };
//!     sign_in.require(&recent)?;
//!     Ok("closed")
//! }
//! ```

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use latchkey_core::bearer::BearerError;
use latchkey_core::claims::AccessTokenClaims;
use latchkey_core::step_up::AuthenticationRequirement;

use crate::error::Rejection;
use crate::extract::verified;
use crate::verifier::Verifier;

/// The sign-in behind the request's verified token (`acr`, `auth_time`), with the guard's
/// clock, to check against a route's [`AuthenticationRequirement`].
#[derive(Debug, Clone)]
pub struct SignIn {
    claims: AccessTokenClaims,
    now: i64,
}

impl SignIn {
    /// `Ok` when the sign-in meets `requirement`, else `401 insufficient_user_authentication`
    /// naming what to ask for (RFC 9470 §3), for use with `?` in a handler.
    pub fn require(&self, requirement: &AuthenticationRequirement) -> Result<(), Rejection> {
        requirement.check(self.claims.acr.as_deref(), self.claims.auth_time, self.now).map_err(|step_up| {
            Rejection::for_token(&self.claims, BearerError::InsufficientUserAuthentication(step_up))
        })
    }

    /// The verified claims.
    pub fn claims(&self) -> &AccessTokenClaims {
        &self.claims
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignIn {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Rejection> {
        let claims = verified(parts)?.clone();
        let Some(guard) = parts.extensions.get::<std::sync::Arc<Verifier>>() else {
            return Err(BearerError::MissingToken.into());
        };
        Ok(Self { claims, now: guard.clock.now() })
    }
}
