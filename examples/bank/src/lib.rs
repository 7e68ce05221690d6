//! A small bank API protected by `latchkey-guard`: the worked example of Latchkey.
//!
//! Users deposit, withdraw, transfer to one another and read their balance and history.
//! Amounts are integer minor units; a balance never goes below zero; a transfer is one
//! database transaction; every write carries an `Idempotency-Key`, so a retried request
//! never moves money twice. Transfers above a configurable amount need a recent (or
//! stronger) sign-in: step-up authentication, RFC 9470 ([`step_up`]).
//!
//! [`web::app`] adds the web front end: a plain HTML page behind the embedded
//! Backend-for-Frontend, so the browser never holds a token.

pub mod db;
pub mod error;
pub mod money;
pub mod operations;
pub mod routes;
pub mod step_up;
pub mod web;

pub use db::Ledger;
pub use routes::router;
pub use step_up::StepUpPolicy;
