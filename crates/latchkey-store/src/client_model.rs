//! The registered clients as the store reads and writes them (RFC 6749 §2), with their
//! per-client settings: lifetimes, redirect URIs, consent, PKCE, DPoP, back-channel logout
//! and sign-up (docs/architecture.md, "Sign-up and e-mail verification").

use latchkey_core::client::ClientKind;
use latchkey_core::dpop::DpopPolicy;
use latchkey_core::grant::GrantType;
use latchkey_core::mfa::MfaPolicy;
use latchkey_core::scope::Scope;

/// A registered OAuth client (RFC 6749 §2) as read back: its [`NewClient`] registration
/// (read through `Deref`) plus when it was created and its version. `secret_hash` is a keyed
/// hash of the server-generated secret, `None` for public clients.
#[derive(Debug, Clone)]
pub struct Client {
    pub registration: NewClient,
    pub created_at: i64,
    /// Bumped by every update: the admin API's `ETag` (compare-and-swap, RFC 9110 §13.1.1).
    pub version: i64,
}

impl std::ops::Deref for Client {
    type Target = NewClient;

    fn deref(&self) -> &NewClient {
        &self.registration
    }
}

impl std::ops::DerefMut for Client {
    fn deref_mut(&mut self) -> &mut NewClient {
        &mut self.registration
    }
}

/// A client to register: the one type every way of creating a client goes through (the CLI,
/// `serve --demo`, the test harnesses), built with [`NewClient::new`]'s defaults and struct
/// update syntax (`NewClient { redirect_uris, ..NewClient::new(..) }`). Lifetimes are in
/// seconds; `None` takes the server default.
#[derive(Debug, Clone)]
pub struct NewClient {
    /// Assigned at registration (`latchkey_server::admin::add_client`); empty until then.
    pub id: String,
    pub name: String,
    pub kind: ClientKind,
    /// Assigned at registration for a confidential client; `None` until then.
    pub secret_hash: Option<Vec<u8>>,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub access_token_ttl: Option<i64>,
    pub refresh_idle_ttl: Option<i64>,
    pub refresh_absolute_ttl: Option<i64>,
    pub reuse_window: Option<i64>,
    /// Registered redirect URIs, compared as exact strings (loopback ports excepted).
    pub redirect_uris: Vec<String>,
    /// Where RP-initiated logout may send the browser afterwards.
    pub post_logout_redirect_uris: Vec<String>,
    /// Whether users are asked to consent; first-party clients may skip it.
    pub require_consent: bool,
    /// Whether the code flow needs a PKCE challenge (`latchkey_core::pkce::require_for`);
    /// only legacy confidential clients are registered without.
    pub pkce_required: bool,
    /// DPoP (RFC 9449 §5): off, optional or required at the token endpoint.
    pub dpop: DpopPolicy,
    /// Whether this client's DPoP proofs must carry a server nonce (RFC 9449 §8).
    pub dpop_nonce: bool,
    /// Where this client receives logout tokens (OpenID Connect Back-Channel Logout 1.0 §2.2).
    pub backchannel_logout_uri: Option<String>,
    /// Whether its logout tokens must carry `sid` (Back-Channel Logout 1.0 §2.2).
    pub backchannel_logout_session_required: bool,
    /// Whether its login page offers sign-up, and whether it refuses unverified users.
    pub signup: ClientSignup,
    /// Whether its users must present a second factor (`latchkey_core::mfa`).
    pub mfa: MfaPolicy,
}

impl NewClient {
    /// A client with the server's default lifetimes, no redirect URIs, and consent required.
    pub fn new(name: impl Into<String>, kind: ClientKind, grant_types: &[GrantType], scope: Scope) -> Self {
        Self {
            id: String::new(),
            name: name.into(),
            kind,
            secret_hash: None,
            grant_types: grant_types.to_vec(),
            scopes: scope.iter().map(str::to_owned).collect(),
            access_token_ttl: None,
            refresh_idle_ttl: None,
            refresh_absolute_ttl: None,
            reuse_window: None,
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            require_consent: true,
            pkce_required: true,
            dpop: DpopPolicy::Optional,
            dpop_nonce: false,
            backchannel_logout_uri: None,
            backchannel_logout_session_required: false,
            signup: ClientSignup::default(),
            mfa: MfaPolicy::Off,
        }
    }
}

/// A client's sign-up settings (docs/architecture.md, "Sign-up and e-mail verification").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientSignup {
    /// Sign-up from this client's login page: `None` follows the server's
    /// `self_registration`, `Some(true)` offers it even when that is off, `Some(false)`
    /// refuses it.
    pub self_registration: Option<bool>,
    /// Users whose e-mail address is not verified may not sign in to this client.
    pub require_verified_email: bool,
}

impl ClientSignup {
    /// Whether sign-up is offered from this client's login page, the server's default being
    /// `server_default`.
    pub fn allows_signup(&self, server_default: bool) -> bool {
        self.self_registration.unwrap_or(server_default)
    }

    /// Whether a user whose address is verified (or not) may sign in to this client.
    pub fn admits(&self, email_verified: bool) -> bool {
        email_verified || !self.require_verified_email
    }
}
