//! Upstream tokens kept for providers added with `--store-tokens` (`docs/architecture.md`,
//! "Federation"): sealed under the master key, bound to the provider and the user (a sealed
//! row moved to another user does not open), kept at most [`RETENTION`] after the user's
//! last login through the provider, and gone with the provider or the user. A confidential
//! client granted the `upstream_token` scope fetches the current access token, refreshed
//! upstream when it has expired (the "call Facebook's API from my backend" case).

use latchkey_store::UpstreamTokenRecord;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::providers::Provider;
use super::upstream::{UpstreamError, UpstreamTokens};
use crate::error::ApiError;
use crate::state::AppState;

/// How long tokens are kept after the last login through the provider.
pub const RETENTION: i64 = 30 * 24 * 3600;
const PURPOSE: &str = "latchkey upstream tokens v1";

#[derive(Serialize, Deserialize)]
struct Sealed {
    access_token: String,
    refresh_token: Option<String>,
}

/// Keeps `tokens` for the user until `retain_until`.
pub async fn keep(
    state: &AppState,
    provider: &str,
    user_id: &str,
    tokens: &UpstreamTokens,
    retain_until: i64,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    let plain = Zeroizing::new(
        serde_json::to_vec(&Sealed {
            access_token: tokens.access_token.to_string(),
            refresh_token: tokens.refresh_token.as_ref().map(|t| t.to_string()),
        })
        .map_err(ApiError::internal)?,
    );
    let sealed =
        state.federation.sealer.seal(PURPOSE, &[provider, user_id], &plain).map_err(ApiError::Internal)?;
    let expires_in = tokens.expires_in.map(|s| i64::try_from(s).unwrap_or(i64::MAX));
    state
        .store
        .put_upstream_tokens(&UpstreamTokenRecord {
            provider: provider.to_owned(),
            user_id: user_id.to_owned(),
            sealed_tokens: sealed,
            access_expires_at: expires_in.map(|s| now.saturating_add(s)),
            retain_until,
            updated_at: now,
        })
        .await?;
    Ok(())
}

/// The user's current upstream access token and its remaining lifetime, refreshed upstream
/// when it expired; `Ok(None)` when none is kept. `Err(Ok(_))`: the provider refused.
pub async fn current(
    state: &AppState,
    provider: &Provider,
    user_id: &str,
) -> Result<Option<Result<(Zeroizing<String>, Option<i64>), UpstreamError>>, ApiError> {
    let name = &provider.config.name;
    let Some(record) = state.store.upstream_tokens(name, user_id).await? else { return Ok(None) };
    let now = state.clock.now();
    if record.retain_until <= now {
        return Ok(None);
    }
    let plain = state
        .federation
        .sealer
        .open(PURPOSE, &[name, user_id], &record.sealed_tokens)
        .map_err(ApiError::Internal)?;
    let kept: Sealed = serde_json::from_slice(&plain).map_err(ApiError::internal)?;
    let expired = record.access_expires_at.is_some_and(|at| at <= now);
    match (expired, kept.refresh_token) {
        (false, _) | (true, None) => {
            let expires_in = record.access_expires_at.map(|at| (at - now).max(0));
            Ok(Some(Ok((Zeroizing::new(kept.access_token), expires_in))))
        }
        (true, Some(refresh_token)) => {
            match state.federation.upstream.refresh(&provider.config, &refresh_token).await {
                Ok(mut fresh) => {
                    // RFC 6749 §6: without a new refresh token, the old one stays valid.
                    fresh.refresh_token = fresh.refresh_token.or(Some(Zeroizing::new(refresh_token)));
                    keep(state, name, user_id, &fresh, record.retain_until).await?;
                    let expires_in = fresh.expires_in.map(|s| i64::try_from(s).unwrap_or(i64::MAX));
                    Ok(Some(Ok((fresh.access_token, expires_in))))
                }
                Err(error) => Ok(Some(Err(error))),
            }
        }
    }
}
