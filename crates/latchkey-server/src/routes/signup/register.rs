//! `GET /signup` and `POST /signup`.
//!
//! The answer does not tell whether the address is registered: a new address gets an account
//! and a verification link, a registered one an e-mail to its owner instead ("you already
//! have an account"; an account not yet verified gets a new verification link), and the page
//! is the same (the password is hashed either way, the e-mail sent from a task of its own).
//! A chosen username that is taken is said so: usernames are public handles. No session is
//! started: the account signs in only after its address is verified, so whoever registers
//! someone else's address never holds a session of that account (pre-account takeover).
//! Whether sign-up is offered: the server's `self_registration`, or, for a sign-up from a
//! client's login page (`?client_id=…`), that client's own switch when it has one.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_core::password_policy;
use latchkey_core::token_request::MAX_USERNAME_LEN;
use latchkey_store::{NewUser, StoreError, User};
use serde::Deserialize;

use crate::account_links::{self, EMAIL_VERIFICATION, EMAIL_VERIFICATION_TTL};
use crate::admin::{self, BadUsername};
use crate::error::ApiError;
use crate::mail::templates;
use crate::pages::signup::{self, SignupForm};
use crate::pages::ErrorPage;
use crate::pages::{tr, tr_args};
use crate::public_urls::Endpoint;
use crate::routes::authorize::error::AuthorizeError;
use crate::routes::authorize::forms;
use crate::routes::authorize::redirect::with_query;
use crate::routes::mail_requests;
use crate::state::AppState;
use crate::throttle::Verdict;

fn not_offered() -> Response {
    ErrorPage::new(StatusCode::NOT_FOUND, tr("signup-off-title"), tr("signup-off-text")).into_response()
}

/// `?client_id=…`: the sign-up comes from that client's login page.
#[derive(Deserialize, Default)]
pub struct SignupQuery {
    client_id: Option<String>,
}

/// The client of the request's `client_id`, when given; `Err` when sign-up is not offered
/// there: the client's own switch decides, else the server's `self_registration`.
async fn offered(
    state: &AppState,
    query: Result<Query<SignupQuery>, QueryRejection>,
) -> Result<Result<Option<String>, Response>, ApiError> {
    let client_id = query.map(|Query(q)| q.client_id).unwrap_or_default();
    let allowed = match &client_id {
        Some(id) => state
            .store
            .client_by_id(id)
            .await?
            .is_some_and(|client| client.signup.allows_signup(state.config.self_registration)),
        None => state.config.self_registration,
    };
    Ok(if allowed { Ok(client_id) } else { Err(not_offered()) })
}

pub async fn signup_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<SignupQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    match offered(&state, query).await? {
        Ok(client_id) => form(&state, &headers, client_id.as_deref(), ("", ""), None),
        Err(page) => Ok(page),
    }
}

fn form(
    state: &AppState,
    headers: &HeaderMap,
    client_id: Option<&str>,
    (email, username): (&str, &str),
    error: Option<&str>,
) -> Result<Response, ApiError> {
    let action = signup_path(state, client_id);
    forms::with_csrf(state, headers, |csrf| {
        signup::signup_page(&SignupForm { action: &action, csrf, email, username, error })
    })
}

/// The sign-up page's path, carrying the client it came from.
pub fn signup_path(state: &AppState, client_id: Option<&str>) -> String {
    let path = state.urls.path(Endpoint::Signup);
    match client_id {
        Some(id) => with_query(&path, &[("client_id", id)]),
        None => path,
    }
}

pub async fn signup_request(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<SignupQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let client_id = match offered(&state, query).await? {
        Ok(client_id) => client_id,
        Err(page) => return Ok(page),
    };
    let params = forms::read_checked_form(&state, &headers, body)?;
    let email = params.get("email").unwrap_or_default().trim();
    let chosen = params.get("username").unwrap_or_default().trim();
    let username = if chosen.is_empty() { email } else { chosen };
    let refuse = |message: &str| {
        form(&state, &headers, client_id.as_deref(), (email, chosen), Some(message))
            .map_err(AuthorizeError::from)
    };
    if !mail_requests::is_email(email) {
        return refuse(&tr("enter-email"));
    }
    if let Some(problem) = admin::username_problem(username) {
        return refuse(&match problem {
            BadUsername::Empty => tr("signup-username-empty"),
            BadUsername::TooLong => tr_args("signup-username-too-long", &[("max", MAX_USERNAME_LEN.into())]),
            BadUsername::Characters => tr("signup-username-characters"),
        });
    }
    let password = params.get("password").unwrap_or_default();
    if let Err(refusal) =
        password_policy::check(password, state.config.password_min_length, &[username, email])
    {
        return refuse(&crate::pages::recovery::password_refusal(&refusal));
    }
    let verdict = mail_requests::admit(&state, peer, &headers, email).await?;
    if let Verdict::RateLimited { retry_after } = verdict {
        return Ok(mail_requests::too_many(refuse(&mail_requests::too_many_text())?, retry_after));
    }
    let now = state.clock.now();
    // Hashed whether or not the address is registered: the time taken tells nothing.
    let hash = state.passwords.hash(password.to_owned()).await?;
    let existing = state.store.user_by_email(email).await?;
    let created = match existing {
        Some(_) => None,
        None => {
            let user = NewUser {
                id: admin::new_user_id().map_err(ApiError::from)?,
                username: username.to_owned(),
                email: Some(email.to_owned()),
                email_verified: false,
                profile: Default::default(),
                roles: Vec::new(),
                password_hash: hash,
                verification_required: true,
            };
            match state.store.create_user(&user, now).await {
                Ok(user) => Some(user),
                Err(StoreError::Conflict(_)) if !chosen.is_empty() => {
                    return refuse(&tr("signup-username-taken"));
                }
                Err(StoreError::Conflict(_)) => None,
                Err(e) => return Err(ApiError::from(e).into()),
            }
        }
    };
    if verdict == Verdict::Open {
        let (state, email) = (state.clone(), email.to_owned());
        tokio::spawn(crate::pages::presentation::carry(async move {
            let mail = match created {
                Some(user) => verification_mail(&state, &user).await,
                None => owner_mail(&state, &email).await,
            };
            if let Err(e) = mail {
                tracing::warn!(error = %e, "could not queue a sign-up e-mail");
            }
        }));
    }
    Ok(signup::check_email_page())
}

/// Issues a verification link for the user's address and queues its e-mail.
pub async fn verification_mail(state: &AppState, user: &User) -> Result<(), ApiError> {
    let Some(address) = user.email.as_deref() else { return Ok(()) };
    let token =
        account_links::issue(state, user, address, EMAIL_VERIFICATION, EMAIL_VERIFICATION_TTL).await?;
    let link = format!("{}?token={token}", state.urls.url(Endpoint::VerifyEmail));
    let mail = templates::verify_email(address, &user.username, &link, EMAIL_VERIFICATION_TTL / 3_600);
    state.outbox.enqueue(&mail).await
}

/// The address is registered: its account gets a new verification link while unverified,
/// else its owner is told someone tried to register it.
async fn owner_mail(state: &AppState, email: &str) -> Result<(), ApiError> {
    let Some(owner) = state.store.user_by_email(email).await?.filter(|user| !user.disabled) else {
        return Ok(());
    };
    if owner.verification_required {
        return verification_mail(state, &owner).await;
    }
    let Some(address) = owner.email.as_deref() else { return Ok(()) };
    let mail =
        templates::already_registered(address, &owner.username, &state.urls.url(Endpoint::ForgotPassword));
    state.outbox.enqueue(&mail).await
}
