//! A signed-in user links another provider on purpose (`docs/architecture.md`,
//! "Federation"): `POST /account/identities/{provider}` ([`begin`]) makes a flow row whose
//! purpose is "link to user X" instead of an authorization request to resume, and the
//! callback ([`finish`]) links the upstream identity to that user.
//!
//! - Only within five minutes of the session's authentication
//!   (`latchkey_core::federation_linking::recent_enough_to_link`); an older one is answered
//!   `401` with the RFC 9470 §3 challenge `insufficient_user_authentication` and `max_age`.
//! - The flow is started by an API call, not by the browser that will follow the URL: the
//!   URL answered is Latchkey's [`super::link_ticket`] route, which binds the flow to the
//!   first browser that opens it (the flow cookie, `crate::cookies`) before sending it
//!   upstream; the callback requires that cookie. It is also bound to the session that
//!   asked, which must still be live at the callback, and its `state` is single use as for
//!   a login.
//! - The callback never creates a user and never signs anyone in; an identity of another
//!   user is refused with a page. Linking ends the user's *other* refresh sessions and
//!   writes an audit event (`crate::federation::sign_in::link`, the one place that links).
//! - Afterwards a "linked" page, or a redirect to `return_to`, a path on this server only
//!   (`latchkey_core::federation_linking::is_local_return_path`): never an open redirector.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_core::bearer::BearerError;
use latchkey_core::federation_linking::{is_local_return_path, recent_enough_to_link, LINK_MAX_AUTH_AGE};
use latchkey_core::form::FormParams;
use latchkey_core::{ErrorCode, OAuthError};
use latchkey_crypto::random;
use latchkey_store::FederationFlow;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::error::AuthorizeError;
use super::super::redirect::redirect_to;
use super::callback::redeem;
use super::link_ticket::LinkTicket;
use super::start::{create_flow, hash};
use super::{failure, upstream_failure, FLOW_TTL};
use crate::bearer::AccountUser;
use crate::browser::{open_signed, seal_signed};
use crate::error::ApiError;
use crate::federation::providers;
use crate::federation::sign_in;
use crate::federation::upstream::UpstreamError;
use crate::pages::ErrorPage;
use crate::pages::{tr, tr_args};
use crate::state::AppState;

const LABEL: &[u8] = b"latchkey account link v1\0";

/// The purpose of a link flow, sealed into its row.
#[derive(Serialize, Deserialize)]
pub(super) struct AccountLink {
    user_id: String,
    /// The session that asked: it must be live at the callback, and it is the one kept.
    session_id: String,
    client_id: String,
    return_to: Option<String>,
    exp: i64,
}

impl AccountLink {
    /// The link a flow row was made for, if it is one and has not expired.
    pub(super) fn open(state: &AppState, sealed: &str, now: i64) -> Option<Self> {
        open_signed::<Self>(&state.page_mac, LABEL, sealed).filter(|link| link.exp > now)
    }
}

