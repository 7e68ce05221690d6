//! The account page's second-factor section (docs/architecture.md, "Multi-factor
//! authentication"): the enrolled factors, enrolment, recovery codes and removal. Passkeys
//! are listed here as a factor, and added or removed in their own section (`super::passkeys`).

use maud::{html, Markup};

use super::{tr, tr_args};

use super::second_factor::{enrolment_markup, recovery_codes_markup, CodeForm};
use crate::mfa::SecondFactor;
use crate::routes::account_page::Shown;

/// What the section shows, with the paths its forms post to.
pub struct FactorsView {
    pub enrolled: Vec<SecondFactor>,
    pub recovery_codes_left: i64,
    pub shown: Shown,
    pub totp_begin: String,
    pub totp_confirm: String,
    pub recovery_codes: String,
    pub remove_factor: String,
}

/// A form that needs a current code (a recent authentication with a factor).
fn with_code(action: &str, csrf: &str, button: &str) -> Markup {
    html! {
        form method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            label { (tr("factors-current-code"))
                input type="text" name="code" autocomplete="one-time-code" required; }
            button type="submit" class="secondary" { (button) }
        }
    }
}

pub fn factors_markup(view: &FactorsView, csrf: &str) -> Markup {
    html! {
        h2 { (tr("mfa-title")) }
        @if view.enrolled.is_empty() { p { (tr("factors-off")) } }
        ul id="second-factors" {
            @for factor in &view.enrolled {
                @match factor {
                    SecondFactor::Totp => li { (tr("factors-app")) (with_code(&view.remove_factor, csrf, &tr("factors-remove-app"))) },
                    SecondFactor::Passkey => li { (tr("factors-passkeys")) },
                }
            }
        }
        @match &view.shown {
            Shown::Enrolment(enrolment) => {
                (enrolment_markup(enrolment, &CodeForm { action: &view.totp_confirm, csrf, interaction: None, error: None }))
            }
            Shown::RecoveryCodes(codes) => (recovery_codes_markup(codes)),
            Shown::Nothing => {
                @if !view.enrolled.contains(&SecondFactor::Totp) {
                    form method="post" action=(view.totp_begin) {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" class="secondary" { (tr("factors-set-up-app")) }
                    }
                }
            }
        }
        // Recovery codes stand in for the authenticator app (they go with it).
        @if view.enrolled.contains(&SecondFactor::Totp) {
            p { (tr_args("factors-codes-left", &[("count", view.recovery_codes_left.into())])) }
            (with_code(&view.recovery_codes, csrf, &tr("factors-new-codes")))
        }
    }
}
