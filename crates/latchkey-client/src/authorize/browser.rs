//! Opening the authorization URL in the user's browser. RFC 8252 §8.12 wants the system
//! browser (never an embedded web view, which would let the app read the password), so the
//! default asks the desktop to open the URL. The trait lets tests, CLIs that print the URL,
//! and platforms with their own launcher supply another way.

use async_trait::async_trait;
use reqwest::Url;
use tokio::process::Command;

use crate::error::ClientError;

/// Shows the authorization URL to the user. Implementations return once the browser is
/// asked to open it, without waiting for the login: the loopback listener waits for that.
#[async_trait]
pub trait BrowserOpener: Send + Sync {
    async fn open(&self, url: &Url) -> Result<(), ClientError>;
}

/// The platform's URL opener: `open` on macOS, `rundll32 url.dll` on Windows, `xdg-open`
/// elsewhere.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemBrowser;

fn launcher(url: &Url) -> Command {
    let mut command;
    if cfg!(target_os = "macos") {
        command = Command::new("open");
    } else if cfg!(windows) {
        command = Command::new("rundll32");
        command.arg("url.dll,FileProtocolHandler");
    } else {
        command = Command::new("xdg-open");
    }
    command.arg(url.as_str());
    command
}

#[async_trait]
impl BrowserOpener for SystemBrowser {
    async fn open(&self, url: &Url) -> Result<(), ClientError> {
        let status = launcher(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .await?;
        if status.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!("the browser launcher exited with {status}")).into())
        }
    }
}
