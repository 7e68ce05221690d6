//! HTTP integration tests: a real server on a free port per test, on SQLite and PostgreSQL
//! (set LATCHKEY_TEST_POSTGRES_URL), one test binary for compile time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod flow;
mod proxy;
mod smtp_sink;
mod testkit;

mod account;
mod account_page;
mod atomic_writes;
mod authn;
mod authorize;
mod bad_input;
mod bearer;
mod client_credentials;
mod code_exchange;
mod connections;
mod discovery;
mod dpop;
mod dpop_binding;
mod e2e;
mod e2e_accounts;
mod error_description;
mod janitor;
mod key_rotation;
mod key_year;
mod login_policy;
mod mail_outbox;
mod oidc;
mod outage;
mod password;
mod path_issuer;
mod recovery;
mod refresh;
mod revocation;
mod session_liveness;
mod signup;
mod throttle;
