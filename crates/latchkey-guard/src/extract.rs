//! axum extractors for handlers behind a [`GuardLayer`](crate::GuardLayer): the verified
//! claims, a per-route scope requirement (RFC 6750 §3.1 `insufficient_scope`), and
//! introspection (RFC 7662) for routes that must see revocations at once.

use std::marker::PhantomData;
use std::ops::Deref;

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use latchkey_core::bearer::BearerError;
use latchkey_core::claims::AccessTokenClaims;

use crate::error::Rejection;
use crate::verifier::Verifier;

/// The verified access-token claims of the request. Refuses with `401` when the request did
/// not pass the guard (a public path, or a router without the layer).
#[derive(Debug, Clone)]
pub struct Claims(pub AccessTokenClaims);

impl Claims {
    /// Whether the token's `scope` (space-separated, RFC 6749 §3.3) includes `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        has_scope(&self.0, scope)
    }

    /// `Ok` when the token has `scope`, else `403 insufficient_scope` naming it
    /// (RFC 6750 §3.1), for use with `?` in a handler.
    pub fn require_scope(&self, scope: &str) -> Result<(), Rejection> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(Rejection::for_token(&self.0, BearerError::InsufficientScope(scope.to_owned())))
        }
    }
}

impl Deref for Claims {
    type Target = AccessTokenClaims;

    fn deref(&self) -> &AccessTokenClaims {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Claims {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Rejection> {
        verified(parts).cloned().map(Claims)
    }
}

/// A scope a route requires, as a type: `struct BankWrite; impl ScopeName for BankWrite {
/// const NAME: &'static str = "bank:write"; }`, then `_: RequireScope<BankWrite>`.
pub trait ScopeName {
    /// The scope token (RFC 6749 §3.3).
    const NAME: &'static str;
}

/// Refuses with `403 insufficient_scope` unless the token has the scope `S::NAME`.
#[derive(Debug, Clone, Copy)]
pub struct RequireScope<S>(PhantomData<S>);

impl<S: ScopeName, St: Send + Sync> FromRequestParts<St> for RequireScope<S> {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _: &St) -> Result<Self, Rejection> {
        let claims = verified(parts)?;
        if has_scope(claims, S::NAME) {
            Ok(Self(PhantomData))
        } else {
            Err(Rejection::for_token(claims, BearerError::InsufficientScope(S::NAME.to_owned())))
        }
    }
}

/// The claims of a token the authorization server has just confirmed active (RFC 7662):
/// refuses a revoked token at once, at the cost of one request to the server. Needs
/// [`GuardBuilder::introspection`](crate::GuardBuilder::introspection).
#[derive(Debug, Clone)]
pub struct Introspected(pub AccessTokenClaims);

impl<S: Send + Sync> FromRequestParts<S> for Introspected {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Rejection> {
        let Some(guard) = parts.extensions.get::<Arc<Verifier>>().cloned() else {
            tracing::error!("Introspected is used on a route without the guard layer");
            return Err(Rejection::Unavailable("token introspection is not configured".into()));
        };
        let token = guard.token(&parts.headers)?;
        let claims = match parts.extensions.get::<AccessTokenClaims>() {
            Some(claims) => claims.clone(),
            None => guard.verify(token).await?,
        };
        guard.confirm_active(token).await?;
        Ok(Self(claims))
    }
}

pub(crate) fn verified(parts: &Parts) -> Result<&AccessTokenClaims, Rejection> {
    parts.extensions.get::<AccessTokenClaims>().ok_or(BearerError::MissingToken.into())
}

fn has_scope(claims: &AccessTokenClaims, scope: &str) -> bool {
    claims.scope.as_deref().is_some_and(|granted| granted.split(' ').any(|s| s == scope))
}
