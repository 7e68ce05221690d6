//! [`Guard`]: one resource server's view of one issuer — keys, expectations, revocations —
//! and the per-request verification, which never touches the network (except for an unknown
//! `kid`, rate-limited; see `keys.rs`).
//!
//! The order of checks follows RFC 9068 §4: the signature with a key of the issuer's JWKS
//! (the algorithm is the key's, RFC 8725 §3.1), `typ` = `at+jwt`, `iss`, `aud`, `exp`/`nbf`
//! with leeway; then the revocation cache. Claims are deserialized only after the signature
//! verifies.

use std::sync::Arc;

use axum::http::HeaderMap;
use latchkey_core::claims::{check_access_token, AccessTokenClaims, ClaimChecks};
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_crypto::{verify_jwt, JwsError, KeySet};

use crate::builder::GuardBuilder;
use crate::error::Rejection;
use crate::introspect::Introspection;
use crate::keys::KeyCache;
use crate::layer::GuardLayer;
use crate::paths::PublicPaths;
use crate::revocation::Revocations;
use crate::{bearer, MAX_TOKEN_LEN};

/// Verifies access tokens for one resource server. Cheap to clone (one `Arc`); background
/// tasks (key refresh, revocation feed) stop when the last clone is dropped.
#[derive(Clone)]
pub struct Guard {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) keys: Arc<KeyCache>,
    pub(crate) revocations: Arc<Revocations>,
    pub(crate) issuer: Option<String>,
    pub(crate) audience: String,
    pub(crate) leeway: i64,
    pub(crate) public: PublicPaths,
    pub(crate) cookie: Option<String>,
    pub(crate) realm: String,
    pub(crate) introspection: Option<Introspection>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("issuer", &self.inner.issuer)
            .field("audience", &self.inner.audience)
            .field("realm", &self.inner.realm)
            .finish_non_exhaustive()
    }
}

impl Guard {
    /// Starts configuring a guard.
    pub fn builder() -> GuardBuilder {
        GuardBuilder::default()
    }

    /// The tower layer that protects a router with this guard.
    pub fn layer(&self) -> GuardLayer {
        GuardLayer::new(self.clone())
    }

    /// The `realm` of this guard's `WWW-Authenticate` challenges (RFC 6750 §3).
    pub fn realm(&self) -> &str {
        &self.inner.realm
    }

    /// Finds the bearer token in `headers` (or the configured cookie) and verifies it.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<AccessTokenClaims, Rejection> {
        let token = bearer::token(headers, self.inner.cookie.as_deref())?;
        self.verify(token).await
    }

    /// Verifies `token` offline: signature, `typ`, `iss`, `aud`, `exp`/`nbf`, revocation.
    /// An unknown `kid` makes the guard refetch the JWKS (at most once per interval) and try
    /// once more, so keys rotated at the issuer are picked up without a restart.
    pub async fn verify(&self, token: &str) -> Result<AccessTokenClaims, Rejection> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(bearer::too_large());
        }
        let keys = self.inner.keys.current();
        match self.verify_with(token, &keys) {
            Err(JwsOrClaims::Jws(JwsError::UnknownKid(_)))
                if self.inner.keys.refetch_after_unknown_kid(&keys).await =>
            {
                self.verify_with(token, &self.inner.keys.current()).map_err(Rejection::from)
            }
            outcome => outcome.map_err(Rejection::from),
        }
    }

    /// The offline checks against one key set.
    #[inline]
    fn verify_with(&self, token: &str, keys: &KeySet) -> Result<AccessTokenClaims, JwsOrClaims> {
        let verified = verify_jwt::<AccessTokenClaims>(token, keys).map_err(JwsOrClaims::Jws)?;
        let checks = ClaimChecks {
            issuer: self.inner.issuer.as_deref(),
            audience: Some(&self.inner.audience),
            leeway: self.inner.leeway,
        };
        let problems =
            check_access_token(verified.header.typ.as_deref(), &verified.claims, &checks, unix_now());
        if !problems.is_empty() {
            let described: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return Err(JwsOrClaims::Claims(described.join("; ")));
        }
        if self.inner.revocations.is_revoked(&verified.claims) {
            return Err(JwsOrClaims::Claims("the token or its session has been revoked".into()));
        }
        Ok(verified.claims)
    }

    pub(crate) fn is_public(&self, path: &str) -> bool {
        self.inner.public.is_public(path)
    }
}

/// A verification failure, before it becomes a [`Rejection`].
enum JwsOrClaims {
    Jws(JwsError),
    Claims(String),
}

impl From<JwsOrClaims> for Rejection {
    fn from(failure: JwsOrClaims) -> Self {
        match failure {
            JwsOrClaims::Jws(e) => Rejection::InvalidToken(e.to_string()),
            JwsOrClaims::Claims(why) => Rejection::InvalidToken(why),
        }
    }
}

/// Seconds since the Unix epoch (RFC 7519 §2 NumericDate).
#[inline]
pub(crate) fn unix_now() -> i64 {
    SystemClock.now()
}
