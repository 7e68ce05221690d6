//! The BFF against a real Latchkey server in process (real HTTP, a clock the test moves), a
//! real echo API upstream, and the BFF's sessions on SQLite and PostgreSQL. One test binary
//! for compile time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod testkit;

mod backchannel;
mod csrf;
mod flow;
mod proxy;
mod refresh;
