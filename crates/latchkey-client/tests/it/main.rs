//! The SDK against a real Latchkey server in process (real HTTP on a free port, a fresh
//! SQLite database, a clock the test moves), plus small fake servers for what a test must
//! script: redirects of every kind with a PKCE-checking token endpoint, a 503, an API that
//! always answers 401. One test binary for compile time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
#[path = "../../../latchkey-server/tests/federation_upstream/facebook_stand_in.rs"]
mod facebook_stand_in;
mod fake;
mod testkit;

mod authorized;
mod exchange;
mod grants;
mod native;
mod native_latchkey;
mod revoked;
mod single_flight;
mod transient;
