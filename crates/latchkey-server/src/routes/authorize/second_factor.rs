//! The hosted second-factor forms (docs/architecture.md, "Multi-factor authentication"):
//! `POST /login/second-factor` (a TOTP or recovery code after the password) and
//! `POST /login/enrol-totp` (the first code of an authenticator enrolled during sign-in).
//!
//! Both are bound to the browser session the password (or upstream provider) just started:
//! the signed interaction names it, and the request's cookie must be that session. Success is
//! a step-up: the session's method gains the factor's `amr` value and `mfa`, its `auth_time`
//! becomes now, and the browser goes back into the authorization request. A passkey is one
//! more form (`super::second_factor_passkey`), completing the same way ([`step_up`]).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use latchkey_core::form::FormParams;
use latchkey_core::mfa::AMR_OTP;
use latchkey_store::{BrowserSession, Client, User};

use super::error::AuthorizeError;
use super::redirect::{redirect_to, with_query};
use super::{forms, resolve_client};
use crate::browser::{self, Interaction, INTERACTION_TTL};
use crate::error::ApiError;
use crate::mfa::codes::{self, CodeCheck};
use crate::mfa::{self, recovery_codes, totp, SecondFactor};
use crate::pages::passkeys::PasskeySignIn;
use crate::pages::second_factor::{self as pages, CodeForm};
use crate::pages::tr;
use crate::public_urls::Endpoint;
use crate::state::AppState;

/// Renders one of these pages: its code form posting to `action` with the sealed
/// `interaction`, and the passkey ceremony at `passkey` (its options and its answer) when this
/// deployment can have passkeys ([`crate::passkeys::available`]).
fn render_form(
    state: &AppState,
    headers: &HeaderMap,
    interaction: &Interaction,
    (action, error): (Endpoint, Option<&str>),
    passkey: Option<(Endpoint, Endpoint)>,
    render: impl FnOnce(&CodeForm<'_>, Option<&PasskeySignIn<'_>>) -> Response,
) -> Result<Response, ApiError> {
    let urls = &state.urls;
    let passkey = passkey
        .filter(|_| crate::passkeys::available(state))
        .map(|(options, answer)| (urls.path(Endpoint::PasskeyScript), urls.path(options), urls.path(answer)));
    let sealed = interaction.seal(&state.page_mac)?;
    let action = urls.path(action);
    forms::with_csrf(state, headers, |csrf| {
        let form = CodeForm { action: &action, csrf, interaction: Some(&sealed), error };
        let passkey =
            passkey.as_ref().map(|(script, options, action)| PasskeySignIn { script, options, action });
        render(&form, passkey.as_ref())
    })
}

/// Whose page: the client of the authorization request, the user signing in, and the
/// interaction that resumes the request.
pub struct Step<'a> {
    pub client: &'a Client,
    pub user: &'a User,
    pub interaction: &'a Interaction,
}

/// The second-factor page of the step's user: a code for an authenticator app, an
/// assertion for a passkey (whichever they enrolled); `error` makes it a 401.
pub async fn challenge_page(
    state: &AppState,
    headers: &HeaderMap,
    step: &Step<'_>,
    error: Option<&str>,
) -> Result<Response, ApiError> {
    let enrolled = mfa::enrolled(state, &step.user.id).await?;
    let passkey = enrolled
        .contains(&SecondFactor::Passkey)
        .then_some((Endpoint::SecondFactorPasskeyOptions, Endpoint::SecondFactorPasskey));
    let codes = enrolled.contains(&SecondFactor::Totp);
    render_form(
        state,
        headers,
        step.interaction,
        (Endpoint::SecondFactor, error),
        passkey,
        |form, passkey| pages::challenge_page(&step.client.name, form, codes, passkey),
    )
}

/// The enrolment page: a new secret, or after a wrong code (`error`) the same one again; and
/// a passkey instead, when this deployment can have passkeys.
pub async fn enrol_page(
    state: &AppState,
    headers: &HeaderMap,
    step: &Step<'_>,
    error: Option<&str>,
) -> Result<Response, ApiError> {
    let enrolment = match error {
        None => totp::begin_enrolment(state, step.user).await?,
        Some(_) => totp::pending_enrolment(state, step.user).await?,
    };
    // Enrolled meanwhile (another tab): ask for the code instead.
    let Some(enrolment) = enrolment else {
        return challenge_page(state, headers, step, None).await;
    };
    let passkey = Some((Endpoint::EnrolPasskeyOptions, Endpoint::EnrolPasskey));
    render_form(state, headers, step.interaction, (Endpoint::EnrolTotp, error), passkey, |form, passkey| {
        pages::enrol_page(&step.client.name, &enrolment, form, passkey)
    })
}

