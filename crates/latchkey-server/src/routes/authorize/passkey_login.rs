//! "Sign in with a passkey" on the login page (docs/architecture.md, "Passkeys"):
//! `POST /login/passkey/options` starts a passwordless ceremony (discoverable credentials),
//! `POST /login/passkey` finishes it. The user the credential names goes through the
//! passkey door of [`crate::authn`] (IP throttle, disabled or locked refused, audit), then the
//! same [`resume_signed_in`] as a password or an upstream provider: a new browser session
//! whose `amr` says passkey. Every refusal shows the login form with one message.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::error::AuthorizeError;
use super::login::{form_page, open_interaction, resume_signed_in, sign_in_options};
use super::{forms, resolve_client};
use crate::authn::passkey::PasskeyAttempt;
use crate::authn::Refused;
use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::pages::tr;
use crate::passkeys::assertion;
use crate::routes::passkeys::{check_options_request, options_response};
use crate::state::AppState;

pub async fn passkey_sign_in_options(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_options_request(&state, &headers, body)?;
    let attempt = PasskeyAttempt {
        ip: Some(client_ip(peer, &headers, &state.config.trusted_proxies)),
        client_id: None,
    };
    if let Err(Refused::RateLimited { retry_after }) = attempt.admitted(&state).await? {
        let error = latchkey_core::OAuthError::invalid_request("too many failed sign-ins from this address");
        return Err(ApiError::RateLimited { error, retry_after });
    }
    let (handle, options) = assertion::start_sign_in(&state).await?;
    options_response(&handle, &options)
}

pub async fn passkey_sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let form = forms::read_checked_form(&state, &headers, body)?;
    let interaction = open_interaction(&state, &form)?;
    let client = resolve_client::resolve(&state, &interaction.q).await?.client;
    let options = sign_in_options(&state, &client, &interaction).await?;
    if !options.password {
        return Err(forms::forbidden_page().into());
    }
    // The one message for every refused passkey sign-in.
    let fail = |state: &AppState| {
        form_page(state, &headers, &client, &interaction, "", Some(&tr("passkey-sign-in-failed")), &options)
            .map_err(AuthorizeError::from)
    };
    let ip = client_ip(peer, &headers, &state.config.trusted_proxies);
    let attempt = PasskeyAttempt { ip: Some(ip), client_id: Some(&client.id) };
    if let Err(Refused::RateLimited { retry_after }) = attempt.admitted(&state).await? {
        return Ok(forms::rate_limited(fail(&state)?, retry_after));
    }
    let (handle, credential) =
        (form.get("ceremony").unwrap_or_default(), form.get("credential").unwrap_or_default());
    let Some((user, method)) = assertion::finish_sign_in(&state, &attempt, handle, credential).await? else {
        return fail(&state);
    };
    tracing::info!(user_id = %user.id, client_id = %client.id, "hosted login with a passkey");
    Ok(resume_signed_in(&state, &headers, &user.id, method, &interaction.q).await?)
}
