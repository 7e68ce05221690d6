//! Administrative operations shared by the CLI, the admin API (`crate::admin_api`) and
//! `serve --demo`: creating users and clients with the same validation whichever way they
//! arrive.

use anyhow::{bail, ensure, Context};
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_core::password_policy;
use latchkey_core::redirect_uri::RedirectUri;
use latchkey_core::scope::{Scope, ADMIN_SCOPE};
use latchkey_core::token_request::{Secret, MAX_USERNAME_LEN};
use latchkey_crypto::{random, PasswordHasher};
use latchkey_store::{AuditEvent, Client, NewUser, Store, User, UserUpdate};

/// What [`add_client`] takes; re-exported so callers of this module need no store import.
pub use latchkey_store::NewClient;

use crate::password_pool::PasswordPool;
use crate::routes::mail_requests::is_email;
use crate::tokens::client_secret::ClientSecrets;

/// A user to create.
pub struct UserSpec {
    pub username: String,
    pub email: Option<String>,
    /// The operator vouches that the address is the user's: only then may an upstream
    /// identity with the same verified address be linked to this account
    /// (`docs/architecture.md`, "Federation").
    pub email_verified: bool,
    pub roles: Vec<String>,
}

/// Why a username cannot be used: the operator reads it in English ([`check_username`]), a
/// user signing up in the request's language (`routes/signup/register.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BadUsername {
    Empty,
    TooLong,
    /// Whitespace or control characters.
    Characters,
}

pub(crate) fn username_problem(username: &str) -> Option<BadUsername> {
    if username.is_empty() {
        Some(BadUsername::Empty)
    } else if username.len() > MAX_USERNAME_LEN {
        Some(BadUsername::TooLong)
    } else if username.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some(BadUsername::Characters)
    } else {
        None
    }
}

fn check_username(username: &str) -> anyhow::Result<()> {
    match username_problem(username) {
        None => Ok(()),
        Some(BadUsername::Empty) => bail!("the username is empty"),
        Some(BadUsername::TooLong) => bail!("the username is longer than {MAX_USERNAME_LEN} bytes"),
        Some(BadUsername::Characters) => {
            bail!("the username {username:?} contains whitespace or control characters")
        }
    }
}

/// Checks a new password against the one policy ([`password_policy`]) with the default
/// shortest length; `account` holds the username and e-mail address.
pub fn check_password(password: &Secret, account: &[&str]) -> anyhow::Result<()> {
    password_policy::check(password.expose(), password_policy::DEFAULT_MIN_CHARS, account)
        .map_err(|refusal| anyhow::anyhow!("{refusal}"))
}

pub(crate) fn new_user_id() -> anyhow::Result<String> {
    Ok(random::token(16)?)
}

/// Creates a user with an Argon2id hash of `password`.
pub async fn add_user(
    store: &dyn Store,
    passwords: &PasswordPool,
    spec: UserSpec,
    password: &Secret,
    now: i64,
) -> anyhow::Result<User> {
    check_username(&spec.username)?;
    check_password(password, &[&spec.username, spec.email.as_deref().unwrap_or_default()])?;
    let hash = passwords.hash(password.expose().to_owned()).await?;
    insert_user(store, spec, hash, now).await
}

/// Creates a user from an existing hash (bcrypt or Argon2 PHC), as `users import` does; the
/// hash is upgraded to Argon2id at the user's first login.
pub async fn import_user(
    store: &dyn Store,
    spec: UserSpec,
    password_hash: String,
    now: i64,
) -> anyhow::Result<User> {
    check_username(&spec.username)?;
    if !PasswordHasher::is_supported_hash(&password_hash) {
        bail!("password_hash is neither bcrypt ($2a$/$2b$/$2y$) nor an Argon2 PHC string");
    }
    insert_user(store, spec, password_hash, now).await
}

async fn insert_user(
    store: &dyn Store,
    spec: UserSpec,
    password_hash: String,
    now: i64,
) -> anyhow::Result<User> {
    let user = NewUser {
        id: new_user_id()?,
        username: spec.username,
        email_verified: spec.email_verified && spec.email.is_some(),
        email: spec.email,
        profile: Default::default(),
        roles: spec.roles,
        password_hash,
        verification_required: false,
    };
    Ok(store.create_user(&user, now).await?)
}

/// Sets a new password and ends every session of the user, in one unit of work.
pub async fn set_password(
    store: &dyn Store,
    passwords: &PasswordPool,
    user: &User,
    password: &Secret,
    now: i64,
) -> anyhow::Result<u64> {
    check_password(password, &[&user.username, user.email.as_deref().unwrap_or_default()])?;
    let hash = passwords.hash(password.expose().to_owned()).await?;
    let mut work = store.begin().await?;
    work.set_password_hash(&user.id, &hash, now).await?;
    let ended = work.revoke_user_sessions(&user.id, now, "password_changed", None).await?;
    work.commit().await?;
    Ok(ended)
}

