//! The account page's "Change your e-mail address" section (docs/architecture.md, "Changing
//! the e-mail address"): the new address, and the current password unless the account has
//! none (a federated account proves a recent sign-in instead).

use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};

use super::{render, tr, tr_markup};

/// The form, posting to `action`.
pub fn change_email_markup(action: &str, csrf: &str, has_password: bool) -> Markup {
    html! {
        h2 { (tr("email-change-heading")) }
        p { (tr("email-change-hint")) }
        form method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            label for="new_email" { (tr("field-new-email")) }
            input type="text" id="new_email" name="new_email" autocomplete="email" inputmode="email" required;
            @if has_password {
                label for="email_current" { (tr("field-current-password")) }
                input type="password" id="email_current" name="current_password" autocomplete="current-password" required;
            }
            button type="submit" { (tr("email-change-submit")) }
        }
    }
}

/// After an e-mail change link was used: the new address, verified.
pub fn email_changed_page(new_email: &str) -> Response {
    render(
        StatusCode::OK,
        &tr("email-changed-title"),
        html! {
            h1 { (tr("email-changed-heading")) }
            p { (tr_markup("email-changed-text", &[("email", html! { strong { (new_email) } })])) }
        },
    )
}

/// An e-mail change link whose address another account took in the meantime.
pub fn email_in_use_page() -> Response {
    render(
        StatusCode::CONFLICT,
        &tr("email-in-use-title"),
        html! {
            h1 { (tr("email-in-use-heading")) }
            p { (tr("email-in-use-text")) }
        },
    )
}
