//! `latchkey serve [--demo] [--change-issuer]`: migrate, check the master key and the issuer
//! against the database's, load or create the keys, print how to log in, serve
//! until SIGTERM or Ctrl-C, then let in-flight requests finish and exit 0.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context as _;
use latchkey_server::{instance, App};
use tokio::net::TcpListener;

use crate::cli::ServeArgs;
use crate::commands::demo;
use crate::context::Context;

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
    let demo = if args.demo { Some(demo::prepare(&ctx, &master).await?) } else { None };
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
        demo::print(&issuer, app.audience(), args.demo_bank_port, demo);
    }
    tracing::info!(listen = %listener.local_addr()?, issuer = %issuer, "listening");
    app.serve(listener, metrics, admin, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}
