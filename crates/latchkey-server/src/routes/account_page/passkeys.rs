//! The account page's passkeys (docs/architecture.md, "Passkeys"):
//! `POST /account/passkeys/options` starts a registration (JSON, for the page's script),
//! `POST /account/passkeys/add` finishes it under the user's label, and
//! `POST /account/passkeys/remove` removes one. Adding or removing a way to sign in needs a
//! recent authentication (the browser session's `auth_time` within the five minutes of
//! `latchkey_core::federation_linking::recent_enough_to_link`, the rule that guards linking a
//! provider): a session cookie left behind must not be enough to plant or remove a passkey.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_core::federation_linking::recent_enough_to_link;
use latchkey_core::OAuthError;
use latchkey_store::BrowserSession;

use super::actions::checked;
use super::{page, signed_in};
use crate::error::ApiError;
use crate::passkeys::registration;
use crate::routes::authorize::error::AuthorizeError;
use crate::routes::passkeys::{check_options_request, options_response};
use crate::state::AppState;

const SIGN_IN_AGAIN: &str =
    "For your safety, sign out and sign in again (within five minutes) before you add or remove a passkey.";

fn recent(state: &AppState, session: &BrowserSession) -> bool {
    recent_enough_to_link(session.auth_time, state.clock.now())
}

pub async fn passkey_options(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_options_request(&state, &headers, body)?;
    let Some((session, user)) = signed_in(&state, &headers).await? else {
        return Err(OAuthError::invalid_request("not signed in").into());
    };
    if !recent(&state, &session) {
        return Err(OAuthError::invalid_request("sign in again first: the sign-in is not recent").into());
    }
    let (handle, options) = registration::start(&state, &user).await?;
    options_response(&handle, &options)
}

pub async fn add_passkey(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let (form, _, user) = match checked(&state, &headers, body).await? {
        Ok(checked) => checked,
        Err(page) => return Ok(page),
    };
    let (handle, credential, name) = (
        form.get("ceremony").unwrap_or_default(),
        form.get("credential").unwrap_or_default(),
        form.get("name").unwrap_or_default(),
    );
    Ok(match registration::finish(&state, &user, handle, credential, name).await? {
        Ok(record) => {
            tracing::info!(user_id = %user.id, "passkey registered");
            let notice = format!("The passkey \u{201c}{}\u{201d} was added.", record.name);
            page(&state, &headers, &user, Some(&notice), None).await?
        }
        Err(refusal) => page(&state, &headers, &user, None, Some(refusal.message())).await?,
    })
}

pub async fn remove_passkey(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let (form, session, user) = match checked(&state, &headers, body).await? {
        Ok(checked) => checked,
        Err(page) => return Ok(page),
    };
    if !recent(&state, &session) {
        return Ok(page(&state, &headers, &user, None, Some(SIGN_IN_AGAIN)).await?);
    }
    let credential_id = form.get("passkey").unwrap_or_default();
    // Another user's passkey is treated as absent, so ids cannot be probed.
    let notice = if state.store.remove_passkey(&user.id, credential_id).await? {
        crate::passkeys::audit(&state, &user.id, "passkey_removed", credential_id).await?;
        "The passkey was removed."
    } else {
        "That passkey had already been removed."
    };
    Ok(page(&state, &headers, &user, Some(notice), None).await?)
}
