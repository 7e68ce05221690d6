//! The e-mails' texts, each with a plain-text and an HTML body (maud escapes every value).

use maud::html;

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
