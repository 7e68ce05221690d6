//! `latchkey clients update CLIENT_ID ...`: change a registered client. The flags and
//! `--patch` make one JSON merge patch (RFC 7396) of the client as `clients list --json` shows
//! it, applied with the rules of `clients add` (docs/architecture.md, "Admin API").

use clap::Args;

use super::DpopArg;

/// A client's token lifetimes, as `clients add` and `clients update` take them.
#[derive(Args)]
pub struct ClientLifetimes {
    /// Access-token lifetime for this client, e.g. 10m
    #[arg(long, value_name = "DURATION")]
    pub access_token_ttl: Option<String>,
    /// Refresh-token lifetime (idle timeout) for this client, e.g. 30days
    #[arg(long, value_name = "DURATION")]
    pub refresh_token_ttl: Option<String>,
    /// Absolute session lifetime for this client, e.g. 90days
    #[arg(long, value_name = "DURATION")]
    pub session_max_lifetime: Option<String>,
    /// Refresh reuse window for this client, e.g. 10s (0s turns it off)
    #[arg(long, value_name = "DURATION")]
    pub reuse_window: Option<String>,
}

#[derive(Args)]
pub struct ClientUpdateArgs {
    pub client_id: String,
    /// A new display name
    #[arg(long)]
    pub name: Option<String>,
    /// The grants, replacing the registered ones (comma-separated or repeated)
    #[arg(long = "grant", value_delimiter = ',', value_name = "GRANT")]
    pub grants: Vec<String>,
    /// The scopes, replacing the registered ones (comma-separated or repeated)
    #[arg(long = "scope", value_delimiter = ',', value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// The redirect URIs, replacing the registered ones (repeatable; rules of `clients add`)
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// The post-logout redirect URIs, replacing the registered ones (repeatable)
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    pub post_logout_redirect_uris: Vec<String>,
    #[command(flatten)]
    pub lifetimes: ClientLifetimes,
    /// DPoP proofs at the token endpoint: off, optional or required (RFC 9449)
    #[arg(long, value_enum)]
    pub dpop: Option<DpopArg>,
    /// Where logout tokens go (OIDC Back-Channel Logout): https, or http on 127.0.0.1 / [::1]
    #[arg(long, value_name = "URL")]
    pub backchannel_logout_uri: Option<String>,
    /// Any other change, as a JSON merge patch (RFC 7396), e.g.
    /// '{"require_consent": false, "backchannel_logout_uri": null}'; the flags above win
    #[arg(long, value_name = "JSON")]
    pub patch: Option<String>,
    /// Print the result as one JSON document on stdout
    #[arg(long)]
    pub json: bool,
}
