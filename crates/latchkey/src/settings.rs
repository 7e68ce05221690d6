//! Layered configuration: defaults < `latchkey.toml` (or `--config FILE`) < `LATCHKEY_*`
//! environment variables < flags. Every layer speaks the keys of the one
//! [`latchkey_server::Config`] struct: its clap derive gives the flags and their help, its
//! serde derive the file keys; this module only adds the environment names, shows the
//! defaults in `--help`, and stacks the layers with figment. Unknown keys in the file or the
//! environment are an error naming the key.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use latchkey_server::Config;

use crate::cli::Cli;

/// The configuration file read when `--config` is not given and it exists.
const DEFAULT_CONFIG_FILE: &str = "latchkey.toml";

/// Prefix of the environment variable of each setting: `LATCHKEY_` + the key upper-cased.
const ENV_PREFIX: &str = "LATCHKEY_";

/// `LATCHKEY_*` variables that are not configuration keys.
const NON_CONFIG_ENV: &[&str] = &[
    "MASTER_KEY",
    "TEST_POSTGRES_URL",
    "TEST_E2E",
    "TEST_SKIP_LOG",
    "LOG",
    // `--server` and its credentials (crate::remote): the CLI's, not the server's.
    "SERVER",
    "ADMIN_CLIENT_ID",
    "ADMIN_CLIENT_SECRET",
    "ADMIN_URL",
];

/// Every setting of [`Config`] as a flag, with its environment variable and default shown in
/// the help. Settings that say where the database is are global (every subcommand opens it).
fn setting_args() -> Vec<clap::Arg> {
    let defaults = serde_json::to_value(Config::default()).unwrap_or_default();
    Config::augment_args(clap::Command::new("settings"))
        .get_arguments()
        .map(|arg| {
            let key = arg.get_id().as_str().to_owned();
            let arg = arg.clone().required(false).env(format!("{ENV_PREFIX}{}", key.to_uppercase()));
            match defaults.get(&key) {
                Some(serde_json::Value::String(value)) => arg.default_value(value.clone()),
                Some(serde_json::Value::Number(value)) => arg.default_value(value.to_string()),
                _ => arg,
            }
            // Shown in `--help` otherwise, and a database URL may carry a password.
            .hide_env_values(true)
        })
        .collect()
}

/// The whole command line: [`Cli`] plus the settings, the global ones on every subcommand
/// and the others on `serve`.
pub fn command() -> clap::Command {
    let (global, serve): (Vec<_>, Vec<_>) = setting_args().into_iter().partition(clap::Arg::is_global_set);
    let global = global.into_iter().map(|arg| arg.help_heading("Settings"));
    let serve = serve.into_iter().map(|arg| arg.help_heading("Server settings"));
    Cli::command().args(global).mut_subcommand("serve", |command| command.args(serve))
}

/// The flags given on the command line, as a figment layer named after its origin (so an
/// error never points at this source file).
struct FlagLayer(Dict);

impl FlagLayer {
    /// The settings typed on the command line (not their defaults nor environment values,
    /// which have layers of their own), read from the innermost subcommand: clap copies
    /// global flags there wherever they were written.
    fn new(matches: &ArgMatches) -> anyhow::Result<Self> {
        let mut leaf = matches;
        while let Some((_, inner)) = leaf.subcommand() {
            leaf = inner;
        }
        let keys: Vec<String> = setting_args().iter().map(|arg| arg.get_id().as_str().to_owned()).collect();
        let mut dict = Dict::new();
        for id in leaf.ids().filter(|id| keys.iter().any(|key| key == id.as_str())) {
            if leaf.value_source(id.as_str()) != Some(ValueSource::CommandLine) {
                continue;
            }
            let Some(raw) = leaf.get_raw(id.as_str()).and_then(|mut values| values.next()) else { continue };
            let Some(value) = raw.to_str() else {
                bail!("the value of --{} is not UTF-8", id.as_str().replace('_', "-"))
            };
            dict.insert(id.as_str().to_owned(), flag_value(value));
        }
        Ok(Self(dict))
    }
}

/// A flag's text as a figment value: numbers and booleans typed, as the environment layer
/// reads them (`--lockout-after-failures 5` is a number); anything else stays text.
fn flag_value(text: &str) -> Value {
    match text.parse::<Value>() {
        Ok(parsed @ (Value::Num(..) | Value::Bool(..))) => parsed,
        _ => Value::from(text.to_owned()),
    }
}

