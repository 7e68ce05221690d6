//! The e-mails' texts, from the message catalogue in the request's language with the product
//! name (docs/architecture.md, "Branding and languages"). Each e-mail is a list of paragraphs
//! written twice by [`compose`]: as the plain-text body (a link on a line of its own) and as
//! the HTML body (maud escapes every value).

use maud::html;

pub use super::email_change_templates::{
    address_in_use, confirm_new_email, email_change_requested, email_changed,
};
use super::Mail;
use crate::i18n::Arg;
use crate::pages::{tr, tr_args};

/// A paragraph of an e-mail.
pub(super) enum Part {
    Text(String),
    /// A link: its label in HTML, its address in the text body.
    Link {
        label: String,
        href: String,
    },
}

/// Paragraph `id` with `args`.
pub(super) fn text(id: &str, args: &[(&str, Arg<'_>)]) -> Part {
    Part::Text(tr_args(id, args))
}

/// A link labelled with message `id`.
pub(super) fn link(id: &str, href: &str) -> Part {
    Part::Link { label: tr(id), href: href.to_owned() }
}

/// The e-mail to `to`: subject message `subject` (it names the product), a greeting of
/// `username`, the `parts`, and the product's signature.
pub(super) fn compose(to: &str, username: &str, subject: &str, parts: Vec<Part>) -> Mail {
    let mut all = vec![text("mail-hello", &[("username", username.into())])];
    all.extend(parts);
    all.push(text("mail-signature", &[]));
    let text = all
        .iter()
        .map(|part| match part {
            Part::Text(text) => text.as_str(),
            Part::Link { href, .. } => href.as_str(),
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let html = html! {
        @for part in &all {
            @match part {
                Part::Text(text) => p { (text) },
                Part::Link { label, href } => p { a href=(href) { (label) } },
            }
        }
    };
    Mail { to: to.to_owned(), subject: tr(subject), text: text + "\n", html: html.into_string() }
}

/// The forgotten-password e-mail, with its single-use link.
pub fn password_reset(to: &str, username: &str, link_url: &str, minutes: i64) -> Mail {
    let parts = vec![
        text("mail-reset-intro", &[("minutes", minutes.into())]),
        link("mail-reset-link", link_url),
        text("mail-reset-outro", &[]),
    ];
    compose(to, username, "mail-reset-subject", parts)
}

/// The verification e-mail of a new account (or a new address), with its single-use link.
pub fn verify_email(to: &str, username: &str, link_url: &str, hours: i64) -> Mail {
    let parts = vec![
        text("mail-verify-intro", &[("hours", hours.into())]),
        link("mail-verify-link", link_url),
        text("mail-verify-outro", &[]),
    ];
    compose(to, username, "mail-verify-subject", parts)
}

/// Sent instead of a second account: the address already has one (sign-up does not tell the
/// visitor so; only the address's owner learns it).
pub fn already_registered(to: &str, username: &str, forgot_password: &str) -> Mail {
    let parts = vec![
        text("mail-registered-intro", &[]),
        link("mail-forgot-link", forgot_password),
        text("mail-registered-outro", &[]),
    ];
    compose(to, username, "mail-registered-subject", parts)
}

/// Tells the user a recovery code of their account was used, and how many are left.
pub fn recovery_code_used(to: &str, username: &str, left: i64) -> Mail {
    let parts = vec![text("mail-recovery-used", &[("left", left.into())]), text("mail-recovery-outro", &[])];
    compose(to, username, "mail-recovery-subject", parts)
}
