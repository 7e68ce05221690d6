//! The native-app example as a process, end to end, on SQLite and PostgreSQL: Latchkey with a
//! real OpenID Connect provider upstream (panva's oidc-provider, `e2e/upstream-provider.mjs`,
//! standing in for Google) and the bank behind the guard. The test plays the platform SDK: it
//! signs in at the provider as the app's own client id with the nonce the example printed,
//! hands the example the ID token on its standard input, and checks that the example got
//! Latchkey's tokens for a new user and read that user's balance at the bank.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod upstream;

use std::process::Stdio;
use std::sync::Arc;

use latchkey_bank::{router, Ledger};
use latchkey_core::client::ClientKind;
use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::federation_linking::Linking;
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_guard::Guard;
use latchkey_server::admin::NewClient;
use latchkey_server::testing::{test_config, TestLatchkey};
use latchkey_store::testing::{skip_unless_required, TestDatabase};
use latchkey_store::{on_both_backends, Store};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::upstream::{register_provider, sign_in_as_native_app, Upstream};

on_both_backends!(the_example_exchanges_a_provider_id_token_and_reads_the_balance);

/// The bank on `db`, trusting `issuer`; its base URL.
async fn start_bank(issuer: &str, db: &TestDatabase) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let guard = Guard::builder().issuer(issuer).audience(issuer).build().await.unwrap();
    let app = router(Ledger::open(&db.url).await.unwrap(), &guard, latchkey_bank::StepUpPolicy::default());
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
            .unwrap();
    });
    base
}

async fn the_example_exchanges_a_provider_id_token_and_reads_the_balance(db: TestDatabase) {
    let bank_db = TestDatabase::of(db.backend()).expect("the backend of the first database is available");
    let store: Arc<dyn Store> = Arc::new(db.store().await);
    let latchkey = TestLatchkey::start(store.clone(), Arc::new(SystemClock), test_config()).await.unwrap();
    let Some(upstream) = Upstream::start(&latchkey.issuer, "google").await else {
        return skip_unless_required("missing e2e/node_modules/oidc-provider (run `npm ci --prefix e2e`)");
    };
    register_provider(&latchkey, "google", &upstream.issuer, Linking::Never).await;
    let grants = [GrantType::TokenExchange, GrantType::RefreshToken];
    let spec =
        NewClient::new("Bank iOS", ClientKind::Public, &grants, Scope::parse("profile bank:read").unwrap());
    let (app, _) = latchkey.add_client(spec, SystemClock.now()).await.unwrap();
    let bank = start_bank(&latchkey.issuer, &bank_db).await;

    let mut example = tokio::process::Command::new(env!("CARGO_BIN_EXE_native-app"))
        .args(["--issuer", &latchkey.issuer, "--client-id", &app.id, "--provider", "google", "--bank", &bank])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(example.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().expect("the example printed its nonce");
    let nonce = first.strip_prefix("nonce ").expect("a nonce line").to_owned();

    let id_token = sign_in_as_native_app(&upstream.issuer, &nonce).await;
    let mut stdin = example.stdin.take().unwrap();
    stdin.write_all(format!("{id_token}\n").as_bytes()).await.unwrap();
    let mut printed = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        printed.push(line);
    }
    assert!(example.wait().await.unwrap().success(), "{printed:?}");
    assert_eq!(printed, ["signed in (a refresh token: true)", r#"balance {"balance":0}"#]);
    let users = store.list_users().await.unwrap();
    assert_eq!(users.len(), 1, "the exchange created the user");
    let identity = store.federated_identity("google", "upstream-user-1").await.unwrap().unwrap();
    assert_eq!(identity.user_id, users[0].id);
}
