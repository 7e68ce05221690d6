//! `GET` and `POST /federation/{name}/callback`: the provider sends the browser back here.
//!
//! In order: the flow is consumed by its `state` (one compare-and-swap: a replay finds it
//! used), it must belong to this provider and to this browser (the flow cookie's hash), the
//! RFC 9207 `iss` is checked, the code is redeemed and the identity validated upstream
//! (`crate::federation::upstream`), the linking decision is applied
//! (`crate::federation::sign_in`), and the authorization request resumes exactly as after a
//! password login (`super::super::login::resume_signed_in`).
//!
//! A `form_post` callback (Apple) is a cross-site POST, which carries no SameSite=Lax
//! cookie: it is answered with a 303 to the same callback as a GET with the same parameters
//! — a top-level navigation, which does carry it (as Ory Kratos does).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use latchkey_core::form::FormParams;
use latchkey_core::ErrorCode;
use latchkey_core::OAuthError;
use latchkey_store::{FederationFlow, SignInMethod};
use url::Url;

use super::super::error::AuthorizeError;
use super::super::forms::read_page_form;
use super::super::login::resume_signed_in;
use super::super::redirect::redirect_to;
use super::super::resolve_client;
use super::account_link::{self, AccountLink};
use super::link::prompt_page;
use super::start::hash;
use super::{audit_failure, failure, provider, upstream_failure};
use crate::browser::Interaction;
use crate::cookies::read_cookie;
use crate::error::ApiError;
use crate::federation::kept_tokens;
use crate::federation::providers::Provider;
use crate::federation::sign_in::{self, Refusal, SignedIn};
use crate::federation::upstream::{CallbackInput, UpstreamError, UpstreamLogin};
use crate::pages::tr;
use crate::state::AppState;

/// The parameters a callback may carry (RFC 6749 §4.1.2, RFC 9207 `iss`, Apple's `user`).
const PARAMS: [&str; 6] = ["state", "code", "error", "iss", "user", "error_description"];

pub async fn callback_post(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let form = read_page_form(&headers, body)?;
    let params: Vec<(&str, &str)> =
        PARAMS.iter().filter_map(|&param| form.get(param).map(|value| (param, value))).collect();
    Ok(redirect_to(&state.urls.federation_path(&name, "callback"), &params))
}

pub async fn callback_get(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AuthorizeError> {
    let form = FormParams::parse(query.unwrap_or_default().as_bytes())
        .map_err(|_| AuthorizeError::page(tr("federation-unreadable")))?;
    let fail = |reason: &'static str, status: StatusCode, message: &str| {
        failure(&state, &name, reason, status, message.to_owned())
    };
    let expired = &tr("federation-expired");
    let Some(flow_state) = form.get("state") else {
        return Err(fail("state_missing", StatusCode::BAD_REQUEST, expired).await);
    };
    let now = state.clock.now();
    let state_hash = hash(flow_state);
    let Some(flow) = state.store.consume_federation_flow(&state_hash, now).await? else {
        let reason = match state.store.federation_flow(&state_hash).await? {
            Some(flow) if flow.used_at.is_some() => "replayed",
            Some(_) => "expired",
            None => "unknown_state",
        };
        return Err(fail(reason, StatusCode::BAD_REQUEST, expired).await);
    };
    let same_browser =
        read_cookie(&headers, state.cookies.federation_name).is_some_and(|c| hash(&c) == flow.browser_hash);
    if let Some(link) = AccountLink::open(&state, &flow.interaction, now) {
        return account_link::finish(&state, &name, &flow, link, &form, same_browser).await;
    }
    if flow.provider != name || !same_browser {
        let message = &tr("federation-other-browser");
        return Err(fail("state_mismatch", StatusCode::BAD_REQUEST, message).await);
    }
    let Some(interaction) = Interaction::open(&state.page_mac, &flow.interaction, now) else {
        return Err(fail("expired", StatusCode::BAD_REQUEST, expired).await);
    };
    let client_request = resolve_client::resolve(&state, &interaction.q).await?;
    let provider = provider(&state, &name).await?;

    let login = redeem(&state, &provider, &flow, &form).await?;
    let login = match login {
        Ok(login) => login,
        Err(UpstreamError::AccessDenied) => {
            audit_failure(&state, &name, "access_denied").await?;
            let denied =
                OAuthError::new(ErrorCode::AccessDenied, "the user declined at the identity provider");
            return Err(client_request.return_to.error(denied));
        }
        Err(error) => return Err(upstream_failure(&state, &name, error).await),
    };

    let client_id = &client_request.client.id;
    let mut response = match sign_in::sign_in(&state, &provider, &login, client_id).await? {
        SignedIn::User(user) => {
            tracing::info!(user_id = %user.id, provider = %name, "federated login");
            if provider.store_tokens {
                let retain_until = now + kept_tokens::RETENTION;
                kept_tokens::keep(&state, &name, &user.id, &login.tokens, retain_until).await?;
            }
            let method = SignInMethod::federated(&name);
            resume_signed_in(&state, &headers, &user.id, method, &interaction.q).await?
        }
        SignedIn::PromptLink(user) => prompt_page(&state, &headers, &name, &login, &user, &interaction.q)?,
        SignedIn::Refused(refusal) => {
            let message = match refusal {
                Refusal::NotKnown(_) => tr("federation-refused-unknown"),
                Refusal::Disabled => tr("federation-refused-disabled"),
                Refusal::NameTaken => tr("federation-refused-name-taken"),
            };
            return Err(failure(&state, &name, "refused", StatusCode::FORBIDDEN, message).await);
        }
    };
    let clear = state.cookies.set_cookie(state.cookies.federation_name, "", 0);
    response.headers_mut().append(header::SET_COOKIE, clear);
    Ok(response)
}

/// The callback's code redeemed and the identity validated upstream (or why not: an error
/// the provider sent back, a wrong RFC 9207 `iss`, a refused code or ID token).
pub(super) async fn redeem(
    state: &AppState,
    provider: &Provider,
    flow: &FederationFlow,
    form: &FormParams,
) -> Result<Result<UpstreamLogin, UpstreamError>, ApiError> {
    let upstream = &state.federation.upstream;
    let code = match (form.get("error"), form.get("code")) {
        (Some(error), _) => return Ok(Err(UpstreamError::from_authorization_error(error))),
        (None, Some(code)) => code,
        (None, None) => return Ok(Err(UpstreamError::Authorization("invalid_request".to_owned()))),
    };
    if let Err(error) = upstream.check_response_issuer(&provider.config, form.get("iss")).await {
        return Ok(Err(error));
    }
    let name = &provider.config.name;
    let input = CallbackInput {
        code: code.to_owned(),
        redirect_uri: Url::parse(&state.urls.federation_url(name, "callback")).map_err(ApiError::internal)?,
        pkce_verifier: flow.pkce_verifier.clone(),
        nonce: flow.nonce.clone(),
        apple_user: form.get("user").map(str::to_owned),
    };
    Ok(upstream.complete(&provider.config, &input).await)
}
