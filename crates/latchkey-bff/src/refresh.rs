//! Renewing a session's access token: exactly one refresh per session, however many requests
//! and BFF processes find it about to expire at once.
//!
//! Requests that see a token within `refresh_skew` of its expiry take the session's row lock
//! ([`crate::store::SessionStore::lock`]). The first one re-reads the row under the lock,
//! refreshes at Latchkey (RFC 6749 §6), stores the rotated tokens and commits; the others
//! were waiting on the lock, re-read the row, find a fresh token and use it. Latchkey's
//! idempotent refresh (its reuse window) is only the backstop. A refresh refused with an
//! OAuth error (`invalid_grant`: the session was revoked at Latchkey) deletes the BFF session:
//! the browser gets 401 and signs in again. A transient failure keeps the session (502).
//!
//! The locked part runs as a task of its own, so a browser that disconnects mid-refresh
//! cannot cancel it between spending the refresh token and storing its successor.

use crate::bff::Bff;
use crate::error::BffError;
use crate::gate::{access_expiry, Current};
use crate::sealed_tokens::SessionTokens;

fn skew(bff: &Bff) -> i64 {
    i64::try_from(bff.inner.config.refresh_skew.as_secs()).unwrap_or(0)
}

/// The session's access token, refreshed first when it expires within the skew.
pub(crate) async fn fresh_access_token(bff: &Bff, session: Current) -> Result<String, BffError> {
    if session.row.access_expires_at - skew(bff) > bff.inner.clock.now() {
        return Ok(session.tokens.access_token);
    }
    let bff = bff.clone();
    let id_hash = session.row.id_hash;
    tokio::spawn(async move { refresh_locked(&bff, &id_hash).await })
        .await
        .map_err(|_| BffError::Internal("refresh task"))?
}

async fn refresh_locked(bff: &Bff, id_hash: &str) -> Result<String, BffError> {
    let inner = &bff.inner;
    let locked = inner.store.lock(id_hash).await?.ok_or(BffError::SignedOut)?;
    let tokens = SessionTokens::open(&locked.row.sealed_tokens, &inner.key, id_hash)?;
    let now = inner.clock.now();
    if locked.row.access_expires_at - skew(bff) > now {
        locked.release().await?;
        return Ok(tokens.access_token);
    }
    let Some(refresh_token) = tokens.refresh_token.clone() else {
        locked.delete().await?;
        return Err(BffError::SignedOut);
    };
    match inner.client.refresh(&refresh_token).await {
        Ok(renewed) => {
            let access_expires_at = access_expiry(now, &renewed);
            let access_token = renewed.access_token.clone();
            let updated = SessionTokens {
                access_token: renewed.access_token,
                refresh_token: renewed.refresh_token.or(tokens.refresh_token),
                claims: tokens.claims,
            };
            locked.replace_tokens(&updated.seal(&inner.key, id_hash)?, access_expires_at).await?;
            Ok(access_token)
        }
        Err(error) if error.is_transient() => {
            tracing::warn!(%error, "BFF refresh failed; the session is kept");
            locked.release().await?;
            Err(BffError::BadGateway("the authorization server is unavailable"))
        }
        Err(error) => {
            tracing::info!(%error, "BFF refresh refused; the session ends");
            locked.delete().await?;
            Err(BffError::SignedOut)
        }
    }
}
