//! The e-mails of an e-mail address change (docs/architecture.md, "Changing the e-mail
//! address"): the link to the new address, the notices to the old one, and the word to the
//! owner of an address someone tried to take.

use super::templates::{compose, link, text};
use super::Mail;

/// To the new address: the single-use link that makes it the account's.
pub fn confirm_new_email(to: &str, username: &str, link_url: &str, hours: i64) -> Mail {
    let parts = vec![
        text("mail-confirm-email-intro", &[("hours", hours.into())]),
        link("mail-confirm-email-link", link_url),
        text("mail-confirm-email-outro", &[]),
    ];
    compose(to, username, "mail-confirm-email-subject", parts)
}

/// To the old address, when a change is asked for.
pub fn email_change_requested(to: &str, username: &str, new_email: &str) -> Mail {
    let parts =
        vec![text("mail-change-requested", &[("email", new_email.into())]), text("mail-not-you", &[])];
    compose(to, username, "mail-change-requested-subject", parts)
}

/// To the old address, when the change is done.
pub fn email_changed(to: &str, username: &str, new_email: &str) -> Mail {
    let parts = vec![text("mail-changed", &[("email", new_email.into())]), text("mail-changed-outro", &[])];
    compose(to, username, "mail-changed-subject", parts)
}

/// To the owner of an address another account asked to use (that account is not told).
pub fn address_in_use(to: &str, username: &str, forgot_password: &str) -> Mail {
    let parts = vec![text("mail-in-use", &[]), link("mail-forgot-link", forgot_password)];
    compose(to, username, "mail-in-use-subject", parts)
}
