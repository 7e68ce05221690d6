//! HTTP integration tests: a real server on a free port per test, on SQLite and PostgreSQL
//! (set LATCHKEY_TEST_POSTGRES_URL), one test binary for compile time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod testkit;

mod account;
mod bad_input;
mod client_credentials;
mod discovery;
mod janitor;
mod outage;
mod password;
mod refresh;
mod revocation;
