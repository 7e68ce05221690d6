//! The forgotten-password pages (docs/architecture.md, "Account recovery"): ask for a link,
//! "check your e-mail" (the same page whether or not the address has an account), choose a
//! new password, done.

use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use latchkey_core::password_policy::Refusal;
use latchkey_core::token_request::MAX_PASSWORD_LEN;

use super::{render, tr, tr_args};

/// Why a new password was refused, in the request's language (NIST SP 800-63B §3.1.1.2: the
/// reason is shown); for every form that sets a password.
pub fn password_refusal(refusal: &Refusal) -> String {
    match refusal {
        Refusal::TooShort(min) => tr_args("password-too-short", &[("min", (*min).into())]),
        Refusal::TooLong => tr_args("password-too-long", &[("max", MAX_PASSWORD_LEN.into())]),
        Refusal::Common => tr("password-common"),
        Refusal::Guessable => tr("password-guessable"),
        Refusal::ContainsAccountName => tr("password-contains-name"),
    }
}

/// The page that asks for the address; `error` (a 400) when the form was not usable.
pub fn forgot_password_page(action: &str, csrf: &str, error: Option<&str>) -> Response {
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    render(
        status,
        &tr("forgot-title"),
        html! {
            h1 { (tr("forgot-title")) }
            p { (tr("forgot-hint")) }
            @if let Some(error) = error { div class="error" role="alert" { (error) } }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(csrf);
                label for="email" { (tr("field-email")) }
                input type="text" id="email" name="email" autocomplete="email" inputmode="email"
                    autocapitalize="none" spellcheck="false" required autofocus;
                button type="submit" { (tr("forgot-submit")) }
            }
        },
    )
}

/// The one answer to a request for a link, whatever the address (no account enumeration).
pub fn link_sent_page(minutes: i64) -> Response {
    render(
        StatusCode::OK,
        &tr("check-email-title"),
        html! {
            h1 { (tr("check-email-title")) }
            p { (tr_args("reset-link-sent", &[("minutes", minutes.into())])) }
        },
    )
}

/// The new-password form of a live link; `error` (a 400) says why the last try was refused.
pub fn reset_password_page(action: &str, token: &str, csrf: &str, error: Option<&str>) -> Response {
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    render(
        status,
        &tr("reset-title"),
        html! {
            h1 { (tr("reset-title")) }
            p { (tr("reset-hint")) }
            @if let Some(error) = error { div class="error" role="alert" { (error) } }
            form method="post" action=(action) {
                input type="hidden" name="token" value=(token);
                input type="hidden" name="csrf" value=(csrf);
                label for="password" { (tr("field-new-password")) }
                input type="password" id="password" name="password" autocomplete="new-password" required autofocus;
                button type="submit" { (tr("password-submit")) }
            }
        },
    )
}

/// A link that is unknown, used, expired, superseded by a newer one, or issued before a
/// password change: one page for all, so it tells nothing more.
pub fn invalid_link_page(forgot_password: &str) -> Response {
    render(
        StatusCode::BAD_REQUEST,
        &tr("invalid-link-title"),
        html! {
            h1 { (tr("invalid-link-heading")) }
            p { (tr("invalid-link-text")) }
            p { a href=(forgot_password) { (tr("invalid-link-again")) } }
        },
    )
}

/// After a reset: the user is told every session ended.
pub fn password_reset_done_page(ended_sessions: u64) -> Response {
    render(
        StatusCode::OK,
        &tr("reset-done-title"),
        html! {
            h1 { (tr("reset-done-heading")) }
            p { (tr_args("reset-done-text", &[("sessions", ended_sessions.into())])) }
        },
    )
}