impl Provider for FlagLayer {
    fn metadata(&self) -> Metadata {
        Metadata::named("command-line flags")
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        Ok(Map::from([(Profile::Default, self.0.clone())]))
    }
}

fn config_file(explicit: Option<&Path>) -> anyhow::Result<Option<PathBuf>> {
    match explicit {
        Some(path) if path.is_file() => Ok(Some(path.to_owned())),
        Some(path) => bail!("the configuration file {} does not exist", path.display()),
        None if Path::new(DEFAULT_CONFIG_FILE).is_file() => Ok(Some(PathBuf::from(DEFAULT_CONFIG_FILE))),
        None => Ok(None),
    }
}

/// Resolves the configuration from every layer.
pub fn load(matches: &ArgMatches, explicit_file: Option<&Path>) -> anyhow::Result<Config> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    if let Some(file) = config_file(explicit_file)? {
        figment = figment.merge(Toml::file_exact(file));
    }
    figment = figment.merge(Env::prefixed(ENV_PREFIX).ignore(NON_CONFIG_ENV)).merge(FlagLayer::new(matches)?);
    figment.extract::<Config>().map_err(|e| anyhow::anyhow!(describe(e))).context("invalid configuration")
}

/// figment's errors, one line each, naming the key and where it came from.
fn describe(error: figment::Error) -> String {
    error.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use clap::FromArgMatches;
    use std::time::Duration;

    fn load_args(args: &[&str]) -> anyhow::Result<Config> {
        let matches = command().try_get_matches_from(args)?;
        let cli = Cli::from_arg_matches(&matches)?;
        load(&matches, cli.global.config.as_deref())
    }

    #[test]
    fn command_line_is_well_formed() {
        command().debug_assert();
    }

    #[test]
    fn file_overrides_defaults_and_flags_override_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("l.toml");
        std::fs::write(&file, "access_token_ttl = \"10m\"\nissuer = \"https://file.example\"\n").unwrap();
        let file = file.to_str().unwrap();
        let config =
            load_args(&["latchkey", "--config", file, "serve", "--issuer", "https://flag.example"]).unwrap();
        assert_eq!(config.access_token_ttl, Duration::from_secs(600));
        assert_eq!(config.issuer().unwrap().as_str(), "https://flag.example");
    }

    #[test]
    fn numeric_flags_are_numbers() {
        let config =
            load_args(&["latchkey", "serve", "--lockout-after-failures", "4", "--argon2-memory-kib", "2048"])
                .unwrap();
        assert_eq!((config.lockout_after_failures, config.argon2_memory_kib), (4, 2048));
    }

    #[test]
    fn global_settings_apply_before_and_after_the_subcommand() {
        let before = load_args(&["latchkey", "--data-dir", "/tmp/a", "users", "list"]).unwrap();
        assert_eq!(before.data_dir, PathBuf::from("/tmp/a"));
        let after = load_args(&["latchkey", "users", "list", "--log-format", "json"]).unwrap();
        assert_eq!(after.log_format, latchkey_server::LogFormat::Json);
        assert_eq!(after.listen, Config::default().listen, "an unset flag keeps the default");
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("l.toml");
        std::fs::write(&file, "acess_token_ttl = \"10m\"\n").unwrap();
        let error = format!(
            "{:#}",
            load_args(&["latchkey", "--config", file.to_str().unwrap(), "migrate"]).unwrap_err()
        );
        assert!(error.contains("acess_token_ttl"), "{error}");
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let error =
            load_args(&["latchkey", "--config", "/nonexistent/latchkey.toml", "migrate"]).unwrap_err();
        assert!(error.to_string().contains("does not exist"));
    }

    #[test]
    fn help_shows_each_default_and_environment_variable() {
        let help = command().find_subcommand_mut("serve").unwrap().render_long_help().to_string();
        for shown in
            ["[default: 5m]", "[default: 90days]", "[default: 127.0.0.1:8080]", "LATCHKEY_ACCESS_TOKEN_TTL"]
        {
            assert!(help.contains(shown), "{shown} missing from:\n{help}");
        }
    }
}
