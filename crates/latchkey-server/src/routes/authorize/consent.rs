//! `POST /consent`: the user's answer on the consent page. The form is checked (`Origin`,
//! CSRF token), the interaction must belong to the browser's current session, and the
//! authorization request is then run again with the answer.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

use super::login::{forbidden_page, read_page_form};
use super::{bad_request_page, process, Step};
use crate::browser::{self, Interaction};
use crate::error::ApiError;
use crate::state::AppState;

pub async fn consent(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let form = match read_page_form(&headers, body) {
        Ok(form) => form,
        Err(page) => return Ok(*page),
    };
    if !browser::check_form_post(&state, &headers, form.get("csrf")) {
        return Ok(forbidden_page());
    }
    let now = state.clock.now();
    let interaction =
        form.get("interaction").and_then(|sealed| Interaction::open(&state.page_mac, sealed, now));
    let session = browser::current_session(&state, &headers).await?;
    let (Some(interaction), Some(session)) = (interaction, session) else {
        return Ok(bad_request_page(
            "This consent form has expired. Go back to the application and try again.",
        ));
    };
    if interaction.bs.as_deref() != Some(session.id.as_str()) {
        return Ok(bad_request_page(
            "You signed in or out since this page was shown. Go back to the application and try again.",
        ));
    }
    let allow = match form.get("decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => return Ok(bad_request_page("Choose Allow or Deny.")),
    };
    process(
        &state,
        &headers,
        interaction.q,
        Step::Consent { bs: session.id, allow, fresh: interaction.fresh },
    )
    .await
}
