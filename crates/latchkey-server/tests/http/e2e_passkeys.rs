//! Passkeys end to end in headless Chromium with Chrome's virtual authenticator
//! (`e2e/passkeys.mjs`): registration on the account page, a passwordless sign-in whose
//! tokens carry `amr` `["hwk","mfa"]`, the password then the passkey as the second factor of
//! a client that requires one (`["pwd","hwk","mfa"]`), and refusals seen from the attacker's
//! side (an assertion for another origin, a credential claiming another user, a removed
//! passkey, alone or as the second factor).
//!
//! Beside it, the authenticator app in Chromium (`e2e/mfa.mjs`).
//!
//! WebAuthn needs a domain for its relying party, not an IP address, so the issuer is
//! `http://localhost:<port>` ([`server_at_localhost`]). A failure leaves
//! `target/e2e-screenshots/passkeys/failure.png`.

use std::path::PathBuf;
use std::time::Duration;

use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::grant::GrantType;
use latchkey_core::mfa::MfaPolicy;
use latchkey_store::testing::TestDatabase;

use crate::e2e::{available, e2e_dir};
use crate::localhost::server_at_localhost;
use crate::testkit::PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_registers_a_passkey_and_signs_in_with_it_alone() {
    if !available(true) {
        return;
    }
    let server = server_at_localhost(TestDatabase::sqlite()).await;
    let issuer = server.issuer.clone();
    // The client's redirect URI: a page of the same host, so the browser lands on a real page.
    let redirect_uri = format!("{issuer}/healthz");
    server.clock.set(SystemClock.now());
    server.add_user("alice", &[]).await;
    let (client_id, _) = server
        .add_client_with(
            ClientKind::Public,
            &[GrantType::AuthorizationCode, GrantType::RefreshToken],
            "openid offline_access",
            |spec| spec.redirect_uris = vec![redirect_uri.clone()],
        )
        .await;
    // A client that requires a second factor: the password, then the passkey.
    let (mfa_client_id, _) = server
        .add_client_with(
            ClientKind::Public,
            &[GrantType::AuthorizationCode, GrantType::RefreshToken],
            "openid offline_access",
            |spec| {
                spec.redirect_uris = vec![redirect_uri.clone()];
                spec.mfa = MfaPolicy::Required;
            },
        )
        .await;
    let envs = [
        ("ISSUER", issuer),
        ("CLIENT_ID", client_id),
        ("MFA_CLIENT_ID", mfa_client_id),
        ("REDIRECT_URI", redirect_uri),
        ("USERNAME", "alice".to_owned()),
        ("PASSWORD", PASSWORD.to_owned()),
    ];
    run_script("passkeys", &envs).await;
}

/// An authenticator app in Chromium (`e2e/mfa.mjs`): a user without a factor, on a client
/// that requires one, is led to the enrolment after the password, reads the key off the page
/// and enters the code, continues to the client (`amr` `["pwd","otp","mfa"]`); a second
/// sign-in asks for the code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_enrols_an_authenticator_app_and_is_asked_for_its_code() {
    if !available(true) {
        return;
    }
    let server = server_at_localhost(TestDatabase::sqlite()).await;
    let redirect_uri = format!("{}/healthz", server.issuer);
    server.clock.set(SystemClock.now());
    server.add_user("alice", &[]).await;
    let (client_id, _) = server
        .add_client_with(ClientKind::Public, &[GrantType::AuthorizationCode], "openid", |spec| {
            spec.redirect_uris = vec![redirect_uri.clone()];
            spec.mfa = MfaPolicy::Required;
            spec.require_consent = false;
        })
        .await;
    let envs = [
        ("ISSUER", server.issuer.clone()),
        ("CLIENT_ID", client_id),
        ("REDIRECT_URI", redirect_uri),
        ("USERNAME", "alice".to_owned()),
        ("PASSWORD", PASSWORD.to_owned()),
        ("NOW", server.clock.now().to_string()),
    ];
    run_script("mfa", &envs).await;
}

/// Runs `e2e/<name>.mjs` with `envs`; fails unless it says "<name>: all checks passed". A
/// failure leaves `target/e2e-screenshots/<name>/failure.png`.
async fn run_script(name: &str, envs: &[(&str, String)]) {
    let screenshots =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots").join(name);
    let run = tokio::process::Command::new("node")
        .arg(format!("{name}.mjs"))
        .current_dir(e2e_dir())
        .envs(envs.iter().map(|(key, value)| (*key, value.as_str())))
        .env("SCREENSHOT_DIR", screenshots.display().to_string())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .unwrap_or_else(|_| panic!("{name}.mjs took over 180 s"))
        .expect("cannot start node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let passed = format!("{name}: all checks passed");
    assert!(
        output.status.success() && stdout.lines().any(|line| line == passed),
        "{name}.mjs failed ({}); see its output above and {}",
        output.status,
        screenshots.display()
    );
}
