//! [`Verifier`]: one resource server's view of one issuer — keys, expectations, revocations —
//! and the per-request verification, which never touches the network (except for an unknown
//! `kid`, rate-limited; see `keys.rs`, and for introspection when a route asks for it).
//!
//! The order of checks follows RFC 9068 §4: the signature with a key of the issuer's JWKS
//! (the algorithm is the key's, RFC 8725 §3.1), `typ` = `at+jwt`, `iss`, `aud`, `exp`/`nbf`
//! with leeway; then the revocation cache (session, token, signing key). Claims are
//! deserialized only after the signature verifies.

use std::sync::Arc;

use axum::http::HeaderMap;
use latchkey_core::bearer::{BearerError, Scheme, MAX_TOKEN_LEN};
use latchkey_core::claims::{check_access_token, AccessTokenClaims, ClaimChecks};
use latchkey_core::clock::Clock;
use latchkey_core::dpop::required_proof_key;
use latchkey_crypto::{verify_jwt_with, JwsError, JwsHeader, KeySet};

use crate::bearer;
use crate::dpop::DpopCheck;
use crate::error::Rejection;
use crate::introspect::Introspection;
use crate::keys::KeyCache;
use crate::paths::PublicPaths;
use crate::revocation::Revocations;

/// Everything a [`Guard`](crate::Guard) knows, built once by `setup.rs`.
pub(crate) struct Verifier {
    pub(crate) keys: Arc<KeyCache>,
    pub(crate) revocations: Arc<Revocations>,
    pub(crate) issuer: Option<String>,
    pub(crate) audience: String,
    pub(crate) leeway: i64,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) public: PublicPaths,
    pub(crate) cookie: Option<String>,
    pub(crate) realm: String,
    pub(crate) introspection: Option<Introspection>,
    /// DPoP checking, when configured ([`crate::GuardBuilder::dpop`]).
    pub(crate) dpop: Option<DpopCheck>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("realm", &self.realm)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// The access token of the request (header, else the configured cookie).
    pub(crate) fn token<'h>(&self, headers: &'h HeaderMap) -> Result<&'h str, Rejection> {
        Ok(bearer::token(headers, self.cookie.as_deref())?.1)
    }

    /// Finds the access token in `headers` and verifies it; a DPoP-bound token needs the
    /// `DPoP` scheme and a proof for `method` and `path` (RFC 9449 §7). With the claims
    /// comes the `DPoP-Nonce` to send back when the client's is due to change (§8.2).
    pub(crate) async fn authenticate(
        &self,
        method: &str,
        path: &str,
        headers: &HeaderMap,
    ) -> Result<(AccessTokenClaims, Option<String>), Rejection> {
        let (scheme, token) = bearer::token(headers, self.cookie.as_deref())?;
        let as_scheme = |rejection| match (scheme, rejection) {
            (Scheme::Dpop, Rejection::Bearer(error)) => Rejection::Dpop { error, nonce: None },
            (_, rejection) => rejection,
        };
        // One reading of the clock for the token's and the proof's checks.
        let now = self.clock.now();
        let claims = self.verify_at(token, now).await.map_err(as_scheme)?;
        let Some(jkt) = required_proof_key(scheme, claims.cnf.as_ref())
            .map_err(|error| Rejection::Dpop { error, nonce: None })?
        else {
            return Ok((claims, None));
        };
        let Some(dpop) = &self.dpop else {
            let error = BearerError::InvalidToken("this resource does not accept DPoP-bound tokens".into());
            return Err(Rejection::Dpop { error, nonce: None });
        };
        let next_nonce = dpop.check(headers, method, path, token, jkt, now).await?;
        Ok((claims, next_nonce))
    }

    /// Verifies `token` offline. An unknown `kid` makes the guard refetch the JWKS (at most
    /// once per interval) and try once more, so keys rotated at the issuer are picked up
    /// without a restart.
    pub(crate) async fn verify(&self, token: &str) -> Result<AccessTokenClaims, Rejection> {
        self.verify_at(token, self.clock.now()).await
    }

    /// [`Self::verify`] with the time of the request.
    async fn verify_at(&self, token: &str, now: i64) -> Result<AccessTokenClaims, Rejection> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(BearerError::too_large().into());
        }
        let keys = self.keys.current();
        match self.verify_with(token, &keys, now) {
            Err(JwsOrClaims::Jws(JwsError::UnknownKid(_)))
                if self.keys.refetch_after_unknown_kid(&keys).await =>
            {
                self.verify_with(token, &self.keys.current(), now).map_err(Rejection::from)
            }
            outcome => outcome.map_err(Rejection::from),
        }
    }

    /// The offline checks against one key set. The header is the key set's own memo of it,
    /// borrowed ([`verify_jwt_with`]): nothing is copied out of it for a request.
    #[inline]
    fn verify_with(&self, token: &str, keys: &KeySet, now: i64) -> Result<AccessTokenClaims, JwsOrClaims> {
        verify_jwt_with(token, keys, |header: &JwsHeader, claims: AccessTokenClaims| {
            let checks = ClaimChecks {
                issuer: self.issuer.as_deref(),
                audience: Some(&self.audience),
                leeway: self.leeway,
            };
            let problems = check_access_token(header.typ.as_deref(), &claims, &checks, now);
            if !problems.is_empty() {
                let described: Vec<String> = problems.iter().map(ToString::to_string).collect();
                return Err(JwsOrClaims::Claims(described.join("; ")));
            }
            if self.revocations.is_revoked(&claims, header.kid.as_deref()) {
                return Err(JwsOrClaims::Claims(
                    "the token, its session or its signing key has been revoked".into(),
                ));
            }
            Ok(claims)
        })
        .map_err(JwsOrClaims::Jws)?
    }

    /// Asks the authorization server about a token that already verified offline; fails
    /// closed (`503`) when introspection was not configured.
    pub(crate) async fn confirm_active(&self, token: &str) -> Result<(), Rejection> {
        match &self.introspection {
            Some(introspection) => introspection.confirm_active(token).await,
            None => {
                tracing::error!(
                    "a route asks for introspection, but the guard was built without .introspection(..)"
                );
                Err(Rejection::Unavailable("token introspection is not configured".into()))
            }
        }
    }

    pub(crate) fn is_public(&self, path: &str) -> bool {
        self.public.is_public(path)
    }
}

/// A verification failure, before it becomes a [`Rejection`].
enum JwsOrClaims {
    Jws(JwsError),
    Claims(String),
}

impl From<JwsOrClaims> for Rejection {
    fn from(failure: JwsOrClaims) -> Self {
        let why = match failure {
            JwsOrClaims::Jws(e) => e.to_string(),
            JwsOrClaims::Claims(why) => why,
        };
        BearerError::InvalidToken(why).into()
    }
}