/// Disables a user and ends every session of theirs, in one unit of work.
pub async fn disable_user(store: &dyn Store, user: &User, now: i64) -> anyhow::Result<u64> {
    let mut work = store.begin().await?;
    work.set_user_disabled(&user.id, true, now).await?;
    let ended = work.revoke_user_sessions(&user.id, now, "user_disabled", None).await?;
    work.commit().await?;
    Ok(ended)
}

/// Lifts a permanent lockout (see `authn::lockout`) and forgets the account's throttle
/// counts, with an audit event; true when the account was locked.
pub async fn unlock_user(store: &dyn Store, user: &User, now: i64) -> anyhow::Result<bool> {
    let locked_at = store.unlock_account(&user.id).await?;
    crate::throttle::clear_account(store, &user.username).await?;
    let event = AuditEvent {
        at: now,
        kind: "account_unlocked".into(),
        user_id: Some(user.id.clone()),
        client_id: None,
        session_id: None,
        detail: locked_at.map(|at| format!("locked_at={at}")),
    };
    store.record_audit_event(&event).await?;
    Ok(locked_at.is_some())
}

/// Checks and de-duplicates a list of redirect URIs (RFC 6749 §3.1.2, RFC 8252 §7).
fn check_redirect_uris(uris: Vec<String>, kind: ClientKind) -> anyhow::Result<Vec<String>> {
    let mut checked: Vec<String> = Vec::with_capacity(uris.len());
    for uri in uris {
        let uri = RedirectUri::parse(&uri).map_err(anyhow::Error::msg)?;
        uri.check_client_kind(kind).map_err(anyhow::Error::msg)?;
        if !checked.iter().any(|u| u == uri.as_str()) {
            checked.push(uri.as_str().to_owned());
        }
    }
    Ok(checked)
}

/// A random client id (128 bits, base64url) that does not start with `-`, so that it can be
/// passed to command-line tools (`latchkey clients remove ID`) without being read as a flag.
fn new_client_id() -> anyhow::Result<String> {
    loop {
        let id = random::token(16)?;
        if !id.starts_with('-') {
            return Ok(id);
        }
    }
}

/// The rules every client registration and update obeys, in one place: checks `client` and
/// returns it normalized (redirect URIs de-duplicated, grants sorted, scopes parsed).
fn check_client(client: NewClient) -> anyhow::Result<NewClient> {
    ensure!(!client.name.trim().is_empty(), "the client name is empty");
    ensure!(!client.grant_types.is_empty(), "give the client at least one grant (--grant)");
    if client.kind == ClientKind::Public && client.grant_types.contains(&GrantType::ClientCredentials) {
        bail!("client_credentials needs a confidential client: a public client cannot keep a secret");
    }
    ensure!(
        client.pkce_required || client.kind == ClientKind::Confidential,
        "PKCE may be turned off only for legacy confidential clients: public clients always use PKCE"
    );
    if client.scopes.iter().any(|s| s == ADMIN_SCOPE) {
        // An admin token acts for the operator, never for a user who signed in at the client.
        ensure!(
            client.grant_types == [GrantType::ClientCredentials],
            "the {ADMIN_SCOPE} scope is only for clients with the client_credentials grant alone (--admin)"
        );
    }
    for ttl in
        [client.access_token_ttl, client.refresh_idle_ttl, client.refresh_absolute_ttl].into_iter().flatten()
    {
        ensure!(ttl > 0, "token lifetimes must be longer than zero");
    }
    let scope = Scope::parse(&client.scopes.join(" "))
        .map_err(|e| anyhow::anyhow!("{}", e.description().unwrap_or_default()))?;
    let redirect_uris = check_redirect_uris(client.redirect_uris, client.kind)?;
    let post_logout_redirect_uris = check_redirect_uris(client.post_logout_redirect_uris, client.kind)?;
    let backchannel_logout_uri = client
        .backchannel_logout_uri
        .map(|uri| RedirectUri::parse_backchannel_logout(&uri).map(|u| u.as_str().to_owned()))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    ensure!(
        backchannel_logout_uri.is_some() || !client.backchannel_logout_session_required,
        "--backchannel-logout-session-required needs --backchannel-logout-uri"
    );
    if client.grant_types.contains(&GrantType::AuthorizationCode) {
        ensure!(
            !redirect_uris.is_empty(),
            "authorization_code needs at least one redirect URI (--redirect-uri)"
        );
    }
    let mut grant_types = client.grant_types;
    grant_types.sort();
    grant_types.dedup();
    Ok(NewClient {
        grant_types,
        scopes: scope.iter().map(str::to_owned).collect(),
        redirect_uris,
        post_logout_redirect_uris,
        backchannel_logout_uri,
        ..client
    })
}

