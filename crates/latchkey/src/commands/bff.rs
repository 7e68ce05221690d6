//! `latchkey bff`: the Backend-for-Frontend as a reverse proxy in front of APIs in any
//! language (see `latchkey-bff`). Settings: defaults < `--config bff.toml` < flags; the
//! client secret from `--client-secret-stdin` or `LATCHKEY_BFF_CLIENT_SECRET` (never from the
//! file or a flag: both end up in shell histories and process listings); the session key
//! from `LATCHKEY_BFF_SESSION_KEY` (base64url of 32 bytes, e.g. from `latchkey master-key
//! generate`), which every process sharing a session database must have.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use latchkey_bff::{ApiRoute, Bff, BffConfig};
use latchkey_crypto::MasterKey;
use serde::Deserialize;
use tower_http::services::ServeDir;

use super::{parse_seconds, read_password_stdin};

const SECRET_VAR: &str = "LATCHKEY_BFF_CLIENT_SECRET";
const SESSION_KEY_VAR: &str = "LATCHKEY_BFF_SESSION_KEY";

/// `latchkey bff`'s flags; each but the secret has the same key in the `--config` file
/// (`routes` there is a list).
#[derive(Args, Clone, Default)]
pub struct BffArgs {
    /// Latchkey's issuer URL
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// The BFF's client id at Latchkey (a confidential client with the authorization_code and
    /// refresh_token grants, redirect URI <public-url>/bff/callback)
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Read the client secret from the first line of standard input (else
    /// LATCHKEY_BFF_CLIENT_SECRET)
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// Address to listen on [default: 127.0.0.1:8081]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Where browsers reach the BFF (the app's origin)
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// A proxied API, PREFIX=URL (repeatable), e.g. /api=http://127.0.0.1:9000
    #[arg(long = "route", value_name = "PREFIX=URL")]
    pub routes: Vec<String>,
    /// Scope asked for at sign-in [default: openid profile]
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    /// Where Latchkey's logout sends the browser back [default: <public-url>/]
    #[arg(long, value_name = "URI")]
    pub post_logout_redirect_uri: Option<String>,
    /// Sessions unused this long end [default: 8h]
    #[arg(long, value_name = "DURATION")]
    pub session_idle: Option<String>,
    /// Sessions end this long after sign-in [default: 24h]
    #[arg(long, value_name = "DURATION")]
    pub session_absolute: Option<String>,
    /// Serve the files of DIR (the single-page app) at every path the BFF's own routes and the
    /// proxied prefixes leave free, so the page shares the BFF's origin
    #[arg(long = "static", value_name = "DIR")]
    pub static_dir: Option<PathBuf>,
}

/// The `--config` file: the flags' keys.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct BffFile {
    issuer: Option<String>,
    client_id: Option<String>,
    listen: Option<SocketAddr>,
    public_url: Option<String>,
    #[serde(default)]
    routes: Vec<String>,
    database_url: Option<String>,
    scope: Option<String>,
    post_logout_redirect_uri: Option<String>,
    session_idle: Option<String>,
    session_absolute: Option<String>,
    #[serde(rename = "static")]
    static_dir: Option<PathBuf>,
}

fn seconds(raw: Option<String>, default: u64) -> anyhow::Result<Duration> {
    match raw {
        Some(raw) => Ok(Duration::from_secs(u64::try_from(parse_seconds(&raw)?).unwrap_or(0))),
        None => Ok(Duration::from_secs(default)),
    }
}

fn client_secret(args: &BffArgs) -> anyhow::Result<String> {
    if args.client_secret_stdin {
        return Ok(read_password_stdin()?.expose().to_owned());
    }
    match std::env::var(SECRET_VAR) {
        Ok(secret) if !secret.is_empty() => Ok(secret),
        _ => bail!("the client secret is required: --client-secret-stdin or {SECRET_VAR}"),
    }
}

fn session_key() -> anyhow::Result<MasterKey> {
    match std::env::var(SESSION_KEY_VAR) {
        Ok(encoded) => MasterKey::from_base64(&encoded).context(SESSION_KEY_VAR),
        Err(_) => {
            tracing::warn!(
                "{SESSION_KEY_VAR} is not set: a random session key is used, so sessions end when this process \
                 stops and no other process can share them"
            );
            Ok(MasterKey::generate()?)
        }
    }
}

/// `database_url` is the global `--database-url` flag (the server's setting), read only when
/// given on this command line.
pub async fn run(
    args: BffArgs,
    config_file: Option<&Path>,
    database_url: Option<String>,
) -> anyhow::Result<()> {
    let file: BffFile = match config_file {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            toml::from_str(&text)
                .with_context(|| format!("{} is not a valid BFF configuration", path.display()))?
        }
        None => BffFile::default(),
    };
    let issuer = args.issuer.clone().or(file.issuer).context("--issuer is required")?;
    let client_id = args.client_id.clone().or(file.client_id).context("--client-id is required")?;
    let public_url = args.public_url.clone().or(file.public_url).context("--public-url is required")?;
    let public_url =
        public_url.parse().with_context(|| format!("--public-url {public_url:?} is not a URL"))?;
    let mut config = BffConfig::new(&issuer, &client_id, &client_secret(&args)?, public_url);
    let routes = if args.routes.is_empty() { file.routes } else { args.routes.clone() };
    config.routes =
        routes.iter().map(|r| ApiRoute::parse(r)).collect::<Result<_, _>>().map_err(anyhow::Error::msg)?;
    if let Some(scope) = args.scope.clone().or(file.scope) {
        config.scope = scope;
    }
    config.post_logout_redirect_uri = args.post_logout_redirect_uri.clone().or(file.post_logout_redirect_uri);
    config.session_idle = seconds(args.session_idle.clone().or(file.session_idle), 8 * 3600)?;
    config.session_absolute = seconds(args.session_absolute.clone().or(file.session_absolute), 24 * 3600)?;
    let database_url = database_url.or(file.database_url).unwrap_or_else(|| "sqlite::memory:".into());
    let listen = args.listen.or(file.listen).unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8081)));

    let static_dir = args.static_dir.clone().or(file.static_dir);
    if let Some(dir) = &static_dir {
        anyhow::ensure!(dir.is_dir(), "--static {} is not a directory", dir.display());
    }

    let bff = Bff::new(config, &database_url, session_key()?).await?;
    let app = match static_dir {
        // Only what the routes leave free: `/bff/...` and the API prefixes stay the BFF's.
        Some(dir) => bff.router().fallback_service(ServeDir::new(dir)),
        None => bff.router(),
    };
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    println!(
        "Latchkey BFF is listening on http://{} (public URL {})",
        listener.local_addr()?,
        bff.config().origin()
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
