//! The authorization-code flow with PKCE for native apps (RFC 8252): build the request URL,
//! listen on a loopback redirect (or receive a private-use scheme redirect from the OS), open
//! the system browser, check the redirect, redeem the code. Each step is public on its own for
//! apps that need to arrange them differently.

mod browser;
mod loopback;
mod native;
mod private_use;
mod request;

pub use browser::{BrowserOpener, SystemBrowser};
pub use loopback::{ExpectedRedirect, LoopbackListener};
pub use private_use::PendingAuthorization;
pub use request::AuthorizationRequest;
