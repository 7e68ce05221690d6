//! Server configuration: every setting once, with its default, its documentation and its
//! names. The one [`Config`] struct is at the same time
//! - the `latchkey.toml` schema (serde; unknown keys are refused by name with
//!   `deny_unknown_fields`),
//! - the `LATCHKEY_<KEY>` environment variables (the key upper-cased),
//! - the command-line flags `--<key>` and their `--help` text (clap derive; the doc comment of
//!   each field is its help, the [`Default`] value its `[default: ...]`).
//!
//! The binary layers them: defaults < file < environment < flags. Settings marked
//! `global = true` apply to every subcommand (they say where the database is); the others
//! are flags of `latchkey serve`.

mod duration;
mod networks;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use latchkey_crypto::{Algorithm, Argon2Params};
use serde::{Deserialize, Serialize};

use crate::issuer::{Issuer, IssuerError};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// All settings of a Latchkey server.
#[derive(Debug, Clone, Serialize, Deserialize, clap::Args)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on
    #[arg(long, value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Issuer URL: the `iss` of every token and the base of every advertised URL
    /// [default: http://<listen>]
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// Directory for the SQLite database and the master-key file
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: PathBuf,
    /// sqlite://PATH or postgres://USER@HOST/DB [default: sqlite://<data-dir>/latchkey.db]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Access-token lifetime (each client may override it)
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub access_token_ttl: Duration,
    /// Refresh idle timeout: a session unused this long ends (each client may override it)
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub refresh_idle_ttl: Duration,
    /// Absolute session lifetime, counted from login; refreshing never extends it
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub refresh_absolute_ttl: Duration,
    /// Grace period in which a rotated refresh token presented again (a concurrent
    /// duplicate) gets the same successor instead of ending the session; 0s turns it off
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub refresh_reuse_window: Duration,
    /// Access-token signature algorithm: ES256, EdDSA or RS256
    #[arg(long, value_name = "ALG")]
    pub access_token_algorithm: Algorithm,
    /// `aud` of access tokens [default: the issuer]
    #[arg(long, value_name = "AUD")]
    pub audience: Option<String>,
    /// Argon2id memory cost in KiB
    #[arg(long, value_name = "KIB")]
    pub argon2_memory_kib: u32,
    /// Argon2id iterations
    #[arg(long, value_name = "N")]
    pub argon2_iterations: u32,
    /// Argon2id parallelism (lanes)
    #[arg(long, value_name = "N")]
    pub argon2_parallelism: u32,
    /// Log format
    #[arg(long, global = true, value_enum)]
    pub log_format: LogFormat,
    /// Reverse proxies (IPs or CIDRs, comma-separated) whose `Forwarded` / `X-Forwarded-For`
    /// is believed: behind them the client IP is the right-most untrusted hop
    #[arg(long, value_name = "CIDR", value_delimiter = ',', value_parser = networks::parse)]
    #[serde(with = "networks")]
    pub trusted_proxies: Vec<IpNet>,
    /// Consecutive wrong passwords after which an account is locked until `latchkey users
    /// unlock`; 0 turns the permanent lockout off (the progressive delay always applies)
    #[arg(long, value_name = "N")]
    pub lockout_after_failures: u32,
    /// How long a client may take to send a request's header; a kept-alive HTTP/1.1
    /// connection waiting for its next request counts as sending one
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's body, counted from its header
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub body_read_timeout: Duration,
    /// A connection without traffic in either direction for this long is closed
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub idle_timeout: Duration,
    /// A request not answered within this long is answered 503 (e.g. when the database link
    /// silently stopped answering)
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub request_timeout: Duration,
    /// Most connections served at once; further ones wait in the listen queue [default: the
    /// open-file limit less room for the database and the logs]
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Address to serve GET /metrics on, apart from the public listener [default: none, no
    /// metrics endpoint]
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// Address to serve the admin API (`/admin/`) on instead of the public listener [default:
    /// none, the admin API is on the public listener]
    #[arg(long, value_name = "ADDR")]
    pub admin_listen: Option<SocketAddr>,
    /// How long audit events are kept; the janitor deletes older ones
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub audit_retention: Duration,
    /// PEM certificate chain: serve HTTPS on `listen` (with --tls-key) [default: none, plain
    /// HTTP, e.g. behind a TLS-terminating proxy]
    #[arg(long, value_name = "PATH", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// How long a signing key signs before the next one takes over
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub key_rotation_period: Duration,
    /// How long a new signing key is published in the JWKS before it signs; at least twice
    /// jwks_max_age, or the server refuses to start
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub key_publish_lead: Duration,
    /// How long a key that stopped signing stays published beyond the longest access-token
    /// lifetime, so ID tokens it signed still work as id_token_hint
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub id_token_grace: Duration,
    /// `Cache-Control: max-age` of GET /jwks.json: how long resource servers may cache it
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub jwks_max_age: Duration,
    /// How often each process performs due key transitions and reloads its signing keys
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub key_reload_interval: Duration,
    /// Oldest DPoP proof accepted, by its `iat` (RFC 9449 §11.1); used proofs are remembered
    /// this long. Clients that must use a server nonce are not held to it
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub dpop_proof_max_age: Duration,
    /// How far in the future a DPoP proof's `iat` may be (the client's clock skew)
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    #[serde(with = "duration")]
    pub dpop_clock_skew: Duration,
    /// SMTP server for e-mail (docs/architecture.md, "E-mail delivery"):
    /// `smtp://USER:PASS@HOST:PORT?tls=required` (STARTTLS; `tls=opportunistic`: when
    /// offered; no `tls=`: plain), `smtps://USER:PASS@HOST:465` (implicit TLS) [default: none:
    /// each e-mail is written to the log and to <data-dir>/outbox/]
    #[arg(long, value_name = "URL")]
    pub smtp_url: Option<String>,
    /// The `From` of e-mails (`Name <address>` or an address)
    #[arg(long, value_name = "MAILBOX")]
    pub mail_from: String,
    /// Shortest password accepted for a new password, in characters (NIST SP 800-63B §3.1.1.2:
    /// at least 8)
    #[arg(long, value_name = "N")]
    pub password_min_length: usize,
    /// Let visitors create accounts at /signup (an e-mail verification link must be followed
    /// before the account can sign in)
    #[arg(long)]
    pub self_registration: bool,
    /// The `acr` of a single-factor sign-in (password or upstream provider alone)
    /// (docs/architecture.md, "Multi-factor authentication")
    #[arg(long, value_name = "URI")]
    pub acr_single_factor: String,
    /// The `acr` of a sign-in with a second factor; `acr_values` naming it at /authorize asks
    /// for the second factor
    #[arg(long, value_name = "URI")]
    pub acr_multi_factor: String,
    /// Product name on the hosted pages and in e-mails (docs/architecture.md, "Branding and
    /// languages")
    #[arg(long, value_name = "NAME")]
    pub brand_name: String,
    /// Logo shown above the hosted pages: an https URL (http only on a loopback host)
    /// [default: none]
    #[arg(long, value_name = "URL")]
    pub brand_logo_url: Option<String>,
    /// Accent colour of the hosted pages' buttons and focus rings: #rgb or #rrggbb
    #[arg(long, value_name = "COLOR")]
    pub brand_accent: String,
    /// Folder of extra message catalogues: one `<language tag>/` folder of `.ftl` files each,
    /// chosen per request by Accept-Language; `en/` rewords the built-in English [default:
    /// none, English only]
    #[arg(long, value_name = "DIR")]
    pub messages_dir: Option<PathBuf>,
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
            trusted_proxies: Vec::new(),
            lockout_after_failures: 0,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(15),
            max_connections: None,
            metrics_listen: None,
            admin_listen: None,
            audit_retention: Duration::from_secs(90 * 24 * 3600),
            tls_cert: None,
            tls_key: None,
            key_rotation_period: Duration::from_secs(30 * 24 * 3600),
            key_publish_lead: Duration::from_secs(24 * 3600),
            id_token_grace: Duration::from_secs(30 * 24 * 3600),
            jwks_max_age: Duration::from_secs(300),
            key_reload_interval: Duration::from_secs(30),
            dpop_proof_max_age: Duration::from_secs(300),
            dpop_clock_skew: Duration::from_secs(60),
            smtp_url: None,
            mail_from: "Latchkey <latchkey@localhost>".to_owned(),
            password_min_length: 8,
            self_registration: false,
            acr_single_factor: "urn:latchkey:acr:sfa".to_owned(),
            acr_multi_factor: "urn:latchkey:acr:mfa".to_owned(),
            brand_name: "Latchkey".to_owned(),
            brand_logo_url: None,
            brand_accent: crate::pages::DEFAULT_ACCENT.to_owned(),
            messages_dir: None,
        }
    }
}

