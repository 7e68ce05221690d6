//! `dpop_load`: token-endpoint load with a fresh DPoP proof (RFC 9449 §4) on every request,
//! for `scripts/bench.sh` (its `dpop` part). The shared load generator (oauth-bench) cannot
//! sign proofs; this one makes its requests with the SDK's own [`OAuthClient`], so each proof
//! is the SDK's (ES256, fresh `jti` and `iat`, `htm`, `htu`) and a `use_dpop_nonce` answer is
//! retried once with the nonce, which is then cached for the origin (§8). `--bearer` sends
//! the same requests without proofs: the baseline of the same generator.
//!
//! It prints one JSON line shaped like oauth-bench's, which `scripts/bench_table.py` reads.
//! In refresh mode every worker first signs in with the password grant under its own key:
//! a DPoP-bound refresh token must be refreshed with proofs of the key it is bound to.
//!
//! `--url` is the token endpoint as the server names it (the `htu` of the proofs, compared
//! with the issuer's public URL); `--connect` reaches one process behind that URL, as a
//! proxy in front of several would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, clippy::print_stderr)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use latchkey_client::{ClientError, Credentials, DpopKey, Endpoints, OAuthClient};
use reqwest::Url;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Mode {
    /// grant_type=client_credentials
    ClientCredentials,
    /// grant_type=refresh_token, each worker chaining the rotated token it gets back
    Refresh,
}

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, value_enum)]
    mode: Mode,
    /// The token endpoint, as the server's metadata names it
    #[arg(long)]
    url: Url,
    /// HOST:PORT to connect to instead of the URL's (the proofs still name the URL)
    #[arg(long)]
    connect: Option<String>,
    #[arg(long)]
    client_id: String,
    #[arg(long)]
    client_secret: String,
    #[arg(long)]
    scope: Option<String>,
    /// Refresh mode: the user each worker signs in as first
    #[arg(long, default_value = "")]
    username: String,
    #[arg(long, default_value = "")]
    password: String,
    /// No proofs: bearer tokens, for comparison
    #[arg(long)]
    bearer: bool,
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
}

/// What one worker saw while counting: latencies of successes (µs), failures, the first error.
#[derive(Default)]
struct Tally {
    latencies: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

/// One worker's client: its own key (unless `--bearer`), and in refresh mode its first token.
async fn worker_client(args: &Args, base: &OAuthClient) -> Result<(OAuthClient, String), ClientError> {
    let client = if args.bearer { base.clone() } else { base.with_dpop(Arc::new(DpopKey::generate()?)) };
    let refresh_token = match args.mode {
        Mode::ClientCredentials => String::new(),
        Mode::Refresh => client
            .password_login(&args.username, &args.password, args.scope.as_deref())
            .await?
            .refresh_token
            .ok_or_else(|| ClientError::Config("the password grant gave no refresh token".into()))?,
    };
    Ok((client, refresh_token))
}

async fn work(args: Arc<Args>, client: OAuthClient, mut refresh_token: String, start: Instant) -> Tally {
    let warm = Duration::from_secs_f64(args.warmup);
    let end = warm + Duration::from_secs_f64(args.seconds);
    let mut tally = Tally::default();
    while start.elapsed() < end {
        let counting = start.elapsed() >= warm;
        let t0 = Instant::now();
        let result = match args.mode {
            Mode::ClientCredentials => client.client_credentials(args.scope.as_deref()).await,
            Mode::Refresh => client.refresh(&refresh_token).await,
        };
        let elapsed = u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX);
        match result {
            Ok(tokens) => {
                if let Some(next) = tokens.refresh_token {
                    refresh_token = next;
                }
                if counting {
                    tally.latencies.push(elapsed);
                }
            }
            Err(error) => {
                tally.first_error.get_or_insert_with(|| error.to_string());
                tally.errors += u64::from(counting);
            }
        }
    }
    tally
}

fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let args = Arc::new(Args::parse());
    let mut http = reqwest::Client::builder().pool_max_idle_per_host(args.concurrency * 2).tcp_nodelay(true);
    if let Some(address) = &args.connect {
        // Plain HTTP through a "proxy" is a request in absolute form: the URL stays the
        // server's public one, the connection goes to `address`.
        http = http.proxy(reqwest::Proxy::http(format!("http://{address}")).unwrap());
    }
    let endpoints = Endpoints {
        issuer: args.url.origin().ascii_serialization(),
        token: args.url.clone(),
        revocation: None,
        authorization: None,
        authorization_response_iss: false,
        jwks: None,
        end_session: None,
    };
    let credentials =
        Credentials { client_id: args.client_id.clone(), client_secret: Some(args.client_secret.clone()) };
    let base = OAuthClient::new(http.build().unwrap(), endpoints, credentials);
    let mut workers = Vec::with_capacity(args.concurrency);
    for _ in 0..args.concurrency {
        match worker_client(&args, &base).await {
            Ok(worker) => workers.push(worker),
            Err(error) => {
                eprintln!("dpop_load: cannot start a worker: {error}");
                std::process::exit(1);
            }
        }
    }
    let start = Instant::now();
    let handles: Vec<_> = workers
        .into_iter()
        .map(|(client, token)| tokio::spawn(work(args.clone(), client, token, start)))
        .collect();
    let mut all = Tally::default();
    for handle in handles {
        let tally = handle.await.unwrap();
        all.latencies.extend(tally.latencies);
        all.errors += tally.errors;
        all.first_error = all.first_error.or(tally.first_error);
    }
    all.latencies.sort_unstable();
    let ok = all.latencies.len();
    let line = serde_json::json!({
        "mode": format!("{:?}", args.mode),
        "ok": ok,
        "errors": all.errors,
        "rps": (ok as f64 / args.seconds * 10.0).round() / 10.0,
        "p50_us": quantile(&all.latencies, 0.5),
        "p99_us": quantile(&all.latencies, 0.99),
        "max_us": all.latencies.last().copied().unwrap_or(0),
        "first_error": all.first_error,
    });
    println!("{line}");
}
