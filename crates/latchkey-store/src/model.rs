//! The rows the store reads and writes. Times are Unix seconds chosen by the caller: the store
//! never reads the clock, so expiry is testable and consistent across processes.

use latchkey_core::key_rotation::{KeyPurpose, KeyState};
use latchkey_core::session::SessionLifetime;

pub use crate::sign_in::SignInMethod;

/// A user account. `password_hash` is a PHC string (Argon2id, or a legacy bcrypt hash that the
/// server upgrades at the next login); it is never logged.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    /// Whether the address is known to be the user's: an upstream provider asserted it, the
    /// user followed a verification link, or the operator vouched for it.
    pub email_verified: bool,
    /// The normalized profile claims (`name`, `given_name`, `family_name`, `picture`,
    /// `locale`), from the upstream provider of a federated user.
    pub profile: UserProfile,
    pub roles: Vec<String>,
    pub password_hash: String,
    pub disabled: bool,
    /// Self-registered and not yet verified: may not sign in.
    pub verification_required: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Bumped by every change an admin can see: the user's ETag in the admin API.
    pub version: i64,
}

/// An admin's change to a user's profile ([`crate::UserStore::update_user`]), made only if
/// the user is still at `expected_version`.
#[derive(Debug, Clone)]
pub struct UserUpdate {
    pub id: String,
    pub expected_version: i64,
    pub email: Option<String>,
    /// The operator vouches for `email`; otherwise a changed address is unverified.
    pub email_verified: bool,
    pub roles: Vec<String>,
}

/// Profile claims (OpenID Connect Core §5.1) as a JSON object of strings.
pub type UserProfile = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub profile: UserProfile,
    pub roles: Vec<String>,
    pub password_hash: String,
    /// Self-registration: the account may not sign in before its e-mail is verified.
    pub verification_required: bool,
}

/// A session (refresh-token family) to create; it starts at generation 0.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    pub scope: String,
    pub auth_time: i64,
    pub created_at: i64,
    pub idle_expires_at: i64,
    pub absolute_expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The browser (single-sign-on) session this session was started from, if any: ending
    /// that browser session ends this one too.
    pub browser_session_id: Option<String>,
    /// The DPoP key its refresh tokens are bound to (public clients, RFC 9449 §5).
    pub dpop_jkt: Option<String>,
    pub method: SignInMethod,
}

/// One row per refresh-token family (`docs/architecture.md`, "Refresh tokens"). Nothing
/// secret is stored: the refresh token is a MAC over (id, generation) under a server key.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    pub scope: String,
    /// Bumped by every successful rotation; the refresh token names the generation it was
    /// issued for.
    pub generation: i64,
    /// When the current generation was issued (None before the first rotation); the reuse
    /// window is measured from here.
    pub rotated_at: Option<i64>,
    pub auth_time: i64,
    pub created_at: i64,
    pub last_used_at: i64,
    pub idle_expires_at: i64,
    pub absolute_expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The DPoP key its refresh tokens are bound to, if any.
    pub dpop_jkt: Option<String>,
    /// How the user signed in, for the access tokens its refreshes mint.
    pub method: SignInMethod,
}

impl Session {
    /// What decides whether the session is live ([`SessionLifetime`], the one rule).
    pub fn lifetime(&self) -> SessionLifetime {
        SessionLifetime {
            revoked_at: self.revoked_at,
            idle_expires_at: self.idle_expires_at,
            absolute_expires_at: self.absolute_expires_at,
        }
    }

    /// Not revoked and neither deadline reached at `now` (the same rule the store's queries
    /// use, `live_at!` in `sql/sessions.rs`).
    pub fn is_live(&self, now: i64) -> bool {
        self.lifetime().is_live(now)
    }
}

/// A session together with what an access token needs about its user.
#[derive(Debug, Clone)]
pub struct SessionWithUser {
    pub session: Session,
    pub username: String,
    pub email: Option<String>,
    pub roles: Vec<String>,
    pub user_disabled: bool,
}

