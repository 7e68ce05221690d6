//! The sign-up and e-mail verification pages (docs/architecture.md, "Sign-up and e-mail
//! verification").

use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use super::{render, tr};

/// What the sign-up form shows again after a refusal.
pub struct SignupForm<'a> {
    pub action: &'a str,
    pub csrf: &'a str,
    pub email: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
}

pub fn signup_page(form: &SignupForm<'_>) -> Response {
    let status = if form.error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    render(
        status,
        &tr("signup-title"),
        html! {
            h1 { (tr("signup-title")) }
            @if let Some(error) = form.error { div class="error" role="alert" { (error) } }
            form method="post" action=(form.action) {
                input type="hidden" name="csrf" value=(form.csrf);
                label for="email" { (tr("field-email")) }
                input type="text" id="email" name="email" value=(form.email) autocomplete="email"
                    inputmode="email" autocapitalize="none" spellcheck="false" required;
                label for="username" { (tr("signup-username")) }
                input type="text" id="username" name="username" value=(form.username) autocomplete="username"
                    autocapitalize="none" spellcheck="false";
                label for="password" { (tr("field-password")) }
                input type="password" id="password" name="password" autocomplete="new-password" required;
                button type="submit" { (tr("signup-submit")) }
            }
        },
    )
}

/// The one answer to a sign-up, whether the address was new or already registered.
pub fn check_email_page() -> Response {
    render(
        StatusCode::OK,
        &tr("check-email-title"),
        html! {
            h1 { (tr("check-email-title")) }
            p { (tr("signup-check-email")) }
        },
    )
}

/// The confirmation form of a live verification link (a GET must not use the link: mail
/// scanners open links).
pub fn verify_email_page(action: &str, token: &str, csrf: &str) -> Response {
    render(
        StatusCode::OK,
        &tr("verify-title"),
        html! {
            h1 { (tr("verify-title")) }
            form method="post" action=(action) {
                input type="hidden" name="token" value=(token);
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { (tr("verify-submit")) }
            }
        },
    )
}

pub fn email_verified_page() -> Response {
    render(
        StatusCode::OK,
        &tr("verified-title"),
        html! {
            h1 { (tr("verified-heading")) }
            p { (tr("verified-text")) }
        },
    )
}