/// A posted form of these pages, checked: its interaction, the browser session it is bound
/// to (the request's own), its user and client.
pub(super) struct Posted {
    pub form: FormParams,
    pub interaction: Interaction,
    pub session: BrowserSession,
    pub user: User,
    pub client: Client,
}

impl Posted {
    pub fn step(&self) -> Step<'_> {
        Step { client: &self.client, user: &self.user, interaction: &self.interaction }
    }
}

/// The interaction `form` carries and the browser session it is bound to, which must be the
/// request's own, with its enabled user; `None` when any of them is not so (expired, another
/// browser's, signed out, disabled).
pub(super) async fn bound(
    state: &AppState,
    headers: &HeaderMap,
    form: &FormParams,
) -> Result<Option<(Interaction, BrowserSession, User)>, ApiError> {
    let interaction = form
        .get("interaction")
        .and_then(|sealed| Interaction::open(&state.page_mac, sealed, state.clock.now()));
    let Some(interaction) = interaction else { return Ok(None) };
    let session = browser::current_session(state, headers)
        .await?
        .filter(|session| interaction.bs.as_deref() == Some(session.id.as_str()));
    let Some(session) = session else { return Ok(None) };
    let user = state.store.user_by_id(&session.user_id).await?.filter(|user| !user.disabled);
    Ok(user.map(|user| (interaction, session, user)))
}

pub(super) async fn posted(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Posted, AuthorizeError> {
    let form = forms::read_checked_form(state, headers, body)?;
    let Some((interaction, session, user)) = bound(state, headers, &form).await? else {
        return Err(expired());
    };
    let client = resolve_client::resolve(state, &interaction.q).await?.client;
    Ok(Posted { form, interaction, session, user, client })
}

/// The one refusal of a form whose interaction or session is gone.
pub(super) fn expired() -> AuthorizeError {
    AuthorizeError::page(tr("sign-in-form-expired"))
}

/// The URL that resumes the authorization request of `posted`, with a fresh interaction.
pub(super) fn resume_url(state: &AppState, posted: &Posted) -> Result<String, ApiError> {
    let next = Interaction { exp: state.clock.now() + INTERACTION_TTL, ..posted.interaction.clone() };
    Ok(with_query(
        &state.urls.path(Endpoint::AuthorizeResume),
        &[("interaction", &next.seal(&state.page_mac)?)],
    ))
}

/// The second factor completed the session's sign-in: its method and `auth_time` change
/// (the step-up), and the URL that resumes the authorization request is returned.
pub(super) async fn step_up(state: &AppState, posted: &Posted, amr: &str) -> Result<String, ApiError> {
    let method = posted.session.method.with_second_factor(amr);
    state.store.step_up_browser_session(&posted.session.id, &method, state.clock.now()).await?;
    tracing::info!(user_id = %posted.user.id, amr, "second factor presented");
    resume_url(state, posted)
}

/// `POST /login/second-factor`.
pub async fn second_factor(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let posted = posted(&state, &headers, body).await?;
    let code = posted.form.get("code").unwrap_or_default();
    match codes::check(&state, &posted.user, code).await? {
        CodeCheck::Accepted(amr) => Ok(redirect_to(&step_up(&state, &posted, amr).await?, &[])),
        CodeCheck::Refused => {
            Ok(challenge_page(&state, &headers, &posted.step(), Some(&tr("mfa-wrong-code"))).await?)
        }
    }
}

/// `POST /login/enrol-totp`: the first code confirms the authenticator; the recovery codes
/// are then shown once, with the way on to the application.
pub async fn enrol_totp(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AuthorizeError> {
    let posted = posted(&state, &headers, body).await?;
    let code = posted.form.get("code").unwrap_or_default().trim();
    if !totp::accept(&state, &posted.user.id, code, true).await? {
        return Ok(enrol_page(&state, &headers, &posted.step(), Some(&tr("mfa-wrong-code"))).await?);
    }
    let next = step_up(&state, &posted, AMR_OTP).await?;
    let codes = recovery_codes::generate(&state, &posted.user.id).await?;
    Ok(pages::enrolled_page(&codes, &next))
}