/// RFC 9470 §3: the session's authentication is too old for this; sign in again.
fn sign_in_again() -> Response {
    let description =
        "linking a sign-in method needs a recent sign-in: sign in again and retry within 5 minutes";
    let body = json!({ "error": "insufficient_user_authentication", "error_description": description });
    let challenge = format!(
        "Bearer realm=\"latchkey\", error=\"insufficient_user_authentication\", \
         error_description=\"{description}\", max_age={LINK_MAX_AUTH_AGE}"
    );
    let mut response = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(challenge) = HeaderValue::from_str(&challenge) {
        headers.insert(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

/// 404: no provider of that name that this token's client offers.
fn not_found() -> Response {
    let error = OAuthError::invalid_request("this application offers no such sign-in provider");
    let mut response = ApiError::from(error).into_response();
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

/// `POST /account/identities/{provider}`: `{"authorization_url": …}` to send the browser to.
pub(crate) async fn begin(
    state: &AppState,
    account: &AccountUser,
    name: &str,
    return_to: Option<String>,
) -> Result<Response, ApiError> {
    if return_to.as_deref().is_some_and(|path| !is_local_return_path(path)) {
        return Err(OAuthError::invalid_request("return_to must be a path on this server").into());
    }
    let now = state.clock.now();
    let Some(session) = state.store.session(&account.session_id).await? else {
        return Err(BearerError::InvalidToken("the session of this access token has ended".into()).into());
    };
    if !recent_enough_to_link(session.session.auth_time, now) {
        return Ok(sign_in_again());
    }
    let client_id = &account.claims.client_id;
    let offered = state.store.client_upstream_providers(client_id).await?.iter().any(|p| p == name);
    let Some(record) = state.store.upstream_provider(name).await?.filter(|_| offered) else {
        return Ok(not_found());
    };
    let provider = providers::open(&state.federation.sealer, &record).map_err(ApiError::Internal)?;
    let link = AccountLink {
        user_id: account.claims.sub.clone(),
        session_id: account.session_id.clone(),
        client_id: client_id.clone(),
        return_to,
        exp: now + FLOW_TTL,
    };
    let purpose = seal_signed(&state.page_mac, LABEL, &link)?;
    // No browser holds this secret: the first browser to open the ticket replaces it with
    // the hash of its own (module doc).
    let unbound = hash(&random::token(32)?);
    match create_flow(state, &provider, purpose, &unbound).await? {
        Ok((upstream_url, state_hash)) => {
            let url = LinkTicket::url(state, name, state_hash, unbound, upstream_url.into())?;
            let body = Json(json!({ "authorization_url": url }));
            Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], body).into_response())
        }
        Err(error) => {
            tracing::warn!(provider = name, %error, "cannot start an account link");
            let error =
                OAuthError::new(ErrorCode::TemporarilyUnavailable, "the identity provider is unavailable");
            Err(error.into())
        }
    }
}

/// The callback of a link flow, its row already consumed.
pub(super) async fn finish(
    state: &AppState,
    name: &str,
    flow: &FederationFlow,
    link: AccountLink,
    form: &FormParams,
    same_browser: bool,
) -> Result<Response, AuthorizeError> {
    let now = state.clock.now();
    let fail = |reason: &'static str, status: StatusCode, message: String| {
        failure(state, name, reason, status, message)
    };
    if flow.provider != name || !same_browser {
        let message = tr("link-other-browser");
        return Err(fail("state_mismatch", StatusCode::BAD_REQUEST, message).await);
    }
    let session = state.store.session(&link.session_id).await?;
    let live = session.is_some_and(|s| s.session.is_live(now) && s.session.user_id == link.user_id);
    let user = state.store.user_by_id(&link.user_id).await?.filter(|user| !user.disabled);
    let Some(user) = user.filter(|_| live) else {
        let message = tr("link-session-ended");
        return Err(fail("session_ended", StatusCode::BAD_REQUEST, message).await);
    };
    let provider = super::provider(state, name).await?;
    let login = match redeem(state, &provider, flow, form).await? {
        Ok(login) => login,
        Err(UpstreamError::AccessDenied) => {
            let message = tr("link-cancelled");
            return Err(fail("access_denied", StatusCode::BAD_REQUEST, message).await);
        }
        Err(error) => return Err(upstream_failure(state, name, error).await),
    };
    let (subject, email) = (&login.subject, login.profile.email.as_deref());
    let keep = Some(link.session_id.as_str());
    if !sign_in::link(state, name, subject, email, &user, &link.client_id, keep).await? {
        let linked = state.store.federated_identity(name, subject).await?;
        if linked.is_none_or(|identity| identity.user_id != user.id) {
            let message = tr_args("link-taken", &[("provider", name.into())]);
            return Err(fail("linked_to_another_user", StatusCode::CONFLICT, message).await);
        }
    }
    let mut response = match link.return_to {
        Some(path) => redirect_to(&path, &[]),
        None => {
            let message = tr_args("link-done", &[("provider", name.into())]);
            ErrorPage::new(StatusCode::OK, tr("link-done-title"), message).into_response()
        }
    };
    let clear = state.cookies.set_cookie(state.cookies.federation_name, "", 0);
    response.headers_mut().append(header::SET_COOKIE, clear);
    Ok(response)
}
