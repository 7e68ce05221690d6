//! The `prompt` linking policy (`docs/architecture.md`, "Federation"): an upstream login
//! whose verified e-mail matches an account with a verified e-mail is linked only after the
//! user enters that account's password here, through the one user-authentication door
//! (`crate::authn`, with its throttle). Linking ends the user's other refresh sessions.
//!
//! What is to be linked travels in the form signed by the server (`crate::browser`'s
//! `seal_signed`), valid for the flow's 10 minutes; linking twice is harmless (the identity
//! is unique).

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::token_request::{Secret, MAX_PASSWORD_LEN};
use latchkey_store::{SignInMethod, User};
use serde::{Deserialize, Serialize};

use super::super::error::AuthorizeError;
use super::super::forms;
use super::super::login::{login_failed, resume_signed_in};
use super::super::resolve_client;
use super::FLOW_TTL;
use crate::authn::{self, Attempt, Channel, Refused};
use crate::browser::{open_signed, seal_signed};
use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::federation::sign_in;
use crate::federation::upstream::UpstreamLogin;
use crate::pages::tr;
use crate::pages::{self, LinkForm};
use crate::public_urls::Endpoint;
use crate::state::AppState;

const LABEL: &[u8] = b"latchkey federation link v1\0";

/// An upstream identity waiting for the password of the account it will be linked to.
#[derive(Serialize, Deserialize)]
struct PendingLink {
    provider: String,
    subject: String,
    email: Option<String>,
    user_id: String,
    /// The authorization request to resume.
    q: String,
    exp: i64,
}

fn page(
    state: &AppState,
    headers: &HeaderMap,
    pending: &PendingLink,
    sealed: &str,
    username: &str,
    error: Option<&str>,
) -> Result<Response, ApiError> {
    let status = if error.is_some() { StatusCode::UNAUTHORIZED } else { StatusCode::OK };
    forms::with_csrf(state, headers, |csrf| {
        pages::link_page(
            status,
            &LinkForm {
                action: &state.urls.path(Endpoint::FederationLink),
                provider: &pending.provider,
                username,
                pending: sealed,
                csrf,
                error,
            },
        )
    })
}

/// The page asking `user` for their password before `login` is linked to their account.
pub(super) fn prompt_page(
    state: &AppState,
    headers: &HeaderMap,
    provider: &str,
    login: &UpstreamLogin,
    user: &User,
    q: &str,
) -> Result<Response, ApiError> {
    let pending = PendingLink {
        provider: provider.to_owned(),
        subject: login.subject.clone(),
        email: login.profile.email.clone(),
        user_id: user.id.clone(),
        q: q.to_owned(),
        exp: state.clock.now() + FLOW_TTL,
    };
    let sealed = seal_signed(&state.page_mac, LABEL, &pending)?;
    page(state, headers, &pending, &sealed, &user.username, None)
}

/// `POST /federation/link`.
pub async fn link(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let form = forms::read_checked_form(&state, &headers, body)?;
    let now = state.clock.now();
    let expired = || AuthorizeError::page(tr("form-expired"));
    let sealed = form.get("pending").ok_or_else(expired)?;
    let pending: PendingLink = open_signed(&state.page_mac, LABEL, sealed)
        .filter(|p: &PendingLink| p.exp > now)
        .ok_or_else(expired)?;
    let user = state.store.user_by_id(&pending.user_id).await?.filter(|u| !u.disabled).ok_or_else(expired)?;
    let client = resolve_client::resolve(&state, &pending.q).await?.client;
    let password = form.get("password").unwrap_or_default();
    let fail =
        |state: &AppState| page(state, &headers, &pending, sealed, &user.username, Some(&login_failed()));
    if password.is_empty() || password.len() > MAX_PASSWORD_LEN {
        return Ok(fail(&state)?);
    }
    let attempt = Attempt {
        username: &user.username,
        password: Secret::new(password),
        ip: Some(client_ip(peer, &headers, &state.config.trusted_proxies)),
        client_id: Some(&client.id),
        known_device: false,
        channel: Channel::FederationLink,
    };
    match authn::authenticate(&state, attempt).await? {
        Ok(proven) if proven.id == user.id => {}
        Err(Refused::RateLimited { retry_after }) => {
            return Ok(forms::rate_limited(fail(&state)?, retry_after))
        }
        _ => return Ok(fail(&state)?),
    }
    let (provider, subject) = (&pending.provider, &pending.subject);
    if !sign_in::link(&state, provider, subject, pending.email.as_deref(), &user, &client.id, None).await? {
        let linked = state.store.federated_identity(provider, subject).await?;
        if linked.is_none_or(|identity| identity.user_id != user.id) {
            return Err(AuthorizeError::page(tr("federation-linked-elsewhere")));
        }
    }
    Ok(resume_signed_in(&state, &headers, &user.id, SignInMethod::federated(provider), &pending.q).await?)
}
