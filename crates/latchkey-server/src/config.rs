//! Server configuration: every setting with its default. The binary layers `latchkey.toml`,
//! `LATCHKEY_*` environment variables and flags over these defaults (figment); unknown keys
//! are refused by name thanks to `deny_unknown_fields`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use latchkey_crypto::{Algorithm, Argon2Params};
use serde::{Deserialize, Serialize};

use crate::issuer::{Issuer, IssuerError};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// All settings of a Latchkey server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The `iss` of every token and the base of every advertised URL. Defaults to
    /// `http://<listen>`.
    pub issuer: Option<String>,
    /// Directory for the SQLite database and the master-key file.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`. Defaults to `sqlite://<data_dir>/latchkey.db`.
    pub database_url: Option<String>,
    /// Default access-token lifetime (per-client override).
    #[serde(with = "humantime_serde")]
    pub access_token_ttl: Duration,
    /// Default refresh idle timeout: a session unused this long ends (per-client override).
    #[serde(with = "humantime_serde")]
    pub refresh_idle_ttl: Duration,
    /// Default absolute session lifetime, counted from login; refreshing never extends it.
    #[serde(with = "humantime_serde")]
    pub refresh_absolute_ttl: Duration,
    /// How long a rotated refresh token still gets the same successor when presented again
    /// (concurrent duplicates); 0 turns the grace off.
    #[serde(with = "humantime_serde")]
    pub refresh_reuse_window: Duration,
    /// Signature algorithm of access tokens.
    pub access_token_algorithm: Algorithm,
    /// `aud` of access tokens. Defaults to the issuer.
    pub audience: Option<String>,
    /// Argon2id memory cost in KiB.
    pub argon2_memory_kib: u32,
    /// Argon2id iterations.
    pub argon2_iterations: u32,
    /// Argon2id lanes.
    pub argon2_parallelism: u32,
    /// `text` or `json`.
    pub log_format: LogFormat,
}

impl Default for Config {
    fn default() -> Self {
        let argon2 = Argon2Params::default();
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            issuer: None,
            data_dir: PathBuf::from("latchkey-data"),
            database_url: None,
            access_token_ttl: Duration::from_secs(300),
            refresh_idle_ttl: Duration::from_secs(14 * 24 * 3600),
            refresh_absolute_ttl: Duration::from_secs(90 * 24 * 3600),
            refresh_reuse_window: Duration::from_secs(10),
            access_token_algorithm: Algorithm::ES256,
            audience: None,
            argon2_memory_kib: argon2.memory_kib,
            argon2_iterations: argon2.iterations,
            argon2_parallelism: argon2.parallelism,
            log_format: LogFormat::Text,
        }
    }
}

impl Config {
    /// The issuer, validated and normalized ([`Issuer::parse`]): a startup error otherwise.
    pub fn issuer(&self) -> Result<Issuer, IssuerError> {
        match &self.issuer {
            Some(issuer) => Issuer::parse(issuer),
            None => Issuer::parse(&format!("http://{}", self.listen)),
        }
    }

    /// The database URL, defaulting to a SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("latchkey.db").display()),
        }
    }

    pub fn audience(&self) -> Result<String, IssuerError> {
        match &self.audience {
            Some(audience) => Ok(audience.clone()),
            None => Ok(self.issuer()?.to_string()),
        }
    }

    pub fn argon2_params(&self) -> Argon2Params {
        Argon2Params {
            memory_kib: self.argon2_memory_kib,
            iterations: self.argon2_iterations,
            parallelism: self.argon2_parallelism,
        }
    }
}
