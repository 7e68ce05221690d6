//! The account page (`/account`): profile, application sessions, passkeys, password change.
//! Plain forms that work without JavaScript (but adding a passkey, which needs WebAuthn); every form carries the CSRF token.
//!
//! After the sessions come the change of e-mail (`pages/account_email.rs`), the second factors
//! ([`super::account_factors`]) and the passkeys (`pages/passkeys.rs`).

use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};

use super::account_factors::{factors_markup, FactorsView};
use super::{render, tr, tr_args, tr_markup};

/// One application session, as listed.
pub struct SessionRow<'a> {
    pub id: &'a str,
    pub client: &'a str,
    pub started: String,
    pub last_used: String,
    pub device: &'a str,
}

/// Everything the page shows.
pub struct AccountView<'a> {
    /// Where the forms post: the public paths of the three actions.
    pub end_session: &'a str,
    pub end_sessions: &'a str,
    pub change_password: &'a str,
    pub change_email: &'a str,
    pub csrf: &'a str,
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub email_verified: bool,
    /// Whether the account has a password (a federated one may not).
    pub has_password: bool,
    pub sessions: Vec<SessionRow<'a>>,
    /// The passkeys, when the deployment can have them.
    pub passkeys: Option<&'a super::passkeys::PasskeysSection<'a>>,
    pub factors: &'a FactorsView,
    /// The outcome of the last action (a notice, or an error with a 400).
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
}

fn sessions_markup(view: &AccountView<'_>) -> Markup {
    html! {
        h2 { (tr("account-sessions")) }
        @if view.sessions.is_empty() { p { (tr("account-no-sessions")) } }
        ul {
            @for session in &view.sessions {
                li {
                    (tr_markup("account-session", &[
                        ("client", html! { strong { (session.client) } }),
                        ("started", html! { (session.started) }),
                        ("last_used", html! { (session.last_used) }),
                        ("device", html! { (session.device) }),
                    ]))
                    form method="post" action=(view.end_session) {
                        input type="hidden" name="csrf" value=(view.csrf);
                        input type="hidden" name="session" value=(session.id);
                        button type="submit" class="secondary" { (tr("account-end-session")) }
                    }
                }
            }
        }
        @if view.sessions.len() > 1 {
            form method="post" action=(view.end_sessions) {
                input type="hidden" name="csrf" value=(view.csrf);
                button type="submit" class="secondary" { (tr("account-end-sessions")) }
            }
        }
    }
}

pub fn account_page(view: &AccountView<'_>) -> Response {
    let status = if view.error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    render(
        status,
        &tr("account-title"),
        html! {
            h1 { (tr("account-title")) }
            @if let Some(notice) = view.notice { p role="status" { (notice) } }
            @if let Some(error) = view.error { div class="error" role="alert" { (error) } }
            p {
                (tr_markup("account-username", &[("username", html! { strong { (view.username) } })])) br;
                @match view.email {
                    Some(email) if view.email_verified => (tr_args("account-email-verified", &[("email", email.into())])),
                    Some(email) => (tr_args("account-email-unverified", &[("email", email.into())])),
                    None => (tr("account-email-none")),
                }
            }
            (sessions_markup(view))
            (super::account_email::change_email_markup(view.change_email, view.csrf, view.has_password))
            @if let Some(passkeys) = view.passkeys { (super::passkeys::account_section(passkeys, view.csrf)) }
            (factors_markup(view.factors, view.csrf))
            h2 { (tr("account-change-password")) }
            form method="post" action=(view.change_password) {
                input type="hidden" name="csrf" value=(view.csrf);
                label for="current" { (tr("field-current-password")) }
                input type="password" id="current" name="current_password" autocomplete="current-password" required;
                label for="new" { (tr("field-new-password")) }
                input type="password" id="new" name="new_password" autocomplete="new-password" required;
                button type="submit" { (tr("password-submit")) }
            }
        },
    )
}

/// `/account` without a browser session.
pub fn signed_out_account_page() -> Response {
    render(
        StatusCode::UNAUTHORIZED,
        &tr("account-signed-out-title"),
        html! { h1 { (tr("account-signed-out-heading")) } p { (tr("account-signed-out-hint")) } },
    )
}
