//! `latchkey providers ...`: upstream identity providers (docs/architecture.md, "Federation").

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ProviderKindArg {
    Oidc,
    Oauth2,
}

#[derive(Subcommand)]
pub enum ProvidersCommand {
    /// Add an upstream provider; its client secret is read from standard input and sealed
    /// under the master key. Register <issuer>/federation/NAME/callback at the provider
    Add(Box<ProviderAddArgs>),
    /// List providers (never their secrets)
    List {
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Remove a provider and its linked identities (the users stay)
    Remove {
        name: String,
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Limit which providers a client's login page offers (none named: all of them), and
    /// whether it offers the password form
    Restrict {
        /// The client id
        #[arg(long = "client", value_name = "CLIENT_ID")]
        client_id: String,
        names: Vec<String>,
        /// Offer only the providers: no password form (POST /login is refused)
        #[arg(long)]
        no_password_login: bool,
    },
    /// Dry run: what a login with these upstream claims (a JSON file) would do, and why
    TestMapping {
        name: String,
        /// A JSON file of upstream claims (an ID token's payload or a UserInfo answer)
        #[arg(long, value_name = "FILE")]
        claims: PathBuf,
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct ProviderAddArgs {
    /// Our name for it, in URLs: lower-case letters, digits, - and _
    pub name: String,
    /// google, apple, microsoft, github or facebook: kind, endpoints, scopes and mapping
    #[arg(long, conflicts_with = "kind")]
    pub preset: Option<String>,
    /// oidc (configured by --issuer, found by discovery) or oauth2 (explicit endpoints)
    #[arg(long, value_enum, required_unless_present = "preset")]
    pub kind: Option<ProviderKindArg>,
    /// The OpenID Connect issuer (the discovered issuer must equal it byte for byte)
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
    /// Where browsers are sent to sign in (oauth2; overrides discovery or the preset)
    #[arg(long, value_name = "URL")]
    pub authorization_endpoint: Option<String>,
    /// Where codes are exchanged for tokens (oauth2; overrides discovery or the preset)
    #[arg(long, value_name = "URL")]
    pub token_endpoint: Option<String>,
    /// UserInfo, or the profile API of an OAuth 2.0 provider (GitHub /user, Facebook /me)
    #[arg(long, value_name = "URL")]
    pub userinfo_endpoint: Option<String>,
    /// The provider's signing keys (overrides discovery)
    #[arg(long, value_name = "URL")]
    pub jwks_uri: Option<String>,
    /// GitHub's /user/emails (GitHub Enterprise)
    #[arg(long, value_name = "URL")]
    pub emails_endpoint: Option<String>,
    /// Quirks to apply: generic, google, apple, microsoft, github, facebook [default: the
    /// preset's, else generic]
    #[arg(long)]
    pub flavor: Option<String>,
    /// Our client id at the provider
    #[arg(long)]
    pub client_id: String,
    /// Read our client secret at the provider from standard input (required: secrets never
    /// go in arguments)
    #[arg(long, required = true)]
    pub client_secret_stdin: bool,
    /// A scope to request (repeatable) [default: the preset's]
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Linking to an existing account with the same verified e-mail: never, prompt (after
    /// its password) or auto
    #[arg(long, default_value = "never")]
    pub linking: String,
    /// Whether an unknown upstream account becomes a new user
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub create_users: bool,
    /// Keep the user's upstream tokens (sealed, 30 days after the last login), for confidential
    /// clients with the `upstream_token` scope (GET /federation/NAME/token)
    #[arg(long)]
    pub store_tokens: bool,
    /// PKCE S256 with the provider: auto, force or never
    #[arg(long, default_value = "auto")]
    pub pkce: String,
    /// The claim mapping as JSON (JSON pointers per field) [default: the flavor's]
    #[arg(long, value_name = "JSON")]
    pub mapping: Option<String>,
    /// A native app's client id at the provider (iOS bundle id, Android client id), accepted
    /// as an ID token's audience in token exchange (repeatable)
    #[arg(long = "native-client-id", value_name = "ID")]
    pub native_client_ids: Vec<String>,
    /// How the provider's ID tokens carry a native app's nonce: raw (Google) or sha256
    /// (Apple) [default: sha256 for the apple flavor, else raw]
    #[arg(long, value_name = "MODE")]
    pub nonce_hashing: Option<String>,
    /// Print the result as one JSON document on stdout
    #[arg(long)]
    pub json: bool,
}
