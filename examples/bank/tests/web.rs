//! The bank's web front end in headless Chromium (`e2e/bank-web.mjs`): Latchkey, the bank's
//! API and page behind the embedded BFF, all on real HTTP. Without `e2e/node_modules` or
//! `/usr/bin/chromium` the test says `skipped: ...` and passes, unless
//! `LATCHKEY_TEST_E2E=required` (as `scripts/test.sh` sets, after installing them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use latchkey_bank::{web, Ledger, StepUpPolicy};
use latchkey_bff::{Bff, BffConfig};
use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_crypto::MasterKey;
use latchkey_guard::{AuthenticationRequirement, Guard};
use latchkey_server::admin::NewClient;
use latchkey_server::testing::{test_config, TestLatchkey};
use latchkey_store::testing::{skip_unless_required, TestDatabase};
use latchkey_store::Store;

const PASSWORD: &str = "correct horse battery staple";
/// The bank's maximum authentication age for large transfers in this test, in seconds.
const STEP_UP_MAX_AGE: i64 = 10;

fn e2e_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_front_end_in_chromium_never_holds_a_token() {
    if !e2e_dir().join("node_modules/playwright-core").exists()
        || !std::path::Path::new("/usr/bin/chromium").exists()
    {
        skip_unless_required("missing e2e/node_modules or /usr/bin/chromium");
        return;
    }
    let db = TestDatabase::sqlite();
    let store: Arc<dyn Store> = Arc::new(db.store().await);
    let latchkey = TestLatchkey::start(store, Arc::new(SystemClock), test_config()).await.unwrap();
    let now = SystemClock.now();
    let alice = latchkey.add_user("alice", &[], PASSWORD, now).await.unwrap();
    let bob = latchkey.add_user("bob", &[], PASSWORD, now).await.unwrap();
    let spec = NewClient {
        redirect_uris: vec!["http://127.0.0.1/bff/callback".into()],
        post_logout_redirect_uris: vec!["http://127.0.0.1/".into()],
        require_consent: false,
        ..NewClient::new(
            "bank web",
            ClientKind::Confidential,
            &[GrantType::AuthorizationCode, GrantType::RefreshToken],
            Scope::parse("openid profile bank:read bank:write").unwrap(),
        )
    };
    let (client, secret) = latchkey.add_client(spec, now).await.unwrap();

    let guard = Guard::builder().issuer(&latchkey.issuer).audience(&latchkey.issuer).build().await.unwrap();
    let bank_db = TestDatabase::sqlite();
    let ledger = Ledger::open(&bank_db.url).await.unwrap();
    ledger.ensure_account(&bob.id, "bob", now).await.unwrap();
    let _ = alice;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public = format!("http://{}", listener.local_addr().unwrap());
    let mut config = BffConfig::new(&latchkey.issuer, &client.id, &secret.unwrap(), public.parse().unwrap());
    config.scope = "openid profile bank:read bank:write".into();
    config.embedded_prefixes = vec![web::API_PREFIX.into()];
    let sessions = TestDatabase::sqlite();
    let bff = Bff::new(config, &sessions.url, MasterKey::generate().unwrap()).await.unwrap();
    // Transfers above 1,000.00 need a multi-factor sign-in (the default) from the last few
    // seconds (RFC 9470), so the script can let its sign-in age instead of waiting five minutes.
    let default = StepUpPolicy::default();
    let step_up = StepUpPolicy {
        requirement: AuthenticationRequirement { max_age: Some(STEP_UP_MAX_AGE), ..default.requirement },
        ..default
    };
    let app = web::app(ledger, &guard, step_up, &bff);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let screenshots = tempfile_dir();
    let child = tokio::process::Command::new("node")
        .arg("bank-web.mjs")
        .current_dir(e2e_dir())
        .envs([
            ("BANK_URL", format!("{public}/")),
            ("USERNAME", "alice".into()),
            ("PASSWORD", PASSWORD.into()),
            ("RECIPIENT", "bob".into()),
            ("SCREENSHOT_DIR", screenshots.display().to_string()),
            ("STEP_UP_MAX_AGE", STEP_UP_MAX_AGE.to_string()),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("cannot start node");
    let output = tokio::time::timeout(Duration::from_secs(180), child.wait_with_output())
        .await
        .expect("bank-web.mjs finishes within 180 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "bank-web.mjs failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("bank web: all checks passed"));
    assert_eq!(
        ledger_balance(&bank_db.url, &bob.id).await,
        2550 + 150_000,
        "bob received both transfers, once"
    );
}

/// Where the script saves screenshots.
fn tempfile_dir() -> PathBuf {
    std::env::temp_dir().join(format!("latchkey-bank-web-{}", std::process::id()))
}

async fn ledger_balance(url: &str, user_id: &str) -> i64 {
    Ledger::open(url).await.unwrap().balance(user_id).await.unwrap()
}
