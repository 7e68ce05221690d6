//! The outbox worker (docs/architecture.md, "E-mail delivery"): every process runs one. It
//! claims due e-mails for [`CLAIM_SECONDS`] (a compare-and-swap in the store, so each e-mail
//! goes to one process), sends them, deletes the sent ones and puts the failed ones back with
//! an exponential back-off. A process that dies while sending leaves its claim to expire, and
//! another process sends the e-mail then.

use std::sync::Arc;
use std::time::Duration;

use latchkey_store::{OutboxMail, StoreError};
use tokio::task::JoinHandle;

use super::transport::SendError;
use super::{Outbox, Transport};

/// How long a claim keeps other processes off an e-mail: well beyond a send's timeouts.
const CLAIM_SECONDS: i64 = 300;
/// E-mails claimed at once.
const BATCH: i64 = 10;
/// How often the worker looks for due e-mails when nothing woke it.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The first retry's delay; each further failure doubles it, up to [`MAX_RETRY_DELAY`].
const FIRST_RETRY_DELAY: i64 = 10;
const MAX_RETRY_DELAY: i64 = 3_600;

/// Runs the worker until the task is aborted.
pub fn spawn(outbox: Outbox, transport: Arc<Transport>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match drain(&outbox, &transport).await {
                Ok(claimed) if claimed == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox: could not claim e-mails; will retry"),
            }
            tokio::select! {
                () = outbox.wake.notified() => {}
                () = tokio::time::sleep(POLL_INTERVAL) => {}
            }
        }
    })
}

/// Claims and delivers one batch; returns how many were claimed.
async fn drain(outbox: &Outbox, transport: &Transport) -> Result<i64, StoreError> {
    let now = outbox.clock.now();
    let claimed = outbox.store.claim_mail(now, now + CLAIM_SECONDS, BATCH).await?;
    for mail in &claimed {
        deliver(outbox, transport, mail).await?;
    }
    Ok(i64::try_from(claimed.len()).unwrap_or(BATCH))
}

async fn deliver(outbox: &Outbox, transport: &Transport, row: &OutboxMail) -> Result<(), StoreError> {
    let store = &outbox.store;
    let Some(mail) = outbox.open(row) else {
        // Kept for a process with the right key: a misconfigured one must not lose e-mail.
        tracing::error!(id = %row.id, "outbox: e-mail cannot be opened (another master key?)");
        return store.mail_failed(&row.id, outbox.clock.now() + MAX_RETRY_DELAY, "cannot be opened").await;
    };
    match transport.send(&row.id, &mail).await {
        Ok(()) => {
            tracing::info!(id = %row.id, attempts = row.attempts, "e-mail sent");
            store.mail_sent(&row.id).await
        }
        Err(SendError::Unsendable(why)) => {
            tracing::error!(id = %row.id, error = %why, "e-mail cannot be sent; dropped");
            store.mail_sent(&row.id).await
        }
        Err(SendError::Failed(why)) => {
            let delay = retry_delay(row.attempts);
            tracing::warn!(id = %row.id, attempts = row.attempts, retry_in = delay, error = %why,
                "e-mail not sent; will retry");
            store.mail_failed(&row.id, outbox.clock.now() + delay, &why).await
        }
    }
}

/// The delay after the `attempts`-th failed attempt.
fn retry_delay(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    FIRST_RETRY_DELAY.saturating_mul(1_i64 << doublings).min(MAX_RETRY_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        assert_eq!(retry_delay(1), 10);
        assert_eq!(retry_delay(2), 20);
        assert_eq!(retry_delay(5), 160);
        assert_eq!(retry_delay(50), MAX_RETRY_DELAY);
    }
}
