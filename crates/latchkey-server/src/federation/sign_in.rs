//! Who a validated upstream login signs in as (`docs/architecture.md`, "Federation"): the
//! linking policy of `latchkey_core::federation_linking` applied to the store, with every
//! write of one decision in ONE unit of work (a new user and its identity, or a link and the
//! end of the user's other sessions), so no failure leaves half a user behind.
//!
//! Two concurrent first logins of one identity both try to create it; the unique key
//! (provider, subject) lets one commit, and the other, refused, reads the winner's link and
//! signs in that user. A user is never looked up by e-mail to sign in: only to offer a link.

use latchkey_core::federation_linking::{self, Linking, LinkingInput, LocalMatch, Outcome};
use latchkey_crypto::random;
use latchkey_store::{AuditEvent, FederatedIdentity, NewUser, Store, StoreError, User, UserProfile};

use super::mapping::NormalizedProfile;
use super::providers::Provider;
use super::upstream::UpstreamLogin;
use crate::error::ApiError;
use crate::state::AppState;

/// The password hash of a user created by federation: no password verifies against it
/// ([`crate::authn`] spends a dummy verify on it, like an unknown user).
pub const NO_PASSWORD: &str = "!federated";

/// What the callback does next.
#[derive(Debug)]
pub enum SignedIn {
    User(User),
    /// Ask for this user's password before linking (`prompt`).
    PromptLink(User),
    Refused(Refusal),
}

/// Why an upstream login cannot sign anyone in (the hosted callback says it in the request's
/// language; the token exchange in its English `error_description`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No account, and the provider creates none (the linking policy's reason).
    NotKnown(&'static str),
    Disabled,
    /// A new user's name is another account's.
    NameTaken,
}

impl Refusal {
    pub fn why(self) -> &'static str {
        match self {
            Self::NotKnown(why) => why,
            Self::Disabled => "this account is disabled",
            Self::NameTaken => "an account with this name exists already",
        }
    }
}

/// The linking decision for `login` at `provider`, and its inputs as read from the store.
pub async fn decide(
    store: &dyn Store,
    provider: &Provider,
    subject: &str,
    profile: &NormalizedProfile,
) -> Result<federation_linking::Decision, StoreError> {
    let known = store.federated_identity(&provider.config.name, subject).await?;
    let local_match = match (&profile.email, profile.email_verified, provider.linking, &known) {
        (Some(email), true, Linking::Prompt | Linking::Auto, None) => {
            match store.users_with_email(email).await?.as_slice() {
                [] => LocalMatch::None,
                [user] => LocalMatch::One { user_id: user.id.clone(), email_verified: user.email_verified },
                _ => LocalMatch::Several,
            }
        }
        _ => LocalMatch::None,
    };
    Ok(federation_linking::decide(&LinkingInput {
        linked_user: known.as_ref().map(|identity| identity.user_id.as_str()),
        policy: provider.linking,
        create_users: provider.create_users,
        upstream_email_verified: profile.email_verified,
        local_match,
    }))
}

/// Applies the decision for a validated upstream login.
pub async fn sign_in(
    state: &AppState,
    provider: &Provider,
    login: &UpstreamLogin,
    client_id: &str,
) -> Result<SignedIn, ApiError> {
    let decision = decide(state.store.as_ref(), provider, &login.subject, &login.profile).await?;
    let user_id = match decision.outcome {
        Outcome::LogIn { user_id } => return log_in(state, provider, login, &user_id, client_id).await,
        Outcome::PromptLink { user_id } => {
            return Ok(match active_user(state, &user_id).await? {
                Some(user) => SignedIn::PromptLink(user),
                None => SignedIn::Refused(Refusal::Disabled),
            });
        }
        Outcome::Refuse => return Ok(SignedIn::Refused(Refusal::NotKnown(decision.why))),
        Outcome::Link { user_id } => {
            let Some(user) = active_user(state, &user_id).await? else {
                return Ok(SignedIn::Refused(Refusal::Disabled));
            };
            let (subject, email) = (&login.subject, login.profile.email.as_deref());
            link(state, &provider.config.name, subject, email, &user, client_id, None)
                .await?
                .then_some(user.id)
        }
        Outcome::Create => create(state, provider, login, client_id).await?,
    };
    if let Some(user_id) = user_id {
        return Ok(active_user(state, &user_id)
            .await?
            .map_or(SignedIn::Refused(Refusal::Disabled), SignedIn::User));
    }
    // Another callback linked this identity first: sign in its user.
    match state.store.federated_identity(&provider.config.name, &login.subject).await? {
        Some(identity) => log_in(state, provider, login, &identity.user_id, client_id).await,
        None => Ok(SignedIn::Refused(Refusal::NameTaken)),
    }
}

async fn active_user(state: &AppState, user_id: &str) -> Result<Option<User>, ApiError> {
    Ok(state.store.user_by_id(user_id).await?.filter(|user| !user.disabled))
}

