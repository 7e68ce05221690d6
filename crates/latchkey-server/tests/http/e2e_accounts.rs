//! End-to-end in headless Chromium (`e2e/accounts.mjs`): sign up, verify the address through
//! the link the SMTP server received, sign in, end the client's session from the account
//! page, reset a forgotten password and sign in with the new one. A failure leaves
//! `target/e2e-screenshots/accounts/failure.png`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::grant::GrantType;
use latchkey_store::testing::TestDatabase;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::e2e::{available, e2e_dir};
use crate::smtp_sink::SmtpSink;
use crate::testkit::{test_config, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_up_verifies_signs_in_and_resets_its_password() {
    if !available(true) {
        return;
    }
    let mut sink = SmtpSink::start().await;
    let config =
        latchkey_server::Config { smtp_url: Some(sink.url()), self_registration: true, ..test_config() };
    let server = TestServer::start_on(TestDatabase::sqlite(), None, config).await;
    server.clock.set(SystemClock.now());
    let (client_id, _) = server
        .add_client_with(
            ClientKind::Public,
            &[GrantType::AuthorizationCode, GrantType::RefreshToken],
            "openid offline_access",
            |spec| {
                spec.redirect_uris = vec!["http://127.0.0.1/callback".into()];
            },
        )
        .await;
    let screenshots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots/accounts");
    let mut child = tokio::process::Command::new("node")
        .arg("accounts.mjs")
        .current_dir(e2e_dir())
        .env("ISSUER", &server.issuer)
        .env("CLIENT_ID", &client_id)
        .env("SCREENSHOT_DIR", screenshots.display().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("cannot start node");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let conversation = async {
        let mut passed = false;
        while let Some(line) = lines.next_line().await.unwrap() {
            println!("{line}");
            passed |= line == "accounts: all checks passed";
            if let Some(path) = line.strip_prefix("LINK? ") {
                let link = sink.next_mail().await.link(&server.url(&format!("{path}?token=")));
                stdin.write_all(format!("{link}\n").as_bytes()).await.unwrap();
            }
        }
        passed
    };
    let passed = tokio::time::timeout(Duration::from_secs(180), conversation)
        .await
        .expect("accounts.mjs took over 180 s");
    let status = child.wait().await.unwrap();
    assert!(
        passed && status.success(),
        "accounts.mjs failed ({status}); see its output above and {}",
        screenshots.display()
    );
}
