//! The sign-up and e-mail verification pages (docs/architecture.md, "Sign-up and e-mail
//! verification").

use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use super::render;

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
        "Create an account",
        html! {
            h1 { "Create an account" }
            @if let Some(error) = form.error { div class="error" role="alert" { (error) } }
            form method="post" action=(form.action) {
                input type="hidden" name="csrf" value=(form.csrf);
                label for="email" { "E-mail address" }
                input type="text" id="email" name="email" value=(form.email) autocomplete="email"
                    inputmode="email" autocapitalize="none" spellcheck="false" required;
                label for="username" { "Username (optional; otherwise your address)" }
                input type="text" id="username" name="username" value=(form.username) autocomplete="username"
                    autocapitalize="none" spellcheck="false";
                label for="password" { "Password" }
                input type="password" id="password" name="password" autocomplete="new-password" required;
                button type="submit" { "Create the account" }
            }
        },
    )
}

/// The one answer to a sign-up, whether the address was new or already registered.
pub fn check_email_page() -> Response {
    render(
        StatusCode::OK,
        "Check your e-mail",
        html! {
            h1 { "Check your e-mail" }
            p { "We have sent a message to this address. Follow its link to verify the address; "
                "you can sign in once it is verified." }
        },
    )
}

/// The confirmation form of a live verification link (a GET must not use the link: mail
/// scanners open links).
pub fn verify_email_page(action: &str, token: &str, csrf: &str) -> Response {
    render(
        StatusCode::OK,
        "Verify your e-mail address",
        html! {
            h1 { "Verify your e-mail address" }
            form method="post" action=(action) {
                input type="hidden" name="token" value=(token);
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { "Verify" }
            }
        },
    )
}

pub fn email_verified_page() -> Response {
    render(
        StatusCode::OK,
        "E-mail address verified",
        html! {
            h1 { "Your e-mail address is verified" }
            p { "You can now sign in." }
        },
    )
}
