//! Introspection (RFC 7662) for routes that must see a revocation at once — a transfer of
//! money, a password change — rather than within one revocation-feed poll.
//!
//! The token is verified offline first, so forged tokens never cost the authorization server
//! a request; then the server is asked (§2.1, as a confidential client with HTTP Basic).
//! An inactive answer (§2.2: revoked, expired, session ended) refuses the request; a server
//! that cannot be reached fails closed with `503`.

use latchkey_core::bearer::BearerError;
use reqwest::Client;
use serde::Deserialize;

use crate::error::Rejection;
use crate::fetch::{post_form, Credentials};

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

impl Introspection {
    /// Asks the authorization server whether `token` (already verified offline) is active.
    pub(crate) async fn confirm_active(&self, token: &str) -> Result<(), Rejection> {
        let form = [("token", token), ("token_type_hint", "access_token")];
        let answer: Answer =
            post_form(&self.http, &self.endpoint, &self.credentials, &form).await.map_err(|e| {
                tracing::warn!(error = %e, endpoint = %self.endpoint, "introspection failed");
                Rejection::Unavailable("the authorization server could not be asked about this token".into())
            })?;
        if answer.active {
            Ok(())
        } else {
            Err(BearerError::InvalidToken(
                "the authorization server says this token is no longer active".into(),
            )
            .into())
        }
    }
}
