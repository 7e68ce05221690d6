//! E-mail delivery (docs/architecture.md, "E-mail delivery"). A request never talks to the
//! mail server: [`Outbox::enqueue`] seals the e-mail under the master key (its links are
//! secrets) and inserts it into the `outbox` table, and a worker in every process
//! ([`worker::spawn`]) claims due e-mails with a compare-and-swap, sends them through the
//! [`Transport`] and retries failures with back-off, so a mail-server outage loses nothing and
//! two processes never send one e-mail twice.

mod email_change_templates;
pub mod templates;
mod transport;
mod worker;

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_core::clock::Clock;
use latchkey_crypto::{random, MasterKey};
use latchkey_store::{OutboxMail, Store};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

pub use transport::Transport;
pub use worker::spawn;

use crate::error::ApiError;

/// One e-mail, with a text and an HTML body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Queues e-mails for the worker. Cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    sealer: Arc<MasterKey>,
    wake: Arc<Notify>,
}

impl Outbox {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, sealer: Arc<MasterKey>) -> Self {
        Self { store, clock, sealer, wake: Arc::default() }
    }

    /// Seals and queues `mail`, and wakes this process's worker.
    pub async fn enqueue(&self, mail: &Mail) -> Result<(), ApiError> {
        let id = random::token(16)?;
        let json = serde_json::to_vec(mail).map_err(anyhow::Error::from)?;
        let sealed = self.sealer.seal(&json, id.as_bytes())?;
        let row = OutboxMail {
            id,
            recipient: mail.to.clone(),
            sealed_message: URL_SAFE_NO_PAD.encode(sealed),
            attempts: 0,
        };
        self.store.enqueue_mail(&row, self.clock.now()).await?;
        self.wake.notify_one();
        Ok(())
    }

    /// The e-mail of a claimed row; `None` when it cannot be opened (sealed under another
    /// master key, or altered).
    fn open(&self, row: &OutboxMail) -> Option<Mail> {
        let sealed = URL_SAFE_NO_PAD.decode(&row.sealed_message).ok()?;
        let json = self.sealer.open(&sealed, row.id.as_bytes()).ok()?;
        serde_json::from_slice(&json).ok()
    }
}
