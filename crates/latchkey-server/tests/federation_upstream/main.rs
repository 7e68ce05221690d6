//! Tests of `latchkey_server::federation::upstream` against real HTTP servers on 127.0.0.1,
//! started in-process: a hostile OpenID Connect provider that signs bad ID tokens, and GitHub
//! and Facebook stand-ins that reproduce their documented API shapes. Nothing reaches the
//! internet.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod caches;
mod facebook;
pub mod facebook_stand_in;
mod flavors;
mod github;
mod hostile;
mod id_tokens;
mod transport;

use std::future::IntoFuture;

use axum::Router;
use tokio::net::TcpListener;

/// Serves `router` on a free loopback port; returns its base URL (no trailing slash).
pub async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(axum::serve(listener, router).into_future());
    format!("http://{addr}")
}
