//! The account page's second-factor forms (docs/architecture.md, "Multi-factor
//! authentication"): `POST /account/totp/begin` and `/account/totp/confirm` (enrol an
//! authenticator app), `/account/recovery-codes` (a new set, shown once) and
//! `/account/remove-factor`.
//!
//! New recovery codes and removing a factor need a recent authentication with a factor: a
//! current code (TOTP or recovery) entered in the same form, checked through the throttle like
//! every code. The last factor (an authenticator app or passkey) of a user who has a live
//! session with a client whose policy is `required` cannot be removed
//! ([`mfa::last_factor_kept`]): that client would lead them straight back to enrolment.

use axum::extract::{FromRequest, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use latchkey_store::{AuditEvent, User};

use super::actions::AccountForm;
use super::{page, page_with};
use crate::error::ApiError;
use crate::mfa::codes::{self, CodeCheck};
use crate::mfa::totp::Enrolment;
use crate::mfa::{self, recovery_codes, totp, SecondFactor};
use crate::pages::account_factors::FactorsView;
use crate::pages::tr;
use crate::public_urls::Endpoint;
use crate::routes::authorize::error::AuthorizeError;
use crate::state::AppState;

/// What an action made, shown once on the page.
pub enum Shown {
    Nothing,
    /// An enrolment waiting for its first code.
    Enrolment(Enrolment),
    /// New recovery codes.
    RecoveryCodes(Vec<String>),
}

/// The section's content for `user`.
pub async fn section(state: &AppState, user: &User, shown: Shown) -> Result<FactorsView, ApiError> {
    let urls = &state.urls;
    Ok(FactorsView {
        enrolled: mfa::enrolled(state, &user.id).await?,
        recovery_codes_left: state.store.recovery_codes_left(&user.id).await?,
        shown,
        totp_begin: urls.path(Endpoint::AccountTotpBegin),
        totp_confirm: urls.path(Endpoint::AccountTotpConfirm),
        recovery_codes: urls.path(Endpoint::AccountRecoveryCodes),
        remove_factor: urls.path(Endpoint::AccountRemoveFactor),
    })
}

/// The refusal of the last factor's removal ([`mfa::last_factor_kept`]).
pub(super) fn last_factor() -> String {
    tr("factors-last")
}

pub async fn totp_begin(
    State(state): State<AppState>,
    headers: HeaderMap,
    AccountForm { user, .. }: AccountForm,
) -> Result<Response, AuthorizeError> {
    Ok(match totp::begin_enrolment(&state, &user).await? {
        Some(enrolment) => {
            page_with(&state, &headers, &user, None, None, Shown::Enrolment(enrolment)).await?
        }
        None => page(&state, &headers, &user, None, Some(&tr("factors-app-exists"))).await?,
    })
}

pub async fn totp_confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    AccountForm { form, session, user }: AccountForm,
) -> Result<Response, AuthorizeError> {
    let code = form.get("code").unwrap_or_default().trim();
    if !totp::accept(&state, &user.id, code, true).await? {
        let shown = totp::pending_enrolment(&state, &user).await?.map_or(Shown::Nothing, Shown::Enrolment);
        return Ok(page_with(&state, &headers, &user, None, Some(&tr("factors-wrong-code")), shown).await?);
    }
    // The code just entered is a second factor of this browser session's sign-in.
    let method = session.method.with_second_factor(latchkey_core::mfa::AMR_OTP);
    state.store.step_up_browser_session(&session.id, &method, state.clock.now()).await?;
    audit(&state, &user, "second_factor_enrolled").await?;
    let codes = recovery_codes::generate(&state, &user.id).await?;
    let notice = Some(tr("factors-on"));
    Ok(page_with(&state, &headers, &user, notice.as_deref(), None, Shown::RecoveryCodes(codes)).await?)
}

/// An account form that carries a current code of the user (TOTP or recovery, through the
/// throttle): the recent authentication with a factor that new recovery codes and removing a
/// factor need. A wrong code is the page again, saying so.
pub struct WithCurrentCode(AccountForm);

impl FromRequest<AppState> for WithCurrentCode {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let headers = request.headers().clone();
        let account = AccountForm::from_request(request, state).await?;
        let code = account.form.get("code").unwrap_or_default();
        let refused = match codes::check(state, &account.user, code).await {
            Ok(CodeCheck::Accepted(_)) => return Ok(Self(account)),
            Ok(CodeCheck::Refused) => {
                page(state, &headers, &account.user, None, Some(&tr("factors-wrong-code"))).await
            }
            Err(error) => Err(error),
        };
        Err(refused.unwrap_or_else(IntoResponse::into_response))
    }
}

pub async fn recovery_codes(
    State(state): State<AppState>,
    headers: HeaderMap,
    WithCurrentCode(AccountForm { user, .. }): WithCurrentCode,
) -> Result<Response, AuthorizeError> {
    let codes = recovery_codes::generate(&state, &user.id).await?;
    let notice = Some(tr("factors-new-codes-made"));
    Ok(page_with(&state, &headers, &user, notice.as_deref(), None, Shown::RecoveryCodes(codes)).await?)
}

pub async fn remove_factor(
    State(state): State<AppState>,
    headers: HeaderMap,
    WithCurrentCode(AccountForm { user, .. }): WithCurrentCode,
) -> Result<Response, AuthorizeError> {
    let left = mfa::enrolled(&state, &user.id).await?.into_iter().filter(|f| *f != SecondFactor::Totp);
    if mfa::last_factor_kept(&state, &user.id, &left.collect::<Vec<_>>()).await? {
        return Ok(page(&state, &headers, &user, None, Some(&last_factor())).await?);
    }
    state.store.remove_totp(&user.id).await?;
    audit(&state, &user, "second_factor_removed").await?;
    Ok(page(&state, &headers, &user, Some(&tr("factors-app-removed")), None).await?)
}

async fn audit(state: &AppState, user: &User, kind: &str) -> Result<(), ApiError> {
    let event = AuditEvent {
        at: state.clock.now(),
        kind: kind.to_owned(),
        user_id: Some(user.id.clone()),
        client_id: None,
        session_id: None,
        detail: Some("factor=totp".to_owned()),
    };
    Ok(state.store.record_audit_event(&event).await?)
}
