//! The hosted second-factor pages (docs/architecture.md, "Multi-factor authentication"):
//! the code asked after the password, the TOTP enrolment (a QR code rendered as inline SVG by
//! the server, and the secret as text) and the recovery codes shown once. Plain forms; a user
//! with a passkey also gets "Use a passkey", and the enrolment offers one instead of an app
//! (those two run the ceremony through `/passkeys.js`, as the login page's passkey button).
//! The account page reuses the enrolment and recovery-code markup.

use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup, PreEscaped};

use super::passkeys::{enrol_form, second_factor_button, PasskeySignIn};
use super::{render, tr, tr_markup};
use crate::mfa::totp::Enrolment;

/// Where a form posts and what it carries besides the code.
pub struct CodeForm<'a> {
    pub action: &'a str,
    pub csrf: &'a str,
    /// The signed interaction (hosted login), or none (account page).
    pub interaction: Option<&'a str>,
    pub error: Option<&'a str>,
}

fn code_fields(form: &CodeForm<'_>, label: &str, button: &str) -> Markup {
    html! {
        @if let Some(error) = form.error { div class="error" role="alert" { (error) } }
        form method="post" action=(form.action) {
            input type="hidden" name="csrf" value=(form.csrf);
            @if let Some(interaction) = form.interaction {
                input type="hidden" name="interaction" value=(interaction);
            }
            label for="code" { (label) }
            input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code"
                autocapitalize="none" spellcheck="false" required autofocus;
            button type="submit" { (button) }
        }
    }
}

fn status_of(form: &CodeForm<'_>) -> StatusCode {
    if form.error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    }
}

/// The second factor after the password: the code form when the user has an authenticator
/// app (`codes`), the passkey button when they have a passkey.
pub fn challenge_page(
    client_name: &str,
    form: &CodeForm<'_>,
    codes: bool,
    passkey: Option<&PasskeySignIn<'_>>,
) -> Response {
    let content = html! {
        h1 { (tr("mfa-title")) }
        p { (tr_markup("mfa-continue-to", &[("client", html! { strong { (client_name) } })])) }
        @if codes {
            p { (tr("mfa-enter-code")) }
            (code_fields(form, &tr("mfa-code"), &tr("mfa-verify")))
        } @else if let Some(error) = form.error {
            div class="error" role="alert" { (error) }
        }
        @if let Some(passkey) = passkey {
            (second_factor_button(passkey, form.interaction.unwrap_or_default(), form.csrf))
        }
    };
    render(status_of(form), &tr("mfa-title"), content)
}

/// The QR code and secret of an enrolment, then the form for its first code.
pub fn enrolment_markup(enrolment: &Enrolment, form: &CodeForm<'_>) -> Markup {
    html! {
        p { (tr("mfa-enrol-hint")) }
        // The SVG is generated here from the key URI; it carries no outside text.
        div class="qr" { (PreEscaped(&enrolment.qr_svg)) }
        p { (tr_markup("mfa-enrol-key", &[("key", html! { code id="totp-secret" { (enrolment.secret) } })])) }
        (code_fields(form, &tr("mfa-enrol-code"), &tr("mfa-enrol-submit")))
    }
}

/// Enrolment during sign-in, for a client that requires a second factor: an authenticator
/// app, or a passkey when this deployment can have them (`passkey`).
pub fn enrol_page(
    client_name: &str,
    enrolment: &Enrolment,
    form: &CodeForm<'_>,
    passkey: Option<&PasskeySignIn<'_>>,
) -> Response {
    let content = html! {
        h1 { (tr("mfa-enrol-title")) }
        p { (tr_markup("mfa-enrol-required", &[("client", html! { strong { (client_name) } })])) }
        (enrolment_markup(enrolment, form))
        @if let Some(passkey) = passkey {
            h2 { (tr("mfa-enrol-or-passkey")) }
            (enrol_form(passkey, form.interaction.unwrap_or_default(), form.csrf))
        }
    };
    render(status_of(form), &tr("mfa-enrol-title"), content)
}

/// The recovery codes, shown once.
pub fn recovery_codes_markup(codes: &[String]) -> Markup {
    html! {
        h2 { (tr("mfa-recovery-codes")) }
        p { (tr("mfa-recovery-codes-hint")) }
        ul id="recovery-codes" { @for code in codes { li { code { (code) } } } }
    }
}

/// After enrolment during sign-in: the recovery codes, then on to the application.
pub fn enrolled_page(codes: &[String], continue_href: &str) -> Response {
    let content = html! {
        h1 { (tr("mfa-on-title")) }
        (recovery_codes_markup(codes))
        p { a class="provider" href=(continue_href) { (tr("mfa-continue")) } }
    };
    render(StatusCode::OK, &tr("mfa-on-title"), content)
}
