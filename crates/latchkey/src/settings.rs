//! Layered configuration: defaults < `latchkey.toml` (or `--config FILE`) < `LATCHKEY_*`
//! environment variables < flags. Unknown keys in any layer are an error naming the key.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use latchkey_server::Config;
use serde::Serialize;

use crate::cli::{GlobalArgs, LogFormatArg, ServeArgs};

/// The configuration file read when `--config` is not given and it exists.
const DEFAULT_CONFIG_FILE: &str = "latchkey.toml";

/// `LATCHKEY_*` variables that are not configuration keys.
const NON_CONFIG_ENV: &[&str] = &["MASTER_KEY", "TEST_POSTGRES_URL", "TEST_E2E", "LOG"];

/// Flags, as a layer: only the ones given are serialized.
#[derive(Serialize, Default)]
struct FlagLayer {
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audience: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token_ttl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_idle_ttl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_absolute_ttl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_reuse_window: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token_algorithm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    argon2_memory_kib: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    argon2_iterations: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    argon2_parallelism: Option<u32>,
}

impl FlagLayer {
    fn new(global: &GlobalArgs, serve: Option<&ServeArgs>) -> Self {
        let serve = serve.cloned().unwrap_or_default();
        Self {
            data_dir: global.data_dir.clone(),
            database_url: global.database_url.clone(),
            log_format: global.log_format.map(|f| match f {
                LogFormatArg::Text => "text",
                LogFormatArg::Json => "json",
            }),
            listen: serve.listen,
            issuer: serve.issuer,
            audience: serve.audience,
            access_token_ttl: serve.access_token_ttl,
            refresh_idle_ttl: serve.refresh_idle_ttl,
            refresh_absolute_ttl: serve.refresh_absolute_ttl,
            refresh_reuse_window: serve.refresh_reuse_window,
            access_token_algorithm: serve.access_token_algorithm,
            argon2_memory_kib: serve.argon2_memory_kib,
            argon2_iterations: serve.argon2_iterations,
            argon2_parallelism: serve.argon2_parallelism,
        }
    }
}

fn config_file(global: &GlobalArgs) -> anyhow::Result<Option<PathBuf>> {
    match &global.config {
        Some(path) if path.is_file() => Ok(Some(path.clone())),
        Some(path) => bail!("the configuration file {} does not exist", path.display()),
        None if Path::new(DEFAULT_CONFIG_FILE).is_file() => Ok(Some(PathBuf::from(DEFAULT_CONFIG_FILE))),
        None => Ok(None),
    }
}

/// Resolves the configuration from every layer.
pub fn load(global: &GlobalArgs, serve: Option<&ServeArgs>) -> anyhow::Result<Config> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    if let Some(file) = config_file(global)? {
        figment = figment.merge(Toml::file_exact(file));
    }
    figment = figment
        .merge(Env::prefixed("LATCHKEY_").ignore(NON_CONFIG_ENV))
        .merge(Serialized::defaults(FlagLayer::new(global, serve)));
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
    use std::time::Duration;

    fn global_with(file: &Path) -> GlobalArgs {
        GlobalArgs { config: Some(file.to_owned()), ..GlobalArgs::default() }
    }

    #[test]
    fn file_overrides_defaults_and_flags_override_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("l.toml");
        std::fs::write(&file, "access_token_ttl = \"10m\"\nissuer = \"https://file.example\"\n").unwrap();
        let serve = ServeArgs { issuer: Some("https://flag.example".into()), ..ServeArgs::default() };
        let config = load(&global_with(&file), Some(&serve)).unwrap();
        assert_eq!(config.access_token_ttl, Duration::from_secs(600));
        assert_eq!(config.issuer().unwrap().as_str(), "https://flag.example");
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("l.toml");
        std::fs::write(&file, "acess_token_ttl = \"10m\"\n").unwrap();
        let error = format!("{:#}", load(&global_with(&file), None).unwrap_err());
        assert!(error.contains("acess_token_ttl"), "{error}");
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let error = load(&global_with(Path::new("/nonexistent/latchkey.toml")), None).unwrap_err();
        assert!(error.to_string().contains("does not exist"));
    }
}
