//! A "native app" in a terminal (`docs/guide.md`, "Native apps"; RFC 8693): what a mobile
//! app does after the platform's own sign-in SDK (Google Sign-In, Sign in with Apple).
//!
//! 1. Asks Latchkey for a single-use nonce (`latchkey-client`'s `native_nonce`) and prints
//!    it as `nonce <value>`: the app passes it to the SDK's sign-in.
//! 2. Reads the ID token the SDK handed back from standard input (one line). Here a person
//!    or a test plays the SDK; on a phone it is the SDK's callback.
//! 3. Exchanges it once for Latchkey's tokens (`exchange_token`): the provider's token goes
//!    to Latchkey only, never to the app's API.
//! 4. Calls the bank's `GET /balance` with Latchkey's access token and prints the answer as
//!    `balance <json>`.

use std::io::BufRead;

use anyhow::Context;
use clap::Parser;
use latchkey_client::{Credentials, OAuthClient, SubjectToken};

#[derive(Parser)]
#[command(about = "A native app: exchanges a provider's ID token for Latchkey tokens and calls the bank")]
struct Args {
    /// Latchkey's issuer URL.
    #[arg(long)]
    issuer: String,
    /// The app's client id at Latchkey (a public client with the token_exchange grant).
    #[arg(long)]
    client_id: String,
    /// The provider's name at Latchkey (`latchkey providers add NAME ...`).
    #[arg(long)]
    provider: String,
    /// The bank's base URL.
    #[arg(long)]
    bank: String,
    #[arg(long, default_value = "profile bank:read")]
    scope: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::new();
    let credentials = Credentials { client_id: args.client_id.clone(), client_secret: None };
    let latchkey = OAuthClient::discover(http.clone(), &args.issuer, credentials)
        .await
        .with_context(|| format!("cannot reach Latchkey at {}", args.issuer))?;

    let nonce = latchkey.native_nonce().await.context("cannot get a nonce")?;
    println!("nonce {nonce}");
    let mut id_token = String::new();
    std::io::stdin().lock().read_line(&mut id_token).context("cannot read the ID token")?;
    let subject = SubjectToken::IdToken { id_token: id_token.trim(), nonce: &nonce };
    let tokens = latchkey
        .exchange_token(&args.provider, subject, Some(&args.scope))
        .await
        .context("the token exchange was refused")?;
    println!("signed in (a refresh token: {})", tokens.refresh_token.is_some());

    let response = http
        .get(format!("{}/balance", args.bank.trim_end_matches('/')))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .context("cannot reach the bank")?
        .error_for_status()
        .context("the bank refused the call")?;
    let balance: serde_json::Value = response.json().await.context("the bank's answer is not JSON")?;
    println!("balance {balance}");
    Ok(())
}
