//! Single-flight refresh (RFC 6749 §6 with rotation): however many tasks need a new access
//! token at once, one refresh request goes out and all of them get its result.
//!
//! Why it matters: with rotation each refresh token is good for one use. Latchkey forgives
//! a duplicate inside a short window, but other servers log the user out, and even Latchkey
//! counts every extra request. So the first caller spawns the refresh as its own task and
//! parks a shared handle to it in the state; later callers clone the handle. The task
//! installs the new tokens and removes the handle in one critical section, so a caller that
//! arrives after it finished sees the new access token and never refreshes again with the
//! spent refresh token. Because the refresh runs in a spawned task, a caller that gives up
//! (timeout, dropped request) cannot cancel it halfway and lose the successor.
//!
//! Outcomes: success installs and saves the successor; `invalid_grant` (RFC 6749 §5.2: the
//! session was revoked, expired or replayed) ends the session locally and every waiter gets
//! one [`ClientError::LoginRequired`]; anything else (network, 503) is handed to the waiters
//! unchanged and leaves the tokens as they were, so a later call can try again.

use std::sync::Arc;

use futures::FutureExt;

use super::state::{RefreshFuture, State};
use super::Inner;
use crate::dpop::DpopKey;
use crate::error::{ClientError, ErrorCode};

/// The refresh in flight, or a new one started with the current refresh token.
pub(crate) fn join_or_start(inner: &Arc<Inner>, state: &mut State) -> Result<RefreshFuture, ClientError> {
    if let Some(in_flight) = &state.in_flight {
        return Ok(in_flight.clone());
    }
    let refresh_token = state.refresh_token.clone().ok_or(ClientError::LoginRequired)?;
    state.generation += 1;
    let generation = state.generation;
    let task = tokio::spawn(run(inner.clone(), refresh_token, state.dpop_key.clone(), generation));
    let inner = inner.clone();
    let shared = async move {
        match task.await {
            Ok(result) => result,
            Err(join_error) => {
                // The task died (runtime shutdown): let the next caller start afresh.
                let mut state = inner.state.lock().await;
                if state.generation == generation {
                    state.in_flight = None;
                }
                Err(std::io::Error::other(format!("the refresh task stopped: {join_error}")).into())
            }
        }
    }
    .boxed()
    .shared();
    state.in_flight = Some(shared.clone());
    Ok(shared)
}

/// The refresh itself; the HTTP request runs without holding the state lock.
async fn run(
    inner: Arc<Inner>,
    refresh_token: String,
    dpop_key: Option<Arc<DpopKey>>,
    generation: u64,
) -> Result<String, ClientError> {
    // A bound session refreshes with a proof of its key (RFC 9449 §5).
    let client = match dpop_key {
        Some(key) => inner.client.with_dpop(key),
        None => inner.client.clone(),
    };
    let result = client.refresh(&refresh_token).await;
    let mut state = inner.state.lock().await;
    if state.generation != generation {
        // A login or logout replaced the session meanwhile: its tokens win, and this answer
        // only goes to the callers that asked for it.
        return result.map(|response| response.access_token).map_err(session_error);
    }
    state.in_flight = None;
    match result {
        Ok(response) => {
            let saved = match &response.refresh_token {
                Some(successor) => inner.store.save(successor).await,
                None => Ok(()),
            };
            // Installed even if saving failed: the old refresh token is spent either way.
            state.install(&response, inner.clock.now(), inner.skew);
            saved.map_err(super::store_error)?;
            Ok(response.access_token)
        }
        Err(error) => {
            let error = session_error(error);
            if matches!(error, ClientError::LoginRequired) {
                state.reset();
                // The stored token is dead; if clearing fails it is refused once more at the
                // next start, which ends in the same LoginRequired.
                let _ = inner.store.clear().await;
            }
            Err(error)
        }
    }
}

/// `invalid_grant` on a refresh means the session is over.
fn session_error(error: ClientError) -> ClientError {
    match error.oauth_code() {
        Some(ErrorCode::InvalidGrant) => ClientError::LoginRequired,
        _ => error,
    }
}
