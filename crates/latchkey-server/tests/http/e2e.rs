//! End-to-end: the Node scripts in `e2e/` against a server started here.
//!
//! - `openid-client.mjs`: panva's openid-client (OpenID-certified) does discovery, the
//!   authorization-code flow with PKCE through the hosted pages, the token exchange with
//!   ID-token validation, UserInfo and a refresh.
//! - `browser.mjs`: headless Chromium driven by Playwright signs in to a small relying
//!   party, consents, and signs out; a failure leaves `target/e2e-screenshots/failure.png`.
//!
//! - `federation-browser.mjs`: Chromium signs in through an upstream OpenID Connect provider
//!   (`upstream-provider.mjs`, panva's oidc-provider) and back; openid-client validates
//!   Latchkey's ID token (`amr`, `idp`).
//!
//! Each of the first two runs twice: with the issuer at the root of its host, and with an issuer path
//! (`/auth`) behind a path-prefix proxy (`proxy.rs`).
//!
//! They need `npm ci --prefix e2e` (and `/usr/bin/chromium` for the browser). Without them
//! the tests print "skipped" and pass, unless `LATCHKEY_TEST_E2E=required` (as `scripts/test.sh` sets, after installing them).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::grant::GrantType;

use latchkey_store::testing::{skip_unless_required, TestDatabase};

use crate::proxy::{server_behind_prefix, PrefixProxy};
use crate::testkit::{test_config, TestServer, PASSWORD};

pub fn e2e_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

/// Whether the script can run here; skips the test (or fails it, when required) if not.
pub fn available(needs_chromium: bool) -> bool {
    let mut missing = Vec::new();
    if !e2e_dir().join("node_modules/openid-client").exists() {
        missing.push("e2e/node_modules (run `npm ci --prefix e2e`)");
    }
    if needs_chromium && !std::path::Path::new("/usr/bin/chromium").exists() {
        missing.push("/usr/bin/chromium (apt-get install chromium)");
    }
    if missing.is_empty() {
        return true;
    }
    skip_unless_required(&format!("missing {}", missing.join(", ")));
    false
}

/// A server whose clock reads the real time (the scripts check `iat` and `exp`), with
/// alice and a public client for `http://127.0.0.1/...` (any port: a loopback redirect).
/// With `behind_prefix`, the issuer is `http://127.0.0.1:<port>/auth` behind a proxy that
/// strips `/auth` (the proxy stops when the returned guard drops).
async fn server_and_client(behind_prefix: bool) -> (TestServer, Option<PrefixProxy>, String) {
    let (server, proxy) = if behind_prefix {
        let (server, proxy) = server_behind_prefix(TestDatabase::sqlite()).await;
        (server, Some(proxy))
    } else {
        (TestServer::start_on(TestDatabase::sqlite(), None, test_config()).await, None)
    };
    server.clock.set(SystemClock.now());
    server.add_user("alice", &[]).await;
    let (client_id, _) = server
        .add_client_with(
            ClientKind::Public,
            &[GrantType::AuthorizationCode, GrantType::RefreshToken],
            "openid profile email offline_access",
            |spec| {
                spec.name = "Example RP".into();
                spec.redirect_uris = vec!["http://127.0.0.1/callback".into()];
                spec.post_logout_redirect_uris = vec!["http://127.0.0.1/signed-out".into()];
            },
        )
        .await;
    (server, proxy, client_id)
}

async fn run_node(script: &str, env: &[(&str, String)]) {
    let mut command = tokio::process::Command::new("node");
    command
        .arg(script)
        .current_dir(e2e_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let child = command.spawn().expect("cannot start node");
    let output = tokio::time::timeout(Duration::from_secs(180), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{script} did not finish within 180 s"))
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(output.status.success(), "{script} failed ({}):\n{stdout}\n{stderr}", output.status);
}

async fn openid_client(behind_prefix: bool) {
    if !available(false) {
        return;
    }
    let (server, _proxy, client_id) = server_and_client(behind_prefix).await;
    run_node(
        "openid-client.mjs",
        &[
            ("ISSUER", server.issuer.clone()),
            ("CLIENT_ID", client_id),
            ("REDIRECT_URI", "http://127.0.0.1/callback".into()),
            ("USERNAME", "alice".into()),
            ("PASSWORD", PASSWORD.into()),
        ],
    )
    .await;
}

async fn chromium(behind_prefix: bool) {
    if !available(true) {
        return;
    }
    let (server, _proxy, client_id) = server_and_client(behind_prefix).await;
    let mut screenshots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots");
    if behind_prefix {
        screenshots.push("path-issuer");
    }
    run_node(
        "browser.mjs",
        &[
            ("ISSUER", server.issuer.clone()),
            ("CLIENT_ID", client_id),
            ("USERNAME", "alice".into()),
            ("PASSWORD", PASSWORD.into()),
            ("SCREENSHOT_DIR", screenshots.display().to_string()),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_drives_the_code_flow() {
    openid_client(false).await;
}

/// The same through a path-prefix proxy, with the issuer `http://127.0.0.1:<port>/auth`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_client_drives_the_code_flow_with_a_path_issuer() {
    openid_client(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_consents_and_signs_out() {
    chromium(false).await;
}

/// The same through a path-prefix proxy, with the issuer `http://127.0.0.1:<port>/auth`:
/// every page, form, redirect and cookie the browser sees is under `/auth`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_consents_and_signs_out_with_a_path_issuer() {
    chromium(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_through_an_upstream_provider() {
    if !available(true) {
        return;
    }
    let server = TestServer::start_on(TestDatabase::sqlite(), None, test_config()).await;
    server.clock.set(SystemClock.now());
    let Some(upstream) = crate::federation::Upstream::start(&server, "acme", &[]).await else { return };
    crate::federation::add_upstream(
        &server,
        "acme",
        &upstream.issuer,
        latchkey_core::federation_linking::Linking::Never,
    )
    .await;
    let (client_id, _) = server
        .add_client_with(
            ClientKind::Public,
            &[GrantType::AuthorizationCode],
            "openid profile email",
            |spec| {
                spec.redirect_uris = vec!["http://127.0.0.1/callback".into()];
                spec.require_consent = false;
            },
        )
        .await;
    let screenshots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots");
    run_node(
        "federation-browser.mjs",
        &[
            ("ISSUER", server.issuer.clone()),
            ("CLIENT_ID", client_id),
            ("SCREENSHOT_DIR", screenshots.display().to_string()),
        ],
    )
    .await;
}
