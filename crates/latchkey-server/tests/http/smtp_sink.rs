//! A real SMTP server for the e-mail tests: `interop/python/smtp_sink.py` (aiosmtpd, installed
//! by `scripts/test.sh`), a child process that prints each message it receives.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// One e-mail as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
}

impl ReceivedMail {
    /// The first line of the text body that starts with `prefix` (a link).
    pub fn link(&self, prefix: &str) -> String {
        let line = self.text.lines().find(|line| line.trim().starts_with(prefix));
        line.unwrap_or_else(|| panic!("no link {prefix} in {}", self.text)).trim().to_owned()
    }
}

pub struct SmtpSink {
    pub port: u16,
    /// Killed when the sink is dropped (`kill_on_drop`): a mail-server outage.
    _child: Child,
    received: mpsc::UnboundedReceiver<ReceivedMail>,
}

/// A port free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_on(free_port()).await
    }

    /// Starts the server on `port` and waits until it accepts connections.
    pub async fn start_on(port: u16) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../interop/python/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 (scripts/test.sh installs it with aiosmtpd)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await;
        let ready = ready.expect("the SMTP sink did not start").unwrap();
        assert!(
            ready.as_deref().is_some_and(|line| line.contains("ready")),
            "the SMTP sink did not start (is aiosmtpd installed? scripts/test.sh installs it): {ready:?}"
        );
        let (sender, received) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let value: Value = serde_json::from_str(&line).unwrap();
                let to =
                    value["to"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
                let subject = value["subject"].as_str().unwrap_or_default().to_owned();
                let text = value["text"].as_str().unwrap_or_default().to_owned();
                let _ = sender.send(ReceivedMail { to, subject, text });
            }
        });
        Self { port, _child: child, received }
    }

    /// `smtp_url` for the server under test.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next e-mail received, waiting up to 20 s.
    pub async fn next_mail(&mut self) -> ReceivedMail {
        let mail = tokio::time::timeout(Duration::from_secs(20), self.received.recv()).await;
        mail.expect("no e-mail arrived within 20 s").unwrap()
    }

    /// Whether another e-mail arrives within `wait`.
    pub async fn mail_within(&mut self, wait: Duration) -> Option<ReceivedMail> {
        tokio::time::timeout(wait, self.received.recv()).await.ok().flatten()
    }
}
