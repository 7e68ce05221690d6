//! Command-line definitions. The settings (`--data-dir`, `--listen`, ...) are not written
//! here: [`crate::settings::command`] adds them from [`latchkey_server::Config`]. Global
//! options apply to every subcommand, so `latchkey users add` writes to the same database the
//! server uses.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod client_update;
mod providers;
mod users;
pub use client_update::{ClientLifetimes, ClientUpdateArgs};
pub use providers::{ProviderAddArgs, ProviderKindArg, ProvidersCommand};
pub use users::UsersCommand;

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
    /// Drive a running server through its admin API instead of opening the database
    /// (users, clients, sessions, keys, audit), with the admin client credentials of
    /// LATCHKEY_ADMIN_CLIENT_ID and LATCHKEY_ADMIN_CLIENT_SECRET
    #[arg(long, global = true, value_name = "URL", env = "LATCHKEY_SERVER")]
    pub server: Option<String>,
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
    /// Manage upstream identity providers (Sign in with Google, GitHub, ...)
    #[command(subcommand)]
    Providers(ProvidersCommand),
    /// Work with tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// Work with master keys
    #[command(subcommand)]
    MasterKey(MasterKeyCommand),
    /// Run a Backend-for-Frontend: browsers sign in here and get an HttpOnly session cookie;
    /// their API calls are forwarded with the user's access token
    Bff(crate::commands::bff::BffArgs),
    /// See, rotate and revoke the token-signing keys
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Read the audit events
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// List audit events, newest first
    List {
        /// Only this user's events
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
        /// Only events of this type (e.g. login_failed, refresh_reuse, admin_request)
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<String>,
        /// Only events since this time (RFC 3339) or this long ago (e.g. 24h)
        #[arg(long, value_name = "TIME|DURATION")]
        since: Option<String>,
        /// Most events shown
        #[arg(long, default_value_t = 100, value_name = "N")]
        limit: u32,
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// List the signing keys: kid, purpose, algorithm, state and dates
    List {
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Schedule the next key of each purpose: published now, signing after key_publish_lead
    Rotate {
        /// Sign with the new keys at once. Resource servers that cached the JWKS reject the
        /// new tokens until they fetch it again (up to jwks_max_age)
        #[arg(long)]
        now: bool,
    },
    /// Emergency: withdraw a key at once. It leaves the JWKS, goes out on the revocation
    /// feed, and every token it signed is refused; a new key signs if it was signing
    Revoke {
        /// The key id (`kid`); it may start with `-`
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
}

#[derive(Subcommand)]
pub enum MasterKeyCommand {
    /// Print a new random master key (base64url of 32 bytes) for LATCHKEY_MASTER_KEY or a
    /// key file; every process serving one database needs the same key
    Generate,
}

#[derive(Subcommand)]
pub enum SessionsCommand {
    /// List live sessions
    List {
        /// Only this user's sessions
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// End one session, or every session of a user
    Revoke {
        /// The session id (the `sid` of its access tokens); it may start with `-`
        #[arg(required_unless_present = "user", conflicts_with = "user", allow_hyphen_values = true)]
        id: Option<String>,
        /// End all sessions of this user
        #[arg(long, value_name = "USERNAME")]
        user: Option<String>,
    },
}

/// `serve`'s own flag; the server settings (`--listen`, `--issuer`, ...) are added from
/// [`latchkey_server::Config`] by [`crate::settings::command`].
#[derive(Args, Clone, Default)]
pub struct ServeArgs {
    /// Create the demo user (with a random password), a demo public client that may use
    /// the password grant and the bank's web client (`bank-web`), and print how to start
    /// the bank and get a token with curl. When they exist already (a restart), the password
    /// and sessions are kept; the bank's web client gets a new secret
    #[arg(long)]
    pub demo: bool,
    /// The port the printed bank command listens on
    #[arg(long, default_value_t = 8081, requires = "demo")]
    pub demo_bank_port: u16,
    /// Move the database to the configured issuer. Without it, a process whose issuer differs
    /// from the one stored with the database refuses to start: tokens of one would be
    /// rejected by the other. Tokens issued under the old issuer stop being accepted
    #[arg(long)]
    pub change_issuer: bool,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ClientTypeArg {
    Public,
    Confidential,
}

/// DPoP at the token endpoint (RFC 9449 §5).
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DpopArg {
    /// Ignore DPoP proofs: bearer tokens only
    Off,
    /// Bind the tokens to the key when a proof is sent
    Optional,
    /// Refuse token requests without a proof
    Required,
}

impl DpopArg {
    /// The policy's name, as the admin API and the store spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Optional => "optional",
            Self::Required => "required",
        }
    }
}

#[derive(Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run: `Add`'s flags stay flat for clap
pub enum ClientsCommand {
    /// Register a client; a confidential client's secret is printed once
    Add {
        name: String,
        /// public (browser/mobile apps) or confidential (servers that keep a secret)
        #[arg(long = "type", value_enum, required_unless_present = "admin", conflicts_with = "admin")]
        kind: Option<ClientTypeArg>,
        /// Grants: authorization_code, password, refresh_token, client_credentials,
        /// token_exchange (RFC 8693, native apps) (comma-separated or repeated)
        #[arg(
            long = "grant",
            value_delimiter = ',',
            required_unless_present = "admin",
            conflicts_with = "admin",
            value_name = "GRANT"
        )]
        grants: Vec<String>,
        /// Scopes the client may ask for (space- or comma-separated, or repeated)
        #[arg(long = "scope", value_delimiter = ',', value_name = "SCOPE", conflicts_with = "admin")]
        scopes: Vec<String>,
        /// An admin client for the admin API (`/admin/`): confidential, with the
        /// client_credentials grant and the latchkey:admin scope alone
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        lifetimes: ClientLifetimes,
        /// A redirect URI for the authorization-code flow, compared exactly (repeatable):
        /// https; for native apps http://127.0.0.1 / http://[::1] (any port) or a private-use
        /// scheme in reverse-domain form (com.example.app:/callback, public clients only);
        /// http://localhost:PORT (that exact port, development only: prints a warning); no fragment
        #[arg(long = "redirect-uri", value_name = "URI")]
        redirect_uris: Vec<String>,
        /// Where RP-initiated logout may return the browser (repeatable; same rules)
        #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
        post_logout_redirect_uris: Vec<String>,
        /// Where logout tokens go (OIDC Back-Channel Logout): https, or http on 127.0.0.1 / [::1]
        #[arg(long, value_name = "URL")]
        backchannel_logout_uri: Option<String>,
        /// Logout tokens for this client must name the browser session (`sid`)
        #[arg(long, requires = "backchannel_logout_uri")]
        backchannel_logout_session_required: bool,
        /// Offer sign-up on this client's login page even when the server's
        /// self_registration is off [default: follow self_registration]
        #[arg(long, conflicts_with = "no_self_registration")]
        self_registration: bool,
        /// Never offer sign-up on this client's login page
        #[arg(long)]
        no_self_registration: bool,
        /// Refuse sign-in to users whose e-mail address is not verified
        #[arg(long)]
        require_verified_email: bool,
        /// Do not ask users to consent (first-party clients)
        #[arg(long)]
        skip_consent: bool,
        /// Let a legacy confidential client use the code flow without PKCE (OAuth 2.1
        /// requires it of every client otherwise)
        #[arg(long)]
        no_pkce: bool,
        /// DPoP proofs at the token endpoint: off, optional or required (RFC 9449)
        #[arg(long, value_enum, default_value = "optional")]
        dpop: DpopArg,
        /// Require a server nonce in this client's DPoP proofs (RFC 9449 §8)
        #[arg(long)]
        dpop_nonce: bool,
        /// Second factor at sign-in: off, optional (users who enrolled one) or required
        #[arg(long, default_value = "off", value_parser = ["off", "optional", "required"])]
        mfa: String,
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// List clients
    List {
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Change a client's settings (with --server: refused if it changed since it was read)
    Update(Box<ClientUpdateArgs>),
    /// Remove a client and end its sessions
    Remove { client_id: String },
    /// Give a confidential client a new secret (printed once); the old one stops working
    RotateSecret {
        client_id: String,
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
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
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
}