impl Config {
    /// The issuer, validated and normalized ([`Issuer::parse`]): a startup error otherwise.
    /// Without one, `http(s)://<listen>`, only on a loopback address.
    pub fn issuer(&self) -> Result<Issuer, IssuerError> {
        match &self.issuer {
            Some(issuer) => Issuer::parse(issuer),
            None if !self.listen.ip().is_loopback() => Err(IssuerError::NoIssuerForPublicListen(self.listen)),
            None => Issuer::parse(&format!("{}://{}", self.scheme(), self.listen)),
        }
    }

    /// `https` when the binary serves TLS itself, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls_cert.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The TLS acceptor, when a certificate and key are configured (both or neither).
    pub fn tls(&self) -> anyhow::Result<Option<crate::serve::tls::TlsAcceptor>> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Ok(Some(crate::serve::tls::acceptor(cert, key)?)),
            (None, None) => Ok(None),
            _ => anyhow::bail!("tls_cert and tls_key go together: set both or neither"),
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

    /// The accepted age and skew of DPoP proofs.
    pub fn dpop_window(&self) -> latchkey_core::dpop::ProofWindow {
        let seconds = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        latchkey_core::dpop::ProofWindow {
            max_age: seconds(self.dpop_proof_max_age),
            max_future: seconds(self.dpop_clock_skew),
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
