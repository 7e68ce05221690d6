//! The forgotten-password pages (docs/architecture.md, "Account recovery"): ask for a link,
//! "check your e-mail" (the same page whether or not the address has an account), choose a
//! new password, done.

use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use super::render;

/// The page that asks for the address; `error` (a 400) when the form was not usable.
pub fn forgot_password_page(action: &str, csrf: &str, error: Option<&str>) -> Response {
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    render(
        status,
        "Forgot your password?",
        html! {
            h1 { "Forgot your password?" }
            p { "Enter the e-mail address of your account. We will send you a link to choose a new password." }
            @if let Some(error) = error { div class="error" role="alert" { (error) } }
            form method="post" action=(action) {
                input type="hidden" name="csrf" value=(csrf);
                label for="email" { "E-mail address" }
                input type="text" id="email" name="email" autocomplete="email" inputmode="email"
                    autocapitalize="none" spellcheck="false" required autofocus;
                button type="submit" { "Send the link" }
            }
        },
    )
}

/// The one answer to a request for a link, whatever the address (no account enumeration).
pub fn link_sent_page(minutes: i64) -> Response {
    render(
        StatusCode::OK,
        "Check your e-mail",
        html! {
            h1 { "Check your e-mail" }
            p {
                "If an account uses this address, we have sent it a link to choose a new password. "
                "The link works once, for " (minutes) " minutes."
            }
        },
    )
}

/// The new-password form of a live link; `error` (a 400) says why the last try was refused.
pub fn reset_password_page(action: &str, token: &str, csrf: &str, error: Option<&str>) -> Response {
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    render(
        status,
        "Choose a new password",
        html! {
            h1 { "Choose a new password" }
            p { "Every session of your account will be signed out." }
            @if let Some(error) = error { div class="error" role="alert" { (error) } }
            form method="post" action=(action) {
                input type="hidden" name="token" value=(token);
                input type="hidden" name="csrf" value=(csrf);
                label for="password" { "New password" }
                input type="password" id="password" name="password" autocomplete="new-password" required autofocus;
                button type="submit" { "Change the password" }
            }
        },
    )
}

/// A link that is unknown, used, expired, superseded by a newer one, or issued before a
/// password change: one page for all, so it tells nothing more.
pub fn invalid_link_page(forgot_password: &str) -> Response {
    render(
        StatusCode::BAD_REQUEST,
        "Link no longer valid",
        html! {
            h1 { "This link is no longer valid" }
            p { "It was already used, it expired, or a newer link was sent." }
            p { a href=(forgot_password) { "Ask for a new link" } }
        },
    )
}

/// After a reset: the user is told every session ended.
pub fn password_reset_done_page(ended_sessions: u64) -> Response {
    render(
        StatusCode::OK,
        "Password changed",
        html! {
            h1 { "Your password was changed" }
            p {
                "For your safety, every session of your account was signed out ("
                (ended_sessions) " in applications). Sign in again with the new password."
            }
        },
    )
}