fn audit(kind: &str, user_id: &str, client_id: &str, provider: &str, now: i64) -> AuditEvent {
    AuditEvent {
        at: now,
        kind: kind.to_owned(),
        user_id: Some(user_id.to_owned()),
        client_id: Some(client_id.to_owned()),
        session_id: None,
        detail: Some(format!("provider={provider}")),
    }
}

fn profile_claims(profile: &NormalizedProfile) -> UserProfile {
    let fields = [
        ("name", &profile.name),
        ("given_name", &profile.given_name),
        ("family_name", &profile.family_name),
        ("picture", &profile.picture),
        ("locale", &profile.locale),
    ];
    fields.into_iter().filter_map(|(claim, value)| Some((claim.to_owned(), value.clone()?.into()))).collect()
}

/// A known identity: its user, the profile of an account made by federation refreshed when
/// the mapping says so.
async fn log_in(
    state: &AppState,
    provider: &Provider,
    login: &UpstreamLogin,
    user_id: &str,
    client_id: &str,
) -> Result<SignedIn, ApiError> {
    let Some(user) = active_user(state, user_id).await? else {
        return Ok(SignedIn::Refused(Refusal::Disabled));
    };
    let now = state.clock.now();
    let name = &provider.config.name;
    let mut work = state.store.begin().await?;
    // Only an account the provider made is kept in step with it: a linked local account keeps
    // its own address and profile (an upstream without a public address must not erase them).
    if provider.config.mapping.update_profile_on_login && user.password_hash == NO_PASSWORD {
        let profile = &login.profile;
        let claims = profile_claims(profile);
        work.set_user_profile(&user.id, profile.email.as_deref(), profile.email_verified, &claims, now)
            .await?;
    }
    work.record_audit_event(&audit("federated_login", &user.id, client_id, name, now)).await?;
    work.commit().await?;
    state.store.touch_federated_identity(name, &login.subject, now).await?;
    Ok(active_user(state, user_id).await?.map_or(SignedIn::Refused(Refusal::Disabled), SignedIn::User))
}

fn identity(
    provider: &str,
    subject: &str,
    email: Option<&str>,
    user_id: &str,
    now: i64,
) -> FederatedIdentity {
    FederatedIdentity {
        provider: provider.to_owned(),
        subject: subject.to_owned(),
        user_id: user_id.to_owned(),
        email: email.map(str::to_owned),
        linked_at: now,
        last_login_at: now,
    }
}

/// Links the identity to an existing user and ends the user's other refresh sessions (a new
/// way in was added to the account) — all of them, or all but `keep_session` (the session
/// that asked for the link from the account API) — in one unit of work. False when the
/// identity is linked already (nothing was written).
pub async fn link(
    state: &AppState,
    provider: &str,
    subject: &str,
    email: Option<&str>,
    user: &User,
    client_id: &str,
    keep_session: Option<&str>,
) -> Result<bool, ApiError> {
    let now = state.clock.now();
    let mut work = state.store.begin().await?;
    if taken(work.link_federated_identity(&identity(provider, subject, email, &user.id, now)).await)? {
        return Ok(false);
    }
    work.revoke_user_sessions(&user.id, now, "identity_linked", keep_session).await?;
    work.record_audit_event(&audit("identity_linked", &user.id, client_id, provider, now)).await?;
    work.commit().await?;
    tracing::info!(user_id = %user.id, provider, "upstream identity linked");
    Ok(true)
}

/// Whether a write hit a unique key (the unit of work is then rolled back by the caller
/// dropping it).
fn taken(result: Result<(), StoreError>) -> Result<bool, ApiError> {
    match result {
        Ok(()) => Ok(false),
        Err(StoreError::Conflict(_)) => Ok(true),
        Err(other) => Err(other.into()),
    }
}

/// A new user with the mapped profile, and its identity, in one unit of work; `None` when
/// the identity (or the username) was taken meanwhile.
async fn create(
    state: &AppState,
    provider: &Provider,
    login: &UpstreamLogin,
    client_id: &str,
) -> Result<Option<String>, ApiError> {
    let now = state.clock.now();
    let name = &provider.config.name;
    let profile = &login.profile;
    let user = NewUser {
        id: random::token(16)?,
        // Stable and unique per identity, so a racing second creation conflicts here too.
        username: format!("{name}:{}", login.subject),
        email: profile.email.clone(),
        email_verified: profile.email_verified,
        profile: profile_claims(profile),
        roles: profile.roles.clone(),
        password_hash: NO_PASSWORD.to_owned(),
        verification_required: false,
    };
    let mut work = state.store.begin().await?;
    if taken(work.create_user(&user, now).await)?
        || taken(
            work.link_federated_identity(&identity(
                name,
                &login.subject,
                profile.email.as_deref(),
                &user.id,
                now,
            ))
            .await,
        )?
    {
        return Ok(None);
    }
    work.record_audit_event(&audit("federated_user_created", &user.id, client_id, name, now)).await?;
    work.commit().await?;
    tracing::info!(user_id = %user.id, provider = %name, "user created from an upstream login");
    Ok(Some(user.id))
}
