//! What the manager holds between calls: the access token with the moment to replace it, the
//! refresh token, and the single-flight bookkeeping.
//!
//! The replacement moment comes from `expires_in` (RFC 6749 §5.1) read on the client's own
//! clock when the answer arrives, so a skewed clock between client and server does not
//! matter; a margin (`skew`) renews the token before it can expire in flight. The margin is
//! capped at half the lifetime, so a very short-lived token is not renewed on every call.

use std::sync::Arc;

use futures::future::{BoxFuture, Shared};

use crate::dpop::DpopKey;

use crate::error::ClientError;
use crate::token::TokenResponse;

/// The one refresh in flight, awaited by every caller that needs its result.
pub(crate) type RefreshFuture = Shared<BoxFuture<'static, Result<String, ClientError>>>;

/// An access token and when to stop handing it out.
pub(crate) struct AccessToken {
    pub(crate) token: String,
    /// Unix seconds; `None` when the server gave no lifetime (only a 401 retires it).
    refresh_at: Option<i64>,
}

impl AccessToken {
    pub(crate) fn from_response(response: &TokenResponse, now: i64, skew: i64) -> Self {
        let refresh_at = response.expires_in.map(|lifetime| {
            let margin = skew.min(lifetime / 2);
            now.saturating_add(lifetime).saturating_sub(margin)
        });
        Self { token: response.access_token.clone(), refresh_at }
    }

    pub(crate) fn is_fresh(&self, now: i64) -> bool {
        self.refresh_at.is_none_or(|at| now < at)
    }
}

/// The manager's mutable state, behind one async mutex.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) access: Option<AccessToken>,
    pub(crate) refresh_token: Option<String>,
    /// Changes whenever a refresh starts or the session is replaced or ended; a refresh
    /// applies its result only if nothing else changed it meanwhile.
    pub(crate) generation: u64,
    pub(crate) in_flight: Option<RefreshFuture>,
    /// The DPoP key the session's tokens are bound to (RFC 9449), when it uses DPoP.
    pub(crate) dpop_key: Option<Arc<DpopKey>>,
}

impl State {
    /// The access token if it is still good at `now`.
    pub(crate) fn fresh_access(&self, now: i64) -> Option<String> {
        self.access.as_ref().filter(|a| a.is_fresh(now)).map(|a| a.token.clone())
    }

    /// Installs a token response. Without a new refresh token the old one stays valid
    /// (RFC 6749 §6: the server MAY issue a new one).
    pub(crate) fn install(&mut self, response: &TokenResponse, now: i64, skew: i64) {
        self.access = Some(AccessToken::from_response(response, now, skew));
        if let Some(refresh_token) = &response.refresh_token {
            self.refresh_token = Some(refresh_token.clone());
        }
    }

    /// Starts a new session epoch: forgets the tokens and any refresh in flight.
    pub(crate) fn reset(&mut self) {
        self.access = None;
        self.refresh_token = None;
        self.in_flight = None;
        self.dpop_key = None;
        self.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(expires_in: Option<i64>) -> TokenResponse {
        TokenResponse {
            access_token: "at".into(),
            token_type: "Bearer".into(),
            expires_in,
            refresh_token: None,
            scope: None,
            id_token: None,
        }
    }

    #[test]
    fn renewed_skew_seconds_before_expiry() {
        let token = AccessToken::from_response(&response(Some(300)), 1_000, 30);
        assert!(token.is_fresh(1_269));
        assert!(!token.is_fresh(1_270));
    }

    #[test]
    fn skew_is_capped_at_half_the_lifetime() {
        let token = AccessToken::from_response(&response(Some(20)), 1_000, 30);
        assert!(token.is_fresh(1_009));
        assert!(!token.is_fresh(1_010));
    }

    #[test]
    fn no_lifetime_means_fresh_until_refused() {
        assert!(AccessToken::from_response(&response(None), 0, 30).is_fresh(i64::MAX));
    }
}
