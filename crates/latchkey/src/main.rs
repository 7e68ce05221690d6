//! `latchkey`: the server binary and its administration commands.

mod cli;
mod commands;
mod context;
mod log_line;
mod log_writer;
mod output;
mod remote;
mod settings;
mod target;

use std::io::IsTerminal;

use clap::FromArgMatches;
use latchkey_server::LogFormat;
use tracing_subscriber::EnvFilter;

use cli::{Cli, Command};
use context::Context;
use target::Target;

/// Logs go to stderr (stdout is for results and `--json`); `RUST_LOG` or `LATCHKEY_LOG` picks
/// the level, `info` by default. Text lines are laid out by `log_line.rs` and written in
/// batches by a thread of their own (`log_writer.rs`): hold the returned guard until the
/// command ends, it writes the last ones.
fn init_logging(format: LogFormat) -> log_writer::Flushed {
    let filter = std::env::var("LATCHKEY_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("info,sqlx=warn"));
    // Colours only for a person at a terminal: not in a log file or a pipe.
    let (writer, flushed) = log_writer::batched_stderr();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.fmt_fields(log_line::Fields).event_format(log_line::Line).init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
    flushed
}

/// The database, or the admin API of `--server`.
async fn target(config: latchkey_server::Config, global: &cli::GlobalArgs) -> anyhow::Result<Target> {
    Target::open(config, global.server.as_deref()).await
}

async fn run(matches: clap::ArgMatches) -> anyhow::Result<()> {
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let Command::Bff(args) = cli.command {
        // The BFF has settings of its own (`--config` names a BFF file); only the database
        // URL flag is shared, and only when given on the command line.
        let _flushed = init_logging(LogFormat::Text);
        let database_url = matches.subcommand_matches("bff").and_then(|m| {
            let given = m.value_source("database_url") == Some(clap::parser::ValueSource::CommandLine);
            given.then(|| m.get_one::<String>("database_url").cloned()).flatten()
        });
        return commands::bff::run(args, cli.global.config.as_deref(), database_url).await;
    }
    let config = settings::load(&matches, cli.global.config.as_deref())?;
    let _flushed = init_logging(config.log_format);
    match cli.command {
        Command::Serve(args) => commands::serve::run(Context::open(config).await?, args).await,
        Command::Migrate => {
            Context::open(config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Users(command) => commands::users::run(&target(config, &cli.global).await?, command).await,
        Command::Clients(command) => {
            commands::clients::run(&target(config, &cli.global).await?, command).await
        }
        Command::Providers(command) => {
            commands::providers::run(&target(config, &cli.global).await?, command).await
        }
        Command::Sessions(command) => {
            commands::sessions::run(&target(config, &cli.global).await?, command).await
        }
        Command::MasterKey(cli::MasterKeyCommand::Generate) => commands::master_key::generate(),
        Command::Keys(command) => commands::keys::run(&target(config, &cli.global).await?, command).await,
        Command::Audit(command) => commands::audit::run(&target(config, &cli.global).await?, command).await,
        Command::Bff(_) => anyhow::bail!("latchkey bff is dispatched before the server settings are read"),
        Command::Token(command) => {
            let needs_store = matches!(&command, cli::TokenCommand::Inspect { jwks: None, .. });
            let ctx = if needs_store { Some(Context::open(config).await?) } else { None };
            commands::token::run(ctx.as_ref(), command).await
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(settings::command().get_matches()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
