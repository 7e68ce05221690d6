//! Integration tests of latchkey-guard, from the attacker's side, over real HTTP: a small
//! axum app protected by the guard, a fake issuer whose keys the tests control (for forged
//! tokens), an in-process Latchkey on SQLite (and PostgreSQL when
//! LATCHKEY_TEST_POSTGRES_URL is set), and the Node/Python interop servers. One test binary
//! for compile time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fake_issuer;
mod latchkey;
mod protected;
mod serve;

mod attacks;
mod builder;
mod dpop;
mod dpop_freshness;
mod interop;
mod keys;
mod revocation;
mod routing;
mod same_answers;
mod step_up;
