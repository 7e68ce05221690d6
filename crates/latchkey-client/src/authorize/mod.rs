//! The authorization-code flow with PKCE for native apps (RFC 8252): build the request URL,
//! listen on a loopback redirect, open the system browser, check the redirect, redeem the
//! code. Each step is public on its own for apps that need to arrange them differently.

mod browser;
mod loopback;
mod native;
mod request;

pub use browser::{BrowserOpener, SystemBrowser};
pub use loopback::{ExpectedRedirect, LoopbackListener};
pub use request::AuthorizationRequest;
