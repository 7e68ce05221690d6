//! The authorization endpoint (RFC 6749 §3.1, §4.1.1; OpenID Connect Core §3.1.2) and the
//! hosted login and consent pages that it leads through.
//!
//! A request runs through a pipeline of named steps, each in its own module, as in
//! node-oidc-provider and ory/fosite ([`run`]):
//!
//! 1. [`resolve_client`]: the client and the redirect URI (errors: a page);
//! 2. [`parse`]: the rest of the request (from here on, errors go back to the client);
//! 3. [`pkce`]: the PKCE requirement;
//! 4. [`scope`]: the scope to grant;
//! 5. [`login_policy`]: the signed-in user, or the login page;
//!    [`second_factor_policy`]: a strong enough sign-in, or the second-factor page;
//! 6. [`consent_policy`]: the user's consent, or the consent page;
//! 7. [`issue_code`]: the code, redirected to the client.
//!
//! Every step returns the one [`AuthorizeError`] (an error page, or an error redirect back to
//! the client), so the pipeline reads as a list of `?`; a step that needs the user answers
//! `ControlFlow::Break(page)`. Adding a step is adding a module and a line to [`run`].
//!
//! The hosted pages send the browser back here with the original request, carried signed in
//! an [`Interaction`], and each time the whole pipeline runs again: the request is checked,
//! then the browser session, then consent, and only then is a code issued.

mod consent;
mod consent_policy;
pub(crate) mod error;
mod federation;
pub(crate) mod forms;
mod issue_code;
mod login;
mod login_policy;
mod parse;
mod passkey_login;
mod pkce;
pub(crate) mod redirect;
mod resolve_client;
mod scope;
mod second_factor;
mod second_factor_passkey;
mod second_factor_policy;

use std::ops::ControlFlow;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_core::form::FormParams;

pub use consent::consent;
pub use error::AuthorizeError;
pub(crate) use federation::begin_account_link;
pub use federation::{
    callback_get, callback_post, link as federation_link, open_link_ticket, start as federation_start,
};
pub use login::login;
pub use passkey_login::{passkey_sign_in, passkey_sign_in_options};
pub use second_factor::{enrol_totp, second_factor};
pub use second_factor_passkey::{
    enrol_passkey, enrol_passkey_options, second_factor_passkey, second_factor_passkey_options,
};

use crate::browser::Interaction;
use crate::pages::tr;
use crate::routes::form_body::{form_body, FormBodyError};
use crate::state::AppState;

/// Where in the flow a request is.
#[derive(Debug, Clone)]
pub enum Step {
    /// Straight from the client.
    Start,
    /// Back from the login form: the browser session `bs` was just created.
    AfterLogin { bs: String },
    /// Back from the consent form.
    Consent { bs: String, allow: bool, fresh: bool },
}

impl Step {
    /// Whether the browser session `session_id` was logged in during this request.
    fn logged_in_as(&self, session_id: &str) -> bool {
        match self {
            Self::AfterLogin { bs } | Self::Consent { bs, fresh: true, .. } => bs == session_id,
            _ => false,
        }
    }

    /// The user's answer on the consent page, when this request comes from it and from the
    /// same browser session.
    fn consent_answer(&self, session_id: &str) -> Option<bool> {
        match self {
            Self::Consent { bs, allow, .. } if bs == session_id => Some(*allow),
            _ => None,
        }
    }
}

/// What every step may look at besides the request itself.
pub struct Context<'a> {
    pub state: &'a AppState,
    pub headers: &'a HeaderMap,
    /// The original request, form-encoded, to carry through the hosted pages.
    pub query: &'a str,
    pub step: &'a Step,
}

/// Runs the authorization request `query` from `step` to its next page or redirect.
pub async fn run(
    state: &AppState,
    headers: &HeaderMap,
    query: &str,
    step: &Step,
) -> Result<Response, AuthorizeError> {
    let ctx = Context { state, headers, query, step };
    let client_request = resolve_client::resolve(state, query).await?;
    let request = parse::parse(&client_request)?;
    pkce::check(&client_request, &request)?;
    let scope = scope::grant(&client_request, &request)?;
    let signed_in = match login_policy::check(&ctx, &client_request, &request).await? {
        ControlFlow::Continue(signed_in) => signed_in,
        ControlFlow::Break(login_page) => return Ok(login_page),
    };
    if let ControlFlow::Break(second_factor_page) =
        second_factor_policy::check(&ctx, &client_request, &request, &signed_in).await?
    {
        return Ok(second_factor_page);
    }
    if let ControlFlow::Break(consent_page) =
        consent_policy::check(&ctx, &client_request, &request, &scope, &signed_in).await?
    {
        return Ok(consent_page);
    }
    issue_code::issue(state, &client_request, &request, &scope, &signed_in).await
}

/// `GET /authorize`.
pub async fn authorize_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AuthorizeError> {
    run(&state, &headers, &query.unwrap_or_default(), &Step::Start).await
}

/// `POST /authorize` (RFC 6749 §3.1: the server supports POST too), a form body.
pub async fn authorize_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let body = form_body(&headers, body).map_err(|error| {
        AuthorizeError::page(match error {
            FormBodyError::NotAForm => tr("authorize-not-a-form"),
            FormBodyError::TooLarge | FormBodyError::Unreadable(_) => tr("authorize-body-unreadable"),
        })
    })?;
    let query = std::str::from_utf8(&body).map_err(|_| AuthorizeError::page(tr("authorize-not-utf8")))?;
    run(&state, &headers, query, &Step::Start).await
}

/// The signed interaction a link of the hosted pages carries (`?interaction=...`).
pub(crate) fn interaction_in_query(
    state: &AppState,
    query: Option<&str>,
) -> Result<Interaction, AuthorizeError> {
    FormParams::parse(query.unwrap_or_default().as_bytes())
        .ok()
        .and_then(|form| form.get("interaction").map(str::to_owned))
        .and_then(|sealed| Interaction::open(&state.page_mac, &sealed, state.clock.now()))
        .ok_or_else(|| AuthorizeError::page(tr("sign-in-link-expired")))
}

/// `GET /authorize/resume?interaction=...`: where the login form sends the browser.
pub async fn resume(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AuthorizeError> {
    let interaction = interaction_in_query(&state, query.as_deref())?;
    let step = match interaction.bs {
        Some(bs) if interaction.fresh => Step::AfterLogin { bs },
        _ => Step::Start,
    };
    run(&state, &headers, &interaction.q, &step).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_counts_as_fresh_only_for_its_own_session() {
        let after_login = Step::AfterLogin { bs: "s1".to_owned() };
        assert!(after_login.logged_in_as("s1") && !after_login.logged_in_as("s2"));
        assert!(!Step::Start.logged_in_as("s1"));
        let consent = |fresh| Step::Consent { bs: "s1".to_owned(), allow: true, fresh };
        assert!(consent(true).logged_in_as("s1") && !consent(false).logged_in_as("s1"));
    }

    #[test]
    fn a_consent_answer_counts_only_for_its_own_session() {
        let deny = Step::Consent { bs: "s1".to_owned(), allow: false, fresh: false };
        assert_eq!(deny.consent_answer("s1"), Some(false));
        assert_eq!(deny.consent_answer("s2"), None);
        assert_eq!(Step::AfterLogin { bs: "s1".to_owned() }.consent_answer("s1"), None);
    }
}
