//! The consent page and `POST /consent`, the user's answer on it. The form is checked
//! (`Origin`, CSRF token), the interaction must belong to the browser's current session, and
//! the authorization request then runs again with the answer (see `consent_policy`).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_core::scope::Scope;
use latchkey_store::{Client, User};

use super::error::AuthorizeError;
use super::{forms, run, Step};
use crate::browser::{self, Interaction};
use crate::error::ApiError;
use crate::pages::tr;
use crate::pages::{self, ConsentForm};
use crate::public_urls::Endpoint;
use crate::state::AppState;

/// The consent page for `interaction`.
pub fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    client: &Client,
    user: &User,
    scope: &Scope,
    interaction: &Interaction,
) -> Result<Response, ApiError> {
    let sealed = interaction.seal(&state.page_mac)?;
    forms::with_csrf(state, headers, |csrf| {
        pages::consent_page(&ConsentForm {
            action: &state.urls.path(Endpoint::Consent),
            client_name: &client.name,
            username: &user.username,
            scopes: scope.iter().collect(),
            interaction: &sealed,
            csrf,
        })
    })
}

pub async fn consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let form = forms::read_checked_form(&state, &headers, body)?;
    let now = state.clock.now();
    let interaction =
        form.get("interaction").and_then(|sealed| Interaction::open(&state.page_mac, sealed, now));
    let session = browser::current_session(&state, &headers).await?;
    let (Some(interaction), Some(session)) = (interaction, session) else {
        return Err(AuthorizeError::page(tr("consent-expired")));
    };
    if interaction.bs.as_deref() != Some(session.id.as_str()) {
        return Err(AuthorizeError::page(tr("consent-session-changed")));
    }
    let allow = match form.get("decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => return Err(AuthorizeError::page(tr("consent-choose"))),
    };
    let step = Step::Consent { bs: session.id, allow, fresh: interaction.fresh };
    run(&state, &headers, &interaction.q, &step).await
}
