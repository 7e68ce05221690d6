//! `latchkey serve [--demo] [--change-issuer]`: migrate, check the master key and the issuer
//! against the database's, load or create the keys, print how to log in, serve
//! until SIGTERM or Ctrl-C, then let in-flight requests finish and exit 0.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context as _;
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_core::token_request::Secret;
use latchkey_crypto::{random, MasterKey};
use latchkey_server::admin::{self, NewClient, UserSpec};
use latchkey_server::{instance, App};
use tokio::net::TcpListener;

use crate::cli::ServeArgs;
use crate::context::Context;

const DEMO_USER: &str = "demo";
const DEMO_CLIENT: &str = "demo-app";
const DEMO_SCOPE: &str = "profile bank:read bank:write";

struct Demo {
    /// The new demo user's password; `None` when the user existed already (a restart).
    password: Option<String>,
    client_id: String,
}

/// Creates the demo user and client when they do not exist. An existing demo user keeps its
/// password and sessions: a restart must not log out whoever is trying the demo.
async fn prepare_demo(ctx: &Context, master: &MasterKey) -> anyhow::Result<Demo> {
    let store = ctx.store.as_ref();
    let password = match store.user_by_username(DEMO_USER).await? {
        Some(_) => None,
        None => {
            let password = random::token(12)?;
            let spec = UserSpec {
                username: DEMO_USER.into(),
                email: Some("demo@example.com".into()),
                email_verified: false,
                roles: vec!["customer".into()],
            };
            let secret = Secret::new(password.clone());
            admin::add_user(store, &ctx.password_pool()?, spec, &secret, ctx.now()).await?;
            Some(password)
        }
    };
    let existing = store.list_clients().await?.into_iter().find(|c| c.name == DEMO_CLIENT);
    let client_id = match existing {
        Some(client) => client.id,
        None => {
            let grants = [GrantType::Password, GrantType::RefreshToken];
            let client = NewClient::new(DEMO_CLIENT, ClientKind::Public, &grants, Scope::parse(DEMO_SCOPE)?);
            admin::add_client(store, &latchkey_server::client_secrets(master), client, ctx.now()).await?.0.id
        }
    };
    Ok(Demo { password, client_id })
}

fn print_demo(issuer: &str, audience: &str, demo: &Demo) {
    let client_id = &demo.client_id;
    let (user_line, password) = match &demo.password {
        Some(password) => (format!("{DEMO_USER} / {password}"), password.as_str()),
        None => (
            format!(
                "{DEMO_USER} (exists already: its password and sessions are kept; \
                 `latchkey users set-password {DEMO_USER} --password-stdin` sets a new password)"
            ),
            "PASSWORD",
        ),
    };
    // A closed stdout (e.g. a supervisor that stopped reading) must not stop the server.
    let _ = writeln!(
        std::io::stdout(),
        "\nDemo user:   {user_line}\nDemo client: {client_id} (public; password and refresh_token grants)\n\n\
         1. Log in (password grant):\n   curl -s {issuer}/token -d grant_type=password -d client_id={client_id} -d username={DEMO_USER} -d password={password}\n\n\
         2. Decode and verify the access token:\n   cargo run --release -p latchkey -- token inspect --issuer {issuer} --audience {audience} ACCESS_TOKEN\n\n\
         3. Refresh (each refresh token works once; the answer carries the next one):\n   curl -s {issuer}/token -d grant_type=refresh_token -d client_id={client_id} -d refresh_token=REFRESH_TOKEN\n"
    );
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

pub async fn run(ctx: Context, args: ServeArgs) -> anyhow::Result<()> {
    ctx.config.issuer()?; // a bad issuer stops the start before anything is changed
    let master = ctx.master_key().await?;
    let demo = if args.demo { Some(prepare_demo(&ctx, &master).await?) } else { None };
    let listen = ctx.config.listen;
    let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let mut config = ctx.config.clone();
    if config.issuer.is_none() {
        // With `--listen 127.0.0.1:0` only the bound address says where we are.
        config.issuer = Some(format!("{}://{}", config.scheme(), listener.local_addr()?));
    }
    instance::bind_issuer(ctx.store.as_ref(), &config.issuer()?, args.change_issuer).await?;
    let app = App::build(config, &master, ctx.store.clone(), Arc::new(ctx.clock)).await?;
    let issuer = app.issuer().to_owned();
    let _ = writeln!(
        std::io::stdout(),
        "Latchkey is listening on {}://{} (issuer {issuer})",
        ctx.config.scheme(),
        listener.local_addr()?
    );
    let metrics = match ctx.config.metrics_listen {
        Some(addr) => {
            let metrics = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr} for metrics"))?;
            let _ =
                writeln!(std::io::stdout(), "Metrics are served on http://{}/metrics", metrics.local_addr()?);
            Some(metrics)
        }
        None => None,
    };
    let admin = match ctx.config.admin_listen {
        Some(addr) => {
            let admin = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr} for the admin API"))?;
            let _ = writeln!(
                std::io::stdout(),
                "The admin API is served on http://{}/admin/",
                admin.local_addr()?
            );
            Some(admin)
        }
        None => None,
    };
    if let Some(demo) = &demo {
        print_demo(&issuer, app.audience(), demo);
    }
    tracing::info!(listen = %listener.local_addr()?, issuer = %issuer, "listening");
    app.serve(listener, metrics, admin, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}
