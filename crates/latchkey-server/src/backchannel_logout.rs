//! Sends logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.5; `docs/architecture.md`,
//! "Back-channel logout"). Sessions that end are enqueued by the database in the same
//! transaction (the `backchannel_logouts` outbox); this worker, one per server process, claims
//! due rows by compare-and-swap, POSTs `logout_token=...` as a form to the client's
//! `backchannel_logout_uri` with a timeout and no redirects followed (§2.5), and retries a
//! failure with exponential back-off, up to [`MAX_ATTEMPTS`], then gives up with an audit
//! event. Never in a request's path: a slow or dead receiver delays only its own deliveries.

use std::time::Duration;

use latchkey_store::{AuditEvent, BackchannelLogout};
use tokio::task::JoinHandle;

use crate::state::AppState;
use crate::tokens::logout_token;

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// Per request: connect and answer within this (§2.5 leaves it to the OP; seconds, not minutes).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a claim lasts: longer than one request, so no other process takes it meanwhile.
const LEASE_SECS: i64 = 30;
/// Deliveries claimed per round.
const BATCH: i64 = 20;

/// Seconds before attempt `attempts + 1`: 1, 2, 4, ... capped at 5 minutes.
fn backoff(attempts: i64) -> i64 {
    (1i64 << attempts.clamp(0, 9)).min(300)
}

/// One round: claims due deliveries and sends them. Returns how many were delivered.
pub async fn deliver_due(state: &AppState, http: &reqwest::Client) -> anyhow::Result<usize> {
    let now = state.clock.now();
    let claimed = state.store.claim_backchannel_logouts(now, LEASE_SECS, BATCH).await?;
    let mut delivered = 0;
    for delivery in claimed {
        match send(state, http, &delivery).await {
            Ok(()) => {
                state.store.finish_backchannel_logout(&delivery.session_id).await?;
                delivered += 1;
            }
            Err(reason) if delivery.attempts + 1 >= MAX_ATTEMPTS => {
                tracing::warn!(client_id = %delivery.client_id, %reason, "back-channel logout given up");
                state.store.finish_backchannel_logout(&delivery.session_id).await?;
                let event = AuditEvent {
                    at: now,
                    kind: "backchannel_logout_failed".into(),
                    user_id: Some(delivery.user_id.clone()),
                    client_id: Some(delivery.client_id.clone()),
                    session_id: Some(delivery.session_id.clone()),
                    detail: Some(format!("attempts={}", delivery.attempts + 1)),
                };
                state.store.record_audit_event(&event).await?;
            }
            Err(reason) => {
                tracing::info!(client_id = %delivery.client_id, %reason, "back-channel logout will be retried");
                let next = state.clock.now() + backoff(delivery.attempts);
                state.store.retry_backchannel_logout(&delivery.session_id, next).await?;
            }
        }
    }
    Ok(delivered)
}

/// §2.5: the RP answers 200 (or 204) when it logged the session out; anything else fails.
async fn send(state: &AppState, http: &reqwest::Client, delivery: &BackchannelLogout) -> Result<(), String> {
    let token = logout_token::issue(state, delivery).await.map_err(|e| e.to_string())?;
    let response = http
        .post(&delivery.uri)
        .form(&[("logout_token", token.as_str())])
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    match response.status().as_u16() {
        200 | 204 => Ok(()),
        status => Err(format!("answered {status}")),
    }
}

/// The HTTP client of the deliveries: timeouts, no redirects (§2.5: an RP answers itself).
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// Runs [`deliver_due`] every `interval` until the returned task is aborted.
pub(crate) fn spawn(state: AppState, interval: Duration) -> anyhow::Result<JoinHandle<()>> {
    let http = http_client()?;
    Ok(tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        loop {
            ticker.tick().await;
            if let Err(error) = deliver_due(&state, &http).await {
                tracing::warn!(%error, "back-channel logout round failed");
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        assert_eq!((backoff(0), backoff(1), backoff(3)), (1, 2, 8));
        assert_eq!(backoff(20), 300);
    }
}
