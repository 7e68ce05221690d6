//! One module per subcommand.

pub mod audit;
pub mod bff;
pub mod client_update;
pub mod clients;
pub mod demo;
pub mod keys;
pub mod master_key;
pub mod providers;
pub mod serve;
pub mod sessions;
pub mod token;
pub mod users;

use std::io::{IsTerminal, Read};

use anyhow::Context;
use latchkey_core::token_request::Secret;

/// Reads a password from standard input: the first line, without its line ending. When
/// standard input is a terminal, a person is typing: ask for it, without echoing it.
pub fn read_password_stdin() -> anyhow::Result<Secret> {
    let line = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ").context("cannot read the password from the terminal")?
    } else {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .context("cannot read the password from standard input")?;
        input.lines().next().unwrap_or_default().to_owned()
    };
    anyhow::ensure!(!line.is_empty(), "no password on standard input");
    Ok(Secret::new(line))
}

/// Parses a human duration ("90s", "5m", "14days") into whole seconds.
pub fn parse_seconds(raw: &str) -> anyhow::Result<i64> {
    let duration = humantime::parse_duration(raw)
        .with_context(|| format!("{raw:?} is not a duration; write e.g. 30s, 5m, 12h or 14days"))?;
    i64::try_from(duration.as_secs()).context("duration too long")
}
