//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at the `end_session_endpoint`,
//! GET and POST.
//!
//! A `post_logout_redirect_uri` must be registered for the client (exactly, but for the port
//! of a loopback URI, as with redirect URIs), named by the
//! `id_token_hint`'s audience or by `client_id`; otherwise an error page, never a redirect.
//!
//! Only the session of the request's own cookie is ever ended (as node-oidc-provider does):
//! an ID token is no credential for someone else's session, since it travels through
//! browsers and logs (§2: the hint is only a hint; §6 "Security Considerations"). With an
//! `id_token_hint` (signed by this server; it may have expired) that names the browser's
//! current session, that session ends at once; otherwise (no hint, a hint for another
//! session, or no browser session at all) the user confirms on a page (a form with a CSRF
//! token). Ending a browser session also revokes every refresh session it started, in the
//! same unit of work.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, Method};
use axum::response::Response;
use latchkey_core::form::FormParams;
use latchkey_core::redirect_uri;
use latchkey_crypto::verify_jwt;
use latchkey_store::BrowserSession;

use super::authorize::{forms, redirect, AuthorizeError};
use crate::browser;
use crate::pages::{self, tr, ErrorPage};
use crate::public_urls::Endpoint;
use crate::state::AppState;
use crate::tokens::id_token::IdTokenClaims;

fn bad(message: String) -> AuthorizeError {
    ErrorPage::bad_request(tr("logout-error-title"), message).into()
}

pub async fn logout(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let form = if method == Method::POST {
        forms::read_page_form(&headers, body)?
    } else {
        match FormParams::parse(query.unwrap_or_default().as_bytes()) {
            Ok(form) => form,
            Err(_) => return Err(bad(tr("logout-malformed"))),
        }
    };

    let hint = match form.get("id_token_hint") {
        Some(hint) => match verify_jwt::<IdTokenClaims>(hint, &state.keys.verifiers()) {
            Ok(verified) if verified.claims.iss == *state.issuer => Some(verified.claims),
            _ => return Err(bad(tr("logout-bad-hint"))),
        },
        None => None,
    };
    let client_id = match (hint.as_ref().map(|h| h.aud.as_str()), form.get("client_id")) {
        (Some(aud), Some(id)) if aud != id => return Err(bad(tr("logout-client-mismatch"))),
        (Some(aud), _) => Some(aud.to_owned()),
        (None, id) => id.map(str::to_owned),
    };
    let post_logout = match form.get("post_logout_redirect_uri") {
        Some(uri) => {
            let client = match &client_id {
                Some(id) => state.store.client_by_id(id).await?,
                None => return Err(bad(tr("logout-needs-hint"))),
            };
            match client {
                Some(client) if redirect_uri::is_registered(&client.post_logout_redirect_uris, uri) => {
                    Some(uri.to_owned())
                }
                _ => return Err(bad(tr("error-unregistered-redirect"))),
            }
        }
        None => None,
    };

    let current = browser::current_session(&state, &headers).await?;
    let confirmed = method == Method::POST && form.get("confirm") == Some("yes");
    let to_end: Option<BrowserSession> = match (&hint, current) {
        (Some(hint), Some(current)) if names_session(hint, &current) => Some(current),
        (_, current) if confirmed => {
            if !browser::check_form_post(&state, &headers, form.get("csrf")) {
                return Err(forms::forbidden_page().into());
            }
            current
        }
        _ => {
            let mut fields = Vec::new();
            if let Some(id) = &client_id {
                fields.push(("client_id", id.as_str()));
            }
            for name in ["post_logout_redirect_uri", "state"] {
                if let Some(value) = form.get(name) {
                    fields.push((name, value));
                }
            }
            return Ok(forms::with_csrf(&state, &headers, |csrf| {
                pages::logout_confirm_page(&state.urls.path(Endpoint::Logout), &fields, csrf)
            })?);
        }
    };

    let now = state.clock.now();
    if let Some(session) = &to_end {
        let mut work = state.store.begin().await?;
        work.end_browser_session(&session.id, now).await?;
        let revoked = work.revoke_browser_session_sessions(&session.id, now, "logout").await?;
        work.commit().await?;
        tracing::info!(user_id = %session.user_id, revoked, "signed out");
    }
    let mut response = match post_logout {
        Some(uri) => {
            let mut params = Vec::new();
            if let Some(s) = form.get("state") {
                params.push(("state", s));
            }
            redirect::redirect_to(&uri, &params)
        }
        None => pages::signed_out_page(),
    };
    response.headers_mut().append(header::SET_COOKIE, browser::clear_session_cookie(&state));
    Ok(response)
}

/// Whether the ID token was issued for this browser session: same user and, when the token
/// carries a `sid` (OpenID Connect Front-Channel Logout 1.0 §3), the same session.
fn names_session(hint: &IdTokenClaims, session: &BrowserSession) -> bool {
    hint.sub == session.user_id && hint.sid.as_deref().is_none_or(|sid| sid == session.id)
}
