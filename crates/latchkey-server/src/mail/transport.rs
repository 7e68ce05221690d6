//! Where e-mails go: an SMTP server through `lettre` (`smtp_url`: STARTTLS or implicit TLS,
//! authentication, a timeout on every step), or, with no `smtp_url`, the log and
//! `<data_dir>/outbox/` — so the flows work on a fresh machine (`serve --demo`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Mail;
use crate::config::Config;

/// How long one SMTP step (connect, TLS, each command) may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Why an e-mail was not sent.
#[derive(Debug)]
pub enum SendError {
    /// The e-mail itself is unusable (e.g. an invalid recipient address): retrying cannot help.
    Unsendable(String),
    /// The mail server could not be reached or refused: try again later.
    Failed(String),
}

pub enum Transport {
    Smtp { mailer: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox },
    Files { dir: PathBuf, from: Mailbox },
}

impl Transport {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let from: Mailbox = config.mail_from.parse().context("mail_from is not an e-mail address")?;
        Ok(match &config.smtp_url {
            // The error is not shown: it could quote the URL, and with it the password.
            Some(url) => match AsyncSmtpTransport::<Tokio1Executor>::from_url(url) {
                Ok(builder) => Self::Smtp { mailer: builder.timeout(Some(SMTP_TIMEOUT)).build(), from },
                Err(_) => {
                    anyhow::bail!("smtp_url is not smtp://[USER:PASS@]HOST[:PORT][?tls=…] or smtps://…")
                }
            },
            None => Self::Files { dir: config.data_dir.join("outbox"), from },
        })
    }

    /// Sends one e-mail; `id` names its file when written to the outbox directory.
    pub async fn send(&self, id: &str, mail: &Mail) -> Result<(), SendError> {
        match self {
            Self::Smtp { mailer, from } => {
                let message = message(from, mail)?;
                mailer.send(message).await.map_err(|e| SendError::Failed(e.to_string()))?;
                Ok(())
            }
            Self::Files { dir, from } => {
                let message = message(from, mail)?;
                tracing::info!(to = %mail.to, subject = %mail.subject,
                    "e-mail not sent (no smtp_url), written to {}:\n{}", dir.display(), mail.text);
                let path = dir.join(format!("{id}.eml"));
                let written = tokio::fs::create_dir_all(dir)
                    .await
                    .and(tokio::fs::write(&path, message.formatted()).await);
                written.map_err(|e| SendError::Failed(format!("{}: {e}", path.display())))
            }
        }
    }
}

fn message(from: &Mailbox, mail: &Mail) -> Result<Message, SendError> {
    let to: Mailbox = mail.to.parse().map_err(|_| SendError::Unsendable("invalid recipient".into()))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
        .map_err(|e| SendError::Unsendable(e.to_string()))
}