/// A JWS signing key and its place in the rotation lifecycle (`latchkey_core::key_rotation`).
/// `sealed_private_key` is encrypted by the crypto crate before it gets here; it is never
/// logged.
#[derive(Debug, Clone)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub alg: String,
    pub purpose: KeyPurpose,
    pub state: KeyState,
    pub sealed_private_key: Vec<u8>,
    pub public_jwk: String,
    pub created_at: i64,
    /// When it signs (pending) or started signing.
    pub activate_at: Option<i64>,
    /// When a retiring key leaves the JWKS.
    pub retire_at: Option<i64>,
    /// When a retired or revoked key's row is deleted.
    pub delete_at: Option<i64>,
    /// When it was revoked in an emergency.
    pub revoked_at: Option<i64>,
}

/// Something security-relevant that happened: a login, a reuse detection, a revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: i64,
    pub kind: String,
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    pub session_id: Option<String>,
    pub detail: Option<String>,
}

/// How busy one connection pool is, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    /// `reader` or `writer` (on PostgreSQL both name the same pool).
    pub pool: &'static str,
    /// Connections open.
    pub connections: u32,
    /// Of those, idle.
    pub idle: u32,
}

/// Which audit events to list; every given condition must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    pub kind: Option<String>,
    /// Only events at or after this time.
    pub since: Option<i64>,
    /// Only events with a row id below this one (the previous page's last).
    pub before_id: Option<i64>,
}

/// What a revocation-feed entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationKind {
    /// A session (its `sid`): every access token carrying it is revoked.
    Session,
    /// One access token (its `jti`).
    AccessToken,
    /// A signing key (its `kid`) revoked in an emergency: every token it signed.
    SigningKey,
}

/// One entry of the revocation feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub kind: RevocationKind,
    /// The session id, the token's `jti`, or the key's `kid`.
    pub id: String,
    /// When it was revoked; for a session that expired unrevoked, its deadline.
    pub revoked_at: i64,
    /// For a token, when it expires anyway; for a key, when every token it signed has
    /// (after which the entry no longer matters).
    pub expires_at: Option<i64>,
}

/// An authorization code to store (RFC 6749 §4.1.2). Only the code's hash is kept.
#[derive(Debug, Clone)]
pub struct NewAuthorizationCode {
    pub hash: String,
    pub client_id: String,
    pub user_id: String,
    /// The redirect URI the response went to.
    pub redirect_uri: String,
    /// Whether the request named it (then the token request must repeat it, RFC 6749 §4.1.3).
    pub redirect_uri_given: bool,
    pub scope: String,
    pub nonce: Option<String>,
    /// The S256 PKCE challenge (RFC 7636 §4.4).
    pub code_challenge: Option<String>,
    pub auth_time: i64,
    pub browser_session_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    /// RFC 9449 §10: the DPoP key the redeeming token request must prove, if the
    /// authorization request named one.
    pub dpop_jkt: Option<String>,
    pub method: SignInMethod,
}

/// A stored authorization code.
#[derive(Debug, Clone)]
pub struct AuthorizationCode {
    pub code: NewAuthorizationCode,
    /// When it was redeemed; a code is redeemed at most once.
    pub used_at: Option<i64>,
    /// The session its redemption started.
    pub session_id: Option<String>,
}

/// A browser's single-sign-on session at the hosted login pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserSession {
    /// Public identifier: the `sid` of ID tokens.
    pub id: String,
    pub user_id: String,
    pub auth_time: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub ended_at: Option<i64>,
    pub method: SignInMethod,
}

/// One throttle key's failed sign-in attempts in its current window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleCount {
    pub key: String,
    pub failures: i64,
    pub last_failure: i64,
}

/// One user's consecutive credential failures and, once they reached the configured limit,
/// when the account was locked ([`crate::LockoutStore`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountLockout {
    pub failures: i64,
    pub locked_at: Option<i64>,
}
