//! Introspection (RFC 7662) for routes that must see a revocation at once — a transfer of
//! money, a password change — rather than within one revocation-feed poll.
//!
//! The token is verified offline first, so forged tokens never cost the authorization server
//! a request; then the server is asked (§2.1, as a confidential client with HTTP Basic).
//! An inactive answer (§2.2: revoked, expired, session ended) refuses the request; a server
//! that cannot be reached fails closed with `503`.

use latchkey_core::claims::AccessTokenClaims;
use reqwest::Client;
use serde::Deserialize;

use crate::error::Rejection;
use crate::fetch::{post_form, Credentials};
use crate::guard::Guard;

/// Where and as whom to introspect.
pub(crate) struct Introspection {
    pub(crate) endpoint: String,
    pub(crate) http: Client,
    pub(crate) credentials: Credentials,
}

/// RFC 7662 §2.2: only `active` matters here; the claims come from the verified token.
#[derive(Deserialize)]
struct Answer {
    active: bool,
}

impl Guard {
    /// Verifies `token` offline, then asks the authorization server whether it is still
    /// active. Needs [`GuardBuilder::introspection`](crate::GuardBuilder::introspection).
    pub async fn introspect(&self, token: &str) -> Result<AccessTokenClaims, Rejection> {
        let claims = self.verify(token).await?;
        self.confirm_active(token).await?;
        Ok(claims)
    }

    /// Asks the authorization server about a token that already verified offline.
    pub(crate) async fn confirm_active(&self, token: &str) -> Result<(), Rejection> {
        let Some(introspection) = &self.inner.introspection else {
            tracing::error!(
                "a route asks for introspection, but the guard was built without .introspection(..)"
            );
            return Err(Rejection::Unavailable("token introspection is not configured".into()));
        };
        let form = [("token", token), ("token_type_hint", "access_token")];
        let answer: Answer =
            post_form(&introspection.http, &introspection.endpoint, &introspection.credentials, &form)
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, endpoint = %introspection.endpoint, "introspection failed");
                    Rejection::Unavailable(
                        "the authorization server could not be asked about this token".into(),
                    )
                })?;
        if answer.active {
            Ok(())
        } else {
            Err(Rejection::InvalidToken(
                "the authorization server says this token is no longer active".into(),
            ))
        }
    }
}
