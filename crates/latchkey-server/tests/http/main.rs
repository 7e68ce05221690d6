//! HTTP integration tests: a real server on a free port per test, on SQLite and PostgreSQL
//! (set LATCHKEY_TEST_POSTGRES_URL), one test binary for compile time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod flow;
mod localhost;
mod proxy;
mod smtp_sink;
mod soft_authenticator;
mod testkit;
// The Facebook stand-in of tests/federation_upstream, for the token exchange.
#[allow(dead_code)]
#[path = "../federation_upstream/facebook_stand_in.rs"]
mod facebook_stand_in;

mod account;
mod account_factors;
mod account_page;
mod admin_auth;
mod admin_clients;
mod admin_kit;
mod admin_metrics;
mod admin_openapi;
mod admin_paging;
mod admin_providers;
mod admin_resources;
mod admin_schemathesis;
mod admin_users;
mod atomic_writes;
mod authn;
mod authorize;
mod backchannel_logout;
mod backchannel_logout_sid;
mod bad_input;
mod bearer;
mod branding;
mod client_credentials;
mod client_signup;
mod code_exchange;
mod connections;
mod discovery;
mod dpop;
mod dpop_binding;
mod e2e;
mod e2e_accounts;
mod e2e_passkeys;
mod email_change;
mod error_description;
mod exchange_kit;
mod federation;
mod federation_account_link;
mod federation_hostile;
mod federation_linking;
mod federation_tokens;
// The hostile OpenID Connect provider of the upstream client's tests, for the whole flow.
#[allow(dead_code)]
#[path = "../federation_upstream/hostile.rs"]
mod hostile;
mod identities;
// A native app's sign-in at the real upstream, shared with examples/native-app.
mod janitor;
mod key_rotation;
mod key_year;
mod login_policy;
mod mail_outbox;
mod mfa;
mod mfa_kit;
mod mfa_passkeys;
#[path = "../federation_upstream/native_app.rs"]
mod native_app;
mod native_redirect;
mod oidc;
mod outage;
mod passkeys;
mod password;
mod path_issuer;
mod recovery;
mod refresh;
mod revocation;
mod session_liveness;
mod signup;
mod throttle;
mod token_exchange;
mod token_exchange_upstream;
