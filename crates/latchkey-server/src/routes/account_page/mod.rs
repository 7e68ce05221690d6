//! The account page (`/account`), behind the single-sign-on browser session: who the user is,
//! their application sessions (end one, or all), their second factors (`factors`), their
//! passkeys (add, remove: `passkeys`), a change of e-mail (`email_change`)
//! and a password change (the current password
//! through [`crate::authn`], the new one through the one policy). Every form is CSRF-checked
//! and answers with the page again, saying what happened.

mod actions;
mod email_change;
mod factors;
mod passkeys;

pub use actions::{change_password, end_session, end_sessions};
pub use email_change::change_email;
pub use factors::{recovery_codes, remove_factor, totp_begin, totp_confirm, Shown};
pub use passkeys::{add_passkey, passkey_options, remove_passkey};

use std::time::{Duration, UNIX_EPOCH};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_store::{BrowserSession, User};

use crate::browser;
use crate::error::ApiError;
use crate::pages::account::{self, AccountView, SessionRow};
use crate::pages::passkeys::{PasskeyRow, PasskeysSection};
use crate::pages::tr;
use crate::public_urls::Endpoint;
use crate::routes::account::client_names;
use crate::routes::authorize::forms;
use crate::state::AppState;

pub async fn account(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    match signed_in(&state, &headers).await? {
        Some((_, user)) => page(&state, &headers, &user, None, None).await,
        None => Ok(account::signed_out_account_page()),
    }
}

/// The browser session of the request and its enabled user.
async fn signed_in(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(BrowserSession, User)>, ApiError> {
    let Some(session) = browser::current_session(state, headers).await? else { return Ok(None) };
    let user = state.store.user_by_id(&session.user_id).await?.filter(|user| !user.disabled);
    Ok(user.map(|user| (session, user)))
}

fn when(seconds: i64) -> String {
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).unwrap_or_default());
    humantime::format_rfc3339_seconds(at).to_string()
}

/// The page, with `notice` or `error` from the last action.
async fn page(
    state: &AppState,
    headers: &HeaderMap,
    user: &User,
    notice: Option<&str>,
    error: Option<&str>,
) -> Result<Response, ApiError> {
    page_with(state, headers, user, notice, error, Shown::Nothing).await
}

/// The page, showing also what an action of the second-factor section made.
async fn page_with(
    state: &AppState,
    headers: &HeaderMap,
    user: &User,
    notice: Option<&str>,
    error: Option<&str>,
    shown: Shown,
) -> Result<Response, ApiError> {
    let sessions = state.store.list_live_sessions(Some(&user.id), state.clock.now()).await?;
    let names = client_names(state).await?;
    let unknown_device = tr("account-unknown-device");
    let rows = sessions
        .iter()
        .map(|s| SessionRow {
            id: &s.id,
            client: names.get(&s.client_id).map_or(s.client_id.as_str(), String::as_str),
            started: when(s.created_at),
            last_used: when(s.last_used_at),
            device: s.user_agent.as_deref().or(s.ip.as_deref()).unwrap_or(&unknown_device),
        })
        .collect();
    let urls = &state.urls;
    let (end_session, end_sessions, change_password, change_email) = (
        urls.path(Endpoint::AccountEndSession),
        urls.path(Endpoint::AccountEndSessions),
        urls.path(Endpoint::AccountChangePassword),
        urls.path(Endpoint::AccountChangeEmail),
    );
    let factors = factors::section(state, user, shown).await?;
    let passkeys = state.store.passkeys_of_user(&user.id).await?;
    let (script, options, add, remove) = (
        urls.path(Endpoint::PasskeyScript),
        urls.path(Endpoint::AccountPasskeyOptions),
        urls.path(Endpoint::AccountAddPasskey),
        urls.path(Endpoint::AccountRemovePasskey),
    );
    let passkeys = PasskeysSection {
        rows: passkeys
            .iter()
            .map(|p| PasskeyRow {
                credential_id: &p.credential_id,
                name: &p.name,
                created: when(p.created_at),
                last_used: p.last_used_at.map(when),
            })
            .collect(),
        script: &script,
        options: &options,
        add: &add,
        remove: &remove,
        codes: factors.enrolled.contains(&crate::mfa::SecondFactor::Totp),
    };
    forms::with_csrf(state, headers, |csrf| {
        account::account_page(&AccountView {
            factors: &factors,
            end_session: &end_session,
            end_sessions: &end_sessions,
            change_password: &change_password,
            change_email: &change_email,
            csrf,
            username: &user.username,
            email: user.email.as_deref(),
            email_verified: user.email_verified,
            has_password: user.password_hash != crate::federation::sign_in::NO_PASSWORD,
            sessions: rows,
            passkeys: crate::passkeys::available(state).then_some(&passkeys),
            notice,
            error,
        })
    })
}
