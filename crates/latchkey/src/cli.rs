//! Command-line definitions. Global options (`--config`, `--data-dir`, `--database-url`,
//! `--log-format`) apply to every subcommand, so `latchkey users add` writes to the same
//! database the server uses.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "latchkey", version, about = "Latchkey: an OAuth 2.1 / OpenID Connect authorization server")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Clone, Default)]
pub struct GlobalArgs {
    /// Configuration file [default: ./latchkey.toml when it exists]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Directory for the SQLite database and the master-key file [default: ./latchkey-data]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB [default: sqlite://<data-dir>/latchkey.db]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Log format
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormatArg>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormatArg {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (applies pending migrations first)
    Serve(ServeArgs),
    /// Apply pending database migrations and exit
    Migrate,
    /// Manage users
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage OAuth clients
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// See and end sessions (refresh-token families)
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Work with tokens
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Subcommand)]
pub enum SessionsCommand {
    /// List live sessions
    List {
        /// Only this user's sessions
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// End one session, or every session of a user
    Revoke {
        /// The session id (the `sid` of its access tokens)
        #[arg(required_unless_present = "user", conflicts_with = "user")]
        id: Option<String>,
        /// End all sessions of this user
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
    },
}

#[derive(Args, Clone, Default)]
pub struct ServeArgs {
    /// Create (or reset) a demo user with a random password and a demo public client that
    /// may use the password grant, and print how to get a token with curl
    #[arg(long)]
    pub demo: bool,
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Issuer URL: the `iss` of every token [default: http://<listen>]
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// `aud` of access tokens [default: the issuer]
    #[arg(long, value_name = "AUD")]
    pub audience: Option<String>,
    /// Access-token lifetime, e.g. 5m [default: 5m]
    #[arg(long, value_name = "DURATION")]
    pub access_token_ttl: Option<String>,
    /// Refresh idle timeout: a session unused this long ends [default: 14days]
    #[arg(long, value_name = "DURATION")]
    pub refresh_idle_ttl: Option<String>,
    /// Absolute session lifetime from login [default: 90days]
    #[arg(long, value_name = "DURATION")]
    pub refresh_absolute_ttl: Option<String>,
    /// Grace period in which a rotated refresh token presented again gets the same
    /// successor instead of ending the session; 0s turns it off [default: 10s]
    #[arg(long, value_name = "DURATION")]
    pub refresh_reuse_window: Option<String>,
    /// Access-token signature algorithm: ES256, EdDSA or RS256 [default: ES256]
    #[arg(long, value_name = "ALG")]
    pub access_token_algorithm: Option<String>,
    /// Argon2id memory cost in KiB [default: 19456]
    #[arg(long, value_name = "KIB")]
    pub argon2_memory_kib: Option<u32>,
    /// Argon2id iterations [default: 2]
    #[arg(long, value_name = "N")]
    pub argon2_iterations: Option<u32>,
    /// Argon2id parallelism [default: 1]
    #[arg(long, value_name = "N")]
    pub argon2_parallelism: Option<u32>,
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is read from standard input
    Add {
        username: String,
        #[arg(long)]
        email: Option<String>,
        /// A role to give the user (repeatable)
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Read the password from standard input (required: passwords never go in arguments)
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// List users
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disable a user and end all their sessions
    Disable { username: String },
    /// Set a user's password (read from standard input) and end all their sessions
    SetPassword {
        username: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Import users from JSON lines {"username", "email", "password_hash"} (bcrypt or Argon2)
    Import {
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ClientTypeArg {
    Public,
    Confidential,
}

#[derive(Subcommand)]
pub enum ClientsCommand {
    /// Register a client; a confidential client's secret is printed once
    Add {
        name: String,
        /// public (browser/mobile apps) or confidential (servers that keep a secret)
        #[arg(long = "type", value_enum)]
        kind: ClientTypeArg,
        /// Grants: authorization_code, password, refresh_token, client_credentials
        /// (comma-separated or repeated)
        #[arg(long = "grant", value_delimiter = ',', required = true, value_name = "GRANT")]
        grants: Vec<String>,
        /// Scopes the client may ask for (space- or comma-separated, or repeated)
        #[arg(long = "scope", value_delimiter = ',', value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Access-token lifetime for this client, e.g. 10m
        #[arg(long, value_name = "DURATION")]
        access_token_ttl: Option<String>,
        /// Refresh-token lifetime (idle timeout) for this client, e.g. 30days
        #[arg(long, value_name = "DURATION")]
        refresh_token_ttl: Option<String>,
        /// Absolute session lifetime for this client, e.g. 90days
        #[arg(long, value_name = "DURATION")]
        session_max_lifetime: Option<String>,
        /// Refresh reuse window for this client, e.g. 10s (0s turns it off)
        #[arg(long, value_name = "DURATION")]
        reuse_window: Option<String>,
        /// A redirect URI for the authorization-code flow, compared exactly (repeatable):
        /// https, or http://127.0.0.1 / http://[::1] (any port) for native apps; no fragment
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// Where RP-initiated logout may return the browser (repeatable; same rules)
        #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
        post_logout_redirect_uris: Vec<String>,
        /// Do not ask users to consent (first-party clients)
        #[arg(long)]
        skip_consent: bool,
        #[arg(long)]
        json: bool,
    },
    /// List clients
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a client and end its sessions
    Remove { client_id: String },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Decode a JWT, verify it, and say in plain words why it is or is not valid
    Inspect {
        token: String,
        /// Verify against this JWKS URL instead of this server's keys
        #[arg(long, value_name = "URL")]
        jwks: Option<String>,
        /// Expected issuer [default: this server's issuer; none with --jwks]
        #[arg(long, value_name = "URL")]
        issuer: Option<String>,
        /// Expected audience [default: this server's audience; none with --jwks]
        #[arg(long, value_name = "AUD")]
        audience: Option<String>,
        #[arg(long)]
        json: bool,
    },
}
