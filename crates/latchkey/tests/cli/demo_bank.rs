//! `serve --demo` as a newcomer follows it: the bank command the banner prints, run exactly
//! as printed, serves the bank's web page, and signing in there as the demo user through
//! Latchkey's hosted page lets the page move money. After a restart of `serve --demo` the
//! new banner's command works and the old secret does not. Real processes (Latchkey, the
//! bank) and real HTTP, with the scripted browser of `latchkey_bff::testing`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use latchkey_bff::testing::Browser;
use latchkey_store::on_both_backends;
use reqwest::Method;
use serde_json::{json, Value};

use crate::bff::{free_port, Killed};
use crate::commands::wait_with_timeout;
use crate::demo_banner::{serve_demo, DemoBanner};
use crate::{Env, BIN};

on_both_backends!(
    blocking;
    the_bank_command_of_the_demo_banner_serves_a_working_web_page_across_restarts,
);

/// The bank command of the banner, split as a shell would: `NAME=VALUE` assignments, then
/// `cargo run --release -p PACKAGE -- ARGS`.
struct PrintedCommand {
    env: Vec<(String, String)>,
    package: String,
    args: Vec<String>,
}

fn parse(line: &str) -> PrintedCommand {
    let (head, args) = line.split_once(" -- ").unwrap_or_else(|| panic!("no ` -- ` in {line}"));
    let words: Vec<&str> = head.split_whitespace().collect();
    let split = words.iter().position(|w| !w.contains('=')).unwrap();
    let env = words[..split]
        .iter()
        .map(|w| w.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).unwrap())
        .collect();
    let ["cargo", "run", "--release", "-p", package] = words[split..] else {
        panic!("not a `cargo run --release -p PACKAGE` command: {line}");
    };
    let args = args.split_whitespace().map(str::to_owned).collect();
    PrintedCommand { env, package: package.to_owned(), args }
}

/// The `bank` binary of `package`, built with the profile of this test's `latchkey`.
fn bank_binary(package: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let bin_dir = Path::new(BIN).parent().unwrap();
            let mut cargo = Command::new(env!("CARGO"));
            cargo
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args(["build", "-q", "-p", package, "--bin", "bank"]);
            if bin_dir.ends_with("release") {
                cargo.arg("--release");
            }
            assert!(cargo.status().unwrap().success(), "cannot build the package the banner names");
            bin_dir.join("bank")
        })
        .clone()
}

/// Starts the bank exactly as `banner` says; returns it once it listens, with its URL.
fn start_bank(env: &Env, banner: &DemoBanner) -> (Killed, String) {
    let printed = parse(&banner.bank_command);
    let mut child = Command::new(bank_binary(&printed.package))
        .args(&printed.args)
        .envs(printed.env)
        .current_dir(env.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("the bank's banner").unwrap();
    std::thread::spawn(move || lines.for_each(drop));
    let url = first.strip_prefix("bank listening on ").unwrap_or_else(|| panic!("{first}")).to_owned();
    (Killed(child), url)
}

/// Signs in on the bank's page, checks `/bff/user`, deposits 5.00 and returns the balance.
async fn sign_in_and_deposit(bank: &str, issuer: &str, password: &str, key: &str) -> i64 {
    let mut browser = Browser::new(bank, bank, issuer, "demo", password);
    browser.sign_in("/").await;
    let user = browser.api(Method::GET, "/bff/user").send().await.unwrap();
    assert_eq!(user.status(), 200, "signed in at the bank's BFF");
    let user: Value = user.json().await.unwrap();
    assert!(user["claims"]["sub"].is_string(), "{user}");
    let deposit = browser
        .api(Method::POST, "/api/deposit")
        .header("idempotency-key", key)
        .json(&json!({ "amount": 500 }))
        .send()
        .await
        .unwrap();
    assert_eq!(deposit.status(), 200, "{}", deposit.text().await.unwrap());
    let balance: Value = browser.api(Method::GET, "/api/balance").send().await.unwrap().json().await.unwrap();
    balance["balance"].as_i64().unwrap_or_else(|| panic!("{balance}"))
}

/// The status of a token request authenticated with the bank web client's printed secret.
fn client_auth_status(banner: &DemoBanner) -> u16 {
    let printed = parse(&banner.bank_command);
    let secret = &printed.env.iter().find(|(k, _)| k == "BANK_WEB_CLIENT_SECRET").unwrap().1;
    let id = printed.args.iter().skip_while(|a| *a != "--web-client-id").nth(1).unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", "not-a-token")];
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/token", banner.issuer))
        .basic_auth(id, Some(secret))
        .form(&form)
        .send()
        .unwrap();
    response.status().as_u16()
}

fn the_bank_command_of_the_demo_banner_serves_a_working_web_page_across_restarts(env: Env) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let bank_port = free_port();
    let bank_port_arg = bank_port.to_string();
    let (mut first, banner) =
        serve_demo(&env, &["--listen", "127.0.0.1:0", "--demo-bank-port", &bank_port_arg]);
    let password = banner.password().expect("a new demo user's password").to_owned();
    let (bank, url) = start_bank(&env, &banner);
    assert_eq!(url, format!("http://127.0.0.1:{bank_port}"));
    let balance = runtime.block_on(sign_in_and_deposit(&url, &banner.issuer, &password, "first"));
    assert_eq!(balance, 500);
    drop(bank);
    first.kill().unwrap();
    wait_with_timeout(&mut first, Duration::from_secs(10));

    // The restart listens where the first process did: the same issuer.
    let listen = banner.issuer.trim_start_matches("http://");
    let (mut second, again) = serve_demo(&env, &["--listen", listen, "--demo-bank-port", &bank_port_arg]);
    assert_eq!(again.password(), None, "the demo password is kept: {}", again.user);
    assert_ne!(again.bank_command, banner.bank_command, "a new secret");
    assert_eq!(client_auth_status(&banner), 401, "the old secret stopped working");
    assert_eq!(client_auth_status(&again), 400, "the new secret authenticates (the token is bad)");
    let (_bank, url) = start_bank(&env, &again);
    let balance = runtime.block_on(sign_in_and_deposit(&url, &again.issuer, &password, "second"));
    assert_eq!(balance, 1000, "the bank's ledger kept the first deposit");
    second.kill().unwrap();
    wait_with_timeout(&mut second, Duration::from_secs(10));
}
