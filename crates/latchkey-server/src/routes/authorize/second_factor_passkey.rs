//! A passkey in the hosted login's second-factor step (docs/architecture.md, "Multi-factor
//! authentication"), bound like the code forms to the browser session the first factor just
//! started (`super::second_factor::bound`):
//!
//! - `POST /login/second-factor/passkey/options` and `/login/second-factor/passkey`: an
//!   assertion whose `allowCredentials` are that user's passkeys only, checked against those
//!   only (WebAuthn §7.2), through the user's second-factor throttle like a code. Success is
//!   the same step-up, with `hwk` or `swk` (RFC 8176 §2) and `mfa`.
//! - `POST /login/enrol-passkey/options` and `/login/enrol-passkey`: a passkey registered
//!   instead of an authenticator app by a user who has no factor yet; the browser then goes
//!   back into the authorization request, which asks for that passkey. A user who has a
//!   factor is refused: a password alone must not add one.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_core::form::FormParams;
use latchkey_core::mfa::AMR_MFA;
use latchkey_core::OAuthError;
use latchkey_store::User;

use super::error::AuthorizeError;
use super::redirect::redirect_to;
use super::second_factor::{bound, challenge_page, enrol_page, expired, posted, resume_url, step_up};
use crate::error::ApiError;
use crate::mfa::{self, codes};
use crate::pages::tr;
use crate::passkeys::{assertion, registration};
use crate::routes::passkeys::{check_options_request, options_response};
use crate::state::AppState;

/// The user an options request is for: the CSRF-checked form's interaction, bound to the
/// request's browser session.
async fn options_user(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<User, ApiError> {
    let form: FormParams = check_options_request(state, headers, body)?;
    let Some((_, _, user)) = bound(state, headers, &form).await? else {
        return Err(OAuthError::invalid_request("the sign-in form has expired").into());
    };
    Ok(user)
}

pub async fn second_factor_passkey_options(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let user = options_user(&state, &headers, body).await?;
    let Some((handle, options)) = assertion::start_second_factor(&state, &user).await? else {
        return Err(OAuthError::invalid_request("no passkey is registered").into());
    };
    options_response(&handle, &options)
}

pub async fn second_factor_passkey(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let posted = posted(&state, &headers, body).await?;
    let (handle, credential) =
        (posted.form.get("ceremony").unwrap_or_default(), posted.form.get("credential").unwrap_or_default());
    let finish = async {
        let method = assertion::finish_second_factor(&state, &posted.user, handle, credential).await?;
        // The key's own value (`hwk` or `swk`), without the `mfa` a passkey sign-in carries.
        Ok(method.and_then(|method| method.amr.into_iter().find(|value| value != AMR_MFA)))
    };
    match codes::throttled(&state, &posted.user, finish).await? {
        Some(amr) => Ok(redirect_to(&step_up(&state, &posted, &amr).await?, &[])),
        // The one message for every refused passkey here.
        None => Ok(challenge_page(&state, &headers, &posted.step(), Some(&tr("mfa-passkey-refused"))).await?),
    }
}

/// Whether `user` may enrol a first factor here: they have none.
async fn may_enrol(state: &AppState, user: &User) -> Result<bool, ApiError> {
    Ok(mfa::enrolled(state, &user.id).await?.is_empty())
}

pub async fn enrol_passkey_options(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let user = options_user(&state, &headers, body).await?;
    if !may_enrol(&state, &user).await? {
        return Err(OAuthError::invalid_request("a second factor is set up already").into());
    }
    let (handle, options) = registration::start(&state, &user).await?;
    options_response(&handle, &options)
}

pub async fn enrol_passkey(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let posted = posted(&state, &headers, body).await?;
    if !may_enrol(&state, &posted.user).await? {
        return Err(expired());
    }
    let form = &posted.form;
    let (handle, credential, name) = (
        form.get("ceremony").unwrap_or_default(),
        form.get("credential").unwrap_or_default(),
        form.get("name").unwrap_or_default(),
    );
    match registration::finish(&state, &posted.user, handle, credential, name).await? {
        Ok(_) => {
            tracing::info!(user_id = %posted.user.id, "passkey enrolled during sign-in");
            Ok(redirect_to(&resume_url(&state, &posted)?, &[]))
        }
        Err(refusal) => Ok(enrol_page(&state, &headers, &posted.step(), Some(&refusal.message())).await?),
    }
}