/// Registers a client: checks it, assigns its id and, for a confidential client, its secret.
/// Returns the stored client and the secret (shown once; only its MAC is stored).
pub async fn add_client(
    store: &dyn Store,
    secrets: &ClientSecrets,
    client: NewClient,
    now: i64,
) -> anyhow::Result<(Client, Option<String>)> {
    let client = check_client(client)?;
    let (secret, secret_hash) = match client.kind {
        ClientKind::Confidential => {
            let (secret, hash) = secrets.generate().context("cannot generate a client secret")?;
            (Some(secret), Some(hash))
        }
        ClientKind::Public => (None, None),
    };
    let client = NewClient { id: new_client_id()?, secret_hash, ..client };
    let client = store.create_client(&client, now).await?;
    Ok((client, secret))
}

/// Changes a client's settings to `settings` (checked as a registration is) if nobody changed
/// the client since `expected_version` was read: `None` when someone did (the admin API
/// answers 412). Its id, type and secret stay; callers forget it in their
/// [`crate::client_cache::ClientCache`] (other processes read the change within its TTL).
pub async fn update_client(
    store: &dyn Store,
    client: &Client,
    expected_version: i64,
    settings: NewClient,
) -> anyhow::Result<Option<Client>> {
    ensure!(settings.kind == client.kind, "the type of a client cannot change: register a new client");
    let settings = check_client(NewClient { id: client.id.clone(), ..settings })?;
    Ok(store.update_client(&settings, expected_version).await?)
}

/// Lets a disabled user sign in again (their ended sessions stay ended).
pub async fn enable_user(store: &dyn Store, user: &User, now: i64) -> anyhow::Result<()> {
    store.set_user_disabled(&user.id, false, now).await?;
    Ok(())
}

/// Changes a user's email and roles if nobody changed the user since `expected_version`
/// was read: `None` when someone did (the admin API answers 412). A changed address is
/// unverified unless `email_verified` (the operator vouches for it).
pub async fn update_user(
    store: &dyn Store,
    user: &User,
    expected_version: i64,
    (email, email_verified): (Option<String>, bool),
    roles: Vec<String>,
    now: i64,
) -> anyhow::Result<Option<User>> {
    if let Some(email) = &email {
        ensure!(is_email(email), "{email:?} is not an e-mail address");
    }
    let update = UserUpdate { id: user.id.clone(), expected_version, email, email_verified, roles };
    Ok(store.update_user(&update, now).await?)
}

/// The roles of `user` with `add` given and `remove` taken away, in order, without repeats.
pub fn changed_roles(user_roles: &[String], add: &[String], remove: &[String]) -> Vec<String> {
    let mut roles: Vec<String> = user_roles.iter().filter(|r| !remove.contains(r)).cloned().collect();
    for role in add {
        if !roles.contains(role) && !remove.contains(role) {
            roles.push(role.clone());
        }
    }
    roles
}

/// Deletes a user in one unit of work: every session ends first (so back-channel logout
/// tokens and the revocation feed still go out), every browser session ends, the
/// `user_deleted` audit event is written, then the user row goes with everything that
/// cascades from it (linked identities, links, consents). False when there was no such user.
pub async fn delete_user(store: &dyn Store, user: &User, now: i64) -> anyhow::Result<bool> {
    let mut work = store.begin().await?;
    work.revoke_user_sessions(&user.id, now, "user_deleted", None).await?;
    work.end_user_browser_sessions(&user.id, now).await?;
    let event = AuditEvent {
        at: now,
        kind: "user_deleted".into(),
        user_id: Some(user.id.clone()),
        client_id: None,
        session_id: None,
        detail: Some(format!("username={}", user.username)),
    };
    work.record_audit_event(&event).await?;
    let deleted = work.delete_user(&user.id).await?;
    work.commit().await?;
    Ok(deleted)
}

/// Gives a confidential client a new secret (shown once) in place of the old one, which stops
/// working at once.
pub async fn rotate_client_secret(
    store: &dyn Store,
    secrets: &ClientSecrets,
    client: &Client,
) -> anyhow::Result<String> {
    ensure!(client.kind == ClientKind::Confidential, "a public client has no secret");
    let (secret, hash) = secrets.generate().context("cannot generate a client secret")?;
    ensure!(store.set_client_secret_hash(&client.id, &hash).await?, "the client was removed meanwhile");
    Ok(secret)
}

/// Why sessions an operator ended were revoked.
const REVOKED_BY_ADMIN: &str = "revoked_by_admin";

/// Ends one session; false when there was no live session with that id.
pub async fn revoke_session(store: &dyn Store, session_id: &str, now: i64) -> anyhow::Result<bool> {
    Ok(store.revoke_session(session_id, now, REVOKED_BY_ADMIN).await?)
}

/// Ends every session of a user; returns how many.
pub async fn revoke_user_sessions(store: &dyn Store, user: &User, now: i64) -> anyhow::Result<u64> {
    Ok(store.revoke_user_sessions(&user.id, now, REVOKED_BY_ADMIN, None).await?)
}
