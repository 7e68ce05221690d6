//! The account page's "Change your e-mail address" section (docs/architecture.md, "Changing
//! the e-mail address"): the new address, and the current password unless the account has
//! none (a federated account proves a recent sign-in instead).

use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};

use super::render;

/// The form, posting to `action`.
pub fn change_email_markup(action: &str, csrf: &str, has_password: bool) -> Markup {
    html! {
        h2 { "Change your e-mail address" }
        p { "We send a link to the new address; the change happens when you open it." }
        form method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            label for="new_email" { "New e-mail address" }
            input type="text" id="new_email" name="new_email" autocomplete="email" inputmode="email" required;
            @if has_password {
                label for="email_current" { "Current password" }
                input type="password" id="email_current" name="current_password" autocomplete="current-password" required;
            }
            button type="submit" { "Change the e-mail address" }
        }
    }
}

/// After an e-mail change link was used: the new address, verified.
pub fn email_changed_page(new_email: &str) -> Response {
    render(
        StatusCode::OK,
        "E-mail address changed",
        html! {
            h1 { "Your e-mail address was changed" }
            p { "Your account's e-mail address is now " strong { (new_email) } ", and it is verified." }
        },
    )
}

/// An e-mail change link whose address another account took in the meantime.
pub fn email_in_use_page() -> Response {
    render(
        StatusCode::CONFLICT,
        "E-mail address not changed",
        html! {
            h1 { "Your e-mail address was not changed" }
            p { "Another account uses this address now. Your account keeps its address." }
        },
    )
}
