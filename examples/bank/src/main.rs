//! `bank`: runs the example bank API against a running Latchkey.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use latchkey_bank::{router, step_up, web, Ledger, StepUpPolicy};
use latchkey_bff::{Bff, BffConfig};
use latchkey_crypto::MasterKey;
use latchkey_guard::{AuthenticationRequirement, Guard};

#[derive(Parser)]
#[command(about = "The Latchkey example bank: an API protected by latchkey-guard")]
struct Args {
    /// Latchkey's issuer URL (its metadata and JWKS are found from it)
    #[arg(long, env = "BANK_ISSUER", default_value = "http://127.0.0.1:8080")]
    issuer: String,
    /// The audience access tokens must carry [default: the issuer]
    #[arg(long, env = "BANK_AUDIENCE")]
    audience: Option<String>,
    /// Address to listen on
    #[arg(long, env = "BANK_LISTEN", default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// The bank's public URL: where browsers reach it, and what DPoP proofs name (RFC 9449
    /// §7) [default: http://<listen>]
    #[arg(long, env = "BANK_PUBLIC_URL")]
    public_url: Option<String>,
    /// sqlite://FILE or postgres://...
    #[arg(long, env = "BANK_DATABASE_URL", default_value = "sqlite://bank.db")]
    database_url: String,
    /// Confidential client for Latchkey's revocation feed (optional)
    #[arg(long, env = "BANK_FEED_CLIENT_ID", requires = "feed_client_secret")]
    feed_client_id: Option<String>,
    /// Its secret
    #[arg(long, env = "BANK_FEED_CLIENT_SECRET")]
    feed_client_secret: Option<String>,
    /// How often to poll the revocation feed
    #[arg(long, default_value = "2s", value_parser = humantime::parse_duration)]
    feed_interval: Duration,
    /// Serve the web front end as this Latchkey client (confidential, grants
    /// authorization_code and refresh_token, scope "openid profile bank:read bank:write",
    /// redirect URI <public-url>/bff/callback)
    #[arg(long, env = "BANK_WEB_CLIENT_ID", requires_all = ["web_client_secret", "public_url"])]
    web_client_id: Option<String>,
    /// Its secret
    #[arg(long, env = "BANK_WEB_CLIENT_SECRET", hide_env_values = true)]
    web_client_secret: Option<String>,
    /// Transfers of more than this many minor units (cents) need a step-up sign-in (RFC 9470)
    #[arg(long, env = "BANK_STEP_UP_ABOVE", default_value_t = step_up::DEFAULT_ABOVE)]
    step_up_above: i64,
    /// How recent that sign-in must be
    #[arg(long, env = "BANK_STEP_UP_MAX_AGE", default_value = "5m", value_parser = humantime::parse_duration)]
    step_up_max_age: Duration,
    /// The `acr` values (one of which) that sign-in must carry: by default Latchkey's
    /// multi-factor class (match the server's `acr_multi_factor`); "" for any (age only)
    #[arg(long, env = "BANK_STEP_UP_ACR", value_delimiter = ',', default_value = step_up::DEFAULT_ACR)]
    step_up_acr: Vec<String>,
    /// Where the web sessions are kept (the BFF's own tables, apart from the ledger)
    #[arg(long, env = "BANK_WEB_SESSION_DATABASE_URL", default_value = "sqlite::memory:")]
    web_session_database_url: String,
}

/// Which transfers need which sign-in.
fn step_up_policy(args: &Args) -> StepUpPolicy {
    let max_age = i64::try_from(args.step_up_max_age.as_secs()).unwrap_or(i64::MAX);
    let acr_values = args.step_up_acr.iter().filter(|acr| !acr.is_empty()).cloned().collect();
    let requirement = AuthenticationRequirement { acr_values, max_age: Some(max_age) };
    StepUpPolicy { above: args.step_up_above, requirement }
}

/// The API alone, or with the web front end behind the embedded BFF.
async fn app(args: &Args, ledger: Ledger, guard: &Guard) -> anyhow::Result<axum::Router> {
    let (Some(client_id), Some(secret), Some(public_url)) =
        (&args.web_client_id, &args.web_client_secret, &args.public_url)
    else {
        return Ok(router(ledger, guard, step_up_policy(args)));
    };
    let mut config =
        BffConfig::new(&args.issuer, client_id, secret, public_url.parse().context("--public-url")?);
    config.scope = "openid profile bank:read bank:write".into();
    config.embedded_prefixes = vec![web::API_PREFIX.into()];
    // One process: a key of its own; sessions end when it stops.
    let bff = Bff::new(config, &args.web_session_database_url, MasterKey::generate()?).await?;
    Ok(web::app(ledger, guard, step_up_policy(args), &bff))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").with_writer(std::io::stderr).init();
    let args = Args::parse();
    let audience = args.audience.clone().unwrap_or_else(|| args.issuer.clone());
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{}", args.listen));
    let mut builder =
        Guard::builder().issuer(&args.issuer).audience(audience).public_paths(["/healthz"]).dpop(public_url);
    if let (Some(id), Some(secret)) = (&args.feed_client_id, &args.feed_client_secret) {
        builder = builder.revocation_feed(id, secret, args.feed_interval);
    }
    let guard = builder.build().await.with_context(|| format!("cannot reach Latchkey at {}", args.issuer))?;
    let ledger = Ledger::open(&args.database_url).await.context("cannot open the bank database")?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!("bank listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app(&args, ledger, &guard).await?)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
