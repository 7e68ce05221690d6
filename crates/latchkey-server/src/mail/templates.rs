//! The e-mails' texts, each with a plain-text and an HTML body (maud escapes every value).

use maud::html;

pub use super::email_change_templates::{
    address_in_use, confirm_new_email, email_change_requested, email_changed,
};
use super::Mail;

/// The forgotten-password e-mail, with its single-use link.
pub fn password_reset(to: &str, username: &str, link: &str, minutes: i64) -> Mail {
    let text = format!(
        "Hello {username},\n\n\
         Someone (hopefully you) asked to reset the password of your account.\n\
         To choose a new password, open this link within {minutes} minutes:\n\n{link}\n\n\
         The link works once. Every session of your account will be signed out.\n\
         If you did not ask for it, ignore this e-mail: your password stays as it is.\n"
    );
    let html = html! {
        p { "Hello " (username) "," }
        p { "Someone (hopefully you) asked to reset the password of your account. "
            "To choose a new password, open this link within " (minutes) " minutes:" }
        p { a href=(link) { "Choose a new password" } }
        p { "The link works once. Every session of your account will be signed out. "
            "If you did not ask for it, ignore this e-mail: your password stays as it is." }
    };
    Mail { to: to.to_owned(), subject: "Reset your password".to_owned(), text, html: html.into_string() }
}

/// The verification e-mail of a new account (or a new address), with its single-use link.
pub fn verify_email(to: &str, username: &str, link: &str, hours: i64) -> Mail {
    let text = format!(
        "Hello {username},\n\n\
         To verify this e-mail address, open this link within {hours} hours:\n\n{link}\n\n\
         If you did not create an account, ignore this e-mail.\n"
    );
    let html = html! {
        p { "Hello " (username) "," }
        p { "To verify this e-mail address, open this link within " (hours) " hours:" }
        p { a href=(link) { "Verify my e-mail address" } }
        p { "If you did not create an account, ignore this e-mail." }
    };
    Mail {
        to: to.to_owned(),
        subject: "Verify your e-mail address".to_owned(),
        text,
        html: html.into_string(),
    }
}

/// Sent instead of a second account: the address already has one (sign-up does not tell the
/// visitor so; only the address's owner learns it).
pub fn already_registered(to: &str, username: &str, forgot_password: &str) -> Mail {
    let text = format!(
        "Hello {username},\n\n\
         Someone tried to create an account with this e-mail address, which already has one.\n\
         If it was you and you forgot your password, choose a new one here:\n\n{forgot_password}\n\n\
         Otherwise, ignore this e-mail.\n"
    );
    let html = html! {
        p { "Hello " (username) "," }
        p { "Someone tried to create an account with this e-mail address, which already has one. "
            "If it was you and you forgot your password, " a href=(forgot_password) { "choose a new one" } "." }
        p { "Otherwise, ignore this e-mail." }
    };
    Mail {
        to: to.to_owned(),
        subject: "You already have an account".to_owned(),
        text,
        html: html.into_string(),
    }
}

/// Tells the user a recovery code of their account was used, and how many are left.
pub fn recovery_code_used(to: &str, username: &str, left: i64) -> Mail {
    let text = format!(
        "Hello {username},\n\n\
         A recovery code of your account was just used to sign in. {left} codes are left.\n\
         If this was not you, change your password and generate new recovery codes on your \
         account page.\n"
    );
    let html = html! {
        p { "Hello " (username) "," }
        p { "A recovery code of your account was just used to sign in. " (left) " codes are left." }
        p { "If this was not you, change your password and generate new recovery codes on your account page." }
    };
    Mail { to: to.to_owned(), subject: "A recovery code was used".to_owned(), text, html: html.into_string() }
}
