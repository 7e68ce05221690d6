//! The account page's passkeys (docs/architecture.md, "Passkeys"):
//! `POST /account/passkeys/options` starts a registration (JSON, for the page's script),
//! `POST /account/passkeys/add` finishes it under the user's label, and
//! `POST /account/passkeys/remove` removes one. Adding a way to sign in needs a recent
//! authentication (the browser session's `auth_time` within the five minutes of
//! `latchkey_core::federation_linking::recent_enough_to_link`, the rule that guards linking a
//! provider): a session cookie left behind must not be enough to plant a passkey. Removing
//! one removes a second factor, so it follows the factors' rules (docs/architecture.md,
//! "Multi-factor authentication"): a recent authentication *with a factor*, and never the
//! last factor of a user whom a `required` client holds.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_core::federation_linking::recent_enough_to_link;
use latchkey_core::OAuthError;
use latchkey_store::BrowserSession;

use super::actions::AccountForm;
use super::factors::last_factor;
use super::{page, signed_in};
use crate::error::ApiError;
use crate::mfa::codes::{self, CodeCheck};
use crate::mfa::{self, SecondFactor};
use crate::pages::{tr, tr_args};
use crate::passkeys::registration;
use crate::routes::authorize::error::AuthorizeError;
use crate::routes::passkeys::{check_options_request, options_response};
use crate::state::AppState;

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
    AccountForm { form, user, .. }: AccountForm,
) -> Result<Response, AuthorizeError> {
    let (handle, credential, name) = (
        form.get("ceremony").unwrap_or_default(),
        form.get("credential").unwrap_or_default(),
        form.get("name").unwrap_or_default(),
    );
    Ok(match registration::finish(&state, &user, handle, credential, name).await? {
        Ok(record) => {
            tracing::info!(user_id = %user.id, "passkey registered");
            let notice = tr_args("passkey-added", &[("name", record.name.as_str().into())]);
            page(&state, &headers, &user, Some(&notice), None).await?
        }
        Err(refusal) => page(&state, &headers, &user, None, Some(&refusal.message())).await?,
    })
}

/// Removing a passkey needs a recent authentication with a factor: a sign-in within five
/// minutes whose `amr` is multi-factor, or a current code in the form; and the last factor of
/// a user whom a `required` client holds stays ([`mfa::last_factor_kept`]).
pub async fn remove_passkey(
    State(state): State<AppState>,
    headers: HeaderMap,
    AccountForm { form, session, user }: AccountForm,
) -> Result<Response, AuthorizeError> {
    let code = form.get("code").unwrap_or_default();
    let proven = (recent(&state, &session) && session.method.is_multi_factor())
        || (!code.trim().is_empty() && codes::check(&state, &user, code).await? != CodeCheck::Refused);
    if !proven {
        // No recent authentication with a factor.
        return Ok(page(&state, &headers, &user, None, Some(&tr("passkey-prove-factor"))).await?);
    }
    let credential_id = form.get("passkey").unwrap_or_default();
    let passkeys = state.store.passkeys_of_user(&user.id).await?;
    if passkeys.len() == 1 && passkeys[0].credential_id == credential_id {
        let left = mfa::enrolled(&state, &user.id).await?.into_iter().filter(|f| *f != SecondFactor::Passkey);
        if mfa::last_factor_kept(&state, &user.id, &left.collect::<Vec<_>>()).await? {
            return Ok(page(&state, &headers, &user, None, Some(&last_factor())).await?);
        }
    }
    // Another user's passkey is treated as absent, so ids cannot be probed.
    let notice = if state.store.remove_passkey(&user.id, credential_id).await? {
        crate::passkeys::audit(&state, &user.id, "passkey_removed", credential_id).await?;
        tr("passkey-removed")
    } else {
        tr("passkey-already-removed")
    };
    Ok(page(&state, &headers, &user, Some(&notice), None).await?)
}
